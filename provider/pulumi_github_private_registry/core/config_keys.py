"""The settings table: every setting's name, environment variable, doc, kind, secrecy and bounds.

A door names its settings by config keys in namespaces of its own: :func:`door_keys` builds its
:class:`Keys` from the table and the two namespaces the door gives (the package's ``audiences``
hold them); :func:`environment_keys` builds the command-line tools', which read only the
environment. Also here: the numeric settings' bounds and how a message names a setting's source.
Imports nothing of ours.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final

__all__ = [
    "APP_ENV",
    "DEFAULT_BASE_URL",
    "NUMBERS",
    "SHARED",
    "Keys",
    "NumberRule",
    "Setting",
    "door_keys",
    "environment_keys",
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
        """The key without its namespace: ``NAMESPACE:baseUrl`` -> ``baseUrl``."""
        return self.key.rpartition(":")[2]

    @property
    def anywhere(self) -> str:
        """Where it may be set, as a message asking to set it names both places: ``KEY or ENV``
        (the environment variable alone when that is the key, as for the tools)."""
        return self.env if self.key == self.env else f"{self.key} or {self.env}"

    @property
    def pair(self) -> str:
        """``KEY / ENV``: both places, as a problem's message names them."""
        return f"{self.key} / {self.env}"

    @property
    def places(self) -> str:
        """:attr:`anywhere` in words: ``the KEY config key or the ENV environment variable``."""
        if self.key == self.env:
            return where(self.env)
        return f"{where(self.key)} or {where(self.env)}"

    def resolve(self, configured: Any) -> Any:
        """``configured`` if set, else the environment variable's value, else None."""
        return self.lookup(configured)[0]

    def lookup(self, configured: Any) -> tuple[Any, str]:
        """The value in force and where it came from: the config key or the environment variable."""
        if configured not in (None, ""):
            return configured, self.key
        value = os.environ.get(self.env) or None
        # Neither set: a message asking to set it names both places.
        return value, (self.env if value is not None else self.anywhere)


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

SHARED: Final = frozenset({"token", "baseUrl", "owner", "writeDelayMs", "appAuth"})
"""The settings pulumi-github reads too: a door may put them in pulumi-github's namespace, so that
one stack config serves both providers."""


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
    set_secret: str | None = None
    """How this door's users set a secret config key, ``{key}`` standing for the key (a command of
    their tool); None: they set none (the tools read the environment)."""
    set_secret_path: str | None = None
    """How they set a secret inside a structured config key (one org's token in the map), ``{key}``
    standing for its path, ``KEY.FIELD``; None: they set none."""

    @property
    def all(self) -> tuple[Setting, ...]:
        """Every setting, in this order."""
        return tuple(setting for _, setting in self.items())

    def items(self) -> tuple[tuple[str, Setting], ...]:
        """(attribute, setting) pairs: the attribute is also the :class:`Settings` field it sets."""
        return tuple(
            (f.name, value) for f in fields(self) if isinstance(value := getattr(self, f.name), Setting)
        )


# attribute, name, environment variable, kind, secret: the table's one row per setting.
_TABLE: Final = (
    ("token", "token", "GITHUB_TOKEN", "string", True),
    ("base_url", "baseUrl", "GITHUB_BASE_URL", "string", False),
    ("owner", "owner", "GITHUB_OWNER", "string", False),
    ("write_delay_ms", "writeDelayMs", "GITHUB_WRITE_DELAY_MS", "number", False),
    ("max_concurrency", "maxConcurrency", "GITHUB_PRIVATE_REGISTRY_MAX_CONCURRENCY", "integer", False),
    ("max_retry_wait", "maxRetryWait", "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT", "number", False),
    ("request_timeout", "requestTimeout", "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT", "number", False),
    ("app_auth", "appAuth", APP_ENV[0], "app", True),
    ("tokens", "tokens", "GITHUB_PRIVATE_REGISTRY_TOKENS", "map", True),
    ("api_version", "apiVersion", "GITHUB_API_VERSION", "string", False),
)


def door_keys(
    shared: str, own: str, *, set_secret: str | None = None, set_secret_path: str | None = None
) -> Keys:
    """A door's keys: the settings pulumi-github reads too (:data:`SHARED`) in the ``shared``
    namespace, the others in ``own`` (both the same namespace: every key in it).

    ``set_secret`` and ``set_secret_path``: how the door's users set a secret config key, and one
    inside a structured key, with ``{key}`` for the key (see :attr:`Keys.set_secret`)."""
    return _keys(lambda name, env: f"{shared if name in SHARED else own}:{name}", set_secret, set_secret_path)


def environment_keys() -> Keys:
    """The keys of a reader of the environment alone (the command-line tools): each setting is
    named by its environment variable."""
    return _keys(lambda name, env: env, None, None)


def _keys(key: Callable[[str, str], str], set_secret: str | None, set_secret_path: str | None) -> Keys:
    """Every setting of the table, each named ``key(name, env)``."""
    return Keys(
        **{
            attribute: Setting(key(name, env), env, _DOCS[name], secret, kind)
            for attribute, name, env, kind, secret in _TABLE
        },
        set_secret=set_secret,
        set_secret_path=set_secret_path,
    )


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
