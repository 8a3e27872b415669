"""Issue 19, a second review's follow-ups on the tools: what drift and discover print, as users see it.

1. drift's undeclared line suggests the ``discover`` that reads where drift read: with ``--base-url``
   whenever that is not github.com (followed as printed, it would send a GHES token to github.com).
2. A 404 names the base URL and where it came from when that is not github.com's (a missing or a
   doubled ``/api/v3``): in discover, drift and through both doors, each naming its own key.
3. drift shows a registry's ``url`` without its user-info, query and fragment, in every format.
4. discover writes no URL's user-info, query or fragment into the stack config it prints, and says so.
5. An unwritable job summary is a warning (the exit status stays the drift's); the summary promises
   only what GitHub shows; ``GH_TOKEN`` set and ``GITHUB_TOKEN`` not: the message says to use it.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import requests
import yaml

import pulumi_stub
from clitools import clean_environment, discover
from doors import DOORS, open_door
from hosted import refusal
from pulumi_github_private_registry.core.answers import Asked, raise_for
from pulumi_github_private_registry.core.errors import NotFound
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import discover as discover_tool
from pulumi_github_private_registry.tools import drift, driftactions, drifttext, stackconfig
from pulumi_github_private_registry.tools.driftreport import Difference, OrgResult, RegistryDrift, Report
from pulumi_github_private_registry.tools.invocation import invoked_as
from samples import TOKEN, declaration

REPO = Path(__file__).resolve().parents[2]
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
ORG = "acme-corp"
COMMAND = "pulumi-github-private-registry"  # run in this process, the tools name their console script
SECRET_URL = "https://deploy:ghp_SECRETTOKEN123@npm.example.com/path/x?token=SECRET2#frag"
NPM_AT_GITHUB = {"registry_type": "npm_registry", "url": SECRET_URL, "visibility": "all", "value": "v"}
MAVEN = {
    "registry_type": "maven_repository",
    "url": "https://maven.example.com/releases",
    "visibility": "all",
    "auth_type": "username_password",
    "username": "dependabot",
}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def _stack(path: Path, base_url: str, registries: list[dict[str, Any]]) -> Path:
    config: dict[str, Any] = {"github:owner": ORG, "github:baseUrl": base_url, REGISTRIES: registries}
    for entry in registries:
        if "secret" in entry:
            config[stackconfig.full_key(entry["secret"])] = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path


def _drift(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = drift.main([str(a) for a in args], out, err)
    return status, out.getvalue(), err.getvalue()


# --- 1: the undeclared line's discover reads where drift read -------------------------------------------


def test_drift_suggests_discover_with_the_base_url_the_stack_file_gave(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.put_registry(ORG, **NPM_AT_GITHUB)
    stack = _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [])

    status, out, _ = _drift(stack)
    _, commands, _ = _drift(stack, "--format", "github")

    assert status == 2
    suggestion = (
        f"at GitHub, not in the stack file (`{COMMAND} discover --org {ORG} --base-url {emulator.base_url}` "
        "prints an entry that adopts it)"
    )
    assert f"{ORG}/NPM_REGISTRY_SECRET: undeclared: {suggestion}" in out.splitlines()
    assert (
        f"::warning file={stack},title=undeclared%3A {ORG}/NPM_REGISTRY_SECRET::{ORG}/NPM_REGISTRY_SECRET: "
        f"{suggestion}" in commands.splitlines()
    )


def test_drift_suggests_discover_with_the_token_variable_it_read(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Followed as printed, a discover without --token-env would find no token in $GITHUB_TOKEN.
    emulator.put_registry(ORG, **NPM_AT_GITHUB)
    stack = _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [])
    monkeypatch.setenv("GHE_TOKEN", os.environ["GITHUB_TOKEN"])
    monkeypatch.delenv("GITHUB_TOKEN")

    status, out, _ = _drift(stack, "--token-env", "GHE_TOKEN")

    assert status == 2
    assert (
        f"{ORG}/NPM_REGISTRY_SECRET: undeclared: at GitHub, not in the stack file (`{COMMAND} discover "
        f"--org {ORG} --base-url {emulator.base_url} --token-env GHE_TOKEN` prints an entry that adopts it)"
    ) in out.splitlines()


def _undeclared_line(base_url: str) -> str:
    report = Report(
        "Pulumi.prod.yaml",
        base_url=base_url,
        orgs=(OrgResult(ORG, 0, at_github=1),),
        registries=(RegistryDrift(ORG, "NPM_REGISTRY_SECRET", "npm_registry", "undeclared"),),
    )
    return drifttext.render_text(report)[0][0]


def test_drift_suggests_discover_without_a_base_url_at_github_com() -> None:
    assert _undeclared_line("https://api.github.com/") == (
        f"{ORG}/NPM_REGISTRY_SECRET: undeclared: at GitHub, not in the stack file (`{COMMAND} discover "
        f"--org {ORG}` prints an entry that adopts it)"
    )


def test_the_suggested_base_url_is_quoted_for_the_shell() -> None:
    assert _undeclared_line("https://ghe.example.com/a b;$(x)/api/v3/") == (
        f"{ORG}/NPM_REGISTRY_SECRET: undeclared: at GitHub, not in the stack file (`{COMMAND} discover "
        f"--org {ORG} --base-url 'https://ghe.example.com/a b;$(x)/api/v3/'` prints an entry that adopts it)"
    )


# --- 2: a 404 at a base URL that is not github.com's names it -------------------------------------------


def test_discover_at_a_doubled_api_v3_names_the_base_url_and_the_option(
    capsys: pytest.CaptureFixture[str], emulator_v3: Emulator
) -> None:
    base_url = emulator_v3.base_url + "api/v3/"

    status, out, err = discover(capsys, "--org", ORG, "--base-url", base_url)

    assert (status, out) == (1, "")
    assert err == (
        f"error: GET /api/v3/api/v3/orgs/{ORG}/private-registries: not found (Not Found): check the "
        f"organization name, that the token can see it, and the base URL {base_url} (the --base-url "
        "option).\n"
    )


def test_drift_at_a_base_url_without_api_v3_names_the_stack_files_key(
    emulator_v3: Emulator, tmp_path: Path
) -> None:
    base_url = emulator_v3.base_url.removesuffix("api/v3/")
    stack = _stack(tmp_path / "Pulumi.prod.yaml", base_url, [])

    status, _, err = _drift(stack)

    assert status == 1
    assert err == (
        f"error: {ORG}: GET /orgs/{ORG}/private-registries: not found (Not Found): check the organization "
        f"name, that the token can see it, and the base URL {base_url} (the github:baseUrl config key)\n"
    )


def test_discover_names_the_variable_the_base_url_came_from(
    capsys: pytest.CaptureFixture[str], emulator_v3: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url = emulator_v3.base_url.removesuffix("api/v3/")
    monkeypatch.setenv("GITHUB_BASE_URL", base_url)

    status, _, err = discover(capsys, "--org", ORG)

    assert status == 1
    assert err.endswith(f"and the base URL {base_url} (the GITHUB_BASE_URL environment variable).\n")


def _not_found(asked: Asked) -> str:
    response = requests.Response()
    response.status_code, response._content = 404, b'{"message": "Not Found"}'
    with pytest.raises(NotFound) as raised:
        raise_for("GET", f"GET /orgs/{ORG}/private-registries", response, asked)
    return str(raised.value)


def test_a_404_at_github_com_keeps_its_words() -> None:
    assert _not_found(Asked()) == (
        f"GET /orgs/{ORG}/private-registries: not found (Not Found): check the organization name and "
        "that the token can see it."
    )


def test_a_404_from_an_enterprise_server_also_names_the_base_url() -> None:
    asked = Asked(
        enterprise_version="3.14.2",
        base_url="https://ghe.example.com/api/v3/",
        base_url_source="the github:baseUrl config key",
    )
    assert _not_found(asked) == (
        f"GET /orgs/{ORG}/private-registries: not found (Not Found): GitHub Enterprise Server 3.14.2 "
        "answers 404 here: this release has no private-registries API (it came in a later one), or the "
        "organization does not exist or the token cannot see it, or the base URL "
        "https://ghe.example.com/api/v3/ (the github:baseUrl config key) is not its API."
    )


@pytest.mark.slow
@pytest.mark.parametrize("door_name", DOORS)
def test_a_404_through_each_door_names_the_base_url_and_the_doors_key(
    door_name: str, emulator_v3: Emulator
) -> None:
    base_url = emulator_v3.base_url.removesuffix("api/v3/")
    wrong = cast(Emulator, SimpleNamespace(base_url=base_url))
    key = "github:baseUrl" if door_name == "dynamic" else "github-private-registry:baseUrl"

    with open_door(door_name, wrong) as door:
        details = refusal(lambda: door.up(declaration("oidc_azure", "acme")))

    assert (
        "not found (Not Found): check the organization name, that the token can see it, and the base URL "
        f"{base_url} (the {key} config key)." in details
    )


# --- 3: drift never shows a URL's user-info, query or fragment ------------------------------------------


def _secret_drift(emulator: Emulator, tmp_path: Path) -> Path:
    emulator.put_registry(ORG, **NPM_AT_GITHUB)
    emulator.put_registry(
        ORG, **{**MAVEN, "url": "https://maven.example.com/releases?token=SECRET3"}, value="m"
    )
    return _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [{**MAVEN, "secret": "mvn"}])


def test_drift_shows_urls_without_user_info_query_or_fragment_in_text_and_github(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _secret_drift(emulator, tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))

    status, out, err = _drift(stack)
    github_status, commands, _ = _drift(stack, "--format", "github")

    assert (status, github_status, err) == (2, 2, "")
    changed = (
        f"{ORG}/MAVEN_REPOSITORY_SECRET (registry[0]): url: declared 'https://maven.example.com/releases', "
        "GitHub has 'https://maven.example.com/releases?…'"
    )
    assert changed in out.splitlines()
    assert (
        f"::error file={stack},title=changed at GitHub%3A {ORG}/MAVEN_REPOSITORY_SECRET::{changed}"
        in commands.splitlines()
    )
    summary = (tmp_path / "summary.md").read_text()
    for text in (out, commands, summary):
        assert "SECRET" not in text.replace("_SECRET", "")
        assert "deploy" not in text


def test_drifts_json_holds_urls_without_user_info_query_or_fragment(
    emulator: Emulator, tmp_path: Path
) -> None:
    stack = _secret_drift(emulator, tmp_path)

    status, out, _ = _drift(stack, "--json")

    document = json.loads(out)
    changed, undeclared = document["registries"]
    assert status == 2
    assert changed["differences"] == [
        {
            "field": "url",
            "declared": "https://maven.example.com/releases",
            "github": "https://maven.example.com/releases?…",
        }
    ]
    assert undeclared["github"]["url"] == "https://***@npm.example.com/path/x?…#…"
    assert "SECRET" not in out.replace("_SECRET", "")


def test_urls_alike_but_for_their_queries_are_said_to_differ_in_what_is_not_shown(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.put_registry(
        ORG, **{**MAVEN, "url": "https://maven.example.com/releases?token=SECRET3"}, value="m"
    )
    declared = {**MAVEN, "url": "https://maven.example.com/releases?token=SECRET4", "secret": "mvn"}
    stack = _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [declared])

    status, out, _ = _drift(stack)

    assert status == 2
    assert out.splitlines()[0] == (
        f"{ORG}/MAVEN_REPOSITORY_SECRET (registry[0]): url: declared 'https://maven.example.com/releases?…', "
        "GitHub has 'https://maven.example.com/releases?…' (they differ in what is not shown)"
    )


def test_a_difference_in_a_urls_path_is_shown() -> None:
    report = Report(
        "Pulumi.prod.yaml",
        orgs=(OrgResult(ORG, 1, at_github=1),),
        registries=(
            RegistryDrift(
                ORG,
                "NPM_REGISTRY_SECRET",
                "npm_registry",
                "changed",
                index=0,
                differences=(Difference("url", "https://npm.example.com/a", "https://npm.example.com/b"),),
            ),
        ),
    )
    assert drifttext.render_text(report)[0][0] == (
        f"{ORG}/NPM_REGISTRY_SECRET (registry[0]): url: declared 'https://npm.example.com/a', GitHub has "
        "'https://npm.example.com/b'"
    )


# --- 4: discover writes no credential of a URL ----------------------------------------------------------


def test_discover_leaves_a_urls_user_info_query_and_fragment_out_and_says_so(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    emulator.put_registry(ORG, **NPM_AT_GITHUB)

    status, out, err = discover(capsys, "--org", ORG, "--base-url", emulator.base_url)

    assert status == 0
    assert "SECRET" not in out.replace("_SECRET", "") and "deploy" not in out
    [entry] = yaml.safe_load(out)[REGISTRIES]
    assert entry["url"] == "https://npm.example.com/path/x"
    left_out = (
        f"{ORG}/NPM_REGISTRY_SECRET: the user-info, query and fragment of its URL at GitHub (they may hold "
        "a credential) are left out"
    )
    assert (
        f"# {left_out} here (this file is committed): the registry's credentials belong in its secret "
        "(`secret:`); `pulumi up` sets the URL as written here."
    ) in out.splitlines()
    assert err.splitlines() == [
        f"{ORG}: 1 registry",
        f"note: {left_out} of the config: put the registry's credentials in its secret",
    ]


def test_discover_says_one_part_left_out_in_the_singular(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    emulator.put_registry(ORG, **{**MAVEN, "url": "https://maven.example.com/r?token=SECRET3"}, value="m")

    _, out, err = discover(capsys, "--org", ORG, "--base-url", emulator.base_url)

    assert "SECRET3" not in out
    assert err.splitlines()[-1] == (
        f"note: {ORG}/MAVEN_REPOSITORY_SECRET: the query of its URL at GitHub (it may hold a credential) is "
        "left out of the config: put the registry's credentials in its secret"
    )


def test_discover_keeps_only_scheme_and_host_of_a_url_it_cannot_take_apart() -> None:
    record = {
        "name": "NPM_REGISTRY_SECRET",
        "registry_type": "npm_registry",
        "url": "https://deploy:ghp_SECRETTOKEN123/x",  # no host: a user and password without '@'
        "visibility": "all",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }

    text = discover_tool.render_discoveries([(ORG, [record])], "https://api.github.com/", None)

    assert "SECRETTOKEN" not in text
    assert (
        f"# {ORG}/NPM_REGISTRY_SECRET: everything after the host of its URL at GitHub (it may hold a "
        "credential) is left out here (this file is committed): the registry's credentials belong in its "
        "secret (`secret:`); `pulumi up` sets the URL as written here."
    ) in text.splitlines()


# --- 5: the job summary and the token variable --------------------------------------------------------


def test_an_unwritable_job_summary_is_a_warning_and_no_drift_exits_0(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [])
    summary = tmp_path / "missing" / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    status, _, err = _drift(stack, "--format", "github")

    assert status == 0
    assert err == (
        f"warning: cannot write the job summary to $GITHUB_STEP_SUMMARY ({summary}): no such file or "
        "directory\n"
    )


def test_the_summary_sends_rows_left_out_to_the_log_and_the_text_report_not_to_the_annotations() -> None:
    many = driftactions.MAX_SUMMARY_ROWS + 5
    report = Report(
        "Pulumi.ci.yaml",
        orgs=tuple(OrgResult(f"org{i}", 1, at_github=0) for i in range(many)),
        registries=tuple(
            RegistryDrift(f"org{i}", "NPM_REGISTRY_SECRET", "npm_registry", "missing", index=i)
            for i in range(many)
        ),
    )

    _, summary = driftactions.render_github(report)

    said = (
        f"the step's log has every one, and `{invoked_as()} drift Pulumi.ci.yaml --format text` (or "
        "`--json`) lists them"
    )
    assert summary.splitlines()[-1] == "5 more rows are left out: " + re.sub(
        r"([!-/:-@\[-`{-~])", r"\\\1", said
    )


def test_the_operations_page_says_github_shows_ten_annotations_of_a_kind_a_step() -> None:
    page = " ".join((REPO / "docs" / "operations.md").read_text(encoding="utf-8").split())
    assert "one annotation per registry" not in page
    assert "GitHub shows the first 10 errors and the first 10 warnings of a step as annotations" in page


def test_drift_without_github_token_but_with_gh_token_says_to_use_it(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", "ghp_GhTokenValueCanary1")
    stack = _stack(tmp_path / "Pulumi.prod.yaml", emulator.base_url, [])

    status, out, err = _drift(stack)

    assert (status, out) == (1, "")
    assert err.splitlines()[0] == (
        f"error: {stack}: no GitHub token in $GITHUB_TOKEN: export it (or name another variable with "
        "--token-env), or a GitHub App's GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE; "
        "GH_TOKEN is set: use --token-env GH_TOKEN"
    )
    assert "Canary" not in err


def test_discover_without_github_token_but_with_gh_token_says_to_use_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", "ghp_GhTokenValueCanary1")

    status, _, err = discover(capsys, "--org", ORG)

    assert status == 1
    assert err.endswith("; GH_TOKEN is set: use --token-env GH_TOKEN\n")
    assert "Canary" not in err


# --- 6: the pages' `pulumi import --file` gets what discover writes -------------------------------------


def test_the_pulumi_stub_takes_discovers_import_document_and_refuses_what_pulumi_would(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    emulator.put_registry(ORG, **NPM_AT_GITHUB)
    _, document, _ = discover(capsys, "--org", ORG, "--base-url", emulator.base_url, "--format", "import")

    assert pulumi_stub.import_file_problem(document) is None
    resource = {"type": "github-private-registry:index:OrgPrivateRegistry", "name": "a", "id": "acme/X"}
    assert pulumi_stub.import_file_problem("# not JSON") is not None
    assert pulumi_stub.import_file_problem(json.dumps({"resources": []})) == "no resources"
    assert pulumi_stub.import_file_problem(json.dumps([resource])) is not None
    assert pulumi_stub.import_file_problem(json.dumps({"resources": [resource, resource]})) == (
        "resources[1]: no name, or one another resource has"
    )
    assert pulumi_stub.import_file_problem(json.dumps({"resources": [{**resource, "type": "x"}]})) == (
        "resources[0]: the type is not pkg:module:Type"
    )
