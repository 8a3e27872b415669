"""Where the provider, the CLI and the stack program find GitHub: config keys and environment.

pulumi-github's own keys come first (``github:token``, ``github:baseUrl``, ``github:owner``,
``github:writeDelayMs``), so one stack config serves both providers; then this provider's tuning
keys. Each falls back to an environment variable when the config does not set it.

The rules that make a token and a base URL safe to use live here too, so that the provider, the
CLI's ``discover`` and ``validate`` and the HTTP client all refuse the same values with the same
words. This module imports nothing heavier than the standard library: ``validate`` stays light.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Final
from urllib.parse import unquote, urlsplit

__all__ = [
    "ALL",
    "BASE_URL",
    "DEFAULT_BASE_URL",
    "DYNAMIC",
    "MAX_CONCURRENCY",
    "MAX_RETRY_WAIT",
    "NUMBERS",
    "OWNER",
    "PACKAGE",
    "PLUGIN",
    "REQUEST_TIMEOUT",
    "TOKEN",
    "WRITE_DELAY_MS",
    "Keys",
    "NumberRule",
    "Setting",
    "SettingError",
    "Settings",
    "base_url_problem",
    "clean_token",
    "is_loopback",
    "normalize_base_url",
    "parse_number",
    "resolve",
    "where",
]

DEFAULT_BASE_URL: Final = "https://api.github.com/"


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and never quotes a token.

    ``setting``: the setting at fault, when :func:`resolve` knows it (the plugin's CheckConfig
    names its property).
    """

    def __init__(self, message: str, setting: Setting | None = None) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Setting:
    """A config key and the environment variable read when the config leaves it unset."""

    key: str
    env: str
    doc: str = ""
    secret: bool = False

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


def _in(namespace: str, name: str, env: str, doc: str, *, secret: bool = False) -> Setting:
    return Setting(f"{namespace}:{name}", env, doc, secret)


_DOCS: Final = {
    "token": "A GitHub token that may manage the organization's private registries.",
    "baseUrl": "GitHub's API URL: github.com by default; GHE.com or a GitHub Enterprise Server URL.",
    "owner": "The organization a registry belongs to when it does not say.",
    "writeDelayMs": "Milliseconds between two writes (GitHub asks for at least 1000).",
    "maxConcurrency": "The most requests in flight at once.",
    "maxRetryWait": "The most seconds one operation waits on GitHub's rate limits.",
    "requestTimeout": "The most seconds one request attempt may take, connecting included.",
}


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
        token=_in(shared, "token", "GITHUB_TOKEN", _DOCS["token"], secret=True),
        base_url=_in(shared, "baseUrl", "GITHUB_BASE_URL", _DOCS["baseUrl"]),
        owner=_in(shared, "owner", "GITHUB_OWNER", _DOCS["owner"]),
        write_delay_ms=_in(shared, "writeDelayMs", "GITHUB_WRITE_DELAY_MS", _DOCS["writeDelayMs"]),
        max_concurrency=_in(
            PACKAGE, "maxConcurrency", "GITHUB_PRIVATE_REGISTRY_MAX_CONCURRENCY", _DOCS["maxConcurrency"]
        ),
        max_retry_wait=_in(
            PACKAGE, "maxRetryWait", "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT", _DOCS["maxRetryWait"]
        ),
        request_timeout=_in(
            PACKAGE, "requestTimeout", "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT", _DOCS["requestTimeout"]
        ),
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


def _set_again(source: str) -> str:
    """How to set a token again at ``source``, keeping it out of shell history."""
    if ":" in source and not source.startswith("-"):
        return f"`pulumi config set --secret {source}` prompts for it"
    variable = source.lstrip("-").split()[-1] if source.startswith("-") else source
    return f'export {variable} from a file (`export {variable}="$(cat token.txt)"`)'


# --- tokens -----------------------------------------------------------------------------------


def clean_token(raw: Any, source: str) -> str | None:
    """A token as sent: surrounding whitespace stripped (a file with CRLF endings leaves ``\\r\\n``).

    A token with a space, a control or a non-ASCII character inside is refused: it cannot be a
    GitHub token, and the HTTP library would quote it whole in its error. ``source`` (the config
    key or environment variable it came from) is named; no character of the token is shown.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise SettingError(f"{source} must be a string (a GitHub token)")
    token = raw.strip()
    if not token:
        return None
    if any(not 0x21 <= ord(c) <= 0x7E for c in token):
        raise SettingError(
            f"{source} holds a space, a control character or a non-ASCII character inside the token; "
            f"GitHub tokens have none. Set it again: {_set_again(source)}."
        )
    return token


# --- base URLs --------------------------------------------------------------------------------

# Characters a base URL never needs and a hostile or mistyped one may carry: controls, space,
# backslash (some parsers read it as '/'), and anything outside ASCII (bidi overrides among them).
_BAD_URL_CHAR: Final = re.compile(r"[^\x21-\x7e]|\\")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (the emulator), where plain http cannot leak the token."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_problem(url: str, source: str = BASE_URL.key) -> str | None:
    """What makes ``url`` unusable as GitHub's base URL, or None; the URL itself is never quoted.

    Refused: a scheme other than http(s); plain http to a host other than loopback (the token would
    travel in cleartext); user-info (it would replace the token with Basic auth); a query, a
    fragment or ``;`` parameters; ``.``/``..`` segments or percent-escapes (they move the path
    elsewhere); control characters, spaces, backslashes and non-ASCII characters; a bad port.
    """
    url = url.strip()
    if _BAD_URL_CHAR.search(url):
        return (
            f"{source} contains a control character, a space, a backslash or a non-ASCII character; "
            "give the plain https:// URL of your GitHub"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # a malformed IPv6 host such as https://[::1
        return f"{source} is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        shown = f"a '{scheme}' URL" if scheme.isalnum() else "no absolute URL"
        return f"{source} must be an absolute https:// URL (e.g. https://github.example.com), got {shown}"
    if "@" in parts.netloc:
        return (
            f"{source} must not contain user-info (user:password@): put the token in github:token "
            "or GITHUB_TOKEN instead"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not host or port == -1 or port == 0:
        return f"{source} has no valid host and port"
    if "?" in url or "#" in url:
        return f"{source} must not have a query or a fragment ('?' or '#')"
    if ";" in parts.path:
        return f"{source} must not have ';' parameters in its path"
    if "%" in parts.path or any(unquote(s) in (".", "..") for s in parts.path.split("/")):
        return f"{source} must not have '.' or '..' segments or percent-escapes in its path"
    if scheme == "http" and not is_loopback(host):
        return (
            f"{source} uses plain http:// to {host}, which would send the token in cleartext: "
            f"use https://{parts.netloc}{parts.path}"
        )
    return None


def normalize_base_url(url: str | None, source: str = BASE_URL.key) -> str:
    """The REST API root for a configured base URL, always ending in ``/``.

    ``https://github.com`` and ``https://api.github.com`` mean github.com; ``https://NAME.ghe.com``
    means GHE.com's ``https://api.NAME.ghe.com/``; any other host is GitHub Enterprise Server,
    whose API lives under ``/api/v3/`` (added when the URL has no path, as pulumi-github does). A
    loopback URL is taken as given: that is the emulator. Raises :class:`SettingError` for a URL
    :func:`base_url_problem` refuses.
    """
    if not url:
        return DEFAULT_BASE_URL
    if not isinstance(url, str):
        raise SettingError(f"{source} must be a URL string")
    problem = base_url_problem(url, source)
    if problem:
        raise SettingError(problem)
    url = url.strip()
    if not url.endswith("/"):
        url += "/"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("github.com", "api.github.com"):
        return DEFAULT_BASE_URL
    if host.endswith(".ghe.com"):
        if not host.startswith("api."):
            host = "api." + host
        return f"https://{host}/"
    if not is_loopback(host) and parts.path in ("", "/"):
        return url + "api/v3/"
    return url


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


def parse_number(rule: NumberRule, raw: Any, source: str) -> float:
    """``raw`` (a number or numeric text, None for the default) checked against ``rule``."""
    if raw is None or raw == "":
        return rule.default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value) or not rule.low <= value <= rule.high:
        kind = "a whole number" if rule.integer else "a number"
        return _number_error(source, f"must be {kind} from {rule.low:g} to {rule.high:g}")
    if rule.integer and not value.is_integer():
        return _number_error(source, "must be a whole number")
    return value


def _number_error(source: str, reason: str) -> float:
    raise SettingError(f"{source} {reason}")


# --- the settings in force ----------------------------------------------------------------------


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
    token_source: str = TOKEN.key
    base_url_source: str = BASE_URL.key
    token_key: str = TOKEN.key
    """The config key that sets the token, for the message that asks for one."""

    @property
    def identity(self) -> tuple[Any, ...]:
        """What tells two settings apart, with the token as a digest (never kept as a key)."""
        digest = hashlib.sha256(self.token.encode()).hexdigest() if self.token else None
        return (
            digest,
            self.base_url,
            self.owner,
            self.write_delay_ms,
            self.max_concurrency,
            self.max_retry_wait,
            self.request_timeout,
        )


@contextmanager
def _at(setting: Setting) -> Iterator[None]:
    """Name ``setting`` on a :class:`SettingError` raised inside."""
    try:
        yield
    except SettingError as exc:
        raise SettingError(str(exc), setting) from None


def resolve(config: Mapping[str, Any], keys: Keys = DYNAMIC) -> Settings:
    """The settings in force: ``config`` (by the full keys of ``keys``), else the environment, else defaults.

    Raises :class:`SettingError` naming the source (config key or environment variable) whose
    value cannot be used; a token's characters are never shown.
    """
    numbers = {}
    for rule in NUMBERS:
        setting: Setting = getattr(keys, rule.name)
        with _at(setting):
            numbers[rule.name] = parse_number(rule, *setting.lookup(config.get(setting.key)))
    token, token_source = keys.token.lookup(config.get(keys.token.key))
    with _at(keys.token):
        token = clean_token(token, token_source)
    base_url, base_url_source = keys.base_url.lookup(config.get(keys.base_url.key))
    if base_url is not None:
        with _at(keys.base_url):
            normalize_base_url(base_url, base_url_source)
    owner = keys.owner.resolve(config.get(keys.owner.key))
    if owner is not None and not isinstance(owner, str):
        raise SettingError(f"{keys.owner.key} must be an organization name", keys.owner)
    return Settings(
        token=token,
        base_url=base_url,
        owner=owner,
        write_delay_ms=numbers["write_delay_ms"],
        max_concurrency=int(numbers["max_concurrency"]),
        max_retry_wait=numbers["max_retry_wait"],
        request_timeout=numbers["request_timeout"],
        token_source=token_source,
        base_url_source=base_url_source,
        token_key=keys.token.key,
    )
