"""The fast tier: which tests are ``slow`` (they start processes), and the guard that keeps it true.

``pytest -m "not slow"`` runs the in-process tests alone (CONTRIBUTING.md, "Set up and test").
A test is slow when it carries the marker itself (``pytestmark`` or ``@pytest.mark.slow``), needs
the Pulumi CLI (``cli``) or uses a fixture of :data:`PROCESS_FIXTURES`. Nothing has to remember
this: ``tests/conftest.py`` runs every other test under :func:`refusing_processes`, so a test that
starts a process without the marker fails, in either tier, naming the marker. A few in-process
tests that wait seconds on a real clock (a timeout, a rate-limit window) carry the marker too, saying so.
"""

from __future__ import annotations

import multiprocessing.util
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, NoReturn

import pytest

SLOW: Final = "slow"
"""The marker of the tests the fast tier leaves out."""

PROCESS_FIXTURES: Final = frozenset(
    {
        "deployment",  # conftest: a dynamic provider host per call
        "door",  # conftest: each door's process for the module
        "provider_host_factory",  # conftest: dynamic provider hosts
        "hosts",  # test_app_auth, test_ghes: dynamic provider hosts
        "plugin_hosts",  # test_ghes: plugin processes
        "plugins",  # the plugin modules: plugin processes against the module's emulator
        "host",  # test_check_table: a provider host
        "started",  # test_plugin_engine_log: plugin processes
    }
)
"""Fixtures that start provider or plugin processes: a test using one is slow without saying so."""

FAST_MODULES: Final = pytest.StashKey[set[Path] | None]()
"""The test files with a test in the fast tier, when the whole folder was collected (else None)."""

# Every way Python starts a process: subprocess (and asyncio's, venv's and pip's through it), and
# the os functions underneath multiprocessing and os.system.
_STARTERS: Final = (
    (subprocess.Popen, "_execute_child"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "system"),
    # multiprocessing's spawn and forkserver (macOS's default, and Linux's from Python 3.14) start
    # their process here, not through any of the above.
    (multiprocessing.util, "spawnv_passfds"),
)


class ProcessStarted(Exception):
    """A test outside the slow tier tried to start a process."""


def is_slow(item: pytest.Item) -> bool:
    """Whether ``item`` is left out of the fast tier: marked, needing the Pulumi CLI (the ``cli``
    marker: it runs it), or using a process fixture."""
    return any(item.get_closest_marker(name) is not None for name in (SLOW, "cli")) or bool(
        PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    )


@contextmanager
def refusing_processes(where: str) -> Iterator[list[str]]:
    """Within, starting a process raises :class:`ProcessStarted`; yields the list of attempts.

    The list lets the caller fail the test even when the test (or a harness) swallowed the error.
    """
    attempts: list[str] = []
    saved: list[tuple[Any, str, Callable[..., Any]]] = []

    def refuse(name: str) -> Callable[..., NoReturn]:
        def refused(*_args: Any, **_kwargs: Any) -> NoReturn:
            attempts.append(name)
            raise ProcessStarted(
                f"{where} starts a process ({name}) but is not marked {SLOW}: add "
                f"@pytest.mark.{SLOW} (or pytestmark = pytest.mark.{SLOW} for the module), or use a "
                "fixture of tests/tiers.py's PROCESS_FIXTURES"
            )

        return refused

    for owner, name in _STARTERS:
        if hasattr(owner, name):
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, refuse(f"{getattr(owner, '__name__', owner)}.{name}"))
    try:
        yield attempts
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)
