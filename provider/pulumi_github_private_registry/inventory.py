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
    """Which registries this deployment's resources have created or adopted, in this process.

    GitHub holds one registry per type in an org. Two resources that declare the same one (both with
    ``adopt``, or one renamed without ``aliases``) would each succeed, and their states would hold
    different values while GitHub holds one: the second claim is refused instead.
    """

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def claim(self, org: str, name: str, label: str) -> str | None:
        """Claim ``org``/``name`` for a resource described by ``label``.

        Returns None when the claim is granted, else the earlier claim's label (and claims nothing).
        """
        slot = (org.lower(), name.upper())
        with self._lock:
            if slot in self._claims:
                return self._claims[slot]
            self._claims[slot] = label
            return None

    def release(self, org: str, name: str) -> None:
        """The registry was deleted, or its create failed: it may be claimed again."""
        with self._lock:
            self._claims.pop((org.lower(), name.upper()), None)
