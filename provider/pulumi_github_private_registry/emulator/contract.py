"""GitHub's OpenAPI contract: the shipped extract, its request validators, and GitHub's refusals.

The request-body schemas of the private-registries endpoints come from the extract shipped beside
this module (read with ``openapi-schema-validator``), narrowed to a GHES stage when one is played;
a body is judged by them, then by what the pages say beyond them (:data:`.facts.AUTH_FACTS`), and a
refusal is worded as GitHub words it (its error objects, or its OpenAPI validation's message).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .facts import (
    AUTH_FACTS,
    AUTH_SPECIFIC,
    DEFAULT_AUTH_TYPE,
    INSTALL_HINT,
    NEVER_SHOWN,
    SEALED,
    GhesStage,
)
from .messages import InvalidRequest, field_error

SPEC_PATH: Final = Path(__file__).with_name("private-registries.openapi.json")
"""GitHub's OpenAPI description of the six operations (a verbatim extract; see its x-extraction)."""
_CREATE_PATH: Final = "/orgs/{org}/private-registries"
_UPDATE_PATH: Final = "/orgs/{org}/private-registries/{secret_name}"
_RESPONSE_SCHEMA: Final = "org-private-registry-configuration"


def _narrowed(body: dict[str, Any], stage: GhesStage, *, required: tuple[str, ...] | None) -> dict[str, Any]:
    """A request-body schema as ``stage``'s page documents it: its fields and enum values only."""
    if stage.fields is None:
        return body
    kept = set(stage.fields) | {"auth_type"}  # kept with the stage's values; see stage 1
    properties = {k: copy.deepcopy(v) for k, v in body["properties"].items() if k in kept}
    for name, values in (("registry_type", stage.registry_types), ("auth_type", stage.auth_types)):
        if values is not None:
            properties[name]["enum"] = [v for v in properties[name]["enum"] if v in values]
    narrowed = {**body, "properties": properties}
    if required is not None:
        narrowed["required"] = list(required)
    return narrowed


def fact_errors(record: Mapping[str, Any]) -> list[Any]:
    """What the pages forbid in a registry's full state (after defaults), its types already valid."""
    errors: list[Any] = []
    auth_type = record["auth_type"]
    facts = AUTH_FACTS[auth_type]
    for name in facts.required:
        if record.get(name) is None:
            errors.append(
                field_error(name, "missing_field", f"'{name}' is required when auth_type is '{auth_type}'")
            )
    for name in AUTH_SPECIFIC:
        if name not in facts.allowed and record.get(name) is not None:
            owners = ", ".join(a for a, f in AUTH_FACTS.items() if name in f.allowed)
            message = f"'{name}' is not allowed when auth_type is '{auth_type}' (it goes with {owners})"
            errors.append(field_error(name, "invalid", message))
    if facts.sealed and record.get("encrypted_value") is None:
        message = f"auth_type '{auth_type}' needs a sealed value: send 'encrypted_value' and 'key_id'"
        errors.append(field_error("encrypted_value", "missing_field", message))
    elif facts.sealed and record.get("key_id") is None:
        message = "send 'key_id', the id of the key 'encrypted_value' was sealed with"
        errors.append(field_error("key_id", "missing_field", message))
    elif not facts.sealed:
        for name in SEALED:
            if record.get(name) is not None:
                message = f"an OIDC registry ('{auth_type}') takes no sealed value: omit '{name}'"
                errors.append(field_error(name, "invalid", message))
    # selected_repository_ids: "You can only provide a list of repository IDs when visibility is set
    # to selected. [...] should be omitted if visibility is set to all or private." visibility:
    # "selected means only the repositories specified by selected_repository_ids can access the
    # private registry", so selected goes with the list (which the pages do not say must be non-empty).
    visibility, ids = record["visibility"], record.get("selected_repository_ids")
    if visibility == "selected" and ids is None:
        message = "visibility 'selected' needs 'selected_repository_ids'"
        errors.append(field_error("selected_repository_ids", "missing_field", message))
    elif visibility != "selected" and ids is not None:
        message = f"'selected_repository_ids' goes only with visibility 'selected', not '{visibility}'"
        errors.append(field_error("selected_repository_ids", "invalid", message))
    return errors


# RFC 3986 (section 3) syntax for an absolute URI, as the request schemas' `format: uri` asks:
# scheme ":" then unreserved, reserved and percent-encoded characters, at most one "#". Checked
# here rather than by whichever URI library happens to be installed, so the emulator judges alike
# everywhere. (A syntax check: it does not decide whether a URI names a reachable registry.)
_URI_CHAR: Final = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})"
_URI_RE: Final = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:{_URI_CHAR}*(?:#{_URI_CHAR}*)?")


def is_uri(value: object) -> bool:
    """Whether ``value`` is an absolute URI by RFC 3986's syntax (non-strings pass: types judge them)."""
    return not isinstance(value, str) or _URI_RE.fullmatch(value) is not None


@dataclass(frozen=True)
class Contract:
    """GitHub's request and response schemas, ready to judge bodies and shape answers."""

    create: Any  # an OAS30Validator of the create body
    update: Any  # an OAS30Validator of the update body
    writable: tuple[str, ...]  # the create body's fields
    defaults: Mapping[str, Any]
    shown: tuple[str, ...]  # the fields of a get or list answer


def _formats(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        return found.union(*(_formats(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats(v) for v in node))
    return set()


@functools.cache
def openapi() -> dict[str, Any]:
    """GitHub's OpenAPI extract for the private-registries endpoints, shipped with the emulator."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def request_schemas(spec: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """GitHub's request-body schemas for creating and for updating a registry."""

    def body_schema(path: str, method: str) -> dict[str, Any]:
        return dict(spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])

    return body_schema(_CREATE_PATH, "post"), body_schema(_UPDATE_PATH, "patch")


def contract(stage: GhesStage | None = None) -> Contract:
    """Load the OpenAPI extract and build its request validators: github.com's, or as a GHES
    ``stage`` documents them."""
    try:
        from jsonschema import FormatChecker
        from openapi_schema_validator import OAS30Validator
    except ImportError as exc:
        message = "the emulator validates requests with openapi-schema-validator, which is missing"
        raise ImportError(f"{message}: {INSTALL_HINT}") from exc
    spec = openapi()
    create, update = request_schemas(spec)
    request_fields = set(create["properties"])
    if stage is not None:
        create = _narrowed(create, stage, required=stage.create_required)
        update = _narrowed(update, stage, required=None)
    checker = FormatChecker(formats=())
    checker.checks("uri")(is_uri)
    unchecked = (_formats(create) | _formats(update)) - set(checker.checkers)
    if unchecked:  # a newer extract asks for a format nobody checks: say so rather than skip it
        raise RuntimeError(f"the emulator does not check the request formats {sorted(unchecked)}")

    def validator(body: dict[str, Any]) -> Any:
        # The emulator's one rule of its own, stricter than GitHub's schema, which leaves
        # additionalProperties open: a field outside the schema is refused, so that a client's
        # typo fails loudly in tests instead of being dropped.
        strict = {**body, "additionalProperties": False, "components": spec.get("components", {})}
        return OAS30Validator(strict, format_checker=checker)

    properties = create["properties"]
    defaults = {k: v["default"] for k, v in properties.items() if "default" in v}
    # A stage shows what its page documents: its own fields and those no request sets (name, times).
    documented = request_fields if stage is None or stage.fields is None else set(stage.fields)
    shown = tuple(
        f
        for f in spec["components"]["schemas"][_RESPONSE_SCHEMA]["properties"]
        if f not in NEVER_SHOWN and (f in documented or f not in request_fields)
    )
    return Contract(
        create=validator(create),
        update=validator(update),
        writable=tuple(properties),
        defaults={**defaults, "auth_type": DEFAULT_AUTH_TYPE},
        shown=shown,
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# GitHub's OpenAPI validation answers 422 {"message": "Invalid request.\n\n<one line per problem>",
# "documentation_url", "status": "422"}, with no "errors", as clients quote it: enum values 'For
# \'properties/auth_type\', "oidc_gcp" is not a member of enum.' (a GHES release refusing oidc_gcp,
# issue #17 of this project), types "For 'items', nil is not a string or object."
# (ixxmu/mp_duty#3639) and 'For \'properties/enabled\', "false" is not a boolean' (as users of `gh
# api -f` quote it), a missing field '"sha" wasn't supplied.' (octokit/octokit.rb#992), an unknown
# one '"enabled" is not a permitted key.' The field is named by its schema path
# (properties/<field>, /items for an array's items) and the value as Ruby shows it (a JSON string
# in double quotes, nil for null). The emulator answers so whenever its validation finds an enum or
# a type error; other schema errors alone keep the error objects below. Inferred: "or null" for a
# nullable field, and the wording of format and pattern errors, which no client quotes.
_INVALID_REQUEST: Final = "Invalid request."
_ARTICLES: Final = {"integer": "an integer", "array": "an array", "object": "an object"}


def _ruby(value: Any) -> str:
    """A value as GitHub's validator shows it in its message."""
    if value is None:
        return "nil"
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _openapi_line(error: Any) -> list[str]:
    """The lines of GitHub's "Invalid request." message for one jsonschema error."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        return [f'"{f}" wasn\'t supplied.' for f in expected if f not in value]
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        return [f'"{f}" is not a permitted key.' for f in value if f not in known]
    path = "/".join(str(p) for p in list(error.relative_schema_path)[:-1]) or "properties"
    if kind == "enum":
        return [f"For '{path}', {_ruby(value)} is not a member of enum."]
    if kind == "type":
        wanted = _ARTICLES.get(str(expected), f"a {expected}") + (
            " or null" if error.schema.get("nullable") else ""
        )
        return [f"For '{path}', {_ruby(value)} is not {wanted}."]
    return [f"For '{path}', {_ruby(value)} {error.message[:200]}."]


def schema_errors(validator: Any, body: Mapping[str, Any]) -> list[Any]:
    """GitHub's refusal of what ``validator`` finds in ``body``: its error objects, one per field,
    or, when an enum or a type is wrong, its OpenAPI validation's message (one :class:`InvalidRequest`)."""
    found: dict[str, dict[str, str]] = {}
    lines: dict[str, None] = {}
    openapi = False
    for error in validator.iter_errors(dict(body)):
        openapi = openapi or (bool(error.absolute_path) and error.validator in ("enum", "type"))
        lines.update(dict.fromkeys(_openapi_line(error)))
        for name, code, message in _explain(error):
            found.setdefault(name, field_error(name, code, message))
    if openapi:
        return [InvalidRequest("\n\n".join([_INVALID_REQUEST, "\n".join(lines)]))]
    return list(found.values())


def _explain(error: Any) -> list[tuple[str, str, str]]:
    """(field, code, message) for one jsonschema error of a request body."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if not error.absolute_path:
        if kind == "required":
            return [(f, "missing_field", f"'{f}' is required") for f in expected if f not in value]
        if kind == "additionalProperties":
            known = error.schema.get("properties", {})
            return [
                (f, "invalid", f"'{f}' is not a field of GitHub's request schema")
                for f in value
                if f not in known
            ]
        return [("", "invalid", f"the request body: {error.message[:200]}")]
    name = str(error.absolute_path[0])
    where = f"'{name}'" + "".join(f"[{p}]" for p in list(error.absolute_path)[1:])
    if kind == "type" and value is None:
        message = f"{where} cannot be null: GitHub's schema marks it not nullable"
    elif kind == "type":
        message = f"{where} must be of type {expected}, got {_short(value)}"
    elif kind == "enum":
        message = f"{where} is {_short(value)}, which is not one of: {', '.join(map(str, expected))}"
    elif kind == "pattern":
        message = f"{where} does not match GitHub's pattern {expected}"
    elif kind == "format":
        message = f"{where} is not a valid {expected}: {_short(value)}"
    else:
        message = f"{where}: {error.message[:200]}"
    return [(name, "invalid", message)]
