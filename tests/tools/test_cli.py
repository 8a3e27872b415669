"""`discover` and `validate`: against the emulator and on sample stack files."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from clitools import clean_environment, discover, seed
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import cli, stackchecks, stackconfig

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
TOKEN = "test-token"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
NPM_SECRET = "npm-secret-canary-0815"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _block(output: str) -> dict[str, Any]:
    """The YAML block of discover's output, as it sits under `config:`."""
    lines = [line for line in output.splitlines() if line.startswith("  ")]
    data: dict[str, Any] = yaml.safe_load("\n".join(lines))
    return data


def test_discover_prints_a_config_block_that_adopts_every_registry(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET, replaces_base=True)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, _ = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert status == 0
    entries = {e["registry_type"]: e for e in _block(out)[REGISTRIES]}
    assert entries["npm_registry"] == {
        "org": "acme",
        "registry_type": "npm_registry",
        "url": "https://npm.pkg.github.com/acme",
        "visibility": "selected",
        "auth_type": "token",
        "replaces_base": True,
        "secret": "acmeNpmRegistry",
        "selected_repositories": [],
        "adopt": True,
    }
    assert entries["maven_repository"]["username"] == "dependabot"
    assert entries["maven_repository"]["secret"] == "acmeMavenRepository"
    assert entries["docker_registry"]["jfrog_oidc_provider_name"] == "github-acme"
    assert "secret" not in entries["docker_registry"]
    assert all(e["adopt"] is True for e in entries.values())


def test_discover_prints_the_commands_that_set_each_secret_and_never_a_secret(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret=NPM_SECRET, replaces_base=True)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    _, out, _ = discover(capsys, "--org", "acme", "--base-url", emulator.base_url, "--stack", "prod")

    # YAML comments, so that the output stays valid YAML (`discover > registries.yaml`).
    commands = {line.removeprefix("#   ") for line in out.splitlines() if line.startswith("#   pulumi ")}
    assert commands == {
        "pulumi config set --secret --stack prod github-private-registries:acmeNpmRegistry",
        "pulumi config set --secret --stack prod github-private-registries:acmeMavenRepository",
    }
    assert "acme/NPM_REGISTRY_SECRET has visibility 'selected'" in out
    assert NPM_SECRET not in out and TOKEN not in out


def test_discover_reads_the_token_and_base_url_from_the_environment_like_the_provider(
    emulator_v3: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator_v3, npm_secret=NPM_SECRET, replaces_base=True)
    monkeypatch.setenv("OTHER_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_BASE_URL", emulator_v3.base_url)

    status, out, _ = discover(capsys, "--org", "acme", "--token-env", "OTHER_TOKEN")

    assert status == 0
    assert len(_block(out)[REGISTRIES]) == 3
    assert emulator_v3.count("GET", "/orgs/acme/private-registries") == 1


def test_discover_of_an_org_without_registries_says_so(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, _ = discover(capsys, "--org", "empty-org", "--base-url", emulator.base_url)

    assert status == 0
    assert out == f"# empty-org at {emulator.base_url} has no private registries.\n"


def test_discover_without_a_token_names_the_variable_to_set(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert "no GitHub token in $GITHUB_TOKEN" in err
    assert emulator.count() == 0


def test_discover_with_a_rejected_token_fails_without_showing_it(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTokenCanary")

    status, out, err = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert "GitHub rejected the token" in err
    assert "ghp_wrongTokenCanary" not in err


def test_a_discovered_block_with_its_secrets_set_and_repositories_named_validates(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed(emulator, npm_secret=NPM_SECRET, replaces_base=True)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    _, out, _ = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)
    config = _block(out)
    stack_file = tmp_path / "Pulumi.prod.yaml"

    stack_file.write_text(yaml.safe_dump({"config": config}))
    count, before = stackchecks.validate_file(stack_file)
    for entry in config[REGISTRIES]:
        if "secret" in entry:
            config[stackconfig.full_key(entry["secret"])] = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
        if entry["visibility"] == "selected":
            entry["selected_repositories"] = ["web", "api"]
    stack_file.write_text(yaml.safe_dump({"config": config}))
    _, after = stackchecks.validate_file(stack_file)

    assert count == 3
    assert len(before) == 3  # two secrets to set, one list of repositories to fill in
    assert after == []


def test_validate_accepts_a_valid_stack_file(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["validate", str(DATA / "Pulumi.valid.yaml")])

    assert status == 0
    assert capsys.readouterr().out == f"{DATA / 'Pulumi.valid.yaml'}: 3 registries, no problems\n"


def test_validate_reports_each_problem_by_registry_and_field_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(DATA / "Pulumi.invalid.yaml")
    status = cli.main(["validate", path])
    lines = capsys.readouterr().out.splitlines()

    assert status == 1
    assert all(line.startswith(f"{path}: ") for line in lines)
    problems = [line[len(path) + 2 :] for line in lines]
    expected = [
        "github:token is in plaintext",
        "registry[0] (acme/NPM_REGISTRY_SECRET): visiblity: unknown field 'visiblity'; "
        "did you mean 'visibility'?",
        "registry[1] (acme/MAVEN_REPOSITORY_SECRET): value: secrets are not written in the stack file",
        "registry[1] (acme/MAVEN_REPOSITORY_SECRET): url: ",
        "registry[2] (acme/NUGET_FEED_SECRET): client_id: ",
        "registry[3] (acme/PYTHON_INDEX_SECRET): secret: "
        "github-private-registries:npmPlain is set in plaintext",
        "registry[3] (acme/PYTHON_INDEX_SECRET): selected_repository_ids: ",
        "registry[4] (ACME/NPM_REGISTRY_SECRET): registry_type: "
        "registry[0] already declares ACME/NPM_REGISTRY_SECRET",
        "registry[5] (acme/DOCKER_REGISTRY_SECRET): codespaces_secret: it carries the registry's secret",
        "registry[6] (acme/RUBYGEMS_SERVER_SECRET): secret: auth_type 'username_password' needs a secret",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), start
    assert problems[-1].endswith("7 registries, 13 problems")  # visiblity: one problem, not two
    missing = [p for p in problems if "is not set: run `pulumi config set --secret --stack invalid" in p]
    assert len(missing) == 3  # npmToken twice (registries 0 and 4), mavenPassword once


def test_validate_never_prints_a_plaintext_secret_it_finds(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["validate", str(DATA / "Pulumi.invalid.yaml")])
    out = capsys.readouterr().out

    for secret in ("ghp_plaintextTokenInTheFile", "npm-token-in-plaintext", "maven-password-in-plaintext"):
        assert secret not in out


def test_validate_works_offline(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("validate opened a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    assert cli.main(["validate", str(DATA / "Pulumi.valid.yaml"), str(DATA / "Pulumi.invalid.yaml")]) == 1


def test_the_example_stack_lacks_only_its_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    path = REPO / "stacks" / "Pulumi.example.yaml"
    count, problems = stackchecks.validate_file(path)

    assert count == 8
    assert len(problems) == 3
    assert all(": secret: the secret github-private-registries:" in p and "is not set" in p for p in problems)


def test_the_demo_stack_lacks_only_the_secrets_its_script_sets() -> None:
    script = (REPO / "stacks" / "demo.sh").read_text()
    _, problems = stackchecks.validate_file(REPO / "stacks" / "Pulumi.demo.yaml")

    assert problems
    for problem in problems:
        key = problem.split("the secret ", 1)[1].split(" ", 1)[0]
        assert f"pulumi config set --secret {key}" in script


def test_validate_refuses_a_stack_file_without_the_registries_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config:\n  github:owner: acme\n  github-private-registries:npmToken: x\n")

    status = cli.main(["validate", str(stack_file)])
    out = capsys.readouterr().out

    assert status == 1
    assert f"{stack_file}: github-private-registries:registries is not set" in out
    assert "`pulumi up` would delete every one it manages" in out
    assert "set it to [] to declare none" in out
    assert "did you mean" not in out  # npmToken is no misspelling of it
    assert out.endswith(f"{stack_file}: 0 registries, 1 problem\n")


@pytest.mark.parametrize(
    "misnamed",
    [
        "github-private-registry:registries",  # the provider's namespace, singular
        "github-private-registries:registry",
        "github:registries",
    ],
)
def test_validate_refuses_a_misnamed_registries_key_and_names_the_right_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, misnamed: str
) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"github:owner": "acme", misnamed: [BASE_ENTRY]}}))

    status = cli.main(["validate", str(stack_file)])
    out = capsys.readouterr().out

    assert status == 1
    assert f"; {misnamed} is set: did you mean `github-private-registries:registries`?\n" in out
    assert out.endswith(f"{stack_file}: 0 registries, 1 problem\n")


def test_an_empty_registries_list_declares_none_and_validates(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config:\n  github:owner: acme\n  github-private-registries:registries: []\n")

    assert stackchecks.validate_file(stack_file) == (0, [])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("config: [", "not valid YAML"),
        ("- a list\n", "not a Pulumi stack file"),
        (
            "config:\n  github-private-registries:registries: {registry_type: npm_registry}\n",
            "must be a list",
        ),
        ("config:\n  github-private-registries:registries: [npm_registry]\n", "must be a mapping of fields"),
    ],
)
def test_validate_explains_a_file_it_cannot_use(tmp_path: Path, content: str, expected: str) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(content)

    _, problems = stackchecks.validate_file(stack_file)

    assert len(problems) == 1 and expected in problems[0]


def test_validate_of_a_missing_file_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["validate", str(tmp_path / "Pulumi.nope.yaml")]) == 1
    assert "cannot read it" in capsys.readouterr().out


def test_a_codespaces_secret_name_must_be_a_valid_secret_name(tmp_path: Path) -> None:
    entry = {
        "registry_type": "npm_registry",
        "url": "https://npm.pkg.github.com/acme",
        "visibility": "all",
        "secret": "npmToken",
        "codespaces_secret": "GITHUB_NPM",
    }
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"github:owner": "acme", REGISTRIES: [entry]}}))

    _, problems = stackchecks.validate_file(stack_file)

    assert any("codespaces_secret: 'GITHUB_NPM' is not a valid secret name" in p for p in problems)


@pytest.mark.slow
def test_python_dash_m_runs_the_cli_with_its_exit_status() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_github_private_registry",
            "validate",
            str(DATA / "Pulumi.invalid.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO / "provider")},
    )

    assert done.returncode == 1
    assert "7 registries, " in done.stdout


@pytest.mark.slow
def test_the_console_script_is_installed_and_runs_the_cli() -> None:
    script = Path(sys.executable).with_name("pulumi-github-private-registry")
    if not script.exists():
        script = Path(shutil.which("pulumi-github-private-registry") or script)
    done = subprocess.run(
        [str(script), "validate", str(DATA / "Pulumi.valid.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "3 registries, no problems" in done.stdout


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["discover"])
    assert leaving.value.code == 2
    assert "--org" in capsys.readouterr().err


def test_discover_help_offers_the_config_block_and_the_import_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["discover", "--help"])
    out = " ".join(capsys.readouterr().out.split())

    assert leaving.value.code == 0
    assert "--format {config,import}" in out
    assert "pulumi import --file" in out


def test_the_stack_guide_declares_one_valid_registry_per_auth_type(tmp_path: Path) -> None:
    guide = (REPO / "docs" / "stacks.md").read_text().split("## Declaring registries", 1)[1]
    config = yaml.safe_load(guide.split("```yaml\n", 1)[1].split("```", 1)[0])["config"]
    entries = config[REGISTRIES]
    for entry in entries:
        if "secret" in entry:
            config[stackconfig.full_key(entry["secret"])] = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
    stack_file = tmp_path / "Pulumi.guide.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))

    assert stackchecks.validate_file(stack_file) == (len(entries), [])
    assert {e.get("auth_type", "token") for e in entries} == set(schema.AUTH_TYPES)


BASE_ENTRY = {
    "registry_type": "npm_registry",
    "url": "https://npm.pkg.github.com/acme",
    "visibility": "all",
    "secret": "npmToken",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"auth_type": "oidc_jfrog", "jfrog_oidc_provider_name": "github-acme"},
            "secret: auth_type 'oidc_jfrog' takes no secret: remove it",
        ),
        (
            {"secret": "github:token"},
            "secret: must name a secret config key (like npmToken, without a namespace)",
        ),
        ({"selected_repositories": "web"}, "selected_repositories: must be a list of repository names"),
        (
            {"visibility": "all", "codespaces_secret": {"name": "NPM_TOKEN", "visibility": "selected"}},
            "codespaces_secret: visibility 'selected' shares the registry's repositories",
        ),
        (
            {"codespaces_secret": {"name": "NPM_TOKEN", "colour": "red"}},
            "codespaces_secret: unknown key 'colour'",
        ),
        (
            {"visibility": "private", "selected_repositories": ["web"]},
            "selected_repositories: ",  # the check's reason, under the field the entry used
        ),
    ],
)
def test_validate_names_the_entry_field_at_fault(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    config = {
        "github:owner": "acme",
        REGISTRIES: [{**BASE_ENTRY, **changes}],
        stackconfig.full_key("npmToken"): {"secure": "v1:bm9uY2U=:Y2lwaGVy"},
    }
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))

    _, problems = stackchecks.validate_file(stack_file)

    assert any(p.startswith(f"registry[0] (acme/NPM_REGISTRY_SECRET): {expected}") for p in problems), (
        problems
    )


def test_two_registries_may_not_share_a_codespaces_secret_name_in_one_org(tmp_path: Path) -> None:
    maven = {**BASE_ENTRY, "registry_type": "maven_repository", "codespaces_secret": "REGISTRY_TOKEN"}
    config = {
        "github:owner": "acme",
        REGISTRIES: [{**BASE_ENTRY, "codespaces_secret": "REGISTRY_TOKEN"}, maven],
        stackconfig.full_key("npmToken"): {"secure": "v1:bm9uY2U=:Y2lwaGVy"},
    }
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))

    _, problems = stackchecks.validate_file(stack_file)

    assert problems == [
        "registry[1] (acme/MAVEN_REPOSITORY_SECRET): codespaces_secret: registry[0] already declares "
        "the Codespaces secret REGISTRY_TOKEN in acme"
    ]


def test_discover_refuses_an_empty_token_variable_name_rather_than_read_github_token(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    with pytest.raises(SystemExit) as usage:  # argparse's own exit, as for any usage error
        discover(capsys, "--org", "acme", "--base-url", emulator.base_url, "--token-env", "")

    out, err = capsys.readouterr()
    assert (usage.value.code, out) == (2, "")
    assert err.endswith(
        "discover: error: argument --token-env: give the name of the environment variable holding the token\n"
    )
    assert emulator.requests == []


def test_discover_names_the_token_variable_in_use_for_a_base_url_with_user_info(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYTOK", TOKEN)

    status, _, err = discover(
        capsys, "--org", "acme", "--base-url", "https://deploy:pw@ghe.example.com", "--token-env", "MYTOK"
    )

    assert status == 1
    assert err == (
        "error: --base-url must not contain user-info (user:password@): put the token in MYTOK instead\n"
    )
