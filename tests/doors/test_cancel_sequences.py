"""Sequences after a create the engine's Cancel left unresolved (kept in the state as not created yet).

Someone else makes a registry of that type before the next command: `pulumi destroy` must not
delete it, `pulumi refresh` must not take it over (it drops the resource instead), and a Cancel
that comes while an unanswered POST is being looked up still leaves the create in the state.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from doors import Plugins, open_door, plugin_declaration
from engine import Props, to_props
from hosted import refusal
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN, declaration
from test_plugin_cancel import NPM, _answered, _cancel, _in_background, _partial_create, _wait_for


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


def _unresolved(emulator: Emulator, plugins: Plugins, org: str) -> tuple[str, Props, dict[str, Any]]:
    """A create cut by Cancel whose POST never lands: (id, the state the engine keeps, the declaration)."""
    host = plugins.start()
    emulator.inject(method="POST", delay=3.0, drop=True)
    news = plugin_declaration("token", org)
    thread, outcome = _in_background(lambda: _partial_create(host, news))
    _wait_for(lambda: emulator.count("POST") == 1, "the POST")
    _answered(thread, outcome, _cancel(host))
    _message, partial = outcome["result"]
    assert partial is not None
    time.sleep(3.5)  # the held POST is dropped: nothing was made
    assert emulator.registry(org, NPM) is None
    host.stop()
    state = to_props(partial.properties)
    return partial.id, Props(state, state.secret), news


def _someone_else_makes_one(emulator: Emulator, org: str) -> None:
    emulator.put_registry(
        org,
        registry_type="npm_registry",
        url="https://other.example/npm",
        visibility="private",
        value="theirs",
    )


def test_destroy_after_an_unresolved_create_leaves_someone_elses_registry_at_github(
    emulator: Emulator, plugins: Plugins
) -> None:
    org = "rv-destroy"
    id_, state, _ = _unresolved(emulator, plugins, org)
    _someone_else_makes_one(emulator, org)

    # `pulumi destroy` (or the resource removed from the program): the engine deletes it.
    plugins.start().delete(id_, state)

    assert emulator.registry(org, NPM) is not None, "someone else's registry was deleted"
    assert emulator.count("DELETE") == 0


def test_refresh_after_an_unresolved_create_drops_it_when_the_registry_is_someone_elses(
    emulator: Emulator, plugins: Plugins
) -> None:
    org = "rv-refresh"
    id_, state, _ = _unresolved(emulator, plugins, org)
    _someone_else_makes_one(emulator, org)

    refreshed = plugins.start().read(id_, state, state)

    assert refreshed.id == "", "a refresh keeps a create that made nothing, and the next up takes theirs over"
    assert emulator.decrypted_value(org, NPM) == "theirs"
    theirs = emulator.registry(org, NPM)
    assert theirs is not None and theirs["url"] == "https://other.example/npm"


def test_cancel_during_the_lookup_after_an_unanswered_post_keeps_the_create_in_the_state(
    emulator: Emulator, plugins: Plugins
) -> None:
    org = "rv-race"
    host = plugins.start()
    # The POST is applied and unanswered (no cancel yet); the lookup that follows is slow: Cancel comes then.
    emulator.inject(method="POST", apply_then_drop=True)
    emulator.inject(method="GET", path=f"/orgs/{org}/private-registries/{NPM}", delay=3.0)
    news = plugin_declaration("token", org)
    thread, outcome = _in_background(lambda: _partial_create(host, news))
    _wait_for(lambda: emulator.count("GET", f"/orgs/{org}/private-registries/{NPM}") >= 1, "the lookup")
    _answered(thread, outcome, _cancel(host))
    _message, partial = outcome["result"]
    assert emulator.registry(org, NPM) is not None  # made by this create
    assert partial is not None, "the registry this create made is in no state (an orphan)"


@pytest.mark.slow
def test_a_server_that_leaves_out_githubs_times_fails_loudly_rather_than_store_a_timeless_state() -> None:
    # A state without GitHub's times is what a create a cancel left unresolved looks like: a server
    # (or a proxy) that drops the times GitHub always sends must not produce one.
    with Emulator(token=TOKEN, omit_fields=("created_at", "updated_at")) as timeless:
        with open_door("plugin", timeless) as door:
            refused = refusal(lambda: door.up(declaration("token", "timeless")))

    assert "a registry without its 'created_at' and 'updated_at' times" in refused
    assert "It may exist at GitHub now" in refused
