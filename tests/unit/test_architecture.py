"""The house's one direction of imports (provider/ARCHITECTURE.md), checked on the source."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "provider" / "pulumi_github_private_registry"


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of the file."""
    inside = path.is_relative_to(PACKAGE)  # a test file's imports are all absolute
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]) if inside else ""
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


OURS = PACKAGE.name

# The one direction (provider/ARCHITECTURE.md): each part of the package and the parts of ours it
# may import. A part is a folder or a module of the package, named as in an import.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "audiences": frozenset({"core", "audiences"}),
    "emulator": frozenset({"emulator"}),
    "tools": frozenset({"core", "audiences", "tools", "plugin.package"}),
    "plugin": frozenset({"core", "audiences", "plugin"}),
    "provider": frozenset({"core", "audiences"}),
    "resource": frozenset({"core", "audiences", "provider"}),
}
TOP = frozenset({"__init__.py", "__main__.py"})
"""The package's own entry points, above every part: they may import any of them."""


def _within(name: str, part: str) -> bool:
    """Whether an imported name is of ``part``: a module under it, or a name one of them defines."""
    rest = name.removeprefix(OURS).removeprefix(".")
    return name.startswith(f"{OURS}.") and (rest == part or rest.startswith(part + "."))


def _package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).as_posix() not in TOP)


@pytest.mark.parametrize("path", _package_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_each_module_imports_only_the_parts_its_part_may_import(path: Path) -> None:
    module = ".".join((OURS, *path.relative_to(PACKAGE).with_suffix("").parts))
    part = next((p for p in MAY_IMPORT if _within(module, p)), None)
    assert part, f"{module}: a part the one direction does not place"
    ours = {n for n in _imports(path) if n == OURS or n.startswith(OURS + ".")}
    assert {n for n in ours if not any(_within(n, may) for may in MAY_IMPORT[part])} == set()


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_the_core_imports_no_pulumi_no_door_no_tool_and_no_emulator(path: Path) -> None:
    """Nothing above it, the package's root included: no exception."""
    bad = {
        name
        for name in _imports(path)
        if name == "pulumi"
        or name.startswith("pulumi.")
        or (name.startswith("pulumi_") and not (name == OURS or name.startswith(f"{OURS}.")))
        or ((name == OURS or name.startswith(f"{OURS}.")) and not _within(name, "core"))
    }
    assert not bad


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_import_of_the_package_is_a_statement_this_test_reads(path: Path) -> None:
    """An import by name at run time (importlib, __import__) would pass the direction unseen."""
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "__import__")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
        )
    }
    assert calls == set()


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


def test_the_credentials_import_nothing_of_the_client() -> None:
    """The client drives the credentials' flows (issue #20): they ask, it sends. Not even for types:
    an import of the client, its transport or its answers would be the old cycle back."""
    core = "pulumi_github_private_registry.core"
    client = {f"{core}.{name}" for name in CLIENT_ORDER}
    names = _imports(PACKAGE / "core" / "credentials.py")
    assert {
        n for n in names if any(n == m or n.startswith(m + ".") for m in client) or n == "requests"
    } == set()


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


@pytest.mark.slow
def test_running_the_whole_lifecycle_module_loads_no_pulumi() -> None:
    code = (
        "import sys; import pulumi_github_private_registry.core.lifecycle, "
        "pulumi_github_private_registry.tools.stackconfig; "
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _runtime_imports(path: Path) -> set[str]:
    """The core modules ``path`` imports when it runs (at any depth, ``if TYPE_CHECKING:`` left out)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            modules = [node.module] if node.module else [alias.name for alias in node.names]
            names.update(m.partition(".")[0] for m in modules)
    return names & {p.stem for p in _modules("core")}


def test_the_core_modules_import_each_other_in_one_direction() -> None:
    graph = {path.stem: _runtime_imports(path) for path in _modules("core")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module not in done:
            for imported in sorted(graph[module]):
                visit(imported, (*path, module))
            done.add(module)

    for module in sorted(graph):
        visit(module, ())


@pytest.mark.parametrize("path", _modules("audiences"), ids=lambda p: p.name)
def test_the_audiences_import_no_pulumi(path: Path) -> None:
    """A door's audience is a value: ``validate`` and a third door load it without the Pulumi SDK."""
    assert not {n for n in _imports(path) if n == "pulumi" or n.startswith("pulumi.")}


# What only a door may say (issue #20, "a door is a value"): the Pulumi CLI's commands, the resource
# options a program sets, and the doors' config keys and namespaces. The core words its failures as
# codes with slots (`{w[refresh]}`), filled in by the door's audience (`audiences/`). Our own
# command (`python -m pulumi_github_private_registry discover`), the product's name and the word
# "Pulumi" in prose stay.
DOOR_WORDS: dict[str, re.Pattern[str]] = {
    "a Pulumi CLI command": re.compile(
        r"\bpulumi (?:up|preview|refresh|import|config|state|stack|destroy|new|login|logout|plugin|"
        r"package|install|watch|logs|cancel|whoami|org|about|convert|console|env|schema|policy)\b"
    ),
    "a Pulumi resource option or flag": re.compile(
        r"\b(?:aliases|replaceWith|deletedWith|deleteBeforeReplace|delete_before_replace|"
        r"ResourceOptions|replaceOnChanges|replace_on_changes|ignoreChanges|ignore_changes|"
        r"retainOnDelete|retain_on_delete)\b|--target-replace\b"
    ),
    "a door's config key": re.compile(r"\bgithub(?:-private-registry)?:[A-Za-z]"),
    "a door's config namespace": re.compile(r"""["']github(?:-private-registry)?["']"""),
    "the plugin's function": re.compile(r"getOrgPrivateRegistries"),
}


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_no_core_module_holds_a_doors_words(path: Path) -> None:
    """Code, messages, docstrings and comments alike: a grep, naming each line."""
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {what}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for what, pattern in DOOR_WORDS.items()
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def _mapped_modules() -> set[str]:
    """The package's modules as provider/ARCHITECTURE.md's map names them (``core/fields.py``)."""
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text()
    block = text.split("```", 2)[1].split("\ntests/", 1)[0]  # the package's part of the map
    mapped: set[str] = set()
    folder = ""
    for line in block.splitlines():
        if match := re.match(r"  ([a-z_]+)/\s", line):
            folder = match[1] + "/"
        elif match := re.match(r"  ([a-z_]+\.py)\s", line):
            folder, mapped = "", mapped | {match[1]}
        elif match := re.match(r"    ([a-z_]+\.py)\s", line):
            mapped.add(folder + match[1])
    return mapped


def test_the_architecture_page_maps_every_module_and_no_other() -> None:
    """Issue #20: "provider/ARCHITECTURE.md maps every module" (the package's own entry points and
    a part's ``__init__`` may go unnamed)."""
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    unnamed = {m for m in modules if m.rpartition("/")[2] in {"__init__.py", "__main__.py"}}
    mapped = _mapped_modules()
    assert modules - unnamed - mapped == set(), "modules the map leaves out"
    assert mapped - modules == set(), "the map names modules that do not exist"
