"""The review of issue #19's first-hour checks: validate, the dynamic provider and the stack program agree.

- A project's own keys are in its namespace: in a project named ``github``, ``owners`` is no
  misspelling of ``owner`` (only a key that differs from ours in case alone is).
- A YAML value that does not fit its tag, or a quoted tag, is one line that quotes nothing of the
  file; a misspelt ``config:`` is one problem.
- The stack program names a misspelt key first and nothing that follows from it, as validate does.
- One misspelt field is one problem, whatever its case and however loose the hint.
- Whatever is taken as meant says which key gave it; a token pasted as a base URL is never echoed.
- A stack file belongs to the project whose stack files are in its folder, as Pulumi places them.

Lines are asserted whole, as the command prints them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from provider_host import ProviderHost
from pulumi_github_private_registry.tools import stackconfig, stackfile
from samples import declaration

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "stacks"))

import registries  # the stack program, from stacks/
from test_first_hour_validate import ENTRY, NPM_TOKEN, PREVIEW_NOTE, REGISTRIES, SECURE, _lines, _write
from test_stack_program import Recorder

Deploy = Callable[..., ProviderHost]


def _project(folder: Path, name: str, stack_config_dir: str | None = None) -> None:
    text = f"name: {name}\nruntime: python\n"
    if stack_config_dir:
        text += f"stackConfigDir: {stack_config_dir}\n"
    _write(folder / "Pulumi.yaml", text)


def _program_fails(config: Mapping[str, Any], project: str = stackconfig.PROJECT) -> list[str]:
    """The stack program's problem lines under mocks, having checked it declared nothing."""
    mocks = Recorder({})
    pulumi.runtime.set_mocks(mocks, project=project, stack="dev", preview=True)
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    pulumi.runtime.set_all_config(values, secret_keys=["github-private-registries:npmToken"])
    try:
        with pytest.raises(pulumi.RunError) as failure:
            registries.main()
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    assert mocks.resources == []
    return [line.strip() for line in str(failure.value).splitlines()[1:]]


# --- 1: a project named `github` --------------------------------------------------------------------


def test_the_dynamic_provider_takes_the_own_keys_of_a_project_named_github(deployment: Deploy) -> None:
    host = deployment(env={"PULUMI_PROJECT": "github"}, **{"github:owners": '["a", "b"]'})

    assert host.check(declaration("token", "acme")).failures == []


def test_the_dynamic_provider_still_names_a_key_in_the_wrong_case_in_a_project_named_github(
    deployment: Deploy,
) -> None:
    host = deployment(env={"PULUMI_PROJECT": "github"}, **{"github:writedelayms": "0"})

    with pytest.raises(Exception) as failure:
        host.check(declaration("token", "acme"))

    assert (
        "configuration: github:writedelayms is no key pulumi-github or this provider reads (config keys "
        "are case-sensitive): did you mean github:writeDelayMs?"
    ) in str(failure.value)


def test_validate_takes_the_own_keys_of_a_project_named_github(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, "github")
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", "owners": ["a", "b"], "github:teams": ["x"], "baseurl": "https://x.example"},
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github:baseurl is no key pulumi-github or this provider reads (config keys are case-sensitive): "
            "did you mean github:baseUrl?",
            f"provider configuration: 1 problem; the registries are declared in project github's program, "
            f"not in this file: {PREVIEW_NOTE}",
        ],
    )


def test_the_stack_program_takes_the_own_keys_of_a_project_named_github() -> None:
    lines = _program_fails(
        {"github:owner": "acme", "github:owners": ["a"], "github:baseurl": "https://x.example"},
        project="github",
    )

    assert lines[0] == (
        "github:baseurl is no key pulumi-github or this provider reads (config keys are case-sensitive): "
        "did you mean github:baseUrl?"
    )
    assert not any("owners" in line for line in lines)


# --- 2, 3: YAML that PyYAML's constructors refuse, and quoted tags ------------------------------------


@pytest.mark.parametrize(
    ("value", "tag", "column"),
    [
        ("!!int ghp_abc_Sup3rSecretValue12345", "!!int", 17),
        ("!!float abc", "!!float", 17),
        ("!!bool maybe", "!!bool", 17),
        ("!!timestamp nope", "!!timestamp", 17),
        ("!!int 0x", "!!int", 17),
        ("!!timestamp 2020-13-45", "!!timestamp", 17),
    ],
)
def test_a_value_that_does_not_fit_its_tag_is_one_line_quoting_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, tag: str, column: int
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", f"config:\n  github:token: {value}\n")

    assert _lines(capsys, stack) == (
        1,
        [
            f"not valid YAML at line 2, column {column}: a tagged value ({tag}) does not fit its tag",
            "0 registries, 1 problem",
        ],
    )


def test_a_mapping_tag_on_a_list_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", "config:\n  github:owner: !!map [a]\n")

    assert _lines(capsys, stack) == (
        1,
        [
            "not valid YAML at line 2, column 17: expected a mapping node, but found sequence",
            "0 registries, 1 problem",
        ],
    )


def test_drift_reads_a_value_that_does_not_fit_its_tag_as_one_line(tmp_path: Path) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", "config:\n  github:token: !!int ghp_Sup3rSecret\n")

    assert stackfile.load_stack_file(stack) == (
        {},
        ["not valid YAML at line 2, column 17: a tagged value (!!int) does not fit its tag"],
    )


@pytest.mark.parametrize(
    "text",
    [
        "config:\n  github:token: !x'Sup3rSecretValue12345 abc\n",
        "%TAG !e! tag:ex'Sup3rSecretValue12345:\n---\nconfig:\n  github:token: !e!x 1\n",
    ],
)
def test_a_tag_with_a_quote_inside_is_never_quoted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", text)

    status, lines = _lines(capsys, stack)

    assert status == 1
    assert lines[0].endswith(": could not determine a constructor for the tag '...'")
    assert "Sup3rSecret" not in "\n".join(lines)


# --- 4: a misspelt `config:` ------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["Config", "confg", "configs", "CONFIG"])
def test_a_misspelt_config_key_is_one_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str
) -> None:
    _project(tmp_path, "my-infra")
    stack = _write(tmp_path / "Pulumi.dev.yaml", f"{key}:\n  github:owner: acme\n")

    assert _lines(capsys, stack) == (
        1,
        [f"`{key}` is no key of a stack file: did you mean `config:`?", "0 registries, 1 problem"],
    )


def test_a_stack_files_own_keys_are_no_misspelt_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, "my-infra")
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        "secretsprovider: passphrase\nencryptionsalt: v1:abc\nenvironment: [env]\n"
        "config:\n  github:owner: acme\n",
    )

    assert _lines(capsys, stack) == (
        0,
        [
            "provider configuration: no problems; the registries are declared in project my-infra's "
            f"program, not in this file: {PREVIEW_NOTE}"
        ],
    )


# --- 5: the stack program names the misspelt key first ----------------------------------------------


def test_the_stack_program_names_a_misspelt_owner_and_nothing_that_follows_from_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    entry = {**ENTRY, "visibility": "selected", "selected_repositories": ["web"]}
    config = {"github:ower": "acme", REGISTRIES: [entry]}
    misspelt = "github:ower is no key pulumi-github or this provider reads: did you mean github:owner?"

    assert _program_fails({**config, "github-private-registries:npmToken": "s3cr3t"}) == [misspelt]
    _project(tmp_path, stackconfig.PROJECT)
    stack = _write(tmp_path / "Pulumi.dev.yaml", {**config, **NPM_TOKEN})
    assert _lines(capsys, stack) == (1, [misspelt, "1 registry, 1 problem"])


# --- 6: one misspelt field, one problem -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "line"),
    [
        ("URL", "https://npm.pkg.github.com/acme", "URL: unknown field 'URL'; did you mean 'url'?"),
        ("Url", "https://npm.pkg.github.com/acme", "Url: unknown field 'Url'; did you mean 'url'?"),
        ("visible", "all", "visible: unknown field 'visible'; did you mean 'visibility'?"),
        (
            "repositories",
            ["web"],
            "repositories: unknown field 'repositories'; did you mean 'selected_repositories'?",
        ),
        (
            "selected_repository",
            ["web"],
            "selected_repository: unknown field 'selected_repository'; did you mean 'selected_repositories'?",
        ),
    ],
)
def test_a_misspelt_field_is_one_problem_whatever_its_case_or_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, field: str, value: Any, line: str
) -> None:
    meant = {"URL": "url", "Url": "url", "visible": "visibility"}.get(field)
    entry = {k: v for k, v in ENTRY.items() if k != meant}
    if meant is None:
        entry["visibility"] = "selected"
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", REGISTRIES: [{**entry, field: value}], **NPM_TOKEN},
    )

    assert _lines(capsys, stack) == (
        1,
        [f"registry[0] (acme/NPM_REGISTRY_SECRET): {line}", "1 registry, 1 problem"],
    )


@pytest.mark.parametrize(
    ("field", "line"),
    [
        (
            "type",
            "registry[0] (acme/NPM_REGISTRY_SECRET): type: unknown field 'type'; did you mean "
            "'registry_type'?",
        ),
        (
            "registry",
            "registry[0] (acme/?): registry: unknown field 'registry'; did you mean 'registry_type'?",
        ),
    ],
)
def test_a_misspelt_registry_type_is_one_problem_naming_registry_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, field: str, line: str
) -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "registry_type"}
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", REGISTRIES: [{**entry, field: "npm_registry"}], **NPM_TOKEN},
    )

    assert _lines(capsys, stack) == (1, [line, "1 registry, 1 problem"])


# --- 7: a misspelt App key with its private key encrypted -------------------------------------------


def test_a_misspelt_app_key_with_an_encrypted_private_key_is_not_called_plaintext(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = {"id": "123", "pemFile": SECURE}
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:appauth": app, REGISTRIES: []}
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github:appauth is no key pulumi-github or this provider reads (config keys are case-sensitive): "
            "did you mean github:appAuth?",
            "0 registries, 1 problem",
        ],
    )


# --- 8: a token pasted as the base URL --------------------------------------------------------------


def test_a_token_pasted_as_the_base_url_is_never_echoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    token = "0123456789abcdef0123456789abcdef01234567"
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:baseUrl": token, REGISTRIES: []}
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github:baseUrl must be an absolute https:// URL (e.g. https://github.example.com), got a value "
            "without a scheme that does not look like a host name",
            "0 registries, 1 problem",
        ],
    )


def test_a_short_host_name_without_a_dot_is_still_quoted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", "github:baseUrl": "ghe-primary", REGISTRIES: []},
    )

    assert _lines(capsys, stack)[1][0] == (
        "github:baseUrl must be an absolute https:// URL, got 'ghe-primary' without its scheme: "
        "use https://ghe-primary"
    )


# --- 9: a value taken as meant says which key gave it -----------------------------------------------


def test_a_value_taken_as_meant_names_the_key_that_gave_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:baseurl": "x", REGISTRIES: []}
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github:baseurl is no key pulumi-github or this provider reads (config keys are case-sensitive): "
            "did you mean github:baseUrl?",
            "github:baseUrl (given as github:baseurl) must be an absolute https:// URL, got 'x' without its "
            "scheme: use https://x",
            "0 registries, 2 problems",
        ],
    )


# --- 10: which project a stack file belongs to ------------------------------------------------------


def test_a_project_file_above_whose_stacks_are_elsewhere_does_not_claim_the_stack_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, stackconfig.PROJECT)
    stack = _write(tmp_path / "elsewhere" / "Pulumi.dev.yaml", {"github:owner": "acme"})

    assert _lines(capsys, stack) == (
        0,
        [
            "provider configuration: no problems; the registries are declared in the program, not in this "
            f"file: {PREVIEW_NOTE}"
        ],
    )


def test_a_project_file_whose_stack_config_dir_holds_the_stack_file_claims_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, stackconfig.PROJECT, stack_config_dir="stacks")
    stack = _write(tmp_path / "stacks" / "Pulumi.dev.yaml", {"github:owner": "acme"})

    status, lines = _lines(capsys, stack)

    assert (status, lines[-1]) == (1, "0 registries, 1 problem")
    assert lines[0].startswith("github-private-registries:registries is not set")


def test_a_project_file_that_does_not_fit_its_tags_is_no_project(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _write(tmp_path / "Pulumi.yaml", "name: !!int abc\nruntime: python\n")
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme"})

    assert _lines(capsys, stack) == (
        0,
        [
            "provider configuration: no problems; the registries are declared in the program, not in this "
            f"file: {PREVIEW_NOTE}"
        ],
    )
