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
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Final
from urllib.parse import unquote, urlsplit

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
    "AppAuth",
    "Keys",
    "NumberRule",
    "Setting",
    "SettingError",
    "Settings",
    "base_url_problem",
    "clean_token",
    "edit_distance",
    "from_environment",
    "is_loopback",
    "misspelt_key_problem",
    "misspelt_keys",
    "nearest_name",
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
        # A host without its scheme (`github.acme.example`, `127.0.0.1:40619`, which urlsplit
        # reads as a path or as the scheme `localhost`), or `https:/host`, `https//host`.
        bare = _bare_host_problem(url, source)
        if bare:
            return bare
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


# What a base URL given without its scheme starts with: an optional `http:`/`https:` with the wrong
# number of slashes, then a host name or an IPv6 address in brackets, and an optional port.
_BARE_HOST_RE: Final = re.compile(
    r"(?:(?P<scheme>https?)(?::/?|//)(?!/))?(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])"
    r"(?P<port>:[0-9]{1,5})?(?P<path>/.*)?",
    re.IGNORECASE,
)


# The longest host name without a dot that a base URL without its scheme is quoted with (a machine
# on the local network, `ghe-primary`).
_MAX_BARE_NAME: Final = 32


def _bare_host_problem(url: str, source: str) -> str | None:
    """The problem of a base URL that names a host without ``https://``, quoting the host (never
    its path, which may be anything) and suggesting the URL: ``http://`` for loopback only."""
    match = _BARE_HOST_RE.fullmatch(url)
    if match is None:
        return None
    host, port = match["host"], match["port"] or ""
    if port and not 0 < int(port[1:]) < 65536:
        return None  # no URL to suggest
    given = (match["scheme"] or "").lower()
    loopback = is_loopback(host.strip("[]"))
    if not loopback and "." not in host and ":" not in host and len(host) > _MAX_BARE_NAME:
        # Not shown: a long name without a dot is no host one would type, but may be a token pasted
        # into the wrong key (a classic token is 40 hex digits).
        return (
            f"{source} must be an absolute https:// URL (e.g. https://github.example.com), got a value "
            "without a scheme that does not look like a host name"
        )
    scheme = "http" if loopback and given != "https" else "https"
    path = "/..." if (match["path"] or "/") != "/" else ""
    shown = url[: match.end("port") if port else match.end("host")] + path
    allowed = " (or http:// to this machine)" if loopback else ""
    return (
        f"{source} must be an absolute https:// URL{allowed}, got '{shown}' without its scheme: "
        f"use {scheme}://{host}{port}{path}"
    )


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


# --- credentials beyond one token ---------------------------------------------------------------

# A PEM private key as GitHub hands it out ("BEGIN RSA PRIVATE KEY", PKCS#1) or converted (PKCS#8):
# a header, then a footer after it. Searched for apart, never as one `BEGIN.+END` pattern: that
# scans to the end of the text from every header, quadratic in a text of many headers.
_PEM_BEGIN: Final = re.compile(r"-----BEGIN (?:RSA )?PRIVATE KEY-----")
_PEM_END: Final = re.compile(r"-----END (?:RSA )?PRIVATE KEY-----")
_APP_ID_RE: Final = re.compile(r"[0-9]{1,20}")
_API_VERSION_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An organization login, as the tokens map's keys must be.
_ORG_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")


@dataclass(frozen=True)
class AppAuth:
    """A GitHub App to authenticate as: its id, an installation (None: found per org), its key."""

    id: str
    installation_id: int | None
    private_key: str = field(repr=False)
    source: str = ""
    """Where it was configured: the config key, or the environment variables."""


def _is_pem_key(text: str) -> bool:
    """Whether ``text`` holds a PEM private key's header and, after it, its footer. Linear."""
    begin = _PEM_BEGIN.search(text)
    # At least one character between them, as the key's body.
    return begin is not None and _PEM_END.search(text, begin.end() + 1) is not None


class _Members(dict[str, Any]):
    """A JSON object that also keeps its members as given: a key given twice is there twice (the
    dict keeps the last, as ``json`` does)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _json_pairs(raw: Any, source: str, what: str, *, reencoded: bool = False) -> list[tuple[Any, Any]]:
    """A config value that is an object, as its members: a mapping, or its JSON text (as the stack
    config holds it), where a key may be given twice.

    With ``reencoded`` (``tokens`` only), JSON text whose value is a string is read once more, and
    only once: SDKs generated from the 0.2.x schema (``tokens`` with an environment default) send
    the variable's JSON text JSON-encoded again, as a generated provider sends every input that is
    no string (a Python one sends ``""`` encoded for a variable exported empty: nothing set)."""
    for attempt in range(2 if reencoded else 1):
        if not isinstance(raw, str):
            break
        if attempt and not raw:
            return []
        try:
            raw = json.loads(raw, object_pairs_hook=_Members)
        except (ValueError, RecursionError):
            # Not quoted: the text may hold a private key or a token.
            raise SettingError(f"{source} must be {what} (JSON text that does not parse)") from None
    if isinstance(raw, _Members):
        return raw.pairs
    if not isinstance(raw, Mapping):
        raise SettingError(f"{source} must be {what}")
    return list(raw.items())


def _json_or_mapping(raw: Any, source: str, what: str) -> Mapping[str, Any]:
    """A config value that is an object: a mapping, or its JSON text; a key given twice is refused
    (which of the two would count?)."""
    pairs = _json_pairs(raw, source, what)
    data = dict(pairs)
    if len(data) < len(pairs):
        raise SettingError(f"{source} gives a key twice")
    return data


def _whole_number_text(value: Any) -> Any:
    """A whole float as its integer's text (``101.0`` -> ``"101"``); anything else as it is."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value >= 0:
        return str(int(value))
    return value


def parse_app(configured: Any, setting: Setting) -> AppAuth | None:
    """The GitHub App of ``setting`` (its config value, else :data:`APP_ENV`), or None.

    Nothing of the key is ever quoted; a key that is not PEM text is refused here, its signing
    is tried on first use.
    """
    if configured not in (None, "", {}):
        source = setting.key
        data = _json_or_mapping(configured, source, "an object with id, installationId and pemFile")
        app_id, installation, pem = data.get("id"), data.get("installationId"), data.get("pemFile")
        names = (f"{source}.id", f"{source}.installationId", f"{source}.pemFile")
    elif any(os.environ.get(name) for name in APP_ENV):
        source = ", ".join(APP_ENV)
        app_id, installation, pem = (os.environ.get(name) or None for name in APP_ENV)
        names = APP_ENV
    else:
        return None
    # Pulumi's protocol carries every number as a double: 101.0 is the id 101.
    app_id, installation = _whole_number_text(app_id), _whole_number_text(installation)
    if isinstance(app_id, int) and not isinstance(app_id, bool):
        app_id = str(app_id)
    if not isinstance(app_id, str) or not _APP_ID_RE.fullmatch(app_id.strip()):
        raise SettingError(f"{names[0]} must be the GitHub App's numeric id")
    if installation in (None, ""):
        installation_id = None
    elif (isinstance(installation, int) and not isinstance(installation, bool)) or (
        isinstance(installation, str) and _APP_ID_RE.fullmatch(installation.strip())
    ):
        installation_id = int(installation)
    else:
        raise SettingError(f"{names[1]} must be the installation's numeric id (or left out)")
    if not isinstance(pem, str) or not _is_pem_key(pem.replace("\\n", "\n")):
        raise SettingError(
            f"{names[2]} must hold the App's private key, the contents of its .pem file "
            "('-----BEGIN RSA PRIVATE KEY-----' ...; '\\n' escapes are accepted)"
        )
    return AppAuth(app_id.strip(), installation_id, pem.replace("\\n", "\n").strip(), source)


def parse_api_version(raw: Any, source: str) -> str | None:
    """The REST API version to send (a date such as ``2026-03-10``), or None for the server's default."""
    if raw in (None, ""):
        return None
    if isinstance(raw, date):  # YAML reads an unquoted 2026-03-10 as a date
        raw = raw.isoformat()
    if not isinstance(raw, str) or not _API_VERSION_RE.fullmatch(raw.strip()):
        raise SettingError(f"{source} must be an API version date such as 2026-03-10")
    return raw.strip()


def parse_tokens(configured: Any, setting: Setting) -> tuple[tuple[str, str], ...]:
    """The token per org of ``setting`` (config value, else its environment variable as JSON)."""
    raw, source = setting.lookup(configured)
    if raw is None:
        return ()
    pairs = _json_pairs(raw, source, "a map from organization login to token", reencoded=True)
    tokens: list[tuple[str, str]] = []
    seen: set[str] = set()  # a set: 20,000 orgs are checked in milliseconds, not seconds
    for org, token in pairs:
        if not isinstance(org, str) or not _ORG_RE.fullmatch(org):
            raise SettingError(f"{source} has a key that is not an organization login")
        # A key given twice as it is (JSON text) or in another case: which token would count?
        if org.lower() in seen:
            raise SettingError(f"{source} names the organization '{org}' twice (logins ignore case)")
        seen.add(org.lower())
        cleaned = clean_token(token, f"{source}[{org}]")
        if cleaned:
            tokens.append((org.lower(), cleaned))
    return tuple(sorted(tokens))


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
    app: AppAuth | None = None
    tokens: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """A token per org (login in lower case), before :attr:`token`."""
    tokens_key: str = DYNAMIC.tokens.key
    api_version: str | None = None
    """The REST API version to send; None: the default for the server (see the client)."""

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


def parse_owner(raw: Any, source: str) -> str | None:
    """The owner (the org a registry without one belongs to), or None; refused unless a GitHub login.

    It becomes part of every request's path: ``../../app`` would move the request elsewhere.
    """
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or not _ORG_RE.fullmatch(raw):
        raise SettingError(
            f"{source} must be a GitHub organization login: letters, digits and hyphens, not "
            "starting with a hyphen, at most 39 characters"
        )
    return raw


def nearest_name(name: str, keys: Keys | Iterable[str]) -> str | None:
    """The setting of ``keys`` (or the name among ``keys``) a misspelled ``name`` most resembles
    (``baseURL`` -> ``baseUrl``, ``ower`` -> ``owner``), or None. Case never counts."""
    import difflib  # only for a misspelled key: kept off the start-up path

    if len(name) > 64:  # no setting's name comes near; difflib's work grows with the length
        return None
    names = [setting.name for setting in keys.all] if isinstance(keys, Keys) else list(keys)
    lowered = {known.lower(): known for known in names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


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


def _read_in(namespace: str) -> tuple[str, ...]:
    """The names the providers read in ``namespace``: both doors' keys there."""
    return tuple(
        dict.fromkeys(
            s.name for keys in (DYNAMIC, PLUGIN) for s in keys.all if s.key.startswith(f"{namespace}:")
        )
    )


# Printable ASCII: a key is named in a message as it was written, any other character as '?'.
_UNPRINTABLE_KEY: Final = re.compile(r"[^\x20-\x7e]")


def edit_distance(a: str, b: str, limit: int) -> int:
    """The edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``, or ``limit + 1``
    once more are needed. Only the band of ``limit`` cells either side of the diagonal is computed,
    and it stops at the first row past the limit: O(len(a) * limit)."""
    n, m = len(a), len(b)
    over = limit + 1
    if abs(n - m) > limit:
        return over
    before: list[int] = []
    row = [j if j <= limit else over for j in range(m + 1)]
    for i in range(1, n + 1):
        current = [i if i <= limit else over] + [over] * m
        low, high = max(1, i - limit), min(m, i + limit)
        for j in range(low, high + 1):
            value = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = min(value, over)
        if min(current[low - 1 : high + 1]) > limit:
            return over
        before, row = row, current
    return row[m]


def _misspelling_of(name: str, names: tuple[tuple[str, str, frozenset[str], bool], ...]) -> str | None:
    """The name of ours that ``name`` misspells: the same but for case, or one edit away (two for a
    name longer than five characters), and no nearer to a name of pulumi-github's. ``names``: each
    name, in lower case, its letters, and whether it is ours."""
    if len(name) > 32:  # no key read is longer than 16 characters
        return None
    limit = 1 if len(name) <= 5 else 2
    lowered = name.lower()
    best: tuple[int, bool, str] | None = None
    for known, known_lower, letters, is_ours in names:
        # Each character of the name found nowhere in the other takes an edit of its own: a cheap
        # bound that spares most keys the comparison.
        if sum(c not in letters for c in lowered) > limit:
            continue
        distance = edit_distance(lowered, known_lower, limit)
        # On a tie pulumi-github's key wins: a key it reads is never taken for a misspelling of ours.
        candidate = (distance, is_ours, known)
        if distance <= limit and (best is None or candidate[:2] < best[:2]):
            best = candidate
    return best[2] if best is not None and best[1] else None


def misspelt_keys(
    config_keys: Iterable[Any],
    namespaces: Iterable[str] = (GITHUB, PACKAGE),
    *,
    project: str | None = None,
) -> list[tuple[str, str]]:
    """The keys of ``config_keys`` that look like a misspelling of a key the providers read, each
    with the key meant: ``github:baseurl`` -> ``github:baseUrl``, ``github:ower`` -> ``github:owner``,
    ``github:maxConcurrency`` -> ``github-private-registry:maxConcurrency``.

    Only ``namespaces`` are looked at (of pulumi-github's and ours). A key differs from the one
    meant only in case or by an edit or two (:func:`edit_distance`), is no key pulumi-github reads
    (:data:`PULUMI_GITHUB_KEYS`) and is nearer none of them. Linear in the keys: each is compared,
    banded, with about twenty names of at most 16 characters.

    ``project``: the Pulumi project's name. Pulumi puts a project's own keys (written without a
    namespace) in its namespace, so in a project named ``github`` ``owners`` is ``github:owners``:
    there, only a key that differs from one read in case alone is taken for a misspelling.
    """
    wanted = tuple(namespaces)
    ours = {namespace: _read_in(namespace) for namespace in (GITHUB, PACKAGE)}
    theirs = {GITHUB: tuple(sorted(PULUMI_GITHUB_KEYS - set(ours[GITHUB]))), PACKAGE: ()}
    names = {
        namespace: tuple(
            (n, n.lower(), frozenset(n.lower()), n in ours[namespace])
            for n in (*ours[namespace], *theirs[namespace])
        )
        for namespace in ours
    }
    found: list[tuple[str, str]] = []
    for raw in dict.fromkeys(config_keys):
        key = str(raw)
        namespace, _, name = key.partition(":")
        if namespace not in wanted or namespace not in ours:
            continue
        if namespace == PACKAGE:
            name = name.removeprefix("config:")  # the older spelling of a provider key
        if name in ours[namespace] or name in theirs[namespace]:
            continue
        if namespace == project:  # the project's own key, unless only its case differs from ours
            case_only = {n.lower(): n for n in ours[namespace]}.get(name.lower())
            if case_only is not None:
                found.append((key, f"{namespace}:{case_only}"))
            continue
        # A key of the other namespace, put in this one (`github:maxConcurrency`).
        other = GITHUB if namespace == PACKAGE else PACKAGE
        elsewhere = {n.lower(): n for n in ours[other] if n not in ours[namespace]}
        if name.lower() in elsewhere:
            found.append((key, f"{other}:{elsewhere[name.lower()]}"))
            continue
        near = _misspelling_of(name, names[namespace])
        if near is not None:
            found.append((key, f"{namespace}:{near}"))
    return found


def misspelt_key_problem(key: str, meant: str) -> str:
    """The message of a key :func:`misspelt_keys` found: it is read by no provider, and which was meant."""
    shown = _UNPRINTABLE_KEY.sub("?", key[:100])
    namespace = key.partition(":")[0]
    if key.lower() == meant.lower():
        why = " (config keys are case-sensitive)"
    elif namespace != meant.partition(":")[0]:
        why = f" ({meant.partition(':')[2]} is in the {meant.partition(':')[0]} namespace)"
    else:
        why = ""
    readers = "the provider" if namespace == PACKAGE else "pulumi-github or this provider"
    return f"{shown} is no key {readers} reads{why}: did you mean {meant}?"


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


def _both_set(token_source: str, app: AppAuth) -> str:
    """The refusal of a token and a GitHub App together, each named where it was set."""
    from_env = [s for s in (token_source, app.source) if ":" not in s]
    if len(from_env) == 2:
        where_set = " in the environment"
    elif from_env:
        where_set = f" ({from_env[0]} in the environment)"
    else:
        where_set = ""
    return (
        f"{token_source} and {app.source} are both set{where_set}: remove {token_source} to "
        f"authenticate as the GitHub App, or {app.source} to use the token"
    )


def problems(config: Mapping[str, Any], keys: Keys = DYNAMIC) -> list[SettingError]:
    """Everything :func:`resolve` would refuse in ``config`` (else the environment), all at once:
    each :class:`SettingError` names its setting (the plugin's CheckConfig reports every one)."""
    found: list[SettingError] = []
    _settle(config, keys, found.append)
    return found


def resolve(config: Mapping[str, Any], keys: Keys = DYNAMIC) -> Settings:
    """The settings in force: ``config`` (by the full keys of ``keys``), else the environment, else defaults.

    Raises :class:`SettingError` naming the source (config key or environment variable) of the
    first value that cannot be used; a token's characters are never shown.
    """

    def refuse(error: SettingError) -> None:
        raise error

    return _settle(config, keys, refuse)


def _settle(config: Mapping[str, Any], keys: Keys, report: Callable[[SettingError], None]) -> Settings:
    """The settings of ``config``; each value that cannot be used goes to ``report`` (naming its
    setting) and leaves its default in what is returned."""

    def attempt(setting: Setting, parse: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        try:
            return parse(*args)
        except SettingError as exc:
            error = SettingError(str(exc), setting)
        report(error)  # outside the handler: a raised refusal carries no context
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
    token = attempt(keys.token, clean_token, given, token_source)
    base_url, base_url_source = keys.base_url.lookup(config.get(keys.base_url.key))
    if base_url is not None and attempt(keys.base_url, normalize_base_url, base_url, base_url_source) is None:
        base_url = None
    owner = attempt(keys.owner, parse_owner, *keys.owner.lookup(config.get(keys.owner.key)))
    configured_app = config.get(keys.app_auth.key)
    app = None
    if not _unset(configured_app) or not _env_app_gives_way(
        token_configured, not _unset(config.get(keys.tokens.key))
    ):
        app = attempt(keys.app_auth, _app_of, configured_app, keys.app_auth)
    if app is not None and token:
        report(SettingError(_both_set(token_source, app), keys.token))
    tokens = attempt(keys.tokens, parse_tokens, config.get(keys.tokens.key), keys.tokens, default=())
    api_version = attempt(
        keys.api_version, parse_api_version, *keys.api_version.lookup(config.get(keys.api_version.key))
    )
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
        app=app,
        tokens=tokens,
        tokens_key=keys.tokens.key,
        api_version=api_version,
    )


def from_environment(token_env: str = TOKEN.env) -> Settings:
    """The settings of the command-line tools, from the environment: the token in ``token_env``, or a
    GitHub App (``GITHUB_APP_*``), a token per org and the API version, as the providers read them.

    The tuning values come from their environment variables (``GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT``,
    ...). The base URL is left to the caller (a flag, a stack file or ``GITHUB_BASE_URL``).
    """
    keys = DYNAMIC
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
        tokens=parse_tokens(None, keys.tokens),
        api_version=parse_api_version(os.environ.get(keys.api_version.env), keys.api_version.env),
        write_delay_ms=numbers["write_delay_ms"],
        max_concurrency=int(numbers["max_concurrency"]),
        max_retry_wait=numbers["max_retry_wait"],
        request_timeout=numbers["request_timeout"],
    )
