"""Shared pytest fixtures."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3.util.connection
from pulumi.dynamic import ResourceProvider

from doors import DOORS, Door, open_door
from provider_host import ProviderHost
from pulumi_github_private_registry.core.diagnostics import PACKAGE_LOGGER
from pulumi_github_private_registry.core.lifecycle import Runtime
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN
from tiers import FAST_MODULES, SLOW, is_slow, refusing_processes


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects: every test gets its tier first
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that start processes (tests/tiers.py) ``slow``; note the fast tier's files."""
    for item in items:
        if is_slow(item) and item.get_closest_marker(SLOW) is None:
            item.add_marker(SLOW)
    here = Path(__file__).parent
    collected = {Path(item.path) for item in items}
    whole = set(here.rglob("test_*.py")) <= collected
    fast = {Path(item.path) for item in items if not is_slow(item)}
    config.stash[FAST_MODULES] = fast if whole else None


def _refused(item: pytest.Item, phase: str) -> Generator[None, None, None]:
    """Run a phase of a fast test where starting a process fails it, even if the error was caught."""
    if is_slow(item):
        return (yield)
    with refusing_processes(item.nodeid) as attempts:
        result = yield
    if attempts:
        pytest.fail(f"{item.nodeid} ({phase}) started a process but is not marked {SLOW}: {attempts}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Module fixtures start in a test's setup: the guard covers it."""
    return (yield from _refused(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _refused(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _refused(item, "teardown"))


@pytest.fixture(autouse=True)
def _runtimes_of_this_test() -> Iterator[None]:
    """Providers configured in this process (`provider_host.configured_here`) share a runtime only
    within a test: a later test's emulator may listen on an earlier one's port, so the same
    settings, and would meet its lists, claims and pooled connections. The package's logger, which
    a provider configured here sets up as in its own process, is as it was again too."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    level, handlers = logger.level, [*logger.handlers]
    yield
    with Runtime._shared_lock:
        Runtime._shared.clear()
    logger.setLevel(level)
    logger.handlers[:] = handlers


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
