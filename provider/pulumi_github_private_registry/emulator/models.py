"""The emulator's state and the controls tests use on it: :class:`Backend`.

A :class:`Backend` is GitHub in memory: organizations and their registries, credentials, API
versions, the GHES release played, GitHub Apps, rate limits, the request log and injected
faults. Its public methods are what tests call to look and to act behind a client's back (each
takes the lock); the section "serving hooks" is what routing and the handlers call, with the lock
held. :class:`.serving.Emulator` serves a Backend over HTTP.
"""

from __future__ import annotations

import copy
import hmac
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .apps import Apps, Caller, credential
from .contract import contract
from .facts import (
    GHES_API_VERSIONS,
    GHES_STAGES,
    GITHUB_API_VERSIONS,
    INSTALLATION_TOKEN_TTL,
    PRIMARY_LIMIT,
    PRIMARY_MESSAGE,
    RATE_DOCS_URL,
    SECONDARY_MESSAGE,
    GhesStage,
)
from .messages import ApiError, bad_credentials, not_found, unsupported_version
from .registries import Org, RegistryRules


@dataclass
class LoggedRequest:
    """One request received; ``path`` is after the prefix, ``status`` None if nothing was answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None = None


@dataclass
class Fault:
    """An injected misbehaviour; see :meth:`Backend.inject`."""

    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    apply_then_drop: bool = False
    times: int = 1
    fired: int = 0
    raw: bytes | None = None
    apply: bool = False
    trickle: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (method exactly, path as a substring)."""
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or self.path in path
        )


@dataclass
class _SecondaryLimit:
    max_requests: int
    window: float
    status: int
    retry_after: int | None
    times: deque[float] = field(default_factory=deque)


class Backend:
    """GitHub's private-registries API in memory, with the controls tests use; see :class:`.Emulator`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        read_only_token: str | None = None,
        prefix: str = "",
        orgs: Iterable[str] | None = None,
        latency: float = 0.0,
        max_per_page: int = 100,
        omit_fields: Iterable[str] = (),
        ghes_version: str | None = None,
        ghes_stage: int | None = None,
        ghes_api_versions: Iterable[str] = GHES_API_VERSIONS,
        apps: Mapping[int | str, str | bytes] | None = None,
        installations: Mapping[str, tuple[int | str, int]] | None = None,
        installation_token_ttl: float = INSTALLATION_TOKEN_TTL,
        app_permissions: Mapping[int, Mapping[str, str]] | None = None,
        refused_registry_types: Iterable[str] = (),
        clock_offset: float = 0.0,
    ) -> None:
        """``max_per_page`` caps page sizes below GitHub's 100 so tests can page through an org,
        which holds at most one registry per type (15). ``omit_fields`` leaves fields out of every
        answer, as GitHub's own examples leave out ``url`` and ``auth_type``. The GHES and app
        arguments are described on :class:`.Emulator`."""
        if ghes_version is None and ghes_stage is not None:
            raise ValueError("ghes_stage goes with ghes_version")
        if ghes_version is not None and not re.fullmatch(r"\d+\.\d+(?:\.\d+)?", ghes_version):
            raise ValueError(f"ghes_version is a release like '3.14' or '3.14.2', not {ghes_version!r}")
        if ghes_stage is not None and not 0 <= ghes_stage < len(GHES_STAGES):
            raise ValueError(f"ghes_stage is one of 0..{len(GHES_STAGES) - 1}, not {ghes_stage}")
        self.ghes_version = ghes_version
        self.ghes_stage: GhesStage | None = None
        if ghes_version is not None:
            self.ghes_stage = GHES_STAGES[len(GHES_STAGES) - 1 if ghes_stage is None else ghes_stage]
            prefix = prefix or "/api/v3"
        self._api_versions = GITHUB_API_VERSIONS if ghes_version is None else tuple(ghes_api_versions)
        if not self._api_versions:
            raise ValueError("ghes_api_versions names at least one version")
        # Fails here, not at the first request, without the extra.
        self.rules = RegistryRules(
            contract(self.ghes_stage), omit=omit_fields, refused_types=refused_registry_types
        )
        self._token = token
        self.max_per_page = max_per_page
        self._read_only_token = read_only_token
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._allowed = None if orgs is None else {o.lower() for o in orgs}
        # Each org's login as first given (`orgs`, a request, a test), for GET /user/orgs.
        self._logins: dict[str, str] = {o.lower(): o for o in reversed(list(orgs or ()))}
        self.latency = latency
        self.port = 0
        self.requests: list[LoggedRequest] = []
        self.host = "127.0.0.1"
        self.lock = threading.Lock()
        self._orgs: dict[str, Org] = {}
        self._faults: list[Fault] = []
        self._secondary: _SecondaryLimit | None = None
        self._remaining = PRIMARY_LIMIT
        self._reset_at = math.ceil(time.time()) + 3600
        # GitHub Apps.
        if not math.isfinite(clock_offset):
            raise ValueError(f"clock_offset is a number of seconds, not {clock_offset!r}")
        self._clock_offset = float(clock_offset)
        # Through the instance, not the bound method: a test that sets the emulator's `now` holds the
        # apps' clock too (JWTs judged by the real clock would make such a test depend on its speed).
        self.apps = Apps(apps, lambda: self.now())
        self.installation_token_ttl = installation_token_ttl
        permissions = dict(app_permissions or {})
        for org, (app_id, installation_id) in (installations or {}).items():
            self.apps.install(org, app_id, installation_id, permissions.pop(installation_id, None))
        if permissions:
            raise ValueError(f"app_permissions names installations that are not given: {sorted(permissions)}")

    # --- state, for tests (org names in any case; copies out) ------------------------------------

    def registries(self, org: str) -> dict[str, dict[str, Any]]:
        """Every stored record of ``org`` by name (GitHub field names; ciphertext, never plaintext)."""
        with self.lock:
            return copy.deepcopy(self.org_state(org).registries)

    def registry(self, org: str, name: str) -> dict[str, Any] | None:
        """The stored record ``name`` of ``org``, or None."""
        with self.lock:
            return copy.deepcopy(self.org_state(org).registries.get(name.upper()))

    def decrypted_value(self, org: str, name: str) -> str | None:
        """The plaintext of a registry's secret, or None without one."""
        with self.lock:
            state = self.org_state(org)
            record = state.registries.get(name.upper()) or {}
            if record.get("encrypted_value") is None:
                return None
            return state.open(record["encrypted_value"], record["key_id"])

    def put_registry(self, org: str, *, value: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create or overwrite a registry behind the client's back; ``value`` is sealed here."""
        with self.lock:
            state = self.org_state(org)
            body = {**fields, **(state.seal(value) if value is not None else {})}
            errors = self.rules.create_errors(state, body, overwrite=True)
            if errors:
                raise ValueError(f"invalid registry: {errors}")
            return copy.deepcopy(self.rules.store(state, body))

    def edit_registry(
        self, org: str, name: str, *, value: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Change a registry behind the client's back (None clears a field); bumps updated_at."""
        with self.lock:
            state = self.org_state(org)
            if name.upper() not in state.registries:
                raise KeyError(name)
            try:
                sealed = state.seal(value) if value is not None else {}
                self.rules.update(state, name.upper(), {**fields, **sealed}, nulls_clear=True)
            except ApiError as exc:
                raise ValueError(
                    f"invalid edit: {exc.reply.body.get('errors') or exc.reply.body['message']}"
                ) from None
            return copy.deepcopy(state.registries[name.upper()])

    def delete_registry(self, org: str, name: str) -> None:
        """Delete a registry behind the client's back."""
        with self.lock:
            del self.org_state(org).registries[name.upper()]

    def public_key(self, org: str) -> tuple[str, str]:
        """``(key_id, base64 public key)`` of ``org``'s current key."""
        with self.lock:
            state = self.org_state(org)
            return state.key_id, state.public_key()

    def rotate_key(self, org: str) -> str:
        """Issue a new key pair for ``org`` and return its key_id; the old key_id is rejected from now on."""
        with self.lock:
            return self.org_state(org).rotate()

    # --- GitHub Apps and the clock, for tests -----------------------------------------------------

    def now(self) -> float:
        """The emulator's clock: what JWTs and installation tokens are judged by, and the Date header."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock (see :meth:`now`) by ``seconds``, back if negative: JWTs and
        tokens expire as if that time had passed, and a client's clock is skewed against it."""
        with self.lock:
            self._clock_offset += seconds

    def install_app(
        self, org: str, app_id: int, installation_id: int, permissions: Mapping[str, str] | None = None
    ) -> None:
        """Install app ``app_id`` (one of ``apps``) on ``org`` as ``installation_id``."""
        with self.lock:
            self.apps.install(org, app_id, installation_id, permissions)

    def uninstall_app(self, org: str, app_id: int | None = None) -> None:
        """Remove ``org``'s installations (of ``app_id`` only, if given) and revoke their tokens."""
        with self.lock:
            self.apps.uninstall(org, app_id)

    def set_app_permissions(self, installation_id: int, permissions: Mapping[str, str]) -> None:
        """Change an installation's permissions; tokens already issued keep no more than these."""
        with self.lock:
            self.apps.installations[installation_id].permissions = dict(permissions)

    def installation_tokens(self) -> list[dict[str, Any]]:
        """Every installation token issued and not revoked: token, installation_id, expires_at
        (ISO 8601 on the emulator's clock), expired, permissions."""
        with self.lock:
            return self.apps.tokens_view()

    def expire_installation_tokens(self, installation_id: int | None = None) -> int:
        """Expire every installation token now (of ``installation_id`` only, if given); how many."""
        with self.lock:
            return self.apps.expire(installation_id)

    # --- faults, rate limits, request log --------------------------------------------------------

    def inject(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
        drop: bool = False,
        apply_then_drop: bool = False,
        times: int = 1,
        raw: bytes | None = None,
        apply: bool = False,
        trickle: float = 0.0,
    ) -> Fault:
        """Misbehave on the next ``times`` matching requests; faults are matched in order.

        ``status`` answers with it (and ``headers``, JSON ``body`` or the bytes ``raw``) without
        applying the request, or after applying it with ``apply``; ``delay`` sleeps first; ``drop``
        closes the connection without applying or answering; ``apply_then_drop`` applies the
        request, then closes the connection without answering; ``trickle`` sends the answer's body
        one byte every ``trickle`` seconds.
        """
        if (status is not None) + drop + apply_then_drop > 1 or times < 1:
            raise ValueError("give at most one of status, drop, apply_then_drop; times >= 1")
        if apply and status is None:
            raise ValueError("apply goes with status: the request is applied, then answered with it")
        fault = Fault(
            method,
            path,
            status,
            dict(headers or {}),
            body,
            delay,
            drop,
            apply_then_drop,
            times,
            raw=raw,
            apply=apply,
            trickle=trickle,
        )
        with self.lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        with self.lock:
            self._faults.clear()

    def limit_rate(
        self, *, max_requests: int, window: float, status: int = 403, retry_after: int | None = 1
    ) -> None:
        """Refuse requests beyond ``max_requests`` per sliding ``window`` seconds (window <= 0: no limit)."""
        limit = _SecondaryLimit(max_requests, window, status, retry_after) if window > 0 else None
        with self.lock:
            self._secondary = limit

    def set_primary_remaining(self, remaining: int, *, reset_in: float = 60.0) -> None:
        """Set what is left of the primary budget; it refills to 5000 ``reset_in`` seconds from now."""
        with self.lock:
            self._remaining, self._reset_at = remaining, math.ceil(time.time() + reset_in)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many logged requests match (method exactly, path as a substring)."""
        with self.lock:
            return sum(
                (method is None or r.method == method.upper()) and (path is None or path in r.path)
                for r in self.requests
            )

    def reset_log(self) -> None:
        """Forget the logged requests."""
        with self.lock:
            self.requests.clear()

    # --- serving hooks: for routing and the handlers, called with the lock held ------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first pending fault matching a request, counted as fired (and gone once spent)."""
        fault = next((f for f in self._faults if f.matches(method, path)), None)
        if fault is not None:
            fault.fired += 1
            if fault.fired >= fault.times:
                self._faults.remove(fault)
        return fault

    def org_state(self, org: str, *, http: bool = False) -> Org:
        """``org``'s state, created on first use; an organization not given is a KeyError (a 404
        over ``http``)."""
        key = org.lower()
        if self._allowed is not None and key not in self._allowed:
            if http:
                raise not_found()
            raise KeyError(f"unknown organization {org!r}")
        if key not in self._orgs:
            self._logins.setdefault(key, org)
            self._orgs[key] = Org()
            self._orgs[key].rotate()
        return self._orgs[key]

    def org_logins(self) -> list[str]:
        """Every organization there is (``orgs``, else every one used so far), by login as first
        given, in the order of their lower-case names."""
        keys = sorted(self._allowed if self._allowed is not None else self._orgs)
        return [self._logins.get(key, key) for key in keys]

    def authorize(self, header: str | None, *, optional: bool = False) -> Caller:
        """Raise 401 unless the credentials are accepted (``optional``: or there are none)."""
        if optional and not header:
            return Caller()
        secret = credential(header)
        app_caller = self.apps.caller(secret)
        if app_caller is not None:
            return app_caller
        encoded = secret.encode()
        if encoded and self._read_only_token and hmac.compare_digest(encoded, self._read_only_token.encode()):
            return Caller(read_only=True)
        if self._token is None or (encoded and hmac.compare_digest(encoded, self._token.encode())):
            return Caller()
        raise bad_credentials()

    def selected_version(self, headers: Mapping[str, str]) -> str | None:
        """The API version a request is served at, or None if the one it names is not supported."""
        requested = re.sub(r"\s+", "", headers.get("x-github-api-version") or "").lower()
        if not requested:
            return self._api_versions[-1]  # the earliest supported one
        return requested if requested in self._api_versions else None

    def check_api_version(self, headers: Mapping[str, str]) -> None:
        """400 unless the request's X-GitHub-Api-Version is one served."""
        if self.selected_version(headers) is None:
            raise unsupported_version(headers.get("x-github-api-version") or "", self._api_versions)

    def check_rate_limits(self) -> None:
        """Spend one request of the primary budget and the secondary window, or refuse it."""
        now = time.time()
        if now >= self._reset_at:
            self._remaining, self._reset_at = PRIMARY_LIMIT, math.ceil(now) + 3600
        if self._remaining <= 0:
            raise ApiError(403, PRIMARY_MESSAGE, RATE_DOCS_URL)
        limit = self._secondary
        if limit is not None:
            while limit.times and limit.times[0] <= now - limit.window:
                limit.times.popleft()
            if len(limit.times) >= limit.max_requests:
                error = ApiError(limit.status, SECONDARY_MESSAGE, RATE_DOCS_URL)
                if limit.retry_after is not None:
                    error.reply.headers["Retry-After"] = str(limit.retry_after)
                raise error
            limit.times.append(now)
        self._remaining -= 1

    def common_headers(self) -> dict[str, str]:
        """The headers of every answer: the rate limit's and, from a GHES, its release."""
        remaining = max(self._remaining, 0)
        headers = {
            "x-ratelimit-limit": str(PRIMARY_LIMIT),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-used": str(max(PRIMARY_LIMIT - remaining, 0)),
            "x-ratelimit-reset": str(self._reset_at),
            "x-ratelimit-resource": "core",
        }
        if self.ghes_version is not None:
            headers["X-GitHub-Enterprise-Version"] = self.ghes_version
        return headers
