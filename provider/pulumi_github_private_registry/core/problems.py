"""Problems as data, and their messages per audience.

A :class:`Problem` is a code, the field and parameters, never English; :func:`render` makes its
message at the edge for one :class:`Audience`: GitHub's names (:data:`REST`, the one audience of no
door), or a door's (the ``audiences`` package: each door's names for fields, and its words); the
stack-config reader adds its own. Any text from outside that a message quotes goes through
:func:`shown`, :func:`plain`, :func:`url_shown` or :func:`unquoted`: redacted, bounded, printable,
and never a URL's path or a secret. Imports only :mod:`.errors` (the one redaction step): each
audience brings its own way of naming a field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import field as _field  # `Problem.field` shadows the name in its class body
from typing import Any, Final
from urllib.parse import quote

from .errors import HIDDEN, redact

__all__ = [
    "MESSAGES",
    "REST",
    "SECRET_SHOWN",
    "Audience",
    "Problem",
    "field_names",
    "plain",
    "render",
    "shown",
    "unquoted",
    "url_shown",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a declaration or a request: a code, the field, and the parameters.

    ``field`` is named as the layer that found it names it (GitHub's name in :func:`rest_problems`,
    the declaration's in :func:`declaration_problems`); :func:`render` names it for the reader.
    Parameters ending in ``_field`` name fields too.
    """

    code: str
    field: str
    params: Mapping[str, Any] = _field(default_factory=dict)

    def __post_init__(self) -> None:
        taken = _RENDER_NAMES & set(self.params)
        if taken:
            raise ValueError(f"a problem's parameters cannot be named {sorted(taken)}: render uses them")


_RENDER_NAMES: Final = frozenset({"field", "q", "u"})

MESSAGES: Final[Mapping[str, str]] = {
    "required": "{field} is required",
    "not_string": "{field} must be a string",
    "not_bool": "{field} must be true or false",
    "not_one_of": "{field} is {value}, which is not one of: {allowed}",
    "url_hidden": "{field} must not contain spaces, control characters or bidirectional-text controls",
    "url_invalid": "{field} is not a valid URL: {value}",
    "url_not_http": "{field} must be an absolute http(s) URL, got {value}",
    "url_userinfo": "{field} must not contain user-info (user:password@): put the credential in {q[value]}",
    "url_port": "{field} has an invalid port",
    "hidden_chars": "{field} must not contain control characters or bidirectional-text controls",
    "not_base64": "{field} must be standard, padded base64",
    "ids_not_list": "{field} must be a list of repository ids",
    "ids_need_selected": "{field} is only allowed with visibility 'selected', not {visibility}",
    "selected_needs_ids": "visibility 'selected' needs at least one id in {field}",
    "bad_ids": "{field} must hold repository ids, positive integers up to {max}, got {bad}",
    "auth_required": "{field} is required when {u[auth_type]} is {auth_type}",
    "auth_forbidden": "{field} is not allowed when {u[auth_type]} is {auth_type} (it belongs to {owners})",
    "secret_required": "a secret is required when {u[auth_type]} is {auth_type}",
    "secret_missing": "a secret is required when {u[auth_type]} is {auth_type}: set {q[value]} "
    "(or {q[value_encrypted]} with {q[key_id]})",
    "key_id_required": "{field} is required with an encrypted value",
    "oidc_no_secret": "an OIDC registry ({auth_type}) takes no secret; remove {field}",
    "key_id_alone": "{field} is only allowed with an encrypted value",
    "not_nullable": "{field} cannot be null: once set, only a new registry can drop it",
    "unknown_property": "unknown property '{key}'",
    "unknown_property_hint": "unknown property '{key}'; did you mean {hint_field}?",
    "org_required": "{field} is required: set it or configure {owner_setting}",
    "org_empty": "{field} must be a non-empty organization name",
    "org_shape": "{field} must be a GitHub organization login: letters, digits and hyphens, not "
    "starting with a hyphen, at most 39 characters",
    "value_and_encrypted": "give either {q[value]} or {q[value_encrypted]} with {q[key_id]}, not both",
    "value_empty": "{field} must be a non-empty string",
    "key_id_with_value": "{field} goes with {q[value_encrypted]}; the provider sets it for {q[value]}",
    "encrypted_needs_key_id": "{q[value_encrypted]} needs the {field} it was sealed with",
}
"""Every problem's message, by code; ``{field}`` and ``{q[...]}`` are quoted field names, ``{u[...]}``
unquoted ones, all named for the audience."""


@dataclass(frozen=True)
class Audience:
    """Who reads a problem or a failure: how fields are named, and what else the messages refer to."""

    name: Callable[[str], str]
    messages: Mapping[str, str] = field(default_factory=lambda: MESSAGES)
    words: Mapping[str, str] = field(default_factory=dict)
    """The door's phrases by name, which the core's messages name as ``{w[name]}``: the commands its
    users run (``refresh``, ``up``, ``state_delete``...) and the options they set (``delete_first``,
    ``rename``...). A phrase may name the message's parameters (``{token_key}``)."""
    failures: Mapping[str, str] = field(default_factory=dict)
    """Whole messages of the lifecycle's failures, by code, that replace the core's
    (:data:`.outcomes.FAILURES`) for this audience."""


REST: Final = Audience(name=lambda name: name)
"""GitHub's names (``encrypted_value``), as in a request body."""


class _Names:
    def __init__(self, audience: Audience, quote: bool) -> None:
        self._audience, self._quote = audience, quote

    def __getitem__(self, name: str) -> str:
        # A field is named as written, which may be a misspelling of any length and characters.
        shown = plain(self._audience.name(name))
        return f"'{shown}'" if self._quote else shown


def field_names(audience: Audience, *, quote: bool) -> _Names:
    """Fields by the core's name, named for ``audience`` (bounded, printable; quoted if ``quote``):
    what a message's ``{q[...]}`` and ``{u[...]}`` slots look up."""
    return _Names(audience, quote)


# Parameters that quote a declared value, and the field each value comes from (None: the problem's).
_VALUE_PARAMS: Final[Mapping[str, str | None]] = {
    "value": None,
    "bad": None,
    "auth_type": "auth_type",
    "visibility": "visibility",
}
_MAX_PARAM: Final = 400
"""The most characters of any other text a message takes in: a command naming a stack and a key fits."""
SECRET_SHOWN: Final = "the value (secret)"
"""What a message says in place of a value that arrived secret."""


# A URL's scheme (RFC 3986), bounded: what `url_shown` keeps of a URL before `://`.
_SCHEME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}")


def shown(value: Any, limit: int = 100) -> str:
    """A value as a message quotes it: in quotes, redacted, at most ``limit`` characters, every
    character printable (a control or bidirectional character would disguise the message)."""
    text, cut = _visible(value, limit)
    return f"'{text}'" + ("..." if cut else "")


def plain(value: Any, limit: int = 100) -> str:
    """A name or value as a message shows it without quotes (a property's name, an org): redacted,
    at most ``limit`` characters, every character printable, as :func:`shown`."""
    text, cut = _visible(value, limit)
    return text + ("..." if cut else "")


def _visible(value: Any, limit: int) -> tuple[str, bool]:
    """``value`` redacted, then cut to ``limit`` (in that order: a credential cut short is no longer
    recognised), its hidden characters shown as '?'; and whether it was cut."""
    text = redact(str(value))
    return HIDDEN.sub("?", text[:limit]), len(text) > limit


def url_shown(value: str) -> str:
    """A URL as messages may quote it: ``scheme://host`` alone (enough to see a scheme typo).

    Its path, query and user-info can carry a deploy token, so they are never shown. What stands
    before ``://`` counts as a scheme only if it has a scheme's shape: else (``host/path?u=x://``)
    the text is cut at its first ``/``. Linear.
    """
    scheme, sep, rest = value.partition("://")
    if not sep or not _SCHEME_RE.fullmatch(scheme):
        scheme, sep, rest = "", "", value
    authority = rest
    for stop in "/?#\\":
        authority = authority.partition(stop)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 address: its colons are its own
        close = host.find("]")
        name, after = (host[: close + 1], host[close + 1 :]) if close >= 0 else (host, "")
    else:
        name, colon, port = host.partition(":")
        after = colon + port
    port = after[1:] if after.startswith(":") else ""
    # A port is digits; anything else after a colon (`host:token`) is not shown.
    return scheme + sep + name + (f":{port}" if port.isdigit() else "")


# Where a URL quoted in a message ends: whitespace, a quote or an angle bracket.
_URL_END: Final = frozenset(" \t\r\n'\"`<>")


def unquoted(text: str, urls: Iterable[tuple[str, bool]] = (), secrets: Iterable[str] = ()) -> str:
    """``text`` (GitHub's words, which may quote what was sent) without what no message may quote.

    Each of ``urls`` is a URL and whether it arrived secret: wherever its ``scheme://host`` stands
    (in any case, JSON-escaped or percent-encoded: GitHub and proxies quote it so; cut short or
    tidied), what follows it up to a space or a quote is taken out, and all of it when secret.
    Each of ``secrets`` is replaced by :data:`SECRET_SHOWN` where it stands as a whole word. Linear
    in ``text`` for each value (no regular expression runs over it).
    """
    for url, secret in urls:
        anchor = url_shown(url)
        replacement = SECRET_SHOWN if secret else anchor
        if len(anchor) < 4:  # no host to find it by: only the whole URL, as it was sent
            text = _replace_words(text, url, replacement)
            continue
        for form in dict.fromkeys((anchor, anchor.replace("/", "\\/"), quote(anchor, safe=""))):
            text = _cut_after(text, form, replacement)
    for value in secrets:
        if 0 < len(value) <= 4096:  # a longer one cannot stand in a bounded message
            text = _replace_words(text, value, SECRET_SHOWN)
    return text


def _cut_after(text: str, anchor: str, replacement: str) -> str:
    """Every ``anchor`` in ``text`` (any case) and what follows it up to a space or a quote,
    replaced by ``replacement``."""
    lowered, wanted = text.lower(), anchor.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: compare as is
        lowered, wanted = text, anchor
    parts, start = [], 0
    while (found := lowered.find(wanted, start)) >= 0:
        end = found + len(wanted)
        while end < len(text) and text[end] not in _URL_END:
            end += 1
        parts += [text[start:found], replacement]
        start = end
    return "".join([*parts, text[start:]])


def _replace_words(text: str, value: str, replacement: str) -> str:
    """Every ``value`` in ``text`` that is not part of a longer word, replaced."""
    parts, start, searched = [], 0, 0
    while (found := text.find(value, searched)) >= 0:
        end = found + len(value)
        before = text[found - 1] if found else " "
        after = text[end] if end < len(text) else " "
        if _is_word(before) or _is_word(after):
            searched = found + 1
            continue
        parts += [text[start:found], replacement]
        start = searched = end
    return "".join([*parts, text[start:]])


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def render(problem: Problem, audience: Audience, secret: Iterable[str] = ()) -> str:
    """The problem's message for ``audience``.

    ``secret`` names the fields (as the problem names them) whose values arrived secret: a message
    says :data:`SECRET_SHOWN` instead of quoting them. Other values are quoted bounded and printable.
    """
    quoted, unquoted = _Names(audience, True), _Names(audience, False)
    hidden = frozenset(secret)
    params: dict[str, Any] = {}
    for key, value in problem.params.items():
        if key.endswith("_field"):
            params[key] = quoted[str(value)]
        elif key in _VALUE_PARAMS:
            source = _VALUE_PARAMS[key] or problem.field
            params[key] = SECRET_SHOWN if source in hidden else shown(value)
        else:
            # An org, a key, a command naming them: text from outside too, bounded and printable.
            params[key] = plain(value, _MAX_PARAM) if isinstance(value, str) else value
    return audience.messages[problem.code].format(
        field=quoted[problem.field],
        q=quoted,
        u=unquoted,
        **params,
    )
