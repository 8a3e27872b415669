"""Issue 19, item 8: `drift --format github`, GitHub Actions annotations and a job summary.

The workflow commands go to stdout, one per missing, undeclared or changed registry and per org
that could not be read, escaped as GitHub's toolkit escapes them; the job summary (a Markdown table
of the drift by org) is appended to the file `$GITHUB_STEP_SUMMARY` names, or printed after the
commands when it is unset. The exit status is the same for every format. Whatever GitHub or the
stack file holds (pipes, newlines, backticks, `::`, HTML, 100 KB, a token) breaks neither the table
nor the log, and no secret shows.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift, stackconfig

TOKEN = "test-token"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
OIDC = {
    "auth_type": "oidc_azure",
    "tenant_id": "0f3c9d7a-6b1e-4d2f-9a85-3c4e5f607182",
    "client_id": "7d2e4b19-8c3a-4f5e-b6d7-1a2b3c4d5e6f",
}
DOCKER = {
    "registry_type": "docker_registry",
    "url": "https://docker.example.com",
    "visibility": "all",
    **OIDC,
}
NPM = {"registry_type": "npm_registry", "url": "https://npm.example.com", "visibility": "all", **OIDC}
MAVEN = {"registry_type": "maven_repository", "url": "https://maven.example.com", "visibility": "all", **OIDC}
# Workflow commands we write; any other line starting with `::` (after blanks) would be forged.
OURS = re.compile(r"::(error|warning|notice) file=[^:,]*,title=[^:,]*::")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_BASE_URL", "GITHUB_OWNER", "GITHUB_PRIVATE_REGISTRY_TOKENS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def _stack(path: Path, emulator: Emulator, registries: list[dict[str, Any]]) -> Path:
    config = {"github:owner": "acme", "github:baseUrl": emulator.base_url, REGISTRIES: registries}
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path


def _drift(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = drift.main(list(args), out, err)
    return status, out.getvalue(), err.getvalue()


def _scenario(tmp_path: Path, emulator: Emulator) -> Path:
    """acme: npm changed (url), docker missing, maven undeclared; globex refuses the token."""
    emulator.put_registry("acme", **{**NPM, "url": "https://npm.elsewhere.example.com"})
    emulator.put_registry("acme", **MAVEN)
    emulator.inject(
        method="GET", path="/orgs/globex/", status=403, body={"message": "Must have admin rights"}
    )
    return _stack(tmp_path / "Pulumi.ci.yaml", emulator, [NPM, DOCKER, {**DOCKER, "org": "globex"}])


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells as GitHub's parser (cmark-gfm) splits them: a backslash and the
    ASCII punctuation after it are one escaped pair, and only an unescaped `|` ends a cell."""
    cells, current, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row) and row[i + 1] in _PUNCTUATION:
            current += row[i : i + 2]
            i += 2
            continue
        if row[i] == "|":
            cells.append(current)
            current = ""
        else:
            current += row[i]
        i += 1
    cells.append(current)
    return [c.strip() for c in cells[1:-1]]


_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def test_annotations_name_each_drifted_registry_and_each_org_not_read(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _scenario(tmp_path, emulator)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))

    status, out, err = _drift(str(stack), "--format", "github")

    f = str(stack)
    assert (status, err) == (1, "")
    assert out.splitlines() == [
        f"::error file={f},title=missing at GitHub%3A acme/DOCKER_REGISTRY_SECRET::"
        "acme/DOCKER_REGISTRY_SECRET (registry[1]): declared, and GitHub has no such registry "
        "(`pulumi up` would create it)",
        f"::warning file={f},title=undeclared%3A acme/MAVEN_REPOSITORY_SECRET::"
        "acme/MAVEN_REPOSITORY_SECRET: at GitHub, not in the stack file "
        f"(`pulumi-github-private-registry discover --org acme --base-url {emulator.base_url}` prints "
        "an entry that adopts it)",
        f"::error file={f},title=changed at GitHub%3A acme/NPM_REGISTRY_SECRET::acme/NPM_REGISTRY_SECRET "
        "(registry[0]): url: declared 'https://npm.example.com', GitHub has 'https://npm.elsewhere.example.com'",
        f"::error file={f},title=not read%3A globex::globex: GET /orgs/globex/private-registries: permission "
        "denied (Must have admin rights): the token needs the 'admin:org' scope (classic token) or the "
        "'Organization private registries' organization permission, read for reads and write for changes "
        "(fine-grained token or GitHub App) (1 declared registry not compared)",
        f"::notice file={f},title=drift::{f}: drift: 1 missing, 1 undeclared, 1 changed, 0 in sync "
        f"(2 declared registries, 1 org read); 1 org could not be read: the report is incomplete (read from "
        f"{emulator.base_url})",
    ]


def test_the_job_summary_is_a_table_of_the_drift_by_org_appended_to_the_step_summary(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _scenario(tmp_path, emulator)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    _drift(str(stack), "--format", "github")

    port = emulator.port
    assert summary.read_text() == (
        "earlier step\n"
        f"### Registry drift: {_escaped(str(stack))}\n"
        "\n"
        "**Verdict:** drift\\: 1 missing\\, 1 undeclared\\, 1 changed\\, 0 in sync "
        "\\(2 declared registries\\, 1 org read\\)\\; 1 org could not be read\\: the report is incomplete "
        "\\(read from "
        f"http\\:\\/\\/127\\.0\\.0\\.1\\:{port}\\/\\)\n"
        "\n"
        "| Org | Registry | Drift | Details |\n"
        "| --- | --- | --- | --- |\n"
        "| acme | DOCKER\\_REGISTRY\\_SECRET \\(registry\\[1\\]\\) | missing | declared\\, and GitHub "
        "has no such registry |\n"
        "| acme | MAVEN\\_REPOSITORY\\_SECRET | undeclared | at GitHub\\, not in the stack file |\n"
        "| acme | NPM\\_REGISTRY\\_SECRET \\(registry\\[0\\]\\) | changed | url\\: declared "
        "\\'https\\:\\/\\/npm\\.example\\.com\\'\\, GitHub has "
        "\\'https\\:\\/\\/npm\\.elsewhere\\.example\\.com\\' |\n"
        "| globex | - | not read | GET \\/orgs\\/globex\\/private\\-registries\\: permission denied "
        "\\(Must have admin rights\\)\\: the token needs the \\'admin\\:org\\' scope \\(classic token\\) "
        "or the \\'Organization private registries\\' organization permission\\, read for reads and write "
        "for changes \\(fine\\-grained token or GitHub App\\) \\(1 declared registry not compared\\) |\n"
        "\n"
    )


def _escaped(text: str) -> str:
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def test_without_a_step_summary_file_the_summary_follows_the_commands_on_stdout(
    tmp_path: Path, emulator: Emulator
) -> None:
    emulator.put_registry("acme", **NPM)
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator, [NPM])

    status, out, err = _drift(str(stack), "--format", "github")

    assert (status, err) == (0, "")
    commands, summary = out.split("\n\n", 1)
    assert commands.splitlines() == [
        f"::notice file={stack},title=drift::{stack}: no drift: 1 declared registry in 1 org match GitHub "
        f"(read from {emulator.base_url})"
    ]
    assert summary.startswith(f"### Registry drift: {_escaped(str(stack))}\n\n**Verdict:** no drift\\: ")
    assert "| Org |" not in summary  # nothing drifted: no table


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
@pytest.mark.parametrize(
    ("case", "status"), [("in sync", 0), ("drift", 2), ("org not read", 1), ("bad file", 1)]
)
def test_the_exit_status_is_the_same_in_every_format(
    tmp_path: Path,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    output_format: str,
    case: str,
    status: int,
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    emulator.put_registry("acme", **NPM)
    declared = {
        "in sync": [NPM],
        "drift": [NPM, DOCKER],
        "org not read": [NPM],
        "bad file": [{**NPM, "visiblity": "all"}],
    }
    if case == "org not read":
        emulator.inject(method="GET", path="/private-registries", status=404, body={"message": "Not Found"})
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator, declared[case])

    assert _drift(str(stack), "--format", output_format)[0] == status


def test_the_stack_files_problems_are_error_annotations(tmp_path: Path, emulator: Emulator) -> None:
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator, [{**NPM, "visiblity": "all"}])

    status, out, err = _drift(str(stack), "--format", "github")

    assert (status, err) == (1, "")
    lines = out.split("\n\n", 1)[0].splitlines()
    assert (
        lines[-1] == f"::error file={stack},title=drift%3A nothing compared::1 problem; nothing was compared"
    )
    assert all(line.startswith(f"::error file={stack},title=drift%3A nothing compared::") for line in lines)


def test_the_file_name_is_escaped_as_a_property_and_the_message_as_data(
    tmp_path: Path, emulator: Emulator
) -> None:
    emulator.put_registry("acme", **NPM)
    stack = _stack(tmp_path / "Pulumi.100%,a:b.yaml", emulator, [NPM])

    out = _drift(str(stack), "--format", "github")[1]

    shown = str(stack).replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
    message = str(stack).replace("%", "%25")
    assert out.splitlines()[0] == (
        f"::notice file={shown},title=drift::{message}: no drift: 1 declared registry in 1 org match GitHub "
        f"(read from {emulator.base_url})"
    )


HOSTILE = (
    "|x|\r\n::warning::forged\n  ::add-mask::y `code` <img src=x onerror=alert(1)> [a](http://e) **b** \\|"
)


def test_hostile_text_from_github_breaks_neither_the_log_nor_the_table_and_no_token_shows(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    hostile = f"https://npm.example.com/{HOSTILE}{TOKEN}" + "A" * 100_000
    record = {
        "name": "NPM_REGISTRY_SECRET",
        "registry_type": f"npm_registry{HOSTILE}",
        "url": hostile,
        "username": hostile,
        "visibility": "all",
        "auth_type": "oidc_azure",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    listing = {"total_count": 2, "configurations": [record, {**record, "name": "MAVEN_REPOSITORY_SECRET"}]}
    emulator.inject(method="GET", path="/orgs/acme/", status=200, body=listing)
    emulator.inject(
        method="GET",
        path="/orgs/globex/",
        status=403,
        body={"message": f"{HOSTILE} Bearer {TOKEN} {'B' * 100_000}"},
    )
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator, [NPM, {**NPM, "org": "globex"}])

    status, out, err = _drift(str(stack), "--format", "github")

    assert (status, err) == (1, "")
    written = summary.read_text()
    for text in (out, written):
        assert TOKEN not in text
        assert len(text) < 20_000  # bounded: 100 KB values are cut
    lines = out.splitlines()
    assert len(lines) == 5  # undeclared, changed, not read, a note, the verdict: no line forged
    for line in lines:
        assert OURS.match(line), line
        assert "\r" not in line
    rows = [line for line in written.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    assert len(rows) == 4  # the header, changed, undeclared, globex not read
    assert all(len(_cells(row)) == 4 for row in rows), rows
    # Every character that could start markup in a cell is escaped: no HTML, code span or link.
    for row in rows[1:]:
        assert not re.search(r"(?<!\\)[<>`\[\]*]", row.replace("\\\\", "")), row


def test_json_stays_the_same_with_format_json(tmp_path: Path, emulator: Emulator) -> None:
    emulator.put_registry("acme", **NPM)
    stack = _stack(tmp_path / "Pulumi.ci.yaml", emulator, [NPM, DOCKER])

    by_flag, by_format = _drift(str(stack), "--json"), _drift(str(stack), "--format", "json")

    assert by_flag == by_format
    assert json.loads(by_flag[1])["summary"]["missing"] == 1


def test_help_says_where_the_summary_goes(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert drift.main(["--help"], out, io.StringIO()) == 0
    text = " ".join(out.getvalue().split())
    assert (
        "appended to the file $GITHUB_STEP_SUMMARY names (unset, outside Actions: printed on stdout after "
        "the commands)" in text
    )
