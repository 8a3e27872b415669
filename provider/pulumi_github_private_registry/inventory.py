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
from typing import Any

__all__ = ["Claims", "Inventory"]

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

    def clear(self) -> None:
        """Forget every snapshot."""
        with self._guard:
            self._snapshots.clear()


class Claims:
    """Which resource of this deployment manages each registry, as far as this process has seen.

    GitHub holds one registry per type in an org. Two resources that declare the same one (both with
    ``adopt``, or one renamed without ``aliases``) would each succeed, and their states would hold
    different values while GitHub holds one; after a rename, the old resource's delete would remove
    the registry the new one now owns. A resource is told apart by a fingerprint of its outputs
    (GitHub's timestamps and the sealed value it sent), since the protocol does not name it.
    """

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], tuple[str, str | None]] = {}
        self._lock = threading.Lock()

    def claim(self, org: str, name: str, label: str, fingerprint: str | None = None) -> str | None:
        """Claim ``org``/``name`` for the resource ``label`` describes (``fingerprint`` None: being made).

        Returns None when granted (or already this resource's), else the holder's label.
        """
        slot = (org.lower(), name.upper())
        with self._lock:
            held = self._claims.get(slot)
            if held is not None and (fingerprint is None or held[1] != fingerprint):
                return held[0]
            self._claims[slot] = (label, fingerprint)
            return None

    def settle(self, org: str, name: str, label: str, fingerprint: str) -> None:
        """The claimant's outputs are now these (after its create or update)."""
        with self._lock:
            self._claims[(org.lower(), name.upper())] = (label, fingerprint)

    def held_by_another(self, org: str, name: str, fingerprint: str) -> bool:
        """Whether a resource other than the one of ``fingerprint`` manages ``org``/``name``."""
        with self._lock:
            held = self._claims.get((org.lower(), name.upper()))
            return held is not None and held[1] != fingerprint

    def release(self, org: str, name: str) -> None:
        """The registry was deleted, or its create failed: it may be claimed again."""
        with self._lock:
            self._claims.pop((org.lower(), name.upper()), None)
