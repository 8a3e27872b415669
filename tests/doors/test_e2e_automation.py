"""End to end: the Pulumi CLI, driven by the Automation API, deploys the stack program against the emulator.

The project is the repository's own (Pulumi.yaml, stacks/), copied to a scratch directory with the
running virtualenv as its ``.venv``; state goes to a temporary local backend, secrets through
``pulumi config set --secret``. Needs the ``pulumi`` CLI on PATH and skips without it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import stackconfig

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(
        shutil.which("pulumi") is None,
        reason="the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); "
        "this test drives it through the Automation API",
    ),
    pytest.mark.timeout(900),
]

REPO = Path(__file__).resolve().parents[2]
ORG = "acme"
TOKEN = "test-token"  # what the emulator fixture accepts
NPM_SECRET = "npm-e2e-canary-6a1f0c"
MAVEN_SECRET = "maven-e2e-canary-93c2d7"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
# How Pulumi marks a secret in exported state (its value is then ciphertext).
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"

NPM = {
    "registry_type": "npm_registry",
    "url": "https://npm.pkg.github.com/acme",
    "visibility": "selected",
    "selected_repository_ids": [101, 102],
    "secret": "npmToken",
}
MAVEN = {
    "registry_type": "maven_repository",
    "url": "https://maven.acme.example/releases/",
    "visibility": "private",
    "auth_type": "username_password",
    "username": "dependabot",
    "secret": "mavenPassword",
}


@dataclass
class Project:
    """A scratch copy of the project, and the environment its pulumi commands run in."""

    directory: Path
    env: dict[str, str]

    def stack_file(self, stack: str) -> Path:
        return self.directory / "stacks" / f"Pulumi.{stack}.yaml"

    def declare(self, stack: str, *entries: Mapping[str, Any]) -> None:
        """Write the registries list into the stack file, as a user edits it."""
        path = self.stack_file(stack)
        data = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
        data.setdefault("config", {})[REGISTRIES] = [dict(e) for e in entries]
        path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    if sys.prefix == sys.base_prefix:
        pytest.skip("the project's Pulumi.yaml names a virtualenv: run the tests from one")
    directory = tmp_path / "project"
    (directory / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", directory)
    for program in (REPO / "stacks").glob("*.py"):
        shutil.copy(program, directory / "stacks")
    (directory / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    state = tmp_path / "state"
    state.mkdir()
    for name in ("GITHUB_TOKEN", "GITHUB_BASE_URL", "GITHUB_OWNER"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        # Offline: the stack uses repository ids and no Codespaces secret, so needs no plugin.
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return Project(directory, env)


def _new_stack(project: Project, name: str, emulator: Emulator, secrets: Mapping[str, str]) -> Any:
    from pulumi import automation as auto

    stack = auto.create_stack(
        name,
        work_dir=str(project.directory),
        opts=auto.LocalWorkspaceOptions(env_vars=project.env, secrets_provider="passphrase"),
    )
    config = {
        "github:owner": auto.ConfigValue(ORG),
        "github:baseUrl": auto.ConfigValue(emulator.base_url),
        "github:token": auto.ConfigValue(TOKEN, secret=True),
        # The provider spaces writes a second apart for GitHub; the emulator needs no pacing.
        "github:writeDelayMs": auto.ConfigValue("0"),
    }
    config.update({stackconfig.full_key(k): auto.ConfigValue(v, secret=True) for k, v in secrets.items()})
    stack.set_all_config(config)
    return stack


def _changes(result: Any) -> dict[str, int]:
    """What an update changed, leaving out what it left the same."""
    return {op: n for op, n in (result.summary.resource_changes or {}).items() if op != "same"}


@pytest.fixture
def stacks(project: Project) -> Iterator[list[Any]]:
    """Stacks made by a test; removed (with whatever they still hold) when it ends."""
    made: list[Any] = []
    yield made
    for stack in made:
        try:
            stack.destroy(color="never")
        finally:
            stack.workspace.remove_stack(stack.name)


def test_preview_up_refresh_update_replace_and_destroy(
    project: Project, emulator: Emulator, stacks: list[Any]
) -> None:
    stack = _new_stack(project, "e2e", emulator, {"npmToken": NPM_SECRET, "mavenPassword": MAVEN_SECRET})
    stacks.append(stack)
    project.declare("e2e", NPM, MAVEN)

    # preview: the plan, and nothing written at GitHub
    preview = stack.preview(color="never")
    assert set(preview.change_summary) == {"create"}
    assert preview.change_summary["create"] >= 2
    assert emulator.registries(ORG) == {}

    # up: both registries exist, the secrets sealed for the org, the outputs name them
    up = stack.up(color="never")
    assert up.summary.result == "succeeded"
    assert up.outputs["registries"].value == [
        {"org": ORG, "name": "NPM_REGISTRY_SECRET", "id": f"{ORG}/NPM_REGISTRY_SECRET"},
        {"org": ORG, "name": "MAVEN_REPOSITORY_SECRET", "id": f"{ORG}/MAVEN_REPOSITORY_SECRET"},
    ]
    npm = emulator.registry(ORG, "NPM_REGISTRY_SECRET")
    assert npm is not None and npm["url"] == NPM["url"]
    assert npm["selected_repository_ids"] == [101, 102]
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == NPM_SECRET
    assert emulator.decrypted_value(ORG, "MAVEN_REPOSITORY_SECRET") == MAVEN_SECRET

    # refresh: GitHub agrees with the state
    refresh = stack.refresh(color="never")
    assert set(refresh.summary.resource_changes or {}) == {"same"}
    stack.preview(color="never", expect_no_changes=True)

    # an update in place: same registry, new URL
    project.declare("e2e", {**NPM, "url": "https://npm.acme.example/"}, MAVEN)
    up = stack.up(color="never")
    assert _changes(up) == {"update": 1}
    updated = emulator.registry(ORG, "NPM_REGISTRY_SECRET")
    assert updated is not None and updated["url"] == "https://npm.acme.example/"
    assert updated["created_at"] == npm["created_at"]
    assert emulator.count("DELETE") == 0

    # a replacement: GitHub cannot change auth_type in place
    maven_token = {k: v for k, v in MAVEN.items() if k != "auth_type"}
    project.declare("e2e", {**NPM, "url": "https://npm.acme.example/"}, maven_token)
    up = stack.up(color="never")
    assert _changes(up) == {"replace": 1}
    replaced = emulator.registry(ORG, "MAVEN_REPOSITORY_SECRET")
    assert replaced is not None and replaced["auth_type"] == "token"
    assert emulator.decrypted_value(ORG, "MAVEN_REPOSITORY_SECRET") == MAVEN_SECRET
    assert emulator.count("DELETE", "/MAVEN_REPOSITORY_SECRET") == 1

    # no plaintext secret anywhere in the state; the secrets are there, encrypted
    state = json.dumps(stack.export_stack().deployment)
    for plaintext in (NPM_SECRET, MAVEN_SECRET, TOKEN):
        assert plaintext not in state
    assert SECRET_SIGNATURE in state

    # destroy: nothing left at GitHub
    stack.destroy(color="never")
    assert emulator.registries(ORG) == {}


def test_preview_of_a_registry_whose_secret_is_not_set_names_the_command(
    project: Project, emulator: Emulator, stacks: list[Any]
) -> None:
    from pulumi import automation as auto

    stack = _new_stack(project, "e2e-missing", emulator, {})
    stacks.append(stack)
    project.declare("e2e-missing", NPM)

    with pytest.raises(auto.CommandError) as failure:
        stack.preview(color="never")

    message = str(failure.value)
    assert "registry[0] (acme/NPM_REGISTRY_SECRET): secret:" in message
    assert "pulumi config set --secret --stack e2e-missing github-private-registries:npmToken" in message
    assert emulator.count() == 0
