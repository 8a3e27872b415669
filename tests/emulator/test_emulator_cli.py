"""The emulator as a command (issue 13): its help, its start-up line, its tokens, its stop.

``python -m pulumi_github_private_registry.emulator`` is run as users (and stacks/demo.sh) run it: a
subprocess whose one stdout line gives the base URL, stopped by a signal.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from pulumi_github_private_registry.emulator import cli

COMMAND = "python -m pulumi_github_private_registry.emulator"
READY = re.compile(r"emulator listening on (http://127\.0\.0\.1:(\d+)(/[^ ]*)?/)\n")
TOKEN = "cli-token"
READ_ONLY = "cli-read-only"
ORG = "acme-corp"
STOP_WITHIN = 5.0  # seconds from the signal to the exit; the command polls for it twice a second
OIDC = {
    "registry_type": "docker_registry",
    "url": "https://acme.azurecr.io",
    "visibility": "all",
    "auth_type": "oidc_azure",
    "tenant_id": "0f3c9d7a-6b1e-4d2f-9a85-3c4e5f607182",
    "client_id": "7d2e4b19-8c3a-4f5e-b6d7-1a2b3c4d5e6f",
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "provider")}


def _run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_github_private_registry.emulator", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )


def _ready_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """The first stdout line, within ``timeout`` seconds (the process's stderr if none comes)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            _, err = process.communicate()
            pytest.fail(f"no start-up line within {timeout} s; stderr:\n{err}")
    return process.stdout.readline()


@contextmanager
def _serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The command started with ``args``; yields it and its base URL; killed if still running after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_github_private_registry.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        line = _ready_line(process)
        match = READY.fullmatch(line)
        assert match, f"not the documented start-up line: {line!r}"
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _session(token: str | None) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "application/vnd.github+json"
    if token is not None:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _stop(process: subprocess.Popen[str], signum: int) -> tuple[float, str, str]:
    """Send ``signum``; the seconds it took to exit, and what is left on stdout and stderr."""
    started = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    return time.monotonic() - started, out, err


# --- --help ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_help_names_the_command_as_typed_and_explains_each_option() -> None:
    done = _run("--help")
    assert done.returncode == 0 and done.stderr == ""
    text = done.stdout
    assert text.startswith(f"usage: {COMMAND} ")
    unwrapped = " ".join(text.split())
    # --port 0, the start-up line and how to read it.
    assert "0 picks a free one, printed on the start-up line (default: 0)" in unwrapped
    assert f"{cli.READY_PREFIX}BASE_URL" in text
    assert "sed -n 's/^emulator listening on //p'" in text
    # --prefix for a GitHub Enterprise Server base URL, --host, the tokens.
    assert "e.g. /api/v3 as a GitHub Enterprise Server does" in unwrapped
    assert "http://127.0.0.1:41231/api/v3/" in text
    assert "--host HOST" in text and "(default: 127.0.0.1)" in unwrapped
    assert "the token clients must send" in unwrapped and "any token, or none, is accepted" in unwrapped
    assert "refused writes with 403" in unwrapped
    assert "SIGINT (Ctrl-C) or SIGTERM stops it" in unwrapped
    for flag in (
        "--ghes-version",
        "--ghes-stage",
        "--ghes-api-version",
        "--app",
        "--installation",
        "--installation-token-ttl",
        "--org",
        "--latency",
    ):
        assert f"  {flag} " in text, flag


def test_every_option_states_its_default() -> None:
    parser = cli._parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} >= {"host", "port", "prefix", "token", "read_only_token", "orgs"}
    missing = [a.option_strings[0] for a in options if "default: " not in (a.help or "")]
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "70000"], "a port is 0 to 65535"),
        (["--port", "http"], "a port is a number"),
        (["--latency", "-1"], "0 or more"),
        (["--ghes-stage", "1"], "--ghes-version"),
        (["--ghes-version", "latest"], "ghes_version is a release"),
    ],
)
def test_wrong_arguments_exit_2_with_a_message(args: list[str], says: str) -> None:
    done = _run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert says in done.stderr and "Traceback" not in done.stderr


# --- serving ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_port_0_serves_on_the_printed_port_with_the_token_and_stops_on_a_signal(signum: int) -> None:
    args = ["--port", "0", "--token", TOKEN, "--read-only-token", READ_ONLY]
    with _serving(*args) as (process, base):
        port = int(base.rsplit(":", 1)[1].rstrip("/"))
        assert 0 < port < 65536 and base == f"http://127.0.0.1:{port}/"
        registries = f"{base}orgs/{ORG}/private-registries"
        writer = _session(TOKEN)
        assert writer.post(registries, json=OIDC).status_code == 201
        listed = writer.get(registries)
        assert listed.status_code == 200
        assert [r["name"] for r in listed.json()["configurations"]] == ["DOCKER_REGISTRY_SECRET"]
        assert _session(None).get(registries).status_code == 401
        assert _session("not-the-token").get(registries).status_code == 401
        reader = _session(READ_ONLY)
        assert reader.get(registries).status_code == 200
        assert reader.delete(f"{registries}/DOCKER_REGISTRY_SECRET").status_code == 403
        seconds, out, err = _stop(process, signum)
        assert process.returncode == 0, err
        assert seconds < STOP_WITHIN
        assert out == ""  # the start-up line was the only one
        assert "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(registries, timeout=5)


@pytest.mark.slow
def test_prefix_serves_under_a_ghes_path() -> None:
    with _serving("--prefix", "/api/v3", "--port", "0") as (process, base):
        assert base.endswith("/api/v3/")
        answer = _session("any").get(f"{base}orgs/{ORG}/private-registries/public-key")
        assert answer.status_code == 200 and set(answer.json()) == {"key_id", "key"}
        outside = _session("any").get(base.removesuffix("api/v3/") + f"orgs/{ORG}/private-registries")
        assert outside.status_code == 404
        _, _, err = _stop(process, signal.SIGTERM)
        assert process.returncode == 0, err


@pytest.mark.slow
def test_org_limits_the_organizations_that_exist() -> None:
    with _serving("--org", ORG) as (process, base):
        assert _session("any").get(f"{base}orgs/{ORG}/private-registries").status_code == 200
        assert _session("any").get(f"{base}orgs/other/private-registries").status_code == 404
        _stop(process, signal.SIGTERM)
        assert process.returncode == 0


@pytest.mark.slow
def test_a_port_in_use_is_an_error_without_a_traceback() -> None:
    with _serving("--port", "0") as (process, base):
        port = base.rsplit(":", 1)[1].rstrip("/")
        done = _run("--port", port)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
        assert "Traceback" not in done.stderr
        _stop(process, signal.SIGTERM)
        assert process.returncode == 0
