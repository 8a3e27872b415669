"""Issue 19, items 6 and 7: what a new user's first commands print.

- `discover --all-orgs` against the emulator lists its orgs (it serves `GET /user/orgs`), and a
  server that does not list them says so instead of blaming an organization name; `discover --org X`
  prints the org's line on stderr, as for several.
- A refused connection fails at once (one attempt, no retries) and says which host refused it,
  without any class name, in every command and through both doors.
- Every usage line names the command as it was typed (`python -m ...` or the console script), and
  the plugin run by hand says that the Pulumi CLI starts it and how to try it.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from clitools import clean_environment, discover
from doors import DOORS, open_door
from hosted import refusal
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.errors import NotFound
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift
from samples import TOKEN, declaration

if TYPE_CHECKING:
    from pulumi_github_private_registry.core.credentials import AppSigner

PYTHON = Path(sys.executable).name
MODULE = f"{PYTHON} -m pulumi_github_private_registry"
SCRIPT = Path(sys.executable).with_name("pulumi-github-private-registry")


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def _refused(port: int, source: str) -> str:
    return (
        f"cannot connect to 127.0.0.1:{port}: connection refused; check the base URL ({source}) and that "
        "the server is up."
    )


# --- item 6: discover --all-orgs, and one org's line ------------------------------------------------


def test_discover_all_orgs_reads_every_org_the_emulator_lists(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    for org in ("acme", "Globex"):
        emulator.put_registry(
            org, registry_type="npm_registry", url="https://npm.example.com", visibility="all", value="v"
        )

    status, out, err = discover(capsys, "--all-orgs", "--base-url", emulator.base_url)

    assert status == 0
    assert err.splitlines() == [
        "2 organizations visible to the token in $GITHUB_TOKEN",
        "acme: 1 registry",
        "Globex: 1 registry",
        "read 2 of 2 organizations: 2 registries",
    ]
    assert "  - org: Globex" in out.splitlines()


def test_discover_all_orgs_as_a_github_app_reads_the_apps_installations_at_the_emulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GITHUB_APP_ID", "4242")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem)
    with Emulator(apps={4242: public}, installations={"acme": (4242, 1), "globex": (4242, 2)}) as emulator:
        status, _, err = discover(capsys, "--all-orgs", "--base-url", emulator.base_url)

    assert status == 0
    assert err.splitlines() == [
        "2 organizations visible to GitHub App 4242",
        "acme: 0 registries",
        "globex: 0 registries",
        "read 2 of 2 organizations: 0 registries",
    ]


def test_discover_all_orgs_at_a_server_that_lists_no_orgs_says_to_check_the_base_url(
    capsys: pytest.CaptureFixture[str], emulator_v3: Emulator
) -> None:
    # A GitHub Enterprise Server's API without its /api/v3: nothing there answers, 404.
    base_url = emulator_v3.base_url.removesuffix("api/v3/")

    status, out, err = discover(capsys, "--all-orgs", "--base-url", base_url)

    assert (status, out) == (1, "")
    assert err == (
        f"error: GET /user/orgs: not found (Not Found): the server at {base_url} does not list the "
        "organizations of the token's user: check the base URL (the --base-url option). Or name the "
        "organizations with --org.\n"
    )


def _lists_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every listing answers 404, with no request: github.com's own URL is never asked in a test."""

    def not_found(self: GitHubClient, first: str, *args: object, **kwargs: object) -> list[object]:
        raise NotFound(f"GET {urlsplit(first).path}")

    monkeypatch.setattr(GitHubClient, "_every_page", not_found)


def test_discover_all_orgs_at_githubs_own_url_says_to_check_the_token_not_the_base_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # github.com serves GET /user/orgs: with its URL in force (no --base-url), the URL is not to blame.
    _lists_not_found(monkeypatch)

    status, out, err = discover(capsys, "--all-orgs")

    assert (status, out) == (1, "")
    assert err == (
        "error: GET /user/orgs: not found (Not Found): https://api.github.com/ does not list the "
        "organizations of the token's user to this credential: check the token's kind. Or name the "
        "organizations with --org.\n"
    )


def test_an_apps_installations_not_listed_at_githubs_own_url_say_to_check_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _lists_not_found(monkeypatch)
    client = GitHubClient(TOKEN)

    with pytest.raises(NotFound) as raised:
        client.list_app_installations(cast("AppSigner", object()))

    assert str(raised.value) == (
        "GET /app/installations: not found (Not Found): https://api.github.com/ does not list the "
        "installations of a GitHub App to this credential: check the App's id and private key."
    )


def test_discover_one_org_prints_its_line_on_stderr(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    emulator.put_registry(
        "acme", registry_type="npm_registry", url="https://npm.example.com", visibility="all", value="v"
    )

    status, out, err = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, err) == (0, "acme: 1 registry\n")
    assert out.startswith("# 1 private registry of acme at ")


# --- item 7: a refused connection ---------------------------------------------------------------------


def test_discover_at_a_refused_port_fails_at_the_first_attempt_naming_host_and_reason(
    capsys: pytest.CaptureFixture[str], closed_port: int, connections: list[tuple[str, int]]
) -> None:
    status, out, err = discover(capsys, "--org", "acme", "--base-url", f"http://127.0.0.1:{closed_port}/")

    assert (status, out) == (1, "")
    assert (
        err == f"error: GET /orgs/acme/private-registries: {_refused(closed_port, 'the --base-url option')}\n"
    )
    assert connections == [("127.0.0.1", closed_port)]  # no retry: nothing listens there


def test_discover_all_orgs_at_a_refused_port_fails_at_the_first_attempt(
    capsys: pytest.CaptureFixture[str], closed_port: int, connections: list[tuple[str, int]]
) -> None:
    status, _, err = discover(capsys, "--all-orgs", "--base-url", f"http://127.0.0.1:{closed_port}/")

    assert status == 1
    assert err == f"error: GET /user/orgs: {_refused(closed_port, 'the --base-url option')}\n"
    assert len(connections) == 1


def test_drift_at_a_refused_port_fails_at_the_first_attempt_naming_host_and_reason(
    tmp_path: Path, closed_port: int, connections: list[tuple[str, int]]
) -> None:
    stack = tmp_path / "Pulumi.ci.yaml"
    stack.write_text(
        "config:\n"
        f"  github:baseUrl: http://127.0.0.1:{closed_port}/\n"
        "  github-private-registries:registries:\n"
        "    - org: acme\n"
        "      registry_type: docker_registry\n"
        "      url: https://docker.example.com\n"
        "      visibility: all\n"
        "      auth_type: oidc_azure\n"
        "      tenant_id: 0f3c9d7a-6b1e-4d2f-9a85-3c4e5f607182\n"
        "      client_id: 7d2e4b19-8c3a-4f5e-b6d7-1a2b3c4d5e6f\n"
    )
    out, err = io.StringIO(), io.StringIO()

    status = drift.main([str(stack)], out, err)

    assert status == 1
    assert err.getvalue() == (
        "error: acme: GET /orgs/acme/private-registries: "
        f"{_refused(closed_port, 'the github:baseUrl config key')[:-1]} (1 declared registry not compared)\n"
    )
    assert len(connections) == 1


@pytest.mark.slow
@pytest.mark.parametrize("door_name", DOORS)
def test_a_refused_port_is_named_with_its_reason_through_each_door(door_name: str, closed_port: int) -> None:
    nowhere = cast(Emulator, SimpleNamespace(base_url=f"http://127.0.0.1:{closed_port}/"))
    with open_door(door_name, nowhere) as door:
        details = refusal(lambda: door.up(declaration("oidc_azure", "acme")))
    key = "github:baseUrl" if door_name == "dynamic" else "github-private-registry:baseUrl"
    source = f"the {key} config key"
    assert f"GET /orgs/acme/private-registries: {_refused(closed_port, source)}" in details
    assert "Connection(" not in details and "Errno" not in details


# --- item 7: usage lines as typed, and the plugin run by hand -------------------------------------------


def _run(command: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False
    )


COMMANDS = {
    "module": ([sys.executable, "-m", "pulumi_github_private_registry"], MODULE),
    "console script": ([str(SCRIPT)], "pulumi-github-private-registry"),
}


@pytest.mark.slow
@pytest.mark.parametrize("how", COMMANDS)
@pytest.mark.parametrize(
    ("args", "status", "usage", "last_line"),
    [
        ((), 2, "{prog}", "{prog}: error: the following arguments are required: COMMAND"),
        (
            ("validate",),
            2,
            "{prog} validate",
            "{prog} validate: error: the following arguments are required: FILE",
        ),
        (
            ("discover",),
            2,
            "{prog} discover",
            "{prog} discover: error: one of the arguments --org --all-orgs is required",
        ),
        (("drift",), 1, "{prog} drift", "{prog} drift: error: the following arguments are required: FILE"),
        (
            ("drift", "--bogus", "x"),
            1,
            "{prog} drift",
            "{prog} drift: error: unrecognized arguments: --bogus",
        ),
        (
            ("bogus",),
            2,
            "{prog}",
            "{prog}: error: argument COMMAND: invalid choice: 'bogus'",
        ),
    ],
)
def test_every_usage_error_names_the_command_as_typed(
    how: str, args: tuple[str, ...], status: int, usage: str, last_line: str
) -> None:
    command, prog = COMMANDS[how]
    done = _run(command, *args)
    assert done.returncode == status
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"usage: {usage.format(prog=prog)} [-h]")
    # How argparse lists the choices after it varies with Python's version.
    assert lines[-1].split(" (choose from ")[0] == last_line.format(prog=prog)


@pytest.mark.slow
@pytest.mark.parametrize("how", COMMANDS)
@pytest.mark.parametrize(
    "args", [("--help",), ("validate", "--help"), ("discover", "--help"), ("drift", "--help")]
)
def test_every_help_names_the_command_as_typed(how: str, args: tuple[str, ...]) -> None:
    command, prog = COMMANDS[how]
    done = _run(command, *args)
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: {prog} {' '.join(args[:-1])}".rstrip() + " ")


@pytest.mark.slow
def test_drift_run_as_its_module_names_that_module() -> None:
    done = _run([sys.executable, "-m", "pulumi_github_private_registry.tools.drift"])
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"{PYTHON} -m pulumi_github_private_registry.tools.drift: error: the following arguments are "
        "required: FILE"
    )


PLUGIN_BY_HAND = (
    "This is the provider plugin of the Pulumi package github-private-registry: the Pulumi CLI starts it, "
    "with the address of its engine, when a program uses the package; it is not run by hand.\n"
    "To use it, add the package to a Pulumi project: see docs/plugin.md. To try the provider without a "
    'GitHub account or the Pulumi CLI, see "Try it offline" in the README: python -m '
    "pulumi_github_private_registry.emulator serves GitHub's API on this machine.\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("args", [(), ("--logtostderr", "-v=9")])
def test_the_plugin_run_by_hand_says_the_pulumi_cli_starts_it_and_how_to_try_it(
    args: tuple[str, ...],
) -> None:
    done = _run([sys.executable, "-m", "pulumi_github_private_registry.plugin"], *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: no Pulumi engine address given.\n" + PLUGIN_BY_HAND


@pytest.mark.slow
def test_the_plugins_help_says_the_same_on_stdout() -> None:
    done = _run([sys.executable, "-m", "pulumi_github_private_registry.plugin"], "--help")
    assert (done.returncode, done.stdout, done.stderr) == (0, PLUGIN_BY_HAND, "")


def test_discover_all_orgs_when_none_is_visible_gives_both_reasons_and_the_way_out(
    capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    # A fresh emulator knows no org yet: its token's user belongs to none, and no scope is missing.
    status, out, err = discover(capsys, "--all-orgs", "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert err == (
        "error: no organization is visible to the token in $GITHUB_TOKEN: its user belongs to none, or (a "
        "classic token) the token lacks the read:org scope that lists private memberships; name the "
        "organizations with --org\n"
    )
