"""`discover --format import`: the `pulumi import --file` document for the plugin, against the emulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from clitools import clean_environment, discover, seed
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin import package
from pulumi_github_private_registry.tools import cli, stackconfig
from pulumi_github_private_registry.tools import discover as discovery

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token"
NPM_SECRET = "npm-secret-canary-4711"
# The pinned interface, written out: the document must name the plugin's resource by this token.
RESOURCE = "github-private-registry:index:OrgPrivateRegistry"
# A resource name that every language's generated code and `pulumi import` take as it is.
PULUMI_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _document(capsys: pytest.CaptureFixture[str], emulator: Emulator, org: str = "acme") -> dict[str, Any]:
    status, out, err = discover(capsys, "--org", org, "--base-url", emulator.base_url, "--format", "import")
    document: dict[str, Any] = json.loads(out)
    count = len(document["resources"])
    # stderr: the org's line alone; stdout: the document alone.
    assert (status, err) == (0, f"{org}: {count} registr{'y' if count == 1 else 'ies'}\n")
    return document


def test_the_document_imports_every_registry_of_the_org_into_the_plugin_resource(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET)
    seed(emulator, "other-org", npm_secret=NPM_SECRET)  # another org's registries are not listed
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    document = _document(capsys, emulator)

    assert set(document) == {"resources"}
    assert sorted(document["resources"], key=lambda r: r["id"]) == [
        {"type": RESOURCE, "name": "acme-docker_registry", "id": "acme/DOCKER_REGISTRY_SECRET"},
        {"type": RESOURCE, "name": "acme-maven_repository", "id": "acme/MAVEN_REPOSITORY_SECRET"},
        {"type": RESOURCE, "name": "acme-npm_registry", "id": "acme/NPM_REGISTRY_SECRET"},
    ]
    assert emulator.count("GET", "/orgs/acme/private-registries") == 1


def test_the_resource_token_is_the_plugins_own(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    document = _document(capsys, emulator)
    committed = json.loads(package.SCHEMA_PATH.read_text(encoding="utf-8"))

    assert package.RESOURCE == RESOURCE
    assert {r["type"] for r in document["resources"]} == {RESOURCE}
    assert RESOURCE in committed["resources"]


def test_every_registry_type_is_listed_across_pages_with_unique_valid_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with Emulator(token=TOKEN, max_per_page=4) as emulator:
        for registry_type in schema.REGISTRY_TYPES:
            emulator.put_registry(
                "acme",
                registry_type=registry_type,
                url=f"https://{registry_type}.acme.example/",
                visibility="all",
                value=f"{registry_type}-secret",
            )
        document = _document(capsys, emulator)
        pages = emulator.count("GET", "/orgs/acme/private-registries")

    names = [r["name"] for r in document["resources"]]
    assert len(names) == len(schema.REGISTRY_TYPES) == 15
    assert len(set(names)) == len(names)
    assert all(PULUMI_NAME.match(n) and "::" not in n for n in names), names
    assert {r["id"] for r in document["resources"]} == {
        f"acme/{schema.configuration_name(t)}" for t in schema.REGISTRY_TYPES
    }
    assert pages == 4  # 15 registries, 4 a page


def test_the_names_are_those_the_stack_program_gives_the_same_registries(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """So that a stack moving from the dynamic resource keeps its resource names."""
    seed(emulator, npm_secret=NPM_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    document = _document(capsys, emulator)
    _, config_out, _ = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)
    block = yaml.safe_load("\n".join(line for line in config_out.splitlines() if line.startswith("  ")))
    entries, problems = stackconfig.parse_registries(
        block[stackconfig.full_key(stackconfig.REGISTRIES_KEY)], default_org=None
    )

    assert problems == []
    assert {r["name"] for r in document["resources"]} == {e.resource_name for e in entries}


def test_the_document_is_only_json_and_never_holds_a_secret(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, err = discover(
        capsys, "--org", "acme", "--base-url", emulator.base_url, "--format", "import", "--stack", "prod"
    )

    assert (status, err) == (0, "acme: 3 registries\n")
    assert out.endswith("}\n") and out.startswith("{")
    assert json.loads(out)["resources"]
    assert NPM_SECRET not in out and TOKEN not in out


def test_an_org_without_registries_gives_an_empty_document(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, err = discover(
        capsys, "--org", "empty-org", "--base-url", emulator.base_url, "--format", "import"
    )

    assert (status, err) == (0, "empty-org: 0 registries\n")
    assert json.loads(out) == {"resources": []}


def test_config_is_still_the_default_format(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    default = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)
    explicit = discover(capsys, "--org", "acme", "--base-url", emulator.base_url, "--format", "config")

    assert default == explicit
    assert default[1].startswith("# 3 private registries of acme at ")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param([], {}, "no GitHub token in $GITHUB_TOKEN", id="no-token"),
        pytest.param(
            [], {"GITHUB_TOKEN": "ghp_wrongTokenCanary"}, "GitHub rejected the token", id="rejected"
        ),
        pytest.param(["--org", "bad_org!"], {"GITHUB_TOKEN": TOKEN}, "error: --org:", id="bad-org"),
        pytest.param(
            ["--base-url", "http://github.example/"],
            {"GITHUB_TOKEN": TOKEN},
            "--base-url",
            id="cleartext-url",
        ),
    ],
)
def test_an_error_goes_to_stderr_with_exit_1_and_nothing_on_stdout(
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    seed(emulator, npm_secret=NPM_SECRET)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = {"--org": "acme", "--base-url": emulator.base_url, "--format": "import"}
    argv.update(zip(args[::2], args[1::2], strict=True))

    status, out, err = discover(capsys, *(item for pair in argv.items() for item in pair))

    assert (status, out) == (1, "")
    assert err.startswith("error: ") and expected in err
    assert "ghp_wrongTokenCanary" not in err


def test_an_org_github_does_not_show_fails_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with Emulator(token=TOKEN, orgs=["acme"]) as emulator:
        status, out, err = discover(
            capsys, "--org", "hidden-org", "--base-url", emulator.base_url, "--format", "import"
        )

    assert (status, out) == (1, "")
    assert err.startswith("error: ") and "hidden-org" in err


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["discover", "--org", "acme", "--format", "yaml"])

    assert exit_info.value.code == 2
    assert "--format" in capsys.readouterr().err
    assert discovery.discover("acme", output_format="yaml", out=sys.stdout, err=sys.stdout) == 1


@pytest.mark.slow
def test_the_command_line_prints_the_document_alone_on_stdout(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a shell redirects it: `discover --format import > registries.json`."""
    seed(emulator, npm_secret=NPM_SECRET)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    command = [sys.executable, "-m", "pulumi_github_private_registry", "discover", "--org", "acme"]
    command += ["--base-url", emulator.base_url, "--format", "import"]

    done = subprocess.run(
        command, env={**env, "GITHUB_TOKEN": TOKEN}, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    failed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert (done.returncode, done.stderr) == (0, "acme: 3 registries\n")
    assert len(json.loads(done.stdout)["resources"]) == 3
    assert (failed.returncode, failed.stdout) == (1, "")
    assert "no GitHub token" in failed.stderr


@pytest.mark.slow
def test_the_cli_loads_no_pulumi_although_it_reads_the_plugins_package_module() -> None:
    code = (
        "import sys; import pulumi_github_private_registry.tools.cli, "
        "pulumi_github_private_registry.plugin.package; "
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
