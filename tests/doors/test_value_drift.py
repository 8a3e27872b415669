"""`ignore_value_drift` (issue 12): a secret rotated outside Pulumi, through both front doors.

The stack declares a placeholder; a vault or a workflow rotates the real secret at GitHub (the
emulator's ``edit_registry`` with a new value: only the sealed value and ``updated_at`` change).
Each step is a new provider process, as each ``pulumi`` command starts one: ``up`` creates, a
``refresh`` records GitHub's ``updated_at`` as ``remote_updated_at``, and the next ``up`` (Check,
Diff and, when Diff says so, Update) either leaves the rotated secret alone (the flag on) or sends
the declared one again (off, the default). A change of the declared value, and drift of the fields
GitHub reports, are acted on either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from doors import Plugins, camel, snake
from engine import Props
from plugin_host import PluginHost
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin.package import schema_text
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import TOKEN, declaration

ORG = "acme"
NAME = "NPM_REGISTRY_SECRET"
PLACEHOLDER = "placeholder-rotated-by-vault"
ROTATED = "the-real-secret-from-the-vault"
ELSEWHERE = "https://npm.elsewhere.example.com/"
# What an update sends after a change at GitHub, with the flag: every declared field but the value.
DECLARED_FIELDS = {"url": "https://npm.pkg.github.com/acme", "visibility": "all", "replaces_base": False}

Start = Callable[[], ProviderHost]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def command(emu: Emulator) -> Iterator[Start]:
    """A new configured dynamic-provider process: one `pulumi` command."""
    started: list[ProviderHost] = []

    def start() -> ProviderHost:
        host = ProviderHost(OrgPrivateRegistryProvider()).start()
        started.append(host)
        host.configure(
            {
                "github:token": TOKEN,
                "github:baseUrl": emu.base_url,
                "github:owner": ORG,
                "github:writeDelayMs": "0",
            },
            secret_keys={"github:token"},
        )
        return host

    yield start
    for host in started:
        host.stop()


def stack(flag: bool | None, **changes: Any) -> dict[str, Any]:
    """The declaration: a placeholder secret, the flag as given (None: not declared)."""
    news = declaration("token", ORG, **{"value": PLACEHOLDER, **changes})
    if flag is not None:
        news["ignore_value_drift"] = flag
    return news


@dataclass
class State:
    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


def deploy(command: Start, news: dict[str, Any]) -> State:
    host = command()
    checked = host.check(news)
    assert checked.failures == [], checked.failures
    id_, outputs = host.create(checked.inputs)
    return State(id_, outputs, checked.inputs)


def refresh(command: Start, state: State) -> State:
    read = command().read(state.id, state.outputs, state.inputs)
    assert read.id == state.id and read.inputs is not None
    return State(read.id, read.outputs, read.inputs)


def plan_and_apply(command: Start, state: State, news: dict[str, Any]) -> tuple[str, State]:
    """`pulumi up`: Check and Diff, then Update if Diff found changes; (Diff's answer, the new state)."""
    host = command()
    checked = host.check(news, state.inputs)
    assert checked.failures == [], checked.failures
    diff = host.diff(state.id, state.outputs, checked.inputs, old_inputs=state.inputs)
    assert diff.replaces == [], diff
    if diff.changes != "some":
        return diff.changes, state
    outputs = host.update(state.id, state.outputs, checked.inputs, old_inputs=state.inputs)
    return diff.changes, State(state.id, outputs, checked.inputs)


def rotate_elsewhere(emu: Emulator, **fields: Any) -> str:
    """A vault rotates the secret at GitHub (and ``fields`` change too); GitHub's new updated_at."""
    before = emu.registry(ORG, NAME)
    assert before is not None
    after = emu.edit_registry(ORG, NAME, value=ROTATED, **fields)
    assert after["updated_at"] != before["updated_at"]
    assert emu.decrypted_value(ORG, NAME) == ROTATED
    return str(after["updated_at"])


def patches(emu: Emulator) -> list[dict[str, Any]]:
    """The bodies of the PATCHes GitHub received."""
    return [dict(r.body or {}) for r in emu.requests if r.method == "PATCH"]


# --- the dynamic provider ---------------------------------------------------------------------------


@pytest.mark.slow
def test_with_the_flag_a_rotated_secret_is_recorded_and_left_alone(emu: Emulator, command: Start) -> None:
    state = deploy(command, stack(True))
    assert state.outputs["ignore_value_drift"] is True
    assert emu.decrypted_value(ORG, NAME) == PLACEHOLDER
    remote = rotate_elsewhere(emu)

    refreshed = refresh(command, state)
    assert refreshed.outputs["remote_updated_at"] == remote
    assert refreshed.outputs["updated_at"] == state.outputs["updated_at"] != remote
    assert refreshed.outputs["value"] == PLACEHOLDER  # the state keeps what was declared

    emu.reset_log()
    changes, after = plan_and_apply(command, refreshed, stack(True))
    assert changes == "none"
    assert emu.requests == [], "no request: the plan is empty and no Update is called"
    assert emu.decrypted_value(ORG, NAME) == ROTATED
    # And it stays so on the next run.
    assert plan_and_apply(command, after, stack(True))[0] == "none"


@pytest.mark.slow
def test_with_the_flag_a_declared_value_change_is_still_sent(emu: Emulator, command: Start) -> None:
    state = deploy(command, stack(True))
    rotate_elsewhere(emu)
    refreshed = refresh(command, state)
    emu.reset_log()
    changes, after = plan_and_apply(command, refreshed, stack(True, value="declared-anew"))
    assert changes == "some"
    assert emu.decrypted_value(ORG, NAME) == "declared-anew"
    [body] = patches(emu)
    assert {"encrypted_value", "key_id"} <= set(body)
    assert after.outputs["updated_at"] == after.outputs["remote_updated_at"]


@pytest.mark.slow
def test_with_the_flag_field_drift_is_repaired_without_the_value(emu: Emulator, command: Start) -> None:
    """The vault rotated the secret and someone changed the url at GitHub: the url is set back,
    the rotated secret kept."""
    state = deploy(command, stack(True))
    remote = rotate_elsewhere(emu, url=ELSEWHERE)
    refreshed = refresh(command, state)
    assert refreshed.outputs["url"] == ELSEWHERE and refreshed.outputs["remote_updated_at"] == remote

    emu.reset_log()
    changes, after = plan_and_apply(command, refreshed, stack(True))
    assert changes == "some"
    # Changed at GitHub since the stack wrote it: every declared field again (GitHub reports neither
    # the secret nor repository ids), but not the value.
    assert patches(emu) == [DECLARED_FIELDS]
    assert emu.registry(ORG, NAME)["url"] == stack(True)["url"]  # type: ignore[index]
    assert emu.decrypted_value(ORG, NAME) == ROTATED
    assert after.outputs["updated_at"] == after.outputs["remote_updated_at"] != remote
    # Field drift alone (no rotation) too.
    emu.edit_registry(ORG, NAME, visibility="private")
    again = refresh(command, after)
    emu.reset_log()
    assert plan_and_apply(command, again, stack(True))[0] == "some"
    assert patches(emu) == [DECLARED_FIELDS]
    assert emu.decrypted_value(ORG, NAME) == ROTATED


@pytest.mark.slow
@pytest.mark.parametrize("flag", [False, None], ids=["false", "not-declared"])
def test_without_the_flag_the_declared_value_is_sent_again(
    emu: Emulator, command: Start, flag: bool | None
) -> None:
    state = deploy(command, stack(flag))
    assert state.outputs.get("ignore_value_drift", False) is False
    remote = rotate_elsewhere(emu)
    refreshed = refresh(command, state)
    assert refreshed.outputs["remote_updated_at"] == remote

    emu.reset_log()
    changes, after = plan_and_apply(command, refreshed, stack(flag))
    assert changes == "some"
    assert emu.decrypted_value(ORG, NAME) == PLACEHOLDER, "the rotated secret was overwritten"
    [body] = patches(emu)
    assert {"encrypted_value", "key_id", "url", "visibility"} <= set(body)
    assert after.outputs["updated_at"] == after.outputs["remote_updated_at"]
    assert plan_and_apply(command, after, stack(flag))[0] == "none"


@pytest.mark.slow
def test_turning_the_flag_on_after_a_rotation_keeps_the_rotated_secret(emu: Emulator, command: Start) -> None:
    """A stack that adopts the flag once the vault has started rotating: no write."""
    state = deploy(command, stack(None))
    rotate_elsewhere(emu)
    refreshed = refresh(command, state)
    emu.reset_log()
    changes, _ = plan_and_apply(command, refreshed, stack(True))
    assert changes == "none" and emu.requests == []
    assert emu.decrypted_value(ORG, NAME) == ROTATED


# --- the plugin ---------------------------------------------------------------------------------------


@pytest.fixture
def plugin(emu: Emulator) -> Iterator[Callable[[], PluginHost]]:
    plugins = Plugins(emu)
    yield lambda: plugins.start(emu)
    plugins.stop()


@dataclass
class PluginState:
    id: str
    outputs: Props
    inputs: Props


def plugin_stack(flag: bool | None, **changes: Any) -> dict[str, Any]:
    return camel(stack(flag, **changes))


def plugin_cycle(
    plugin: Callable[[], PluginHost], emu: Emulator, flag: bool | None, news: dict[str, Any], **drift: Any
) -> tuple[Any, PluginState]:
    """up, rotation (and ``drift``) at GitHub, refresh, then Check + Diff of ``news``: (Diff, state)."""
    host = plugin()
    checked = host.check(plugin_stack(flag))
    assert checked.failures == []
    id_, outputs = host.create(checked.inputs)
    assert snake(outputs).get("ignore_value_drift", False) is bool(flag)
    remote = rotate_elsewhere(emu, **drift)
    read = plugin().read(id_, outputs, checked.inputs)
    assert read.inputs is not None and read.outputs["remoteUpdatedAt"] == remote
    state = PluginState(id_, read.outputs, read.inputs)
    emu.reset_log()
    planner = plugin()
    planned = planner.check(news, state.inputs)
    assert planned.failures == []
    diff = planner.diff(id_, state.outputs, planned.inputs, old_inputs=state.inputs)
    if diff.changes == "some":
        state = PluginState(
            id_, planner.update(id_, state.outputs, planned.inputs, old_inputs=state.inputs), planned.inputs
        )
    return diff, state


@pytest.mark.slow
def test_the_plugins_ignore_value_drift_leaves_a_rotated_secret(
    emu: Emulator, plugin: Callable[[], PluginHost]
) -> None:
    diff, _ = plugin_cycle(plugin, emu, True, plugin_stack(True))
    assert diff.changes == "none" and diff.diffs == []
    assert emu.requests == []
    assert emu.decrypted_value(ORG, NAME) == ROTATED


@pytest.mark.slow
def test_the_plugin_still_sends_a_declared_value(emu: Emulator, plugin: Callable[[], PluginHost]) -> None:
    diff, state = plugin_cycle(plugin, emu, True, plugin_stack(True, value="declared-anew"))
    assert diff.changes == "some" and diff.diffs == ["value"]
    assert emu.decrypted_value(ORG, NAME) == "declared-anew"
    assert state.outputs.is_secret("value") and state.outputs.is_secret("valueEncrypted")


@pytest.mark.slow
def test_the_plugin_repairs_field_drift_without_the_value(
    emu: Emulator, plugin: Callable[[], PluginHost]
) -> None:
    diff, _ = plugin_cycle(plugin, emu, True, plugin_stack(True), url=ELSEWHERE)
    assert diff.changes == "some" and diff.diffs == ["url"]
    assert patches(emu) == [DECLARED_FIELDS]
    assert emu.decrypted_value(ORG, NAME) == ROTATED


@pytest.mark.slow
def test_the_plugin_without_the_flag_sends_the_value_again(
    emu: Emulator, plugin: Callable[[], PluginHost]
) -> None:
    diff, _ = plugin_cycle(plugin, emu, False, plugin_stack(False))
    assert diff.changes == "some" and diff.diffs == ["remoteUpdatedAt"]
    assert emu.decrypted_value(ORG, NAME) == PLACEHOLDER
    [body] = patches(emu)
    assert {"encrypted_value", "key_id"} <= set(body)


def test_the_plugins_schema_declares_the_input() -> None:
    resource = json.loads(schema_text())["resources"]["github-private-registry:index:OrgPrivateRegistry"]
    assert resource["inputProperties"]["ignoreValueDrift"]["type"] == "boolean"
    assert resource["inputProperties"]["ignoreValueDrift"].get("default") is False
