"""The plugin's warnings reach its users through the engine's ``Log`` service.

The CLI shows a resource plugin's stderr only at debug level: a warning the plugin only writes there
is lost. Here a fake engine records what the plugin sends to ``Engine.Log`` while the plugin is driven
as the engine drives it (`plugin_host.PluginHost`, the engine's address as its argument).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from doors import camel
from engine import up
from plugin_host import FUNCTION, RESOURCE_URN, PluginHost
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from samples import TOKEN, declaration

NAME = "NPM_REGISTRY_SECRET"
VALUE = declaration("token", "any")["value"]


@dataclass(frozen=True)
class Logged:
    """One message the engine received: its severity's name, the URN it names ("" for none), its text."""

    severity: str
    urn: str
    message: str


@dataclass
class FakeEngine(engine_pb2_grpc.EngineServicer):
    """The engine's ``Engine`` service as far as a provider plugin uses it: ``Log`` records each message."""

    address: str = ""
    logged: list[Logged] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def Log(self, request: Any, context: Any) -> Any:
        with self._lock:
            self.logged.append(
                Logged(engine_pb2.LogSeverity.Name(request.severity), request.urn, request.message)
            )
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def messages(self) -> list[Logged]:
        with self._lock:
            return list(self.logged)


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    """A fake engine listening on a loopback port."""
    fake = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(fake, server)
    fake.address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    yield fake
    server.stop(grace=None)


@pytest.fixture
def started() -> Iterator[list[PluginHost]]:
    hosts: list[PluginHost] = []
    yield hosts
    for host in hosts:
        host.stop()


def plugin(started: list[PluginHost], emulator: Emulator, engine_address: str | None = None) -> PluginHost:
    """A configured plugin process (a `pulumi` command's) that has the engine at ``engine_address``."""
    host = PluginHost()
    if engine_address is not None:
        host.engine_address = engine_address
    started.append(host)
    host.start()
    host.configure(
        {"token": TOKEN, "baseUrl": emulator.base_url, "owner": "acme", "writeDelayMs": 0, "maxRetryWait": 5}
    )
    return host


def rate_limited(emulator: Emulator, method: str) -> None:
    """GitHub's next answer to ``method`` is a secondary rate limit that asks for one second."""
    emulator.inject(
        method=method, status=429, headers={"Retry-After": "1"}, body={"message": SECONDARY_MESSAGE}
    )


def assert_no_secret(engine: FakeEngine) -> None:
    for logged in engine.messages():
        assert TOKEN not in logged.message and VALUE not in logged.message, logged


def test_a_delete_that_only_drops_from_the_state_warns_the_user_on_that_resource(
    emulator: Emulator, engine: FakeEngine, started: list[PluginHost]
) -> None:
    org = "renamed"
    old_id, old_outs, _ = up(plugin(started, emulator), camel(declaration("token", org)))
    host = plugin(started, emulator, engine.address)
    new_id, _, _ = up(host, camel(declaration("token", org, adopt=True)))  # the new name adopts it

    host.delete(old_id, old_outs)  # the old name's delete

    assert new_id == old_id and emulator.count("DELETE") == 0
    message = (
        f"OrgPrivateRegistry {org}/{NAME}: not deleted at GitHub, only dropped from the state: "
        "another resource of this deployment created or adopted it (a rename)"
    )
    assert engine.messages() == [Logged("WARNING", RESOURCE_URN, message)]
    assert host.stderr_text().count(message) == 1, (
        "stderr keeps it, once, for those who read it at debug level"
    )
    assert_no_secret(engine)


def test_a_rate_limit_wait_warns_the_user_on_the_resource_being_created(
    emulator: Emulator, engine: FakeEngine, started: list[PluginHost]
) -> None:
    host = plugin(started, emulator, engine.address)
    rate_limited(emulator, "POST")

    up(host, camel(declaration("token", "waited")))

    assert engine.messages() == [
        Logged(
            "WARNING", RESOURCE_URN, "POST /orgs/waited/private-registries: GitHub rate limit, waiting 1 s"
        )
    ]
    assert emulator.count("POST") == 2
    assert_no_secret(engine)


def test_a_rate_limit_wait_in_a_function_call_warns_without_a_resource(
    emulator: Emulator, engine: FakeEngine, started: list[PluginHost]
) -> None:
    host = plugin(started, emulator, engine.address)
    up(host, camel(declaration("token", "listed")))  # a call with a URN first: it must not stick
    rate_limited(emulator, "GET")

    host.invoke(FUNCTION, {"org": "listed"})

    assert engine.messages() == [
        Logged("WARNING", "", "GET /orgs/listed/private-registries: GitHub rate limit, waiting 1 s")
    ]


def test_an_engine_that_never_answers_costs_a_warning_not_the_operation(
    emulator: Emulator, started: list[PluginHost]
) -> None:
    # A port that accepts connections and never speaks: each send ends at its short timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        host = plugin(started, emulator, f"127.0.0.1:{silent.getsockname()[1]}")
        rate_limited(emulator, "POST")

        id_, outs, _ = up(host, camel(declaration("token", "unheard")))

    assert id_ == f"unheard/{NAME}" and outs["name"] == NAME
    assert "GitHub rate limit, waiting 1 s" in host.stderr_text()


def test_a_warning_reaches_the_engine_on_one_line_without_credentials_or_colour_directives(
    engine: FakeEngine,
) -> None:
    # What a hostile text could hold if a warning ever quoted one: the CLI's display reads
    # `<{%…%}>` as a colour directive (an unknown one panics it), CR/LF forge lines.
    from pulumi_github_private_registry.plugin.engine_log import EngineLog

    logger = logging.getLogger("pulumi_github_private_registry.core.client")
    handler = EngineLog(engine.address)
    logger.addHandler(handler)
    try:
        token = "ghp_" + "A1b2" * 9
        logger.warning("%s", f"GitHub says <{{%bogus%}}>\r\nwarning: forged {token} Authorization: Bearer x")
    finally:
        logger.removeHandler(handler)

    [logged] = engine.messages()
    assert logged.severity == "WARNING" and logged.urn == ""
    assert "<{%" not in logged.message and "\n" not in logged.message and "\r" not in logged.message
    assert token not in logged.message and "Bearer x" not in logged.message
    assert logged.message.startswith("GitHub says <{ %bogus%}>")


def test_an_app_clock_off_githubs_warns_the_user_on_the_resource_being_created(
    engine: FakeEngine, started: list[PluginHost]
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from test_app_auth import APP, _private_pem
    from test_app_clock_and_installation import app_emulator

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = _private_pem(key)
    with app_emulator(key, clock_offset=600.0) as emu:
        host = PluginHost()
        host.engine_address = engine.address
        started.append(host)
        host.start()
        app = {"id": str(APP), "pemFile": pem}
        host.configure({"appAuth": app, "baseUrl": emu.base_url, "writeDelayMs": 0}, secret_keys=("appAuth",))

        up(host, camel(declaration("token", "acme")))

    [logged] = engine.messages()
    assert (logged.severity, logged.urn) == ("WARNING", RESOURCE_URN)
    told = rf"GitHub App {APP}: this machine's clock is \d+ s behind GitHub's; its JWTs take GitHub's time"
    assert re.fullmatch(told + " from now on", logged.message), logged.message
    assert "PRIVATE KEY" not in logged.message
