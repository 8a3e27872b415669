"""What the provider process knows of each org's registries: one list call per org.

A deployment asks "does NPM_REGISTRY_SECRET exist in acme?" before each create and "what is it
now?" on each refresh. Answering each with a GET costs one request per registry; one list call
(100 a page) answers them all for the org. The snapshot is shared by the provider's worker
threads (a per-org lock makes concurrent first uses wait for one list call), kept current by our
own writes, and taken again after ``ttl`` seconds so a long-lived process does not trust an old
picture.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Claim", "Claims", "Inventory"]

Record = dict[str, Any]


class Inventory:
    """Per-org snapshots of ``{name: record}`` from GitHub's list endpoint."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._snapshots: dict[str, tuple[float, dict[str, Record]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _org_lock(self, slot: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(slot, threading.Lock())

    def lookup(self, org: str, name: str, fetch: Callable[[str], list[Record]]) -> Record | None:
        """The record of ``name`` in ``org`` (a copy), listing the org with ``fetch`` if needed."""
        slot = org.lower()
        with self._org_lock(slot):
            snapshot = self._snapshots.get(slot)
            if snapshot is None or self._clock() - snapshot[0] > self._ttl:
                records = {str(r["name"]).upper(): r for r in fetch(org)}
                snapshot = (self._clock(), records)
                self._snapshots[slot] = snapshot
            record = snapshot[1].get(name.upper())
            return copy.deepcopy(record) if record is not None else None

    def record(self, org: str, record: Mapping[str, Any]) -> None:
        """Note a registry as we just wrote or read it (ignored if the org was never listed)."""
        slot = org.lower()
        with self._org_lock(slot):
            snapshot = self._snapshots.get(slot)
            if snapshot is not None:
                snapshot[1][str(record["name"]).upper()] = copy.deepcopy(dict(record))

    def forget(self, org: str, name: str) -> None:
        """Note that a registry is gone."""
        slot = org.lower()
        with self._org_lock(slot):
            snapshot = self._snapshots.get(slot)
            if snapshot is not None:
                snapshot[1].pop(name.upper(), None)

    def clear(self, org: str | None = None) -> None:
        """Forget the snapshot of ``org`` (default: every snapshot): the next lookup lists it again."""
        with self._guard:
            if org is None:
                self._snapshots.clear()
            else:
                self._snapshots.pop(org.lower(), None)


@dataclass(frozen=True)
class Claim:
    """Who manages a registry: a label for messages, its outputs' fingerprint (None while being
    made), and whether it was made (created, adopted or updated) in this process or only seen
    (diffed) as an existing resource."""

    label: str
    fingerprint: str | None
    made: bool


class Claims:
    """Which resource of this deployment manages each registry, as far as this process has seen.

    GitHub holds one registry per type in an org. Two resources that declare the same one (both with
    ``adopt``, or one renamed without its old name given to the engine) would each succeed, and their
    states would hold different values while GitHub holds one; after a rename, the old resource's
    delete would remove the registry the new one now owns. A resource is told apart by a fingerprint
    of its outputs (GitHub's timestamps and the sealed value it sent), since the protocol does not
    name it.
    """

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], Claim] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _slot(org: str, name: str) -> tuple[str, str]:
        return org.lower(), name.upper()

    def observe(self, org: str, name: str, label: str, fingerprint: str) -> Claim | None:
        """An existing resource manages ``org``/``name`` (the engine diffs it).

        Returns the other resource's claim when another one holds it (nothing changes), else None.
        """
        with self._lock:
            held = self._claims.get(self._slot(org, name))
            if held is not None and held.fingerprint != fingerprint:
                return held
            if held is None:
                self._claims[self._slot(org, name)] = Claim(label, fingerprint, made=False)
            return None

    def begin(self, org: str, name: str, label: str) -> tuple[Claim | None, Claim | None]:
        """A create starts: (the claim of a resource that made it here, refusing it; else None), and
        the claim of an existing resource that was only seen, which an adoption must not override.
        """
        with self._lock:
            held = self._claims.get(self._slot(org, name))
            if held is not None and held.made:
                return held, None
            self._claims[self._slot(org, name)] = Claim(label, None, made=True)
            return None, held

    def settle(self, org: str, name: str, label: str, fingerprint: str) -> None:
        """This resource made the registry what its outputs (``fingerprint``) say."""
        with self._lock:
            self._claims[self._slot(org, name)] = Claim(label, fingerprint, made=True)

    def restore(self, org: str, name: str, previous: Claim | None) -> None:
        """A create failed: the claim is what it was before it began."""
        with self._lock:
            if previous is None:
                self._claims.pop(self._slot(org, name), None)
            else:
                self._claims[self._slot(org, name)] = previous

    def held_by_another(self, org: str, name: str, fingerprint: str) -> bool:
        """Whether another resource, known by its outputs, manages ``org``/``name``.

        A create still under way (no outputs yet) does not count: its outcome is not known.
        """
        with self._lock:
            held = self._claims.get(self._slot(org, name))
            return held is not None and held.fingerprint is not None and held.fingerprint != fingerprint

    def release(self, org: str, name: str) -> None:
        """The registry was deleted: it may be claimed again."""
        with self._lock:
            self._claims.pop(self._slot(org, name), None)
