"""One way to reach GitHub from settings: whether they hold a credential for an org, the client
with the credentials it signs with, and the organizations those credentials can see.

The doors' :class:`.lifecycle.Runtime` and the tools (``discover``, ``drift``) build their client
here and nowhere else; each says in its own words what to do when :func:`has_credential` is false.
The HTTP stack is imported when a client is made, not with this module: a preview never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from .client import GitHubClient
    from .credentials import Credentials
    from .pacing import Throttle

__all__ = ["Access", "connect", "has_credential"]


def has_credential(settings: Settings, org: str | None = None) -> bool:
    """Whether ``settings`` give a credential for ``org`` (None: for any org at all): a token, a
    GitHub App, or the org's entry in the token-per-org map (logins ignore case)."""
    if settings.app is not None or settings.token:
        return True
    mapped = {login.lower() for login, _ in settings.tokens}
    return bool(mapped) if org is None else org.lower() in mapped


@dataclass(frozen=True)
class Access:
    """A client, the credentials it signs with, and the settings both came from."""

    settings: Settings
    credentials: Credentials
    client: GitHubClient

    def visible_orgs(self) -> list[str]:
        """Every organization the credentials can see, each once (logins ignore case), sorted: the
        App's installations on organizations (only the configured one, if one is), else the token's
        user's organizations; plus the orgs of the token-per-org map. Raises
        :class:`~.errors.GitHubError` when GitHub cannot say."""
        found: list[str] = [login for login, _ in self.settings.tokens]
        app = self.settings.app
        if app is not None:
            from .credentials import AppTokens

            assert isinstance(self.credentials, AppTokens)
            # The App's JWT authenticates GET /app/installations; AppTokens signs it (the key never leaves).
            found += [
                login
                for installation, login in self.client.list_app_installations(self.credentials)
                if app.installation_id is None or installation == app.installation_id
            ]
        elif self.settings.token:
            found += self.client.list_user_orgs()
        unique: dict[str, str] = {}
        for login in found:
            unique.setdefault(login.lower(), login)
        return sorted(unique.values(), key=str.lower)

    def close(self) -> None:
        """Close the client's pooled connections."""
        self.client.close()


def connect(settings: Settings, *, throttle: Throttle | None = None) -> Access:
    """The client for ``settings`` (their base URL, API version and limits) and its credentials.

    ``throttle``: the pacing to share (the doors pass the process's); else the client paces itself.
    Raises ``ValueError`` for a base URL that cannot be used, naming ``settings.base_url_source``.
    """
    from .client import GitHubClient
    from .credentials import credentials_for
    from .pacing import limits_for

    credentials = credentials_for(settings)
    client = GitHubClient(
        credentials,
        settings.base_url,
        limits=limits_for(settings),
        throttle=throttle,
        base_url_source=settings.base_url_source,
        api_version=settings.api_version,
        keys=settings.keys,
    )
    return Access(settings, credentials, client)
