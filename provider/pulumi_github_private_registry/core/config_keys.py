"""The settings table: every config key of both doors, its environment variable and its facts.

pulumi-github's own keys come first (``github:token``, ``github:baseUrl``, ``github:owner``,
``github:writeDelayMs``), so one stack config serves both providers; then this provider's tuning
keys. Each falls back to an environment variable when the config does not set it. Also here: the
numeric settings' bounds, the keys pulumi-github reads, and how a message names a setting's source.
Imports nothing of ours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Final

__all__ = [
    "ALL",
    "APP_ENV",
    "BASE_URL",
    "DEFAULT_BASE_URL",
    "DYNAMIC",
    "GITHUB",
    "MAX_CONCURRENCY",
    "MAX_RETRY_WAIT",
    "NUMBERS",
    "OWNER",
    "PACKAGE",
    "PLUGIN",
    "PULUMI_GITHUB_KEYS",
    "REQUEST_TIMEOUT",
    "TOKEN",
    "WRITE_DELAY_MS",
    "Keys",
    "NumberRule",
    "Setting",
    "where",
]

DEFAULT_BASE_URL: Final = "https://api.github.com/"


@dataclass(frozen=True)
class Setting:
    """A config key and the environment variable read when the config leaves it unset."""

    key: str
    env: str
    doc: str = ""
    secret: bool = False
    kind: str = "string"
    """The value's type as the plugin's schema states it: string, number, integer, app or map."""

    @property
    def name(self) -> str:
        """The key without its namespace: ``github:baseUrl`` -> ``baseUrl``."""
        return self.key.rpartition(":")[2]

    def resolve(self, configured: Any) -> Any:
        """``configured`` if set, else the environment variable's value, else None."""
        return self.lookup(configured)[0]

    def lookup(self, configured: Any) -> tuple[Any, str]:
        """The value in force and where it came from: the config key or the environment variable."""
        if configured not in (None, ""):
            return configured, self.key
        value = os.environ.get(self.env) or None
        # Neither set: a message asking to set it names both places.
        return value, (self.env if value is not None else f"{self.key} or {self.env}")


PACKAGE: Final = "github-private-registry"
"""The plugin's package name, and the namespace of this provider's own config keys."""


def _in(namespace: str, name: str, env: str, *, secret: bool = False, kind: str = "string") -> Setting:
    return Setting(f"{namespace}:{name}", env, _DOCS[name], secret, kind)


_DOCS: Final = {
    "token": "A GitHub token that may manage the organization's private registries.",
    "baseUrl": "GitHub's API URL: github.com by default; GHE.com or a GitHub Enterprise Server URL.",
    "owner": "The organization a registry belongs to when it does not say.",
    "writeDelayMs": "Milliseconds between two writes (GitHub asks for at least 1000).",
    "maxConcurrency": "The most requests in flight at once.",
    "maxRetryWait": "The most seconds one operation waits on GitHub's rate limits.",
    "requestTimeout": "The most seconds one request attempt may take, connecting included.",
    "appAuth": "A GitHub App to authenticate as instead of a token: id, installationId (optional: "
    "found per org) and pemFile (the private key's PEM contents).",
    "tokens": "A token per organization (org login to token), for tokens that each reach one org; "
    "an org without an entry uses the token.",
    "apiVersion": "GitHub's REST API version: 2026-03-10 on github.com and GHE.com, 2022-11-28 on "
    "GitHub Enterprise Server by default.",
}
APP_ENV: Final = ("GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PEM_FILE")
"""The environment variables of a GitHub App's id, installation id and private key (pulumi-github's)."""


@dataclass(frozen=True)
class Keys:
    """Where one front door reads each setting: its config keys and their environment variables."""

    token: Setting
    base_url: Setting
    owner: Setting
    write_delay_ms: Setting
    max_concurrency: Setting
    max_retry_wait: Setting
    request_timeout: Setting
    app_auth: Setting
    tokens: Setting
    api_version: Setting

    @property
    def all(self) -> tuple[Setting, ...]:
        """Every setting, in this order."""
        return tuple(setting for _, setting in self.items())

    def items(self) -> tuple[tuple[str, Setting], ...]:
        """(attribute, setting) pairs: the attribute is also the :class:`Settings` field it sets."""
        return tuple((f.name, getattr(self, f.name)) for f in fields(self))


def _keys(shared: str) -> Keys:
    """The keys of a door: pulumi-github's four in ``shared``'s namespace, the tuning keys in ours."""
    return Keys(
        token=_in(shared, "token", "GITHUB_TOKEN", secret=True),
        base_url=_in(shared, "baseUrl", "GITHUB_BASE_URL"),
        owner=_in(shared, "owner", "GITHUB_OWNER"),
        write_delay_ms=_in(shared, "writeDelayMs", "GITHUB_WRITE_DELAY_MS", kind="number"),
        max_concurrency=_in(
            PACKAGE,
            "maxConcurrency",
            "GITHUB_PRIVATE_REGISTRY_MAX_CONCURRENCY",
            kind="integer",
        ),
        max_retry_wait=_in(
            PACKAGE,
            "maxRetryWait",
            "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT",
            kind="number",
        ),
        request_timeout=_in(
            PACKAGE,
            "requestTimeout",
            "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT",
            kind="number",
        ),
        app_auth=_in(shared, "appAuth", APP_ENV[0], secret=True, kind="app"),
        tokens=_in(PACKAGE, "tokens", "GITHUB_PRIVATE_REGISTRY_TOKENS", secret=True, kind="map"),
        api_version=_in(PACKAGE, "apiVersion", "GITHUB_API_VERSION"),
    )


DYNAMIC: Final = _keys("github")
"""The dynamic provider's keys: pulumi-github's own (``github:token``, ...), so that one stack config
serves both providers, and this provider's tuning keys."""
PLUGIN: Final = _keys(PACKAGE)
"""The plugin's keys, all in its package's namespace (``github-private-registry:token``, ...)."""

TOKEN: Final = DYNAMIC.token
BASE_URL: Final = DYNAMIC.base_url
OWNER: Final = DYNAMIC.owner
WRITE_DELAY_MS: Final = DYNAMIC.write_delay_ms
MAX_CONCURRENCY: Final = DYNAMIC.max_concurrency
MAX_RETRY_WAIT: Final = DYNAMIC.max_retry_wait
REQUEST_TIMEOUT: Final = DYNAMIC.request_timeout
ALL: Final = DYNAMIC.all
"""Every setting the dynamic provider reads in ``configure``."""


def where(source: str) -> str:
    """How a message names a setting's source: a config key, an environment variable or a flag."""
    if " or " in source:  # nothing was set: either place will do
        return source
    if source.startswith("-"):
        return f"the {source} option"
    if ":" in source:
        return f"the {source} config key"
    return f"the {source} environment variable"


# --- numbers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberRule:
    """A numeric tuning setting: its default and the closed range it must fall in."""

    name: str
    """The :class:`Keys` (and :class:`Settings`) attribute it sets."""
    default: float
    low: float
    high: float
    integer: bool = False


NUMBERS: Final[tuple[NumberRule, ...]] = (
    NumberRule("write_delay_ms", 1000.0, 0.0, 60_000.0),
    NumberRule("max_concurrency", 4.0, 1.0, 100.0, integer=True),
    NumberRule("max_retry_wait", 120.0, 0.0, 3600.0),
    NumberRule("request_timeout", 30.0, 0.1, 600.0),
)
"""The numeric settings; every one bounded, so that no wait or pool is unbounded."""

# --- pulumi-github's keys -------------------------------------------------------------------

GITHUB: Final = "github"
"""pulumi-github's config namespace, whose token, base URL, owner, write delay and App the dynamic
provider reads too."""

PULUMI_GITHUB_KEYS: Final = frozenset(
    {
        "appAuth",
        "baseUrl",
        "cachePath",
        "insecure",
        "legacyClient",
        "maxPerPage",
        "maxRetries",
        "organization",
        "owner",
        "parallelRequests",
        "readDelayMs",
        "retryDelayMs",
        "retryableErrors",
        "token",
        "writeDelayMs",
    }
)
"""Every key pulumi-github reads in its namespace (``pulumi_github/config/vars.py``; a test keeps
this in step with the installed package): a stack sets them for pulumi-github, so none is ever taken
for a misspelling of ours (``readDelayMs`` is as near ``writeDelayMs`` as a typo)."""
