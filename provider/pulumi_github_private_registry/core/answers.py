"""Reading GitHub's answers: a status becomes an exception, a body is checked before it is used.

:func:`raise_for` is the one place statuses become :mod:`~.errors` (GitHub's message, its errors and
the fields it refuses read by :func:`message_of`, bounded); :func:`json_body`, :func:`record` and
their kin take a body apart, and anything that is not what the API documents is
:class:`~.errors.MalformedResponse` naming the endpoint. Everything that comes back is distrusted.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from . import schema
from .errors import (
    AuthenticationError,
    GitHubError,
    MalformedResponse,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
    bounded,
)
from .pacing import rate_limit_wait
from .transport import RESENDABLE

__all__ = [
    "Asked",
    "UrlPart",
    "array",
    "configurations",
    "json_body",
    "message_of",
    "raise_for",
    "record",
    "redirect_target",
    "registry_url",
    "registry_url_marked",
]

# GitHub's text in an error is kept to this: the first messages, each bounded, and how many were left.
_MAX_MESSAGE: Final = 300
_MAX_ERRORS: Final = 5
_MAX_ERROR_TEXT: Final = 200


def message_of(response: requests.Response) -> tuple[str, list[str], list[str], dict[str, str | None]]:
    """GitHub's message, its ``errors`` as text (objects or plain strings), every field it names,
    and the fields whose value it refuses, each with the value it quotes (None when it quotes none).

    GitHub names a refused field in three shapes, all read here (:func:`_named_fields`). All
    bounded: an answer may carry 100 KB of errors, and the message travels to the user in gRPC
    metadata, which has a size limit.
    """
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return bounded(response.reason or f"HTTP {response.status_code}", _MAX_MESSAGE), [], [], {}
    if not isinstance(body, dict):
        return bounded(str(body), _MAX_MESSAGE), [], [], {}
    said = str(body.get("message") or response.reason or "")
    message = bounded(said, _MAX_MESSAGE)
    items = body.get("errors")
    # A list of objects or strings; GitHub's refusal of an API version gives one string.
    items = items if isinstance(items, list) else [items] if isinstance(items, str) else []
    errors: list[str] = []
    fields: list[str] = []
    for item in items[:_MAX_ERRORS]:
        if isinstance(item, dict):
            if item.get("field"):
                fields.append(bounded(str(item["field"]), 60))
            text = item.get("message") or " ".join(str(item[k]) for k in ("field", "code") if item.get(k))
            errors.append(bounded(str(text), _MAX_ERROR_TEXT))
        else:
            errors.append(bounded(str(item), _MAX_ERROR_TEXT))
    if len(items) > _MAX_ERRORS:
        errors.append(f"and {len(items) - _MAX_ERRORS} more left out")
    refused = _named_fields(said, items[:_MAX_ERRORS])
    return message, errors, [*fields, *(f for f in refused if f not in fields)], refused


# GitHub names a refused field of a request body in one of three shapes:
# (a) "Validation Failed" with error objects {"resource", "field", "code", "value"?} (GitHub's REST
#     docs, "Client errors"; the private-registries endpoints answer a missing field so);
# (b) its OpenAPI validation, with no error objects, the field and the value it refused in the
#     message: 'Invalid request.\n\nFor \'properties/auth_type\', "oidc_gcp" is not a member of
#     enum.' (a GHES release refusing an auth type it does not know, issue #17), also type errors,
#     as clients quote them: "For 'items', nil is not a string or object." (ixxmu/mp_duty#3639) or
#     "For 'properties/enabled', \"false\" is not a boolean";
# (c) plain strings: "registry_type must be one of: maven_repository, nuget_feed, ..." under
#     "Failed to create private registry configuration" (github.com refusing hex_organization, May
#     2026, issue #17).
# GitHub's text is cut before it is read, and read with str.partition, never a backtracking regex.
_FIELD_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,59}")
_MAX_READ: Final = 4000
_NAMED_AT: Final = "For '"
_PROPERTIES: Final = "properties/"


def _named_fields(message: str, items: list[Any]) -> dict[str, str | None]:
    """The fields whose value GitHub's answer refuses (shapes (a), (b), (c) above), each with the
    value it quotes. A field missing or a registry that exists already is no refused value: a
    note about an unsupported type would be wrong there."""
    named: dict[str, str | None] = {}

    def note(field: Any, value: Any = None) -> None:
        if isinstance(field, str) and _FIELD_NAME.fullmatch(field) and len(named) < _MAX_ERRORS * 2:
            quoted = None if value is None else bounded(str(value), 60)
            if named.get(field) is None:
                named[field] = quoted

    for item in items:
        if isinstance(item, dict) and item.get("code") in (None, "invalid"):  # (a) a value refused
            note(item.get("field"), item.get("value"))
        elif isinstance(item, str):  # (c) "<field> must be one of: ..." or "<field> is not ..."
            field, _, rest = item[:_MAX_READ].partition(" ")
            if rest.startswith(("must be one of", "is not ")):
                note(field)
    for piece in message[:_MAX_READ].split(_NAMED_AT)[1 : _MAX_ERRORS + 1]:  # (b)
        path, closed, rest = piece.partition("', ")
        value, known, _ = rest.partition(" is not ")
        if closed and known:
            # A schema path: properties/<field>[/items...]; the field is its first property.
            note(path.removeprefix(_PROPERTIES).partition("/")[0], _unquoted(value))
    return named


def _unquoted(value: str) -> str:
    """A value as GitHub's validator quotes it: a JSON string's text, else as it is (5, nil)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            text = json.loads(value)
        except ValueError:
            return value
        return text if isinstance(text, str) else value
    return value


@dataclass(frozen=True)
class Asked:
    """What an error about one request may say besides GitHub's answer."""

    token_source: str | None = None
    """Where the token came from, for the 401 that asks to change it (else :attr:`token_setting`)."""
    token_setting: str | None = None
    """Where the door reads the token, in words (its config key or environment variable)."""
    retry_wait_setting: str | None = None
    """Where the most time to wait on rate limits is set, for the rate limit's message."""
    api_version_setting: str | None = None
    """Where the API version is set (its config key or environment variable), for the 400 that
    refuses it."""
    refused: str | None = None
    """What a 401 means instead (a GitHub App's JWT refused: its key)."""
    permission_hint: str | None = None
    """What a 403 means for these credentials (a GitHub App's permission)."""
    enterprise_version: str | None = None
    """The GitHub Enterprise Server release that answered, if one did."""
    api_version: str = ""
    body: Mapping[str, Any] | None = None
    base_url: str | None = None
    """The base URL when it is not github.com's: a 404 may be its fault (a missing or doubled
    ``/api/v3``), so the 404's message names it."""
    base_url_source: str = ""
    """Where :attr:`base_url` came from, as messages name it (the door's config key, a variable, a flag)."""


def raise_for(method: str, request: str, response: requests.Response, asked: Asked = Asked()) -> None:
    """Map a non-2xx answer onto the exception tree: the one place statuses become errors."""
    status = response.status_code
    if status < 400:
        return
    message, errors, fields, refused = message_of(response)
    release = f"GitHub Enterprise Server {asked.enterprise_version}" if asked.enterprise_version else None
    if status == 401:
        raise AuthenticationError(request, message, asked.token_source or asked.token_setting, asked.refused)
    wait = rate_limit_wait(status, response.headers, message, time.time())
    if wait is not None:
        raise RateLimited(request, status, time.time() + wait, message, asked.retry_wait_setting)
    if status == 403:
        raise PermissionDenied(request, message, asked.permission_hint)
    if status == 404:
        server = f"the base URL {asked.base_url} ({asked.base_url_source})" if asked.base_url else None
        if release and "/private-registries" in request:
            raise NotFound(
                request,
                message,
                f"{release} answers 404 here: this release has no private-registries API (it came in "
                "a later one), or the organization does not exist or the token cannot see it"
                + (f", or {server} is not its API" if server else ""),
            )
        if server:  # not github.com: the server itself may be the wrong one
            raise NotFound(
                request, message, f"check the organization name, that the token can see it, and {server}"
            )
        raise NotFound(request, message)
    said = " ".join([message, *errors]).lower()
    if status == 400 and ("api-version" in said or "api version" in said):
        raise GitHubError(
            request,
            f"GitHub does not accept API version {asked.api_version} ({'; '.join(errors) or message}): set "
            f"{asked.api_version_setting or 'the API version'} to one this server supports "
            "(GitHub Enterprise Server: 2022-11-28)",
            status=status,
        )
    if status == 422:
        raise ValidationFailed(request, message, errors, fields, _refusal_note(refused, asked, release))
    if status >= 500:
        if method not in RESENDABLE:
            # A 5xx does not say whether GitHub applied the request before failing.
            raise OutcomeUnknown(request, f"only a {status} answer: {message}")
        raise ServerError(request, status, message)
    raise GitHubError(request, f"GitHub answered {status}: {message}", status=status)


def _refusal_note(named: Mapping[str, str | None], asked: Asked, release: str | None) -> str | None:
    """What GitHub's words leave out when it refuses a registry or auth type it does not offer.

    The value is the one we sent (GitHub's quote of it only when we sent none). A GHES release
    offers what its own API knew; github.com may list a registry type in its API description and
    still refuse it (hex_organization and hex_repository, May 2026): those are accepted here, and
    their refusal named for what it is.
    """
    notes = []
    for field in ("registry_type", "auth_type"):
        if field not in named:
            continue
        sent = (asked.body or {}).get(field)
        value = sent if isinstance(sent, str) and sent else named[field]
        if not value:
            continue
        if release:
            notes.append(f"{release} does not offer {field} {bounded(value, 60)}")
        elif field == "registry_type" and value in schema.REGISTRY_TYPES:
            notes.append(
                f"GitHub does not accept registry_type {value} yet, though its API description lists it"
            )
    return "; ".join(notes) or None


def json_body(response: requests.Response, request: str) -> Any:
    """The JSON body of a 2xx answer, or :class:`MalformedResponse` naming what came instead."""
    try:
        return response.json()
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the parser's recursion
        kind = bounded(response.headers.get("Content-Type") or "no content type", 60)
        size = len(response.content or b"")
        what = "an empty body" if not size else f"{size} bytes of {kind}"
        raise MalformedResponse(request, f"{what}, not JSON", response.status_code) from None


_RECORD_TYPES: Final[Mapping[str, type]] = {
    **{f: str for f in schema.RESPONSE_FIELDS},
    "replaces_base": bool,
    "selected_repository_ids": list,
}


def record(data: Any, request: str, *, name: str | None = None) -> dict[str, Any]:
    """A registry as GitHub documents it; anything else is :class:`MalformedResponse`.

    ``name``: the registry asked for, which the answer must be.
    """
    if not isinstance(data, dict):
        raise MalformedResponse(request, f"a registry must be a JSON object, got {type(data).__name__}")
    if not schema.is_configuration_name(data.get("name")):
        raise MalformedResponse(request, "a registry without a valid name")
    if name is not None and data["name"].upper() != name.upper():
        raise MalformedResponse(request, "the answer is about another registry")
    # GitHub's schema requires both times, and every answer it documents has them. A state
    # without them is how the core knows a create a cancel left unresolved (recovery.is_unresolved),
    # so a record without them must never become a state.
    if not isinstance(data.get("updated_at"), str) or not isinstance(data.get("created_at"), str):
        raise MalformedResponse(request, "a registry without its 'created_at' and 'updated_at' times")
    for field, kind in _RECORD_TYPES.items():
        value = data.get(field)
        if value is not None and not isinstance(value, kind):
            raise MalformedResponse(request, f"'{field}' is a {type(value).__name__}, not a {kind.__name__}")
    ids = data.get("selected_repository_ids")
    if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise MalformedResponse(request, "'selected_repository_ids' must hold integers")
    return data


def configurations(data: Any, request: str) -> list[dict[str, Any]]:
    """The registries of one page of an org's list."""
    items = data.get("configurations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise MalformedResponse(request, "no 'configurations' list in the org's list")
    return [record(item, request) for item in items]


def array(data: Any, request: str) -> list[Any]:
    """The items of one page of a listing that answers a JSON array."""
    if not isinstance(data, list):
        raise MalformedResponse(request, f"a {type(data).__name__}, not a JSON list")
    return data


def redirect_target(location: str, url: str, base_url: str) -> tuple[str, str | None]:
    """The redirect's target as it may be shown, and the base URL it suggests (None if none does).

    Shown without user-info, query or fragment, and bounded: it comes from whoever answered.
    """
    unusable = "an unusable Location"  # not quoted: an odd one may carry anything in its query
    try:
        target = urlsplit(urljoin(url, location.strip()))
        host, port = target.hostname or "", target.port
    except ValueError:  # a malformed host or port
        return unusable, None
    if target.scheme not in ("http", "https") or not host:
        return unusable, None
    netloc = host if port is None else f"{host}:{port}"
    shown = bounded(urlunsplit((target.scheme, netloc, target.path, "", "")), 200)
    tail = urlsplit(url).path[len(urlsplit(base_url).path) :]
    suggestion = None
    if tail and target.path.endswith(tail):
        suggestion = bounded(urlunsplit((target.scheme, netloc, target.path[: -len(tail)], "", "")), 200)
    return shown, suggestion


UrlPart = Literal["user_info", "query", "fragment", "after_host"]
"""A part of a registry's URL that :func:`registry_url` leaves out; ``after_host``: everything after
the host of a URL that cannot be taken apart (then the only part)."""


def registry_url(url: str) -> tuple[str, tuple[UrlPart, ...]]:
    """A registry's URL as a report or a committed file may hold it: ``scheme://host[:port]/path``,
    and what was left out of it (``user_info``, ``query``, ``fragment``, in that order), each of
    which may carry a credential (``https://deploy:TOKEN@host/``, ``?token=...``).

    A URL that cannot be taken apart (no scheme and host, a malformed port: ``https://user:TOKEN/``)
    is cut to ``scheme://host`` (:func:`~.problems.url_shown`), and ``after_host`` is what was left
    out. Linear in ``url``.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is no number: `host:TOKEN`)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.hostname:
        shown = schema.url_shown(url)
        return shown, (("after_host",) if shown != url else ())
    user_info, _, host = parts.netloc.rpartition("@")
    found: tuple[tuple[UrlPart, bool], ...] = (
        ("user_info", bool(user_info) or "@" in parts.netloc),
        ("query", bool(parts.query) or "?" in url),
        ("fragment", bool(parts.fragment) or "#" in url),
    )
    dropped = tuple(name for name, present in found if present)
    return urlunsplit((parts.scheme, host, parts.path, "", "")), dropped


def registry_url_marked(url: str) -> str:
    """:func:`registry_url` with a mark where a part was left out: ``https://***@host/path?…#…``."""
    shown, dropped = registry_url(url)
    if "user_info" in dropped:
        shown = shown.replace("://", "://***@", 1)
    marks: dict[UrlPart, str] = {"query": "?…", "fragment": "#…", "after_host": "…"}
    return shown + "".join(marks[name] for name in dropped if name in marks)
