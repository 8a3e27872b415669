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
* the :class:`Throttle`, shared process-wide, caps concurrent requests and spaces writes, and makes
  every thread pause when one learns that the limit is hit.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from . import __version__
from .crypto import PublicKey
from .errors import (
    AuthenticationError,
    GitHubError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
    ValidationFailed,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "GitHubClient",
    "Limits",
    "PublicKey",
    "Throttle",
    "normalize_base_url",
    "rate_limit_wait",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.github.com/"
API_VERSION: Final = "2026-03-10"
USER_AGENT: Final = f"pulumi-github-private-registry/{__version__}"
_WRITES: Final = frozenset({"POST", "PATCH", "DELETE"})
# Methods whose request can be sent again without harm: urllib3 resends them; any other request
# sent without a usable answer has an unknown outcome.
_RESENDABLE: Final = frozenset({"GET", "PATCH", "DELETE"})
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def normalize_base_url(url: str | None) -> str:
    """The REST API root for a configured base URL, always ending in ``/``.

    ``https://github.com`` and ``https://api.github.com`` mean github.com; ``https://NAME.ghe.com``
    means GHE.com's ``https://api.NAME.ghe.com/``; any other host is GitHub Enterprise Server,
    whose API lives under ``/api/v3/`` (added when the URL has no path, as pulumi-github does). A
    loopback URL is taken as given: that is the emulator.
    """
    if not url:
        return DEFAULT_BASE_URL
    url = url.strip()
    if not url.endswith("/"):
        url += "/"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"github:baseUrl must be an absolute http(s) URL, got {url!r}")
    if host in ("github.com", "api.github.com"):
        return DEFAULT_BASE_URL
    if host.endswith(".ghe.com"):
        if not host.startswith("api."):
            host = "api." + host
        return f"https://{host}/"
    if host not in _LOOPBACK and parts.path in ("", "/"):
        return url + "api/v3/"
    return url


@dataclass(frozen=True)
class Limits:
    """How the client paces itself; defaults follow GitHub's documented secondary limits.

    GitHub allows at most 100 concurrent requests and asks integrators to wait at least one second
    between writes (80 a minute at most): ``write_interval`` does the latter, like pulumi-github's
    ``writeDelayMs``. ``max_retry_wait`` bounds the total time spent waiting on rate limits for one
    request.
    """

    max_concurrency: int = 4
    write_interval: float = 1.0
    max_retry_wait: float = 120.0
    timeout: float = 30.0
    retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    consistency_retries: int = 4


class Throttle:
    """Process-wide pacing: a cap on requests in flight, write spacing, and a shared pause.

    One provider process serves every resource of a deployment on several threads; they all share
    one throttle so the limits hold for the process, not per thread.
    """

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._slots = threading.BoundedSemaphore(max(1, limits.max_concurrency))
        self._lock = threading.Lock()
        self._next_write = 0.0
        self._paused_until = 0.0

    @property
    def limits(self) -> Limits:
        """The limits this throttle enforces."""
        return self._limits

    def pause_until(self, when: float) -> None:
        """Hold every request until ``when`` (epoch seconds): GitHub said the limit is hit."""
        with self._lock:
            self._paused_until = max(self._paused_until, when)

    def acquire(self, method: str, clock: Callable[[], float] = time.time) -> None:
        """Wait for a slot, the end of any pause and, for a write, its turn."""
        self._slots.acquire()
        try:
            with self._lock:
                start = max(clock(), self._paused_until)
                if method in _WRITES:
                    start = max(start, self._next_write)
                    self._next_write = start + self._limits.write_interval
            delay = start - clock()
            if delay > 0:
                time.sleep(delay)
        except BaseException:
            self._slots.release()
            raise

    def release(self) -> None:
        """Give the slot back."""
        self._slots.release()


# --- rate limits: small rules, read from GitHub's answer -------------------------------------


def _header_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date) or a spent primary limit."""
    retry_after = headers.get("Retry-After")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
        return max(0.0, float(headers["x-ratelimit-reset"]) - now) + 1.0
    return None


def rate_limit_wait(status: int, headers: Mapping[str, str], message: str, now: float) -> float | None:
    """How long GitHub asks us to wait, or None when the answer is not a rate limit.

    GitHub's rules: obey ``Retry-After``; else with ``x-ratelimit-remaining: 0`` wait for
    ``x-ratelimit-reset``; else a secondary limit with neither header means at least a minute.
    A 403 that says none of this is a permission problem, not a rate limit.
    """
    if status not in (403, 429):
        return None
    wait = _header_seconds(headers, now)
    if wait is not None:
        return wait
    if status == 429 or "rate limit" in message.lower():
        return 60.0
    return None


def _transport_retry(limits: Limits) -> Retry:
    # POST is left out of allowed_methods: a create sent but unanswered must not be sent twice.
    # urllib3 still retries connect errors for every method, since nothing reached GitHub.
    # Retry-After is not urllib3's business: it would sleep it on a 429 or 503 without bound,
    # outside the throttle; rate limits are waited on in GitHubClient._send.
    return Retry(
        total=limits.retries,
        connect=limits.retries,
        read=limits.retries,
        status=limits.retries,
        other=0,
        allowed_methods=_RESENDABLE,
        status_forcelist=(500, 502, 503, 504),
        backoff_factor=limits.backoff_factor,
        backoff_max=limits.backoff_max,
        backoff_jitter=limits.backoff_factor,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _was_sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached GitHub (a refused or timed-out connect did not)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", inner)
    return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _message_of(response: requests.Response) -> tuple[str, list[str], list[str]]:
    """GitHub's message, its ``errors`` as text (objects or plain strings), and the fields named."""
    try:
        body = response.json()
    except ValueError:
        return (response.reason or f"HTTP {response.status_code}"), [], []
    if not isinstance(body, dict):
        return str(body)[:200], [], []
    message = str(body.get("message") or response.reason or "")
    errors: list[str] = []
    fields: list[str] = []
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            field = item.get("field")
            if field:
                fields.append(str(field))
            text = item.get("message") or " ".join(str(item[k]) for k in ("field", "code") if item.get(k))
            errors.append(str(text))
        else:
            errors.append(str(item))
    return message, errors, fields


def _raise_for(method: str, request: str, response: requests.Response) -> None:
    """Map a non-2xx answer onto the exception tree: the one place statuses become errors."""
    status = response.status_code
    if status < 400:
        return
    message, errors, fields = _message_of(response)
    if status == 401:
        raise AuthenticationError(request, message)
    wait = rate_limit_wait(status, response.headers, message, time.time())
    if wait is not None:
        raise RateLimited(request, status, time.time() + wait, message)
    if status == 403:
        raise PermissionDenied(request, message)
    if status == 404:
        raise NotFound(request, message)
    if status == 422:
        raise ValidationFailed(request, message, errors, fields)
    if status >= 500:
        if method not in _RESENDABLE:
            # A 5xx does not say whether GitHub applied the request before failing.
            raise OutcomeUnknown(request, f"only a {status} answer: {message}")
        raise ServerError(request, status, message)
    raise GitHubError(request, f"GitHub answered {status}: {message}", status=status)


class GitHubClient:
    """GitHub's REST API for organization private registries.

    Thread-safe; share one per (base URL, token). The token is kept in the session's headers only:
    it appears in no message, log line or repr.
    """

    def __init__(
        self,
        token: str | None,
        base_url: str | None = None,
        *,
        limits: Limits | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.limits = limits or (throttle.limits if throttle else Limits())
        self._throttle = throttle or Throttle(self.limits)
        self._session = requests.Session()
        adapter = HTTPAdapter(
            max_retries=_transport_retry(self.limits),
            pool_connections=4,
            pool_maxsize=max(4, self.limits.max_concurrency),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    # --- the six endpoints ---------------------------------------------------------------------

    def list_registries(self, org: str) -> list[dict[str, Any]]:
        """Every private registry of ``org``, following ``Link`` pagination (100 a page)."""
        url: str | None = self._url(org) + "?per_page=100"
        found: list[dict[str, Any]] = []
        while url:
            response = self._send("GET", url)
            found.extend(response.json().get("configurations") or [])
            url = response.links.get("next", {}).get("url")
            if url and _origin(url) != _origin(self.base_url):
                # The session would send the token along: follow only links to the same API.
                raise GitHubError(f"GET {urlsplit(url).path}", "pagination link leaves the configured API")
        return found

    def create_registry(self, org: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new registry; returns GitHub's 201 body (with ``selected_repository_ids``)."""
        result: dict[str, Any] = self._send("POST", self._url(org), body).json()
        return result

    def get_public_key(self, org: str) -> PublicKey:
        """The org's private-registries public key, for sealing values."""
        data = self._send("GET", self._url(org, "public-key")).json()
        return PublicKey(key_id=str(data["key_id"]), key=str(data["key"]))

    def get_registry(self, org: str, name: str, *, expect_exists: bool = False) -> dict[str, Any]:
        """One registry by name (no value, no repository ids).

        With ``expect_exists`` (right after our own write) a 404 is retried briefly before it
        counts: GitHub's reads can lag its writes.
        """
        url = self._url(org, name)
        attempts = self.limits.consistency_retries if expect_exists else 0
        for attempt in range(attempts + 1):
            try:
                result: dict[str, Any] = self._send("GET", url).json()
                return result
            except NotFound:
                if attempt == attempts:
                    raise
                time.sleep(min(2.0, 0.25 * 2**attempt))
        raise AssertionError("unreachable")

    def update_registry(self, org: str, name: str, body: Mapping[str, Any]) -> None:
        """PATCH a registry; GitHub answers 204 with no body."""
        self._send("PATCH", self._url(org, name), body)

    def delete_registry(self, org: str, name: str) -> None:
        """DELETE a registry; raises :class:`~.errors.NotFound` when it is already gone."""
        self._send("DELETE", self._url(org, name))

    # --- sending ------------------------------------------------------------------------------

    def _url(self, org: str, tail: str | None = None) -> str:
        url = f"{self.base_url}orgs/{quote(org, safe='')}/private-registries"
        return f"{url}/{quote(tail, safe='')}" if tail else url

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> requests.Response:
        """Send one request through the throttle, waiting out rate limits; raise on failure."""
        request = f"{method} {urlsplit(url).path}"
        waited = 0.0
        while True:
            self._throttle.acquire(method)
            try:
                response = self._session.request(
                    method, url, json=body, timeout=self.limits.timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                raise self._transport_error(method, request, exc) from None
            finally:
                self._throttle.release()
            if response.status_code < 400:
                return response
            message, _, _ = _message_of(response)
            wait = rate_limit_wait(response.status_code, response.headers, message, time.time())
            if wait is None or waited + wait > self.limits.max_retry_wait:
                _raise_for(method, request, response)
            assert wait is not None
            log.warning("%s: GitHub rate limit, waiting %.0f s", request, wait)
            waited += wait
            self._throttle.pause_until(time.time() + wait)

    @staticmethod
    def _transport_error(method: str, request: str, exc: requests.RequestException) -> GitHubError:
        # The exception's text names the URL (no token); keep only its class and reason.
        cause = type(exc).__name__
        reason = getattr(exc, "args", None)
        if reason:
            cause += f": {str(reason[0])[:160]}"
        if method not in _RESENDABLE and _was_sent(exc):
            return OutcomeUnknown(request, cause)
        return TransportError(request, cause)
