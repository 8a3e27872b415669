"""Issue 19 review, items 1, 4, 5 and 7: what a failed connection says, in plain words.

- A proxy that refuses or does not resolve is named with the proxy variables to check, not the base
  URL (in discover, drift and through both doors).
- An answer cut short, a broken chunked body, an undecodable body, a server that does not speak
  HTTP: plain words, never a class name of urllib3's or http.client's.
- A host that does not exist fails at the first attempt; a resolver that did not answer is retried.
- An IPv6 address is shown in brackets.
"""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import urllib3.util.connection

from clitools import clean_environment, discover
from doors import DOORS, open_door
from hosted import refusal
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.errors import GitHubError
from pulumi_github_private_registry.core.pacing import Limits
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import drift
from samples import TOKEN, declaration

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
PROXY_FIX = (
    "check the proxy setting (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, and NO_PROXY for the hosts to reach "
    "without it)"
)
# A class's call or repr, as urllib3's and http.client's exceptions print themselves.
CLASS_NAME = re.compile(r"\b[A-Za-z_][A-Za-z0-9_.]*\(|<[^>]*object at")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


# --- item 1: a broken proxy is the proxy's, not the base URL's ----------------------------------------


def test_discover_through_a_refused_proxy_names_the_proxy_variables_not_the_base_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    connections: list[tuple[str, int]],
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port}")

    status, out, err = discover(capsys, "--org", "acme", "--base-url", "https://api.example.com/")

    assert (status, out) == (1, "")
    assert err == (
        "error: GET /api/v3/orgs/acme/private-registries: cannot connect to the proxy "
        f"127.0.0.1:{closed_port}: connection refused; {PROXY_FIX} and that the proxy is up.\n"
    )
    assert connections == [("127.0.0.1", closed_port)]


def test_discover_through_a_proxy_that_does_not_resolve_names_the_proxy_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")

    def nowhere(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", nowhere)

    status, _, err = discover(capsys, "--org", "acme", "--base-url", "https://api.example.com/")

    assert status == 1
    assert err == (
        "error: GET /api/v3/orgs/acme/private-registries: cannot resolve the proxy proxy.invalid: name or "
        f"service not known; {PROXY_FIX} and the network.\n"
    )


def test_drift_through_a_refused_proxy_names_the_proxy_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port}")
    stack = tmp_path / "Pulumi.ci.yaml"
    stack.write_text(
        "config:\n"
        "  github:baseUrl: https://api.example.com/\n"
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
        "error: acme: GET /api/v3/orgs/acme/private-registries: cannot connect to the proxy "
        f"127.0.0.1:{closed_port}: connection refused; {PROXY_FIX} and that the proxy is up "
        "(1 declared registry not compared)\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("door_name", DOORS)
def test_a_refused_proxy_is_named_with_the_proxy_variables_through_each_door(
    door_name: str, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    # ALL_PROXY: the provider's requests honour it, the test's gRPC channel to the plugin does not.
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{closed_port}")
    nowhere = cast(Emulator, SimpleNamespace(base_url="https://api.example.com/"))
    with open_door(door_name, nowhere) as door:
        details = refusal(lambda: door.up(declaration("oidc_azure", "acme")))
    assert (
        f"GET /api/v3/orgs/acme/private-registries: cannot connect to the proxy 127.0.0.1:{closed_port}: "
        f"connection refused; {PROXY_FIX} and that the proxy is up." in details
    )
    assert "base URL" not in details


# --- item 4: transport failures in plain words -------------------------------------------------------


@pytest.fixture
def answering() -> Iterator[Any]:
    """``answering(payload)``: the base URL of a server on 127.0.0.1 that reads a request (unless
    the payload is a greeting sent first, like SSH's), writes ``payload`` and closes."""
    servers: list[socket.socket] = []

    def start(payload: bytes) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    if not payload.startswith(b"SSH-"):
                        conn.recv(65536)
                    conn.sendall(payload)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}/"

    yield start
    for server in servers:
        server.close()


def _failure(base_url: str, **limits: Any) -> str:
    client = GitHubClient(
        TOKEN, base_url, base_url_source="--base-url", limits=Limits(**{"retries": 0, **limits})
    )
    try:
        client.list_registries("acme")
    except GitHubError as exc:
        return str(exc)
    finally:
        client.close()
    raise AssertionError("no failure")


JSON = b"Content-Type: application/json\r\n"
NO_USABLE_ANSWER = (
    "GET /orgs/acme/private-registries: no usable answer from GitHub ({}); check the network and try again."
)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n" + JSON + b"\r\n" + b'{"total_count": 0,',
            NO_USABLE_ANSWER.format("the answer was cut short: 18 of 100 bytes"),
            id="body cut short",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + JSON + b"\r\nxyz\r\n",
            NO_USABLE_ANSWER.format("the answer was cut short: a broken chunk length"),
            id="broken chunk length",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n" + JSON + b"\r\nhello",
            NO_USABLE_ANSWER.format("the answer's content encoding could not be decoded"),
            id="undecodable body",
        ),
        pytest.param(
            b"SSH-2.0-OpenSSH_9.6\r\n",
            "GET /orgs/acme/private-registries: the server at 127.0.0.1:{port} does not speak HTTP; check "
            "the base URL (the --base-url option).",
            id="an SSH server",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n",
            NO_USABLE_ANSWER.format("the connection failed: got more than 100 headers"),
            id="too many headers",
        ),
    ],
)
def test_a_broken_answer_is_said_in_plain_words_without_a_class_name(
    answering: Any, payload: bytes, message: str
) -> None:
    base_url = answering(payload)
    port = base_url.rsplit(":", 1)[1].strip("/")

    shown = _failure(base_url)

    assert shown == message.format(port=port)
    assert not CLASS_NAME.search(shown), shown


def test_a_proxy_that_refuses_the_tunnel_is_named_with_the_proxy_variables(
    answering: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = answering(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
    monkeypatch.setenv("HTTPS_PROXY", proxy)

    shown = _failure("https://api.example.com/")

    assert shown == (
        "GET /api/v3/orgs/acme/private-registries: the proxy failed: tunnel connection failed: 407 proxy "
        f"authentication required; {PROXY_FIX}."
    )


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
def test_discover_at_an_ssh_port_says_the_server_does_not_speak_http(
    capsys: pytest.CaptureFixture[str], answering: Any
) -> None:
    base_url = answering(b"SSH-2.0-OpenSSH_9.6\r\n")

    status, _, err = discover(capsys, "--org", "acme", "--base-url", base_url)

    assert status == 1
    assert err == (
        f"error: GET /orgs/acme/private-registries: the server at {base_url[7:-1]} does not speak HTTP; "
        "check the base URL (the --base-url option).\n"
    )


# --- item 5: a host that does not exist fails at once; a silent resolver is retried -------------------


def _resolver(monkeypatch: pytest.MonkeyPatch, errno: int, reason: str) -> list[tuple[str, int]]:
    attempts: list[tuple[str, int]] = []

    def unresolved(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address)
        raise socket.gaierror(errno, reason)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", unresolved)
    return attempts


def test_discover_at_a_host_that_does_not_exist_fails_at_the_first_attempt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = _resolver(monkeypatch, socket.EAI_NONAME, "Name or service not known")

    status, _, err = discover(capsys, "--org", "acme", "--base-url", "https://nonexistent-host.invalid/")

    assert status == 1
    assert err == (
        "error: GET /api/v3/orgs/acme/private-registries: cannot resolve nonexistent-host.invalid: name or "
        "service not known; check the base URL (the --base-url option) and the network.\n"
    )
    assert attempts == [("nonexistent-host.invalid", 443)]


@pytest.mark.skipif(not hasattr(socket, "EAI_NODATA"), reason="EAI_NODATA is glibc's")
def test_a_host_without_an_address_fails_at_the_first_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _resolver(monkeypatch, socket.EAI_NODATA, "No address associated with hostname")

    shown = _failure("https://nonexistent-host.invalid/", retries=3, backoff_factor=0)

    assert shown == (
        "GET /api/v3/orgs/acme/private-registries: cannot resolve nonexistent-host.invalid: no address "
        "associated with hostname; check the base URL (the --base-url option) and the network."
    )
    assert len(attempts) == 1


def test_a_resolver_that_did_not_answer_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _resolver(monkeypatch, socket.EAI_AGAIN, "Temporary failure in name resolution")

    shown = _failure("https://api.example.com/", retries=3, backoff_factor=0)

    assert shown == (
        "GET /api/v3/orgs/acme/private-registries: cannot resolve api.example.com: temporary failure in "
        "name resolution; check the base URL (the --base-url option) and the network."
    )
    assert len(attempts) == 4  # the first, and 3 retries


# --- item 7: an IPv6 address in brackets ---------------------------------------------------------------


def test_a_refused_ipv6_address_is_shown_in_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        bound = socket.socket(socket.AF_INET6)
        bound.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with bound:
        port = bound.getsockname()[1]
        status, _, err = discover(capsys, "--org", "acme", "--base-url", f"http://[::1]:{port}/")

    assert status == 1
    assert err == (
        f"error: GET /orgs/acme/private-registries: cannot connect to [::1]:{port}: connection refused; "
        "check the base URL (the --base-url option) and that the server is up.\n"
    )
