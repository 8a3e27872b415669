"""The pulumi SDK under the plugin: a range CI has tested at both ends, and the door's range around it.

The plugin (provider/requirements.txt, installed by the Pulumi CLI into the plugin's own virtualenv)
runs the SDK's experimental provider server and uses private names (``_GRPC_CHANNEL_OPTIONS``, the
servicer's constructor, the ``__context__`` of the SDK's re-raised errors), which any minor release
may change: its range ends at the newest release CI has run it on. The dynamic door runs in users'
programs beside their other Pulumi packages and uses the SDK's public API: its range (pyproject.toml's
``[project].dependencies``) starts at the same floor and ends below the next major. The README's
set-up command installs the dev extra, which names the plugin's range, so the developers' and CI's
virtualenv is the plugin's newest end; ``.ci/run`` makes a second one at its lowest.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO: Final = Path(__file__).resolve().parents[2]
CI: Final = REPO / ".ci" / "run"
NEXT_MAJOR: Final = Version("4")


def _array(table: str, key: str) -> list[str]:
    """``key = [...]`` of pyproject.toml's ``[table]``."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        node: object = tomllib.loads(text)
        for part in table.split("."):
            assert isinstance(node, dict), table
            node = node[part]
        assert isinstance(node, dict)
        return [str(line) for line in node[key]]
    # Python 3.10 has no TOML parser: the array as this pyproject.toml writes it, a string a line.
    section = text.split(f"\n[{table}]\n", 1)[1].split("\n[", 1)[0]
    array = re.search(rf"^{re.escape(key)} = \[\n(.*?)^\]", section, re.M | re.S)
    assert array, f"no {key} in [{table}]"
    return [m for line in array.group(1).splitlines() for m in re.findall(r'"([^"]+)"', line.split("#")[0])]


def _pulumi(lines: list[str]) -> Requirement:
    [found] = [Requirement(line) for line in lines if Requirement(line).name == "pulumi"]
    return found


def _requirements_txt() -> list[str]:
    lines = (REPO / "provider" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _bounds(specifier: SpecifierSet) -> tuple[Version, Version]:
    """The ``>=`` floor and ``<`` cap of a range written as exactly those two."""
    by_operator = {s.operator: Version(s.version) for s in specifier}
    assert len(specifier) == 2 and set(by_operator) == {">=", "<"}, f"not >=FLOOR,<CAP: {specifier}"
    return by_operator[">="], by_operator["<"]


def test_the_plugins_pulumi_range_ends_at_a_tested_minor_below_the_next_major() -> None:
    floor, cap = _bounds(_pulumi(_requirements_txt()).specifier)

    assert floor < cap < NEXT_MAJOR, (
        f"provider/requirements.txt allows pulumi up to {cap}: not a tested bound"
    )
    assert cap.release[0] == floor.release[0] == 3


def test_the_set_up_command_installs_the_plugins_range() -> None:
    """The dev extra holds requirements.txt's pulumi line verbatim: the newest it allows is what CI gets."""
    [line] = [line for line in _requirements_txt() if Requirement(line).name == "pulumi"]

    assert [d for d in _array("project.optional-dependencies", "dev") if d.startswith("pulumi")] == [line]


def test_the_python_door_allows_the_plugins_range_and_every_later_3x_release() -> None:
    plugin_floor, plugin_cap = _bounds(_pulumi(_requirements_txt()).specifier)
    door_floor, door_cap = _bounds(_pulumi(_array("project", "dependencies")).specifier)

    assert door_floor == plugin_floor, "the door's floor is the one CI tests too"
    assert door_cap == NEXT_MAJOR >= plugin_cap


def test_this_virtualenvs_pulumi_is_in_the_plugins_range() -> None:
    installed = importlib.metadata.version("pulumi")

    assert _pulumi(_requirements_txt()).specifier.contains(installed), (
        f"pulumi {installed} is outside provider/requirements.txt's range: re-run the README's set-up command"
    )


@pytest.mark.slow
def test_ci_runs_the_plugins_tests_on_the_lowest_pulumi_it_declares() -> None:
    """.ci/run's own line reads the floor from requirements.txt; its virtualenv installs exactly that."""
    script = CI.read_text(encoding="utf-8")
    [assignment] = [line for line in script.splitlines() if line.startswith("lowest=$(")]
    lowest = subprocess.run(
        ["bash", "-c", f'set -euo pipefail; {assignment}; printf %s "$lowest"'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    floor, _ = _bounds(_pulumi(_requirements_txt()).specifier)

    assert lowest and Version(lowest) == floor
    assert '"pulumi==$lowest"' in script
    assert "tests/*/test_plugin_*.py" in script.split('"pulumi==$lowest"', 1)[1]


def _low_end_pytest_arguments() -> list[str]:
    """The arguments of .ci/run's pytest on the lowest pulumi (its backslash-continued lines joined)."""
    script = CI.read_text(encoding="utf-8").replace("\\\n", " ")
    [line] = [line for line in script.splitlines() if '"$low/venv/bin/python" -m pytest' in line]
    return shlex.split(line.split("-m pytest", 1)[1], comments=True)


def test_ci_names_on_the_lowest_pulumi_only_test_files_that_exist() -> None:
    """A test renamed or moved would leave a glob matching nothing, or a --deselect deselecting nothing
    (the file it meant then runs where it cannot pass): every path named must be there."""
    words = _low_end_pytest_arguments()
    deselected = [after.split("::")[0] for flag, after in itertools.pairwise(words) if flag == "--deselect"]
    patterns = [w for w in words if w.startswith("tests/") and w.split("::")[0] not in deselected]

    assert patterns, words
    for pattern in patterns:
        assert sorted(REPO.glob(pattern)), f".ci/run names {pattern}, which matches no file"
    for path in deselected:
        assert (REPO / path).is_file(), f".ci/run deselects {path}, which does not exist"
        assert any((REPO / path).match(pattern) for pattern in patterns), (
            f".ci/run deselects {path}, which none of the paths it runs names"
        )
