"""Every line the tools, the doors' Check and the stack program show is one printable, redacted,
bounded line (issue #17 items 8, 9 and 14).

A stack file or a declaration may carry escape sequences (clear the screen, OSC 8 links), line
breaks that forge a log line, bidirectional overrides that disguise text, a megabyte, or a token
pasted in the wrong place; none of it reaches a terminal as it is.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pulumi
import pytest

from clitools import clean_environment
from doors import Door
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS, PLUGIN_KEYS
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.tools import discover as discovery
from pulumi_github_private_registry.tools import drift, stackchecks, stackconfig
from samples import declaration

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "stacks"))

import registries

# Written out here, not imported: what a terminal or a CI log must never receive from a file or a server.
UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
HOSTILE = (
    "npm\x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\nerror: forged line\u202eevil"
    "\u2028error: forged by a line separator"
)
MEGABYTE = "x" * 1_000_000
BIG = "x" * 300_000
"""Long, for a value in a stack file (which is at most 1 MiB)."""
TOKEN_IN_FILE = "ghp_" + "Q7rT2mZ9vK4wX8nB3cL6" + "yH1pD5sF0gJ"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
TOKENS_KEY = "github-private-registry:tokens"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _assert_clean(lines: list[str], limit: int = 1200) -> None:
    for line in lines:
        assert not UNPRINTABLE.search(line), repr(line[:200])
        assert len(line) <= limit, (len(line), line[:200])


def _stack_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text)
    return path


def _hostile_entry() -> dict[str, object]:
    return {
        "org": HOSTILE,
        "registry_type": HOSTILE + BIG,
        "url": "https://npm.pkg.github.com/acme",
        "visibility": HOSTILE,
        HOSTILE[:60]: 1,
        "codespaces_secret": {"name": HOSTILE + BIG, "visibility": HOSTILE + BIG},
        "secret": "npmToken",
    }


# --- 8: drift and validate ------------------------------------------------------------------------


def test_drift_errors_from_a_hostile_stack_file_are_printable_bounded_lines(tmp_path: Path) -> None:
    path = _stack_file(tmp_path, json.dumps({"config": {REGISTRIES: [_hostile_entry()]}}))
    out, err = io.StringIO(), io.StringIO()

    assert drift.main([str(path)], out=out, err=err) == 1

    lines = err.getvalue().splitlines()
    assert lines[-1].endswith("nothing was compared")
    assert all(line.startswith(f"error: {path}: ") for line in lines), lines
    _assert_clean(lines)
    assert not any(line.startswith("error: forged line") for line in lines)


@pytest.mark.parametrize(
    "text",
    [
        f'config:\n  github:owner: acme\n  github-private-registry:note: "{TOKEN_IN_FILE} unclosed\n',
        f"config:\n  github:owner: acme\n  github-private-registry:note: {TOKEN_IN_FILE} \x1b[2J\n",
        f"config:\n  github:owner: acme\n  github-private-registry:note: [{TOKEN_IN_FILE}\n",
    ],
    ids=["unclosed-quote", "escape-sequence", "unclosed-list"],
)
def test_a_yaml_error_names_the_line_and_column_and_quotes_nothing_of_the_file(
    tmp_path: Path, text: str
) -> None:
    path = _stack_file(tmp_path, text)
    out, err = io.StringIO(), io.StringIO()

    validated = io.StringIO()
    assert stackchecks.validate([str(path)], out=validated) == 1
    assert drift.main([str(path)], out=out, err=err) == 1

    for shown in (validated.getvalue(), err.getvalue()):
        assert "not valid YAML at line " in shown and ", column " in shown
        assert TOKEN_IN_FILE[8:] not in shown and "\x1b" not in shown
        assert "github-private-registry:note" not in shown


def test_validate_shows_a_hostile_stack_file_as_printable_bounded_lines(tmp_path: Path) -> None:
    path = _stack_file(
        tmp_path, json.dumps({"config": {REGISTRIES: [_hostile_entry()], "github:owner": "acme"}})
    )
    out = io.StringIO()

    assert stackchecks.validate([str(path)], out=out) == 1

    lines = out.getvalue().splitlines()
    assert any("unknown field" in line for line in lines)
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    _assert_clean(lines)


def test_a_lone_surrogate_in_a_stack_file_is_shown_as_text_every_terminal_can_print(tmp_path: Path) -> None:
    # JSON text is YAML: "\ud800" is a lone surrogate, which no encoding writes (a crash on stdout).
    entry = {**_hostile_entry(), "org": "ac\ud800me"}
    path = _stack_file(tmp_path, json.dumps({"config": {REGISTRIES: [entry], "github:owner": "acme"}}))
    validated, out, err = io.StringIO(), io.StringIO(), io.StringIO()

    assert stackchecks.validate([str(path)], out=validated) == 1
    drift.main([str(path)], out=out, err=err)

    for shown in (validated.getvalue(), out.getvalue(), err.getvalue()):
        shown.encode("utf-8")
    assert "ac?me" in validated.getvalue()


# --- 9: Check failures and the stack program -------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["registry_type", "auth_type", "visibility", "url", "username", "selected_repository_ids", "unknown"],
)
def test_check_failures_quote_hostile_values_and_names_bounded_and_printable(door: Door, field: str) -> None:
    news = declaration("username_password", "acme")
    hostile = HOSTILE + MEGABYTE
    if field == "unknown":
        news[hostile] = 1
    elif field == "selected_repository_ids":
        news.update(visibility="selected", selected_repository_ids=[hostile])
    else:
        news[field] = hostile

    checked = door.check(news)

    assert checked.failures
    for prop, reason in checked.failures:
        _assert_clean([prop, reason], limit=500)


@pytest.mark.parametrize("field", ["registry_type", "visibility", "auth_type"])
@pytest.mark.parametrize(
    "credential",
    ["https://deploy:" + "S" * 120 + "@registry.example.com/", "ghp_" + "Q" * 40],
    ids=["url-user-info", "github-token"],
)
def test_check_failures_redact_a_credential_pasted_into_a_field_before_cutting_it(
    door: Door, field: str, credential: str
) -> None:
    checked = door.check({**declaration("username_password", "acme"), field: credential})

    assert checked.failures
    shown = " ".join(reason for _, reason in checked.failures)
    assert "SSSS" not in shown and "QQQQ" not in shown, shown


def test_the_stack_programs_problems_are_printable_bounded_lines() -> None:
    config = {REGISTRIES: json.dumps([_hostile_entry()]), "github:owner": "acme"}
    pulumi.runtime.set_all_config(config, secret_keys=[])
    try:
        with pytest.raises(pulumi.RunError) as failure:
            registries.main()
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])

    header, *lines = str(failure.value).split("\n")
    assert "the stack configuration of" in header and lines
    _assert_clean([line.strip() for line in lines])


# --- 14: a token map's org given twice -------------------------------------------------------------


@pytest.mark.parametrize("twice", ["acme", "ACME"])
def test_an_org_given_twice_in_the_tokens_variable_is_refused_as_json_text(
    monkeypatch: pytest.MonkeyPatch, twice: str
) -> None:
    text = f'{{"acme": "ghp_first0815", "{twice}": "ghp_second0815"}}'
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", text)
    err = io.StringIO()

    status = discovery.discover("acme", base_url="http://127.0.0.1:9", out=io.StringIO(), err=err)

    assert status == discovery.EXIT_FAILED
    assert err.getvalue() == (
        f"error: GITHUB_PRIVATE_REGISTRY_TOKENS names the organization '{twice}' twice (logins ignore case)\n"
    )
    assert "0815" not in err.getvalue()


@pytest.mark.parametrize("keys", [DYNAMIC_KEYS, PLUGIN_KEYS])
def test_an_org_given_twice_in_the_tokens_config_key_is_refused(keys: settings.Keys) -> None:
    text = '{"acme": "ghp_first0815", "acme": "ghp_second0815"}'

    with pytest.raises(settings.SettingError) as refused:
        settings.resolve({TOKENS_KEY: text}, keys)

    assert str(refused.value) == f"{TOKENS_KEY} names the organization 'acme' twice (logins ignore case)"


def test_a_key_given_twice_in_an_apps_json_text_is_refused() -> None:
    text = '{"id": "101", "id": "102", "pemFile": "x"}'

    with pytest.raises(settings.SettingError) as refused:
        settings.resolve({"github:appAuth": text}, DYNAMIC_KEYS)

    assert str(refused.value) == "github:appAuth gives a key twice"
