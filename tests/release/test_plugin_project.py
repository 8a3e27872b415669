"""``provider/PulumiPlugin.yaml`` as the Pulumi CLI reads it, and the plugin's virtualenv kept out of git.

What the CLI does with the file, from pulumi/pulumi's source (paths in that repository):

- ``workspace.LoadPluginProject`` (sdk/go/common/workspace/loaders.go) decodes it into
  ``PluginProject`` (sdk/go/common/workspace/project.go) with a YAML decode that ignores keys it
  does not know (sdk/go/common/encoding/marshal.go): a misspelt key is dropped without a word, so
  the keys are checked here against the struct's. No JSON schema is applied to a plugin project;
  its ``runtime`` is the same ``ProjectRuntimeInfo`` that ``Pulumi.yaml``'s is, whose JSON schema
  (sdk/go/common/workspace/project.json, ``properties.runtime``) is copied below.
- The Python language host's ``parseOptions`` (sdk/python/cmd/pulumi-language-python/main.go)
  takes ``toolchain`` (pip, poetry or uv; CLI 3.119 on) and ``virtualenv``; left out, the
  toolchain is "auto", which since CLI 3.227 (sdk/python/toolchain/toolchain.go,
  ``ResolveToolchain``) is uv or poetry as soon as a ``uv.lock`` or ``poetry.lock`` is found in any
  folder above the plugin's: a user's monorepo would run the plugin without its requirements.txt.
- ``requiredPulumiVersion`` (CLI 3.221 on; named ``pulumiVersionRange`` before) is a
  github.com/blang/semver range the CLI checks before it starts the plugin
  (sdk/go/common/resource/plugin/plugin.go, ``ValidatePulumiVersionRange``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from jsonschema import Draft202012Validator
from packaging.specifiers import SpecifierSet

REPO: Final = Path(__file__).resolve().parents[2]
PLUGIN_PROJECT: Final = REPO / "provider" / "PulumiPlugin.yaml"

# `PluginProject`'s yaml tags (sdk/go/common/workspace/project.go).
PLUGIN_PROJECT_KEYS: Final = {"runtime", "packages", "requiredPulumiVersion", "template"}
# sdk/go/common/workspace/project.json, properties.runtime, unchanged.
RUNTIME_SCHEMA: Final[dict[str, Any]] = {
    "title": "ProjectRuntimeInfo",
    "oneOf": [
        {"title": "Name", "type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "name": {"title": "Name", "type": "string", "minLength": 1},
                "options": {"title": "Options", "type": "object", "additionalProperties": True},
            },
            "additionalProperties": False,
        },
    ],
}
# The toolchains parseOptions accepts; anything else fails the plugin's start.
TOOLCHAINS: Final = {"pip", "poetry", "uv"}
# One comparator of a blang/semver range: an operator (none is `==`) and a full x.y.z version.
COMPARATOR: Final = re.compile(r"(>=|<=|>|<|==|=|!=|!)?(\d+\.\d+\.\d+)")
# blang's spellings that PEP 440 spells otherwise; the rest are spelled alike.
TO_PEP440: Final = {None: "==", "=": "==", "!": "!="}


def _project() -> dict[str, Any]:
    project: dict[str, Any] = yaml.safe_load(PLUGIN_PROJECT.read_text(encoding="utf-8"))
    return project


def _admits(cli_range: str, version: str) -> bool:
    """Whether a blang/semver range of space-joined comparators (no ``||``) admits ``version``."""
    specifiers = []
    for comparator in cli_range.split():
        match = COMPARATOR.fullmatch(comparator)
        assert match, f"not a blang/semver comparator: {comparator!r} in {cli_range!r}"
        operator, bound = match.groups()
        specifiers.append(f"{TO_PEP440.get(operator, operator)}{bound}")
    assert specifiers, cli_range
    return SpecifierSet(",".join(specifiers)).contains(version)


def test_the_plugin_project_holds_only_keys_the_clis_loader_reads() -> None:
    project = _project()

    assert isinstance(project, dict)
    assert set(project) <= PLUGIN_PROJECT_KEYS, f"the CLI would ignore: {set(project) - PLUGIN_PROJECT_KEYS}"
    assert {"runtime", "requiredPulumiVersion"} <= set(project)


def test_the_runtime_is_the_shape_the_cli_decodes_and_names_python() -> None:
    runtime = _project()["runtime"]

    assert not list(Draft202012Validator(RUNTIME_SCHEMA).iter_errors(runtime))
    assert isinstance(runtime, dict) and runtime["name"] == "python"


def test_the_python_toolchain_is_pinned_to_pip_in_the_folders_venv() -> None:
    """No lock file above the folder can switch the plugin off requirements.txt and provider/venv."""
    options = _project()["runtime"]["options"]

    assert options == {"toolchain": "pip", "virtualenv": "venv"}
    assert options["toolchain"] in TOOLCHAINS


def test_the_required_cli_range_parses_and_admits_the_3x_clis_the_plugin_runs_under() -> None:
    cli_range = _project()["requiredPulumiVersion"]

    assert isinstance(cli_range, str) and "||" not in cli_range
    # 3.171: the first CLI whose Python host makes a plugin folder's venv with its requirements.
    assert [
        v for v in ("3.171.0", "3.221.0", "3.227.0", "3.272.0", "3.999.0") if not _admits(cli_range, v)
    ] == []
    assert [v for v in ("3.170.0", "4.0.0", "4.1.0") if _admits(cli_range, v)] == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")
def test_the_plugins_virtualenv_is_ignored_by_git() -> None:
    """`pulumi package add` makes provider/venv: none of it may be committed by `git add -A`."""
    paths = ["provider/venv/", "provider/venv/bin/python", "provider/venv/lib/site.py"]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == paths
