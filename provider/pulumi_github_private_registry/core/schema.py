"""The private-registries API's rules, stated once: what a declaration and a registry must be.

Two layers of validation share the rules, and both return :class:`.problems.Problem` values (a
code, the field, parameters), never English:

* :func:`rest_problems` checks a registry's full state under GitHub's field names
  (``encrypted_value`` standing for "a secret is set").
* :func:`declaration_problems` checks what a user declares (``value``/``value_encrypted``, ``org``,
  ``adopt``, unknown values during preview) by mapping it onto a REST state and running
  :func:`rest_problems`, plus the checks only a declaration has.

The schema family has two more modules, each importing only those before it: :mod:`.fields` (the
field table, every field once with all its facts) <- :mod:`.problems` (problems and their messages
per audience) <- this one. This module also re-exports the names of those two that code outside
the family uses (the client, the lifecycle, the doors, the tools, the stack program and tests), so
that each keeps the one path ``core.schema`` it has always imported them by.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import HIDDEN
from .fields import (
    AUTH_FIELDS,
    AUTH_RULES,
    AUTH_TYPES,
    DECLARATION_DEFAULTS,
    FIELDS,
    FIELDS_BY_NAME,
    INPUT_FIELDS,
    MAX_REPOSITORY_ID,
    NULLABLE_FIELDS,
    OIDC_FIELDS,
    ORG_LOGIN_RE,
    OUTPUT_ONLY_FIELDS,
    REGISTRY_TYPES,
    REPLACE_FIELDS,
    REPORTED_FIELDS,
    REQUIRED_ON_CREATE,
    RESPONSE_FIELDS,
    SECRET_AUTH_TYPES,
    SECRET_INPUTS,
    SECRET_OUTPUTS,
    UNKNOWN,
    UPDATABLE_FIELDS,
    VISIBILITIES,
    WRITABLE_FIELDS,
    Field,
    auth_type_of,
    configuration_name,
    declaration_name,
    is_unknown,
    takes_secret,
    to_rest_body,
    whole_ids,
)
from .problems import (
    MESSAGES,
    REST,
    SECRET_SHOWN,
    Audience,
    Problem,
    field_names,
    plain,
    render,
    shown,
    unquoted,
    url_shown,
)

__all__ = [
    "AUTH_RULES",
    "AUTH_TYPES",
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
    "RESPONSE_FIELDS",
    "REST",
    "SECRET_INPUTS",
    "SECRET_OUTPUTS",
    "SECRET_SHOWN",
    "UNKNOWN",
    "UPDATABLE_FIELDS",
    "VISIBILITIES",
    "WRITABLE_FIELDS",
    "Audience",
    "Field",
    "Problem",
    "auth_type_of",
    "configuration_name",
    "declaration_problems",
    "field_names",
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

# Inputs that only steer the provider (GitHub has no such field): `adopt`, `ignore_value_drift`.
_OPTION_FIELDS: Final = tuple(f.name for f in FIELDS if f.input and f.rest is None and f.kind == "boolean")
# Writable string fields, in the table's order (problems come out in a stable order).
_STRING_FIELDS: Final = tuple(str(f.rest) for f in FIELDS if f.kind == "string" and f.input and f.rest)


# --- shapes ----------------------------------------------------------------------------------------

# Standard, padded base64, as GitHub's OpenAPI pattern for encrypted_value.
_BASE64_RE: Final = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})"
)
# A configuration name: UPPER(registry_type) + "_SECRET"; kept generous for types GitHub may add.
_NAME_RE: Final = re.compile(r"[A-Z0-9_]{1,100}")
# User-info in any URL (`scheme://user:password@`), up to the last '@' before the path.
_USER_INFO: Final = re.compile(r"(?i)^[a-z][a-z0-9+.\-]*://[^/?#]*@")
# Stands for the ciphertext of a declared plaintext `value` when a declaration is checked.
_SEALED_PLACEHOLDER: Final = "c2VhbGVk"


def org_problem(org: Any) -> Problem | None:
    """Why ``org`` is not a GitHub organization login, or None."""
    if not isinstance(org, str) or not org:
        return Problem("org_empty", "org")
    if not ORG_LOGIN_RE.fullmatch(org):
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
        return 0 < value <= MAX_REPOSITORY_ID
    return isinstance(value, float) and value.is_integer() and 0 < value <= MAX_REPOSITORY_ID


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
        params = {"max": MAX_REPOSITORY_ID, "bad": bad[0]}
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
    owner_setting: str = "the provider's owner",
    is_unknown: Callable[[Any], bool] = is_unknown,
) -> list[Problem]:
    """Check an ``OrgPrivateRegistry`` declaration; each problem names the declared property.

    ``owner_setting``: where the settings in force read the owner (``KEY / ENV``), named when
    neither the declaration nor the settings give an org.

    Values for which ``is_unknown`` is true are not failures. Keys starting with ``__`` belong
    to a door's engine (its own bookkeeping beside the declaration) and are ignored.
    """
    problems = [
        unknown_property(key) for key in props if not key.startswith("__") and key not in FIELDS_BY_NAME
    ]

    def known(name: str) -> bool:
        return props.get(name) is not None and not is_unknown(props[name])

    org = props.get("org") if props.get("org") is not None else default_org
    if org is None:
        problems.append(Problem("org_required", "org", {"owner_setting": owner_setting}))
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
        name = secret_field if rest.field == "encrypted_value" else declaration_name(rest.field)
        if name in declared_problems and rest.field in ("encrypted_value", "key_id", "auth_type"):
            continue  # already reported in declaration terms above
        code = "secret_missing" if rest.code == "secret_required" else rest.code
        problems.append(Problem(code, name, rest.params))
    return problems
