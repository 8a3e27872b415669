"""The exceptions the GitHub client raises, one class per kind of failure.

The client maps HTTP statuses onto these in one place (``client._raise_for``). Every message
names the request (method and path, so the org and the registry) and what to do about it, and
never contains the token or a secret value: the token lives only in the session's headers, and
request bodies are never quoted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

__all__ = [
    "AuthenticationError",
    "GitHubError",
    "NotFound",
    "OutcomeUnknown",
    "PermissionDenied",
    "RateLimited",
    "ServerError",
    "TransportError",
    "ValidationFailed",
]

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
        super().__init__(f"{request}: {detail}")


class AuthenticationError(GitHubError):
    """401: the token is missing, wrong or expired."""

    status = 401

    def __init__(self, request: str, message: str) -> None:
        super().__init__(
            request,
            f"GitHub rejected the token ({message}). Set a valid token in the github:token config "
            "key or the GITHUB_TOKEN environment variable.",
        )


class PermissionDenied(GitHubError):
    """403 that is not a rate limit: the token lacks the permission."""

    status = 403

    def __init__(self, request: str, message: str) -> None:
        super().__init__(request, f"permission denied ({message}): {_PERMISSION_HINT}.")


class NotFound(GitHubError):
    """404: the organization or the registry does not exist (or the token cannot see it)."""

    status = 404

    def __init__(self, request: str, message: str = "Not Found") -> None:
        super().__init__(
            request,
            f"not found ({message}): check the organization name and that the token can see it.",
        )


class ValidationFailed(GitHubError):
    """422: GitHub refused the request; ``errors`` holds GitHub's reasons as text."""

    status = 422

    def __init__(self, request: str, message: str, errors: Sequence[str], fields: Sequence[str]) -> None:
        self.message = message
        self.errors = list(errors)
        self.fields = list(fields)
        reasons = "; ".join(self.errors) or message
        super().__init__(request, f"GitHub refused it: {reasons}")


class RateLimited(GitHubError):
    """403 or 429 from GitHub's primary or secondary rate limit, waited on as long as allowed."""

    def __init__(self, request: str, status: int, retry_at: float, message: str) -> None:
        self.retry_at = retry_at
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(retry_at))
        wait = max(0, round(retry_at - time.time()))
        super().__init__(
            request,
            f"GitHub's rate limit ({message}): retry after {when} (in {wait} s), or raise "
            "github-private-registry:maxRetryWait to wait longer.",
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
    """No usable answer: connection refused or dropped, or a timeout."""

    def __init__(self, request: str, cause: str) -> None:
        super().__init__(request, f"no answer from GitHub ({cause}); check the network and try again.")


class OutcomeUnknown(TransportError):
    """A create was sent but no usable answer came (none, or a 5xx): it may or may not be applied."""

    def __init__(self, request: str, cause: str) -> None:
        GitHubError.__init__(self, request, f"GitHub's answer does not say whether it was applied ({cause}).")
