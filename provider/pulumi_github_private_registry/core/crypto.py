"""Sealing secrets for GitHub, and the per-org public-key cache.

GitHub wants a private registry's value as a libsodium sealed box over the org's
private-registries public key, in standard padded base64, with the key's id. Sealing is random:
the same plaintext seals differently every time, so nothing may compare ciphertexts to detect a
change (the provider compares plaintexts instead).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PublicKey", "PublicKeyCache", "Sealed", "seal"]


@dataclass(frozen=True)
class PublicKey:
    """An org's private-registries public key: base64 X25519 key and its id."""

    key_id: str
    key: str


@dataclass(frozen=True)
class Sealed:
    """A sealed value as GitHub takes it: ``encrypted_value`` and the ``key_id`` it was sealed with."""

    encrypted_value: str
    key_id: str

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r})"


def seal(plaintext: str, key: PublicKey) -> Sealed:
    """Seal ``plaintext`` with ``key`` (PyNaCl ``SealedBox``), as standard padded base64."""
    # Imported here: PyNaCl loads libsodium, which a preview (no sealing) never needs.
    from nacl.public import PublicKey as NaclPublicKey
    from nacl.public import SealedBox

    box = SealedBox(NaclPublicKey(base64.b64decode(key.key)))
    sealed = box.encrypt(plaintext.encode("utf-8"))
    return Sealed(encrypted_value=base64.b64encode(sealed).decode("ascii"), key_id=key.key_id)


class PublicKeyCache:
    """Org public keys, fetched at most once per org until dropped; safe across threads.

    Org names are case-insensitive at GitHub, so they are keyed in lower case. A per-org lock
    makes concurrent first uses of one org wait for a single fetch.
    """

    def __init__(self) -> None:
        self._keys: dict[str, PublicKey] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, org: str, fetch: Callable[[str], PublicKey]) -> PublicKey:
        """The cached key of ``org``, fetched with ``fetch(org)`` the first time."""
        slot = org.lower()
        key = self._keys.get(slot)
        if key is not None:
            return key
        with self._guard:
            lock = self._locks.setdefault(slot, threading.Lock())
        with lock:
            key = self._keys.get(slot)
            if key is None:
                key = fetch(org)
                self._keys[slot] = key
            return key

    def drop(self, org: str, key_id: str | None = None) -> None:
        """Forget ``org``'s key (only if it is ``key_id``, when given): GitHub rejected it."""
        slot = org.lower()
        with self._guard:
            current = self._keys.get(slot)
            if current is not None and (key_id is None or current.key_id == key_id):
                del self._keys[slot]

    def clear(self) -> None:
        """Forget every key."""
        with self._guard:
            self._keys.clear()
