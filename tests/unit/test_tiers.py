"""The fast tier (``pytest -m "not slow"``, tests/tiers.py) starts no process and covers every core module."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

import pytest

from test_architecture import PACKAGE, _imports, _modules
from tiers import FAST_MODULES, ProcessStarted, refusing_processes


def test_a_process_started_outside_the_slow_tier_is_refused_and_noted() -> None:
    with refusing_processes("this test") as attempts:
        with pytest.raises(ProcessStarted, match=r"this test starts a process .* not marked slow"):
            subprocess.run([sys.executable, "-c", "pass"], check=False)
    assert attempts == ["Popen._execute_child"]


def test_a_multiprocessing_spawn_outside_the_slow_tier_is_refused() -> None:
    # spawn starts each process through spawnv_passfds (forkserver starts its server there too; a
    # server already running would fork without this process starting one, so only spawn is tried).
    context = multiprocessing.get_context("spawn")
    with refusing_processes("this test") as attempts:
        with pytest.raises(ProcessStarted, match=r"this test starts a process .* not marked slow"):
            context.Process(target=print).start()
    assert attempts[:1] == ["multiprocessing.util.spawnv_passfds"]


def test_the_fast_tier_imports_every_core_module(request: pytest.FixtureRequest) -> None:
    fast = request.config.stash.get(FAST_MODULES, None)
    if fast is None:
        pytest.skip("only the whole tests/ folder shows which files the fast tier holds")
    # What the fast tier's files import, and what those modules import in turn (lazily too): a core
    # module reached only through another (lifecycle's wording) is still run by the fast tier.
    core = f"{PACKAGE.name}.core"
    modules = {f"{core}.{p.stem}": p for p in _modules("core") if p.stem != "__init__"}
    reached: set[str] = set()
    pending = [name for path in fast for name in _imports(path)]
    while pending:
        name = pending.pop()
        module = next((m for m in (name, name.rpartition(".")[0]) if m in modules), None)
        if module is not None and module not in reached:
            reached.add(module)
            pending.extend(_imports(modules[module]))
    assert set(modules) - reached == set()
