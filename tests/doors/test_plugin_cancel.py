"""The engine's Cancel (Ctrl-C, or before it closes the plugin), through the real plugin process and gRPC.

After Cancel no request to GitHub starts, every wait ends at once, and the calls in flight answer within
about a second saying the operation was cancelled. A create whose POST the cancel cuts is looked up within
that second; else the engine keeps it as not created yet (a partial failure: its id and properties with the
error) and the next run's update finds out, keeping what the create made or creating it, never twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, status_pb2

from doors import Plugins, plugin_declaration
from engine import Props, to_props, to_struct
from hosted import ProviderError
from plugin_host import RESOURCE_NAME, RESOURCE_TYPE, RESOURCE_URN, PluginHost
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator

NPM = schema.configuration_name("npm_registry")
DOCKER = schema.configuration_name("docker_registry")
# The criterion is two seconds; CI machines may be slow, so the guard is wider and the figure printed.
ANSWER_GUARD = 5.0


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


def _cancel(host: PluginHost) -> float:
    """Send Cancel as the engine does; the monotonic time it was sent."""
    sent = time.monotonic()
    host._call("Cancel", empty_pb2.Empty())
    return sent


def _in_background(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call`` in a thread; the dict gets its ``result`` or ``error`` and the time it ``ended``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as exc:  # the test reads it
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _answered(thread: threading.Thread, outcome: dict[str, Any], cancelled: float) -> float:
    """Seconds from Cancel to the call's answer; fails when it did not answer within the guard."""
    thread.join(ANSWER_GUARD + 1)
    assert not thread.is_alive(), "the call has not answered since Cancel"
    took = float(outcome["ended"]) - cancelled
    print(f"the call answered {took:.2f} s after Cancel")
    assert took < ANSWER_GUARD
    return took


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _partial_create(
    host: PluginHost, news: dict[str, Any]
) -> tuple[str, provider_pb2.ErrorResourceInitFailed | None]:
    """Check + Create as the engine does; (the error's details, the partial failure it carries, if any).

    The engine reads a partial failure from the gRPC status details (`parseError` in
    sdk/go/common/resource/plugin/provider_plugin.go), which `PluginHost` does not keep.
    """
    checked = host.check(news)
    assert checked.failures == [], checked.failures
    request = provider_pb2.CreateRequest(
        urn=RESOURCE_URN, name=RESOURCE_NAME, type=RESOURCE_TYPE, properties=to_struct(checked.inputs)
    )
    try:
        host._stub.Create(request, timeout=30)
    except grpc.RpcError as err:
        detail = None
        for key, value in err.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = status_pb2.Status.FromString(value)
                for packed in status.details:
                    unpacked = provider_pb2.ErrorResourceInitFailed()
                    if packed.Unpack(unpacked):
                        detail = unpacked
        return err.details() or "", detail
    raise AssertionError("the create did not fail")


def test_cancel_ends_a_create_held_in_a_rate_limit_wait_at_once_with_no_request_after_it(
    emulator: Emulator, plugins: Plugins
) -> None:
    host = plugins.start(maxRetryWait=600)
    emulator.inject(method="POST", status=429, headers={"Retry-After": "60"}, body={"message": "slow down"})
    news = plugin_declaration("token", "cancel-wait")
    thread, outcome = _in_background(lambda: host.create(host.check(news).inputs))
    _wait_for(lambda: emulator.count("POST") == 1 and emulator.requests[-1].status == 429, "the rate limit")
    time.sleep(0.3)  # the plugin reads the 429 and starts its 60 s wait
    sent = len(emulator.requests)

    cancelled = _cancel(host)
    _answered(thread, outcome, cancelled)
    assert isinstance(outcome.get("error"), ProviderError), outcome
    assert "cancelled" in outcome["error"].details, outcome["error"].details
    time.sleep(1.0)  # anything still on its way would arrive by now
    assert len(emulator.requests) == sent, "no request after Cancel"
    assert emulator.registry("cancel-wait", NPM) is None


def test_calls_after_cancel_fail_at_once_without_a_request(emulator: Emulator, plugins: Plugins) -> None:
    host = plugins.start()
    _cancel(host)
    started = time.monotonic()
    with pytest.raises(ProviderError) as create:
        host.create(host.check(plugin_declaration("token", "cancel-after")).inputs)
    with pytest.raises(ProviderError) as read:
        host.read(f"cancel-after/{NPM}")
    took = time.monotonic() - started
    print(f"two calls after Cancel answered in {took:.2f} s")
    assert took < ANSWER_GUARD
    assert "cancelled" in create.value.details and "cancelled" in read.value.details
    # Who cancelled, in the plugin's words (the core's are neutral).
    assert "the operation was cancelled (Ctrl-C, or Pulumi closing the provider)" in create.value.details
    assert emulator.requests == [], "nothing is sent after Cancel"


def test_a_create_cut_by_cancel_is_kept_when_a_lookup_finds_it_within_the_second(
    emulator: Emulator, plugins: Plugins
) -> None:
    host = plugins.start()
    # Applied at once, its answer trickles in: the cancel cuts it, and the lookup finds the registry.
    emulator.inject(method="POST", trickle=1.0)
    news = plugin_declaration("oidc_azure", "cancel-found")
    thread, outcome = _in_background(lambda: host.create(host.check(news).inputs))
    _wait_for(lambda: emulator.registry("cancel-found", DOCKER) is not None, "the POST")
    cancelled = _cancel(host)
    _answered(thread, outcome, cancelled)
    assert "error" not in outcome, outcome.get("error")
    id_, outputs = outcome["result"]
    assert id_ == f"cancel-found/{DOCKER}" and outputs["updatedAt"], outputs
    assert emulator.count("POST") == 1 and len(emulator.registries("cancel-found")) == 1


@pytest.mark.parametrize("lands", [True, False], ids=["lands-late", "never-lands"])
def test_a_create_whose_outcome_the_cancel_leaves_unknown_is_resolved_by_the_next_run(
    emulator: Emulator, plugins: Plugins, lands: bool
) -> None:
    org = f"cancel-{'late' if lands else 'lost'}"
    host = plugins.start()
    # GitHub holds the POST for 3 s: the cancel cuts it first. Then it is applied, or not at all.
    emulator.inject(method="POST", delay=3.0, drop=not lands)
    news = plugin_declaration("token", org)
    thread, outcome = _in_background(lambda: _partial_create(host, news))
    _wait_for(lambda: emulator.count("POST") == 1, "the POST")
    cancelled = _cancel(host)
    _answered(thread, outcome, cancelled)
    message, partial = outcome["result"]
    assert "cancelled" in message and "outcome is unknown" in message, message
    assert "next `pulumi up`" in message, message
    # The engine keeps it in the state as not created yet, with the id and properties it is given.
    assert partial is not None, "the create's answer carries the state the engine keeps"
    assert partial.id == f"{org}/{NPM}"
    state = to_props(partial.properties)
    assert "value" in state.secret and "createdAt" not in state, state
    time.sleep(3.5)  # the held POST is applied now, or never
    assert (emulator.registry(org, NPM) is not None) is lands
    host.stop()

    # The next `pulumi up`: a new process; the engine updates a resource that failed to initialize.
    again = plugins.start()
    checked = again.check(news, olds=dict(state))
    again.diff(partial.id, state, checked.inputs)
    outputs = again.update(partial.id, Props(state, state.secret), checked.inputs)
    assert outputs["createdAt"] and outputs["updatedAt"], outputs
    assert len(emulator.registries(org)) == 1
    assert emulator.count("POST") == (1 if lands else 2), "created again only when the first never landed"
    assert emulator.decrypted_value(org, NPM) == news["value"].value
