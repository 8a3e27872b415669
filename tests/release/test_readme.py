"""The documentation's shell commands run as written, from the checkout, after the set-up command.

Every ```sh block of README.md, CONTRIBUTING.md and docs/*.md (those indented inside a list too) is
sorted by what it needs:

- the README's set-up and test commands: not run here (they are what runs this test); `.ci/run` must hold
  each of their lines verbatim, so CI runs exactly what the README says;
- `stacks/demo.sh` (it deploys with the Pulumi CLI), and blocks of nothing but `pulumi` commands and
  `export` lines (nothing of the project's would run): not run here (tests/doors/test_e2e_automation.py
  drives the CLI where it is installed);
- anything else is run, and must exit 0: `RUN` lists these blocks (a block added or removed must be
  listed or unlisted there, so the list stays the truth). Each runs with bash (`-e -o pipefail`)
  in its own scratch copy of the checkout whose `.venv` is this environment, against the GitHub API
  emulator (`GITHUB_TOKEN` and `GITHUB_BASE_URL`) holding registries of the org the pages name,
  with the file docs/stacks.md's first steps make (`stacks/Pulumi.prod.yaml`: the example stack with
  its secrets set). A `pulumi` command in such a block runs tests/pulumi_stub.py, first on `PATH`:
  it records its arguments (the test checks each `pulumi` line ran, as written), selects a stack,
  sets config, checks the file `pulumi import --file` is given is Pulumi's import document, and
  deploys nothing. A line of `LEFT_OUT` is not run (the benchmark's full run: minutes; its
  `--quick` line runs). A line `export NAME=...` is for the reader to fill in: the test sets NAME
  instead. A YAML or JSON file a block writes with `>` must parse. `KNOWN_WRONG` names a block that
  fails as written, and why: it is expected to fail until its page is fixed.

And every block calls the project's commands by `.venv/bin/...`: a bare `python`, `pip` or the
console script would not be the set-up command's.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
import yaml

from pulumi_github_private_registry import __version__
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import stackconfig

pytestmark = pytest.mark.timeout(300)

REPO: Final = Path(__file__).resolve().parents[2]
README: Final = REPO / "README.md"
PAGES: Final = (README, REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md")))
"""The pages whose blocks are sorted and run: the README, the contributors' page and docs/."""
TOKEN: Final = "test-token"  # what the conftest emulator requires
ORG: Final = "acme-corp"  # the org the pages' commands name

RUN: Final = (
    ("README.md", "## Try it offline: no account, no Pulumi CLI", "work=$(mktemp -d)"),
    ("docs/python.md", "## Install and pin", ".venv/bin/python -m build"),
    (
        "docs/stacks.md",
        "## Checking a stack file without credentials",
        ".venv/bin/python -m pulumi_github_private_registry validate stacks/Pulumi.prod.yaml",
    ),
    ("CONTRIBUTING.md", "## Benchmark", ".venv/bin/python tests/benchmark.py --quick"),
    ("docs/operations.md", "### Seeing drift without Pulumi", "status=0"),
    (
        "docs/operations.md",
        "## Adopting existing registries",
        ".venv/bin/python -m pulumi_github_private_registry discover --org acme-corp --stack prod"
        " > registries.yaml",
    ),
    (
        "docs/plugin.md",
        "## Importing registries",
        ".venv/bin/python -m pulumi_github_private_registry discover --org acme-corp --format import"
        " > registries.json",
    ),
    (
        "docs/stacks.md",
        "## Using it with your organization",
        "cp stacks/Pulumi.example.yaml stacks/Pulumi.prod.yaml",
    ),
)
"""The blocks this test runs: (the page, the heading above the block, its first command without its
comment)."""
ELSEWHERE: Final = {
    (
        "docs/plugin.md",
        "## Moving a Python stack to the plugin",
        "cd /path/to/pulumi-github-private-registry/provider",
    ): "tests/release/test_plugin_venv.py",
}
"""Blocks another test runs as written, and what it checks after them."""
LEFT_OUT: Final = {
    ".venv/bin/python tests/benchmark.py": "the full benchmark takes minutes (the --quick line runs)",
}
"""Lines of a run block that are not run (the command, comment dropped), and why."""
KNOWN_WRONG: Final[dict[tuple[str, str, str], str]] = {}
"""Run blocks that fail as written, and why: expected to fail (strictly) until the page is fixed."""
PLUGIN_VENV: Final = "python3 -m venv venv && venv/bin/pip install -r requirements.txt"
"""The plugin's own virtualenv, made by the machine's Python as the CLI makes it: not the project's."""

SETUP: Final = ("README.md", "## Set up")
TEST: Final = ("README.md", "## Test")
PROVIDED: Final = frozenset({"GITHUB_TOKEN", "GITHUB_BASE_URL", "PULUMI_CONFIG_PASSPHRASE"})
"""Variables the test sets for `export NAME=...` placeholders."""

_PLACEHOLDER: Final = re.compile(r"^export (?P<name>[A-Z_][A-Z0-9_]*)=\.\.\.(?:\s+#.*)?$")
_SEPARATORS: Final = re.compile(r"&&|\|\||[;|]")
_BARE: Final = re.compile(r"^(?:python3?|pip3?|pytest|ruff|mypy|twine|pulumi-github-private-registry)\b")


@dataclass(frozen=True)
class Block:
    page: str  # relative to the checkout: README.md, docs/stacks.md, ...
    heading: str
    text: str  # dedented

    @property
    def where(self) -> str:
        return f"{self.page} {self.heading}"

    @property
    def commands(self) -> list[str]:
        """Each line's command, comment dropped (no block quotes a `#`), blank lines left out."""
        lines = (line.split(" #", 1)[0].strip() for line in self.text.splitlines())
        return [line for line in lines if line and not line.startswith("#")]

    @property
    def key(self) -> tuple[str, str, str]:
        first = next(c for c in self.commands if not _PLACEHOLDER.match(c))
        return self.page, self.heading, first

    @property
    def parts(self) -> list[str]:
        """Each command of each line: a line's `a && b` is two."""
        return [part.strip() for command in self.commands for part in _SEPARATORS.split(command)]

    @property
    def deploys(self) -> bool:
        """Whether it runs stacks/demo.sh, which needs the Pulumi CLI itself."""
        return any(re.match(r"stacks/demo\.sh\b", part) for part in self.parts)

    @property
    def only_pulumi(self) -> bool:
        """Whether nothing but `pulumi` commands and `export` lines would run: nothing of ours."""
        return all(re.match(r"(?:pulumi|export)\s", part) for part in self.parts)

    @property
    def pulumi_calls(self) -> list[list[str]]:
        """The arguments of each `pulumi` command, in order, as the shell splits them."""
        return [shlex.split(part)[1:] for part in self.parts if re.match(r"pulumi\s", part)]

    @property
    def script(self) -> str:
        """The text bash runs: without the `export NAME=...` placeholders and the lines of `LEFT_OUT`."""
        return "\n".join(
            line
            for line in self.text.splitlines()
            if not _PLACEHOLDER.match(line.strip()) and line.split(" #", 1)[0].strip() not in LEFT_OUT
        )


def blocks() -> list[Block]:
    found = []
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        page = path.relative_to(REPO).as_posix()
        for match in re.finditer(r"^( *)```sh\n(.*?)^\1```", text, re.M | re.S):
            outside = re.sub(r"^( *)```.*?^\1```", "", text[: match.start()], flags=re.M | re.S)
            headings = re.findall(r"^#+ .*$", outside, re.M)
            found.append(Block(page, headings[-1] if headings else "", textwrap.dedent(match.group(2))))
    return found


def _run_here(block: Block) -> bool:
    return (
        (block.page, block.heading) not in (SETUP, TEST)
        and not block.deploys
        and not block.only_pulumi
        and block.key not in ELSEWHERE
    )


def _ci_lines() -> set[str]:
    return {line.strip() for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()}


# --- what runs where ----------------------------------------------------------------------------------


def test_the_blocks_this_test_runs_are_the_listed_ones() -> None:
    run = [b.key for b in blocks() if _run_here(b)]
    assert sorted(run) == sorted(RUN), (
        "the pages' shell blocks that run here changed: list each in tests/release/test_readme.py's RUN "
        "(it will be run from the checkout after the set-up command, `pulumi` a stub)"
    )
    assert set(KNOWN_WRONG) <= set(RUN), "KNOWN_WRONG names a block that is not run"
    commands = {c.split(" #", 1)[0].strip() for b in blocks() if _run_here(b) for c in b.commands}
    assert set(LEFT_OUT) <= commands, "a line LEFT_OUT is no longer in a run block: update LEFT_OUT"
    keys = {b.key for b in blocks()}
    assert set(ELSEWHERE) <= keys, "a block another test runs is no longer in its page: update ELSEWHERE"
    for test in ELSEWHERE.values():
        assert (REPO / test).is_file(), test


def test_ci_runs_the_readmes_set_up_and_test_commands_verbatim() -> None:
    ci = _ci_lines()
    for page, heading in (SETUP, TEST):
        [block] = [b for b in blocks() if (b.page, b.heading) == (page, heading)]
        assert block.commands, heading
        for command in block.commands:
            # A line of its own, or followed by .ci/run's `|| status=$?` (go on, fail at the end).
            ran = command in ci or any(line.startswith(f"{command} || ") for line in ci)
            assert ran, f".ci/run does not run the README's {heading!r} command {command!r} as written"


def _section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_install_instructions_name_this_version() -> None:
    section = _section(REPO / "docs" / "python.md", "## Install and pin")
    quick_start = _section(README, "## Quick start: a Python program of your own")
    for where in (section, quick_start):
        assert "pulumi-github-private-registry @ git+REPO_URL@COMMIT" in where
        assert f"version {__version__}" in where
    assert f"pulumi_github_private_registry-{__version__}-py3-none-any.whl" in section
    assert f"pulumi-github-private-registry=={__version__}" in section


def test_no_page_names_an_address_or_a_tag_that_does_not_exist() -> None:
    """The repository has no public address and no tags: every pin is a commit at a place the reader
    names, and a tag is mentioned only as something an organization may add."""
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        page = path.relative_to(REPO).as_posix()
        assert "OWNER/REPO" not in text, page
        assert not re.search(r"checkout of the tag|each release is tagged|at a release tag", text), page
        for pin in re.findall(r"git\+[^\s`]+", text):
            assert pin.endswith("@COMMIT"), f"{page}: {pin} pins no commit"
        for added in re.findall(r"pulumi package add ([^\s`)]+)", text):
            assert added.startswith("/") or added.endswith("@COMMIT"), f"{page}: {added}"


def test_every_command_runs_from_the_set_up_virtualenv() -> None:
    bare = []
    for block in blocks():
        for command in block.commands:
            for part in _SEPARATORS.split(command):
                allowed = part.strip() == "python3 -m venv .venv" or command == PLUGIN_VENV
                if _BARE.match(part.strip()) and not allowed:
                    bare.append(f"{block.where}: {command}")
    assert bare == [], "call the project's commands as .venv/bin/NAME (the set-up command's virtualenv)"


# --- running them -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the checkout after the set-up command and docs/stacks.md's first steps."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"this interpreter's prefix {venv} has no bin/python to stand for .venv")
    root = tmp_path_factory.mktemp("checkout")
    for name in ("pyproject.toml", "MANIFEST.in", "README.md", "CONTRIBUTING.md", "Pulumi.yaml"):
        shutil.copy2(REPO / name, root / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc", "venv", ".venv")
    for folder in ("provider", "stacks", "docs", "tests"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    (root / ".venv").symlink_to(venv, target_is_directory=True)
    # docs/stacks.md, "Using it with your organization": the prod stack, copied from the example,
    # its secrets set.
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.example.yaml").read_text(encoding="utf-8"))
    config = stack["config"]
    for entry in config[stackconfig.full_key(stackconfig.REGISTRIES_KEY)]:
        if stackconfig.SECRET_FIELD in entry:
            config[stackconfig.full_key(entry[stackconfig.SECRET_FIELD])] = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
    (root / "stacks" / "Pulumi.prod.yaml").write_text(
        yaml.safe_dump(stack, sort_keys=False), encoding="utf-8"
    )
    return root


@pytest.fixture
def scratch(checkout: Path, tmp_path: Path) -> Path:
    """This test's own copy of the checkout: a block may change its files (docs/stacks.md's `cp`)."""
    root = tmp_path / "checkout"
    shutil.copytree(checkout, root, symlinks=True)
    return root


def _stub_pulumi(folder: Path) -> Path:
    """A folder holding `pulumi`, which runs tests/pulumi_stub.py with this interpreter."""
    folder.mkdir()
    stub = folder / "pulumi"
    program = shlex.join([sys.executable, str(REPO / "tests" / "pulumi_stub.py")])
    stub.write_text(f'#!/bin/sh\nexec {program} "$@"\n')
    stub.chmod(0o755)
    return folder


@pytest.fixture
def github(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator, holding registries of the pages' org: a token one, a password one, an OIDC one."""
    emulator.put_registry(
        ORG,
        registry_type="npm_registry",
        url="https://npm.pkg.github.com/acme-corp",
        visibility="all",
        value="n",
    )
    emulator.put_registry(
        ORG,
        registry_type="maven_repository",
        url="https://maven.acme-corp.example/releases/",
        visibility="private",
        auth_type="username_password",
        username="dependabot",
        value="m",
    )
    emulator.put_registry(
        ORG,
        registry_type="docker_registry",
        url="https://acme.azurecr.io",
        visibility="all",
        auth_type="oidc_azure",
        tenant_id="0f3c9d7a-6b1e-4d2f-9a85-3c4e5f607182",
        client_id="7d2e4b19-8c3a-4f5e-b6d7-1a2b3c4d5e6f",
    )
    yield emulator


def _bash(script: str, cwd: Path, env: dict[str, str], scratch: Path) -> tuple[int, str, str]:
    """Run ``script`` with bash in a session of its own; whatever it left running (a server it
    started in the background, say, when a later line failed) is ended with it. Output goes to files:
    a leftover process holding a pipe open would make the wait last until the timeout."""
    out, err = scratch / "stdout", scratch / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            returncode = proc.wait(timeout=240)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # the group this test started, and nothing else
            except ProcessLookupError:
                pass
            proc.wait()
    return returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")


def _runnable() -> list[Block]:
    return [b for b in blocks() if _run_here(b)]


def _params() -> list[object]:
    return [
        pytest.param(
            b,
            id=f"{b.page}: {b.heading.lstrip('# ')}",
            marks=[pytest.mark.xfail(reason=KNOWN_WRONG[b.key], strict=True)] if b.key in KNOWN_WRONG else [],
        )
        for b in _runnable()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("block", _params())
def test_the_block_runs_as_written(block: Block, scratch: Path, github: Emulator, tmp_path: Path) -> None:
    lines = block.text.splitlines()
    placeholders = {m.group("name") for m in map(_PLACEHOLDER.match, (line.strip() for line in lines)) if m}
    assert placeholders <= PROVIDED, f"the test cannot fill in {sorted(placeholders - PROVIDED)}"
    script = block.script
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULUMI_", "PYTHON"))}
    log = tmp_path / "pulumi.calls"
    env.update(
        GITHUB_TOKEN=TOKEN,
        GITHUB_BASE_URL=github.base_url,
        PULUMI_CONFIG_PASSPHRASE="test-passphrase",
        PULUMI_STUB_LOG=str(log),
        PATH=f"{_stub_pulumi(tmp_path / 'bin')}{os.pathsep}{env.get('PATH', os.defpath)}",
        PYTHONNOUSERSITE="1",
    )

    returncode, stdout, stderr = _bash(script, scratch, env, tmp_path)

    assert returncode == 0, f"{block.where}:\n{script}\nexited {returncode}\n{stdout}\n{stderr}"
    assert "Traceback" not in stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert calls == block.pulumi_calls, "each `pulumi` line runs, as written, once"
    for target in re.findall(r">\s*(\S+\.(?:ya?ml|json))\b", script):
        text = (scratch / target).read_text(encoding="utf-8")
        parsed = json.loads(text) if target.endswith(".json") else yaml.safe_load(text)
        assert parsed, f"{target}, written by {block.where}'s command, is empty"
