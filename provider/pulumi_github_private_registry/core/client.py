"""The REST calls of GitHub's organization private registries, and those a credential needs.

One :class:`GitHubClient` per (base URL, token). It knows nothing of Pulumi. It builds each
request's URL and Authorization, sends it on its :class:`~.transport.Transport`, waits out rate
limits (GitHub's primary and secondary limits, for every method, since a rate-limited request was
not applied) within the operation's :class:`~.pacing.RetryBudget`, renews a refused token once when
that may help, and reads the answer with :mod:`~.answers`. Pagination stays on the list it started
on; a redirect is never followed nor taken for success. It drives its credentials' flows
(:meth:`GitHubClient.drive`): what they need of GitHub it sends for them, so that it alone sends.

Below it, one import direction: ``pacing`` <- ``transport`` <- ``answers`` <- ``client``; the
credentials import nothing of these.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

import requests

from . import schema
from .answers import (
    Asked,
    array,
    configurations,
    json_body,
    message_of,
    raise_for,
    record,
    redirect_target,
)
from .credentials import (
    AppRequest,
    AppSigner,
    Credentials,
    Flow,
    InstallationAccount,
    InstallationToken,
    OrgInstallation,
    StaticTokens,
)
from .crypto import PublicKey
from .errors import (
    GitHubError,
    MalformedResponse,
    NotFound,
    OutcomeUnknown,
    Redirected,
    bounded,
    redact,
    remember_secret,
)
from .pacing import Cancellation, Limits, RetryBudget, Throttle, current_budget, http_date, rate_limit_wait
from .settings import DEFAULT_BASE_URL, Keys, clean_token, normalize_base_url, where
from .transport import Transport
from .version import __version__

__all__ = [
    "API_VERSION",
    "GHES_API_VERSION",
    "MAX_PAGES",
    "USER_AGENT",
    "GitHubClient",
    "default_api_version",
]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

API_VERSION: Final = "2026-03-10"
GHES_API_VERSION: Final = "2022-11-28"
"""The API version every GitHub Enterprise Server release with this API understands."""
# A release as GHES names itself in X-GitHub-Enterprise-Version: "3.14.2".
_RELEASE_RE: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4}){1,3}")
USER_AGENT: Final = f"pulumi-github-private-registry/{__version__}"
# An org holds at most one registry per type (15 today): at 100 a page one page is the norm, and a
# list that runs on for pages is not GitHub's.
MAX_PAGES: Final = 20


def default_api_version(base_url: str) -> str:
    """The API version for a normalized base URL: GitHub Enterprise Server's lives under ``/api/v3/``."""
    return GHES_API_VERSION if urlsplit(base_url).path.endswith("/api/v3/") else API_VERSION


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower() or None, parts.port


def _page_key(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    return unquote(parts.path).lower(), tuple(sorted(parse_qsl(parts.query)))


class GitHubClient:
    """GitHub's REST API for organization private registries.

    Thread-safe; share one per (base URL, token). The token is kept in the session's headers only:
    it appears in no message, log line or repr. ``base_url_source`` names where the base URL came
    from (a config key, an environment variable, a flag) in errors that ask to change it; ``keys``,
    the door's names for the settings, where the messages that ask to change one name it.
    """

    def __init__(
        self,
        token: str | Credentials | None,
        base_url: str | None = None,
        *,
        limits: Limits | None = None,
        throttle: Throttle | None = None,
        base_url_source: str | None = None,
        token_source: str | None = None,
        api_version: str | None = None,
        keys: Keys | None = None,
    ) -> None:
        source = base_url_source or (keys.base_url.key if keys else None)
        self.base_url = normalize_base_url(
            base_url, source or "the base URL", keys.token.anywhere if keys else None
        )
        # Named in the errors that ask to change them: the config key, variable or flag in use.
        self._base_url_source = where(source) if source else "as configured"
        self._keys = keys
        self.limits = limits or (throttle.limits if throttle else Limits())
        self._throttle = throttle or Throttle(self.limits)
        if token is None or isinstance(token, str):
            token = StaticTokens(
                clean_token(token, token_source or "the token", keys.set_secret if keys else None),
                default_source=token_source,
            )
        self._credentials: Credentials = token
        self.api_version = api_version or default_api_version(self.base_url)
        self.enterprise_version: str | None = None
        """The GitHub Enterprise Server release that answered (its ``X-GitHub-Enterprise-Version``)."""
        self._transport = Transport(
            self.base_url,
            self.limits,
            self._throttle,
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": self.api_version,
                "User-Agent": USER_AGENT,
            },
            self._base_url_source,
        )

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self.base_url!r})"

    @property
    def cancellation(self) -> Cancellation:
        """The cancel this client's requests and waits end on."""
        return self._throttle.cancellation

    def close(self) -> None:
        """Close pooled connections."""
        self._transport.close()

    def drive(self, flow: Flow[_T]) -> _T:
        """What a credentials' flow ends with, each request it yields sent here and answered back
        (its failure thrown in where it was asked, for the flow to handle or let through), as httpx
        drives an ``auth_flow``. The flow is closed however this ends, so that a lock it holds is
        let go."""
        with closing(flow):
            answer: object = None
            failure: Exception | None = None
            while True:
                if getattr(flow, "gi_frame", flow) is None:
                    # Closed by someone else: its "no token" would send a request without one.
                    raise RuntimeError("a credentials' flow was closed before it answered")
                try:
                    request = flow.send(answer) if failure is None else flow.throw(failure)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
                try:
                    answer, failure = self._answer(request), None
                except Exception as exc:  # the flow's to judge, as if it had asked itself
                    answer, failure = None, exc

    def _answer(self, request: AppRequest[Any]) -> object:
        """Send a flow's request to the App's endpoint it names; its answer."""
        if isinstance(request, OrgInstallation):
            return self.get_org_installation(request.org, request.app)
        if isinstance(request, InstallationToken):
            return self.create_installation_token(request.installation, request.app)
        if isinstance(request, InstallationAccount):
            return self.get_installation_account(request.installation, request.app)
        raise TypeError(f"no endpoint answers {type(request).__name__}")

    # --- the six endpoints ---------------------------------------------------------------------

    def list_registries(self, org: str) -> list[dict[str, Any]]:
        """Every private registry of ``org``, following ``Link`` pagination (100 a page).

        Only to further pages of the same org's list on the same origin, never to a page already
        read, and at most :data:`MAX_PAGES` pages: anything else is :class:`MalformedResponse`.
        """
        return self._every_page(self._url(org), configurations, org=org)

    def create_registry(self, org: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new registry; returns GitHub's 201 body (with ``selected_repository_ids``).

        A 2xx whose body is not a registry leaves it unknown whether one was made: that is
        :class:`~.errors.OutcomeUnknown`, for the caller to resolve by looking it up.
        """
        url = self._url(org)
        request = f"POST {urlsplit(url).path}"
        name = schema.configuration_name(str(body.get("registry_type")))
        try:
            return record(json_body(self._send("POST", url, body, org=org), request), request, name=name)
        except MalformedResponse as exc:
            raise OutcomeUnknown(request, f"an answer whose body is unusable: {exc.detail}") from None

    def get_public_key(self, org: str) -> PublicKey:
        """The org's private-registries public key, for sealing values."""
        url = self._url(org, "public-key")
        request = f"GET {urlsplit(url).path}"
        data = json_body(self._send("GET", url, org=org), request)
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
                return record(json_body(self._send("GET", url, org=org), request), request, name=name)
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
        or, inside :func:`~.pacing.operation_budget`, for the whole operation.
        """
        request = f"{method} {urlsplit(url).path}"
        budget = current_budget() or RetryBudget()
        auth = app.jwt() if app is not None else self.drive(self._credentials.token(org))
        renewed = False
        while True:  # bounded: each pass spends one of the budget's retries or the one renewal
            response = self._transport.send(method, url, body, request, auth)
            self._note_release(response)
            status = response.status_code
            if status == 401 and auth and not renewed:
                if app is not None and app.retime(
                    http_date(response.headers.get("Date")), auth, message_of(response)[0]
                ):
                    renewed = True
                    auth = app.jwt()
                    continue
                if app is None and self._credentials.renew(org, auth):
                    renewed = True
                    auth = self.drive(self._credentials.token(org))
                    continue
            if 300 <= status < 400:
                shown, suggestion = redirect_target(
                    response.headers.get("Location") or "", url, self.base_url
                )
                raise Redirected(request, status, shown, suggestion, self._base_url_source)
            if status < 300:
                return response
            message, *_ = message_of(response)
            wait = rate_limit_wait(status, response.headers, message, time.time())
            if (
                wait is None
                or budget.waited + wait > self.limits.max_retry_wait
                or budget.retries >= self.limits.max_rate_limit_retries
            ):
                hint = None
                if status == 403 and wait is None:  # not a rate limit: the credentials may say why
                    hint = self.drive(self._credentials.permission_hint(org if app is None else None))
                asked = Asked(
                    token_source=self._credentials.source(org) if app is None else None,
                    token_setting=self._keys.token.places if self._keys else None,
                    retry_wait_setting=self._keys.max_retry_wait.key if self._keys else None,
                    api_version_setting=self._keys.api_version.anywhere if self._keys else None,
                    refused=app.refused_key(message) if app is not None and status == 401 else None,
                    permission_hint=hint,
                    enterprise_version=self.enterprise_version,
                    api_version=self.api_version,
                    body=body,
                    base_url=self.base_url if self.base_url != DEFAULT_BASE_URL else None,
                    base_url_source=self._base_url_source,
                )
                raise_for(method, request, response, asked)
            assert wait is not None
            log.warning("%s", redact(f"{request}: GitHub rate limit, waiting {wait:.0f} s"))
            budget.waited += wait
            budget.retries += 1
            self._throttle.pause_until(time.time() + wait)

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
        data = json_body(self._send("GET", url, app=app), request)
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
        data = json_body(self._send("GET", url, app=app), request)
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
        data = json_body(response, request)
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
        with self._listing(request, "the organizations of the token's user", "the token's kind"):
            return [self._login(item, request) for item in self._every_page(url)]

    def list_app_installations(self, app: AppSigner) -> list[tuple[int, str]]:
        """The App's installations on organizations as (installation id, login): ``GET
        /app/installations`` with the App's JWT, every page; those on a user account are left out."""
        url = f"{self.base_url}app/installations"
        request = f"GET {urlsplit(url).path}"
        found: list[tuple[int, str]] = []
        with self._listing(request, "the installations of a GitHub App", "the App's id and private key"):
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
    def _listing(self, request: str, what: str, credential: str) -> Iterator[None]:
        """A 404 on a listing of what a credential sees is no missing organization: the server at
        the base URL does not serve the list (another server, a proxy, a wrong path), or, at
        github.com's own URL, which serves it, not to this credential (check ``credential``)."""
        try:
            yield
        except NotFound as exc:
            if self.base_url == DEFAULT_BASE_URL:
                hint = f"{self.base_url} does not list {what} to this credential: check {credential}"
            else:
                hint = (
                    f"the server at {self.base_url} does not list {what}: check the base URL "
                    f"({self._base_url_source})"
                )
            raise NotFound(request, exc.message, hint) from None

    def _every_page(
        self,
        first: str,
        items: Callable[[Any, str], list[Any]] = lambda data, request: array(data, request),
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
            found.extend(items(json_body(response, request), request))
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
