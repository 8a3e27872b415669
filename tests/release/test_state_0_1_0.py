"""State written by 0.1.0 keeps working: refresh, update and destroy through the real provider host.

Users' stacks hold, for every OrgPrivateRegistry, a ``__provider`` property (base64 of dill's pickle of
``pulumi_github_private_registry.provider.OrgPrivateRegistryProvider()``, by reference to the class) and
outputs in 0.1.0's shape. tests/data/state-0.1.0.json holds both as 0.1.0 wrote them (captured from the
released commit by tests/data/capture_state_0_1_0.py, which these tests never run): a ``token`` registry
with a plaintext value and selected repositories, a ``username_password`` one whose value the user sealed,
and an ``oidc_azure`` one.

Each test seeds a fresh emulator with the registry that state describes (what GitHub held at capture) and
starts the provider host on the COMMITTED ``__provider`` blob, so the provider code that runs is whatever
that blob names in today's package. The emulator gives the registry new timestamps; two states are used:

- ``as_of(resource, record)``: the committed outputs with only the three times GitHub assigns taken from
  the seeded registry, i.e. what 0.1.0 would have written had it made the registry the emulator now
  holds. Everything else (keys, values, ciphertexts, float ids) is byte-for-byte 0.1.0's. Nothing changed
  outside Pulumi, so a refresh and a plan must find nothing to do.
- the committed outputs as they are: GitHub's registry is newer than the state, which is drift, and a
  plan must correct it in place.

The value ciphertexts in state were sealed with the capture emulator's key: GitHub never reports them, so
neither refresh nor an update that does not change the secret can tell, exactly as for a real stack.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import pickletools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, Protocol

import dill
import pytest

from engine import CheckOutcome, Props
from provider_host import ProviderHost
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider

STATE: Final[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "state-0.1.0.json").read_text()
)
BLOB: Final[str] = STATE["provider"]
ORG: Final[str] = STATE["org"]
RESOURCES: Final[dict[str, dict[str, Any]]] = STATE["resources"]
KINDS: Final = sorted(RESOURCES)
PROVIDER_CLASS: Final = ("pulumi_github_private_registry.provider", "OrgPrivateRegistryProvider")
TOKEN: Final = "test-token"  # what the conftest emulator requires
TIMES: Final = ("created_at", "updated_at", "remote_updated_at")  # outputs whose values GitHub assigns
# Inputs added since 0.1.0 come in at their defaults, which change nothing (each test's diff shows it).
ADDED_INPUTS: dict[str, object] = {"ignore_value_drift": False}
SECRETS: Final = ("value", "value_encrypted", "key_id")
_MISSING: Final = "<missing>"


class GitHub(Protocol):
    """What these tests use of the conftest ``emulator`` fixture."""

    @property
    def base_url(self) -> str: ...

    def put_registry(self, org: str, *, value: str | None = None, **fields: Any) -> dict[str, Any]: ...

    def registry(self, org: str, name: str) -> dict[str, Any] | None: ...

    def registries(self, org: str) -> dict[str, dict[str, Any]]: ...

    def decrypted_value(self, org: str, name: str) -> str | None: ...

    def count(self, method: str | None = None, path: str | None = None) -> int: ...

    def reset_log(self) -> None: ...


Command = Callable[[], ProviderHost]


@pytest.fixture
def command(emulator: GitHub) -> Iterator[Command]:
    """Start a provider host on the committed ``__provider`` blob, configured as the engine does.

    Each call is a new process, as each `pulumi` command starts one. The token travels as a secret, as
    `pulumi config set --secret github:token` stores it; the rest is the capture's stack config.
    """
    hosts: list[ProviderHost] = []

    def start() -> ProviderHost:
        host = ProviderHost(provider_blob=BLOB)
        hosts.append(host)
        host.start()
        host.configure(
            {"github:token": TOKEN, "github:baseUrl": emulator.base_url, **STATE["config"]},
            secret_keys={"github:token"},
        )
        return host

    yield start
    for host in hosts:
        host.stop()


def name_of(resource: dict[str, Any]) -> str:
    org, _, name = str(resource["id"]).partition("/")
    assert org == ORG
    return name


def seed(emulator: GitHub, resource: dict[str, Any]) -> dict[str, Any]:
    """Make GitHub hold the registry the committed state describes; return its record (new times)."""
    record = emulator.put_registry(ORG, value=resource["github_value"], **resource["github"])
    assert record["name"] == name_of(resource)
    return record


def as_of(resource: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The committed outputs with GitHub's times taken from ``record`` (see the module docstring)."""
    outputs = dict(resource["outputs"])
    assert set(TIMES) <= set(outputs), "0.1.0 state holds all three times"
    outputs.update(
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        remote_updated_at=record["updated_at"],
    )
    return outputs


def kept(outputs: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """``outputs`` restricted to the keys of ``expected``: equal to it iff every key and value is kept.

    Later versions may add outputs; what 0.1.0 wrote must stay as it is.
    """
    return {key: outputs.get(key, _MISSING) for key in expected}


def pickle_ops(blob: str) -> list[tuple[str, Any]]:
    """The pickle's opcodes and arguments, without the PROTO header (which only names the protocol)."""
    return [(op.name, arg) for op, arg, _ in pickletools.genops(base64.b64decode(blob)) if op.name != "PROTO"]


class _RecordingUnpickler(pickle.Unpickler):
    """Unpickles as usual and notes every global (module, name) the pickle refers to."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.globals: list[tuple[str, str]] = []

    def find_class(self, module: str, name: str) -> Any:
        self.globals.append((module, name))
        return super().find_class(module, name)


# --- the __provider blob ------------------------------------------------------------------------------


def test_provider_blob_written_by_0_1_0_loads_the_provider_class_at_its_0_1_0_import_path() -> None:
    unpickler = _RecordingUnpickler(base64.b64decode(BLOB))
    plain = unpickler.load()
    # The blob is a reference to the class and nothing else: no attribute, no code, no other global.
    # So it keeps working exactly as long as that import path names the provider class.
    assert unpickler.globals == [PROVIDER_CLASS]
    assert type(plain) is OrgPrivateRegistryProvider and vars(plain) == {}
    # The provider host loads it with dill (pulumi.dynamic.dynamic.deserialize_provider).
    assert type(dill.loads(base64.b64decode(BLOB))) is OrgPrivateRegistryProvider


def test_current_code_pickles_the_provider_as_the_same_class_reference_as_0_1_0() -> None:
    # What `pulumi up` with today's code writes into new state: the same opcodes naming the same class,
    # on any Python. If OrgPrivateRegistryProvider were defined elsewhere (re-exported from .provider),
    # new state would name that module, and 0.1.0 could no longer load it (a rollback would break).
    fresh = ProviderHost(OrgPrivateRegistryProvider()).provider_blob  # serialized as Resource does
    assert pickle_ops(fresh) == pickle_ops(BLOB)


@pytest.mark.skipif(
    pickle.DEFAULT_PROTOCOL != 4,
    reason="the SDK pickles with pickle.DEFAULT_PROTOCOL: 4 on Python 3.10-3.13, where 0.1.0's state was "
    "captured; 5 from 3.14, whose header byte differs (the opcodes are compared on every Python)",
)
def test_current_code_writes_the_0_1_0_provider_blob_byte_for_byte() -> None:
    # True because the class holds no state (dill pickles the instance by reference to its module and
    # name) and the SDK pickles deterministically: the engine sees no change to `__provider` at all.
    assert ProviderHost(OrgPrivateRegistryProvider()).provider_blob == BLOB


# --- refresh ------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_state_written_by_0_1_0_refreshes_without_changes(
    kind: str, emulator: GitHub, command: Command
) -> None:
    resource = RESOURCES[kind]
    record = seed(emulator, resource)
    state = as_of(resource, record)
    emulator.reset_log()

    host = command()  # `pulumi up --refresh`: one process refreshes, checks and diffs
    refreshed = host.read(resource["id"], state, resource["inputs"])
    assert refreshed.id == resource["id"]
    assert kept(refreshed.outputs, state) == state  # every 0.1.0 key, every value, secrets included
    assert {k: refreshed.outputs.get(k) for k in SECRETS} == {k: resource["outputs"].get(k) for k in SECRETS}
    # Read answers the inputs as every input field the outputs hold (0.1.0 does the same): for a value the
    # provider sealed, that adds its ciphertext and key_id to the inputs. Harmless: Check ignores old
    # inputs and Diff compares against the outputs, as the plan below shows.
    sealed_by_provider = {k: state[k] for k in ("value_encrypted", "key_id") if k in state}
    assert refreshed.inputs == {**resource["inputs"], **sealed_by_provider}

    checked = host.check(resource["declared"], refreshed.inputs)
    assert checked == CheckOutcome(inputs=Props({**resource["inputs"], **ADDED_INPUTS})), (
        "0.1.0's declaration checks the same"
    )
    diff = host.diff(resource["id"], refreshed.outputs, checked.inputs, old_inputs=refreshed.inputs)
    assert diff.changes == "none" and diff.replaces == [], diff

    # Nothing was written: refresh reads, check and diff make no request.
    assert emulator.count() == emulator.count("GET") > 0
    assert emulator.registry(ORG, name_of(resource)) == record


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_state_written_by_0_1_0_sees_drift_when_github_changed_since(
    kind: str, emulator: GitHub, command: Command
) -> None:
    # The committed outputs as they are: GitHub's registry (seeded now) is newer than the state.
    resource = RESOURCES[kind]
    record = seed(emulator, resource)
    assert record["updated_at"] != resource["outputs"]["updated_at"]

    host = command()
    refreshed = host.read(resource["id"], resource["outputs"], resource["inputs"])
    assert refreshed.id == resource["id"]
    assert refreshed.outputs["remote_updated_at"] == record["updated_at"]
    assert refreshed.outputs["created_at"] == record["created_at"]
    unchanged = {k: v for k, v in resource["outputs"].items() if k not in ("created_at", "remote_updated_at")}
    assert kept(refreshed.outputs, unchanged) == unchanged  # updated_at: when this stack last wrote it

    checked = host.check(resource["declared"], resource["inputs"])
    diff = host.diff(resource["id"], refreshed.outputs, checked.inputs, old_inputs=refreshed.inputs)
    # As in 0.1.0: drift is corrected by an update in place, never by a replacement.
    assert diff.changes == "some" and diff.replaces == [], diff


# --- update -------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_state_written_by_0_1_0_updates_in_place(kind: str, emulator: GitHub, command: Command) -> None:
    resource = RESOURCES[kind]
    name = name_of(resource)
    record = seed(emulator, resource)
    state = as_of(resource, record)
    url = resource["inputs"]["url"].rstrip("/") + "/v2/"

    host = command()  # `pulumi up` with a new url
    checked = host.check({**resource["declared"], "url": url}, resource["inputs"])
    assert checked == CheckOutcome(inputs=Props({**resource["inputs"], **ADDED_INPUTS, "url": url}))
    diff = host.diff(resource["id"], state, checked.inputs, old_inputs=resource["inputs"])
    assert diff.changes == "some" and diff.replaces == [], diff
    outputs = host.update(resource["id"], state, checked.inputs, old_inputs=resource["inputs"])

    stored = emulator.registry(ORG, name)
    assert stored is not None and stored["url"] == url
    assert stored["updated_at"] > record["updated_at"]
    # Only the url changed at GitHub: the secret (not part of the change) was not sent again.
    assert stored == {**record, "url": url, "updated_at": stored["updated_at"]}
    assert emulator.decrypted_value(ORG, name) == resource["github_value"]
    expected = {
        **state,
        "url": url,
        "updated_at": stored["updated_at"],
        "remote_updated_at": stored["updated_at"],
    }
    assert kept(outputs, expected) == expected

    later = command()  # the next `pulumi up --refresh` finds nothing to do
    refreshed = later.read(resource["id"], outputs, checked.inputs)
    assert (refreshed.id, kept(refreshed.outputs, expected)) == (resource["id"], expected)
    diff = later.diff(resource["id"], refreshed.outputs, checked.inputs, old_inputs=refreshed.inputs)
    assert diff.changes == "none", diff


# --- destroy ------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_state_written_by_0_1_0_destroys(kind: str, emulator: GitHub, command: Command) -> None:
    resource = RESOURCES[kind]
    records = {key: seed(emulator, each) for key, each in RESOURCES.items()}
    emulator.reset_log()

    # GitHub's record is as the state last saw it (a delete leaves one that changed since).
    command().delete(resource["id"], as_of(resource, records[kind]), old_inputs=resource["inputs"])

    assert emulator.registry(ORG, name_of(resource)) is None
    assert emulator.count("DELETE") == emulator.count("DELETE", f"/{name_of(resource)}") == 1
    others = {name_of(each) for key, each in RESOURCES.items() if key != kind}
    assert set(emulator.registries(ORG)) == others
