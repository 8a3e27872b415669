"""The private-registries API's rules, stated once: the field table, and problems as data.

:data:`FIELDS` gives every field of an ``OrgPrivateRegistry`` all its facts: its type, GitHub's REST
name, whether GitHub reports it, its per-auth-type requirement, whether it is nullable, secret, or
replaces the registry when it changes, its default and its camelCase name (the plugin's). Every
other list of fields (:data:`INPUT_FIELDS`, :data:`RESPONSE_FIELDS`, :data:`AUTH_RULES`, ...) is
derived from it. The module imports no other module of the package.

Two layers of validation share the rules, and both return :class:`Problem` values (a code, the
field, parameters), never English:

* :func:`rest_problems` checks a registry's full state under GitHub's field names
  (``encrypted_value`` standing for "a secret is set").
* :func:`declaration_problems` checks what a user declares (``value``/``value_encrypted``, ``org``,
  ``adopt``, unknown values during preview) by mapping it onto a REST state and running
  :func:`rest_problems`, plus the checks only a declaration has.

Messages are rendered at the edge by :func:`render`, for one :class:`Audience`: GitHub's names
(:data:`REST`), the declaration's (:data:`DECLARATION`), or the plugin's camelCase (:data:`CAMEL`);
the stack-config reader adds its own.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import field as _field  # `Problem.field` shadows the name in its class body
from typing import Any, Final, Literal
from urllib.parse import quote, urlsplit

from .errors import HIDDEN, redact

__all__ = [
    "AUTH_FIELDS",
    "AUTH_RULES",
    "AUTH_TYPES",
    "CAMEL",
    "DECLARATION",
    "DECLARATION_DEFAULTS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "INPUT_FIELDS",
    "MESSAGES",
    "NULLABLE_FIELDS",
    "OIDC_FIELDS",
    "OUTPUT_ONLY_FIELDS",
    "REGISTRY_TYPES",
    "REPLACE_FIELDS",
    "REPORTED_FIELDS",
    "REQUIRED_ON_CREATE",
    "RESPONSE_FIELDS",
    "REST",
    "SECRET_AUTH_TYPES",
    "SECRET_INPUTS",
    "SECRET_OUTPUTS",
    "SECRET_SHOWN",
    "UNKNOWN",
    "UPDATABLE_FIELDS",
    "VISIBILITIES",
    "WRITABLE_FIELDS",
    "Audience",
    "AuthRule",
    "Field",
    "Problem",
    "auth_type_of",
    "configuration_name",
    "declaration_problems",
    "is_configuration_name",
    "is_standard_base64",
    "is_unknown",
    "null_problems",
    "org_problem",
    "plain",
    "render",
    "rest_problems",
    "shown",
    "takes_secret",
    "to_rest_body",
    "unknown_property",
    "unquoted",
    "url_shown",
    "whole_ids",
]

REGISTRY_TYPES: Final[tuple[str, ...]] = (
    "maven_repository",
    "nuget_feed",
    "goproxy_server",
    "npm_registry",
    "rubygems_server",
    "cargo_registry",
    "composer_repository",
    "docker_registry",
    "git_source",
    "helm_registry",
    "hex_organization",
    "hex_repository",
    "pub_repository",
    "python_index",
    "terraform_registry",
)
"""The 15 values of ``registry_type`` (GitHub's OpenAPI description, 2026-03-10)."""

AUTH_TYPES: Final[tuple[str, ...]] = (
    "token",
    "username_password",
    "oidc_azure",
    "oidc_aws",
    "oidc_jfrog",
    "oidc_cloudsmith",
    "oidc_gcp",
)
"""The 7 values of ``auth_type``; GitHub defaults to ``token``."""

VISIBILITIES: Final[tuple[str, ...]] = ("all", "private", "selected")
"""The 3 values of ``visibility``; ``selected`` goes with ``selected_repository_ids``."""

SECRET_AUTH_TYPES: Final[frozenset[str]] = frozenset({"token", "username_password"})
"""Auth types that carry an encrypted secret; the OIDC types must not."""

Kind = Literal["string", "boolean", "ids"]
Need = Literal["required", "optional"]
_SAME: Final = "\x00same"  # Field.rest's default: GitHub names the field as we do


@dataclass(frozen=True)
class Field:
    """One field of an ``OrgPrivateRegistry``, with all its facts."""

    name: str
    """The declaration's name (GitHub's, but for ``value``/``value_encrypted``): issue-pinned."""
    kind: Kind
    doc: str
    rest: str | None = _SAME
    """GitHub's name in request and response bodies; None when GitHub has no such field."""
    input: bool = True
    """An input of the resource (else an output only)."""
    reported: bool = False
    """GET and list return it (GitHub never returns the value nor ``selected_repository_ids``)."""
    required: bool = False
    """Required to create a registry, whatever the auth type."""
    enum: tuple[str, ...] = ()
    default: Any = None
    """What the declaration means when the field is left out."""
    auth: Mapping[str, Need] = field(default_factory=dict)
    """For an auth-specific field: the auth types that require or allow it; forbidden for the rest."""
    nullable: bool = False
    """A request may send null to clear it (GitHub's OpenAPI marks only ``username``)."""
    secret: bool = False
    """Kept secret by Pulumi in state and outputs."""
    credential: bool = False
    """Part of the registry's secret: compared as a whole, never written in a stack file."""
    replace: bool = False
    """GitHub cannot change it in place: a change replaces the registry."""

    def __post_init__(self) -> None:
        if self.rest == _SAME:
            object.__setattr__(self, "rest", self.name)

    @property
    def camel(self) -> str:
        """The plugin's name: ``registry_type`` -> ``registryType``."""
        head, *rest = self.name.split("_")
        return head + "".join(w.capitalize() for w in rest)


def _oidc(name: str, doc: str, **auth: Need) -> Field:
    return Field(name, "string", doc, reported=True, auth=auth)


FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "org",
        "string",
        "The organization; defaults to the provider's configured owner (or GITHUB_OWNER).",
        rest=None,
        replace=True,
    ),
    Field(
        "registry_type",
        "string",
        "The registry type; GitHub names the configuration after it (NPM_REGISTRY_SECRET).",
        reported=True,
        required=True,
        enum=REGISTRY_TYPES,
        replace=True,
    ),
    Field("url", "string", "The registry's URL.", reported=True, required=True),
    Field(
        "visibility",
        "string",
        "Which repositories may use it; 'selected' goes with the list of repository ids.",
        reported=True,
        required=True,
        enum=VISIBILITIES,
    ),
    Field(
        "auth_type",
        "string",
        "How Dependabot authenticates; changing it replaces the registry.",
        reported=True,
        enum=AUTH_TYPES,
        default="token",
        replace=True,
    ),
    Field(
        "username",
        "string",
        "The username: required with the username_password auth type, optional with token.",
        reported=True,
        auth={"token": "optional", "username_password": "required"},
        nullable=True,
    ),
    Field(
        "replaces_base",
        "boolean",
        "Whether Dependabot uses this registry instead of the ecosystem's public one.",
        reported=True,
        default=False,
    ),
    Field(
        "selected_repository_ids",
        "ids",
        "The repositories that may use it, with visibility 'selected'.",
    ),
    Field(
        "value",
        "string",
        "The plaintext secret; the provider seals it with the org's key. Always secret.",
        rest=None,
        secret=True,
        credential=True,
    ),
    Field(
        "value_encrypted",
        "string",
        "An already sealed value (standard base64), with the id of the key it was sealed with.",
        rest="encrypted_value",
        secret=True,
        credential=True,
    ),
    Field(
        "key_id",
        "string",
        "The id of the org's key an already sealed value was sealed with.",
        credential=True,
    ),
    _oidc("tenant_id", "The Azure tenant id (oidc_azure).", oidc_azure="required"),
    _oidc("client_id", "The Azure client id (oidc_azure).", oidc_azure="required"),
    _oidc("aws_region", "The AWS region (oidc_aws).", oidc_aws="required"),
    _oidc("account_id", "The AWS account id (oidc_aws).", oidc_aws="required"),
    _oidc("role_name", "The AWS role name (oidc_aws).", oidc_aws="required"),
    _oidc("domain", "The CodeArtifact domain (oidc_aws).", oidc_aws="required"),
    _oidc("domain_owner", "The CodeArtifact domain owner (oidc_aws).", oidc_aws="required"),
    _oidc(
        "jfrog_oidc_provider_name",
        "The JFrog OIDC provider name (oidc_jfrog).",
        oidc_jfrog="required",
    ),
    _oidc(
        "audience",
        "The OIDC audience (oidc_aws, oidc_jfrog, oidc_gcp; required for oidc_cloudsmith).",
        oidc_aws="optional",
        oidc_jfrog="optional",
        oidc_cloudsmith="required",
        oidc_gcp="optional",
    ),
    _oidc(
        "identity_mapping_name",
        "The JFrog identity mapping name (oidc_jfrog).",
        oidc_jfrog="optional",
    ),
    _oidc("namespace", "The Cloudsmith namespace (oidc_cloudsmith).", oidc_cloudsmith="required"),
    _oidc("service_slug", "The Cloudsmith service slug (oidc_cloudsmith).", oidc_cloudsmith="required"),
    _oidc("api_host", "The Cloudsmith API host (oidc_cloudsmith).", oidc_cloudsmith="optional"),
    _oidc(
        "workload_identity_provider",
        "The GCP workload identity provider (oidc_gcp).",
        oidc_gcp="required",
    ),
    _oidc("service_account", "The GCP service account (oidc_gcp).", oidc_gcp="optional"),
    Field(
        "adopt",
        "boolean",
        "Take over a registry of this type that already exists in the org.",
        rest=None,
        default=False,
    ),
    Field(
        "ignore_value_drift",
        "boolean",
        "Keep a secret rotated outside Pulumi (a vault, a workflow): a change of the value at GitHub "
        "is recorded on refresh and not overwritten; a change of the declared value is still sent.",
        rest=None,
        default=False,
    ),
    Field(
        "name",
        "string",
        "GitHub's name for the configuration, e.g. NPM_REGISTRY_SECRET.",
        input=False,
        reported=True,
    ),
    Field("created_at", "string", "When GitHub created it.", input=False, reported=True),
    Field("updated_at", "string", "When this stack last wrote it.", input=False, reported=True),
    Field(
        "remote_updated_at",
        "string",
        "When GitHub last changed it, as of the last read: differs from updated_at after drift.",
        rest=None,
        input=False,
    ),
)
"""Every field, once. Inputs first, in the order of the issue-pinned interface."""

FIELDS_BY_NAME: Final[Mapping[str, Field]] = {f.name: f for f in FIELDS}
"""Each field by its declaration name."""
_BY_REST: Final[Mapping[str, Field]] = {f.rest: f for f in FIELDS if f.rest}

# --- derived lists ------------------------------------------------------------------------------

INPUT_FIELDS: Final = tuple(f.name for f in FIELDS if f.input)
"""The inputs of ``OrgPrivateRegistry``, named as GitHub's fields (issue-pinned interface)."""
OUTPUT_ONLY_FIELDS: Final = tuple(f.name for f in FIELDS if not f.input)
"""Outputs that are not inputs."""
WRITABLE_FIELDS: Final = tuple(str(f.rest) for f in FIELDS if f.input and f.rest)
"""Every field of the create and update request bodies (REST names)."""
RESPONSE_FIELDS: Final = tuple(str(f.rest) for f in FIELDS if f.reported)
"""What GET and list return (REST names); never the value, never ``selected_repository_ids``."""
REQUIRED_ON_CREATE: Final = tuple(str(f.rest) for f in FIELDS if f.required)
NULLABLE_FIELDS: Final = frozenset(str(f.rest) for f in FIELDS if f.nullable)
"""Fields a request may send as null to clear them; no other field, once set, can be cleared."""
SECRET_INPUTS: Final = tuple(f.name for f in FIELDS if f.credential)
"""The inputs that carry the secret: a plaintext ``value``, or a sealed one with its ``key_id``."""
SECRET_OUTPUTS: Final = tuple(f.name for f in FIELDS if f.secret)
"""Outputs kept secret in state and in every answer: the value and its ciphertext."""
REPLACE_FIELDS: Final = tuple(f.name for f in FIELDS if f.replace)
"""Changing any of these replaces the registry: GitHub cannot change them in place."""
DECLARATION_DEFAULTS: Final[Mapping[str, Any]] = {f.name: f.default for f in FIELDS if f.default is not None}
"""What a declaration means when it leaves a field out (``org``: the configured owner)."""
AUTH_FIELDS: Final = tuple(f.name for f in FIELDS if f.auth)
"""Fields that belong to one auth type or another (see :data:`AUTH_RULES`)."""
OIDC_FIELDS: Final = tuple(f.name for f in FIELDS if f.auth and not SECRET_AUTH_TYPES & set(f.auth))
"""The OIDC fields, in GitHub's order."""
UPDATABLE_FIELDS: Final = tuple(
    f.name for f in FIELDS if f.input and f.rest and not f.replace and not f.credential
)
"""Fields an in-place update changes one by one (the secret is compared and sent as a whole)."""
REPORTED_FIELDS: Final = tuple(f.name for f in FIELDS if f.input and f.reported)
"""Inputs GitHub reports back: what a refresh can see drift in."""
# Writable string fields, in the table's order (problems come out in a stable order).
# Inputs that only steer the provider (GitHub has no such field): `adopt`, `ignore_value_drift`.
_OPTION_FIELDS: Final = tuple(f.name for f in FIELDS if f.input and f.rest is None and f.kind == "boolean")
_ID_FIELDS: Final = tuple(f.name for f in FIELDS if f.kind == "ids")
_STRING_FIELDS: Final = tuple(str(f.rest) for f in FIELDS if f.kind == "string" and f.input and f.rest)


@dataclass(frozen=True)
class AuthRule:
    """Which auth-specific fields an auth type requires and which it allows."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        """Every auth-specific field this auth type accepts."""
        return frozenset(self.required) | frozenset(self.optional)


# An auth type's own fields come first, then those it shares with others (the order problems are
# reported in: Cloudsmith's namespace and service_slug before the audience several types take).
_AUTH_ORDER: Final = sorted((f for f in FIELDS if f.auth), key=lambda f: len(f.auth))

AUTH_RULES: Final[Mapping[str, AuthRule]] = {
    auth: AuthRule(
        required=tuple(f.name for f in _AUTH_ORDER if f.auth.get(auth) == "required"),
        optional=tuple(f.name for f in _AUTH_ORDER if f.auth.get(auth) == "optional"),
    )
    for auth in AUTH_TYPES
}
"""Per auth type, the auth-specific fields it requires and allows; all others are forbidden."""


# --- values not known yet (preview) --------------------------------------------------------------


class _Unknown:
    """A value not known yet: the engine computes it during the deployment (preview)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""The core's stand-in for a value not known during preview; each front door maps its own onto it."""


def is_unknown(value: Any) -> bool:
    """Whether a value, or an element of a list, is not known yet."""
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return value is UNKNOWN


# --- problems, and how each audience reads them ---------------------------------------------------


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


_RENDER_NAMES: Final = frozenset({"field", "q", "u", "owner_setting"})

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
    """Who reads a problem: how fields are named, and what else the messages refer to."""

    name: Callable[[str], str]
    owner_setting: str = "github:owner / GITHUB_OWNER"
    messages: Mapping[str, str] = field(default_factory=lambda: MESSAGES)
    delete_first: str = "`delete_before_replace=True` in its `ResourceOptions`"
    """How the reader's program asks for the old resource to be deleted before its replacement."""


def _declaration_name(name: str) -> str:
    known = _BY_REST.get(name)
    return known.name if known is not None and name not in FIELDS_BY_NAME else name


def _camel_name(name: str) -> str:
    known = FIELDS_BY_NAME.get(name) or _BY_REST.get(name)
    return known.camel if known is not None else name


REST: Final = Audience(name=lambda name: name)
"""GitHub's names (``encrypted_value``), as in a request body."""
DECLARATION: Final = Audience(name=_declaration_name)
"""The names of ``OrgPrivateRegistry``'s inputs in Python (``value_encrypted``)."""
CAMEL: Final = Audience(
    name=_camel_name,
    owner_setting="github-private-registry:owner / GITHUB_OWNER",
    delete_first="the resource option `deleteBeforeReplace: true`",
)
"""The plugin's camelCase names (``registryType``)."""


class _Names:
    def __init__(self, audience: Audience, quote: bool) -> None:
        self._audience, self._quote = audience, quote

    def __getitem__(self, name: str) -> str:
        # A field is named as written, which may be a misspelling of any length and characters.
        shown = plain(self._audience.name(name))
        return f"'{shown}'" if self._quote else shown


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


def render(problem: Problem, audience: Audience = DECLARATION, secret: Iterable[str] = ()) -> str:
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
        owner_setting=audience.owner_setting,
        **params,
    )


# --- shapes ----------------------------------------------------------------------------------------

# Standard, padded base64, as GitHub's OpenAPI pattern for encrypted_value.
_BASE64_RE: Final = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})"
)
# An organization login: letters, digits and hyphens, not starting with a hyphen, 1 to 39
# characters (GitHub no longer allows double or trailing hyphens, but older logins may have them).
# Anything else would move a request's path (`..`, `a/b`, `?x`, a line break) or is not an org.
_ORG_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
# A configuration name: UPPER(registry_type) + "_SECRET"; kept generous for types GitHub may add.
_NAME_RE: Final = re.compile(r"[A-Z0-9_]{1,100}")
# A URL's scheme (RFC 3986), bounded: what `url_shown` keeps of a URL before `://`.
_SCHEME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}")
# User-info in any URL (`scheme://user:password@`), up to the last '@' before the path.
_USER_INFO: Final = re.compile(r"(?i)^[a-z][a-z0-9+.\-]*://[^/?#]*@")
# Beyond 2**53 a float (how the engine sends numbers) no longer stands for one integer; GitHub's
# int64 ids are far below it.
_MAX_REPOSITORY_ID: Final = 2**53
# Stands for the ciphertext of a declared plaintext `value` when a declaration is checked.
_SEALED_PLACEHOLDER: Final = "c2VhbGVk"


def whole_ids(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with repository ids sent as floats (every protocol number is one) made ints.

    Only floats that stand for one id (whole, 1 to 2**53) change; anything else stays as it came,
    for the check to name as the user wrote it.
    """
    out = dict(props)
    for name in _ID_FIELDS:
        value = out.get(name)
        if isinstance(value, (list, tuple)):
            out[name] = [int(v) if _is_float_id(v) else v for v in value]
    return out


def _is_float_id(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer() and 0 < value <= _MAX_REPOSITORY_ID


def configuration_name(registry_type: str) -> str:
    """GitHub's name for the registry of a type: ``npm_registry`` -> ``NPM_REGISTRY_SECRET``."""
    return registry_type.upper() + "_SECRET"


def auth_type_of(props: Mapping[str, Any]) -> Any:
    """The auth type a declaration or a registry stands for: the default only when it is left out.

    The one place that decides the default: an empty string is a value (an invalid one), not "left out".
    """
    auth_type = props.get("auth_type")
    return DECLARATION_DEFAULTS["auth_type"] if auth_type is None else auth_type


def takes_secret(props: Mapping[str, Any]) -> bool:
    """Whether a registry of this declaration carries an encrypted value (not an OIDC one)."""
    auth_type = auth_type_of(props)
    return isinstance(auth_type, str) and auth_type in SECRET_AUTH_TYPES


def org_problem(org: Any) -> Problem | None:
    """Why ``org`` is not a GitHub organization login, or None."""
    if not isinstance(org, str) or not org:
        return Problem("org_empty", "org")
    if not _ORG_RE.fullmatch(org):
        return Problem("org_shape", "org")
    return None


def is_configuration_name(name: Any) -> bool:
    """Whether ``name`` has the shape of a configuration name (``NPM_REGISTRY_SECRET``)."""
    return isinstance(name, str) and bool(_NAME_RE.fullmatch(name))


def is_standard_base64(text: str) -> bool:
    """Whether ``text`` is non-empty standard, padded base64 (not URL-safe, no whitespace)."""
    if not _BASE64_RE.fullmatch(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _url_problem(value: str) -> Problem | None:
    """Why ``value`` cannot be a registry's URL, or None."""
    if " " in value or HIDDEN.search(value):
        return Problem("url_hidden", "url")
    if _USER_INFO.search(value):
        # A credential in the URL would sit in plain sight in state and logs: it belongs in `value`.
        # Said before anything that quotes the URL.
        return Problem("url_userinfo", "url")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host, or characters that normalize to '/', '?', '#', '@'
        return Problem("url_invalid", "url", {"value": url_shown(value)})
    if parts.scheme not in ("http", "https") or not host:
        return Problem("url_not_http", "url", {"value": url_shown(value)})
    if "@" in parts.netloc:
        return Problem("url_userinfo", "url")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        return Problem("url_port", "url")
    return None


def _is_repository_id(value: Any) -> bool:
    # Numbers arrive from the Pulumi engine as floats: 42.0 is the id 42. 1e20 is a float too, and
    # would be sent as a 21-digit integer: ids are bounded.
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value <= _MAX_REPOSITORY_ID
    return isinstance(value, float) and value.is_integer() and 0 < value <= _MAX_REPOSITORY_ID


def _present(state: Mapping[str, Any], name: str) -> bool:
    return state.get(name) is not None


def _not_one_of(name: str, value: Any, allowed: Iterable[str]) -> Problem:
    return Problem("not_one_of", name, {"value": value, "allowed": ", ".join(allowed)})


def null_problems(body: Mapping[str, Any]) -> list[Problem]:
    """Fields of a request body sent as null that GitHub cannot clear (see :data:`NULLABLE_FIELDS`)."""
    return [
        Problem("not_nullable", name)
        for name, value in body.items()
        if value is None and name not in NULLABLE_FIELDS
    ]


def rest_problems(
    state: Mapping[str, Any],
    *,
    is_unknown: Callable[[Any], bool] = is_unknown,
) -> list[Problem]:
    """Check a registry's full state under GitHub's field names.

    ``state`` is what the registry would be after a create or update: an ``encrypted_value``
    that is not None means a secret is set. Values for which ``is_unknown`` is true (preview)
    are taken as valid and present.
    """
    problems: list[Problem] = []

    def known(name: str) -> bool:
        return _present(state, name) and not is_unknown(state[name])

    for name in REQUIRED_ON_CREATE:
        if not _present(state, name):
            problems.append(Problem("required", name))
    for name in _STRING_FIELDS:
        if known(name) and not isinstance(state[name], str):
            problems.append(Problem("not_string", name))
    if known("replaces_base") and not isinstance(state["replaces_base"], bool):
        problems.append(Problem("not_bool", "replaces_base"))
    if problems:
        return problems

    if known("registry_type") and state["registry_type"] not in REGISTRY_TYPES:
        problems.append(_not_one_of("registry_type", state["registry_type"], REGISTRY_TYPES))
    if known("url") and (url_problem := _url_problem(state["url"])):
        problems.append(url_problem)
    for name in _STRING_FIELDS:
        if name == "url":
            continue
        if known(name) and HIDDEN.search(state[name]):
            problems.append(Problem("hidden_chars", name))
    if known("encrypted_value") and not is_standard_base64(state["encrypted_value"]):
        problems.append(Problem("not_base64", "encrypted_value"))

    problems.extend(_visibility_problems(state, known))
    problems.extend(_auth_problems(state, known))
    return problems


def _visibility_problems(state: Mapping[str, Any], known: Callable[[str], bool]) -> list[Problem]:
    ids_field = "selected_repository_ids"
    visibility = state.get("visibility")
    if known("visibility") and visibility not in VISIBILITIES:
        return [_not_one_of("visibility", visibility, VISIBILITIES)]
    ids = state.get(ids_field)
    if not known(ids_field):
        if known("visibility") and visibility == "selected" and not _present(state, ids_field):
            return [Problem("selected_needs_ids", ids_field)]
        return []
    if not isinstance(ids, (list, tuple)):
        return [Problem("ids_not_list", ids_field)]
    problems: list[Problem] = []
    if known("visibility") and visibility != "selected":
        problems.append(Problem("ids_need_selected", ids_field, {"visibility": visibility}))
    elif known("visibility") and not ids:
        problems.append(Problem("selected_needs_ids", ids_field))
    bad = [i for i in ids if not _is_repository_id(i)]
    if bad:
        params = {"max": _MAX_REPOSITORY_ID, "bad": bad[0]}
        problems.append(Problem("bad_ids", ids_field, params))
    return problems


def _auth_problems(state: Mapping[str, Any], known: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    auth_type = auth_type_of(state)
    if _present(state, "auth_type") and not known("auth_type"):
        # auth_type is unknown during preview: nothing auth-specific can be judged yet.
        return problems
    if auth_type not in AUTH_RULES:
        return [_not_one_of("auth_type", auth_type, AUTH_TYPES)]
    rule = AUTH_RULES[auth_type]
    for name in rule.required:
        if not _present(state, name):
            problems.append(Problem("auth_required", name, {"auth_type": auth_type}))
    for name in AUTH_FIELDS:
        if name not in rule.allowed and _present(state, name):
            owners = ", ".join(a for a, r in AUTH_RULES.items() if name in r.allowed)
            problems.append(Problem("auth_forbidden", name, {"auth_type": auth_type, "owners": owners}))
    has_secret = _present(state, "encrypted_value")
    if auth_type in SECRET_AUTH_TYPES:
        if not has_secret:
            problems.append(Problem("secret_required", "encrypted_value", {"auth_type": auth_type}))
        elif not _present(state, "key_id"):
            problems.append(Problem("key_id_required", "key_id"))
    else:
        for name in ("encrypted_value", "key_id"):
            if _present(state, name):
                problems.append(Problem("oidc_no_secret", name, {"auth_type": auth_type}))
    if _present(state, "key_id") and not has_secret and auth_type in SECRET_AUTH_TYPES:
        problems.append(Problem("key_id_alone", "key_id"))
    return problems


def unknown_property(key: str, names: Callable[[str], str] = lambda name: name) -> Problem:
    """The problem of a property that is none of ours, with the input it most resembles.

    ``names`` names the inputs as the reader wrote ``key`` (the plugin's camelCase); the key itself
    is shown as written, whatever it resembles.
    """
    import difflib  # only for a misspelled property: kept off the provider's start-up path

    written = {names(name): name for name in INPUT_FIELDS}
    hint = difflib.get_close_matches(key, list(written), n=1)
    # Named as shown, the check failure's property too: a control or bidi character would
    # disguise the message, and a megabyte-long key would come back whole.
    shown = plain(key)
    if hint:
        return Problem("unknown_property_hint", shown, {"key": shown, "hint_field": written[hint[0]]})
    return Problem("unknown_property", shown, {"key": shown})


def declaration_problems(
    props: Mapping[str, Any],
    *,
    default_org: str | None = None,
    is_unknown: Callable[[Any], bool] = is_unknown,
) -> list[Problem]:
    """Check an ``OrgPrivateRegistry`` declaration; each problem names the declared property.

    Values for which ``is_unknown`` is true are not failures. Keys starting with ``__`` belong
    to Pulumi (``__provider``) and are ignored.
    """
    problems = [
        unknown_property(key) for key in props if not key.startswith("__") and key not in FIELDS_BY_NAME
    ]

    def known(name: str) -> bool:
        return props.get(name) is not None and not is_unknown(props[name])

    org = props.get("org") if props.get("org") is not None else default_org
    if org is None:
        problems.append(Problem("org_required", "org"))
    elif not is_unknown(org) and (problem := org_problem(org)):
        problems.append(problem)
    if known("auth_type") and props["auth_type"] == "":
        # Said first, as for `org`: an empty auth_type is a value, not "left out" (GitHub's default
        # applies only to an absent one), and a missing url must not hide it.
        problems.append(_not_one_of("auth_type", "", AUTH_TYPES))
    for name in _OPTION_FIELDS:
        if known(name) and not isinstance(props[name], bool):
            problems.append(Problem("not_bool", name))

    value_given = _present(props, "value")
    encrypted_given = _present(props, "value_encrypted")
    if value_given and encrypted_given:
        problems.append(Problem("value_and_encrypted", "value"))
    if known("value") and (not isinstance(props["value"], str) or not props["value"]):
        problems.append(Problem("value_empty", "value"))
    if value_given and _present(props, "key_id") and not encrypted_given:
        problems.append(Problem("key_id_with_value", "key_id"))
    if encrypted_given and not _present(props, "key_id"):
        problems.append(Problem("encrypted_needs_key_id", "key_id"))
    if known("value_encrypted") and (
        not isinstance(props["value_encrypted"], str) or not is_standard_base64(props["value_encrypted"])
    ):
        problems.append(Problem("not_base64", "value_encrypted"))
    declared_problems = {p.field for p in problems}

    state = {
        str(FIELDS_BY_NAME[k].rest): v
        for k, v in props.items()
        if k in FIELDS_BY_NAME and FIELDS_BY_NAME[k].input and FIELDS_BY_NAME[k].rest
    }
    # A plaintext value stands for the sealed secret the provider will send.
    placeholder_key = False
    if value_given and not encrypted_given:
        state["encrypted_value"] = _SEALED_PLACEHOLDER
        if not _present(state, "key_id"):
            state["key_id"] = _SEALED_PLACEHOLDER
            placeholder_key = True
    secret_field = "value_encrypted" if encrypted_given else "value"
    for rest in rest_problems(state, is_unknown=is_unknown):
        if rest.field == "key_id" and placeholder_key:
            continue  # the provider supplies key_id for a plaintext value
        name = secret_field if rest.field == "encrypted_value" else _declaration_name(rest.field)
        if name in declared_problems and rest.field in ("encrypted_value", "key_id", "auth_type"):
            continue  # already reported in declaration terms above
        code = "secret_missing" if rest.code == "secret_required" else rest.code
        problems.append(Problem(code, name, rest.params))
    return problems


def to_rest_body(props: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Build a REST body from declaration-shaped ``props`` (no ``value``: seal it first).

    Only GitHub's writable fields are taken, ``value_encrypted`` is sent as ``encrypted_value``,
    repository ids as integers. ``fields`` limits the body to those REST fields.
    """
    body: dict[str, Any] = {}
    for key, value in props.items():
        known = FIELDS_BY_NAME.get(key)
        if known is None or not known.input or not known.rest:
            continue
        rest = known.rest
        if fields is not None and rest not in fields:
            continue
        if known.kind == "ids" and value is not None:
            value = [int(i) for i in value]
        body[rest] = value
    return body
