"""Who the client is at GitHub, org by org: one token, a token per org, or a GitHub App.

A GitHub App authenticates with a JWT it signs with its private key (RS256, with PyJWT), finds its
installation in each org (``GET /orgs/{org}/installation``, unless one is configured) and asks for
an installation token (``POST /app/installations/{id}/access_tokens``), which lasts an hour. Both
are cached for the process and shared by its threads: at most one lookup and one token per org an
hour, a token renewed five minutes before it expires and once on a 401. Tokens and JWTs are
registered for redaction; none is ever logged or kept in state.

The credentials send nothing themselves: what they need of GitHub they ask as a flow, as httpx's
``Auth.auth_flow`` does, a generator that yields each request as data (:class:`OrgInstallation`,
:class:`InstallationToken`, :class:`InstallationAccount`) and receives its answer, or its failure
thrown in where it was asked; the client drives the flow and is the only one that sends. So this
module knows no client, and a request keeps the client's pacing, retry budget and cancellation.

A JWT's times are GitHub's: when GitHub refuses one, the offset of its clock is read off its
answer's ``Date`` header and, if that is what was wrong, the JWT is signed again with GitHub's time
(as octokit/auth-app.js does in its request hook after "'Issued at' claim ('iat') must be an
Integer representing the time that the assertion was issued").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, Protocol, TypeVar

from .errors import Cancelled, GitHubError, NotFound, remember_secret
from .settings import AppAuth, Settings, where

__all__ = [
    "AppRequest",
    "AppSigner",
    "AppTokens",
    "Credentials",
    "Flow",
    "InstallationAccount",
    "InstallationToken",
    "OrgInstallation",
    "StaticTokens",
    "credentials_for",
]

log = logging.getLogger(__name__)

INSTALLATION_TTL: Final = 3600.0
"""How long an org's installation id is trusted before it is looked up again."""
RENEW_BEFORE: Final = 300.0
"""An installation token is renewed this many seconds before it expires (a deployment can outlast it)."""
_JWT_LIFETIME: Final = 540
"""Seconds a JWT is valid: GitHub allows at most ten minutes; a minute of clock drift is left."""
_JWT_BACKDATE: Final = 60
"""Seconds a JWT's iat is set in the past, as GitHub recommends "to protect against clock drift"."""
_MAX_SKEW: Final = 900.0
"""A Date header further off this machine's clock than this is not taken for GitHub's time: the JWT
is not signed on it, and the skew is only reported. A clock that far off needs setting right, and a
server that forged the header would otherwise collect JWTs valid that far in the future."""
SKEW_TOLERANCE: Final = 30.0
"""A refused JWT is signed again with GitHub's time when GitHub's clock is this many seconds or more
off the time it was signed with: within the minute a JWT's times leave, a skew is not the cause."""
_TIMES_REFUSED: Final = ("claim ('iat')", "claim ('exp')")
"""How GitHub's refusals of a JWT's times name them ('Issued at' claim ('iat') must be..., 'Expiration
time' claim ('exp') is too far in the future / must be a numeric value representing the future...)."""


_T = TypeVar("_T")
_A = TypeVar("_A", covariant=True)


@dataclass(frozen=True)
class AppRequest(Generic[_A]):
    """A request of a GitHub App's own endpoints, as data: ``app`` signs it with its JWT; ``_A`` is
    the answer the client gives back for it."""

    app: AppSigner


@dataclass(frozen=True)
class OrgInstallation(AppRequest[int]):
    """``GET /orgs/{org}/installation``: the id of the App's installation in ``org`` (NotFound:
    not installed there)."""

    org: str


@dataclass(frozen=True)
class InstallationToken(AppRequest[tuple[str, float]]):
    """``POST /app/installations/{id}/access_tokens``: a new installation token and how many seconds
    it lasts."""

    installation: int


@dataclass(frozen=True)
class InstallationAccount(AppRequest[str]):
    """``GET /app/installations/{id}``: the login of the account the installation belongs to."""

    installation: int


Flow = Generator[AppRequest[Any], Any, _T]
"""What credentials ask of GitHub, as httpx's ``auth_flow``: each request yielded as data, its answer
sent back (or its failure thrown in there) by the client, which sends; the flow returns a ``_T``."""


def _ask(request: AppRequest[_T]) -> Flow[_T]:
    """One request of a flow, with its answer's type (``yield from _ask(...)``)."""
    answer: _T = yield request
    return answer


def _known(value: _T) -> Flow[_T]:
    """A flow that asks GitHub nothing: ``value`` at once."""
    return value
    yield  # (unreached) what makes this a generator


class Credentials(Protocol):
    """What the client asks for the Authorization of each request."""

    def token(self, org: str | None) -> Flow[str | None]:
        """The token for a request about ``org``; None when there is none."""

    def renew(self, org: str | None, token: str) -> bool:
        """GitHub refused ``token`` (401): whether asking again may give a better one."""

    def source(self, org: str | None) -> str | None:
        """Where the token for ``org`` comes from, for the message that asks to fix it."""

    def permission_hint(self, org: str | None) -> Flow[str | None]:
        """What to say when GitHub answers 403 to a request about ``org`` with these credentials, if
        they need their own words (it may ask GitHub, as the App, whose installation it used)."""


class AppSigner(Protocol):
    """A GitHub App as its own endpoints need it: JWTs on GitHub's time, and what a refusal means."""

    def jwt(self) -> str:
        """A JWT for the App, with GitHub's time as far as it is known."""

    def retime(self, date: datetime | None, refused: str, message: str) -> bool:
        """GitHub refused the JWT ``refused`` with ``message``, answering with this ``Date`` header
        (None: none usable): whether a new JWT, on GitHub's clock as that header shows it, may be
        accepted (GitHub named the JWT's times, and they were off)."""

    def refused_key(self, message: str) -> str:
        """What to do when GitHub refuses the App's JWT with ``message``."""


class StaticTokens:
    """A token, and optionally a token per org that takes precedence for that org.

    ``default_source``: where the token came from; ``map_key``: the map's setting as the door names
    it: messages that ask to change a token name them."""

    def __init__(
        self,
        default: str | None,
        per_org: Mapping[str, str] | None = None,
        *,
        default_source: str | None = None,
        map_key: str = "the token map",
    ) -> None:
        self._default = default
        self._per_org = {org.lower(): token for org, token in (per_org or {}).items()}
        self._default_source = default_source
        self._map_key = map_key
        for secret in [default, *self._per_org.values()]:
            remember_secret(secret)

    def token(self, org: str | None) -> Flow[str | None]:
        """The org's own token if the map has one, else the default (asks GitHub nothing)."""
        return _known(self.for_org(org))

    def for_org(self, org: str | None) -> str | None:
        """The org's own token if the map has one, else the default (no request)."""
        if org is not None and org.lower() in self._per_org:
            return self._per_org[org.lower()]
        return self._default

    def renew(self, org: str | None, token: str) -> bool:
        """A refused personal token stays refused."""
        return False

    def source(self, org: str | None) -> str | None:
        """The map's entry for the org, or where the default token came from."""
        if org is not None and org.lower() in self._per_org:
            return f"{self._map_key}[{org.lower()}]"
        return where(self._default_source) if self._default_source else None

    def permission_hint(self, org: str | None) -> Flow[str | None]:
        """The general hint applies."""
        return _known(None)

    def __repr__(self) -> str:
        return f"StaticTokens(orgs={sorted(self._per_org)!r})"


class AppTokens:
    """A GitHub App's installation tokens, per org, cached and renewed; ``per_org`` tokens first."""

    def __init__(
        self,
        app: AppAuth,
        per_org: Mapping[str, str] | None = None,
        *,
        map_key: str = "the token map",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._tokens = StaticTokens(None, per_org, map_key=map_key)
        self._clock = clock
        self._installations: dict[str, tuple[int, float]] = {}
        self._owners: dict[int, str | None] = {}  # installation -> its account (None: unknown)
        self._offset = 0.0  # GitHub's clock minus ours, once a refused JWT showed it
        self._measured: float | None = None  # the offset the last refusal's Date header showed
        self._signed: OrderedDict[str, float] = OrderedDict()  # recent JWTs -> the offset they took
        self._issued: dict[int, tuple[str, float, float]] = {}  # token, expiry, renewal margin
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        remember_secret(app.private_key)

    def _lock(self, slot: str) -> threading.Lock:
        # A slot's lock is held across the yield of its request: the client drives a flow in the
        # thread that asked, so the lock spans the request, and a thread asking meanwhile waits for
        # the answer it would otherwise ask for again (and `drive` closes the flow, releasing it,
        # however it ends).
        with self._guard:
            return self._locks.setdefault(slot, threading.Lock())

    def token(self, org: str | None) -> Flow[str | None]:
        """An installation token for ``org``'s installation (a map entry for the org first)."""
        own = self._tokens.for_org(org)
        if own is not None or org is None:
            return own
        installation = self._app.installation_id or (yield from self._installation(org))
        try:
            return (yield from self._issue(installation))
        except NotFound:
            if self._app.installation_id is not None:
                raise GitHubError(
                    f"POST /app/installations/{installation}/access_tokens",
                    f"GitHub App {self._app.id} has no installation {installation}: fix installationId "
                    f"in {self._app.source}, or leave it out to find the App's installation in each org",
                    status=404,
                ) from None
            # Uninstalled (or reinstalled) since the lookup: look it up once more, which says
            # "not installed" if it is gone.
            with self._guard:
                self._installations.pop(org.lower(), None)
            return (yield from self._issue((yield from self._installation(org))))

    def _issue(self, installation: int) -> Flow[str]:
        """The installation's token, asked for when there is none or it is about to expire."""
        with self._lock(f"token:{installation}"):
            issued = self._issued.get(installation)
            if issued is None or issued[1] - self._clock() <= issued[2]:
                token, lifetime = yield from _ask(InstallationToken(app=self, installation=installation))
                remember_secret(token)
                # Renewed RENEW_BEFORE ahead, or at half its life if GitHub gives a short one.
                issued = (token, self._clock() + lifetime, min(RENEW_BEFORE, lifetime / 2))
                self._issued[installation] = issued
            return issued[0]

    def _installation(self, org: str) -> Flow[int]:
        """The App's installation in ``org``, looked up at most once an hour."""
        with self._lock(f"org:{org.lower()}"):
            known = self._installations.get(org.lower())
            if known is not None and self._clock() - known[1] < INSTALLATION_TTL:
                return known[0]
            try:
                installation = yield from _ask(OrgInstallation(app=self, org=org))
            except NotFound:
                raise GitHubError(
                    f"GET /orgs/{org}/installation",
                    f"the GitHub App {self._app.id} is not installed in the organization '{org}': install "
                    "it there (with the 'Organization private registries' permission), or give a token "
                    f"for '{org}'",
                    status=404,
                ) from None
            self._installations[org.lower()] = (installation, self._clock())
            return installation

    def jwt(self) -> str:
        """A JWT for the App, RS256-signed with its private key (valid nine minutes), its times on
        GitHub's clock once a refusal showed how far ours is off it."""
        import jwt  # PyJWT, with `cryptography` for RS256: loaded only when an App is used

        with self._guard:
            offset = self._offset
        now = int(self._clock() + offset)
        payload = {"iat": now - _JWT_BACKDATE, "exp": now + _JWT_LIFETIME, "iss": self._app.id}
        try:
            token = jwt.encode(payload, self._app.private_key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            # The library's words may quote the key: only its kind is said.
            raise GitHubError(
                "(not sent)",
                f"the private key of GitHub App {self._app.id} ({self._app.source}) cannot sign a "
                f"JWT ({type(exc).__name__}): give the contents of the App's .pem file, as GitHub "
                "generated it",
            ) from None
        remember_secret(token)
        with self._guard:
            self._signed[token] = offset
            while len(self._signed) > 32:  # only the JWTs of requests in flight matter
                self._signed.popitem(last=False)
        return token

    def retime(self, date: datetime | None, refused: str, message: str) -> bool:
        """Read GitHub's clock off a refusal's ``Date`` header; True when GitHub's ``message`` names
        the JWT's times and ``refused`` was signed with a time SKEW_TOLERANCE or more off it, and the
        next JWT takes GitHub's time (once per skew: threads refused together all retry, with the
        one offset). A refusal of the key itself costs no second request."""
        if not any(claim in message for claim in _TIMES_REFUSED):
            return False
        measured = _offset_of(date, self._clock())
        with self._guard:
            self._measured = measured
            used = self._signed.get(refused, self._offset)
            if measured is None or abs(measured - used) < SKEW_TOLERANCE or abs(measured) > _MAX_SKEW:
                return False
            if abs(measured - self._offset) >= SKEW_TOLERANCE:
                self._offset = measured
                log.warning(
                    "GitHub App %s: this machine's clock is %s; its JWTs take GitHub's time from now on",
                    self._app.id,
                    _skew(measured),
                )
        return True

    def renew(self, org: str | None, token: str) -> bool:
        """Drop a refused installation token so that the next request gets a new one.

        True for any installation token, also one another thread has renewed already (its request
        then takes the new one); a token of the map is a person's, and stays refused.
        """
        if self._tokens.for_org(org) == token:
            return False
        with self._guard:
            for installation in [i for i, issued in self._issued.items() if issued[0] == token]:
                del self._issued[installation]
        return True

    def source(self, org: str | None) -> str | None:
        """The map's entry for the org, or the App."""
        own = self._tokens.source(org) if org is not None else None
        if own is not None:
            return own
        return f"the installation token of GitHub App {self._app.id} ({self._app.source})"

    def refused_key(self, message: str) -> str:
        """What to do when GitHub refuses the App's JWT: its times (clock skew) or its key."""
        if any(claim in message for claim in _TIMES_REFUSED):
            with self._guard:
                measured = self._measured
            how = (
                f"this machine's clock is {_skew(measured)} (by its Date header)"
                if measured is not None
                else "GitHub's answer had no Date header to measure it by"
            )
            return (
                f"GitHub refused the times of the JWT of GitHub App {self._app.id} ({self._app.source}): "
                f"clock skew: {how}; set this machine's clock right (NTP), the key is not the cause"
            )
        return (
            f"GitHub refused the JWT signed with the private key of GitHub App {self._app.id} "
            f"({self._app.source}): give the App's own key (a new one from the App's settings, if it "
            "was revoked) and check its id"
        )

    def permission_hint(self, org: str | None) -> Flow[str | None]:
        """What a 403 means for an App: its permission, or a configured installation that is another
        account's (GitHub says only "Resource not accessible by integration")."""
        if org is not None and self._tokens.for_org(org) is not None:
            return None  # the org's own token was refused, not the App
        installation = self._app.installation_id
        if org is not None and installation is not None:
            owner = yield from self._owner(installation)
            if owner is not None and owner.lower() != org.lower():
                return (
                    f"installation {installation} of GitHub App {self._app.id} (installationId in "
                    f"{self._app.source}) belongs to the organization '{owner}', not '{org}': give "
                    f"the App's installation in '{org}' as installationId, or leave it out to find "
                    "the App's installation in each org"
                )
        return (
            f"the GitHub App {self._app.id} needs the 'Organization private registries' permission "
            "(read and write) in the App's settings, accepted by the organization"
        )

    def _owner(self, installation: int) -> Flow[str | None]:
        """The account ``installation`` belongs to, None when GitHub does not say: asked once per
        process, a failure too (every 403 of a deployment would otherwise wait on it again)."""
        with self._lock(f"owner:{installation}"):
            if installation not in self._owners:
                try:
                    self._owners[installation] = yield from _ask(
                        InstallationAccount(app=self, installation=installation)
                    )
                except Cancelled:
                    raise  # the operation ends: not a lookup that failed, and nothing to remember
                except GitHubError:
                    # The 403 being explained matters more than this lookup's failure.
                    self._owners[installation] = None
            return self._owners[installation]

    def __repr__(self) -> str:
        return f"AppTokens(app={self._app.id!r})"


def _offset_of(date: datetime | None, now: float) -> float | None:
    """GitHub's clock minus ``now`` by its ``Date`` header, None without a usable one."""
    if date is None or date.tzinfo is None:
        return None  # a Date without a zone says no time
    return date.timestamp() - now


def _skew(offset: float) -> str:
    """An offset of GitHub's clock as said of this machine's."""
    return f"{abs(offset):.0f} s {'ahead of' if offset < 0 else 'behind'} GitHub's"


def credentials_for(settings: Settings) -> Credentials:
    """The credentials the settings describe."""
    per_org = dict(settings.tokens)
    if settings.app is not None:
        return AppTokens(settings.app, per_org, map_key=settings.tokens_key)
    return StaticTokens(
        settings.token, per_org, default_source=settings.token_source, map_key=settings.tokens_key
    )
