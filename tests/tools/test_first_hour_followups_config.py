"""Issue #19's second review, configuration side: keys read by nobody, the project file, the
commands suggested, YAML errors, and the tools' rough edges.

- A key only the plugin reads (``github-private-registry:baseUrl``) where the dynamic provider's
  own is not set is a problem for the dynamic door: validate, the stack program and the dynamic
  provider's configure say so (it would send the token to api.github.com); both set is fine.
- A provider setting in the stack program's namespace (``github-private-registries:requestTimeout``)
  that no registry names as its secret is a problem, naming the key meant.
- ``validate Pulumi.yaml`` says it is the project file and exits 1.
- Every ``pulumi config rm`` suggested names the stack, as the ``set`` beside it does.
- A quote never closed points where it opens; a list item indented wrongly and an anchor given
  twice say so in words; nothing of the file is quoted.
- ``discover --stack Pulumi.prod.yaml`` is taken for the stack ``prod``; ``value:`` in an entry is
  one problem; ``configdoc --check`` works from any folder; ``python -m ...tools.cli`` runs.

Lines are asserted whole, as the commands print them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from clitools import clean_environment, discover, seed
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider, RegistryError
from pulumi_github_private_registry.tools import configdoc, stackconfig
from samples import declaration
from test_first_hour_validate import ENTRY, PREVIEW_NOTE, REGISTRIES, SECURE, _lines, _write
from test_first_hour_validate_review import _program_fails

Deploy = Callable[..., ProviderHost]

PLUGIN_BASE_URL = (
    "github-private-registry:baseUrl is the plugin's key; the dynamic provider reads github:baseUrl, so "
    "it would send the token to https://api.github.com/: set github:baseUrl (or remove "
    "github-private-registry:baseUrl if no resource of the plugin uses it)"
)
GHES = "https://github.acme.example"
NPM_TOKEN_KEY = stackconfig.full_key("npmToken")


@pytest.fixture(autouse=True)
def _no_github_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _project(folder: Path, text: str) -> None:
    _write(folder / "Pulumi.yaml", text)


def _stack_program(tmp_path: Path, **config: Any) -> Path:
    """A stack file of the stack program: one registry, its secret set, and ``config``."""
    values = {"github:owner": "acme", REGISTRIES: [ENTRY], NPM_TOKEN_KEY: SECURE, **config}
    return _write(tmp_path / "Pulumi.dev.yaml", values)


# --- 1: the plugin's keys in the dynamic door's configuration -----------------------------------------


def test_validate_says_the_stack_program_would_not_read_the_plugins_base_url(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _stack_program(tmp_path, **{"github-private-registry:baseUrl": GHES})

    assert _lines(capsys, stack) == (1, [PLUGIN_BASE_URL, "1 registry, 1 problem"])


def test_validate_takes_both_base_urls_of_a_stack_moving_to_the_plugin(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _stack_program(tmp_path, **{"github-private-registry:baseUrl": GHES, "github:baseUrl": GHES})

    assert _lines(capsys, stack) == (0, ["1 registry, no problems"])


def test_validate_names_each_plugin_key_the_stack_program_would_not_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _stack_program(
        tmp_path,
        **{
            "github:owner": None,
            "github-private-registry:owner": "acme",
            "github-private-registry:token": SECURE,
            "github-private-registry:writeDelayMs": 1500,
        },
    )

    _, lines = _lines(capsys, stack)

    assert lines[:3] == [
        "github-private-registry:token is the plugin's key; the dynamic provider reads github:token, so it "
        "would take the token from the environment, or have none: set github:token (or remove "
        "github-private-registry:token if no resource of the plugin uses it)",
        "github-private-registry:owner is the plugin's key; the dynamic provider reads github:owner, so a "
        "registry that names no org would have none: set github:owner (or remove "
        "github-private-registry:owner if no resource of the plugin uses it)",
        "github-private-registry:writeDelayMs is the plugin's key; the dynamic provider reads "
        "github:writeDelayMs, so it would wait the default time between writes: set github:writeDelayMs "
        "(or remove github-private-registry:writeDelayMs if no resource of the plugin uses it)",
    ]


def test_a_github_app_in_the_dynamic_key_serves_for_the_plugins_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _stack_program(tmp_path, **{"github-private-registry:token": SECURE, "github:appAuth": SECURE})

    assert _lines(capsys, stack) == (0, ["1 registry, no problems"])


def test_validate_says_a_python_program_would_not_read_the_plugins_base_url(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, "name: my-infra\nruntime: python\n")
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github-private-registry:baseUrl": GHES})

    assert _lines(capsys, stack) == (
        1,
        [
            PLUGIN_BASE_URL,
            "provider configuration: 1 problem; the registries are declared in project my-infra's program, "
            f"not in this file: {PREVIEW_NOTE}",
        ],
    )


@pytest.mark.parametrize(
    "project",
    [
        "name: my-infra\nruntime: nodejs\n",
        "name: my-infra\nruntime:\n  name: go\n",
        "name: my-infra\nruntime: python\npackages:\n  github-private-registry: ../provider\n",
        "name: my-infra\nruntime: python\nplugins:\n  providers:\n    - name: github-private-registry\n"
        "      path: ../provider\n",
    ],
    ids=["nodejs", "go", "python-package", "python-plugins-entry"],
)
def test_a_program_on_the_plugin_keeps_the_plugins_base_url_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, project: str
) -> None:
    _project(tmp_path, project)
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github-private-registry:baseUrl": GHES})

    assert _lines(capsys, stack) == (
        0,
        [
            "provider configuration: no problems; the registries are declared in project my-infra's "
            f"program, not in this file: {PREVIEW_NOTE}"
        ],
    )


def _configure(config: dict[str, Any]) -> None:
    """The dynamic provider's configure, given the whole stack config as the engine gives it."""
    provider = OrgPrivateRegistryProvider()
    provider.configure(ConfigureRequest(Config(config, stackconfig.PROJECT)))


def test_the_dynamic_provider_refuses_the_plugins_base_url_alone() -> None:
    with pytest.raises(RegistryError) as failure:
        _configure({"github:token": "t", "github-private-registry:baseUrl": GHES})

    assert str(failure.value) == f"configuration: {PLUGIN_BASE_URL}"


@pytest.mark.parametrize(
    ("config", "environment"),
    [
        ({"github:baseUrl": GHES}, {}),
        ({}, {"GITHUB_BASE_URL": GHES}),
    ],
    ids=["both-keys", "environment"],
)
def test_the_dynamic_provider_takes_the_plugins_base_url_beside_its_own(
    monkeypatch: pytest.MonkeyPatch, config: dict[str, Any], environment: dict[str, str]
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    _configure({"github:token": "t", "github-private-registry:baseUrl": GHES, **config})


def test_the_dynamic_provider_says_a_plugin_token_alone_leaves_it_without_one() -> None:
    with pytest.raises(RegistryError) as failure:
        _configure({"github-private-registry:token": "t"})

    assert str(failure.value) == (
        "configuration: github-private-registry:token is the plugin's key; the dynamic provider reads "
        "github:token, so it would have no token: set github:token (or remove "
        "github-private-registry:token if no resource of the plugin uses it)"
    )


@pytest.mark.slow
def test_the_dynamic_provider_host_refuses_the_plugins_base_url_alone(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment(**{"github:baseUrl": None, "github-private-registry:baseUrl": emulator.base_url})

    with pytest.raises(Exception) as failure:
        host.check(declaration("token", "acme"))

    assert f"configuration: {PLUGIN_BASE_URL}" in str(failure.value)
    assert emulator.requests == []  # refused before any request


def test_the_stack_program_says_it_would_not_read_the_plugins_base_url() -> None:
    lines = _program_fails(
        {
            "github:owner": "acme",
            REGISTRIES: [ENTRY],
            NPM_TOKEN_KEY: "x",
            "github-private-registry:baseUrl": GHES,
            stackconfig.full_key("requestTimeout"): "5",
        }
    )

    assert lines == [
        PLUGIN_BASE_URL,
        "github-private-registries:requestTimeout is a setting of the provider: did you mean "
        "github-private-registry:requestTimeout?",
    ]


def test_the_stack_program_takes_a_plugin_key_written_with_no_value_as_unset_as_validate_does() -> None:
    # `github-private-registry:baseUrl:` with nothing after it sets nothing, in every door alike;
    # the program then fails only on what remains (here the repository names without an org).
    lines = _program_fails(
        {
            REGISTRIES: [{**ENTRY, "visibility": "selected", "selected_repositories": ["web"]}],
            NPM_TOKEN_KEY: "x",
            "github-private-registry:baseUrl": "",
        }
    )

    assert not any("github-private-registry:baseUrl" in line for line in lines), lines


def test_validate_names_a_provider_setting_in_the_programs_namespace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _stack_program(
        tmp_path,
        **{stackconfig.full_key("requestTimeout"): 5, stackconfig.full_key("BaseURL"): GHES},
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github-private-registries:requestTimeout is a setting of the provider: did you mean "
            "github-private-registry:requestTimeout?",
            "github-private-registries:BaseURL is a setting of the provider: did you mean github:baseUrl?",
            "1 registry, 2 problems",
        ],
    )


def test_a_registrys_secret_named_as_a_setting_is_no_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {
            "github:owner": "acme",
            REGISTRIES: [{**ENTRY, "secret": "token"}],
            stackconfig.full_key("token"): SECURE,
        },
    )

    assert _lines(capsys, stack) == (0, ["1 registry, no problems"])


# --- 2: the project file -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Pulumi.yaml", "Pulumi.yml", "project.yaml"])
def test_validate_says_the_project_file_is_no_stack_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    project = _write(tmp_path / name, "name: my-infra\nruntime: python\nconfig:\n  github:owner: acme\n")

    assert _lines(capsys, project) == (
        1,
        ["this is the project file; give a stack file, Pulumi.<stack>.yaml", "0 registries, 1 problem"],
    )


# --- 3: `pulumi config rm` names the stack -------------------------------------------------------------


def test_every_config_rm_suggested_names_the_stack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIcanary\n-----END RSA PRIVATE KEY-----"
    stack = _write(
        tmp_path / "Pulumi.dev2.yaml",
        {
            "github:owner": "acme",
            "github:tokn": "ghp_canary0815",
            "github:appAuth": {"id": "1", "pemFile": pem},
            "github-private-registry:tokens": {"acme-labs": "ghp_canary0816"},
            REGISTRIES: [ENTRY, {**ENTRY, "registry_type": "maven_repository", "secret": "mvnToken"}],
            NPM_TOKEN_KEY: "plain",
            "github:mvnToken": SECURE,
        },
    )

    _, lines = _lines(capsys, stack)

    assert [line for line in lines if "config rm" in line] == [
        "github:tokn is no key pulumi-github or this provider reads: did you mean github:token?; it is in "
        "plaintext: remove it with `pulumi config rm --stack dev2 github:tokn` and set github:token with "
        "`pulumi config set --secret --stack dev2 github:token`",
        "github:appAuth.pemFile holds the App's private key in plaintext: remove it with "
        "`pulumi config rm --stack dev2 --path github:appAuth.pemFile` and set it with "
        "`cat app.pem | pulumi config set --secret --stack dev2 --path github:appAuth.pemFile`",
        "github-private-registry:tokens.acme-labs is in plaintext: remove it with `pulumi config rm --stack "
        "dev2 --path github-private-registry:tokens.acme-labs` and set it with `pulumi config set --secret "
        "--stack dev2 --path github-private-registry:tokens.acme-labs`",
        "registry[0] (acme/NPM_REGISTRY_SECRET): secret: github-private-registries:npmToken is set in "
        "plaintext: remove it with `pulumi config rm --stack dev2 github-private-registries:npmToken` and "
        "set it with `pulumi config set --secret --stack dev2 github-private-registries:npmToken`",
        "registry[1] (acme/MAVEN_REPOSITORY_SECRET): secret: the secret github-private-registries:mvnToken "
        "is not set, but github:mvnToken is: the program reads its secrets in the "
        "github-private-registries namespace; move it there (`pulumi config rm --stack dev2 "
        "github:mvnToken`, then `pulumi config set --secret --stack dev2 "
        "github-private-registries:mvnToken`)",
    ]
    assert "canary" not in "".join(lines)


def test_a_stack_file_named_with_shell_characters_names_no_stack_in_the_commands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(tmp_path / "Pulumi.$(id).yaml", {"github:token": "ghp_canary0815"})

    _, lines = _lines(capsys, stack)

    assert lines[0] == (
        "github:token is in plaintext: remove it with `pulumi config rm github:token` and set it with "
        "`pulumi config set --secret github:token`"
    )


# --- 4: YAML errors in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'config:\n  github:owner: "ghp_canary0815\n',
            "not valid YAML at line 2, column 17: a quoted value starts here and is never closed",
        ),
        (
            "config:\n  github:owner: 'ghp_canary0815\n  github:token: x\n",
            "not valid YAML at line 2, column 17: a quoted value starts here and is never closed",
        ),
        (
            "config:\n  github:owner: {name: ghp_canary0815\n",
            "not valid YAML at line 2, column 17: a { mapping starts here and is never closed",
        ),
        (
            f"config:\n  {REGISTRIES}:\n    - org: acme\n      url: ghp_canary0815\n  - org: labs\n",
            "not valid YAML at line 5, column 3: expected <block end>, but found '-' (a list item is "
            "indented differently from the one above it)",
        ),
        (
            "config:\n  github:owner: &ghp_canary0815 acme\n  github:token: &ghp_canary0815 x\n",
            "not valid YAML at line 3, column 17: an anchor (&name) is defined a second time here, first "
            "at line 2, column 17: give each anchor its own name",
        ),
    ],
    ids=["double-quote", "single-quote", "flow-mapping", "list-item", "anchor"],
)
def test_a_yaml_error_says_what_is_wrong_in_words_quoting_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", text)

    assert _lines(capsys, stack) == (1, [expected, "0 registries, 1 problem"])


# --- 5: the tools' rough edges ---------------------------------------------------------------------------


def test_discover_takes_a_stack_file_name_for_its_stack(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emulator, npm_secret="npm-canary-0815")
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")

    status, out, _ = discover(
        capsys, "--org", "acme", "--base-url", emulator.base_url, "--stack", "stacks/Pulumi.prod.yaml"
    )

    assert status == 0
    assert (
        "# Paste under `config:` in stacks/Pulumi.prod.yaml (merge the entries into an existing list);"
        in (out.splitlines())
    )
    assert "#   pulumi config set --secret --stack prod github-private-registries:acmeNpmRegistry" in (
        out.splitlines()
    )


def test_a_secret_written_in_an_entry_is_one_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "secret"}
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: [{**entry, "value": "npm-canary"}]}
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "registry[0] (acme/NPM_REGISTRY_SECRET): value: secrets are not written in the stack file: "
            "name a secret config key instead (`secret: acmeNpmRegistry`) and set it with "
            "`pulumi config set --secret github-private-registries:acmeNpmRegistry`",
            "1 registry, 1 problem",
        ],
    )


def test_configdoc_check_finds_the_page_from_another_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert configdoc.main(["--check"]) == 0
    assert capsys.readouterr().err == ""


def test_configdoc_says_where_it_looked_for_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(configdoc, "_CHECKOUT", tmp_path / "elsewhere")

    assert configdoc.main(["--check"]) == 1
    assert capsys.readouterr().err == (
        f"docs/configuration.md: not found: looked for {tmp_path}/elsewhere/docs/configuration.md nor "
        f"{tmp_path}/docs/configuration.md; give it with --page\n"
    )


@pytest.mark.slow
def test_the_cli_module_runs_as_a_program(tmp_path: Path) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", "config:\n  github:owner: [acme\n")

    run = subprocess.run(
        [sys.executable, "-m", "pulumi_github_private_registry.tools.cli", "validate", str(stack)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (run.returncode, run.stdout.splitlines(), run.stderr) == (
        1,
        [
            f"{stack}: not valid YAML at line 2, column 17: a [ list starts here and is never closed",
            f"{stack}: 0 registries, 1 problem",
        ],
        "",
    )
