"""Text from outside is handled in time linear in its size (issue #17 items 5 and 6).

Each input here once took minutes to hours: the one redaction step scanned to the end of the text
from every word boundary (``"a." * n``), the App key's check from every ``BEGIN`` header, the
token map's duplicate check compared each org with every one before it. The timeouts are hang
guards with a wide margin (each case takes well under a second now); the figure itself is
``tests/benchmark.py``'s ("1 MiB hostile message redacted").
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clitools import clean_environment
from doors import Door
from hosted import ProviderError
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift, stackchecks
from pulumi_github_private_registry.tools.stackfile import MAX_STACK_FILE
from samples import declaration

MIB = 1024 * 1024
HOSTILE = "a." * (MIB // 2)
"""1 MiB in which every other character starts a word: each once began a scan to the end."""
PASSWORD = "pw-canary-0815"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


@pytest.mark.timeout(60)
def test_a_1_mib_hostile_error_message_from_github_reaches_the_user_promptly_bounded_and_redacted(
    door: Door, github: Emulator
) -> None:
    org = f"{door.name}-hostile"
    message = f"see https://user:{PASSWORD}@example.com/x " + HOSTILE
    github.inject(method="POST", status=422, body={"message": message})

    with pytest.raises(ProviderError) as failure:
        door.up(declaration("token", org))

    details = failure.value.details
    assert "a.a.a.a." in details and "https://***@example.com" in details
    assert PASSWORD not in details
    assert len(details) < 8000
    assert github.registry(org, "NPM_REGISTRY_SECRET") is None


def _stack_file(tmp_path: Path, value: str) -> Path:
    """A stack file (under 1 MiB, the limit) whose registry has ``value`` as its org and url, and an
    unknown field named by its start (YAML keys are short): every problem line quotes them."""
    path = tmp_path / "Pulumi.prod.yaml"
    entry = {
        "org": value,
        "registry_type": "npm_registry",
        "url": value,
        value[:1000]: 1,
        "secret": "npmToken",
    }
    path.write_text(json.dumps({"config": {"github-private-registries:registries": [entry]}}))
    assert path.stat().st_size < MAX_STACK_FILE
    return path


@pytest.mark.timeout(60)
def test_validate_reports_a_stack_file_of_hostile_values_promptly_in_bounded_lines(tmp_path: Path) -> None:
    path = _stack_file(tmp_path, "a." * 80_000)
    out = io.StringIO()

    assert stackchecks.validate([str(path)], out=out) == 1

    lines = out.getvalue().splitlines()
    assert any("unknown field" in line for line in lines)
    assert all(len(line) < 1200 for line in lines), max(map(len, lines))


@pytest.mark.timeout(60)
def test_drift_reports_a_stack_file_of_hostile_values_promptly_in_bounded_lines(tmp_path: Path) -> None:
    path = _stack_file(tmp_path, "a." * 80_000)
    out, err = io.StringIO(), io.StringIO()

    assert drift.main([str(path), "--base-url", "http://127.0.0.1:9"], out=out, err=err) == 1

    lines = err.getvalue().splitlines()
    assert lines[-1].endswith("nothing was compared")
    assert all(len(line) < 1200 for line in lines), max(map(len, lines))


@pytest.mark.timeout(30)
def test_a_pem_file_of_a_megabyte_of_headers_is_refused_promptly_without_showing_it() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----" * (MIB // 31)

    with pytest.raises(settings.SettingError) as refused:
        settings.resolve({"github:appAuth": json.dumps({"id": "101", "pemFile": pem})}, DYNAMIC_KEYS)

    assert str(refused.value).startswith("github:appAuth.pemFile must hold the App's private key")
    assert "BEGIN RSA PRIVATE KEY-----BEGIN" not in str(refused.value)


@pytest.mark.timeout(30)
def test_a_token_map_of_60000_orgs_is_read_promptly() -> None:
    tokens = {f"org-{i}": f"ghp_token{i}" for i in range(60_000)}

    found = settings.resolve({"github-private-registry:tokens": json.dumps(tokens)}, DYNAMIC_KEYS)

    assert len(found.tokens) == 60_000 and ("org-0", "ghp_token0") in found.tokens


@pytest.mark.timeout(30)
def test_a_token_map_of_60000_orgs_with_a_case_duplicate_at_its_end_is_refused_promptly() -> None:
    tokens = {f"org-{i}": f"ghp_token{i}" for i in range(60_000)}
    tokens["ORG-0"] = "ghp_other"

    with pytest.raises(settings.SettingError) as refused:
        settings.resolve({"github-private-registry:tokens": tokens}, DYNAMIC_KEYS)

    assert str(refused.value) == (
        "github-private-registry:tokens names the organization 'ORG-0' twice (logins ignore case)"
    )
