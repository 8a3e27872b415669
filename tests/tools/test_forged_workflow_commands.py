"""Issue 19 review, item 6: text from outside cannot forge a GitHub Actions workflow command.

The runner takes a line for a command when it starts with `::` (after blanks), and, in the legacy
form, when `##[` appears anywhere in it (actions/runner's ActionCommand.TryParse). What a server or
a file says reaches the log through `errors.printable` only, which shows `##[` as `## [` and a
leading `::` as `: :`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from clitools import clean_environment, discover
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift
from samples import TOKEN

DENIED = (
    "permission denied (## [error]forged ## [warning]too): the token needs the 'admin:org' scope (classic "
    "token) or the 'Organization private registries' organization permission, read for reads and write "
    "for changes (fine-grained token or GitHub App)"
)
NPM = {
    "org": "acme",
    "registry_type": "npm_registry",
    "url": "https://npm.example.com",
    "visibility": "all",
    "auth_type": "oidc_azure",
    "tenant_id": "0f3c9d7a-6b1e-4d2f-9a85-3c4e5f607182",
    "client_id": "7d2e4b19-8c3a-4f5e-b6d7-1a2b3c4d5e6f",
}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def _forbidden(emulator: Emulator) -> None:
    emulator.inject(
        method="GET",
        path="/orgs/acme/",
        status=403,
        body={"message": "##[error]forged ##[warning]too"},
    )


def _stack(path: Path, emulator: Emulator) -> Path:
    config = {"github:baseUrl": emulator.base_url, "github-private-registries:registries": [NPM]}
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def test_drifts_text_shows_a_legacy_command_from_github_as_plain_text(
    tmp_path: Path, emulator: Emulator
) -> None:
    _forbidden(emulator)
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator)
    out, err = io.StringIO(), io.StringIO()

    status = drift.main([str(stack)], out, err)

    assert status == 1
    assert err.getvalue() == (
        f"error: acme: GET /orgs/acme/private-registries: {DENIED} (1 declared registry not compared)\n"
    )
    assert "##[" not in out.getvalue() + err.getvalue()


def test_discover_shows_a_legacy_command_from_github_as_plain_text(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    _forbidden(emulator)

    status, out, err = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert err == f"error: GET /orgs/acme/private-registries: {DENIED}.\n"


def test_drifts_text_line_that_would_start_with_a_command_does_not(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.put_registry("acme", **{k: v for k, v in NPM.items() if k != "org"})
    monkeypatch.chdir(tmp_path)
    _stack(tmp_path / "::warning::forged.yaml", emulator)
    out, err = io.StringIO(), io.StringIO()

    status = drift.main(["::warning::forged.yaml"], out, err)

    assert (status, err.getvalue()) == (0, "")
    assert out.getvalue() == (
        ": :warning::forged.yaml: no drift: 1 declared registry in 1 org match GitHub "
        f"(read from {emulator.base_url})\n"
    )
