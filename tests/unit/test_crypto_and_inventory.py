"""Sealing, the per-org key cache and the per-org inventory, including under concurrent threads."""

from __future__ import annotations

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from nacl.public import PrivateKey, SealedBox

from pulumi_github_private_registry.core.crypto import PublicKey, PublicKeyCache, seal
from pulumi_github_private_registry.core.inventory import Inventory
from pulumi_github_private_registry.core.schema import is_standard_base64


def test_sealed_value_opens_with_the_private_key_and_differs_each_time() -> None:
    private = PrivateKey.generate()
    key = PublicKey("568250167242549743", base64.b64encode(bytes(private.public_key)).decode())
    first, second = seal("hunter2", key), seal("hunter2", key)
    assert first.key_id == key.key_id
    assert is_standard_base64(first.encrypted_value)
    assert first.encrypted_value != second.encrypted_value, "sealed boxes are random"
    opened = SealedBox(private).decrypt(base64.b64decode(first.encrypted_value))
    assert opened == b"hunter2"
    assert "hunter2" not in repr(first) and first.encrypted_value not in repr(first)


def slow_fetch(calls: list[str]) -> object:
    def fetch(org: str) -> PublicKey:
        calls.append(org)
        key_id = f"id-{len(calls)}"
        time.sleep(0.05)  # widen the race window
        return PublicKey(key_id, "a2V5")

    return fetch


def test_key_cache_fetches_once_per_org_across_threads() -> None:
    cache = PublicKeyCache()
    calls: list[str] = []
    fetch = slow_fetch(calls)
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda org: cache.get(org, fetch), ["acme", "ACME", "beta"] * 8))  # type: ignore[arg-type]
    assert sorted(c.lower() for c in calls) == ["acme", "beta"]
    assert len({k.key_id for k in keys}) == 2


def test_key_cache_drops_only_the_rejected_key() -> None:
    cache = PublicKeyCache()
    calls: list[str] = []
    fetch = slow_fetch(calls)
    first = cache.get("acme", fetch)  # type: ignore[arg-type]
    cache.drop("acme", key_id="some-other-id")
    assert cache.get("acme", fetch) == first  # type: ignore[arg-type]
    cache.drop("acme", key_id=first.key_id)
    assert cache.get("acme", fetch) != first  # type: ignore[arg-type]
    assert len(calls) == 2


def test_inventory_lists_each_org_once_across_threads() -> None:
    inventory = Inventory()
    calls: list[str] = []
    lock = threading.Lock()

    def fetch(org: str) -> list[dict[str, object]]:
        with lock:
            calls.append(org)
        time.sleep(0.05)
        return [{"name": "NPM_REGISTRY_SECRET", "url": org}]

    with ThreadPoolExecutor(4) as pool:
        found = list(
            pool.map(lambda org: inventory.lookup(org, "NPM_REGISTRY_SECRET", fetch), ["a", "b"] * 10)
        )
    assert sorted(calls) == ["a", "b"]
    assert all(record is not None for record in found)


def test_inventory_follows_our_own_writes_and_expires() -> None:
    now = [0.0]
    inventory = Inventory(ttl=10, clock=lambda: now[0])
    lists: list[str] = []

    def fetch(org: str) -> list[dict[str, object]]:
        lists.append(org)
        return []

    assert inventory.lookup("acme", "NPM_REGISTRY_SECRET", fetch) is None
    inventory.record("acme", {"name": "NPM_REGISTRY_SECRET", "url": "u"})
    assert inventory.lookup("acme", "npm_registry_secret", fetch) == {
        "name": "NPM_REGISTRY_SECRET",
        "url": "u",
    }
    inventory.forget("ACME", "NPM_REGISTRY_SECRET")
    assert inventory.lookup("acme", "NPM_REGISTRY_SECRET", fetch) is None
    assert lists == ["acme"]
    now[0] = 11
    inventory.lookup("acme", "NPM_REGISTRY_SECRET", fetch)
    assert lists == ["acme", "acme"]
