"""Shared pytest fixtures."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3.util.connection
from pulumi.dynamic import ResourceProvider

from doors import DOORS, Door, open_door
from provider_host import ProviderHost
from pulumi_github_private_registry.core.lifecycle import Runtime
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN


@pytest.fixture(autouse=True)
def _runtimes_of_this_test() -> Iterator[None]:
    """Providers configured in this process (`provider_host.configured_here`) share a runtime only
    within a test: a later test's emulator may listen on an earlier one's port, so the same
    settings, and would meet its lists, claims and pooled connections."""
    yield
    with Runtime._shared_lock:
        Runtime._shared.clear()


@pytest.fixture(scope="module")
def provider_host_factory() -> Iterator[Callable[..., ProviderHost]]:
    """Start `ProviderHost(provider, **kwargs)` processes; those still running stop when the module ends."""
    hosts: list[ProviderHost] = []

    def start(provider: ResourceProvider, **kwargs: Any) -> ProviderHost:
        host = ProviderHost(provider, **kwargs)
        hosts.append(host)
        return host.start()

    yield start
    for host in hosts:
        host.stop()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A started emulator that requires the token ``test-token``."""
    with Emulator(token="test-token") as emu:
        yield emu


@pytest.fixture
def emulator_v3() -> Iterator[Emulator]:
    """Like ``emulator``, served under GitHub Enterprise Server's ``/api/v3`` prefix."""
    with Emulator(token="test-token", prefix="/api/v3") as emu:
        yield emu


@pytest.fixture
def deployment(emulator: Emulator) -> Iterator[Callable[..., ProviderHost]]:
    """Start a configured `OrgPrivateRegistryProvider` host against ``emulator``, as one CLI command does.

    Each call is a new provider process (a new `pulumi up`/`refresh`/`destroy`), so nothing cached
    in one command's process leaks into the next. Extra keyword arguments are config overrides.
    """
    from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider

    hosts: list[ProviderHost] = []

    def start(
        emu: Emulator | None = None, *, env: dict[str, str] | None = None, **config: Any
    ) -> ProviderHost:
        target = emu or emulator
        host = ProviderHost(OrgPrivateRegistryProvider(), env=env).start()
        hosts.append(host)
        settings = {
            "github:token": "test-token",
            "github:baseUrl": target.base_url,
            "github:owner": "acme",
            "github:writeDelayMs": "0",
            **config,
        }
        host.configure({k: v for k, v in settings.items() if v is not None})
        return host

    yield start
    for host in hosts:
        host.stop()


@pytest.fixture(scope="module")
def github() -> Iterator[Emulator]:
    """One emulator for the module (token test-token); every test uses orgs of its own."""
    with Emulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture(scope="module", params=DOORS)
def door(request: pytest.FixtureRequest, github: Emulator) -> Iterator[Door]:
    """Each front door, one process for the module (more only through `fresh()`)."""
    with open_door(request.param, github) as opened:
        yield opened


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound, never listening (no one else can take it)."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection this process attempts from now on, as (host, port)."""
    attempts: list[tuple[str, int]] = []
    original = urllib3.util.connection.create_connection

    def counted(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address)
        return original(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counted)
    return attempts
