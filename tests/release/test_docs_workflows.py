"""Issue 19 review, item 8: every workflow the docs show runs a command the tools take.

Each ```yaml block of the docs that is a GitHub Actions workflow is read as YAML, and every
`python -m pulumi_github_private_registry ...` in a step's `run:` is parsed (not run) by the real
argument parsers: a renamed or removed flag fails here, not in a reader's CI.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
import yaml

from pulumi_github_private_registry.tools import cli

REPO: Final = Path(__file__).resolve().parents[2]
PAGES: Final = (REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md")))
MODULE: Final = "pulumi_github_private_registry"
_YAML_BLOCK: Final = re.compile(r"^( *)```ya?ml[^\n]*\n(.*?)^\1```", re.M | re.S)


def _runs(node: Any) -> Iterator[str]:
    """Every step's `run:` text in a workflow document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            else:
                yield from _runs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _runs(item)


def _commands() -> list[tuple[str, list[str]]]:
    """(where, the tool's arguments) of every `python -m pulumi_github_private_registry` in a docs
    workflow's `run:` lines."""
    found = []
    for page in PAGES:
        for _, block in _YAML_BLOCK.findall(page.read_text(encoding="utf-8")):
            document = yaml.safe_load(block)
            if not isinstance(document, dict) or "jobs" not in document:
                continue  # a stack file, not a workflow
            for run in _runs(document):
                for line in run.splitlines():
                    for part in re.split(r"&&|\|\||;|\|", line.split(" #", 1)[0]):
                        words = shlex.split(part)
                        if words[:3] in (["python", "-m", MODULE], ["python3", "-m", MODULE]):
                            found.append((f"{page.name}: {part.strip()}", words[3:]))
    return found


COMMANDS: Final = _commands()


def test_the_docs_show_workflows_that_run_the_tools() -> None:
    tools = {arguments[0] for _, arguments in COMMANDS if arguments}
    assert {"validate", "drift"} <= tools, COMMANDS


@pytest.mark.parametrize(("where", "arguments"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_of_a_docs_workflow_is_taken_by_the_tools_parser(
    where: str, arguments: list[str]
) -> None:
    usage = io.StringIO()
    with contextlib.redirect_stderr(usage):
        try:
            parsed = cli._parser("tool").parse_args(arguments)  # parse only, never run
        except SystemExit:
            pytest.fail(f"{where}: {usage.getvalue().strip().splitlines()[-1]}")
    assert parsed.command == arguments[0]
