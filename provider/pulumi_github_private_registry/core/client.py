"""The six REST calls of GitHub's organization private registries, and how they are sent.

One :class:`GitHubClient` per (base URL, token). It knows nothing of Pulumi. Sending follows
three policies, each in one place:

* transport retries: GET, PATCH and DELETE are retried on 5xx and dropped connections by urllib3's
  ``Retry`` with capped, jittered backoff; POST is never resent: a create sent without a usable
  answer (none, or a 5xx) raises :class:`~.errors.OutcomeUnknown` for the caller to resolve;
* rate limits: GitHub's primary and secondary limits (403/429 with ``Retry-After`` or
  ``x-ratelimit-*``) are waited on here only, for every method since a rate-limited request was
  not applied, up to ``Limits.max_retry_wait``, then :class:`~.errors.RateLimited` says when to
  retry;
* the :class:`Throttle` of a configuration caps its concurrent requests, spaces its writes on
  the process's one :class:`Pacing` clock, and makes every thread of the configuration pause when
  one learns that the limit is hit.

Everything that comes back is distrusted: a redirect is never followed nor taken for success, a
body that is not what the API documents is an error naming the endpoint (for a create, an unknown
outcome), pagination stays on the org's own list, and each attempt of a request has a deadline
for the whole exchange, not only for each socket read.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import heapq
import http.client
import itertools
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

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

from .. import __version__
from . import schema
from .crypto import PublicKey
from .errors import (
    AuthenticationError,
    Cancelled,
    GitHubError,
    MalformedResponse,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    Redirected,
    ServerError,
    TransportError,
    ValidationFailed,
    bounded,
    redact,
    remember_secret,
)
from .settings import DEFAULT_BASE_URL, clean_token, is_loopback, normalize_base_url, where

if TYPE_CHECKING:
    from .credentials import AppSigner, Credentials
    from .settings import Settings

__all__ = [
    "API_VERSION",
    "CANCEL_CUT",
    "CANCEL_GRACE",
    "DEFAULT_BASE_URL",
    "GHES_API_VERSION",
    "Cancellation",
    "GitHubClient",
    "Limits",
    "Pacing",
    "PublicKey",
    "RetryBudget",
    "Throttle",
    "default_api_version",
    "http_date",
    "limits_for",
    "normalize_base_url",
    "operation_budget",
    "process_cancellation",
    "process_throttle",
    "rate_limit_wait",
]

log = logging.getLogger(__name__)

API_VERSION: Final = "2026-03-10"
GHES_API_VERSION: Final = "2022-11-28"
"""The API version every GitHub Enterprise Server release with this API understands."""
# A release as GHES names itself in X-GitHub-Enterprise-Version: "3.14.2".
_RELEASE_RE: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4}){1,3}")
USER_AGENT: Final = f"pulumi-github-private-registry/{__version__}"
_WRITES: Final = frozenset({"POST", "PATCH", "DELETE"})
# Methods whose request can be sent again without harm: urllib3 resends them; any other request
# sent without a usable answer has an unknown outcome.
_RESENDABLE: Final = frozenset({"GET", "PATCH", "DELETE"})
# A rate limit that says "retry after 0 s" (or a date in the past) still waits this long: without a
# floor, such answers make a busy loop of requests.
RATE_LIMIT_FLOOR: Final = 1.0
# An org holds at most one registry per type (15 today): at 100 a page one page is the norm, and a
# list that runs on for pages is not GitHub's.
MAX_PAGES: Final = 20
# No answer of this API comes near this size; a proxy streaming more is cut off.
MAX_BODY: Final = 4 * 1024 * 1024
# A rate-limit wait longer than this is no longer a wait (a hostile Retry-After of 30 digits).
_MAX_RATE_LIMIT_WAIT: Final = 86_400.0
# GitHub's text in an error is kept to this: the first messages, each bounded, and how many were left.
_MAX_MESSAGE: Final = 300
_MAX_ERRORS: Final = 5
_MAX_ERROR_TEXT: Final = 200


@dataclass(frozen=True)
class Limits:
    """How the client paces itself; defaults follow GitHub's documented secondary limits.

    GitHub allows at most 100 concurrent requests and asks integrators to wait at least one second
    between writes (80 a minute at most): ``write_interval`` does the latter, like pulumi-github's
    ``writeDelayMs``. ``max_retry_wait`` bounds the total time spent waiting on rate limits for one
    operation (one request, outside :func:`operation_budget`). ``timeout`` bounds each attempt of a
    request as a whole: connecting, the headers and the body, however slowly they trickle in.
    """

    max_concurrency: int = 4
    write_interval: float = 1.0
    max_retry_wait: float = 120.0
    timeout: float = 30.0
    retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    consistency_retries: int = 4
    max_rate_limit_retries: int = 8
    """At most this many waits on rate limits for one operation, whatever their lengths."""


CANCEL_CUT: Final = 0.5
"""Seconds after a cancel within which a request already on the wire may still answer; then its
socket is shut."""
CANCEL_GRACE: Final = 0.9
"""Seconds after a cancel within which an unanswered create may still be looked up. The plugin door
answers within about a second of the engine's Cancel whatever happens."""
_CANCEL_POLL: Final = 0.05  # how often a thread waiting for a request slot looks for a cancel


class Cancellation:
    """The engine's Cancel, for every request of a process: once set, no request starts, every
    wait (a rate limit, a retry's backoff, a turn to write) ends at once with
    :class:`~.errors.Cancelled`, and requests on the wire are cut :data:`CANCEL_CUT` later.

    Only :meth:`grace` lets a thread send after it, within :data:`CANCEL_GRACE`: the lookup that
    tells whether an unanswered create was applied.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._cut = float("inf")  # monotonic: when requests on the wire are cut
        self._until = float("inf")  # monotonic: when a lookup's grace ends
        self._on_wire: set[_Deadline] = set()
        self._grace = threading.local()

    def cancel(self) -> None:
        """Cancel every operation of the process, now and from now on."""
        with self._lock:
            if self._event.is_set():
                return
            now = time.monotonic()
            self._cut, self._until = now + CANCEL_CUT, now + CANCEL_GRACE
            self._event.set()
            on_wire = list(self._on_wire)
        for deadline in on_wire:
            deadline.cut(self._cut)

    @property
    def cancelled(self) -> bool:
        """Whether the operations were cancelled."""
        return self._event.is_set()

    def wait(self, seconds: float, request: str) -> None:
        """Sleep ``seconds``, or raise :class:`~.errors.Cancelled` as soon as the cancel comes."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled(request)

    def admit(self, request: str) -> float | None:
        """Before a request starts: None, or after a cancel the seconds left of this thread's grace.
        Raises :class:`~.errors.Cancelled` when it may not start."""
        if not self._event.is_set():
            return None
        left = self._until - time.monotonic()
        if not getattr(self._grace, "open", False) or left <= 0:
            raise Cancelled(request)
        return left

    @contextmanager
    def grace(self) -> Iterator[None]:
        """Let this thread's requests in the block start after a cancel, within its grace."""
        self._grace.open = True
        try:
            yield
        finally:
            self._grace.open = False

    def on_wire(self, deadline: _Deadline, sending: bool) -> None:
        """Note a request going on (or off) the wire, to cut it once a cancel's grace is over."""
        with self._lock:
            if sending:
                self._on_wire.add(deadline)
            else:
                self._on_wire.discard(deadline)
            until = self._until if self._event.is_set() and sending else None
        if until is not None:  # a lookup in the grace: its deadline is the grace's end
            deadline.cut(until)


class Pacing:
    """The clock writes are spaced on: when the last write went out. Shared by every
    :class:`Throttle` of a process (:func:`process_throttle`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_write = float("-inf")

    def turn(self, write_interval: float, earliest: float) -> float:
        """When a write may start: not before ``earliest`` nor ``write_interval`` after the last
        write, which this one becomes."""
        with self._lock:
            start = max(earliest, self._last_write + write_interval)
            self._last_write = start
            return start


class Throttle:
    """Pacing for one configuration: a cap on its requests in flight, its write spacing, and the
    pause GitHub asked its requests for.

    One provider process serves every resource of a deployment on several threads; they all share
    one throttle so the limits hold for the process, not per thread. The write clock (``pacing``)
    may be shared with other configurations' throttles: each spaces its writes by its own interval
    from the last write of any. A pause is this configuration's alone: another one may use another
    credential or another server, and has its own retry budget.
    """

    def __init__(
        self, limits: Limits, pacing: Pacing | None = None, cancellation: Cancellation | None = None
    ) -> None:
        self._limits = limits
        self._slots = threading.BoundedSemaphore(max(1, limits.max_concurrency))
        self._pacing = pacing or Pacing()
        self.cancellation = cancellation or Cancellation()
        """The cancel every wait of this throttle ends on."""
        self._lock = threading.Lock()
        self._paused_until = 0.0

    @property
    def limits(self) -> Limits:
        """The limits this throttle enforces."""
        return self._limits

    def pause_until(self, when: float) -> None:
        """Hold every request until ``when`` (epoch seconds): GitHub said the limit is hit."""
        with self._lock:
            self._paused_until = max(self._paused_until, when)

    def acquire(self, method: str, clock: Callable[[], float] = time.time, request: str = "") -> None:
        """Wait for a slot, the end of any pause and, for a write, its turn; a cancel ends the wait
        with :class:`~.errors.Cancelled`. After a cancel, only a request in its grace starts, and
        it waits for nothing."""
        request = request or method
        while not self._slots.acquire(timeout=_CANCEL_POLL):  # bounded by the cancel or a free slot
            self.cancellation.admit(request)
        try:
            if self.cancellation.admit(request) is not None:
                return  # a lookup in a cancel's grace: no pause nor turn
            with self._lock:
                start = max(clock(), self._paused_until)
            if method in _WRITES:
                start = self._pacing.turn(self._limits.write_interval, start)
            delay = start - clock()
            if delay > 0:
                self.cancellation.wait(delay, request)
            self.cancellation.admit(request)
        except BaseException:
            self._slots.release()
            raise

    def release(self) -> None:
        """Give the slot back."""
        self._slots.release()


def limits_for(settings: Settings) -> Limits:
    """The client's limits from the settings' tuning values."""
    return replace(
        Limits(),
        write_interval=settings.write_delay_ms / 1000,
        max_concurrency=settings.max_concurrency,
        max_retry_wait=settings.max_retry_wait,
        timeout=settings.request_timeout,
    )


def default_api_version(base_url: str) -> str:
    """The API version for a normalized base URL: GitHub Enterprise Server's lives under ``/api/v3/``."""
    return GHES_API_VERSION if urlsplit(base_url).path.endswith("/api/v3/") else API_VERSION


# The one piece of state that is process-wide by design: every runtime and client of a provider
# process spaces its writes on one clock, since GitHub's limits count per credential and per
# process. Everything else of a throttle (its concurrency, its interval, a rate limit's pause) is
# its configuration's.
_PROCESS_PACING: Final = Pacing()


_PROCESS_CANCELLATION: Final = Cancellation()
"""The engine's Cancel concerns the whole process: every configuration's requests end on it."""


def process_throttle(limits: Limits) -> Throttle:
    """A throttle enforcing ``limits`` on the process's shared pacing clock and cancellation."""
    return Throttle(limits, _PROCESS_PACING, _PROCESS_CANCELLATION)


def process_cancellation() -> Cancellation:
    """The process's cancellation (the plugin door sets it on the engine's Cancel)."""
    return _PROCESS_CANCELLATION


# --- rate limits: small rules, read from GitHub's answer -------------------------------------


def _header_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date) or a spent primary limit."""
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        if _is_number(retry_after):
            return float(retry_after)
        when = http_date(retry_after)
        if when is not None:
            return max(0.0, when.timestamp() - now)
    reset = (headers.get("x-ratelimit-reset") or "").strip()
    if headers.get("x-ratelimit-remaining") == "0" and _is_number(reset):
        return max(0.0, float(reset) - now) + 1.0
    return None


def http_date(text: str | None) -> datetime | None:
    """An HTTP date (``Date``, ``Retry-After``) as a datetime, None when it is none. Anyone may send
    the header: it is cut to 64 characters, and any date the parser or datetime refuses (a year past
    9999, an offset of days) is none."""
    try:
        return email.utils.parsedate_to_datetime((text or "")[:64])
    except (TypeError, ValueError, OverflowError):
        return None


def _is_number(text: str) -> bool:
    # ASCII digits only: str.isdigit() is true for '²', which float() refuses. At most 12 digits.
    return text.isascii() and text.isdigit() and len(text) <= 12


def rate_limit_wait(status: int, headers: Mapping[str, str], message: str, now: float) -> float | None:
    """How long GitHub asks us to wait, or None when the answer is not a rate limit.

    GitHub's rules: obey ``Retry-After``; else with ``x-ratelimit-remaining: 0`` wait for
    ``x-ratelimit-reset``; else a secondary limit with neither header means at least a minute.
    A 403 that says none of this is a permission problem, not a rate limit. Every wait is at least
    :data:`RATE_LIMIT_FLOOR`.
    """
    if status not in (403, 429):
        return None
    wait = _header_seconds(headers, now)
    if wait is not None:
        return min(_MAX_RATE_LIMIT_WAIT, max(RATE_LIMIT_FLOOR, wait))
    if status == 429 or "rate limit" in message.lower():
        return 60.0
    return None


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
        cancellation: Cancellation | None = getattr(_current, "cancellation", None)
        if cancellation is None:
            super().sleep(response)
            return
        cancellation.admit("a retry")
        cancellation.wait(self.get_backoff_time(), "a retry")
        cancellation.admit("a retry")


def _transport_retry(limits: Limits) -> Retry:
    # POST is left out of allowed_methods: a create sent but unanswered must not be sent twice.
    # urllib3 still retries connect errors for every method, since nothing reached GitHub.
    # Retry-After is not urllib3's business: it would sleep it on a 429 or 503 without bound,
    # outside the throttle; rate limits are waited on in GitHubClient._send. Redirects are never
    # followed (redirect=0 with raise_on_redirect=False hands the 3xx back to _send).
    return _CancellableRetry(
        total=limits.retries,
        connect=limits.retries,
        read=limits.retries,
        status=limits.retries,
        redirect=0,
        other=0,
        allowed_methods=_RESENDABLE,
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
    """The time limit of the current thread's request: re-armed at each attempt, shuts its socket."""

    def __init__(self, seconds: float, watchdog: _Watchdog) -> None:
        self.seconds = seconds
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


_current = threading.local()  # the _Deadline of the request this thread is sending, if any


def _deadline() -> _Deadline | None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
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


# --- reading GitHub's answers -------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower() or None, parts.port


def _was_sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached GitHub (a refused or timed-out connect did not)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", inner)
    return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))


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
    unsent: bool = False
    """No connection was made (refused, unresolvable, timed out): nothing reached the server."""


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
            return _Cause(f"cannot resolve {to}{host}{why}", f"{check} and the network", unsent=True)
        if isinstance(error, NewConnectionError):
            cause = error.__cause__
            why = _os_reason(cause) if isinstance(cause, OSError) else "no connection"
            up = "that the proxy is up" if proxy else "that the server is up"
            down = up if isinstance(cause, ConnectionRefusedError) else "the network"
            where = _endpoint(error) or "the server"
            return _Cause(f"cannot connect to {to}{where}: {why}", f"{check} and {down}", unsent=True)
        if isinstance(error, ConnectTimeoutError):
            where = _endpoint(error) or "the server"
            fix = f"{check} and the network"
            return _Cause(f"cannot connect to {to}{where}: timed out", fix, unsent=True)
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


def _message_of(response: requests.Response) -> tuple[str, list[str], list[str], dict[str, str | None]]:
    """GitHub's message, its ``errors`` as text (objects or plain strings), every field it names,
    and the fields whose value it refuses, each with the value it quotes (None when it quotes none).

    GitHub names a refused field in three shapes, all read here (:func:`_named_fields`). All
    bounded: an answer may carry 100 KB of errors, and the message travels to the user in gRPC
    metadata, which has a size limit.
    """
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return bounded(response.reason or f"HTTP {response.status_code}", _MAX_MESSAGE), [], [], {}
    if not isinstance(body, dict):
        return bounded(str(body), _MAX_MESSAGE), [], [], {}
    said = str(body.get("message") or response.reason or "")
    message = bounded(said, _MAX_MESSAGE)
    items = body.get("errors")
    # A list of objects or strings; GitHub's refusal of an API version gives one string.
    items = items if isinstance(items, list) else [items] if isinstance(items, str) else []
    errors: list[str] = []
    fields: list[str] = []
    for item in items[:_MAX_ERRORS]:
        if isinstance(item, dict):
            if item.get("field"):
                fields.append(bounded(str(item["field"]), 60))
            text = item.get("message") or " ".join(str(item[k]) for k in ("field", "code") if item.get(k))
            errors.append(bounded(str(text), _MAX_ERROR_TEXT))
        else:
            errors.append(bounded(str(item), _MAX_ERROR_TEXT))
    if len(items) > _MAX_ERRORS:
        errors.append(f"and {len(items) - _MAX_ERRORS} more left out")
    refused = _named_fields(said, items[:_MAX_ERRORS])
    return message, errors, [*fields, *(f for f in refused if f not in fields)], refused


# GitHub names a refused field of a request body in one of three shapes:
# (a) "Validation Failed" with error objects {"resource", "field", "code", "value"?} (GitHub's REST
#     docs, "Client errors"; the private-registries endpoints answer a missing field so);
# (b) its OpenAPI validation, with no error objects, the field and the value it refused in the
#     message: 'Invalid request.\n\nFor \'properties/auth_type\', "oidc_gcp" is not a member of
#     enum.' (a GHES release refusing an auth type it does not know, issue #17), also type errors,
#     as clients quote them: "For 'items', nil is not a string or object." (ixxmu/mp_duty#3639) or
#     "For 'properties/enabled', \"false\" is not a boolean";
# (c) plain strings: "registry_type must be one of: maven_repository, nuget_feed, ..." under
#     "Failed to create private registry configuration" (github.com refusing hex_organization, May
#     2026, issue #17).
# GitHub's text is cut before it is read, and read with str.partition, never a backtracking regex.
_FIELD_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,59}")
_MAX_READ: Final = 4000
_NAMED_AT: Final = "For '"
_PROPERTIES: Final = "properties/"


def _named_fields(message: str, items: list[Any]) -> dict[str, str | None]:
    """The fields whose value GitHub's answer refuses (shapes (a), (b), (c) above), each with the
    value it quotes. A field missing or a registry that exists already is no refused value: a
    note about an unsupported type would be wrong there."""
    named: dict[str, str | None] = {}

    def note(field: Any, value: Any = None) -> None:
        if isinstance(field, str) and _FIELD_NAME.fullmatch(field) and len(named) < _MAX_ERRORS * 2:
            quoted = None if value is None else bounded(str(value), 60)
            if named.get(field) is None:
                named[field] = quoted

    for item in items:
        if isinstance(item, dict) and item.get("code") in (None, "invalid"):  # (a) a value refused
            note(item.get("field"), item.get("value"))
        elif isinstance(item, str):  # (c) "<field> must be one of: ..." or "<field> is not ..."
            field, _, rest = item[:_MAX_READ].partition(" ")
            if rest.startswith(("must be one of", "is not ")):
                note(field)
    for piece in message[:_MAX_READ].split(_NAMED_AT)[1 : _MAX_ERRORS + 1]:  # (b)
        path, closed, rest = piece.partition("', ")
        value, known, _ = rest.partition(" is not ")
        if closed and known:
            # A schema path: properties/<field>[/items...]; the field is its first property.
            note(path.removeprefix(_PROPERTIES).partition("/")[0], _unquoted(value))
    return named


def _unquoted(value: str) -> str:
    """A value as GitHub's validator quotes it: a JSON string's text, else as it is (5, nil)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            text = json.loads(value)
        except ValueError:
            return value
        return text if isinstance(text, str) else value
    return value


@dataclass(frozen=True)
class _Asked:
    """What an error about one request may say besides GitHub's answer."""

    token_source: str | None = None
    """Where the token came from, for the 401 that asks to change it."""
    refused: str | None = None
    """What a 401 means instead (a GitHub App's JWT refused: its key)."""
    permission_hint: str | None = None
    """What a 403 means for these credentials (a GitHub App's permission)."""
    enterprise_version: str | None = None
    """The GitHub Enterprise Server release that answered, if one did."""
    api_version: str = ""
    body: Mapping[str, Any] | None = None


def _raise_for(method: str, request: str, response: requests.Response, asked: _Asked = _Asked()) -> None:
    """Map a non-2xx answer onto the exception tree: the one place statuses become errors."""
    status = response.status_code
    if status < 400:
        return
    message, errors, fields, refused = _message_of(response)
    release = f"GitHub Enterprise Server {asked.enterprise_version}" if asked.enterprise_version else None
    if status == 401:
        raise AuthenticationError(request, message, asked.token_source, asked.refused)
    wait = rate_limit_wait(status, response.headers, message, time.time())
    if wait is not None:
        raise RateLimited(request, status, time.time() + wait, message)
    if status == 403:
        raise PermissionDenied(request, message, asked.permission_hint)
    if status == 404:
        if release and "/private-registries" in request:
            raise NotFound(
                request,
                message,
                f"{release} answers 404 here: this release has no private-registries API (it came in "
                "a later one), or the organization does not exist or the token cannot see it",
            )
        raise NotFound(request, message)
    said = " ".join([message, *errors]).lower()
    if status == 400 and ("api-version" in said or "api version" in said):
        raise GitHubError(
            request,
            f"GitHub does not accept API version {asked.api_version} ({'; '.join(errors) or message}): set "
            "github-private-registry:apiVersion or GITHUB_API_VERSION to one this server supports "
            "(GitHub Enterprise Server: 2022-11-28)",
            status=status,
        )
    if status == 422:
        raise ValidationFailed(request, message, errors, fields, _refusal_note(refused, asked, release))
    if status >= 500:
        if method not in _RESENDABLE:
            # A 5xx does not say whether GitHub applied the request before failing.
            raise OutcomeUnknown(request, f"only a {status} answer: {message}")
        raise ServerError(request, status, message)
    raise GitHubError(request, f"GitHub answered {status}: {message}", status=status)


def _refusal_note(named: Mapping[str, str | None], asked: _Asked, release: str | None) -> str | None:
    """What GitHub's words leave out when it refuses a registry or auth type it does not offer.

    The value is the one we sent (GitHub's quote of it only when we sent none). A GHES release
    offers what its own API knew; github.com may list a registry type in its API description and
    still refuse it (hex_organization and hex_repository, May 2026): those are accepted here, and
    their refusal named for what it is.
    """
    notes = []
    for field in ("registry_type", "auth_type"):
        if field not in named:
            continue
        sent = (asked.body or {}).get(field)
        value = sent if isinstance(sent, str) and sent else named[field]
        if not value:
            continue
        if release:
            notes.append(f"{release} does not offer {field} {bounded(value, 60)}")
        elif field == "registry_type" and value in schema.REGISTRY_TYPES:
            notes.append(
                f"GitHub does not accept registry_type {value} yet, though its API description lists it"
            )
    return "; ".join(notes) or None


def _json(response: requests.Response, request: str) -> Any:
    """The JSON body of a 2xx answer, or :class:`MalformedResponse` naming what came instead."""
    try:
        return response.json()
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the parser's recursion
        kind = bounded(response.headers.get("Content-Type") or "no content type", 60)
        size = len(response.content or b"")
        what = "an empty body" if not size else f"{size} bytes of {kind}"
        raise MalformedResponse(request, f"{what}, not JSON", response.status_code) from None


_RECORD_TYPES: Final[Mapping[str, type]] = {
    **{f: str for f in schema.RESPONSE_FIELDS},
    "replaces_base": bool,
    "selected_repository_ids": list,
}


def _record(data: Any, request: str, *, name: str | None = None) -> dict[str, Any]:
    """A registry as GitHub documents it; anything else is :class:`MalformedResponse`.

    ``name``: the registry asked for, which the answer must be.
    """
    if not isinstance(data, dict):
        raise MalformedResponse(request, f"a registry must be a JSON object, got {type(data).__name__}")
    if not schema.is_configuration_name(data.get("name")):
        raise MalformedResponse(request, "a registry without a valid name")
    if name is not None and data["name"].upper() != name.upper():
        raise MalformedResponse(request, "the answer is about another registry")
    # GitHub's schema requires both times, and every answer it documents has them. A state
    # without them is how the core knows a create a cancel left unresolved (lifecycle._unresolved),
    # so a record without them must never become a state.
    if not isinstance(data.get("updated_at"), str) or not isinstance(data.get("created_at"), str):
        raise MalformedResponse(request, "a registry without its 'created_at' and 'updated_at' times")
    for field, kind in _RECORD_TYPES.items():
        value = data.get(field)
        if value is not None and not isinstance(value, kind):
            raise MalformedResponse(request, f"'{field}' is a {type(value).__name__}, not a {kind.__name__}")
    ids = data.get("selected_repository_ids")
    if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise MalformedResponse(request, "'selected_repository_ids' must hold integers")
    return data


def _configurations(data: Any, request: str) -> list[dict[str, Any]]:
    """The registries of one page of an org's list."""
    items = data.get("configurations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise MalformedResponse(request, "no 'configurations' list in the org's list")
    return [_record(item, request) for item in items]


def _array(data: Any, request: str) -> list[Any]:
    """The items of one page of a listing that answers a JSON array."""
    if not isinstance(data, list):
        raise MalformedResponse(request, f"a {type(data).__name__}, not a JSON list")
    return data


def _page_key(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    return unquote(parts.path).lower(), tuple(sorted(parse_qsl(parts.query)))


def _redirect_target(location: str, url: str, base_url: str) -> tuple[str, str | None]:
    """The redirect's target as it may be shown, and the base URL it suggests (None if none does).

    Shown without user-info, query or fragment, and bounded: it comes from whoever answered.
    """
    unusable = "an unusable Location"  # not quoted: an odd one may carry anything in its query
    try:
        target = urlsplit(urljoin(url, location.strip()))
        host, port = target.hostname or "", target.port
    except ValueError:  # a malformed host or port
        return unusable, None
    if target.scheme not in ("http", "https") or not host:
        return unusable, None
    netloc = host if port is None else f"{host}:{port}"
    shown = bounded(urlunsplit((target.scheme, netloc, target.path, "", "")), 200)
    tail = urlsplit(url).path[len(urlsplit(base_url).path) :]
    suggestion = None
    if tail and target.path.endswith(tail):
        suggestion = bounded(urlunsplit((target.scheme, netloc, target.path[: -len(tail)], "", "")), 200)
    return shown, suggestion


@dataclass
class RetryBudget:
    """What an operation has spent waiting on rate limits: shared by all its requests."""

    waited: float = 0.0
    retries: int = 0


@contextmanager
def operation_budget() -> Iterator[RetryBudget]:
    """One budget of rate-limit waits for every request the current thread sends in the block.

    An operation (a create lists, fetches the key, posts) gets ``max_retry_wait`` seconds and
    ``max_rate_limit_retries`` waits in all, not that much for each of its requests.
    """
    budget = RetryBudget()
    _current.budget = budget
    try:
        yield budget
    finally:
        _current.budget = None


class _Session(requests.Session):
    """A session that never looks at a redirect: requests would otherwise read a 3xx's whole body
    (unbounded) to prepare a redirect that is never sent; ``_send`` reads ``Location`` itself.

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


class GitHubClient:
    """GitHub's REST API for organization private registries.

    Thread-safe; share one per (base URL, token). The token is kept in the session's headers only:
    it appears in no message, log line or repr. ``base_url_source`` names where the base URL came
    from (a config key, an environment variable, a flag) in errors that ask to change it.
    """

    def __init__(
        self,
        token: str | Credentials | None,
        base_url: str | None = None,
        *,
        limits: Limits | None = None,
        throttle: Throttle | None = None,
        base_url_source: str = "github:baseUrl",
        token_source: str | None = None,
        api_version: str | None = None,
    ) -> None:
        from .credentials import StaticTokens

        self.base_url = normalize_base_url(base_url, base_url_source)
        # Named in the errors that ask to change them: the config key, variable or flag in use.
        self._base_url_source = where(base_url_source)
        self.limits = limits or (throttle.limits if throttle else Limits())
        self._throttle = throttle or Throttle(self.limits)
        if token is None or isinstance(token, str):
            token = StaticTokens(clean_token(token, token_source or "the token"), default_source=token_source)
        self._credentials: Credentials = token
        self.api_version = api_version or default_api_version(self.base_url)
        self.enterprise_version: str | None = None
        """The GitHub Enterprise Server release that answered (its ``X-GitHub-Enterprise-Version``)."""
        self._watchdog = _Watchdog()
        self._session = _Session(direct=is_loopback(urlsplit(self.base_url).hostname or ""))
        # Session-level auth: without it requests would take a .netrc entry (or URL user-info) for
        # GitHub's host and send Basic auth instead of our token. Each request sets its own token.
        self._session.auth = _BearerAuth(None)
        adapter = _TimedAdapter(
            max_retries=_transport_retry(self.limits),
            pool_connections=4,
            pool_maxsize=max(4, self.limits.max_concurrency),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": self.api_version,
                "User-Agent": USER_AGENT,
            }
        )

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self.base_url!r})"

    @property
    def cancellation(self) -> Cancellation:
        """The cancel this client's requests and waits end on."""
        return self._throttle.cancellation

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    # --- the six endpoints ---------------------------------------------------------------------

    def list_registries(self, org: str) -> list[dict[str, Any]]:
        """Every private registry of ``org``, following ``Link`` pagination (100 a page).

        Only to further pages of the same org's list on the same origin, never to a page already
        read, and at most :data:`MAX_PAGES` pages: anything else is :class:`MalformedResponse`.
        """
        return self._every_page(self._url(org), _configurations, org=org)

    def create_registry(self, org: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new registry; returns GitHub's 201 body (with ``selected_repository_ids``).

        A 2xx whose body is not a registry leaves it unknown whether one was made: that is
        :class:`~.errors.OutcomeUnknown`, for the caller to resolve by looking it up.
        """
        url = self._url(org)
        request = f"POST {urlsplit(url).path}"
        name = schema.configuration_name(str(body.get("registry_type")))
        try:
            return _record(_json(self._send("POST", url, body, org=org), request), request, name=name)
        except MalformedResponse as exc:
            raise OutcomeUnknown(request, f"an answer whose body is unusable: {exc.detail}") from None

    def get_public_key(self, org: str) -> PublicKey:
        """The org's private-registries public key, for sealing values."""
        url = self._url(org, "public-key")
        request = f"GET {urlsplit(url).path}"
        data = _json(self._send("GET", url, org=org), request)
        key_id = data.get("key_id") if isinstance(data, dict) else None
        key = data.get("key") if isinstance(data, dict) else None
        if isinstance(key_id, int) and not isinstance(key_id, bool):
            key_id = str(key_id)
        if not isinstance(key_id, str) or not 0 < len(key_id) <= 100 or not key_id.isprintable():
            raise MalformedResponse(request, "no usable 'key_id'")
        try:
            raw = base64.b64decode(key, validate=True) if isinstance(key, str) else b""
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise MalformedResponse(request, "'key' is not a base64 X25519 public key")
        return PublicKey(key_id=key_id, key=str(key))

    def get_registry(self, org: str, name: str, *, expect_exists: bool = False) -> dict[str, Any]:
        """One registry by name (no value, no repository ids).

        With ``expect_exists`` (right after our own write) a 404 is retried briefly before it
        counts: GitHub's reads can lag its writes.
        """
        url = self._url(org, name)
        request = f"GET {urlsplit(url).path}"
        attempts = self.limits.consistency_retries if expect_exists else 0
        for attempt in range(attempts + 1):
            try:
                return _record(_json(self._send("GET", url, org=org), request), request, name=name)
            except NotFound:
                if attempt == attempts:
                    raise
                self._throttle.cancellation.wait(min(2.0, 0.25 * 2**attempt), request)
        raise AssertionError("unreachable")

    def update_registry(self, org: str, name: str, body: Mapping[str, Any]) -> None:
        """PATCH a registry; GitHub answers 204 with no body."""
        self._no_content("PATCH", self._url(org, name), org, body)

    def delete_registry(self, org: str, name: str) -> None:
        """DELETE a registry; raises :class:`~.errors.NotFound` when it is already gone."""
        self._no_content("DELETE", self._url(org, name), org)

    def _no_content(self, method: str, url: str, org: str, body: Mapping[str, Any] | None = None) -> None:
        """A write GitHub answers with 204: any other success (a proxy's sign-in page with 200) is
        not proof that GitHub applied it, and taking it for one would lose a registry or a secret."""
        response = self._send(method, url, body, org=org)
        if response.status_code != 204:
            raise MalformedResponse(
                f"{method} {urlsplit(url).path}",
                f"{response.status_code} instead of 204 No Content",
                response.status_code,
            )

    # --- sending ------------------------------------------------------------------------------

    def _url(self, org: str, tail: str | None = None) -> str:
        """The endpoint's URL; an org or name that could move the path is refused before sending."""
        if schema.org_problem(org) is not None or (
            tail is not None and tail != "public-key" and not schema.is_configuration_name(tail)
        ):
            raise GitHubError(
                "(not sent)",
                f"refusing a request for org {bounded(repr(org), 60)}"
                + (f" and name {bounded(repr(tail), 60)}" if tail else "")
                + ": not an organization login and configuration name",
            )
        url = f"{self.base_url}orgs/{quote(org, safe='')}/private-registries"
        return f"{url}/{quote(tail, safe='')}" if tail else url

    def _send(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None = None,
        *,
        org: str | None = None,
        app: AppSigner | None = None,
    ) -> requests.Response:
        """Send one request through the throttle, waiting out rate limits; raise on failure.

        The token is ``app``'s JWT (a GitHub App's own endpoints) or the credentials' for ``org``; a
        refused one is renewed once if that may help: an App's installation token, or a JWT whose
        times GitHub's clock (its ``Date``) shows were off. Bounded: at most
        ``max_rate_limit_retries`` waits, adding up to ``max_retry_wait`` at most, for the request
        or, inside :func:`operation_budget`, for the whole operation.
        """
        request = f"{method} {urlsplit(url).path}"
        budget: RetryBudget = getattr(_current, "budget", None) or RetryBudget()
        auth = app.jwt() if app is not None else self._credentials.token(org, self)
        renewed = False
        while True:  # bounded: each pass spends one of the budget's retries or the one renewal
            response = self._attempt(method, url, body, request, auth)
            status = response.status_code
            if status == 401 and auth and not renewed:
                if app is not None and app.retime(
                    http_date(response.headers.get("Date")), auth, _message_of(response)[0]
                ):
                    renewed = True
                    auth = app.jwt()
                    continue
                if app is None and self._credentials.renew(org, auth):
                    renewed = True
                    auth = self._credentials.token(org, self)
                    continue
            if 300 <= status < 400:
                shown, suggestion = _redirect_target(
                    response.headers.get("Location") or "", url, self.base_url
                )
                raise Redirected(request, status, shown, suggestion, self._base_url_source)
            if status < 300:
                return response
            message, *_ = _message_of(response)
            wait = rate_limit_wait(status, response.headers, message, time.time())
            if (
                wait is None
                or budget.waited + wait > self.limits.max_retry_wait
                or budget.retries >= self.limits.max_rate_limit_retries
            ):
                hint = None
                if status == 403 and wait is None:  # not a rate limit: the credentials may say why
                    hint = self._credentials.permission_hint(org if app is None else None, self)
                asked = _Asked(
                    token_source=self._credentials.source(org) if app is None else None,
                    refused=app.refused_key(message) if app is not None and status == 401 else None,
                    permission_hint=hint,
                    enterprise_version=self.enterprise_version,
                    api_version=self.api_version,
                    body=body,
                )
                _raise_for(method, request, response, asked)
            assert wait is not None
            log.warning("%s", redact(f"{request}: GitHub rate limit, waiting {wait:.0f} s"))
            budget.waited += wait
            budget.retries += 1
            self._throttle.pause_until(time.time() + wait)

    def _attempt(
        self, method: str, url: str, body: Mapping[str, Any] | None, request: str, token: str | None
    ) -> requests.Response:
        """One request (with urllib3's transport retries), each attempt under its deadline."""
        cancellation = self._throttle.cancellation
        self._throttle.acquire(method, request=request)
        grace = cancellation.admit(request)  # None, or what is left of a lookup's grace
        deadline = _Deadline(
            self.limits.timeout if grace is None else min(grace, self.limits.timeout), self._watchdog
        )
        _current.deadline = deadline
        _current.cancellation = cancellation
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
            self._read_body(response, request)
            self._note_release(response)
            if deadline.expired:
                # Shut down mid-answer: what arrived may look complete (headers cut at a line end).
                raise requests.ConnectionError("the deadline passed")
            return response
        except requests.RequestException as exc:
            raise self._transport_error(method, request, exc, deadline.expired) from None
        finally:
            cancellation.on_wire(deadline, False)
            deadline.disarm()
            _current.deadline = None
            _current.cancellation = None
            self._throttle.release()

    def _note_release(self, response: requests.Response) -> None:
        """Keep the GitHub Enterprise Server release that answered (read once, then kept)."""
        if self.enterprise_version is None:
            release = response.headers.get("X-GitHub-Enterprise-Version") or ""
            if _RELEASE_RE.fullmatch(release):
                self.enterprise_version = release

    # --- a GitHub App's own endpoints (authenticated with its JWT) -----------------------------

    def get_org_installation(self, org: str, app: AppSigner) -> int:
        """The id of the App's installation in ``org``; :class:`~.errors.NotFound` when not installed.

        An answer whose installation belongs to another account is refused: its token would be
        another account's.
        """
        self._url(org)  # refuses an org that could move the path
        url = f"{self.base_url}orgs/{quote(org, safe='')}/installation"
        request = f"GET {urlsplit(url).path}"
        data = _json(self._send("GET", url, app=app), request)
        installation = data.get("id") if isinstance(data, dict) else None
        if not isinstance(installation, int) or isinstance(installation, bool) or installation <= 0:
            raise MalformedResponse(request, "no usable installation 'id'")
        owner = self._login(data.get("account"), request)
        if owner.lower() != org.lower():
            raise MalformedResponse(
                request, f"the installation it names belongs to '{owner}', not to '{org}'"
            )
        return installation

    def get_installation_account(self, installation: int, app: AppSigner) -> str:
        """The login of the account an installation of the App belongs to (``GET
        /app/installations/{installation_id}``)."""
        url = f"{self.base_url}app/installations/{int(installation)}"
        request = f"GET {urlsplit(url).path}"
        data = _json(self._send("GET", url, app=app), request)
        return self._login(data.get("account") if isinstance(data, dict) else None, request)

    def create_installation_token(self, installation: int, app: AppSigner) -> tuple[str, float]:
        """A new installation token and how many seconds it lasts (by GitHub's clock, at most an hour).

        Asking again is harmless (GitHub issues another token), so an answer lost or a 5xx is a
        plain failure, never an unknown outcome.
        """
        url = f"{self.base_url}app/installations/{int(installation)}/access_tokens"
        request = f"POST {urlsplit(url).path}"
        try:
            response = self._send("POST", url, {}, app=app)
        except OutcomeUnknown as exc:
            raise GitHubError(request, f"no installation token: {exc.detail}", status=exc.status) from None
        data = _json(response, request)
        token = data.get("token") if isinstance(data, dict) else None
        expires = data.get("expires_at") if isinstance(data, dict) else None
        if not isinstance(token, str) or not 0 < len(token) <= 500 or not token.isascii() or " " in token:
            raise MalformedResponse(request, "no usable 'token'")
        remember_secret(token)
        try:
            expires_at = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        except ValueError:
            raise MalformedResponse(request, "no usable 'expires_at'") from None
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)  # GitHub's times are UTC
        # Measured against GitHub's own clock (its Date header), so that a skewed local clock
        # neither renews at every request nor keeps a dead token; bounded to an hour.
        issued = http_date(response.headers.get("Date")) or datetime.now(timezone.utc)
        if issued.tzinfo is None:
            issued = issued.replace(tzinfo=timezone.utc)
        lifetime = min(3600.0, max(60.0, (expires_at - issued).total_seconds()))
        return token, lifetime

    # --- what a credential can see (``discover --all-orgs``) -----------------------------------

    def list_user_orgs(self) -> list[str]:
        """The logins of the organizations the token's user belongs to: ``GET /user/orgs``, every page.

        GitHub lists only public memberships to a classic token without ``read:org``.
        """
        url = f"{self.base_url}user/orgs"
        request = f"GET {urlsplit(url).path}"
        with self._listing(request, "the organizations of the token's user"):
            return [self._login(item, request) for item in self._every_page(url)]

    def list_app_installations(self, app: AppSigner) -> list[tuple[int, str]]:
        """The App's installations on organizations as (installation id, login): ``GET
        /app/installations`` with the App's JWT, every page; those on a user account are left out."""
        url = f"{self.base_url}app/installations"
        request = f"GET {urlsplit(url).path}"
        found: list[tuple[int, str]] = []
        with self._listing(request, "the installations of a GitHub App"):
            items = self._every_page(url, app=app)
        for item in items:
            account = item.get("account") if isinstance(item, dict) else None
            installation = item.get("id") if isinstance(item, dict) else None
            if (
                not isinstance(installation, int)
                or isinstance(installation, bool)
                or installation <= 0
                or not isinstance(account, dict)
            ):
                raise MalformedResponse(request, "an installation without a usable 'id' and 'account'")
            if (item.get("target_type") or account.get("type")) == "Organization":
                found.append((installation, self._login(account, request)))
        return found

    @contextmanager
    def _listing(self, request: str, what: str) -> Iterator[None]:
        """A 404 on a listing of what a credential sees is no missing organization: the server at
        the base URL does not serve the list (another server, a proxy, a wrong path)."""
        try:
            yield
        except NotFound as exc:
            raise NotFound(
                request,
                exc.message,
                f"the server at {self.base_url} does not list {what}: check the base URL "
                f"({self._base_url_source})",
            ) from None

    def _every_page(
        self,
        first: str,
        items: Callable[[Any, str], list[Any]] = lambda data, request: _array(data, request),
        *,
        org: str | None = None,
        app: AppSigner | None = None,
    ) -> list[Any]:
        """The items of a listing (``items`` takes them out of one page), following ``Link`` pagination.

        Only to further pages of the same list on the same origin, never to a page already read, and
        at most :data:`MAX_PAGES` pages: anything else is :class:`MalformedResponse`.
        """
        url = first + "?per_page=100"
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        found: list[Any] = []
        for _ in range(MAX_PAGES):
            seen.add(_page_key(url))
            response = self._send("GET", url, org=org, app=app)
            request = f"GET {urlsplit(url).path}"
            found.extend(items(_json(response, request), request))
            link = response.links.get("next", {}).get("url")
            if not link:
                return found
            try:
                url = urljoin(url, link)
                elsewhere = _origin(url) != _origin(self.base_url) or _page_key(url)[0] != _page_key(first)[0]
            except ValueError:  # a malformed host or port
                raise MalformedResponse(request, "its next-page link is not a valid URL") from None
            if elsewhere:
                # The session would send the token along, and another org's registries are not ours.
                mine = "this org's list" if org else "this list"
                raise MalformedResponse(request, f"its next-page link leaves the configured API or {mine}")
            if _page_key(url) in seen:
                raise MalformedResponse(request, "its next-page link points back at a page already read")
        raise MalformedResponse(f"GET {urlsplit(first).path}", f"the list runs on past {MAX_PAGES} pages")

    @staticmethod
    def _login(item: Any, request: str) -> str:
        """An account's ``login``, which must be an organization login (it goes into later paths)."""
        login = item.get("login") if isinstance(item, dict) else None
        if schema.org_problem(login) is not None:
            raise MalformedResponse(request, "an account without a valid 'login'")
        assert isinstance(login, str)
        return login

    @staticmethod
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

    def _transport_error(
        self, method: str, request: str, exc: requests.RequestException, expired: bool
    ) -> GitHubError:
        # The reason's text may quote the URL or a header: it is redacted, and its end is kept.
        if expired and self._throttle.cancellation.cancelled:
            if method in _RESENDABLE or not _was_sent(exc):
                return Cancelled(request)
            cause = "the operation was cancelled before GitHub answered"
        elif expired:
            cause = f"no complete answer within {self.limits.timeout:g} s"
        else:
            # Every token in use was registered for redaction (credentials.remember_secret).
            found = _cause_of(exc, self._base_url_source)
            cause = bounded(redact(found.text), 240, keep="end")
            if found.unsent:  # never connected: nothing was sent, whatever the method
                return TransportError(request, cause, fix=found.fix)
            if method in _RESENDABLE or not _was_sent(exc):
                return TransportError(request, cause, fix=found.fix)
        if method not in _RESENDABLE and _was_sent(exc):
            return OutcomeUnknown(request, cause)
        return TransportError(request, cause)
