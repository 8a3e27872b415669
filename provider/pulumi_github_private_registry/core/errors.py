"""The exceptions the GitHub client raises, one class per kind of failure.

The client maps HTTP statuses onto these in one place (``answers.raise_for``). Every message
names the request (method and path, so the org and the registry) and what to do about it, and
never contains the token or a secret value: the token lives only in the session's headers, and
request bodies are never quoted.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = [
    "HIDDEN",
    "MAX_DETAIL",
    "MAX_LINE",
    "AuthenticationError",
    "Cancelled",
    "GitHubError",
    "MalformedResponse",
    "NotFound",
    "OutcomeUnknown",
    "PermissionDenied",
    "RateLimited",
    "Redirected",
    "ServerError",
    "TransportError",
    "ValidationFailed",
    "affects_every_org",
    "bounded",
    "cancelled_text",
    "printable",
    "redact",
    "remember_secret",
]

MAX_DETAIL: Final = 2000
"""The most characters of an error's detail: a long one overflows gRPC's metadata (RESOURCE_EXHAUSTED)."""
MAX_LINE: Final = 1000
"""The most characters of one line a tool prints (``validate``, ``drift``, the stack program's
problems): every quoted value is bounded well below it, so only a hostile line is cut."""

# --- redaction: the one step every user-visible message and log line goes through ----------------

_known_secrets: set[str] = set()
_known_lock = threading.Lock()
_AUTHORIZATION: Final = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]*")
_SCHEME_CREDENTIAL: Final = re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s\"',;)}]{8,}")
# GitHub's token formats (classic, fine-grained, App installation, OAuth, refresh).
_GITHUB_TOKEN: Final = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})")
# User-info: from a `://` that follows a scheme's character up to the last '@' before the path (a
# password may hold an '@' itself). Linear: matching can start only at a `://`, and scans to the next
# `/`, which the next `://` holds. Matching the scheme itself (`\b[a-z][a-z0-9+.-]*://`) was
# quadratic: in `a.a.a.…` each `a` started a scan to the end of the run.
_USER_INFO: Final = re.compile(r"(?<=[a-z0-9+.\-])://[^/\s]*@", re.IGNORECASE)
HIDDEN: Final = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
"""Characters no message shows as they are, declared once: controls and line or paragraph
separators (CR, LF, U+2028 could forge a log line), bidirectional and zero-width characters (could
disguise text), and lone surrogates (no encoding can print them)."""


def remember_secret(secret: str | None) -> None:
    """Note a credential in use, so that :func:`redact` removes it from any text from now on."""
    if secret and len(secret) >= 4:
        with _known_lock:
            _known_secrets.add(secret)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without credentials: known tokens, ``Authorization`` values and URL user-info."""
    with _known_lock:
        known = [*_known_secrets]
    for secret in sorted({s for s in [*known, *secrets] if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _AUTHORIZATION.sub(r"\1***", text)
    text = _SCHEME_CREDENTIAL.sub(r"\1\2***", text)
    text = _GITHUB_TOKEN.sub("***", text)
    return _USER_INFO.sub("://***@", text)


# GitHub Actions' runner takes a line for a workflow command when it starts with "::" (after
# blanks), or, in the legacy form, when "##[" appears anywhere in it (actions/runner's
# ActionCommand.TryParse looks for it with an unanchored IndexOf). A space breaks either.
_LEGACY_COMMAND: Final = "##["
_COMMAND: Final = "::"


def printable(text: str) -> str:
    """``text`` redacted, on one line, without control characters or bidirectional overrides: what
    a terminal or a CI log may show of text that came from a file or a server (a CR or an RLO in
    it could forge or disguise a line, a ``##[error]`` or a leading ``::error::`` a GitHub Actions
    annotation: they are shown as ``## [error]`` and ``: :error::``)."""
    text = HIDDEN.sub(" ", redact(text)).strip().replace(_LEGACY_COMMAND, "## [")
    return ": " + text[1:] if text.startswith(_COMMAND) else text


def bounded(text: str, limit: int, *, keep: str = "start") -> str:
    """``text`` from outside redacted, made printable on one line and cut to ``limit`` characters.

    Redacted first: a credential cut in two would no longer be recognised. ``keep="end"`` keeps the
    end instead (a connection error's useful part is its last words).
    """
    text = printable(text)
    if len(text) <= limit:
        return text
    if keep == "end":
        return "…" + text[-(limit - 1) :]
    return text[: limit - 1] + "…"


_PERMISSION_HINT = (
    "the token needs the 'admin:org' scope (classic token) or the 'Organization private "
    "registries' organization permission, read for reads and write for changes (fine-grained "
    "token or GitHub App)"
)


class GitHubError(Exception):
    """A request to GitHub failed. ``status`` is the HTTP status, 0 when no answer came."""

    status: int = 0

    def __init__(self, request: str, detail: str, *, status: int | None = None) -> None:
        self.request = request
        self.detail = detail
        if status is not None:
            self.status = status
        super().__init__(bounded(f"{request}: {detail}", MAX_DETAIL))


class AuthenticationError(GitHubError):
    """401: the token is missing, wrong or expired."""

    status = 401

    def __init__(
        self, request: str, message: str, token_source: str | None = None, fix: str | None = None
    ) -> None:
        # Named as where the token came from (`discover --token-env MYTOK` is not told of a config
        # key), else where the door reads it (the caller names both places).
        if fix is None:
            fix = f"Set a valid token in {token_source}" if token_source else "Set a valid token"
        super().__init__(request, f"GitHub rejected the token ({message}). {fix}.")


class PermissionDenied(GitHubError):
    """403 that is not a rate limit: the token lacks the permission."""

    status = 403

    def __init__(self, request: str, message: str, hint: str | None = None) -> None:
        super().__init__(request, f"permission denied ({message}): {hint or _PERMISSION_HINT}.")


class NotFound(GitHubError):
    """404: the organization or the registry does not exist (or the token cannot see it)."""

    status = 404

    def __init__(self, request: str, message: str = "Not Found", hint: str | None = None) -> None:
        self.message = message
        super().__init__(
            request,
            f"not found ({message}): {hint or 'check the organization name and that the token can see it'}.",
        )


class ValidationFailed(GitHubError):
    """422: GitHub refused the request; ``errors`` holds GitHub's reasons as text."""

    status = 422

    def __init__(
        self,
        request: str,
        message: str,
        errors: Sequence[str],
        fields: Sequence[str],
        note: str | None = None,
    ) -> None:
        self.message = message
        self.errors = list(errors)
        self.fields = list(fields)
        reasons = "; ".join(self.errors) or message
        # A note says what GitHub's words leave out (the server release that lacks a type).
        super().__init__(request, f"GitHub refused it: {reasons}" + (f" ({note})" if note else ""))


class RateLimited(GitHubError):
    """403 or 429 from GitHub's primary or secondary rate limit, waited on as long as allowed.

    ``setting``: where the most time to wait is set (the door's key, or the tools' variable)."""

    def __init__(
        self, request: str, status: int, retry_at: float, message: str, setting: str | None = None
    ) -> None:
        self.retry_at = retry_at
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(retry_at))
        wait = max(0, round(retry_at - time.time()))
        longer = f", or raise {setting} to wait longer" if setting else ""
        super().__init__(
            request,
            f"GitHub's rate limit ({message}): retry after {when} (in {wait} s){longer}.",
            status=status,
        )


class Redirected(GitHubError):
    """3xx: never followed (the token would go along, and a write would not be applied).

    ``base_url_source``: where the base URL is set, as the fix names it."""

    def __init__(
        self,
        request: str,
        status: int,
        location: str,
        suggestion: str | None,
        base_url_source: str,
    ) -> None:
        where = f" to {location}" if location else ""
        target = suggestion or "the URL GitHub's API is served at"
        fix = f"set the base URL ({base_url_source}) to {target}"
        super().__init__(
            request,
            f"GitHub answered {status}, a redirect{where}. Redirects are not followed, so nothing was "
            f"sent there and nothing was changed: {fix}.",
            status=status,
        )


class MalformedResponse(GitHubError):
    """A 2xx whose body is not what GitHub's API documents (not JSON, or the wrong shape)."""

    def __init__(self, request: str, detail: str, status: int = 0) -> None:
        super().__init__(
            request,
            f"GitHub's answer is not what its API documents ({detail}); a proxy in front of GitHub may "
            "have answered instead: check the base URL, or try again later.",
            status=status,
        )


class ServerError(GitHubError):
    """5xx after the retries allowed: GitHub is having trouble."""

    def __init__(self, request: str, status: int, message: str) -> None:
        super().__init__(
            request,
            f"GitHub answered {status} ({message}) after retries; try again later "
            "(see https://www.githubstatus.com).",
            status=status,
        )


class TransportError(GitHubError):
    """No usable answer: connection refused or dropped, or a timeout.

    ``fix``, for a connection never made: what to check, said after the cause (``cannot connect to
    127.0.0.1:9: connection refused; check the base URL ...``).
    """

    def __init__(self, request: str, cause: str, *, fix: str | None = None) -> None:
        if fix is not None:
            super().__init__(request, f"{cause}; {fix}.")
        else:
            super().__init__(
                request, f"no usable answer from GitHub ({cause}); check the network and try again."
            )


class OutcomeUnknown(TransportError):
    """A create was sent but no usable answer came (none, or a 5xx): it may or may not be applied."""

    def __init__(self, request: str, cause: str) -> None:
        GitHubError.__init__(self, request, f"GitHub's answer does not say whether it was applied ({cause}).")


class Cancelled(GitHubError):
    """The operations were cancelled (by the door: :meth:`.pacing.Cancellation.cancel`): nothing
    more is sent. ``why``: who cancelled, in the door's words."""

    def __init__(self, request: str, why: str = "") -> None:
        super().__init__(request, cancelled_text(why))


def cancelled_text(why: str = "") -> str:
    """What a cancelled operation says, at every door; ``why``: who cancelled, in the door's words
    (``Ctrl-C, or ...``), given to :meth:`.pacing.Cancellation.cancel`."""
    return f"the operation was cancelled{f' ({why})' if why else ''}: no further request was sent to GitHub"


def affects_every_org(exc: GitHubError, one_credential: bool) -> bool:
    """Whether a failure about one org would recur for every other (the server cannot be reached,
    or the one credential in use is refused): a tool walking many orgs stops there instead of
    waiting out the same timeouts org after org."""
    return isinstance(exc, (TransportError, Redirected)) or (
        one_credential and isinstance(exc, AuthenticationError)
    )
