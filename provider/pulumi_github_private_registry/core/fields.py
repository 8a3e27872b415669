"""The field table: every field of an ``OrgPrivateRegistry`` once, with all its facts.

:data:`FIELDS` gives each field its type, GitHub's REST name, whether GitHub reports it, its
per-auth-type requirement, whether it is nullable, secret, or replaces the registry when it
changes, its default and its camelCase name (the plugin's). Every other list of fields
(:data:`INPUT_FIELDS`, :data:`RESPONSE_FIELDS`, :data:`AUTH_RULES`, ...) is derived from it, and
so are the conversions a declaration goes through on its way to GitHub (:func:`to_rest_body`,
:func:`whole_ids`); :data:`UNKNOWN` stands for a value not known during preview. Imports nothing
of ours: the rules (:mod:`.schema`) and the problems' messages (:mod:`.problems`) build on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "AUTH_FIELDS",
    "AUTH_RULES",
    "AUTH_TYPES",
    "DECLARATION_DEFAULTS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "INPUT_FIELDS",
    "MAX_REPOSITORY_ID",
    "NULLABLE_FIELDS",
    "OIDC_FIELDS",
    "ORG_LOGIN_RE",
    "OUTPUT_ONLY_FIELDS",
    "REGISTRY_TYPES",
    "REPLACE_FIELDS",
    "REPORTED_FIELDS",
    "REQUIRED_ON_CREATE",
    "RESPONSE_FIELDS",
    "SECRET_AUTH_TYPES",
    "SECRET_INPUTS",
    "SECRET_OUTPUTS",
    "UNKNOWN",
    "UPDATABLE_FIELDS",
    "VISIBILITIES",
    "WRITABLE_FIELDS",
    "AuthRule",
    "Field",
    "auth_type_of",
    "camel_name",
    "configuration_name",
    "declaration_name",
    "is_unknown",
    "takes_secret",
    "to_rest_body",
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

ORG_LOGIN_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
"""An organization login, as ``org`` and the keys of the tokens per org must be (``fullmatch``):
letters, digits and hyphens, not starting with a hyphen, 1 to 39 characters (GitHub no longer
allows double or trailing hyphens, but older logins may have them). Anything else would move a
request's path (``..``, ``a/b``, ``?x``, a line break) or is not an org."""

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
_ID_FIELDS: Final = tuple(f.name for f in FIELDS if f.kind == "ids")


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


# --- names -------------------------------------------------------------------------------------------


def declaration_name(name: str) -> str:
    """A field as the declaration names it, given GitHub's: ``encrypted_value`` -> ``value_encrypted``."""
    known = _BY_REST.get(name)
    return known.name if known is not None and name not in FIELDS_BY_NAME else name


def camel_name(name: str) -> str:
    """A field as the plugin names it, given either name: ``registry_type`` -> ``registryType``."""
    known = FIELDS_BY_NAME.get(name) or _BY_REST.get(name)
    return known.camel if known is not None else name


def configuration_name(registry_type: str) -> str:
    """GitHub's name for the registry of a type: ``npm_registry`` -> ``NPM_REGISTRY_SECRET``."""
    return registry_type.upper() + "_SECRET"


# --- a declaration read, and sent to GitHub --------------------------------------------------------

# Beyond 2**53 a float (how the engine sends numbers) no longer stands for one integer; GitHub's
# int64 ids are far below it.
MAX_REPOSITORY_ID: Final = 2**53
"""The largest repository id a declaration may hold."""


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
    return isinstance(value, float) and value.is_integer() and 0 < value <= MAX_REPOSITORY_ID


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
