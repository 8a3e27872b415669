"""The private-registries API's rules, stated once.

Everything that knows which registry types, auth types and visibilities exist, which fields an
auth type requires or forbids, what GitHub returns, and how a declaration maps onto a REST body
reads this module: the provider's check and diff, the client's request building, the CLI's
``validate`` and the emulator. It imports no other module of the package.

Two layers of validation share the same rules:

* :func:`rest_problems` checks a registry's full state as GitHub sees it (REST field names,
  ``encrypted_value`` standing for "a secret is set"). The emulator uses it to answer 422.
* :func:`declaration_problems` checks what a user declares on an ``OrgPrivateRegistry``
  (``value``/``value_encrypted``, ``org``, ``adopt``, unknown values during preview) by mapping
  it onto a REST state and running :func:`rest_problems`, plus the checks only a declaration has.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "AUTH_RULES",
    "AUTH_TYPES",
    "DECLARATION_DEFAULTS",
    "INPUT_FIELDS",
    "NULLABLE_FIELDS",
    "OIDC_FIELDS",
    "OUTPUT_ONLY_FIELDS",
    "REGISTRY_TYPES",
    "REPLACE_FIELDS",
    "RESPONSE_FIELDS",
    "SECRET_AUTH_TYPES",
    "SECRET_INPUTS",
    "VISIBILITIES",
    "WRITABLE_FIELDS",
    "AuthRule",
    "Problem",
    "auth_type_of",
    "configuration_name",
    "declaration_problems",
    "is_configuration_name",
    "is_standard_base64",
    "null_problems",
    "org_problem",
    "rest_problems",
    "takes_secret",
    "to_rest_body",
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


@dataclass(frozen=True)
class AuthRule:
    """Which auth-specific fields an auth type requires and which it allows."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        """Every auth-specific field this auth type accepts."""
        return frozenset(self.required) | frozenset(self.optional)


AUTH_RULES: Final[Mapping[str, AuthRule]] = {
    "token": AuthRule(optional=("username",)),
    "username_password": AuthRule(required=("username",)),
    "oidc_azure": AuthRule(required=("tenant_id", "client_id")),
    "oidc_aws": AuthRule(
        required=("aws_region", "account_id", "role_name", "domain", "domain_owner"),
        optional=("audience",),
    ),
    "oidc_jfrog": AuthRule(
        required=("jfrog_oidc_provider_name",),
        optional=("audience", "identity_mapping_name"),
    ),
    "oidc_cloudsmith": AuthRule(
        required=("namespace", "service_slug", "audience"),
        optional=("api_host",),
    ),
    "oidc_gcp": AuthRule(
        required=("workload_identity_provider",),
        optional=("service_account", "audience"),
    ),
}
"""Per auth type, the auth-specific fields it requires and allows; all others are forbidden."""

OIDC_FIELDS: Final[tuple[str, ...]] = (
    "tenant_id",
    "client_id",
    "aws_region",
    "account_id",
    "role_name",
    "domain",
    "domain_owner",
    "jfrog_oidc_provider_name",
    "audience",
    "identity_mapping_name",
    "namespace",
    "service_slug",
    "api_host",
    "workload_identity_provider",
    "service_account",
)
"""The OIDC fields, in GitHub's order."""

AUTH_FIELDS: Final[tuple[str, ...]] = ("username", *OIDC_FIELDS)
"""Fields that belong to one auth type or another (see :data:`AUTH_RULES`)."""

STRING_FIELDS: Final[frozenset[str]] = frozenset(
    {"registry_type", "url", "visibility", "auth_type", "encrypted_value", "key_id", *AUTH_FIELDS}
)

WRITABLE_FIELDS: Final[tuple[str, ...]] = (
    "registry_type",
    "url",
    "username",
    "replaces_base",
    "encrypted_value",
    "key_id",
    "visibility",
    "selected_repository_ids",
    "auth_type",
    *OIDC_FIELDS,
)
"""Every field of the create and update request bodies."""

RESPONSE_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "registry_type",
    "auth_type",
    "url",
    "username",
    "replaces_base",
    "visibility",
    *OIDC_FIELDS,
    "created_at",
    "updated_at",
)
"""What GET and list return; never the value, never ``selected_repository_ids``."""

REQUIRED_ON_CREATE: Final[tuple[str, ...]] = ("registry_type", "url", "visibility")

NULLABLE_FIELDS: Final[frozenset[str]] = frozenset({"username"})
"""Fields a request may send as null to clear them: GitHub's OpenAPI marks only ``username``
nullable, so no other field, once set, can be cleared in place."""

# --- the declaration: what an OrgPrivateRegistry takes and gives --------------------------------

INPUT_FIELDS: Final[tuple[str, ...]] = (
    "org",
    "registry_type",
    "url",
    "visibility",
    "auth_type",
    "username",
    "replaces_base",
    "selected_repository_ids",
    "value",
    "value_encrypted",
    "key_id",
    *OIDC_FIELDS,
    "adopt",
)
"""The inputs of ``OrgPrivateRegistry``, named as GitHub's fields (issue-pinned interface)."""

SECRET_INPUTS: Final[tuple[str, ...]] = ("value", "value_encrypted", "key_id")
"""The inputs that carry the secret: a plaintext ``value``, or a sealed one with its ``key_id``."""

OUTPUT_ONLY_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "created_at",
    "updated_at",
    "remote_updated_at",
)
"""Outputs that are not inputs."""

DECLARATION_DEFAULTS: Final[Mapping[str, Any]] = {
    "auth_type": "token",
    "replaces_base": False,
    "adopt": False,
}
"""Defaults the provider's check fills in (``org`` defaults to the configured owner)."""


def auth_type_of(props: Mapping[str, Any]) -> Any:
    """The auth type a declaration or a registry stands for: GitHub's default when unset."""
    return props.get("auth_type") or DECLARATION_DEFAULTS["auth_type"]


def takes_secret(props: Mapping[str, Any]) -> bool:
    """Whether a registry of this declaration carries an encrypted value (not an OIDC one)."""
    return auth_type_of(props) in SECRET_AUTH_TYPES


REPLACE_FIELDS: Final[tuple[str, ...]] = ("org", "registry_type", "auth_type")
"""Changing any of these replaces the registry: GitHub cannot change them in place."""

# Declaration names that differ from GitHub's: the pinned interface calls the ciphertext
# `value_encrypted`, GitHub calls it `encrypted_value`.
_DECLARATION_TO_REST: Final[Mapping[str, str]] = {"value_encrypted": "encrypted_value"}

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
# Characters no field GitHub takes may hold: controls (a URL's \n or \t is silently dropped by
# URL parsers, so the check would judge another URL than the one sent) and bidirectional controls
# such as U+202E, which make a logged value read differently from what it is.
_HIDDEN_CHARS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Beyond 2**53 a float (how the engine sends numbers) no longer stands for one integer; GitHub's
# int64 ids are far below it.
_MAX_REPOSITORY_ID: Final = 2**53

# Stands for the ciphertext of a declared plaintext `value` when a declaration is checked.
_SEALED_PLACEHOLDER: Final = "c2VhbGVk"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a declaration or a request: the field and why."""

    field: str
    reason: str


def configuration_name(registry_type: str) -> str:
    """GitHub's name for the registry of a type: ``npm_registry`` -> ``NPM_REGISTRY_SECRET``."""
    return registry_type.upper() + "_SECRET"


def org_problem(org: Any) -> str | None:
    """Why ``org`` is not a GitHub organization login, or None."""
    if not isinstance(org, str) or not org:
        return "'org' must be a non-empty organization name"
    if not _ORG_RE.fullmatch(org):
        return (
            "'org' must be a GitHub organization login: letters, digits and hyphens, not starting "
            "with a hyphen, at most 39 characters"
        )
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


def _url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a registry's URL, or None."""
    if " " in value or _HIDDEN_CHARS.search(value):
        return "'url' must not contain spaces, control characters or bidirectional-text controls"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host, or characters that normalize to '/', '?', '#', '@'
        return f"'url' is not a valid URL: '{value[:200]}'"
    if parts.scheme not in ("http", "https") or not host:
        return f"'url' must be an absolute http(s) URL, got '{value[:200]}'"
    if "@" in parts.netloc:
        # A credential in the URL would sit in plain sight in state and logs: it belongs in `value`.
        return "'url' must not contain user-info (user:password@): put the credential in 'value'"
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        return "'url' has an invalid port"
    return None


def _is_repository_id(value: Any) -> bool:
    # Numbers arrive from the Pulumi engine as floats: 42.0 is the id 42. 1e20 is a float too, and
    # would be sent as a 21-digit integer: ids are bounded.
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value <= _MAX_REPOSITORY_ID
    return isinstance(value, float) and value.is_integer() and 0 < value <= _MAX_REPOSITORY_ID


def _present(state: Mapping[str, Any], field: str) -> bool:
    return state.get(field) is not None


def _one_of(field: str, value: Any, allowed: Iterable[str]) -> str:
    return f"'{field}' is '{value}', which is not one of: {', '.join(allowed)}"


def null_problems(body: Mapping[str, Any]) -> list[Problem]:
    """Fields of a request body sent as null that GitHub cannot clear (see :data:`NULLABLE_FIELDS`)."""
    return [
        Problem(field, f"'{field}' cannot be null: once set, only a new registry can drop it")
        for field, value in body.items()
        if value is None and field not in NULLABLE_FIELDS
    ]


def rest_problems(
    state: Mapping[str, Any],
    *,
    is_unknown: Callable[[Any], bool] = lambda _v: False,
) -> list[Problem]:
    """Check a registry's full state under GitHub's field names.

    ``state`` is what the registry would be after a create or update: an ``encrypted_value``
    that is not None means a secret is set. Values for which ``is_unknown`` is true (preview)
    are taken as valid and present.
    """
    problems: list[Problem] = []

    def known(field: str) -> bool:
        return _present(state, field) and not is_unknown(state[field])

    for field in REQUIRED_ON_CREATE:
        if not _present(state, field):
            problems.append(Problem(field, f"'{field}' is required"))
    for field in STRING_FIELDS:
        if known(field) and not isinstance(state[field], str):
            problems.append(Problem(field, f"'{field}' must be a string"))
    if known("replaces_base") and not isinstance(state["replaces_base"], bool):
        problems.append(Problem("replaces_base", "'replaces_base' must be true or false"))
    if problems:
        return problems

    if known("registry_type") and state["registry_type"] not in REGISTRY_TYPES:
        problems.append(
            Problem("registry_type", _one_of("registry_type", state["registry_type"], REGISTRY_TYPES))
        )
    if known("url") and (url_problem := _url_problem(state["url"])):
        problems.append(Problem("url", url_problem))
    for field in sorted(STRING_FIELDS - {"url"}):
        if known(field) and _HIDDEN_CHARS.search(state[field]):
            problems.append(
                Problem(
                    field, f"'{field}' must not contain control characters or bidirectional-text controls"
                )
            )
    if known("encrypted_value") and not is_standard_base64(state["encrypted_value"]):
        problems.append(Problem("encrypted_value", "'encrypted_value' must be standard, padded base64"))

    problems.extend(_visibility_problems(state, known))
    problems.extend(_auth_problems(state, known))
    return problems


def _visibility_problems(state: Mapping[str, Any], known: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    visibility = state.get("visibility")
    if known("visibility") and visibility not in VISIBILITIES:
        problems.append(Problem("visibility", _one_of("visibility", visibility, VISIBILITIES)))
        return problems
    ids = state.get("selected_repository_ids")
    if not known("selected_repository_ids"):
        if (
            known("visibility")
            and visibility == "selected"
            and not _present(state, "selected_repository_ids")
        ):
            problems.append(
                Problem(
                    "selected_repository_ids",
                    "visibility 'selected' needs at least one id in 'selected_repository_ids'",
                )
            )
        return problems
    if not isinstance(ids, (list, tuple)):
        problems.append(
            Problem("selected_repository_ids", "'selected_repository_ids' must be a list of repository ids")
        )
        return problems
    if known("visibility") and visibility != "selected":
        problems.append(
            Problem(
                "selected_repository_ids",
                f"'selected_repository_ids' is only allowed with visibility 'selected', not '{visibility}'",
            )
        )
    elif known("visibility") and not ids:
        problems.append(
            Problem(
                "selected_repository_ids",
                "visibility 'selected' needs at least one id in 'selected_repository_ids'",
            )
        )
    bad = [i for i in ids if not _is_repository_id(i)]
    if bad:
        problems.append(
            Problem(
                "selected_repository_ids",
                "'selected_repository_ids' must hold repository ids, positive integers up to "
                f"{_MAX_REPOSITORY_ID}, got {str(bad[0])[:40]!r}",
            )
        )
    return problems


def _auth_problems(state: Mapping[str, Any], known: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    auth_type = auth_type_of(state)
    if _present(state, "auth_type") and not known("auth_type"):
        # auth_type is unknown during preview: nothing auth-specific can be judged yet.
        return problems
    if auth_type not in AUTH_RULES:
        return [Problem("auth_type", _one_of("auth_type", auth_type, AUTH_TYPES))]
    rule = AUTH_RULES[auth_type]
    for field in rule.required:
        if not _present(state, field):
            problems.append(Problem(field, f"'{field}' is required when auth_type is '{auth_type}'"))
    for field in AUTH_FIELDS:
        if field not in rule.allowed and _present(state, field):
            owners = [a for a, r in AUTH_RULES.items() if field in r.allowed]
            problems.append(
                Problem(
                    field,
                    f"'{field}' is not allowed when auth_type is '{auth_type}' "
                    f"(it belongs to {', '.join(owners)})",
                )
            )
    has_secret = _present(state, "encrypted_value")
    if auth_type in SECRET_AUTH_TYPES:
        if not has_secret:
            problems.append(
                Problem("encrypted_value", f"a secret is required when auth_type is '{auth_type}'")
            )
        elif not _present(state, "key_id"):
            problems.append(Problem("key_id", "'key_id' is required with an encrypted value"))
    else:
        for field in ("encrypted_value", "key_id"):
            if _present(state, field):
                problems.append(
                    Problem(
                        field,
                        f"an OIDC registry ('{auth_type}') takes no secret; remove '{field}'",
                    )
                )
    if _present(state, "key_id") and not has_secret and auth_type in SECRET_AUTH_TYPES:
        problems.append(Problem("key_id", "'key_id' is only allowed with an encrypted value"))
    return problems


def declaration_problems(
    props: Mapping[str, Any],
    *,
    default_org: str | None = None,
    is_unknown: Callable[[Any], bool] = lambda _v: False,
) -> list[Problem]:
    """Check an ``OrgPrivateRegistry`` declaration; each problem names the declared property.

    Values for which ``is_unknown`` is true are not failures. Keys starting with ``__`` belong
    to Pulumi (``__provider``) and are ignored.
    """
    problems: list[Problem] = []
    allowed = set(INPUT_FIELDS) | set(OUTPUT_ONLY_FIELDS)
    for key in props:
        if key.startswith("__") or key in allowed:
            continue
        import difflib  # only for a misspelled property: kept off the provider's start-up path

        hint = difflib.get_close_matches(key, INPUT_FIELDS, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        problems.append(Problem(key, f"unknown property '{key}'{suggestion}"))

    def known(field: str) -> bool:
        return props.get(field) is not None and not is_unknown(props[field])

    org = props.get("org") if props.get("org") is not None else default_org
    if org is None:
        problems.append(Problem("org", "'org' is required: set it or configure github:owner / GITHUB_OWNER"))
    elif not is_unknown(org) and (reason := org_problem(org)):
        problems.append(Problem("org", reason))
    if known("auth_type") and props["auth_type"] == "":
        # GitHub's default is `token`, but an empty string is not leaving it out: say so.
        problems.append(Problem("auth_type", _one_of("auth_type", "", AUTH_TYPES)))
    if known("adopt") and not isinstance(props["adopt"], bool):
        problems.append(Problem("adopt", "'adopt' must be true or false"))

    value_given = _present(props, "value")
    encrypted_given = _present(props, "value_encrypted")
    if value_given and encrypted_given:
        problems.append(Problem("value", "give either 'value' or 'value_encrypted' with 'key_id', not both"))
    if known("value") and (not isinstance(props["value"], str) or not props["value"]):
        problems.append(Problem("value", "'value' must be a non-empty string"))
    if value_given and _present(props, "key_id") and not encrypted_given:
        problems.append(
            Problem("key_id", "'key_id' goes with 'value_encrypted'; the provider sets it for 'value'")
        )
    if encrypted_given and not _present(props, "key_id"):
        problems.append(Problem("key_id", "'value_encrypted' needs the 'key_id' it was sealed with"))
    if known("value_encrypted") and (
        not isinstance(props["value_encrypted"], str) or not is_standard_base64(props["value_encrypted"])
    ):
        problems.append(Problem("value_encrypted", "'value_encrypted' must be standard, padded base64"))
    declared_problems = {p.field for p in problems}

    state = {
        _DECLARATION_TO_REST.get(k, k): v
        for k, v in props.items()
        if k in WRITABLE_FIELDS or k in _DECLARATION_TO_REST or k == "value"
    }
    # A plaintext value stands for the sealed secret the provider will send.
    state.pop("value", None)
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
        field = secret_field if rest.field == "encrypted_value" else rest.field
        if field in declared_problems and rest.field in ("encrypted_value", "key_id"):
            continue  # already reported in declaration terms above
        reason = rest.reason.replace("'encrypted_value'", f"'{field}'")
        if rest.field == "encrypted_value" and "a secret is required" in reason:
            reason += ": set 'value' (or 'value_encrypted' with 'key_id')"
        problems.append(Problem(field, reason))
    return problems


def to_rest_body(props: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Build a REST body from declaration-shaped ``props`` (no ``value``: seal it first).

    Only GitHub's writable fields are taken, ``value_encrypted`` is sent as ``encrypted_value``,
    repository ids as integers. ``fields`` limits the body to those REST fields.
    """
    body: dict[str, Any] = {}
    for key, value in props.items():
        rest = _DECLARATION_TO_REST.get(key, key)
        if rest not in WRITABLE_FIELDS or (fields is not None and rest not in fields):
            continue
        if rest == "selected_repository_ids" and value is not None:
            value = [int(i) for i in value]
        body[rest] = value
    return body
