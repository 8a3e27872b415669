"""A stack file is read within bounds, and what it holds reaches a terminal only as printable lines."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pulumi_github_private_registry.tools import cli, stackchecks, stackfile

BOMB = "\n".join(
    [
        "config:",
        "  github:owner: acme-corp",
        '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"  a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)),
        "  github-private-registries:registries:",
        "    - registry_type: npm_registry",
        "      url: https://npm.example.com",
        "      visibility: all",
        "      secret: npmToken",
        "      tenant_id: *a9",
    ]
)


def test_a_stack_file_whose_aliases_stand_for_billions_of_values_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bomb.yaml"
    path.write_text(BOMB)

    started = time.monotonic()
    count, lines = stackchecks.validate_file(path)

    assert time.monotonic() - started < 5
    assert (count, lines) == (
        0,
        [f"not a stack file: its aliases (*name) stand for more than {stackfile.MAX_STACK_NODES} values"],
    )


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(
        "config:\n  github:owner: acme-corp\n  github-private-registries:registries:\n"
        "    - &npm {registry_type: npm_registry, url: 'https://npm.example.com', visibility: all,"
        " auth_type: oidc_azure, tenant_id: t, client_id: c}\n"
    )

    assert stackchecks.validate_file(path) == (1, [])


def test_a_stack_file_larger_than_any_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.big.yaml"
    path.write_text("config:\n" + "  # padding\n" * (stackfile.MAX_STACK_FILE // 10))

    assert stackchecks.validate_file(path)[1] == [
        "cannot read it: larger than 1024 KiB, which no stack file is"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_not_waited_on(tmp_path: Path) -> None:
    pipe = tmp_path / "Pulumi.pipe.yaml"
    os.mkfifo(pipe)

    assert stackchecks.validate_file(pipe)[1] == ["cannot read it: not a regular file"]


def test_control_and_bidi_characters_from_a_stack_file_reach_no_terminal(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(
        'config:\n  github-private-registries:registries:\n    - org: "acme\\r\\nFORGED: ok \\u202e"\n'
        "      registry_type: npm_registry\n"
    )

    _, lines = stackchecks.validate_file(path)

    assert lines and all("\r" not in line and "\n" not in line and "\u202e" not in line for line in lines)


def test_an_unquoted_api_version_date_is_an_api_version(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(
        "config:\n  github-private-registry:apiVersion: 2026-03-10\n"
        "  github-private-registries:registries: []\n"
    )

    assert stackchecks.validate_file(path) == (0, [])


def test_discover_stops_at_a_server_that_cannot_be_reached_instead_of_trying_every_org(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT", "1")
    url = f"http://127.0.0.1:{closed_port}/"

    status = cli.main(["discover", "--org", "acme,beta,gamma", "--base-url", url])

    err = capsys.readouterr().err
    assert status == 1
    assert "beta: not read: not tried after acme's failure" in err
    assert "gamma: not read: not tried after acme's failure" in err
