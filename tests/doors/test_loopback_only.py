"""What stays on this machine: a loopback base URL is never reached through a proxy (the bearer token
would travel to the proxy in cleartext), and the emulator, which takes any token, listens on loopback
unless told plainly otherwise (issue #17, items 7 and 16)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from clitools import clean_environment, discover
from doors import Plugins, plugin_declaration
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin.package import RESOURCE
from samples import TOKEN, declaration


class RecordingProxy:
    """A proxy that keeps every byte sent to it and answers 502: whatever reaches it has left the machine."""

    def __init__(self) -> None:
        self.received = bytearray()
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.2)
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                    with self._lock:
                        self.received += data
                    conn.sendall(
                        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                except OSError:
                    pass

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    recording = RecordingProxy()
    yield recording
    recording.stop()


def _proxied(proxy: RecordingProxy) -> dict[str, str]:
    """Every variable requests reads a proxy from, both spellings, and no exception for loopback."""
    names = ("http_proxy", "https_proxy", "all_proxy")
    return {
        **{name: proxy.url for name in names},
        **{name.upper(): proxy.url for name in names},
        "no_proxy": "",
        "NO_PROXY": "",
    }


def test_a_loopback_base_url_is_reached_directly_by_the_dynamic_door_whatever_the_proxy_variables(
    deployment: Callable[..., ProviderHost], emulator: Emulator, proxy: RecordingProxy
) -> None:
    host = deployment(env=_proxied(proxy))

    checked = host.check(declaration("token", "acme"))
    id_, _ = host.create(checked.inputs)

    assert id_ == "acme/NPM_REGISTRY_SECRET"
    assert "NPM_REGISTRY_SECRET" in emulator.registries("acme")
    assert proxy.received == b""


@pytest.mark.slow
def test_a_loopback_base_url_is_reached_directly_by_the_plugin_whatever_the_proxy_variables(
    emulator: Emulator, proxy: RecordingProxy
) -> None:
    plugins = Plugins(emulator)
    try:
        host = plugins.start(env=_proxied(proxy))

        checked = host.check(plugin_declaration("token", "acme"))
        assert checked.failures == []
        id_, _ = host.create(checked.inputs)
    finally:
        plugins.stop()

    assert id_ == "acme/NPM_REGISTRY_SECRET"
    assert TOKEN.encode() not in proxy.received
    assert proxy.received == b""


# --- the emulator listens on loopback only, unless told plainly -----------------------------------------


def _emulator_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_github_private_registry.emulator", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("", "not an empty one (which would listen on every interface)"),
        ("0.0.0.0", "--host 0.0.0.0 is not this machine's loopback"),
        ("10.1.2.3", "add --beyond-loopback to listen there anyway"),
        ("example.com", "an IPv4 address, e.g. 127.0.0.1, not 'example.com'"),
    ],
)
def test_the_emulator_refuses_to_listen_beyond_loopback_without_the_flag_that_says_so(
    host: str, says: str
) -> None:
    done = _emulator_command("--host", host, "--port", "0")

    assert done.returncode == 2 and done.stdout == ""
    assert says in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_emulator_listens_on_every_interface_when_beyond_loopback_is_given() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_github_private_registry.emulator",
            "--host",
            "0.0.0.0",
            "--beyond-loopback",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.communicate(timeout=30)

    assert line.startswith("emulator listening on http://127.0.0.1:"), "every interface holds this machine's"


def test_the_emulator_library_refuses_a_host_beyond_loopback_unless_told() -> None:
    with pytest.raises(ValueError, match="not this machine's loopback"):
        Emulator().start(host="0.0.0.0")
    with pytest.raises(ValueError, match="not an empty one"):
        Emulator().start(host="")


# --- discover --format import: resource names from the registry's checked name only -------------------


@pytest.mark.parametrize(
    "registry_type",
    ["npm_registry\n  rm -rf /", "npm\x1b[2J\u202eevil", "x" * 100_000, "../../etc", 7],
    ids=["newline", "escapes", "long", "path", "number"],
)
def test_discover_import_names_each_resource_from_the_registry_name_not_a_hostile_registry_type(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: Emulator,
    registry_type: object,
) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    record = {
        "name": "NPM_REGISTRY_SECRET",
        "registry_type": registry_type,
        "url": "https://npm.pkg.github.com",
        "visibility": "all",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    emulator.inject(
        method="GET",
        path="/orgs/acme/private-registries",
        status=200,
        body={"total_count": 1, "configurations": [record]},
    )

    status, out, _ = discover(capsys, "--org", "acme", "--base-url", emulator.base_url, "--format", "import")

    if isinstance(registry_type, int):  # not even a string: the client refuses the answer
        assert status != 0
        return
    assert status == 0
    assert json.loads(out)["resources"] == [
        {"type": RESOURCE, "name": "acme-npm_registry", "id": "acme/NPM_REGISTRY_SECRET"}
    ]
