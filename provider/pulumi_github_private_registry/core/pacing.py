"""Pacing: how fast, how often and how long the client may ask GitHub.

A configuration's :class:`Limits`; its :class:`Throttle` (a cap on requests in flight, writes spaced
on the process's one :class:`Pacing` clock, the pause a rate limit asks for); the process's
:class:`Cancellation`; GitHub's rate-limit rules (:func:`rate_limit_wait`); and the
:class:`RetryBudget` of rate-limit waits that one operation spends, in all its requests.

Nothing here sends a request: the transport and the client, which import it, ask it when they may.
"""

from __future__ import annotations

import email.utils
import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final, ParamSpec, Protocol, TypeVar

from .errors import Cancelled

if TYPE_CHECKING:
    from .settings import Settings

__all__ = [
    "CANCEL_CUT",
    "CANCEL_GRACE",
    "RATE_LIMIT_FLOOR",
    "WRITES",
    "Cancellation",
    "Limits",
    "Pacing",
    "RetryBudget",
    "Throttle",
    "budgeted",
    "current_budget",
    "http_date",
    "limits_for",
    "operation_budget",
    "process_cancellation",
    "process_throttle",
    "rate_limit_wait",
]

P = ParamSpec("P")
T = TypeVar("T")

WRITES: Final = frozenset({"POST", "PATCH", "DELETE"})
"""The methods spaced by ``Limits.write_interval``."""
# A rate limit that says "retry after 0 s" (or a date in the past) still waits this long: without a
# floor, such answers make a busy loop of requests.
RATE_LIMIT_FLOOR: Final = 1.0
# A rate-limit wait longer than this is no longer a wait (a hostile Retry-After of 30 digits).
_MAX_RATE_LIMIT_WAIT: Final = 86_400.0


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


class OnWire(Protocol):
    """A request on the wire, as a cancel sees it: what can be cut (the transport's deadline)."""

    def cut(self, until: float) -> None:
        """End this request, and any later attempt of it, by ``until`` (monotonic seconds)."""


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
        self._on_wire: set[OnWire] = set()
        self._grace = threading.local()
        self.why = ""
        """Who cancelled, in the door's words (see :meth:`cancel`)."""

    def cancel(self, why: str = "") -> None:
        """Cancel every operation of the process, now and from now on; ``why``: who cancelled, in
        the door's words, which every message of a cancelled operation gives."""
        with self._lock:
            if self._event.is_set():
                return
            self.why = why
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
            raise Cancelled(request, self.why)

    def admit(self, request: str) -> float | None:
        """Before a request starts: None, or after a cancel the seconds left of this thread's grace.
        Raises :class:`~.errors.Cancelled` when it may not start."""
        if not self._event.is_set():
            return None
        left = self._until - time.monotonic()
        if not getattr(self._grace, "open", False) or left <= 0:
            raise Cancelled(request, self.why)
        return left

    @contextmanager
    def grace(self) -> Iterator[None]:
        """Let this thread's requests in the block start after a cancel, within its grace."""
        self._grace.open = True
        try:
            yield
        finally:
            self._grace.open = False

    def on_wire(self, deadline: OnWire, sending: bool) -> None:
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
            if method in WRITES:
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


# --- the retry budget: one per operation ------------------------------------------------------------


@dataclass
class RetryBudget:
    """What an operation has spent waiting on rate limits: shared by all its requests."""

    waited: float = 0.0
    retries: int = 0


_operation = threading.local()
"""The :class:`RetryBudget` of the operation this thread is running, if any."""


@contextmanager
def operation_budget() -> Iterator[RetryBudget]:
    """One budget of rate-limit waits for every request the current thread sends in the block.

    An operation (a create lists, fetches the key, posts) gets ``max_retry_wait`` seconds and
    ``max_rate_limit_retries`` waits in all, not that much for each of its requests.
    """
    budget = RetryBudget()
    _operation.budget = budget
    try:
        yield budget
    finally:
        _operation.budget = None


def current_budget() -> RetryBudget | None:
    """The budget of the operation this thread is running; None outside :func:`operation_budget`."""
    budget: RetryBudget | None = getattr(_operation, "budget", None)
    return budget


def budgeted(operation: Callable[P, T]) -> Callable[P, T]:
    """Declare ``operation`` one operation at GitHub: its requests share one :func:`operation_budget`.

    A decorator rather than a list of names, so that renaming an operation keeps its budget.
    """

    @functools.wraps(operation)
    def within_budget(*args: P.args, **kwargs: P.kwargs) -> T:
        with operation_budget():
            return operation(*args, **kwargs)

    return within_budget
