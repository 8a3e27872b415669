"""The requests each phase costs (issue 6), counted at the emulator: deterministic, so asserted exactly.

Every phase runs in a fresh provider process (``deployment()``), as each ``pulumi`` command starts
one, and is driven from four threads by the same engine functions the benchmark uses
(tests/benchmark.py). Times are the benchmark's business; nothing here asserts one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmark import (
    Registry,
    change_url,
    change_value,
    create,
    declarations,
    delete,
    preview,
    refresh,
    tally,
    update,
)
from provider_host import ProviderHost
from pulumi_github_private_registry.core.schema import configuration_name
from pulumi_github_private_registry.emulator import Emulator

Deploy = Callable[..., ProviderHost]
ORG = "counts"
N = 15  # one registry per registry type: GitHub's most for one org
REPO = Path(__file__).resolve().parents[2]


def kinds(emulator: Emulator) -> Counter[str]:
    """Requests since the last reset: ``list``, ``key``, then one registry by method."""
    return tally(emulator.requests)[0]


def per_org(emulator: Emulator) -> dict[str, Counter[str]]:
    """The same, org by org."""
    return tally(emulator.requests)[1]


def fleet_of(orgs: list[str], count: int) -> list[Registry]:
    return [Registry(d) for d in declarations(orgs, count)]


@pytest.fixture
def fleet(deployment: Deploy, emulator: Emulator) -> list[Registry]:
    """N registries of one org, created by an earlier `pulumi up`; the request log starts empty."""
    registries = fleet_of([ORG], N)
    create(deployment(), registries)
    emulator.reset_log()
    return registries


def test_create_of_n_registries_in_one_org_is_one_list_one_key_and_a_post_each(
    deployment: Deploy, emulator: Emulator
) -> None:
    registries = fleet_of([ORG], N)
    create(deployment(), registries)
    # N + 2: no GET per existence probe, no GET after the POST, one key for every seal.
    assert kinds(emulator) == Counter({"list": 1, "key": 1, "POST": N})
    assert len(emulator.registries(ORG)) == N
    assert all(r.id == f"{ORG}/{configuration_name(r.declaration['registry_type'])}" for r in registries)


def test_preview_without_refresh_makes_no_request(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    host = deployment()
    preview(host, fleet, change_url)
    preview(host, fleet, change_value)
    assert emulator.count() == 0


def test_preview_of_new_registries_makes_no_request(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment()
    for registry in fleet_of(["brand-new"], N):
        assert host.check(registry.declaration).failures == []
    assert emulator.count() == 0


def test_refresh_of_an_org_is_one_list_call(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    refresh(deployment(), fleet)
    assert kinds(emulator) == Counter({"list": 1})
    # What users see: every registry still there, nothing drifted.
    assert all(r.id and r.outputs["remote_updated_at"] == r.outputs["updated_at"] for r in fleet)


def test_update_of_one_field_is_one_list_then_one_patch_and_one_get_per_registry(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    # One list of the org for the process's updates tells which registries changed at GitHub.
    update(deployment(), fleet, change_url)
    assert kinds(emulator) == Counter({"list": 1, "PATCH": N, "GET": N})
    assert all(r.body == {"url": r.body["url"]} for r in emulator.requests if r.method == "PATCH")


def test_update_of_the_value_fetches_the_key_once_then_patches_and_gets_each(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    # 2N + 2: a fresh process has no key yet; one fetch serves every seal of the org.
    update(deployment(), fleet, change_value)
    assert kinds(emulator) == Counter({"list": 1, "key": 1, "PATCH": N, "GET": N})
    sample = fleet[-1]
    assert emulator.decrypted_value(ORG, sample.id.split("/")[1]) == sample.declaration["value"]


def test_delete_is_one_list_then_one_request_per_registry(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    # One list of the org for the process's deletes: none changed since the state last saw it.
    delete(deployment(), fleet)
    assert kinds(emulator) == Counter({"list": 1, "DELETE": N})
    assert emulator.registries(ORG) == {}


def test_each_org_is_listed_once_and_its_key_fetched_once_while_four_threads_race(
    deployment: Deploy, emulator: Emulator
) -> None:
    # 20 ms a request keeps each org's first list and key fetch in flight while the other threads
    # arrive for the same org; the orgs are interleaved so the threads also race across orgs.
    emulator.latency = 0.02
    for attempt in range(3):
        orgs = [f"race-{attempt}-{i}" for i in range(3)]
        registries = sorted(fleet_of(orgs, 5), key=lambda r: r.declaration["registry_type"])
        emulator.reset_log()
        create(deployment(), registries)
        assert per_org(emulator) == {org: Counter({"list": 1, "key": 1, "POST": 5}) for org in orgs}
        emulator.reset_log()
        refresh(deployment(), registries)
        assert per_org(emulator) == {org: Counter({"list": 1}) for org in orgs}
        emulator.reset_log()
        update(deployment(), registries, change_value)
        assert per_org(emulator) == {
            org: Counter({"list": 1, "key": 1, "PATCH": 5, "GET": 5}) for org in orgs
        }


def test_key_is_fetched_again_only_when_github_rejects_it(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment()  # one process throughout
    registries = fleet_of([ORG], 4)
    create(host, registries[:2])
    emulator.rotate_key(ORG)
    emulator.reset_log()
    create(host, registries[2:3])
    # The POST sealed with the cached key is refused; the new key is fetched once and the POST resent.
    assert [(r.method, r.status) for r in emulator.requests] == [("POST", 422), ("GET", 200), ("POST", 201)]
    assert kinds(emulator) == Counter({"POST": 2, "key": 1})
    emulator.reset_log()
    create(host, registries[3:])
    assert kinds(emulator) == Counter({"POST": 1})
    for registry in registries[2:]:
        assert emulator.decrypted_value(ORG, registry.id.split("/")[1]) == registry.declaration["value"]


def test_a_registry_deleted_then_created_in_one_process_is_posted_without_a_probe(
    deployment: Deploy, emulator: Emulator
) -> None:
    # As `pulumi up` does for a replacement that must delete first: the org's list, taken before
    # the delete, must know the registry is gone, or the create would see it and GET to check.
    host = deployment()
    registries = fleet_of([ORG], 2)
    create(host, registries)
    emulator.reset_log()
    delete(host, registries[:1])
    again = Registry(registries[0].declaration)
    create(host, [again])
    assert kinds(emulator) == Counter({"list": 1, "DELETE": 1, "POST": 1})
    assert again.id == registries[0].id and emulator.registry(ORG, again.id.split("/")[1]) is not None


def test_refresh_gets_only_the_registry_whose_listed_record_lacks_a_field_the_state_has(
    deployment: Deploy, emulator: Emulator
) -> None:
    registries = fleet_of([ORG], N)
    registries[3].declaration["username"] = "monalisa"  # token auth takes an optional username
    create(deployment(), registries)
    name = registries[3].id.split("/")[1]
    emulator.edit_registry(ORG, name, username=None)  # removed at GitHub, outside Pulumi
    emulator.reset_log()
    refresh(deployment(), registries)
    assert kinds(emulator) == Counter({"list": 1, "GET": 1})
    gets = [r.path for r in emulator.requests if r.method == "GET" and r.path.count("/") == 4]
    assert gets == [f"/orgs/{ORG}/private-registries/{name}"]
    # What users see: the registry changed at GitHub since our last write (the next `pulumi up`
    # sends it whole again); the others did not.
    outputs = registries[3].outputs
    assert outputs["remote_updated_at"] != outputs["updated_at"]
    assert all(
        r.outputs["remote_updated_at"] == r.outputs["updated_at"]
        for r in registries
        if r is not registries[3]
    )


def test_refresh_where_github_reports_no_url_gets_one_registry_to_learn_it(deployment: Deploy) -> None:
    # GitHub's own example answers leave out `url` and `auth_type`; if GitHub does, the list cannot
    # confirm the registries' url. One GET (same schema) shows GitHub never reports it; asking for
    # the other registries would learn nothing, so the list serves them: 1 + 1.
    with Emulator(token="test-token", omit_fields=("url", "auth_type")) as terse:
        registries = fleet_of([ORG], N)
        create(deployment(terse), registries)
        terse.reset_log()
        refresh(deployment(terse), registries)
        assert kinds(terse) == Counter({"list": 1, "GET": 1})
        assert all(r.outputs["url"] == r.declaration["url"] for r in registries)


def test_refresh_confirms_a_registry_missing_from_the_list_with_one_get_and_drops_it(
    deployment: Deploy, emulator: Emulator
) -> None:
    registries = fleet_of([ORG], N)
    create(deployment(), registries)
    gone = registries[7]
    emulator.delete_registry(ORG, gone.id.split("/")[1])
    emulator.reset_log()
    refresh(deployment(), registries)
    assert kinds(emulator) == Counter({"list": 1, "GET": 1})
    assert gone.id == "" and all(r.id for r in registries if r is not gone)


def _sodium_loaded(pid: int) -> bool:
    """Whether the process has PyNaCl's libsodium binding mapped."""
    return "_sodium" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
def test_preview_does_not_load_libsodium_in_the_provider_process(
    deployment: Deploy, emulator: Emulator, fleet: list[Registry]
) -> None:
    host = deployment()
    preview(host, fleet, change_value)
    assert host.pid is not None and not _sodium_loaded(host.pid)
    update(host, fleet[:1], change_value)  # sealing loads it: the check above can fail
    assert _sodium_loaded(host.pid)


@pytest.mark.slow
def test_importing_the_provider_loads_no_sodium_starts_no_thread_and_sends_nothing(
    emulator: Emulator,
) -> None:
    code = (
        "import json, sys, threading\n"
        "import pulumi_github_private_registry.provider\n"
        "print(json.dumps({'nacl': sorted(m for m in sys.modules if m.split('.')[0] == 'nacl'),"
        " 'threads': threading.active_count()}))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "provider"),
        "GITHUB_TOKEN": "test-token",
        "GITHUB_BASE_URL": emulator.base_url,
        "GITHUB_OWNER": ORG,
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"nacl": [], "threads": 1}
    assert emulator.count() == 0
