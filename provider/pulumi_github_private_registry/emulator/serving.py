"""Serving over HTTP: :class:`Emulator`, a :class:`.models.Backend` on 127.0.0.1 from a daemon thread.

The server is the standard library's threading HTTP/1.1 server with keep-alive; each request is
read here and answered by :func:`.routing.serve`. Listening beyond this machine's loopback is
refused unless asked for: the emulator takes plain-http tokens.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .messages import Headers
from .models import Backend
from .routing import serve


class Emulator(Backend):
    """GitHub's private-registries API in memory, served over HTTP/1.1 with keep-alive.

    GitHub Enterprise Server: ``ghes_version="3.14"`` serves as that release (under ``/api/v3``
    unless ``prefix`` says otherwise, ``X-GitHub-Enterprise-Version`` on every answer,
    ``installed_version`` in ``GET /meta``, only ``ghes_api_versions``), knowing the
    private-registries API as ``GHES_STAGES[ghes_stage]`` documents it (default: the newest), which
    the ``ghes_stage`` attribute holds (None on github.com). ``GET /meta`` answers either way.

    GitHub Apps: ``apps={app_id: rsa_public_key_pem}`` and ``installations={org: (app_id,
    installation_id)}`` serve ``GET /orgs/{org}/installation``, ``GET /app/installations`` and ``POST
    /app/installations/{installation_id}/access_tokens`` to the app's JWT; the ``ghs_`` tokens issued
    there reach their organization's registries for ``installation_token_ttl`` seconds, as
    ``app_permissions={installation_id: {"organization_private_registries": "read"|"write"}}``
    allows (default: write). The clock those checks read can be moved (:meth:`advance_clock`), and
    tokens expired at once (:meth:`expire_installation_tokens`). The request log counts lookups and
    token creations like any request: ``count("GET", "/installation")``, ``count("POST",
    "/access_tokens")``. Without ``apps`` those endpoints answer 404, as before.

    ``clock_offset`` sets the emulator's clock that many seconds off this machine's (GitHub's clock
    ahead of the client's when positive), as :meth:`advance_clock` moves it later.
    ``refused_registry_types`` are types the schema lists that creates are refused, as github.com
    refused hex_organization and hex_repository (see :data:`.facts.REFUSED_TYPE_MESSAGE`).
    """

    _server: _Server | None = None  # while serving
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/PREFIX/`` (trailing slash)."""
        return f"http://{self.host}:{self.port}{self.prefix}/"

    def start(self, port: int = 0, *, host: str = "127.0.0.1", beyond_loopback: bool = False) -> Emulator:
        """Serve from a daemon thread; port 0 picks a free port.

        ``host`` is an IPv4 address or ``localhost``, and this machine's loopback unless
        ``beyond_loopback``: the emulator takes any token by default, and clients send theirs over
        plain http, so another machine that can reach it could read and write its registries.
        """
        address = listen_address(host)
        if not address.is_loopback and not beyond_loopback:
            raise ValueError(
                f"{host} is not this machine's loopback: other machines could reach the emulator, which"
                " takes plain-http tokens; listen on 127.0.0.1, or say beyond_loopback=True"
            )
        self._server = _Server((host, port), self)
        # Every interface (0.0.0.0) includes this machine's: the base URL a client here can use.
        self.host = "127.0.0.1" if address.is_unspecified else host
        self.port = self._server.server_address[1]
        # A short poll keeps stop() quick; serve_forever checks for shutdown once per poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the open keep-alive connections."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def listen_address(text: str) -> ipaddress.IPv4Address:
    """``text`` as the IPv4 address to listen on (``localhost`` is 127.0.0.1).

    An empty string is refused, not read as the socket API reads it (every interface).
    """
    if text.lower() == "localhost":
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        shown = repr(text) if len(text) <= 60 else repr(text[:60]) + "…"
        raise ValueError(
            "give an IPv4 address, e.g. 127.0.0.1, not an empty one (which would listen on every interface)"
            if not text
            else f"an IPv4 address, e.g. 127.0.0.1, not {shown}"
        ) from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Backend) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()  # open ones, to end idle keep-alives on stop
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        """End open connections, whose threads would otherwise serve on after shutdown()."""
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write, flushed after each request
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line per request on stderr

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, on the emulator's clock (clients may read GitHub's time from it)."""
        return super().date_time_string(self.server.emulator.now() if timestamp is None else timestamp)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = Headers((k.lower(), v) for k, v in self.headers.items())
        reply = serve(self.server.emulator, self.command, self.path, headers, raw)
        if reply is None:
            self.close_connection = True  # no response at all, like a connection lost mid-request
            return
        if reply.raw is not None:
            payload = reply.raw
        else:
            payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if reply.body is not None and not any(k.lower() == "content-type" for k in reply.headers):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not reply.trickle:
            self.wfile.write(payload)
            return
        self.wfile.flush()
        try:
            for i in range(len(payload)):  # bounded by the body's length
                time.sleep(reply.trickle)
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up, as it should

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle
