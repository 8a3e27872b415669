"""Load: 60 registries across 4 orgs through one provider process while the emulator enforces a rate limit.

One `pulumi up` of a platform team's stack: every registry type in four orgs, created, then each changed (a
field and the value), then destroyed, driven four at a time as the engine does (the host serves on four
worker threads), while GitHub refuses whatever goes beyond a secondary rate limit. Nothing may fail, nothing
may be made twice, and GitHub must end as declared. The figures are printed (``pytest -s``) and recorded as
test properties.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from provider_host import ProviderHost
from pulumi_github_private_registry.core.schema import REGISTRY_TYPES, configuration_name
from pulumi_github_private_registry.emulator import Emulator
from samples import declaration

Deploy = Callable[..., ProviderHost]
Key = tuple[str, str]  # (org, registry_type)

ORGS = ("load-a", "load-b", "load-c", "load-d")
LIMIT = 20  # requests a second the emulator lets through; the run needs about 250
CONFIG = {"github-private-registry:maxConcurrency": "4", "github:writeDelayMs": "0"}


def declared(key: Key, generation: int) -> dict[str, Any]:
    org, registry_type = key
    path = "v2/" if generation else ""
    return {
        "org": org,
        "registry_type": registry_type,
        "url": f"https://{registry_type.replace('_', '-')}.example.com/{org}/{path}",
        "visibility": "all",
        "value": f"{org}-{registry_type}-secret-{generation}",
    }


def run_all(work: Callable[[Key], Any], keys: list[Key]) -> dict[Key, Any]:
    """``work`` for every key, four at a time; every failure is collected, then reported together."""

    def attempt(key: Key) -> Any:
        try:
            return work(key)
        except Exception as exc:  # reported below, all at once
            return exc

    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(keys, pool.map(attempt, keys), strict=True))
    failures = {key: result for key, result in results.items() if isinstance(result, Exception)}
    assert not failures, f"{len(failures)} failed, first: {next(iter(failures.values()))}"
    return results


def test_sixty_registries_across_four_orgs_survive_a_rate_limit(
    deployment: Deploy, emulator: Emulator, record_property: Callable[[str, object], None]
) -> None:
    host = deployment(**CONFIG)
    keys = [(org, registry_type) for org in ORGS for registry_type in REGISTRY_TYPES]
    assert len(keys) == 60
    figures: dict[str, dict[str, float]] = {}
    state: dict[Key, tuple[str, dict[str, Any], dict[str, Any]]] = {}

    def phase(name: str, status: int, work: Callable[[Key], Any]) -> dict[Key, Any]:
        emulator.reset_log()
        emulator.limit_rate(max_requests=LIMIT, window=1.0, status=status, retry_after=1)
        started = time.monotonic()
        results = run_all(work, keys)
        seconds = time.monotonic() - started
        emulator.limit_rate(max_requests=0, window=0)
        statuses = [r.status for r in emulator.requests]
        limited = sum(s == status for s in statuses)
        assert limited > 0, f"{name}: the rate limit was never hit, so this proves nothing"
        assert set(statuses) <= {200, 201, 204, status}, f"{name}: every other answer is a success"
        figures[name] = {"requests": len(statuses), "rate_limited": limited, "seconds": round(seconds, 1)}
        return results

    def create(key: Key) -> None:
        checked = host.check(declared(key, 0))
        assert checked.failures == []
        id_, outs = host.create(checked.inputs)
        state[key] = (id_, outs, checked.inputs)

    phase("create", 429, create)
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert sum(r.status == 201 for r in posts) == 60, "each registry created once"
    assert all(r.status in (201, 429) for r in posts), "no create sent again but after a rate limit"
    for org in ORGS:
        assert sorted(emulator.registries(org)) == sorted(configuration_name(t) for t in REGISTRY_TYPES)
    for key, (_, outs, _) in state.items():
        name = configuration_name(key[1])
        assert emulator.decrypted_value(key[0], name) == declared(key, 0)["value"]
        assert outs["updated_at"] == emulator.registry(key[0], name)["updated_at"]  # type: ignore[index]

    def update(key: Key) -> None:
        id_, outs, inputs = state[key]
        checked = host.check(declared(key, 1), inputs)
        assert checked.failures == []
        assert host.diff(id_, outs, checked.inputs).changes == "some"
        state[key] = (id_, host.update(id_, outs, checked.inputs), checked.inputs)

    phase("update", 403, update)
    assert sum(r.status == 204 for r in emulator.requests if r.method == "PATCH") == 60
    for key, (_, outs, _) in state.items():
        name = configuration_name(key[1])
        stored = emulator.registry(key[0], name)
        assert stored is not None and stored["url"] == declared(key, 1)["url"]
        assert emulator.decrypted_value(key[0], name) == declared(key, 1)["value"]
        assert outs["updated_at"] == stored["updated_at"]

    def delete(key: Key) -> None:
        id_, outs, _ = state[key]
        host.delete(id_, outs)

    phase("delete", 429, delete)
    assert sum(r.status == 204 for r in emulator.requests if r.method == "DELETE") == 60
    assert all(emulator.registries(org) == {} for org in ORGS)

    total = {k: sum(f[k] for f in figures.values()) for k in ("requests", "rate_limited", "seconds")}
    for name, figure in [*figures.items(), ("total", total)]:
        record_property(name, figure)
    print(
        f"\nload: 60 registries x create/update/delete through one process, limit {LIMIT}/s: "
        + "; ".join(
            f"{name} {f['requests']:.0f} requests, {f['rate_limited']:.0f} rate-limited (each retried), "
            f"{f['seconds']:.1f} s"
            for name, f in [*figures.items(), ("total", total)]
        )
        + "; failures 0"
    )


def _wall_time(work: Callable[[Key], Any], keys: list[Key]) -> float:
    started = time.monotonic()
    run_all(work, keys)
    return time.monotonic() - started


def test_writes_are_spaced_process_wide_by_write_delay(deployment: Deploy, emulator: Emulator) -> None:
    def creates(host: ProviderHost, suffix: str) -> float:
        # OIDC registries: no key to fetch, so each create is one list and one POST, each in its own org.
        keys = [(f"{org}-{suffix}", "docker_registry") for org in ORGS]
        return _wall_time(lambda key: host.create(host.check(declaration("oidc_azure", key[0])).inputs), keys)

    # A second between writes: wide enough that a new process's slow first calls on a busy machine
    # cannot make the unspaced creates look spaced.
    spaced = creates(deployment(**{"github:writeDelayMs": "1000"}), "spaced")
    assert spaced >= 3 * 1.0, "4 POSTs a second apart, whichever of the 4 threads sends them"
    assert creates(deployment(**{"github:writeDelayMs": "0"}), "unspaced") < 3 * 1.0
    assert emulator.count("POST") == 8


def test_requests_in_flight_are_capped_process_wide(deployment: Deploy, emulator: Emulator) -> None:
    for org in ORGS:
        emulator.put_registry(org, **{k: v for k, v in declaration("oidc_azure", org).items() if k != "org"})
    emulator.latency = 1.0  # wide enough for a new process's slow first calls on a busy machine

    def refreshes(host: ProviderHost) -> float:
        # A refresh of a registry that the org's list shows: one list request for each of the 4 orgs.
        keys = [(org, "docker_registry") for org in ORGS]
        return _wall_time(
            lambda key: host.read(f"{key[0]}/DOCKER_REGISTRY_SECRET", declaration("oidc_azure", key[0])), keys
        )

    assert refreshes(deployment(**{"github-private-registry:maxConcurrency": "1"})) >= 4 * 1.0, (
        "one at a time"
    )
    assert refreshes(deployment(**{"github-private-registry:maxConcurrency": "4"})) < 4 * 1.0, "side by side"
    assert emulator.count("GET") == 8
