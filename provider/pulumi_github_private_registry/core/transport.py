"""A generic HTTP transport: one request, sent under a deadline, through the throttle.

:class:`Transport` sends a request and hands back its answer, read whole (at most
:data:`MAX_BODY`), or a :class:`~.errors.GitHubError` saying in a few words what failed on the way:

* GET, PATCH and DELETE are resent on 5xx and dropped connections by urllib3's ``Retry``, with
  capped, jittered backoff that ends on a cancel; POST is never resent: a create sent without a
  usable answer raises :class:`~.errors.OutcomeUnknown` for the caller to resolve;
* each attempt has a deadline for the whole exchange (connecting, the headers and the body), not
  only for each socket read: a watchdog shuts the socket of an attempt whose time is up;
* a redirect is never followed, nor a proxy used for a loopback base URL.

What the answer says (a status, a body) is read above it, in ``answers`` and the client.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    InvalidChunkLength,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.retry import Retry

from .errors import Cancelled, GitHubError, MalformedResponse, OutcomeUnknown, TransportError, bounded, redact
from .pacing import Cancellation, Limits, Throttle
from .settings import is_loopback

__all__ = ["MAX_BODY", "RESENDABLE", "Transport"]

# Methods whose request can be sent again without harm: urllib3 resends them; any other request
# sent without a usable answer has an unknown outcome.
RESENDABLE: Final = frozenset({"GET", "PATCH", "DELETE"})
# No answer of this API comes near this size; a proxy streaming more is cut off.
MAX_BODY: Final = 4 * 1024 * 1024


class _CancellableRetry(Retry):
    """urllib3's retries, whose backoff ends on the sending thread's cancellation (and after a
    cancel, no retry is sent), and which give up at once on a refused connection."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Any:
        # A refused connection is an answer, not a silence: the OS has already tried every address
        # the host resolves to, and nothing listens on any of them (a wrong port, a server that is
        # down). Waiting out the backoff (8 s by default) would only delay saying so; nothing was
        # sent, so the caller may always run again. Timeouts, resets and 5xx are still retried.
        # So is a name the resolver says does not exist (a mistyped host): asking again changes
        # nothing. A temporary failure (EAI_AGAIN: no answer from the DNS server) is retried.
        if error is not None and (_refused(error) or _no_such_name(error)):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        deadline = _deadline()
        if deadline is None:
            super().sleep(response)
            return
        cancellation = deadline.cancellation
        cancellation.admit("a retry")
        cancellation.wait(self.get_backoff_time(), "a retry")
        cancellation.admit("a retry")


def _transport_retry(limits: Limits) -> Retry:
    # POST is left out of allowed_methods: a create sent but unanswered must not be sent twice.
    # urllib3 still retries connect errors for every method, since nothing reached GitHub.
    # Retry-After is not urllib3's business: it would sleep it on a 429 or 503 without bound,
    # outside the throttle; rate limits are waited on in GitHubClient._send. Redirects are never
    # followed (redirect=0 with raise_on_redirect=False hands the 3xx back to the client).
    return _CancellableRetry(
        total=limits.retries,
        connect=limits.retries,
        read=limits.retries,
        status=limits.retries,
        redirect=0,
        other=0,
        allowed_methods=RESENDABLE,
        status_forcelist=(500, 502, 503, 504),
        backoff_factor=limits.backoff_factor,
        backoff_max=limits.backoff_max,
        backoff_jitter=limits.backoff_factor,
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=False,
    )


# --- a deadline for each attempt: connect, headers and body ---------------------------------------
#
# urllib3's read timeout applies to each socket read, so an answer trickled a byte at a time holds a
# request for as long as the server likes. Each attempt (urllib3 makes one per retry) gets a timer
# instead; when it runs out the attempt's socket is shut down, which ends any read blocked on it.


class _Watchdog:
    """One daemon thread per client that ends the attempts whose time has run out.

    Cheaper than a timer thread per attempt (a quarter of a millisecond each): arming is a push on
    a heap. Entries of attempts that ended are dropped when their time comes.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline, int]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, when: float, deadline: _Deadline, generation: int) -> None:
        """Expire ``deadline``'s attempt ``generation`` at ``when`` (monotonic seconds)."""
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._order), deadline, generation))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="request-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is deadline:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            due: list[tuple[_Deadline, int]] = []
            with self._cond:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, _, deadline, generation = heapq.heappop(self._heap)
                    due.append((deadline, generation))
                if not due:
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            for deadline, generation in due:  # outside the heap's lock: expiring takes the deadline's
                deadline.expire(generation)


class _Deadline:
    """The time limit of the current thread's request: re-armed at each attempt, shuts its socket.

    ``cancellation``: the cancel its retries' backoff ends on.
    """

    def __init__(self, seconds: float, watchdog: _Watchdog, cancellation: Cancellation) -> None:
        self.seconds = seconds
        self.cancellation = cancellation
        self.expired = False
        self._watchdog = watchdog
        self._lock = threading.Lock()
        self._generation = 0  # which attempt is armed; an entry for an older one is stale
        self._socket: socket.socket | None = None
        self._cut_at = float("inf")  # monotonic: a cancel ends every attempt by then

    def arm(self, sock: socket.socket | None) -> None:
        """A new attempt starts on ``sock`` (None: not connected yet): it has the full time."""
        with self._lock:
            self._generation += 1
            self.expired = False
            self._socket = sock
            generation = self._generation
            when = min(time.monotonic() + self.seconds, self._cut_at)
        self._watchdog.schedule(when, self, generation)

    def cut(self, until: float) -> None:
        """A cancel came: this attempt, and any later one, ends by ``until`` (monotonic seconds)."""
        with self._lock:
            self._cut_at = min(self._cut_at, until)
            generation = self._generation
        self._watchdog.schedule(until, self, generation)

    def watch(self, sock: socket.socket | None) -> None:
        """The attempt's connection is made: shut ``sock`` when the time runs out."""
        with self._lock:
            self._socket = sock
            if self.expired:
                _shut(sock)

    def let_go(self, sock: socket.socket | None) -> None:
        """``sock``'s connection went back to the pool: another thread may use it from now on."""
        with self._lock:
            if sock is not None and self._socket is sock:
                self._socket = None

    def disarm(self) -> None:
        """The request is over."""
        with self._lock:
            self._generation += 1
            self._socket = None

    def expire(self, generation: int) -> None:
        """The watchdog's call: the time of attempt ``generation`` is up."""
        with self._lock:
            if generation == self._generation:
                self.expired = True
                _shut(self._socket)


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        # socket.socket's own shutdown, also for an SSLSocket: it ends a read blocked in another
        # thread without touching the TLS state that thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


_sending = threading.local()  # the _Deadline of the request this thread is sending, if any


def _deadline() -> _Deadline | None:
    deadline: _Deadline | None = getattr(_sending, "deadline", None)
    return deadline


class _TimedHTTPConnection(HTTPConnection):
    """A connection whose every request answers to the current thread's :class:`_Deadline`.

    Connecting (a proxy's CONNECT, the TLS handshake) has its own full time, and so has the
    request with its answer: an attempt takes at most twice ``timeout``.
    """

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if (deadline := _deadline()) is not None:
            deadline.watch(sock)  # the raw socket: shutting it ends a CONNECT or handshake too
        return sock

    def connect(self) -> None:
        if (deadline := _deadline()) is not None:
            deadline.arm(None)
        super().connect()
        if deadline is not None:
            deadline.watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        if (deadline := _deadline()) is not None:
            deadline.arm(self.sock)
        super().request(*args, **kwargs)


class _TimedHTTPSConnection(_TimedHTTPConnection, HTTPSConnection):
    """The same over TLS (the MRO puts HTTPSConnection's connect under the deadline's)."""


def _let_go(conn: Any) -> None:
    # Back in the pool, a connection is no longer this request's: its deadline must not shut it
    # under another thread (during urllib3's backoff, or after the body was read).
    if conn is not None and (deadline := _deadline()) is not None:
        deadline.let_go(conn.sock)


class _TimedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TimedHTTPConnection

    def _put_conn(self, conn: Any) -> None:
        _let_go(conn)
        super()._put_conn(conn)


class _TimedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TimedHTTPSConnection

    def _put_conn(self, conn: Any) -> None:
        _let_go(conn)
        super()._put_conn(conn)


class _TimedAdapter(HTTPAdapter):
    """requests' adapter whose connections answer to the current thread's :class:`_Deadline`."""

    _POOLS: Final = {"http": _TimedHTTPPool, "https": _TimedHTTPSPool}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # A new dict: PoolManager's default is shared by every manager in the process.
        self.poolmanager.pool_classes_by_scheme = dict(self._POOLS)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(self._POOLS)
        return manager


# --- what failed on the way, in a few words ------------------------------------------------------


def _was_sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached GitHub: not when no connection was made, to the server
    or to the proxy (refused, unresolvable, timed out), anywhere in what ``exc`` wraps."""
    unsent = (requests.ConnectTimeout, NewConnectionError, ConnectTimeoutError)  # NameResolutionError too
    return not any(isinstance(error, unsent) for error in _reasons(exc))


def _refused(error: BaseException) -> bool:
    """Whether a connection attempt (to the server, or to the proxy) was refused."""
    if isinstance(error, ProxyError):
        error = error.original_error
    return (
        isinstance(error, NewConnectionError)
        and not isinstance(error, NameResolutionError)
        and isinstance(error.__cause__, ConnectionRefusedError)
    )


# getaddrinfo's answers that a name does not exist, as against a resolver that did not answer
# (EAI_AGAIN). EAI_NODATA ("no address associated with hostname") is glibc's, absent elsewhere.
_NO_SUCH_NAME: Final = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)
)


def _no_such_name(error: BaseException) -> bool:
    """Whether a connection attempt (to the server, or to the proxy) named a host that does not exist."""
    if isinstance(error, ProxyError):
        error = error.original_error
    cause = error.__cause__ if isinstance(error, NameResolutionError) else None
    return isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_NAME


def _reasons(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps, outermost first: requests -> MaxRetryError -> urllib3's reason
    -> the OS error (bounded: a chain is a handful long, and a cycle is cut)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8 and all(current is not seen for seen in chain):
        chain.append(current)
        first = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        inner = getattr(current, "reason", None) or getattr(current, "original_error", None) or first
        if isinstance(current, ProtocolError) and len(current.args) > 1:
            inner = current.args[1]  # ('Connection aborted.', ConnectionResetError(...))
        current = inner if isinstance(inner, BaseException) else current.__cause__
    return chain


# OpenSSL's messages end with where in CPython's module they were raised: "(_ssl.c:1006)".
_SSL_SOURCE_RE: Final = re.compile(r" ?\(_ssl\.c:[0-9]{1,6}\)$")


def _host_port(host: str, port: int | None) -> str:
    """``host:port`` as people write it: an IPv6 address in brackets (``[::1]:9``)."""
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port is not None else shown


def _endpoint(error: BaseException) -> str | None:
    """``host:port`` of the connection a urllib3 error names (the server's, or the proxy's)."""
    conn = getattr(error, "conn", None) or (error.args[0] if error.args else None)
    host, port = getattr(conn, "host", None), getattr(conn, "port", None)
    if not isinstance(host, str) or not host:
        return None
    return _host_port(host, port if isinstance(port, int) else None)


def _server_of(exc: BaseException) -> str:
    """``host:port`` the request was sent to (its URL's), for an answer that came from there."""
    url = getattr(getattr(exc, "request", None), "url", None)
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.hostname:
        return "the server"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return "the server at " + _host_port(parts.hostname, port)


def _os_reason(error: BaseException) -> str:
    """An OS error's reason as people say it ("connection refused"), without errno or class names."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).rstrip(".").lower()


# What the fallback never shows of an exception's text: an object's repr (``<urllib3...Connection
# object at 0x7f..>``) and a class's call (``IncompleteRead(``, ``HTTPConnectionPool(``); each is
# bounded, so the scan stays linear.
_OBJECT_REPR: Final = re.compile(r"<[^<>]{0,300}>:? ?")
_CLASS_CALL: Final = re.compile(r"\b[A-Za-z_][A-Za-z0-9_.]{0,100}\(")

_PROXY_FIX: Final = (
    "check the proxy setting (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, and NO_PROXY for the hosts to "
    "reach without it)"
)


# What http.client raises on an answer that is no HTTP (RemoteDisconnected, a BadStatusLine too,
# is told apart first).
_NOT_HTTP: Final = (http.client.BadStatusLine, http.client.LineTooLong, http.client.UnknownProtocol)


@dataclass(frozen=True)
class _Cause:
    """A transport failure in a few words, and what to check when a setting is the likely culprit
    (``fix``; ``None``: the network, said by :class:`TransportError` itself)."""

    text: str
    fix: str | None = None


def _cut_short(error: http.client.IncompleteRead) -> str:
    read = error.partial if isinstance(error.partial, int) else len(error.partial or b"")
    more = error.expected if isinstance(error.expected, int) else None
    of = f"{read} of {read + more} bytes" if more is not None else f"after {read} bytes"
    return f"the answer was cut short: {of}"


def _cause_of(exc: BaseException, base_url_source: str) -> _Cause:
    """A transport failure in a few words, and what to check.

    ``requests`` wraps urllib3's ``MaxRetryError``, whose text is the pool, the connection's class
    and the URL: what a user needs is the host and the reason ("cannot connect to 127.0.0.1:9:
    connection refused"), and no class name of ours, urllib3's or http.client's, ever.
    """
    chain = _reasons(exc)
    proxy = any(isinstance(e, ProxyError) for e in chain)
    to = "the proxy " if proxy else ""
    base_url = f"check the base URL ({base_url_source})"
    # When the proxy could not be reached, the base URL is not to blame: the proxy settings are.
    check = _PROXY_FIX if proxy else base_url
    for error in chain:
        if isinstance(error, NameResolutionError):
            cause = error.__cause__
            why = f": {_os_reason(cause)}" if isinstance(cause, OSError) else ""
            host = getattr(error.conn, "host", None) or "the host"
            return _Cause(f"cannot resolve {to}{host}{why}", f"{check} and the network")
        if isinstance(error, NewConnectionError):
            cause = error.__cause__
            why = _os_reason(cause) if isinstance(cause, OSError) else "no connection"
            up = "that the proxy is up" if proxy else "that the server is up"
            down = up if isinstance(cause, ConnectionRefusedError) else "the network"
            where = _endpoint(error) or "the server"
            return _Cause(f"cannot connect to {to}{where}: {why}", f"{check} and {down}")
        if isinstance(error, ConnectTimeoutError):
            where = _endpoint(error) or "the server"
            fix = f"{check} and the network"
            return _Cause(f"cannot connect to {to}{where}: timed out", fix)
        if isinstance(error, SSLError):
            return _Cause(f"TLS failed: {_SSL_SOURCE_RE.sub('', str(chain[-1]))}")
        if isinstance(error, http.client.RemoteDisconnected):
            return _Cause("the server closed the connection without answering")
        if isinstance(error, _NOT_HTTP):
            # An SSH server or a database on the port: its greeting is no HTTP status line.
            return _Cause(f"{_server_of(exc)} does not speak HTTP", base_url)
        if isinstance(error, InvalidChunkLength):  # before IncompleteRead: it is one
            return _Cause("the answer was cut short: a broken chunk length")
        if isinstance(error, http.client.IncompleteRead):  # urllib3's too
            return _Cause(_cut_short(error))
        if isinstance(error, ReadTimeoutError):
            return _Cause("the answer timed out")
        if isinstance(error, DecodeError):
            return _Cause("the answer's content encoding could not be decoded")
    inner = chain[-1]
    if isinstance(inner, OSError) and inner.strerror:
        return _Cause(_os_reason(inner))
    # Anything else: its message without a class name or an object's repr (never "Foo(...)").
    said = inner.args[0] if inner.args and isinstance(inner.args[0], str) else str(inner)
    reason = _CLASS_CALL.sub("(", _OBJECT_REPR.sub("", said)).strip(" .:").lower()
    failed = "the proxy failed" if proxy else "the connection failed"  # a CONNECT answered 407, 502
    return _Cause(f"{failed}: {reason}" if reason else failed, _PROXY_FIX if proxy else None)


class _Session(requests.Session):
    """A session that never looks at a redirect: requests would otherwise read a 3xx's whole body
    (unbounded) to prepare a redirect that is never sent; the client reads ``Location`` itself.

    ``direct`` sends every request straight to the host, whatever ``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``ALL_PROXY`` or ``NO_PROXY`` say: for a loopback base URL, where plain http is allowed because
    the token cannot leave the machine, a proxy would carry it off in cleartext.
    """

    def __init__(self, *, direct: bool = False) -> None:
        super().__init__()
        self._direct = direct

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self._direct:
            # The environment's CA bundle still applies; only its proxies are dropped.
            settings["proxies"] = {}
        return settings


class _BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer`` on each request (none without a token); its repr hides it."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._token:
            request.headers["Authorization"] = f"Bearer {self._token}"
        else:
            request.headers.pop("Authorization", None)
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class Transport:
    """Sends requests for one client: its session, pools and watchdog, under its throttle and limits.

    ``headers`` go with every request; ``base_url`` decides whether proxies apply (never to a
    loopback host), and ``base_url_source`` names where it came from in errors that blame it.
    """

    def __init__(
        self,
        base_url: str,
        limits: Limits,
        throttle: Throttle,
        headers: Mapping[str, str],
        base_url_source: str,
    ) -> None:
        self.limits = limits
        self.throttle = throttle
        self._base_url_source = base_url_source
        self._watchdog = _Watchdog()
        self._session = _Session(direct=is_loopback(urlsplit(base_url).hostname or ""))
        # Session-level auth: without it requests would take a .netrc entry (or URL user-info) for
        # GitHub's host and send Basic auth instead of our token. Each request sets its own token.
        self._session.auth = _BearerAuth(None)
        adapter = _TimedAdapter(
            max_retries=_transport_retry(limits),
            pool_connections=4,
            pool_maxsize=max(4, limits.max_concurrency),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(headers)

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def send(
        self, method: str, url: str, body: Mapping[str, Any] | None, request: str, token: str | None
    ) -> requests.Response:
        """One request (with urllib3's transport retries), each attempt under its deadline; its
        answer read whole, whatever its status, or the failure as a :class:`~.errors.GitHubError`."""
        cancellation = self.throttle.cancellation
        self.throttle.acquire(method, request=request)
        grace = cancellation.admit(request)  # None, or what is left of a lookup's grace
        deadline = _Deadline(
            self.limits.timeout if grace is None else min(grace, self.limits.timeout),
            self._watchdog,
            cancellation,
        )
        _sending.deadline = deadline
        cancellation.on_wire(deadline, True)
        try:
            deadline.arm(None)  # until a connection is made or taken from the pool
            response = self._session.request(
                method,
                url,
                json=body,
                timeout=self.limits.timeout,
                allow_redirects=False,
                stream=True,
                auth=_BearerAuth(token),
            )
            _read_body(response, request)
            if deadline.expired:
                # Shut down mid-answer: what arrived may look complete (headers cut at a line end).
                raise requests.ConnectionError("the deadline passed")
            return response
        except requests.RequestException as exc:
            raise self._failure(method, request, exc, deadline.expired) from None
        finally:
            cancellation.on_wire(deadline, False)
            deadline.disarm()
            _sending.deadline = None
            self.throttle.release()

    def _failure(
        self, method: str, request: str, exc: requests.RequestException, expired: bool
    ) -> GitHubError:
        # A write that may have reached GitHub has an unknown outcome; anything else can be sent again.
        unknown = method not in RESENDABLE and _was_sent(exc)
        # The reason's text may quote the URL or a header: it is redacted, and its end is kept.
        if expired and self.throttle.cancellation.cancelled:
            if not unknown:
                return Cancelled(request, self.throttle.cancellation.why)
            cause = "the operation was cancelled before GitHub answered"
        elif expired:
            cause = f"no complete answer within {self.limits.timeout:g} s"
        else:
            # Every token in use was registered for redaction (credentials.remember_secret).
            found = _cause_of(exc, self._base_url_source)
            cause = bounded(redact(found.text), 240, keep="end")
            if not unknown:
                return TransportError(request, cause, fix=found.fix)
        if unknown:
            return OutcomeUnknown(request, cause)
        return TransportError(request, cause)


def _read_body(response: requests.Response, request: str) -> None:
    """Read the body, at most :data:`MAX_BODY` bytes (a hostile proxy may stream without end)."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY:
                raise MalformedResponse(request, f"a body larger than {MAX_BODY // 1024 // 1024} MiB")
            chunks.append(chunk)
    finally:
        response.close()  # back to the pool when read to the end, else closed
    response._content = b"".join(chunks)
