"""One setting's value read and checked: a token, a base URL, a number, a GitHub App, a token per
org, an API version, an owner; :class:`SettingError` for a value that cannot be used.

The rules that make a token and a base URL safe to use live here, so that the provider, the CLI's
``discover`` and ``validate`` and the HTTP client all refuse the same values with the same words.
Each message names the value's source (see :func:`.config_keys.where`) and never quotes a token.
Imports only :mod:`.config_keys`, and nothing heavier than the standard library: ``validate``
stays light.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from .config_keys import APP_ENV, DEFAULT_BASE_URL, NumberRule, Setting
from .fields import ORG_LOGIN_RE

__all__ = [
    "AppAuth",
    "SettingError",
    "app_source",
    "base_url_problem",
    "clean_token",
    "is_loopback",
    "normalize_base_url",
    "parse_api_version",
    "parse_app",
    "parse_number",
    "parse_owner",
    "parse_tokens",
]


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and never quotes a token.

    ``setting``: the setting at fault, when :func:`.settings.resolve` knows it (the plugin's CheckConfig
    names its property).
    """

    def __init__(self, message: str, setting: Setting | None = None) -> None:
        super().__init__(message)
        self.setting = setting


def _set_again(source: str, set_secret: str | None) -> str:
    """How to set a token again at ``source``, keeping it out of shell history: a config key by the
    door's ``set_secret`` command (see :attr:`.config_keys.Keys.set_secret`)."""
    if ":" in source and not source.startswith("-"):
        if set_secret is None:
            return f"{source} takes it as a secret"
        return f"`{set_secret.format(key=source)}` prompts for it"
    variable = source.lstrip("-").split()[-1] if source.startswith("-") else source
    return f'export {variable} from a file (`export {variable}="$(cat token.txt)"`)'


# --- tokens -----------------------------------------------------------------------------------


def clean_token(
    raw: Any, source: str, set_secret: str | None = None, *, set_again: str | None = None
) -> str | None:
    """A token as sent: surrounding whitespace stripped (a file with CRLF endings leaves ``\\r\\n``).

    A token with a space, a control or a non-ASCII character inside is refused: it cannot be a
    GitHub token, and the HTTP library would quote it whole in its error. ``source`` (the config
    key or environment variable it came from) is named; no character of the token is shown.
    ``set_secret``: the door's command that sets a secret config key, to set it again;
    ``set_again``: how to set it again instead (an entry of a map is set by its path, or with the map).
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
            f"GitHub tokens have none. Set it again: {set_again or _set_again(source, set_secret)}."
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


def base_url_problem(url: str, source: str, token_setting: str | None = None) -> str | None:
    """What makes ``url`` unusable as GitHub's base URL, or None; the URL itself is never quoted.

    ``source`` names where the URL came from; ``token_setting`` where the token goes instead of the
    URL's user-info (the door's token key and variable).

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
            f"{source} must not contain user-info (user:password@): put the token in "
            f"{token_setting or 'its own setting'} instead"
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


def normalize_base_url(url: str | None, source: str, token_setting: str | None = None) -> str:
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
    problem = base_url_problem(url, source, token_setting)
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


def app_source(configured: Any, setting: Setting) -> str:
    """Where a GitHub App is read from: ``setting``'s config key when ``configured``, else its
    variables (:data:`APP_ENV`), as messages name it (:attr:`AppAuth.source`)."""
    return setting.key if configured not in (None, "", {}) else ", ".join(APP_ENV)


def parse_app(configured: Any, setting: Setting) -> AppAuth | None:
    """The GitHub App of ``setting`` (its config value, else :data:`APP_ENV`), or None.

    Nothing of the key is ever quoted; a key that is not PEM text is refused here, its signing
    is tried on first use.
    """
    source = app_source(configured, setting)
    if configured not in (None, "", {}):
        data = _json_or_mapping(configured, source, "an object with id, installationId and pemFile")
        app_id, installation, pem = data.get("id"), data.get("installationId"), data.get("pemFile")
        names = (f"{source}.id", f"{source}.installationId", f"{source}.pemFile")
    elif any(os.environ.get(name) for name in APP_ENV):
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


def parse_tokens(
    configured: Any, setting: Setting, set_secret_path: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The token per org of ``setting`` (config value, else its environment variable as JSON);
    ``set_secret_path``: the door's command that sets a secret inside a config key (one org's token),
    to set a refused one again (:attr:`.config_keys.Keys.set_secret_path`)."""
    raw, source = setting.lookup(configured)
    if raw is None:
        return ()
    pairs = _json_pairs(raw, source, "a map from organization login to token", reencoded=True)
    tokens: list[tuple[str, str]] = []
    seen: set[str] = set()  # a set: 20,000 orgs are checked in milliseconds, not seconds
    for org, token in pairs:
        if not isinstance(org, str) or not ORG_LOGIN_RE.fullmatch(org):
            raise SettingError(f"{source} has a key that is not an organization login")
        # A key given twice as it is (JSON text) or in another case: which token would count?
        if org.lower() in seen:
            raise SettingError(f"{source} names the organization '{org}' twice (logins ignore case)")
        seen.add(org.lower())
        entry = f"{source}[{org}]"
        cleaned = clean_token(token, entry, set_again=_set_entry_again(source, org, set_secret_path))
        if cleaned:
            tokens.append((org.lower(), cleaned))
    return tuple(sorted(tokens))


def _set_entry_again(source: str, org: str, set_secret_path: str | None) -> str:
    """How to set one org's token of the map at ``source`` again: a config key's entry by its path
    (``KEY.ORG``), a variable's by exporting the whole map (``VAR[ORG]`` is no variable)."""
    if ":" in source and set_secret_path is not None:
        return f"`{set_secret_path.format(key=f'{source}.{org}')}` prompts for it"
    if ":" in source:
        return _set_again(f"{source}[{org}]", None)
    return f'export the whole map again from a file (`export {source}="$(cat tokens.json)"`)'


# --- the owner ----------------------------------------------------------------------------------


def parse_owner(raw: Any, source: str) -> str | None:
    """The owner (the org a registry without one belongs to), or None; refused unless a GitHub login.

    It becomes part of every request's path: ``../../app`` would move the request elsewhere.
    """
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or not ORG_LOGIN_RE.fullmatch(raw):
        raise SettingError(
            f"{source} must be a GitHub organization login: letters, digits and hyphens, not "
            "starting with a hyphen, at most 39 characters"
        )
    return raw
