"""Where the provider, the CLI and the stack program find GitHub: the settings in force.

:func:`resolve` reads a door's config (else the environment, else the defaults) into
:class:`Settings`, or raises :class:`SettingErrors` naming every value it refuses at once (a list
:func:`problems` returns instead); :func:`from_environment` serves the command-line tools. Each is
given the door's :class:`Keys` (its names for the settings), and the settings carry them, so that a
message names a setting as that door's users write it. The settings family has two more modules,
each importing only those before it: :mod:`.config_keys` (the table of settings and their facts) <-
:mod:`.config_values` (one value read and checked) <- this one. Nothing heavier than the standard
library is imported: ``validate`` stays light.

This module also re-exports the names of those modules that code outside the family uses (the
client, credentials, the doors, the tools, the stack program and tests), so that each keeps the one
path ``core.settings`` it has always imported them by.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from .config_keys import APP_ENV, DEFAULT_BASE_URL, NUMBERS, Keys, Setting, where
from .config_values import (
    AppAuth,
    SettingError,
    app_source,
    base_url_problem,
    clean_token,
    is_loopback,
    normalize_base_url,
    parse_api_version,
    parse_app,
    parse_number,
    parse_owner,
    parse_tokens,
)

__all__ = [
    "APP_ENV",
    "DEFAULT_BASE_URL",
    "NUMBERS",
    "AppAuth",
    "Keys",
    "Setting",
    "SettingError",
    "SettingErrors",
    "Settings",
    "base_url_problem",
    "clean_token",
    "from_environment",
    "is_loopback",
    "joined",
    "normalize_base_url",
    "parse_api_version",
    "parse_app",
    "parse_number",
    "parse_owner",
    "parse_tokens",
    "problems",
    "resolve",
    "where",
]


@dataclass(frozen=True)
class Settings:
    """Where and how to reach GitHub, and where each value came from. The token is never shown."""

    token: str | None = field(repr=False)
    base_url: str | None = None
    owner: str | None = None
    write_delay_ms: float = 1000.0
    max_concurrency: int = 4
    max_retry_wait: float = 120.0
    request_timeout: float = 30.0
    token_source: str = ""
    """Where the token came from (a config key, a variable, a flag); "": the door's token key."""
    base_url_source: str = ""
    """Where the base URL came from; "": the door's base URL key."""
    app: AppAuth | None = None
    tokens: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """A token per org (login in lower case), before :attr:`token`."""
    api_version: str | None = None
    """The REST API version to send; None: the default for the server (see the client)."""
    keys: Keys = field(kw_only=True, repr=False)
    """The door's names for the settings, which its messages use (not part of :attr:`identity`:
    they name the values, they are none)."""

    def __post_init__(self) -> None:
        # A frozen dataclass sets a derived default this way only.
        if not self.token_source:
            object.__setattr__(self, "token_source", self.keys.token.key)
        if not self.base_url_source:
            object.__setattr__(self, "base_url_source", self.keys.base_url.key)

    @property
    def token_key(self) -> str:
        """The config key that sets the token, for the message that asks for one."""
        return self.keys.token.key

    @property
    def tokens_key(self) -> str:
        """The config key of the token per org."""
        return self.keys.tokens.key

    @property
    def identity(self) -> tuple[Any, ...]:
        """What tells two settings apart, with the token as a digest (never kept as a key)."""
        secrets = [self.token, *(t for _, t in self.tokens), self.app.private_key if self.app else None]
        digest = hashlib.sha256(json.dumps(secrets).encode()).hexdigest()
        app = (self.app.id, self.app.installation_id) if self.app else None
        return (
            digest,
            app,
            tuple(org for org, _ in self.tokens),
            self.api_version,
            self.base_url,
            self.owner,
            self.write_delay_ms,
            self.max_concurrency,
            self.max_retry_wait,
            self.request_timeout,
        )


def _unset(value: Any) -> bool:
    return value in (None, "", {})


def _app_of(configured: Any, setting: Setting) -> AppAuth | None:
    """:func:`parse_app`, whose refusal of an incomplete App read from the environment says which of
    its variables are set: a stray ``GITHUB_APP_INSTALLATION_ID`` is otherwise a puzzle."""
    try:
        return parse_app(configured, setting)
    except SettingError as exc:
        missing = [name for name in (APP_ENV[0], APP_ENV[2]) if not os.environ.get(name)]
        if not _unset(configured) or not missing:
            raise
        present = [name for name in APP_ENV if os.environ.get(name)]
        raise SettingError(
            f"{exc}; a GitHub App is read from the environment because {' and '.join(present)} "
            f"{'is' if len(present) == 1 else 'are'} set: set {' and '.join(missing)} too, or unset "
            f"{' and '.join(present)} to use a token"
        ) from None


def _env_app_gives_way(token_configured: bool, tokens_configured: bool) -> bool:
    """Whether credentials in the config win over a GitHub App of the environment alone.

    A token in the config always does: the stack chose it, and a stray ``GITHUB_APP_ID`` in a
    shell must not break it. A token map does over an incomplete App (it serves the orgs beyond the
    map when complete, as it always did).
    """
    complete = all(os.environ.get(name) for name in (APP_ENV[0], APP_ENV[2]))
    return token_configured or (tokens_configured and not complete)


def _both_set(token_source: str, app_source: str) -> str:
    """The refusal of a token and a GitHub App together, each named where it was set."""
    from_env = [s for s in (token_source, app_source) if ":" not in s]
    if len(from_env) == 2:
        where_set = " in the environment"
    elif from_env:
        where_set = f" ({from_env[0]} in the environment)"
    else:
        where_set = ""
    return (
        f"{token_source} and {app_source} are both set{where_set}: remove {token_source} to "
        f"authenticate as the GitHub App, or {app_source} to use the token"
    )


_MAX_SHOWN: Final = 5
"""The problems a configuration's refusal spells out; the rest are counted ("and N more")."""


def joined(problems: Sequence[str]) -> str:
    """Problems as one message, as a door's configure refuses them: the first few joined by "; ",
    then how many more there are. A problem followed by another loses its closing full stop (not
    ".;"); the last keeps it, so that one problem reads as it always did."""
    shown = list(problems[:_MAX_SHOWN])
    if len(problems) > _MAX_SHOWN:
        shown.append(f"and {len(problems) - _MAX_SHOWN} more")
    return "; ".join([_unstopped(problem) for problem in shown[:-1]] + shown[-1:])


def _unstopped(problem: str) -> str:
    """``problem`` without its closing full stop (an ellipsis is kept)."""
    return problem[:-1] if problem.endswith(".") and not problem.endswith("..") else problem


class SettingErrors(SettingError):
    """Every value of a configuration that cannot be used, at once: what :func:`resolve` raises.

    ``errors``: one :class:`SettingError` per problem, each naming its setting. The message joins
    theirs (:func:`joined`), so that one problem reads as it always did; so does ``setting`` (None
    when there are several).
    """

    def __init__(self, errors: Sequence[SettingError]) -> None:
        super().__init__(
            joined([str(error) for error in errors]), errors[0].setting if len(errors) == 1 else None
        )
        self.errors: tuple[SettingError, ...] = tuple(errors)


def problems(config: Mapping[str, Any], keys: Keys) -> list[SettingError]:
    """Everything :func:`resolve` would refuse in ``config`` (else the environment), all at once:
    each :class:`SettingError` names its setting (the plugin's CheckConfig reports every one)."""
    return _settle(config, keys)[1]


def resolve(config: Mapping[str, Any], keys: Keys) -> Settings:
    """The settings in force: ``config`` (by the full keys of ``keys``), else the environment, else defaults.

    Raises :class:`SettingErrors` naming every value that cannot be used, each by its source
    (config key or environment variable); a token's characters are never shown.
    """
    resolved, found = _settle(config, keys)
    if found:
        raise SettingErrors(found)
    return resolved


def _settle(config: Mapping[str, Any], keys: Keys) -> tuple[Settings, list[SettingError]]:
    """The settings of ``config``, and every value that cannot be used (each naming its setting,
    and leaving its default in the settings returned)."""
    found: list[SettingError] = []

    def attempt(setting: Setting, parse: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        try:
            return parse(*args)
        except SettingError as exc:
            found.append(SettingError(str(exc), setting))
        return default

    numbers = {}
    for rule in NUMBERS:
        setting: Setting = getattr(keys, rule.name)
        numbers[rule.name] = attempt(
            setting, parse_number, rule, *setting.lookup(config.get(setting.key)), default=rule.default
        )
    given, token_source = keys.token.lookup(config.get(keys.token.key))
    # Configured, even if refused below: its refusal is the one to report, not an App's of the env.
    token_configured = not _unset(given) and token_source == keys.token.key
    refused_before = len(found)
    token = attempt(keys.token, clean_token, given, token_source, keys.set_secret)
    # Given, even if refused: it still conflicts with an App (reported with its refusal, in one run).
    token_given = token is not None or len(found) > refused_before
    base_url, base_url_source = keys.base_url.lookup(config.get(keys.base_url.key))
    if (
        base_url is not None
        and attempt(keys.base_url, normalize_base_url, base_url, base_url_source, keys.token.anywhere) is None
    ):
        base_url = None
    owner = attempt(keys.owner, parse_owner, *keys.owner.lookup(config.get(keys.owner.key)))
    configured_app = config.get(keys.app_auth.key)
    app = None
    app_given = False
    if not _unset(configured_app) or not _env_app_gives_way(
        token_configured, not _unset(config.get(keys.tokens.key))
    ):
        refused_before = len(found)
        app = attempt(keys.app_auth, _app_of, configured_app, keys.app_auth)
        # A configured App conflicts even if refused; one of the environment only once complete: a
        # stray variable's refusal already says to unset it to use the token.
        app_given = app is not None or (len(found) > refused_before and not _unset(configured_app))
    if app_given and token_given:
        found.append(
            SettingError(_both_set(token_source, app_source(configured_app, keys.app_auth)), keys.token)
        )
    tokens = attempt(
        keys.tokens, parse_tokens, config.get(keys.tokens.key), keys.tokens, keys.set_secret_path, default=()
    )
    api_version = attempt(
        keys.api_version, parse_api_version, *keys.api_version.lookup(config.get(keys.api_version.key))
    )
    resolved = Settings(
        token=token,
        base_url=base_url,
        owner=owner,
        write_delay_ms=numbers["write_delay_ms"],
        max_concurrency=int(numbers["max_concurrency"]),
        max_retry_wait=numbers["max_retry_wait"],
        request_timeout=numbers["request_timeout"],
        token_source=token_source,
        base_url_source=base_url_source,
        app=app,
        tokens=tokens,
        api_version=api_version,
        keys=keys,
    )
    return resolved, found


def from_environment(keys: Keys, token_env: str | None = None) -> Settings:
    """The settings of the command-line tools, from the environment: the token in ``token_env``
    (default: ``keys``' token variable), or a GitHub App (``GITHUB_APP_*``), a token per org and the
    API version, as the providers read them; ``keys`` name them in messages.

    The tuning values come from their environment variables (``GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT``,
    ...). The base URL is left to the caller (a flag, a stack file or ``GITHUB_BASE_URL``).
    """
    if token_env is None:  # not `or`: an empty name is no token, not $GITHUB_TOKEN's
        token_env = keys.token.env
    elif token_env and token_env != keys.token.env:
        # The messages that name the token's setting (a base URL's user-info) name the one in use.
        key = token_env if keys.token.key == keys.token.env else keys.token.key
        keys = replace(keys, token=replace(keys.token, key=key, env=token_env))
    token = clean_token(os.environ.get(token_env), token_env)
    numbers = {}
    for rule in NUMBERS:
        setting: Setting = getattr(keys, rule.name)
        numbers[rule.name] = parse_number(rule, os.environ.get(setting.env), setting.env)
    app = _app_of(None, keys.app_auth)
    if app is not None and token:
        raise SettingError(
            f"${token_env} and {app.source} are both set: unset ${token_env} to authenticate as the "
            f"GitHub App, or {app.source} to use the token"
        )
    return Settings(
        token=token,
        token_source=token_env,
        app=app,
        tokens=parse_tokens(None, keys.tokens, keys.set_secret_path),
        api_version=parse_api_version(os.environ.get(keys.api_version.env), keys.api_version.env),
        write_delay_ms=numbers["write_delay_ms"],
        max_concurrency=int(numbers["max_concurrency"]),
        max_retry_wait=numbers["max_retry_wait"],
        request_timeout=numbers["request_timeout"],
        keys=keys,
    )
