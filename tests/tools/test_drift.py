"""`drift`: a stack file against what GitHub (the emulator) reports, read-only, without Pulumi."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_github_private_registry.audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift, driftreport, drifttext, stackconfig

TOKEN = "test-token"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
NPM_SECRET = "npm-secret-canary-0815"
SECURE = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}

NPM = {
    "registry_type": "npm_registry",
    "url": "https://npm.pkg.github.com/acme",
    "visibility": "selected",
    "selected_repository_ids": [11, 12],
    "replaces_base": True,
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
DOCKER = {
    "registry_type": "docker_registry",
    "url": "https://acme.jfrog.io",
    "visibility": "all",
    "auth_type": "oidc_jfrog",
    "jfrog_oidc_provider_name": "github-acme",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {
        "GITHUB_TOKEN",
        "GITHUB_BASE_URL",
        "GITHUB_OWNER",
        "OTHER_TOKEN",
        COMMAND_KEYS.tokens.env,
        COMMAND_KEYS.api_version.env,
        *settings.APP_ENV,
    }
    for name in names:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def _github(emulator: Emulator, org: str, entry: dict[str, Any], **changes: Any) -> None:
    """Put the registry ``entry`` declares at GitHub, with ``changes``."""
    fields = {k: v for k, v in entry.items() if k not in ("secret", "org")}
    secret = NPM_SECRET if "secret" in entry else None
    emulator.put_registry(org, value=secret, **{**fields, **changes})


def _stack(
    tmp_path: Path,
    registries: Any,
    *,
    owner: str | None = "acme",
    name: str = "Pulumi.prod.yaml",
    config: dict[str, Any] | None = None,
) -> Path:
    """A stack file declaring ``registries``, with every secret key set as a secret."""
    data: dict[str, Any] = {}
    if owner is not None:
        data[DYNAMIC_KEYS.owner.key] = owner
    if registries is not None:
        data[REGISTRIES] = registries
        for entry in registries if isinstance(registries, list) else []:
            if isinstance(entry, dict) and "secret" in entry:
                data[stackconfig.full_key(entry["secret"])] = SECURE
    data.update(config or {})
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": data}, sort_keys=False))
    return path


def _drift(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = drift.main([str(a) for a in args], out, err)
    return status, out.getvalue(), err.getvalue()


def _json(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    status, out, err = _drift(*args, "--json")
    document: dict[str, Any] = json.loads(out)
    return status, document, err


def _notes(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("note: ")]


# --- no drift ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("token")
def test_a_stack_that_matches_github_has_no_drift_and_makes_one_list_call(
    emulator: Emulator, tmp_path: Path
) -> None:
    for entry in (NPM, MAVEN, DOCKER):
        _github(emulator, "acme", entry)
    path = _stack(tmp_path, [NPM, MAVEN, DOCKER])

    status, out, err = _drift(path, "--base-url", emulator.base_url)

    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"{path}: no drift: 3 declared registries in 1 org match GitHub (read from {emulator.base_url})"
    )
    assert emulator.count() == 1
    assert emulator.count("GET", "/orgs/acme/private-registries") == 1


@pytest.mark.usefixtures("token")
def test_defaults_are_compared_as_the_lifecycle_compares_them(emulator: Emulator, tmp_path: Path) -> None:
    # GitHub reports auth_type token and replaces_base false; the stack leaves both out.
    emulator.put_registry(
        "acme",
        registry_type="python_index",
        url="https://pypi.acme.example/simple/",
        visibility="all",
        value="x",
    )
    entry = {
        "registry_type": "python_index",
        "url": "https://pypi.acme.example/simple/",
        "visibility": "all",
        "secret": "pypiToken",
    }

    status, out, _ = _drift(_stack(tmp_path, [entry]), "--base-url", emulator.base_url)

    assert status == 0
    assert "no drift" in out.splitlines()[-1]


@pytest.mark.usefixtures("token")
def test_registries_in_several_orgs_one_list_each_org_named_in_any_case(
    emulator: Emulator, tmp_path: Path
) -> None:
    _github(emulator, "acme", NPM)
    _github(emulator, "acme-labs", DOCKER)
    path = _stack(tmp_path, [NPM, {"org": "ACME-labs", **DOCKER}], owner="acme")

    status, document, _ = _json(path, "--base-url", emulator.base_url)

    assert status == 0
    assert [o["org"] for o in document["orgs"]] == ["acme", "ACME-labs"]
    assert emulator.count() == 2


# --- drift ------------------------------------------------------------------------------------


def _seed_drift(emulator: Emulator) -> None:
    """acme: NPM as declared, MAVEN changed in three fields, PYTHON_INDEX undeclared; DOCKER missing."""
    _github(emulator, "acme", NPM)
    _github(
        emulator,
        "acme",
        MAVEN,
        url="https://maven.elsewhere.example/",
        visibility="all",
        replaces_base=True,
    )
    emulator.put_registry(
        "acme",
        registry_type="python_index",
        url="https://pypi.acme.example/simple/",
        visibility="all",
        value="x",
    )


@pytest.mark.usefixtures("token")
def test_missing_undeclared_and_changed_registries_are_reported_and_exit_2(
    emulator: Emulator, tmp_path: Path
) -> None:
    _seed_drift(emulator)
    path = _stack(tmp_path, [NPM, MAVEN, DOCKER])

    status, out, err = _drift(path, "--base-url", emulator.base_url)

    assert (status, err) == (2, "")
    assert out.splitlines() == [
        "acme/DOCKER_REGISTRY_SECRET (registry[2]): missing: declared, and GitHub has no such registry "
        "(`pulumi up` would create it)",
        "acme/MAVEN_REPOSITORY_SECRET (registry[1]): url: declared 'https://maven.acme.example/releases/', "
        "GitHub has 'https://maven.elsewhere.example/'",
        "acme/MAVEN_REPOSITORY_SECRET (registry[1]): visibility: declared 'private', GitHub has 'all'",
        "acme/MAVEN_REPOSITORY_SECRET (registry[1]): replaces_base: declared False, GitHub has True",
        # Run in this process, the tool names its console script (as typed, when run by a user).
        "acme/PYTHON_INDEX_SECRET: undeclared: at GitHub, not in the stack file (`pulumi-github-private-"
        f"registry discover --org acme --base-url {emulator.base_url}` prints an entry that adopts it)",
        "note: secret values are not compared: GitHub never returns them "
        "(2 of the compared registries carry one)",
        "note: repository lists are not compared: GitHub never returns which repositories a registry "
        "with visibility 'selected' serves (1 of the compared registries has that visibility)",
        f"{path}: drift: 1 missing, 1 undeclared, 1 changed, 1 in sync (3 declared registries, 1 org read) "
        f"(read from {emulator.base_url})",
    ]
    assert NPM_SECRET not in out and TOKEN not in out
    assert emulator.count() == 1


@pytest.mark.usefixtures("token")
def test_the_json_document_has_a_stable_shape(emulator: Emulator, tmp_path: Path) -> None:
    _seed_drift(emulator)
    path = _stack(tmp_path, [NPM, MAVEN, DOCKER])

    status, document, err = _json(path, "--base-url", emulator.base_url)

    assert (status, err) == (2, "")
    assert document == {
        "version": 1,
        "stack_file": str(path),
        "base_url": emulator.base_url,
        "drift": True,
        "exit_status": 2,
        "errors": [],
        "orgs": [{"org": "acme", "declared": 3, "at_github": 3, "error": None}],
        "registries": [
            {
                "org": "acme",
                "name": "DOCKER_REGISTRY_SECRET",
                "registry_type": "docker_registry",
                "index": 2,
                "status": "missing",
                "differences": [],
                "not_compared": [],
                "github": {},
            },
            {
                "org": "acme",
                "name": "MAVEN_REPOSITORY_SECRET",
                "registry_type": "maven_repository",
                "index": 1,
                "status": "changed",
                "differences": [
                    {
                        "field": "url",
                        "declared": "https://maven.acme.example/releases/",
                        "github": "https://maven.elsewhere.example/",
                    },
                    {"field": "visibility", "declared": "private", "github": "all"},
                    {"field": "replaces_base", "declared": False, "github": True},
                ],
                "not_compared": ["value"],
                "github": {},
            },
            {
                "org": "acme",
                "name": "NPM_REGISTRY_SECRET",
                "registry_type": "npm_registry",
                "index": 0,
                "status": "in_sync",
                "differences": [],
                "not_compared": ["selected_repository_ids", "value"],
                "github": {},
            },
            {
                "org": "acme",
                "name": "PYTHON_INDEX_SECRET",
                "registry_type": "python_index",
                "index": None,
                "status": "undeclared",
                "differences": [],
                "not_compared": [],
                "github": {
                    "registry_type": "python_index",
                    "url": "https://pypi.acme.example/simple/",
                    "visibility": "all",
                    "auth_type": "token",
                    "replaces_base": False,
                },
            },
        ],
        "summary": {
            "declared": 3,
            "at_github": 3,
            "missing": 1,
            "undeclared": 1,
            "changed": 1,
            "in_sync": 1,
            "not_checked": 0,
            "failed_orgs": 0,
        },
        "notes": [
            "secret values are not compared: GitHub never returns them "
            "(2 of the compared registries carry one)",
            "repository lists are not compared: GitHub never returns which repositories a registry with "
            "visibility 'selected' serves (1 of the compared registries has that visibility)",
        ],
    }
    assert driftreport.JSON_VERSION == document["version"]


@pytest.mark.usefixtures("token")
def test_an_auth_type_left_out_is_token_and_a_field_github_has_but_the_stack_does_not_is_drift(
    emulator: Emulator, tmp_path: Path
) -> None:
    _github(emulator, "acme", {**MAVEN, "secret": "x"})
    _github(emulator, "acme", DOCKER, identity_mapping_name="dependabot")
    maven = {k: v for k, v in MAVEN.items() if k not in ("auth_type", "username")}

    status, document, _ = _json(_stack(tmp_path, [maven, DOCKER]), "--base-url", emulator.base_url)

    assert status == 2
    differences = {r["name"]: r["differences"] for r in document["registries"]}
    assert differences == {
        "DOCKER_REGISTRY_SECRET": [
            {"field": "identity_mapping_name", "declared": None, "github": "dependabot"}
        ],
        "MAVEN_REPOSITORY_SECRET": [
            {"field": "auth_type", "declared": "token", "github": "username_password"},
            {"field": "username", "declared": None, "github": "dependabot"},
        ],
    }


@pytest.mark.usefixtures("token")
def test_the_value_note_is_said_once_however_many_registries_carry_a_secret(
    emulator: Emulator, tmp_path: Path
) -> None:
    entries: list[dict[str, Any]] = [NPM, MAVEN, {**NPM, "org": "acme-labs"}, {**MAVEN, "org": "acme-labs"}]
    for entry in entries:
        _github(emulator, str(entry.get("org", "acme")), entry)

    status, out, _ = _drift(_stack(tmp_path, entries), "--base-url", emulator.base_url)

    assert status == 0
    value_notes = [n for n in _notes(out) if "secret values" in n]
    assert value_notes == [
        "note: secret values are not compared: GitHub never returns them "
        "(4 of the compared registries carry one)"
    ]
    assert out.count("secret values") == 1


@pytest.mark.usefixtures("token")
def test_fields_github_leaves_out_are_not_compared_and_said_so(tmp_path: Path) -> None:
    with Emulator(token=TOKEN, omit_fields=["url", "auth_type"]) as terse:
        _github(terse, "acme", DOCKER)
        _github(terse, "acme", {**NPM, "url": "https://npm.elsewhere.example/"})

        status, out, _ = _drift(_stack(tmp_path, [NPM, DOCKER]), "--base-url", terse.base_url)

    assert status == 0
    assert "note: GitHub's answers left out url, auth_type for 2 registries: not compared" in _notes(out)


@pytest.mark.usefixtures("token")
def test_the_stacks_default_org_is_asked_even_when_nothing_is_declared_there(
    emulator: Emulator, tmp_path: Path
) -> None:
    _github(emulator, "acme", NPM)

    status, document, _ = _json(_stack(tmp_path, []), "--base-url", emulator.base_url)

    assert status == 2
    assert [(r["name"], r["status"]) for r in document["registries"]] == [
        ("NPM_REGISTRY_SECRET", "undeclared")
    ]


@pytest.mark.usefixtures("token")
def test_no_registry_and_no_default_org_is_nothing_to_compare(emulator: Emulator, tmp_path: Path) -> None:
    status, out, _ = _drift(_stack(tmp_path, [], owner=None), "--base-url", emulator.base_url)

    assert status == 0
    assert "nothing to compare" in out
    assert emulator.count() == 0


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("token")
def test_an_org_github_refuses_or_hides_is_an_error_and_the_others_are_still_reported(tmp_path: Path) -> None:
    with Emulator(token=TOKEN, orgs=["acme", "beta"]) as github:
        _seed_drift(github)
        refusal = {"message": "Must have admin rights to Organization."}
        github.inject(method="GET", path="/orgs/beta/private-registries", status=403, body=refusal)
        entries = [NPM, MAVEN, DOCKER, {**DOCKER, "org": "beta"}, {**NPM, "org": "gamma"}]
        path = _stack(tmp_path, entries)

        status, out, err = _drift(path, "--base-url", github.base_url)
        github.inject(method="GET", path="/orgs/beta/private-registries", status=403, body=refusal)
        json_status, document, json_err = _json(path, "--base-url", github.base_url)

    assert status == json_status == 1
    assert err == json_err
    errors = err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("error: beta: GET /orgs/beta/private-registries: permission denied")
    assert errors[0].endswith("(1 declared registry not compared)")
    assert errors[1].startswith("error: gamma: GET /orgs/gamma/private-registries: ")
    assert "(1 declared registry not compared)" in errors[1]
    # acme is reported in full, as without the others.
    assert "acme/DOCKER_REGISTRY_SECRET (registry[2]): missing" in out
    assert "acme/PYTHON_INDEX_SECRET: undeclared" in out
    assert out.splitlines()[-1].startswith(
        f"{path}: drift: 1 missing, 1 undeclared, 1 changed, 1 in sync (3 declared registries, 1 org read); "
        "2 orgs could not be read: the report is incomplete"
    )
    assert [(o["org"], o["at_github"], o["error"] is not None) for o in document["orgs"]] == [
        ("acme", 3, False),
        ("beta", None, True),
        ("gamma", None, True),
    ]
    assert [(r["org"], r["status"]) for r in document["registries"] if r["org"] != "acme"] == [
        ("beta", "not_checked"),
        ("gamma", "not_checked"),
    ]
    assert (document["exit_status"], document["drift"], document["summary"]["failed_orgs"]) == (1, True, 2)


@pytest.mark.usefixtures("token")
def test_no_org_readable_says_nothing_was_compared(emulator: Emulator, tmp_path: Path) -> None:
    emulator.inject(path="/orgs/acme/private-registries", status=404, body={"message": "Not Found"})

    status, out, err = _drift(_stack(tmp_path, [DOCKER]), "--base-url", emulator.base_url)

    assert status == 1
    assert "not compared: none of the 1 org could be read" in out
    assert err.startswith("error: acme: ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read it: "),
        ("config: [unclosed", "not valid YAML at line "),
        ("- a list", "not a Pulumi stack file: expected a mapping with a `config:` mapping"),
    ],
    ids=["missing", "yaml", "shape"],
)
def test_an_unreadable_stack_file_is_an_error_and_nothing_is_asked(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, expected: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    path = tmp_path / "Pulumi.prod.yaml"
    if content is not None:
        path.write_text(content)

    status, out, err = _drift(path, "--base-url", emulator.base_url)
    json_status, document, _ = _json(path, "--base-url", emulator.base_url)

    assert (status, out, json_status) == (1, "", 1)
    assert err.startswith(f"error: {path}: {expected}")
    assert err.splitlines()[-1] == f"error: {path}: 1 problem; nothing was compared"
    assert document["errors"][0].startswith(expected)
    assert (document["registries"], document["orgs"], document["base_url"]) == ([], [], None)
    assert emulator.count() == 0


@pytest.mark.usefixtures("token")
def test_a_stack_file_with_problems_names_them_and_asks_nothing(emulator: Emulator, tmp_path: Path) -> None:
    entries = [
        {**NPM, "url": "not a url"},
        {**DOCKER, "visibilty": "all"},
        {**MAVEN, "value": "ghp_pastedSecretCanary"},
    ]

    status, out, err = _drift(_stack(tmp_path, entries), "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert any(
        line.startswith("error: ") and "registry[0] (acme/NPM_REGISTRY_SECRET): url:" in line
        for line in lines
    )
    assert any("registry[1] (acme/DOCKER_REGISTRY_SECRET): visibilty:" in line for line in lines)
    assert any("registry[2] (acme/MAVEN_REPOSITORY_SECRET): value:" in line for line in lines)
    assert lines[-1].endswith("problems; nothing was compared")
    assert "ghp_pastedSecretCanary" not in err
    assert emulator.count() == 0


@pytest.mark.usefixtures("token")
def test_a_stack_without_the_registries_key_is_refused_naming_the_key(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = _stack(tmp_path, None, config={"github-private-registry:registries": [DOCKER]})

    status, out, err = _drift(path, "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert f"{REGISTRIES} is not set" in err
    assert "github-private-registry:registries is set: did you mean" in err
    assert emulator.count() == 0


def test_without_a_token_it_names_the_variable_and_asks_nothing(emulator: Emulator, tmp_path: Path) -> None:
    status, out, err = _drift(
        _stack(tmp_path, [DOCKER]), "--base-url", emulator.base_url, "--token-env", "OTHER_TOKEN"
    )

    assert (status, out) == (1, "")
    assert "no GitHub token in $OTHER_TOKEN" in err
    assert emulator.count() == 0


def test_a_rejected_token_is_an_error_that_never_shows_it(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTokenCanary")

    status, out, err = _drift(_stack(tmp_path, [DOCKER]), "--base-url", emulator.base_url)
    _, document, _ = _json(_stack(tmp_path, [DOCKER]), "--base-url", emulator.base_url)

    assert status == 1
    assert "GitHub rejected the token" in err
    assert "ghp_wrongTokenCanary" not in out + err + json.dumps(document)


def test_token_and_base_url_come_from_the_environment_and_the_stack_file(
    emulator_v3: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _github(emulator_v3, "acme", DOCKER)
    monkeypatch.setenv("OTHER_TOKEN", TOKEN)
    in_file = _stack(tmp_path, [DOCKER], config={DYNAMIC_KEYS.base_url.key: emulator_v3.base_url})
    plain = _stack(tmp_path, [DOCKER], name="Pulumi.env.yaml")
    wrong = _stack(
        tmp_path, [DOCKER], name="Pulumi.flag.yaml", config={DYNAMIC_KEYS.base_url.key: "http://example.com/"}
    )

    from_file = _drift(in_file, "--token-env", "OTHER_TOKEN")
    monkeypatch.setenv("GITHUB_BASE_URL", emulator_v3.base_url)
    from_env = _drift(plain, "--token-env", "OTHER_TOKEN")
    monkeypatch.delenv("GITHUB_BASE_URL")
    from_flag = _drift(wrong, "--token-env", "OTHER_TOKEN", "--base-url", emulator_v3.base_url)
    refused = _drift(wrong, "--token-env", "OTHER_TOKEN")

    assert [r[0] for r in (from_file, from_env, from_flag)] == [0, 0, 0]
    assert emulator_v3.count("GET", "/orgs/acme/private-registries") == 3
    assert refused[0] == 1
    assert f"{DYNAMIC_KEYS.base_url.key} uses plain http://" in refused[2]


def test_a_usage_error_exits_1_not_2_which_means_drift() -> None:
    status, out, err = _drift()

    assert (status, out) == (1, "")
    assert "the following arguments are required: FILE" in err


def test_help_goes_to_the_given_stream_and_names_the_exit_statuses() -> None:
    status, out, _ = _drift("--help")

    assert status == 0
    assert "0 no drift, 2 drift, 1 error" in " ".join(out.split())


@pytest.mark.slow
def test_the_module_runs_as_a_command(emulator: Emulator, tmp_path: Path) -> None:
    _seed_drift(emulator)
    path = _stack(tmp_path, [NPM, MAVEN, DOCKER])
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_BASE_URL", "GITHUB_OWNER")} | {
        "GITHUB_TOKEN": TOKEN
    }

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_github_private_registry.tools.drift",
            str(path),
            "--json",
            "--base-url",
            emulator.base_url,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stderr) == (2, "")
    assert json.loads(done.stdout)["summary"]["changed"] == 1


def test_the_report_api_without_the_command(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_drift(emulator)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    result = drift.report(_stack(tmp_path, [NPM, MAVEN, DOCKER]), base_url=emulator.base_url)

    assert (result.drift, result.exit_status) == (True, 2)
    changed = [r for r in result.registries if r.status == "changed"]
    assert [d.field for d in changed[0].differences] == ["url", "visibility", "replaces_base"]
    assert drifttext.render_json(result) == drifttext.render_json(result)


def test_the_command_line_runs_drift_and_keeps_its_exit_statuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pulumi_github_private_registry.tools import cli

    assert cli.main(["drift", str(tmp_path / "Pulumi.missing.yaml")]) == 1
    assert cli.main(["drift", "--no-such-flag"]) == 1  # a usage error is not drift (2)
    assert "drift" in capsys.readouterr().err


@pytest.mark.usefixtures("token")
def test_a_long_credential_in_a_url_github_holds_is_redacted_before_it_is_cut(
    emulator: Emulator, tmp_path: Path
) -> None:
    credential = "eyJ" + "S" * 300  # a JFrog access token is a long JWT
    _github(emulator, "acme", MAVEN, url=f"https://deploy:{credential}@acme.jfrog.io/artifactory/api/npm/")
    path = _stack(tmp_path, [MAVEN])

    status, out, _ = _drift(path, "--base-url", emulator.base_url)

    assert status == 2
    assert "GitHub has 'https://***@acme.jfrog.io/" in out
    assert "eyJS" not in out


def test_drift_refuses_an_empty_token_variable_name_as_its_usage_error(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")

    status, out, err = _drift(_stack(tmp_path, [DOCKER]), "--base-url", emulator.base_url, "--token-env", "")

    assert (status, out) == (1, "")
    assert err.endswith(
        ": error: argument --token-env: give the name of the environment variable holding the token\n"
    )
    assert emulator.requests == []
