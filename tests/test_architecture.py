"""The house's one direction of imports (provider/ARCHITECTURE.md), checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "provider" / "pulumi_github_private_registry"


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of the file."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py"))


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_the_core_imports_no_pulumi_no_door_no_tool_and_no_emulator(path: Path) -> None:
    ours = "pulumi_github_private_registry"
    bad = {
        name
        for name in _imports(path)
        if name == "pulumi"
        or name.startswith("pulumi.")
        or (name.startswith(f"{ours}.") and not name.startswith(f"{ours}.core"))
    }
    assert not bad


@pytest.mark.parametrize("path", _modules("emulator"), ids=lambda p: p.name)
def test_the_emulator_imports_nothing_of_ours(path: Path) -> None:
    ours = {n for n in _imports(path) if n.startswith("pulumi_github_private_registry")}
    assert all(n.startswith("pulumi_github_private_registry.emulator") for n in ours), ours


# The client's modules, each importing only those before it (provider/ARCHITECTURE.md).
CLIENT_ORDER = ("pacing", "transport", "answers", "client")


@pytest.mark.parametrize("stem", CLIENT_ORDER)
def test_each_client_module_imports_only_those_before_it(stem: str) -> None:
    core = "pulumi_github_private_registry.core"
    after = {f"{core}.{name}" for name in CLIENT_ORDER[CLIENT_ORDER.index(stem) + 1 :]}
    names = _imports(PACKAGE / "core" / f"{stem}.py")
    assert {n for n in names if any(n == m or n.startswith(m + ".") for m in after)} == set()


# The emulator's modules, each importing only those before it (provider/ARCHITECTURE.md).
EMULATOR_ORDER = (
    "facts",
    "messages",
    "contract",
    "apps",
    "registries",
    "models",
    "responses",
    "routing",
    "serving",
    "cli",
    "__init__",
    "__main__",
)


def test_the_emulator_order_names_every_module_of_the_emulator() -> None:
    assert sorted(EMULATOR_ORDER) == sorted(p.stem for p in _modules("emulator"))


@pytest.mark.parametrize("path", _modules("emulator"), ids=lambda p: p.name)
def test_each_emulator_module_imports_only_those_before_it(path: Path) -> None:
    package = "pulumi_github_private_registry.emulator"
    before = {f"{package}.{name}" for name in EMULATOR_ORDER[: EMULATOR_ORDER.index(path.stem)]}
    ours = {n for n in _imports(path) if n.startswith(package + ".")}
    # A name imported from a module counts as the module (``from .facts import X`` -> facts.X).
    assert {n for n in ours if not any(n == m or n.startswith(m + ".") for m in before)} == set()


@pytest.mark.parametrize("path", _modules("tools"), ids=lambda p: p.name)
def test_the_tools_import_the_core_and_no_door(path: Path) -> None:
    ours = "pulumi_github_private_registry"
    doors = {f"{ours}.provider", f"{ours}.resource", f"{ours}.emulator"}
    assert not {n for n in _imports(path) if any(n == d or n.startswith(d + ".") for d in doors)}


def test_running_the_whole_lifecycle_module_loads_no_pulumi() -> None:
    code = (
        "import sys; import pulumi_github_private_registry.core.lifecycle, "
        "pulumi_github_private_registry.tools.stackconfig; "
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
