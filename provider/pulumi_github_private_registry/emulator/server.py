"""A GitHub stand-in for the six private-registries endpoints, for tests, benchmarks and demos.

``Emulator().start()`` serves the REST API on 127.0.0.1 from a daemon thread;
``python -m pulumi_github_private_registry.emulator --port N`` serves it from the command line.
State lives in memory; each org has an X25519 key pair that opens what clients seal. Tests can
change state behind the client's back, inject faults and impose rate limits.

The emulator judges requests from sources independent of the provider it tests, and imports
nothing of the provider: a stand-in that reused the code under test would confirm its mistakes.
Request bodies are validated against GitHub's OpenAPI request schemas (the extract shipped beside
this module, read with ``openapi-schema-validator``: ``pip install
'pulumi-github-private-registry[emulator]'``), and what those schemas cannot say is stated once
below from GitHub's reference pages (see "What GitHub documents beyond its schemas"). The rest is
what a server knows: names, keys, timestamps, pagination, credentials, rate limits and GitHub's
error shapes. ``GET /user/orgs`` lists the organizations that exist (for ``discover --all-orgs``).

It can also play a GitHub Enterprise Server release (``Emulator(ghes_version="3.14",
ghes_stage=N)``; the stages, read off GitHub's reference pages of successive times, are
``GHES_STAGES``) and serve GitHub Apps: the app endpoints a client needs (the organization's
installation, the app's installations, an installation token), with RS256 JWTs verified by PyJWT
(the same extra) and tokens that expire on a clock tests can move. See :class:`Emulator`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import functools
import hashlib
import hmac
import ipaddress
import json
import math
import re
import secrets
import signal
import socket
import string
import textwrap
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, TypeGuard
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

__all__ = ["GHES_STAGES", "Emulator", "Fault", "GhesStage", "LoggedRequest", "main"]

DOCS_URL: Final = "https://docs.github.com/rest/private-registries/organization-configurations"
RATE_DOCS_URL: Final = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
PRIMARY_LIMIT: Final = 5000
DEFAULT_API_VERSION: Final = "2022-11-28"
SECONDARY_MESSAGE: Final = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
PRIMARY_MESSAGE: Final = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID."
)
_INSTALL_HINT: Final = "pip install 'pulumi-github-private-registry[emulator]'"
SPEC_PATH: Final = Path(__file__).with_name("private-registries.openapi.json")
"""GitHub's OpenAPI description of the six operations (a verbatim extract; see its x-extraction)."""
_CREATE_PATH: Final = "/orgs/{org}/private-registries"
_UPDATE_PATH: Final = "/orgs/{org}/private-registries/{secret_name}"
_RESPONSE_SCHEMA: Final = "org-private-registry-configuration"

# --- What GitHub documents beyond its schemas ----------------------------------------------------
# Facts the OpenAPI request schemas cannot express, in the emulator's own words. Unless marked
# "inferred", each comes from GitHub's REST reference "REST API endpoints for private registries >
# Organization configurations" (https://docs.github.com/rest/private-registries/organization-configurations),
# sections "Create a private registry for an organization" and "Update a private registry for an
# organization", body parameters (API versions 2022-11-28 and 2026-03-10, which describe these
# endpoints alike). "Inferred" marks what the emulator concludes where the pages are silent.


@dataclass(frozen=True)
class _AuthFacts:
    """What an auth type takes: the auth-specific fields it needs and may have, and a sealed value."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    sealed: bool = False  # True: needs encrypted_value with its key_id; False: takes neither

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


AUTH_FACTS: Final[Mapping[str, _AuthFacts]] = {
    # encrypted_value and key_id: "Required when auth_type is token or username_password. Should be
    # omitted for OIDC auth types." username: "should be omitted if the private registry does not
    # require a username for authentication", so optional.
    "token": _AuthFacts(optional=("username",), sealed=True),
    # Inferred: no page says username is required here, but this type is a username and a password.
    "username_password": _AuthFacts(required=("username",), sealed=True),
    # tenant_id, client_id: "Required when auth_type is oidc_azure."
    "oidc_azure": _AuthFacts(required=("tenant_id", "client_id")),
    # aws_region, account_id, role_name, domain, domain_owner: "Required when auth_type is oidc_aws."
    # audience: "Optional for oidc_aws, oidc_jfrog, and oidc_gcp, and required for oidc_cloudsmith."
    "oidc_aws": _AuthFacts(
        required=("aws_region", "account_id", "role_name", "domain", "domain_owner"), optional=("audience",)
    ),
    # jfrog_oidc_provider_name: "Required when auth_type is oidc_jfrog." identity_mapping_name:
    # "Optional for oidc_jfrog auth type." audience: as above.
    "oidc_jfrog": _AuthFacts(
        required=("jfrog_oidc_provider_name",), optional=("audience", "identity_mapping_name")
    ),
    # namespace, service_slug: "Required when auth_type is oidc_cloudsmith." audience: "required for
    # oidc_cloudsmith". api_host: "Optional for oidc_cloudsmith auth type."
    "oidc_cloudsmith": _AuthFacts(required=("namespace", "service_slug", "audience"), optional=("api_host",)),
    # workload_identity_provider: "Required when auth_type is oidc_gcp." service_account: "Optional
    # for oidc_gcp auth type." audience: as above.
    "oidc_gcp": _AuthFacts(
        required=("workload_identity_provider",), optional=("service_account", "audience")
    ),
}
"""Per auth type, from the body parameters' descriptions. Inferred: a field the pages tie to some
auth types (username included: OIDC registries authenticate without one) is refused with others."""

_AUTH_SPECIFIC: Final = tuple(dict.fromkeys(f for facts in AUTH_FACTS.values() for f in facts.allowed))
DEFAULT_AUTH_TYPE: Final = "token"  # auth_type: "Defaults to token if not specified."
_SEALED: Final = ("encrypted_value", "key_id")  # key_id: "The ID of the key you used to encrypt the secret"
# Inferred: GitHub's own configurations are named after their type, "registry_type":
# "maven_repository" <-> "name": "MAVEN_REPOSITORY_SECRET" in every example, so an org holds at
# most one registry per type, and registry_type, which names it, cannot change on update.
# The update's auth_type: "This field cannot be changed after creation. If provided, it must match
# the existing auth_type of the configuration." (2026-03-10 reference.)
_FIXED: Final = ("registry_type", "auth_type")
# GitHub never shows a value: list "without revealing their encrypted values", get "omitting its
# encrypted value". selected_repository_ids appears only in the create answer's schema
# (org-private-registry-configuration-with-selected-repositories), not in get's or list's.
_NEVER_SHOWN: Final = frozenset(_SEALED)
_SHOWN_ON_CREATE_ONLY: Final = "selected_repository_ids"
# A registry type the schema lists but github.com does not accept yet: in May 2026 github.com refused
# hex_organization and hex_repository, both in its OpenAPI description, with 422 and this message,
# the types it accepts in a plain string under "errors" ("registry_type must be one of:
# maven_repository, nuget_feed, ...": issue #17 of this project). Emulator(refused_registry_types=...)
# plays that; by default every type the schema lists is accepted. Inferred: the types are listed in
# the schema's order, which the observed message starts alike.
REFUSED_TYPE_MESSAGE: Final = "Failed to create private registry configuration"


def configuration_name(registry_type: str) -> str:
    """GitHub's name for a registry of ``registry_type``: ``npm_registry`` -> ``NPM_REGISTRY_SECRET``."""
    return registry_type.upper() + "_SECRET"


def _fact_errors(record: Mapping[str, Any]) -> list[Any]:
    """What the pages forbid in a registry's full state (after defaults), its types already valid."""
    errors: list[Any] = []
    auth_type = record["auth_type"]
    facts = AUTH_FACTS[auth_type]
    for name in facts.required:
        if record.get(name) is None:
            errors.append(
                _field_error(name, "missing_field", f"'{name}' is required when auth_type is '{auth_type}'")
            )
    for name in _AUTH_SPECIFIC:
        if name not in facts.allowed and record.get(name) is not None:
            owners = ", ".join(a for a, f in AUTH_FACTS.items() if name in f.allowed)
            message = f"'{name}' is not allowed when auth_type is '{auth_type}' (it goes with {owners})"
            errors.append(_field_error(name, "invalid", message))
    if facts.sealed and record.get("encrypted_value") is None:
        message = f"auth_type '{auth_type}' needs a sealed value: send 'encrypted_value' and 'key_id'"
        errors.append(_field_error("encrypted_value", "missing_field", message))
    elif facts.sealed and record.get("key_id") is None:
        message = "send 'key_id', the id of the key 'encrypted_value' was sealed with"
        errors.append(_field_error("key_id", "missing_field", message))
    elif not facts.sealed:
        for name in _SEALED:
            if record.get(name) is not None:
                message = f"an OIDC registry ('{auth_type}') takes no sealed value: omit '{name}'"
                errors.append(_field_error(name, "invalid", message))
    # selected_repository_ids: "You can only provide a list of repository IDs when visibility is set
    # to selected. [...] should be omitted if visibility is set to all or private." visibility:
    # "selected means only the repositories specified by selected_repository_ids can access the
    # private registry", so selected goes with the list (which the pages do not say must be non-empty).
    visibility, ids = record["visibility"], record.get("selected_repository_ids")
    if visibility == "selected" and ids is None:
        message = "visibility 'selected' needs 'selected_repository_ids'"
        errors.append(_field_error("selected_repository_ids", "missing_field", message))
    elif visibility != "selected" and ids is not None:
        message = f"'selected_repository_ids' goes only with visibility 'selected', not '{visibility}'"
        errors.append(_field_error("selected_repository_ids", "invalid", message))
    return errors


# --- API versions ---------------------------------------------------------------------------------
# A client names the version it wants in X-GitHub-Api-Version; without one GitHub selects 2022-11-28
# and says which it served in X-GitHub-Api-Version-Selected ("API Versions",
# https://docs.github.com/rest/about-the-rest-api/api-versions). GitHub compares the name leniently
# (case and white space ignored) and refuses one it does not support with 400, a "Bad Request"
# message and, unusually, a string under "errors" naming the supported versions, newest first, as
# clients quote it (e.g. expipiplus1/update-nix-fetchgit#79). Credentials are judged first: a bad
# token with a bad version is a 401. github.com supports 2026-03-10 and 2022-11-28.
GITHUB_API_VERSIONS: Final = ("2026-03-10", DEFAULT_API_VERSION)  # newest first
# GitHub Enterprise Server: 2022-11-28, the one version its REST reference offered before
# 2026-03-10 (the 001 page below is from that time). The newest page (000) shows a GHES
# (http(s)://HOSTNAME/api/v3) with 2026-03-10 examples: a recent enough release serves that version
# too, which Emulator(ghes_api_versions=GITHUB_API_VERSIONS) models.
GHES_API_VERSIONS: Final = (DEFAULT_API_VERSION,)
_VERSIONS_DOCS: Final = "https://docs.github.com/rest"


def _unsupported_version(requested: str, supported: tuple[str, ...]) -> _ApiError:
    named = [f'"{supported[0]}" (most recent)', *(f'"{v}"' for v in supported[1:])]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    message = (
        f'The version you specified in the "X-GitHub-API-Version" request header, "{requested}", is '
        f"not a supported version. The following versions are currently supported: {listed}."
    )
    return _ApiError(400, "Bad Request", _VERSIONS_DOCS, errors=message, status="400")


# --- GitHub Enterprise Server ---------------------------------------------------------------------
# A GHES release serves the REST API under /api/v3 and names itself in the X-GitHub-Enterprise-Version
# header of every answer and in GET /meta's "installed_version" (GHES's "Meta" reference,
# https://docs.github.com/enterprise-server@latest/rest/meta/meta). What a release knows of the
# private-registries API is the API as github.com documented it when the release was cut, so the
# stages below are read off GitHub's reference pages of successive times, kept in the project's
# shared api/ folder under the names cited (000 is the newest). Each stage's request schema is the
# shipped OpenAPI's, narrowed to the fields and enum values its page documents: a value the release
# does not know is refused as that release's enum validation would refuse it (422, the field and
# the value named).


@dataclass(frozen=True)
class GhesStage:
    """What one GitHub Enterprise Server release knows of the private-registries API.

    ``None`` for ``registry_types``, ``auth_types``, ``fields`` or ``create_required`` means: as the
    shipped OpenAPI extract has it."""

    number: int
    source: str  # the reference page the stage is read from
    api: bool = True  # False: no private-registries API at all, every endpoint answers 404
    registry_types: tuple[str, ...] | None = None
    auth_types: tuple[str, ...] | None = None
    fields: tuple[str, ...] | None = None  # the request bodies' fields
    create_required: tuple[str, ...] | None = None


GHES_STAGES: Final[tuple[GhesStage, ...]] = (
    GhesStage(
        0,
        "none: a release from before the API (no page documents one; every endpoint answers 404)",
        api=False,
    ),
    GhesStage(
        1,
        # 001_f92bf36ff2144fc5.txt: docs.github.com (fr), api.github.com examples at 2022-11-28, the
        # API "in public preview". Create body: registry_type ("Value: maven_repository", its only
        # value), username, encrypted_value, key_id, visibility, selected_repository_ids; required
        # ("Obligatoire"): registry_type, encrypted_value, key_id, visibility. No url, no
        # replaces_base, no auth_type and no OIDC field. 003_1e098b86e769dba0.txt (octokit's
        # createOrgPrivateRegistry, also "public preview") names the same fields and required ones.
        "001_f92bf36ff2144fc5.txt (with 003_1e098b86e769dba0.txt): maven_repository only, token auth",
        registry_types=("maven_repository",),
        # Inferred: the page has no auth_type, and needs the sealed value of every registry, so each
        # is a token registry. The emulator keeps auth_type with that one value, so that a client
        # that names a type is judged on it (GitHub's schema, open to unknown fields, would ignore it).
        auth_types=("token",),
        fields=(
            "registry_type",
            "username",
            "encrypted_value",
            "key_id",
            "visibility",
            "selected_repository_ids",
        ),
        create_required=("registry_type", "encrypted_value", "key_id", "visibility"),
    ),
    GhesStage(
        2,
        # 002_4841f4f444b0cbfd.txt: the update's reference (PATCH .../{secret_name}): registry_type's
        # 15 values, auth_type's 6 ("oidc_azure", "oidc_cloudsmith", "oidc_aws", "username_password",
        # "oidc_jfrog", "token": no oidc_gcp), url, replaces_base and the fields of those OIDC types
        # (no workload_identity_provider, no service_account). Inferred: the page shows no create
        # body; its fields are the update's, and its required ones the newest create's.
        "002_4841f4f444b0cbfd.txt: 15 registry types, token, username_password and 4 OIDC auth types",
        registry_types=(
            "composer_repository",
            "goproxy_server",
            "docker_registry",
            "hex_organization",
            "cargo_registry",
            "helm_registry",
            "terraform_registry",
            "maven_repository",
            "npm_registry",
            "rubygems_server",
            "python_index",
            "pub_repository",
            "git_source",
            "nuget_feed",
            "hex_repository",
        ),
        auth_types=("token", "username_password", "oidc_azure", "oidc_aws", "oidc_jfrog", "oidc_cloudsmith"),
        fields=(
            "registry_type",
            "url",
            "username",
            "replaces_base",
            "encrypted_value",
            "key_id",
            "visibility",
            "selected_repository_ids",
            "auth_type",
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
        ),
    ),
    # 000_e8b05d23bbf33765.txt, the newest page (a GHES one: http(s)://HOSTNAME/api/v3 examples):
    # oidc_gcp with workload_identity_provider and service_account join; the same fields as the
    # shipped OpenAPI extract, which this stage is.
    GhesStage(3, "000_e8b05d23bbf33765.txt: the shipped OpenAPI extract, oidc_gcp included"),
)
"""GitHub Enterprise Server stages, oldest first; ``Emulator(ghes_stage=N)`` serves ``GHES_STAGES[N]``."""


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


# --- GitHub Apps ----------------------------------------------------------------------------------
# From "Generating a JSON Web Token (JWT) for a GitHub App"
# (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
# the JWT is signed with RS256 and claims iat ("To protect against clock drift, we recommend that you
# set this 60 seconds in the past"), exp ("must be no more than 10 minutes into the future") and iss
# (the app's ID). The 10 minutes count from the server's clock, not from iat: the pages' own example
# sets iat 60 s back and exp 600 s ahead. GitHub's answers to a JWT it refuses, all 401, as clients
# quote them: "A JSON web token could not be decoded" (a malformed token, or a signature the iss
# app's key does not verify: octokit/auth-app.js#375), "'Expiration time' claim ('exp') is too far
# in the future" (octokit/auth-app.js#698), "'Expiration time' claim ('exp') must be a numeric value
# representing the future time at which the assertion expires" (sigmavirus24/github3.py#1050),
# "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
# and "'Issuer' claim ('iss') must be an Integer" (actions/create-github-app-token#386); an iss that
# names no app: "Integration not found" (octokit/authentication-strategies.js#165; its 404 inferred).
JWT_MAX_LIFETIME: Final = 600.0  # seconds past the server's now that exp may reach
JWT_UNDECODABLE: Final = "A JSON web token could not be decoded"
JWT_EXP_TOO_FAR: Final = "'Expiration time' claim ('exp') is too far in the future"
JWT_EXPIRED: Final = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
JWT_BAD_IAT: Final = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)
JWT_BAD_ISS: Final = "'Issuer' claim ('iss') must be an Integer"
# "Get an organization installation for the authenticated app" (GET /orgs/{org}/installation), "Get
# an installation for the authenticated app" (GET /app/installations/{installation_id}, the same
# "installation" object, whose "account" names the account it is installed on) and "Create an
# installation access token for an app" (POST /app/installations/{installation_id}/access_tokens),
# https://docs.github.com/rest/apps/apps: all "must use a JWT". A JWT is judged on the server's
# clock (iat not in its future, exp at most 10 minutes ahead): a client whose clock is ahead of
# GitHub's is refused with JWT_BAD_IAT, the answer octokit/auth-app.js's request hook retries after
# reading GitHub's time off the Date header (Emulator(clock_offset=...) plays such a GitHub).
# Installation tokens "expire one hour from the time you create them. Using an expired token
# produces a status code of 401 - Unauthorized"; the answer is 201 {"token": "ghs_...",
# "expires_at": "2016-07-11T22:14:10Z", "permissions": {...}, "repository_selection": ...}; a
# body's "permissions" may only narrow the installation's, else 422 "The permissions requested are
# not granted to this installation."
INSTALLATION_TOKEN_TTL: Final = 3600.0
APPS_DOCS_URL: Final = "https://docs.github.com/rest/apps/apps"
USER_ORGS_DOCS_URL: Final = (
    "https://docs.github.com/rest/orgs/orgs#list-organizations-for-the-authenticated-user"
)
PERMISSION: Final = "organization_private_registries"  # the fine-grained permission the six endpoints name
# The pages: list, get and the public key need "Organization private registries" (read); create,
# update and delete (write). An installation without it is refused with 403 "Resource not
# accessible by integration", GitHub's answer to an app lacking a permission, with the permission
# it needed in X-Accepted-GitHub-Permissions. The same 403 answers an installation token used on
# another organization: an organization is public, so GitHub has nothing to hide with a 404 (which
# it keeps for what the caller may not know exists), and says the integration cannot reach it, as
# users of an app installed in several orgs report (3rd-party-integrations/github-team-sync#68).
# Inferred: the app's JWT itself, good only for the app endpoints, gets the same 403 there.
NOT_ACCESSIBLE: Final = "Resource not accessible by integration"
_LEVELS: Final[Mapping[str | None, int]] = {None: 0, "none": 0, "read": 1, "write": 2}
DEFAULT_APP_PERMISSIONS: Final[Mapping[str, str]] = {PERMISSION: "write"}


# --- GitHub's OpenAPI request schemas ------------------------------------------------------------

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
class _Contract:
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


def contract(stage: GhesStage | None = None) -> _Contract:
    """Load the OpenAPI extract and build its request validators: github.com's, or as a GHES
    ``stage`` documents them."""
    try:
        from jsonschema import FormatChecker
        from openapi_schema_validator import OAS30Validator
    except ImportError as exc:
        message = "the emulator validates requests with openapi-schema-validator, which is missing"
        raise ImportError(f"{message}: {_INSTALL_HINT}") from exc
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
        if f not in _NEVER_SHOWN and (f in documented or f not in request_fields)
    )
    return _Contract(
        create=validator(create),
        update=validator(update),
        writable=tuple(properties),
        defaults={**defaults, "auth_type": DEFAULT_AUTH_TYPE},
        shown=shown,
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _InvalidRequest(str):
    """GitHub's OpenAPI validation refusing a body: the whole message of a 422 without error objects."""


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


def _schema_errors(validator: Any, body: Mapping[str, Any]) -> list[Any]:
    """GitHub's refusal of what ``validator`` finds in ``body``: its error objects, one per field,
    or, when an enum or a type is wrong, its OpenAPI validation's message (one :class:`_InvalidRequest`)."""
    found: dict[str, dict[str, str]] = {}
    lines: dict[str, None] = {}
    openapi = False
    for error in validator.iter_errors(dict(body)):
        openapi = openapi or (bool(error.absolute_path) and error.validator in ("enum", "type"))
        lines.update(dict.fromkeys(_openapi_line(error)))
        for name, code, message in _explain(error):
            found.setdefault(name, _field_error(name, code, message))
    if openapi:
        return [_InvalidRequest("\n\n".join([_INVALID_REQUEST, "\n".join(lines)]))]
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


class _Headers(dict[str, str]):
    """Request headers under lower-case names, looked up in any case; the repr hides credentials."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(str(key).lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __repr__(self) -> str:
        return repr({k: "***" if k == "authorization" else v for k, v in self.items()})


@dataclass
class LoggedRequest:
    """One request received; ``path`` is after the prefix, ``status`` None if nothing was answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None = None


@dataclass
class Fault:
    """An injected misbehaviour; see :meth:`Emulator.inject`."""

    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    apply_then_drop: bool = False
    times: int = 1
    fired: int = 0
    raw: bytes | None = None
    apply: bool = False
    trickle: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (method exactly, path as a substring)."""
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or self.path in path
        )


@dataclass
class _Reply:
    status: int
    body: Any = None  # None: no body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as it is instead of ``body``
    trickle: float = 0.0  # seconds between the body's bytes


class _ApiError(Exception):
    def __init__(self, code: int, message: str, docs: str = DOCS_URL, **extra: Any) -> None:
        super().__init__(code)
        self.reply = _Reply(code, {"message": message, "documentation_url": docs, **extra})


def _not_found(docs: str = DOCS_URL) -> _ApiError:
    return _ApiError(404, "Not Found", docs, status="404")


def _bad_credentials() -> _ApiError:
    return _ApiError(401, "Bad credentials", "https://docs.github.com/rest", status="401")


def _credential(header: str | None) -> str:
    """The token of an ``Authorization: Bearer|token ...`` header, else ""."""
    scheme, _, credential = (header or "").partition(" ")
    return credential.strip() if scheme.lower() in ("bearer", "token") else ""


def _level(value: Any) -> int:
    """A permission's level (none 0, read 1, write 2); -1 for what is no level."""
    return _LEVELS.get(value, -1) if value is None or isinstance(value, str) else -1


def _is_app_route(parts: list[str]) -> bool:
    """GET /orgs/{org}/installation, GET /app/installations, GET
    /app/installations/{installation_id} or POST /app/installations/{installation_id}/access_tokens."""
    return (
        (len(parts) == 3 and parts[0] == "orgs" and parts[2] == "installation")
        or parts == ["app", "installations"]
        or (len(parts) == 3 and parts[:2] == ["app", "installations"])
        or (len(parts) == 4 and parts[:2] == ["app", "installations"] and parts[3] == "access_tokens")
    )


_TOKEN_ALPHABET: Final = string.ascii_letters + string.digits
_DOCS_ROOT: Final = "https://docs.github.com/"


def _invalid(errors: list[Any]) -> _ApiError:
    if errors and isinstance(errors[0], _InvalidRequest):
        return _ApiError(422, str(errors[0]), status="422")
    return _ApiError(422, "Validation Failed", errors=errors)


def _field_error(name: str, code: str, message: str) -> dict[str, str]:
    return {"resource": "PrivateRegistry", "field": name, "code": code, "message": message}


@dataclass
class _SecondaryLimit:
    max_requests: int
    window: float
    status: int
    retry_after: int | None
    times: deque[float] = field(default_factory=deque)


@dataclass
class _Org:
    keys: dict[str, PrivateKey] = field(default_factory=dict)  # every key issued: old values stay readable
    key_id: str = ""
    registries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rotate(self) -> str:
        private = PrivateKey.generate()
        digest = hashlib.sha256(bytes(private.public_key)).digest()
        self.key_id = f"{int.from_bytes(digest[:8], 'big') % 10**18:018d}"
        self.keys[self.key_id] = private
        return self.key_id

    def public_key(self) -> str:
        return base64.b64encode(bytes(self.keys[self.key_id].public_key)).decode()

    def seal(self, value: str) -> dict[str, str]:
        sealed = SealedBox(self.keys[self.key_id].public_key).encrypt(value.encode())
        return {"encrypted_value": base64.b64encode(sealed).decode(), "key_id": self.key_id}

    def open(self, encrypted_value: str, key_id: str) -> str:
        box = SealedBox(self.keys[key_id])
        return box.decrypt(base64.b64decode(encrypted_value, validate=True)).decode("utf-8", "replace")


@dataclass
class _Request:
    method: str
    path: str  # the full path, prefix included
    route: str | None  # the path after the prefix; None outside it
    query: dict[str, list[str]]
    headers: _Headers
    body: Any
    bad_json: bool


@dataclass
class _Installation:
    id: int
    app_id: int
    org: str  # the login as given
    permissions: dict[str, str]
    created_at: str


@dataclass
class _InstallationToken:
    installation_id: int
    expires_at: float  # on the emulator's clock
    permissions: dict[str, str]


@dataclass(frozen=True)
class _Caller:
    """Who a request's credentials name."""

    read_only: bool = False  # the read-only personal access token
    installation: _Installation | None = None  # an installation token's installation
    token: _InstallationToken | None = None
    app: int | None = None  # an app's JWT: its app id


def _app_id(value: Any) -> int | None:
    """An id given as an int or a string of ASCII digits (a JWT's iss may be either), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _load_jwt() -> Any:
    try:
        import jwt
    except ImportError as exc:
        message = "the emulator verifies GitHub App JWTs with PyJWT[crypto], which is missing"
        raise ImportError(f"{message}: {_INSTALL_HINT}") from exc
    return jwt


def _rsa_public_key(pem: str | bytes) -> Any:
    """An app's RSA public key from PEM text (a private key's PEM gives its public half)."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        key: Any = load_pem_private_key(data, password=None).public_key()
    else:
        key = load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("a GitHub App's key is an RSA key (its JWTs are signed with RS256)")
    return key


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


class Emulator:
    """GitHub's private-registries API in memory, served over HTTP/1.1 with keep-alive.

    GitHub Enterprise Server: ``ghes_version="3.14"`` serves as that release (under ``/api/v3``
    unless ``prefix`` says otherwise, ``X-GitHub-Enterprise-Version`` on every answer,
    ``installed_version`` in ``GET /meta``, only ``ghes_api_versions``), knowing the
    private-registries API as ``GHES_STAGES[ghes_stage]`` documents it (default: the newest), which
    the ``ghes_stage`` attribute holds (None on github.com). ``GET /meta`` answers either way.

    GitHub Apps: ``apps={app_id: rsa_public_key_pem}`` and ``installations={org: (app_id,
    installation_id)}`` serve ``GET /orgs/{org}/installation``, ``GET /app/installations`` and ``POST
    /app/installations/{installation_id}/access_tokens`` to the app's JWT; the ``ghs_`` tokens issued
    there reach their organization's registries for ``installation_token_ttl`` seconds, as
    ``app_permissions={installation_id: {"organization_private_registries": "read"|"write"}}``
    allows (default: write). The clock those checks read can be moved (:meth:`advance_clock`), and
    tokens expired at once (:meth:`expire_installation_tokens`). The request log counts lookups and
    token creations like any request: ``count("GET", "/installation")``, ``count("POST",
    "/access_tokens")``. Without ``apps`` those endpoints answer 404, as before.

    ``clock_offset`` sets the emulator's clock that many seconds off this machine's (GitHub's clock
    ahead of the client's when positive), as :meth:`advance_clock` moves it later.
    ``refused_registry_types`` are types the schema lists that creates are refused, as github.com
    refused hex_organization and hex_repository (see :data:`REFUSED_TYPE_MESSAGE`).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        read_only_token: str | None = None,
        prefix: str = "",
        orgs: Iterable[str] | None = None,
        latency: float = 0.0,
        max_per_page: int = 100,
        omit_fields: Iterable[str] = (),
        ghes_version: str | None = None,
        ghes_stage: int | None = None,
        ghes_api_versions: Iterable[str] = GHES_API_VERSIONS,
        apps: Mapping[int | str, str | bytes] | None = None,
        installations: Mapping[str, tuple[int | str, int]] | None = None,
        installation_token_ttl: float = INSTALLATION_TOKEN_TTL,
        app_permissions: Mapping[int, Mapping[str, str]] | None = None,
        refused_registry_types: Iterable[str] = (),
        clock_offset: float = 0.0,
    ) -> None:
        """``max_per_page`` caps page sizes below GitHub's 100 so tests can page through an org,
        which holds at most one registry per type (15). ``omit_fields`` leaves fields out of every
        answer, as GitHub's own examples leave out ``url`` and ``auth_type``. The GHES and app
        arguments are described on the class."""
        if ghes_version is None and ghes_stage is not None:
            raise ValueError("ghes_stage goes with ghes_version")
        if ghes_version is not None and not re.fullmatch(r"\d+\.\d+(?:\.\d+)?", ghes_version):
            raise ValueError(f"ghes_version is a release like '3.14' or '3.14.2', not {ghes_version!r}")
        if ghes_stage is not None and not 0 <= ghes_stage < len(GHES_STAGES):
            raise ValueError(f"ghes_stage is one of 0..{len(GHES_STAGES) - 1}, not {ghes_stage}")
        self.ghes_version = ghes_version
        self.ghes_stage: GhesStage | None = None
        if ghes_version is not None:
            self.ghes_stage = GHES_STAGES[len(GHES_STAGES) - 1 if ghes_stage is None else ghes_stage]
            prefix = prefix or "/api/v3"
        self._api_versions = GITHUB_API_VERSIONS if ghes_version is None else tuple(ghes_api_versions)
        if not self._api_versions:
            raise ValueError("ghes_api_versions names at least one version")
        # Fails here, not at the first request, without the extra.
        self._contract = contract(self.ghes_stage)
        self._registry_types = tuple(request_schemas(openapi())[0]["properties"]["registry_type"]["enum"])
        self._refused_types = frozenset(refused_registry_types)
        if not self._refused_types <= set(self._registry_types):
            unknown = sorted(self._refused_types - set(self._registry_types))
            raise ValueError(f"refused_registry_types names types GitHub's schema does not list: {unknown}")
        self._token = token
        self._max_per_page = max_per_page
        self._omit = frozenset(omit_fields)
        self._read_only_token = read_only_token
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._allowed = None if orgs is None else {o.lower() for o in orgs}
        # Each org's login as first given (`orgs`, a request, a test), for GET /user/orgs.
        self._logins: dict[str, str] = {o.lower(): o for o in reversed(list(orgs or ()))}
        self.latency = latency
        self.port = 0
        self.requests: list[LoggedRequest] = []
        self._host = "127.0.0.1"
        self._lock = threading.Lock()
        self._orgs: dict[str, _Org] = {}
        self._faults: list[Fault] = []
        self._clock = 0
        self._secondary: _SecondaryLimit | None = None
        self._remaining = PRIMARY_LIMIT
        self._reset_at = math.ceil(time.time()) + 3600
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # GitHub Apps.
        if not math.isfinite(clock_offset):
            raise ValueError(f"clock_offset is a number of seconds, not {clock_offset!r}")
        self._clock_offset = float(clock_offset)
        self._jwt: Any = _load_jwt() if apps else None
        self._apps: dict[int, Any] = {}
        for app_id, pem in (apps or {}).items():
            number = _app_id(app_id)
            if number is None:
                raise ValueError(f"an app id is a number, not {app_id!r}")
            self._apps[number] = _rsa_public_key(pem)
        self.installation_token_ttl = installation_token_ttl
        self._installations: dict[int, _Installation] = {}
        self._tokens: dict[str, _InstallationToken] = {}
        permissions = dict(app_permissions or {})
        for org, (app_id, installation_id) in (installations or {}).items():
            self._install(org, app_id, installation_id, permissions.pop(installation_id, None))
        if permissions:
            raise ValueError(f"app_permissions names installations that are not given: {sorted(permissions)}")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/PREFIX/`` (trailing slash)."""
        return f"http://{self._host}:{self.port}{self.prefix}/"

    def start(self, port: int = 0, *, host: str = "127.0.0.1", beyond_loopback: bool = False) -> Emulator:
        """Serve from a daemon thread; port 0 picks a free port.

        ``host`` is an IPv4 address or ``localhost``, and this machine's loopback unless
        ``beyond_loopback``: the emulator takes any token by default, and clients send theirs over
        plain http, so another machine that can reach it could read and write its registries.
        """
        address = _listen_address(host)
        if not address.is_loopback and not beyond_loopback:
            raise ValueError(
                f"{host} is not this machine's loopback: other machines could reach the emulator, which"
                " takes plain-http tokens; listen on 127.0.0.1, or say beyond_loopback=True"
            )
        self._server = _Server((host, port), self)
        # Every interface (0.0.0.0) includes this machine's: the base URL a client here can use.
        self._host = "127.0.0.1" if address.is_unspecified else host
        self.port = self._server.server_address[1]
        # A short poll keeps stop() quick; serve_forever checks for shutdown once per poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the open keep-alive connections."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- state, for tests (org names in any case; copies out) ------------------------------------

    def registries(self, org: str) -> dict[str, dict[str, Any]]:
        """Every stored record of ``org`` by name (GitHub field names; ciphertext, never plaintext)."""
        with self._lock:
            return copy.deepcopy(self._org(org).registries)

    def registry(self, org: str, name: str) -> dict[str, Any] | None:
        """The stored record ``name`` of ``org``, or None."""
        with self._lock:
            return copy.deepcopy(self._org(org).registries.get(name.upper()))

    def decrypted_value(self, org: str, name: str) -> str | None:
        """The plaintext of a registry's secret, or None without one."""
        with self._lock:
            state = self._org(org)
            record = state.registries.get(name.upper()) or {}
            if record.get("encrypted_value") is None:
                return None
            return state.open(record["encrypted_value"], record["key_id"])

    def put_registry(self, org: str, *, value: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create or overwrite a registry behind the client's back; ``value`` is sealed here."""
        with self._lock:
            state = self._org(org)
            body = {**fields, **(state.seal(value) if value is not None else {})}
            errors = self._create_errors(state, body, overwrite=True)
            if errors:
                raise ValueError(f"invalid registry: {errors}")
            return copy.deepcopy(self._store(state, body))

    def edit_registry(
        self, org: str, name: str, *, value: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Change a registry behind the client's back (None clears a field); bumps updated_at."""
        with self._lock:
            state = self._org(org)
            if name.upper() not in state.registries:
                raise KeyError(name)
            try:
                sealed = state.seal(value) if value is not None else {}
                self._update(state, name.upper(), {**fields, **sealed}, nulls_clear=True)
            except _ApiError as exc:
                raise ValueError(
                    f"invalid edit: {exc.reply.body.get('errors') or exc.reply.body['message']}"
                ) from None
            return copy.deepcopy(state.registries[name.upper()])

    def delete_registry(self, org: str, name: str) -> None:
        """Delete a registry behind the client's back."""
        with self._lock:
            del self._org(org).registries[name.upper()]

    def public_key(self, org: str) -> tuple[str, str]:
        """``(key_id, base64 public key)`` of ``org``'s current key."""
        with self._lock:
            state = self._org(org)
            return state.key_id, state.public_key()

    def rotate_key(self, org: str) -> str:
        """Issue a new key pair for ``org`` and return its key_id; the old key_id is rejected from now on."""
        with self._lock:
            return self._org(org).rotate()

    # --- GitHub Apps and the clock, for tests -----------------------------------------------------

    def now(self) -> float:
        """The emulator's clock: what JWTs and installation tokens are judged by, and the Date header."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock (see :meth:`now`) by ``seconds``, back if negative: JWTs and
        tokens expire as if that time had passed, and a client's clock is skewed against it."""
        with self._lock:
            self._clock_offset += seconds

    def install_app(
        self, org: str, app_id: int, installation_id: int, permissions: Mapping[str, str] | None = None
    ) -> None:
        """Install app ``app_id`` (one of ``apps``) on ``org`` as ``installation_id``."""
        with self._lock:
            self._install(org, app_id, installation_id, permissions)

    def uninstall_app(self, org: str, app_id: int | None = None) -> None:
        """Remove ``org``'s installations (of ``app_id`` only, if given) and revoke their tokens."""
        with self._lock:
            gone = {
                i.id
                for i in self._installations.values()
                if i.org.lower() == org.lower() and app_id in (None, i.app_id)
            }
            for installation_id in gone:
                del self._installations[installation_id]
            self._tokens = {k: t for k, t in self._tokens.items() if t.installation_id not in gone}

    def set_app_permissions(self, installation_id: int, permissions: Mapping[str, str]) -> None:
        """Change an installation's permissions; tokens already issued keep no more than these."""
        with self._lock:
            self._installations[installation_id].permissions = dict(permissions)

    def installation_tokens(self) -> list[dict[str, Any]]:
        """Every installation token issued and not revoked: token, installation_id, expires_at
        (ISO 8601 on the emulator's clock), expired, permissions."""
        with self._lock:
            now = self.now()
            return [
                {
                    "token": token,
                    "installation_id": t.installation_id,
                    "expires_at": _iso(t.expires_at),
                    "expired": now >= t.expires_at,
                    "permissions": dict(t.permissions),
                }
                for token, t in self._tokens.items()
            ]

    def expire_installation_tokens(self, installation_id: int | None = None) -> int:
        """Expire every installation token now (of ``installation_id`` only, if given); how many."""
        with self._lock:
            now = self.now()
            expired = [
                t
                for t in self._tokens.values()
                if installation_id in (None, t.installation_id) and t.expires_at > now
            ]
            for t in expired:
                t.expires_at = now
            return len(expired)

    def _install(
        self, org: str, app_id: int | str, installation_id: int, permissions: Mapping[str, str] | None
    ) -> None:
        number = _app_id(app_id)
        if number is None or number not in self._apps:
            raise ValueError(f"app {app_id!r} is not one of the apps given")
        if installation_id in self._installations:
            raise ValueError(f"installation {installation_id} exists already")
        if any(i.org.lower() == org.lower() and i.app_id == number for i in self._installations.values()):
            raise ValueError(f"app {number} is installed on {org!r} already")
        self._installations[installation_id] = _Installation(
            installation_id,
            number,
            org,
            dict(DEFAULT_APP_PERMISSIONS if permissions is None else permissions),
            _iso(self.now()),
        )

    # --- faults, rate limits, request log --------------------------------------------------------

    def inject(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
        drop: bool = False,
        apply_then_drop: bool = False,
        times: int = 1,
        raw: bytes | None = None,
        apply: bool = False,
        trickle: float = 0.0,
    ) -> Fault:
        """Misbehave on the next ``times`` matching requests; faults are matched in order.

        ``status`` answers with it (and ``headers``, JSON ``body`` or the bytes ``raw``) without
        applying the request, or after applying it with ``apply``; ``delay`` sleeps first; ``drop``
        closes the connection without applying or answering; ``apply_then_drop`` applies the
        request, then closes the connection without answering; ``trickle`` sends the answer's body
        one byte every ``trickle`` seconds.
        """
        if (status is not None) + drop + apply_then_drop > 1 or times < 1:
            raise ValueError("give at most one of status, drop, apply_then_drop; times >= 1")
        if apply and status is None:
            raise ValueError("apply goes with status: the request is applied, then answered with it")
        fault = Fault(
            method,
            path,
            status,
            dict(headers or {}),
            body,
            delay,
            drop,
            apply_then_drop,
            times,
            raw=raw,
            apply=apply,
            trickle=trickle,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._faults.clear()

    def limit_rate(
        self, *, max_requests: int, window: float, status: int = 403, retry_after: int | None = 1
    ) -> None:
        """Refuse requests beyond ``max_requests`` per sliding ``window`` seconds (window <= 0: no limit)."""
        limit = _SecondaryLimit(max_requests, window, status, retry_after) if window > 0 else None
        with self._lock:
            self._secondary = limit

    def set_primary_remaining(self, remaining: int, *, reset_in: float = 60.0) -> None:
        """Set what is left of the primary budget; it refills to 5000 ``reset_in`` seconds from now."""
        with self._lock:
            self._remaining, self._reset_at = remaining, math.ceil(time.time() + reset_in)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many logged requests match (method exactly, path as a substring)."""
        with self._lock:
            return sum(
                (method is None or r.method == method.upper()) and (path is None or path in r.path)
                for r in self.requests
            )

    def reset_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self.requests.clear()

    # --- serving ---------------------------------------------------------------------------------

    def _serve(self, method: str, target: str, headers: _Headers, raw: bytes) -> _Reply | None:
        """Answer one request; None means: close the connection without a response."""
        split = urlsplit(target)
        route = split.path[len(self.prefix) :] if split.path.startswith(self.prefix + "/") else None
        try:
            body, bad_json = (json.loads(raw) if raw else None), False
        except ValueError:
            body, bad_json = None, True
        request = _Request(method, split.path, route, parse_qs(split.query), headers, body, bad_json)
        logged = LoggedRequest(method, route or split.path, request.query, headers, body)
        with self._lock:
            self.requests.append(logged)
            fault = next((f for f in self._faults if f.matches(method, logged.path)), None)
            if fault is not None:
                fault.fired += 1
                if fault.fired >= fault.times:
                    self._faults.remove(fault)
        pause = self.latency + (fault.delay if fault else 0.0)
        if pause > 0:
            time.sleep(pause)  # outside the lock: other requests go on meanwhile
        if fault is not None and fault.drop:
            return None
        with self._lock:
            if fault is not None and fault.status is not None:
                if fault.apply:
                    try:
                        self._dispatch(request)
                    except _ApiError:
                        pass
                reply = _Reply(
                    fault.status, fault.body, _merge(self._common_headers(), fault.headers), raw=fault.raw
                )
            else:
                try:
                    reply = self._dispatch(request)
                except _ApiError as exc:
                    reply = exc.reply
                    self._ghes_docs(reply)
                reply.headers = _merge(self._common_headers(), reply.headers)
        if fault is not None and fault.apply_then_drop:
            return None
        if fault is not None:
            reply.trickle = fault.trickle
        version = self._selected_version(headers)
        if version is not None:  # GitHub names no version in its refusal of one
            reply.headers["X-GitHub-Api-Version-Selected"] = version
        logged.status = reply.status
        return reply

    def _dispatch(self, request: _Request) -> _Reply:
        method, body = request.method, request.body
        parts = [unquote(p) for p in (request.route or "").strip("/").split("/")]
        if self._apps and _is_app_route(parts):
            return self._app_endpoint(request, parts)
        meta = parts == ["meta"]
        caller = self._authorize(request.headers.get("authorization"), optional=meta)
        self._check_api_version(request.headers)
        self._check_rate_limits()
        if caller.read_only and method != "GET":
            raise _ApiError(403, "Resource not accessible by personal access token", status="403")
        if request.bad_json or (method in ("POST", "PATCH") and not isinstance(body, (dict, type(None)))):
            raise _ApiError(400, "Problems parsing JSON")
        if meta and method == "GET":
            return self._meta()
        if parts == ["user", "orgs"] and method == "GET":
            return self._user_orgs(caller, request)
        if len(parts) not in (3, 4) or parts[0] != "orgs" or parts[2] != "private-registries":
            raise _not_found()
        if self.ghes_stage is not None and not self.ghes_stage.api:
            raise _not_found()
        state = self._org(parts[1], http=True)
        self._check_integration(caller, parts[1], method)
        if len(parts) == 3 and method in ("GET", "POST"):
            return self._list(state, request) if method == "GET" else self._create(state, body or {})
        if len(parts) == 4 and parts[3] == "public-key" and method == "GET":
            return _Reply(200, {"key_id": state.key_id, "key": state.public_key()})
        # Configuration names are upper case; look them up in any case, like GitHub's secrets.
        name = parts[-1].upper()
        if len(parts) == 3 or name not in state.registries or method not in ("GET", "PATCH", "DELETE"):
            raise _not_found()
        if method == "GET":
            return _Reply(200, self._view(state.registries[name]))
        if method == "PATCH":
            self._update(state, name, body or {}, nulls_clear=False)
        else:
            del state.registries[name]
        return _Reply(204)

    def _authorize(self, header: str | None, *, optional: bool = False) -> _Caller:
        """Raise 401 unless the credentials are accepted (``optional``: or there are none)."""
        if optional and not header:
            return _Caller()
        secret = _credential(header)
        if self._apps and secret.startswith("ghs_"):  # GitHub's prefix of installation tokens
            issued = self._tokens.get(secret)
            if issued is None or self.now() >= issued.expires_at:
                raise _bad_credentials()
            return _Caller(installation=self._installations[issued.installation_id], token=issued)
        if self._apps and self._looks_like_jwt(secret):
            return _Caller(app=self._verify_jwt(secret))
        encoded = secret.encode()
        if encoded and self._read_only_token and hmac.compare_digest(encoded, self._read_only_token.encode()):
            return _Caller(read_only=True)
        if self._token is None or (encoded and hmac.compare_digest(encoded, self._token.encode())):
            return _Caller()
        raise _bad_credentials()

    def _selected_version(self, headers: Mapping[str, str]) -> str | None:
        """The API version a request is served at, or None if the one it names is not supported."""
        requested = re.sub(r"\s+", "", headers.get("x-github-api-version") or "").lower()
        if not requested:
            return self._api_versions[-1]  # the earliest supported one
        return requested if requested in self._api_versions else None

    def _check_api_version(self, headers: Mapping[str, str]) -> None:
        if self._selected_version(headers) is None:
            raise _unsupported_version(headers.get("x-github-api-version") or "", self._api_versions)

    def _meta(self) -> _Reply:
        # GitHub's "Meta" reference (GET /meta, no credentials needed): github.com no longer takes
        # passwords for Git (verifiable_password_authentication false); a GHES names its release.
        if self.ghes_version is None:
            return _Reply(200, {"verifiable_password_authentication": False})
        return _Reply(
            200, {"verifiable_password_authentication": True, "installed_version": self.ghes_version}
        )

    def _check_integration(self, caller: _Caller, org: str, method: str) -> None:
        """403 unless an app's caller may use ``org``'s private registries with ``method``."""
        if caller.app is not None:
            raise _ApiError(403, NOT_ACCESSIBLE, status="403")
        if caller.installation is None or caller.token is None:
            return
        needed = "read" if method == "GET" else "write"
        held = min(
            _level(caller.token.permissions.get(PERMISSION)),
            _level(caller.installation.permissions.get(PERMISSION)),
        )
        if caller.installation.org.lower() != org.lower() or held < _LEVELS[needed]:
            error = _ApiError(403, NOT_ACCESSIBLE, status="403")
            error.reply.headers["X-Accepted-GitHub-Permissions"] = f"{PERMISSION}={needed}"
            raise error

    # --- the app endpoints; called with the lock held --------------------------------------------

    def _app_endpoint(self, request: _Request, parts: list[str]) -> _Reply:
        app_id = self._verify_jwt(_credential(request.headers.get("authorization")))
        self._check_api_version(request.headers)
        self._check_rate_limits()
        if parts[0] == "orgs":  # GET /orgs/{org}/installation
            if request.method != "GET":
                raise _not_found(APPS_DOCS_URL)
            self._org(parts[1], http=True)
            found = [
                i
                for i in self._installations.values()
                if i.org.lower() == parts[1].lower() and i.app_id == app_id
            ]
            if not found:
                raise _not_found(APPS_DOCS_URL)
            return _Reply(200, self._installation_view(found[0], request))
        if len(parts) == 2:  # GET /app/installations: "List installations for the authenticated app"
            if request.method != "GET":
                raise _not_found(APPS_DOCS_URL)
            mine = sorted((i for i in self._installations.values() if i.app_id == app_id), key=lambda i: i.id)
            page, links = self._page(mine, request)
            return _Reply(200, [self._installation_view(i, request) for i in page], links)
        number = _app_id(parts[2])  # a number, as app ids are
        installation = self._installations.get(number) if number is not None else None
        if installation is None or installation.app_id != app_id:
            raise _not_found(APPS_DOCS_URL)
        if len(parts) == 3:  # GET /app/installations/{installation_id}
            if request.method != "GET":
                raise _not_found(APPS_DOCS_URL)
            return _Reply(200, self._installation_view(installation, request))
        # POST /app/installations/{installation_id}/access_tokens
        if request.method != "POST":
            raise _not_found(APPS_DOCS_URL)
        if request.bad_json or not isinstance(request.body, (dict, type(None))):
            raise _ApiError(400, "Problems parsing JSON", APPS_DOCS_URL)
        granted = dict(installation.permissions)
        wanted = (request.body or {}).get("permissions")
        if wanted is not None:
            if not isinstance(wanted, dict) or any(
                _level(level) < 0 or _level(level) > _level(granted.get(name))
                for name, level in wanted.items()
            ):
                message = "The permissions requested are not granted to this installation."
                raise _ApiError(422, message, APPS_DOCS_URL, status="422")
            granted = dict(wanted)
        token = "ghs_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(36))
        issued = _InstallationToken(installation.id, self.now() + self.installation_token_ttl, granted)
        self._tokens[token] = issued
        body = {
            "token": token,
            "expires_at": _iso(issued.expires_at),
            "permissions": dict(granted),
            "repository_selection": "all",
        }
        return _Reply(201, body)

    def _installation_view(self, installation: _Installation, request: _Request) -> dict[str, Any]:
        """GitHub's "installation" object, as "Get an organization installation for the
        authenticated app" answers it (its fields that concern an organization's installation)."""
        host = request.headers.get("host") or f"{self._host}:{self.port}"
        api = f"http://{host}{self.prefix}"
        account_id = int.from_bytes(hashlib.sha256(installation.org.lower().encode()).digest()[:4], "big")
        return {
            "id": installation.id,
            "account": {"login": installation.org, "id": account_id, "type": "Organization"},
            "repository_selection": "all",
            "access_tokens_url": f"{api}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{api}/installation/repositories",
            "html_url": f"http://{host}/organizations/{installation.org}/settings/installations/{installation.id}",
            "app_id": installation.app_id,
            "app_slug": f"app-{installation.app_id}",
            "target_id": account_id,
            "target_type": "Organization",
            "permissions": dict(installation.permissions),
            "events": [],
            "created_at": installation.created_at,
            "updated_at": installation.created_at,
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }

    def _looks_like_jwt(self, secret: str) -> bool:
        if secret.count(".") != 2:
            return False
        try:
            return isinstance(self._jwt.get_unverified_header(secret).get("alg"), str)
        except (self._jwt.PyJWTError, AttributeError, ValueError):
            return False

    def _verify_jwt(self, token: str) -> int:
        """The app id of a JWT GitHub would accept now, or the 401 (or 404) it answers."""

        def refused(message: str, status: int = 401) -> _ApiError:
            return _ApiError(status, message, "https://docs.github.com/rest", status=str(status))

        jws = self._jwt.PyJWS()
        try:
            claims = json.loads(jws.decode_complete(token, options={"verify_signature": False})["payload"])
        except (self._jwt.PyJWTError, ValueError):
            raise refused(JWT_UNDECODABLE) from None
        if not isinstance(claims, dict):
            raise refused(JWT_UNDECODABLE)
        app_id = _app_id(claims.get("iss"))
        if app_id is None:
            raise refused(JWT_BAD_ISS)
        if app_id not in self._apps:
            raise refused("Integration not found", 404)
        try:
            jws.decode_complete(token, self._apps[app_id], algorithms=["RS256"])
        except self._jwt.PyJWTError:
            raise refused(JWT_UNDECODABLE) from None
        now, issued, expires = self.now(), claims.get("iat"), claims.get("exp")
        if not _is_number(issued) or issued > now:
            raise refused(JWT_BAD_IAT)
        if not _is_number(expires) or expires <= now:
            raise refused(JWT_EXPIRED)
        if expires > now + JWT_MAX_LIFETIME:
            raise refused(JWT_EXP_TOO_FAR)
        return app_id

    def _check_rate_limits(self) -> None:
        now = time.time()
        if now >= self._reset_at:
            self._remaining, self._reset_at = PRIMARY_LIMIT, math.ceil(now) + 3600
        if self._remaining <= 0:
            raise _ApiError(403, PRIMARY_MESSAGE, RATE_DOCS_URL)
        limit = self._secondary
        if limit is not None:
            while limit.times and limit.times[0] <= now - limit.window:
                limit.times.popleft()
            if len(limit.times) >= limit.max_requests:
                error = _ApiError(limit.status, SECONDARY_MESSAGE, RATE_DOCS_URL)
                if limit.retry_after is not None:
                    error.reply.headers["Retry-After"] = str(limit.retry_after)
                raise error
            limit.times.append(now)
        self._remaining -= 1

    def _common_headers(self) -> dict[str, str]:
        """The headers of every answer: the rate limit's and, from a GHES, its release."""
        headers = self._rate_headers()
        if self.ghes_version is not None:
            headers["X-GitHub-Enterprise-Version"] = self.ghes_version
        return headers

    def _ghes_docs(self, reply: _Reply) -> None:
        """A GHES's errors point into its own release's docs (docs.github.com/enterprise-server@3.14/...)."""
        docs = reply.body.get("documentation_url") if isinstance(reply.body, dict) else None
        if self.ghes_version is not None and isinstance(docs, str) and docs.startswith(_DOCS_ROOT):
            release = ".".join(self.ghes_version.split(".")[:2])
            reply.body["documentation_url"] = (
                f"{_DOCS_ROOT}enterprise-server@{release}/{docs[len(_DOCS_ROOT) :]}"
            )

    def _rate_headers(self) -> dict[str, str]:
        remaining = max(self._remaining, 0)
        return {
            "x-ratelimit-limit": str(PRIMARY_LIMIT),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-used": str(max(PRIMARY_LIMIT - remaining, 0)),
            "x-ratelimit-reset": str(self._reset_at),
            "x-ratelimit-resource": "core",
        }

    # --- the endpoints; called with the lock held --------------------------------------------------

    def _org(self, org: str, *, http: bool = False) -> _Org:
        key = org.lower()
        if self._allowed is not None and key not in self._allowed:
            if http:
                raise _not_found()
            raise KeyError(f"unknown organization {org!r}")
        if key not in self._orgs:
            self._logins.setdefault(key, org)
            self._orgs[key] = _Org()
            self._orgs[key].rotate()
        return self._orgs[key]

    def _list(self, state: _Org, request: _Request) -> _Reply:
        names, links = self._page(sorted(state.registries), request)
        body = {
            "total_count": len(state.registries),
            "configurations": [self._view(state.registries[n]) for n in names],
        }
        return _Reply(200, body, links)

    def _user_orgs(self, caller: _Caller, request: _Request) -> _Reply:
        """GET /user/orgs, "List organizations for the authenticated user": the token's user is a
        member of every org there is (``orgs``, else every one used so far), as organization-simple
        objects, paged. Neither an installation token nor an app's JWT is a user: GitHub answers
        them 403 (the endpoint works with user tokens only)."""
        if caller.app is not None or caller.installation is not None:
            raise _ApiError(403, NOT_ACCESSIBLE, USER_ORGS_DOCS_URL, status="403")
        keys = sorted(self._allowed if self._allowed is not None else self._orgs)
        logins, links = self._page([self._logins.get(key, key) for key in keys], request)
        host = request.headers.get("host") or f"{self._host}:{self.port}"
        api = f"http://{host}{self.prefix}"
        body = []
        for login in logins:
            account_id = int.from_bytes(hashlib.sha256(login.lower().encode()).digest()[:4], "big")
            body.append(
                {
                    "login": login,
                    "id": account_id,
                    "node_id": base64.b64encode(f"04:Organization{account_id}".encode()).decode(),
                    "url": f"{api}/orgs/{login}",
                    "repos_url": f"{api}/orgs/{login}/repos",
                    "events_url": f"{api}/orgs/{login}/events",
                    "hooks_url": f"{api}/orgs/{login}/hooks",
                    "issues_url": f"{api}/orgs/{login}/issues",
                    "members_url": f"{api}/orgs/{login}/members{{/member}}",
                    "public_members_url": f"{api}/orgs/{login}/public_members{{/member}}",
                    "avatar_url": f"http://{host}/avatars/{account_id}",
                    "description": None,
                }
            )
        return _Reply(200, body, links)

    def _page(self, items: list[Any], request: _Request) -> tuple[list[Any], dict[str, str]]:
        """The ``page`` of ``items`` a request asks for (``per_page``, capped as GitHub does) and
        its ``Link`` header."""
        query = request.query
        per_page = min(_int_param(query, "per_page", 30), self._max_per_page)  # GitHub caps silently
        page = _int_param(query, "page", 1)
        last = max(1, math.ceil(len(items) / per_page))
        host = request.headers.get("host") or f"{self._host}:{self.port}"

        def link(number: int, rel: str) -> str:
            params = urlencode({**query, "page": [str(number)]}, doseq=True)
            return f'<http://{host}{request.path}?{params}>; rel="{rel}"'

        links = [link(page - 1, "prev")] if page > 1 else []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        return items[(page - 1) * per_page : page * per_page], {"Link": ", ".join(links)} if links else {}

    def _create(self, state: _Org, body: dict[str, Any]) -> _Reply:
        errors = self._create_errors(state, body, overwrite=False)
        if errors:
            raise _invalid(errors)
        if body.get("registry_type") in self._refused_types:
            accepted = [t for t in self._registry_types if t not in self._refused_types]
            raise _ApiError(
                422,
                REFUSED_TYPE_MESSAGE,
                errors=[f"registry_type must be one of: {', '.join(accepted)}"],
                status="422",
            )
        return _Reply(201, self._view(self._store(state, body), with_ids=True))

    def _create_errors(self, state: _Org, body: Mapping[str, Any], *, overwrite: bool) -> list[Any]:
        record = self._with_defaults(body)
        errors = _schema_errors(self._contract.create, body) or _fact_errors(record)
        if errors:
            return errors
        if configuration_name(record["registry_type"]) in state.registries and not overwrite:
            # GitHub answers this one with a plain string among the errors, not an object.
            return [f"A private registry for registry_type {record['registry_type']} already exists"]
        return self._secret_errors(state, body)

    def _store(self, state: _Org, body: Mapping[str, Any]) -> dict[str, Any]:
        record = self._with_defaults(body)
        name = configuration_name(record["registry_type"])
        old = state.registries.get(name)
        stamp = self._tick()
        record.update(name=name, created_at=old["created_at"] if old else stamp, updated_at=stamp)
        state.registries[name] = _normalized(record)
        return state.registries[name]

    def _update(self, state: _Org, name: str, body: Mapping[str, Any], *, nulls_clear: bool) -> None:
        """Apply an update body; a field sent as null is cleared. Over HTTP, GitHub's schema says
        which fields may be null; behind the client's back (``nulls_clear``), any may."""
        stored = state.registries[name]
        judged = {k: v for k, v in body.items() if v is not None} if nulls_clear else body
        errors = _schema_errors(self._contract.update, judged)
        if errors:
            raise _invalid(errors)
        merged = {k: v for k, v in stored.items() if k in self._contract.writable}
        merged.update(body)  # a field sent as null is cleared by _with_defaults below
        if merged.get("visibility") != "selected" and "selected_repository_ids" not in body:
            merged.pop("selected_repository_ids", None)
        merged = self._with_defaults(merged)
        errors = [
            _field_error(f, "invalid", f"'{f}' cannot be changed after creation; delete and recreate")
            for f in _FIXED
            if merged.get(f) != stored.get(f)
        ]
        sent = [f for f in _SEALED if body.get(f) is not None]
        if len(sent) == 1:
            missing = _SEALED[1 - _SEALED.index(sent[0])]
            errors.append(_field_error(missing, "missing_field", f"send '{missing}' with '{sent[0]}'"))
        errors = (
            errors
            or _schema_errors(self._contract.create, merged)
            or _fact_errors(merged)
            or self._secret_errors(state, body)
        )
        if errors:
            raise _invalid(errors)
        merged.update(name=name, created_at=stored["created_at"], updated_at=self._tick())
        state.registries[name] = _normalized(merged)

    def _with_defaults(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return {**self._contract.defaults, **{k: v for k, v in body.items() if v is not None}}

    @staticmethod
    def _secret_errors(state: _Org, body: Mapping[str, Any]) -> list[Any]:
        """A value sent must name the org's current key_id and open with its private key."""
        if body.get("encrypted_value") is None:
            return []
        if body.get("key_id") != state.key_id:
            return [_field_error("key_id", "invalid", "key_id is not the organization's current public key")]
        try:
            state.open(body["encrypted_value"], state.key_id)
        except (CryptoError, binascii.Error, ValueError):
            return [_field_error("encrypted_value", "invalid", "encrypted_value could not be decrypted")]
        return []

    def _view(self, record: Mapping[str, Any], *, with_ids: bool = False) -> dict[str, Any]:
        fields = [f for f in self._contract.shown if f not in self._omit]
        view = {f: record[f] for f in fields if record.get(f) is not None}
        if with_ids and record.get("visibility") == "selected":
            view[_SHOWN_ON_CREATE_ONLY] = list(record.get(_SHOWN_ON_CREATE_ONLY, []))
        return view

    def _tick(self) -> str:
        # A logical clock: every write gets a later second than the one before, even within a second.
        self._clock = max(self._clock + 1, int(time.time()))
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock))


def _merge(base: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``extra`` over ``base``, header names compared in any case."""
    lowered = {k.lower() for k in extra}
    return {**{k: v for k, v in base.items() if k.lower() not in lowered}, **extra}


def _int_param(query: Mapping[str, list[str]], name: str, default: int) -> int:
    try:
        value = int(query.get(name, [""])[0])
    except ValueError:
        return default
    return value if value >= 1 else default


def _normalized(record: dict[str, Any]) -> dict[str, Any]:
    if "selected_repository_ids" in record:  # a copy: the stored list is not put_registry's caller's
        record["selected_repository_ids"] = list(record["selected_repository_ids"])
    return record


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()  # open ones, to end idle keep-alives on stop
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        """End open connections, whose threads would otherwise serve on after shutdown()."""
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write, flushed after each request
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line per request on stderr

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, on the emulator's clock (clients may read GitHub's time from it)."""
        return super().date_time_string(self.server.emulator.now() if timestamp is None else timestamp)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = _Headers((k.lower(), v) for k, v in self.headers.items())
        reply = self.server.emulator._serve(self.command, self.path, headers, raw)
        if reply is None:
            self.close_connection = True  # no response at all, like a connection lost mid-request
            return
        if reply.raw is not None:
            payload = reply.raw
        else:
            payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if reply.body is not None and not any(k.lower() == "content-type" for k in reply.headers):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not reply.trickle:
            self.wfile.write(payload)
            return
        self.wfile.flush()
        try:
            for i in range(len(payload)):  # bounded by the body's length
                time.sleep(reply.trickle)
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up, as it should

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle


def _key_value(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return key, value


def _app_arg(text: str) -> tuple[int, str]:
    """--app APP_ID=PEM_FILE: the app's public (or private) key, read from the file."""
    app_id, path = _key_value(text, "APP_ID=PEM_FILE")
    if _app_id(app_id) is None:
        raise argparse.ArgumentTypeError(f"an app id is a number, not {app_id!r}")
    try:
        return int(app_id), Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from None


def _installation_arg(text: str) -> tuple[str, tuple[int, int]]:
    """--installation ORG=APP_ID:INSTALLATION_ID."""
    org, ids = _key_value(text, "ORG=APP_ID:INSTALLATION_ID")
    app_id, _, installation_id = ids.partition(":")
    if not (app_id.isdigit() and installation_id.isdigit()):
        raise argparse.ArgumentTypeError(f"expected ORG=APP_ID:INSTALLATION_ID, got {text!r}")
    return org, (int(app_id), int(installation_id))


READY_PREFIX: Final = "emulator listening on "
"""The command's one line on stdout, printed once it serves: this, then the base URL."""

_COMMAND: Final = "python -m pulumi_github_private_registry.emulator"
_EPILOG: Final = f"""\
start-up and stop:
  Once it serves, it prints exactly one line to stdout, and nothing else there:

    {READY_PREFIX}BASE_URL

  BASE_URL is http://HOST:PORT/PREFIX/ with a trailing slash, e.g.
  http://127.0.0.1:41231/ or, with --prefix /api/v3, http://127.0.0.1:41231/api/v3/.
  With --port 0 the system picks a free port: read it from that line, e.g.
  url=$(sed -n 's/^{READY_PREFIX}//p' FILE), or `read -r _ _ _ url` from a pipe.
  Give BASE_URL as github:baseUrl or GITHUB_BASE_URL (the provider takes an
  http:// URL of this machine as it is). Errors go to stderr: exit status 2 for
  a wrong argument, 1 if it cannot serve (the emulator's extra not installed, the
  port taken). SIGINT (Ctrl-C) or SIGTERM stops it within a second, exit status 0.
  State lives in memory and is gone when it stops.

examples:
  {_COMMAND} --port 0 --token emulator-token
  {_COMMAND} --port 8080 --prefix /api/v3 --org acme-corp
  {_COMMAND} --ghes-version 3.14 --ghes-stage 1
"""


def _wrapped(text: str) -> str:
    """A paragraph of help, wrapped as argparse wraps the rest (the epilog keeps its own lines)."""
    return textwrap.fill(text, 76, break_long_words=False, break_on_hyphens=False)


def _listen_address(text: str) -> ipaddress.IPv4Address:
    """``text`` as the IPv4 address to listen on (``localhost`` is 127.0.0.1).

    An empty string is refused, not read as the socket API reads it (every interface).
    """
    if text.lower() == "localhost":
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        shown = repr(text) if len(text) <= 60 else repr(text[:60]) + "…"
        raise ValueError(
            "give an IPv4 address, e.g. 127.0.0.1, not an empty one (which would listen on every interface)"
            if not text
            else f"an IPv4 address, e.g. 127.0.0.1, not {shown}"
        ) from None


def _host_arg(text: str) -> str:
    try:
        _listen_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _port_arg(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def _seconds_arg(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(f"expected seconds, 0 or more, not {text!r}")
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_COMMAND,
        description=_wrapped(
            "Serve GitHub's REST API for organization private registries from memory: the six"
            " endpoints (list, public key, get, create, update, delete), requests judged by GitHub's"
            " OpenAPI schemas, secrets sealed to a key pair per organization; and GET /user/orgs, the"
            " organizations that exist. For trying stacks and"
            " the tools offline, and for tests. It serves until stopped (see below)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        type=_host_arg,
        default="127.0.0.1",
        help="the IPv4 address to listen on, this machine's loopback (127.0.0.0/8 or localhost) unless"
        " --beyond-loopback; clients send tokens over plain http, which the provider allows only to"
        " this machine (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--beyond-loopback",
        action="store_true",
        help="allow a --host other machines can reach (0.0.0.0, a LAN address): they could then read"
        " and write its registries, with any token unless --token is given (default: loopback only)",
    )
    parser.add_argument(
        "--port",
        type=_port_arg,
        default=0,
        help="the TCP port; 0 picks a free one, printed on the start-up line (default: 0)",
    )
    parser.add_argument(
        "--prefix",
        default="",
        metavar="PATH",
        help="serve under this path, e.g. /api/v3 as a GitHub Enterprise Server does (default: none,"
        " as api.github.com; /api/v3 with --ghes-version)",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="the token clients must send (Authorization: Bearer TOKEN or token TOKEN); others get 401"
        " (default: any token, or none, is accepted)",
    )
    parser.add_argument(
        "--read-only-token",
        default=None,
        metavar="TOKEN",
        help="a second token that may read (GET) but is refused writes with 403, as a token with read"
        " permission only (default: none)",
    )
    parser.add_argument(
        "--org",
        action="append",
        dest="orgs",
        metavar="ORG",
        help="an organization that exists (repeatable); others answer 404 (default: every"
        " organization exists, created empty on first use)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds_arg,
        default=0.0,
        metavar="SECONDS",
        help="wait this long before each answer, as a distant server would (default: 0)",
    )
    ghes = parser.add_argument_group(
        "GitHub Enterprise Server",
        _wrapped(
            "Play a GHES release: under /api/v3 (unless --prefix says otherwise), with"
            " X-GitHub-Enterprise-Version on every answer and installed_version in GET /meta."
        ),
    )
    ghes.add_argument(
        "--ghes-version",
        default=None,
        metavar="RELEASE",
        help="serve as this GHES release, e.g. 3.14 (default: none, github.com)",
    )
    ghes.add_argument(
        "--ghes-stage",
        type=int,
        default=None,
        choices=range(len(GHES_STAGES)),
        help="what the release knows of the private-registries API: "
        + "; ".join(f"{s.number}: {s.source.split(': ', 1)[-1]}" for s in GHES_STAGES)
        + f" (default: the newest, {len(GHES_STAGES) - 1})",
    )
    ghes.add_argument(
        "--ghes-api-version",
        action="append",
        dest="ghes_api_versions",
        metavar="VERSION",
        help="an X-GitHub-Api-Version the release supports (repeatable; default:"
        f" {', '.join(GHES_API_VERSIONS)}; github.com supports {', '.join(GITHUB_API_VERSIONS)})",
    )
    apps = parser.add_argument_group(
        "GitHub Apps",
        _wrapped(
            "Serve GET /orgs/ORG/installation, GET /app/installations and POST"
            " /app/installations/ID/access_tokens to an app's"
            " RS256 JWT; the ghs_ tokens issued there reach their organization's registries."
        ),
    )
    apps.add_argument(
        "--app",
        action="append",
        type=_app_arg,
        default=[],
        metavar="APP_ID=PEM_FILE",
        help="an app and its public (or private) key, read from the file (repeatable; default: none,"
        " the app endpoints answer 404)",
    )
    apps.add_argument(
        "--installation",
        action="append",
        type=_installation_arg,
        default=[],
        metavar="ORG=APP_ID:INSTALLATION_ID",
        help="an app installed on an organization, with write access to its private registries"
        " (repeatable; default: none)",
    )
    apps.add_argument(
        "--installation-token-ttl",
        type=_seconds_arg,
        default=INSTALLATION_TOKEN_TTL,
        metavar="SECONDS",
        help=f"how long an installation token lasts (default: {INSTALLATION_TOKEN_TTL:g}, as GitHub's)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, after printing the base URL on one line (:data:`READY_PREFIX`)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.ghes_version is None and (args.ghes_stage is not None or args.ghes_api_versions):
        parser.error("--ghes-stage and --ghes-api-version go with --ghes-version")
    if not _listen_address(args.host).is_loopback and not args.beyond_loopback:
        parser.error(
            f"--host {args.host} is not this machine's loopback: other machines could reach the emulator"
            " and use it with plain-http tokens (any token, without --token). Listen on 127.0.0.1, or add"
            " --beyond-loopback to listen there anyway"
        )
    # From here on, a stop request ends the command cleanly, even one that comes during start-up.
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    try:
        contract()
        emulator = Emulator(
            token=args.token,
            read_only_token=args.read_only_token,
            prefix=args.prefix,
            orgs=args.orgs,
            latency=args.latency,
            ghes_version=args.ghes_version,
            ghes_stage=args.ghes_stage,
            ghes_api_versions=args.ghes_api_versions or GHES_API_VERSIONS,
            apps=dict(args.app),
            installations=dict(args.installation),
            installation_token_ttl=args.installation_token_ttl,
        )
    except ImportError as exc:
        parser.exit(1, f"error: {exc}\n")
    except ValueError as exc:
        parser.error(str(exc))
    if done.is_set():
        return
    try:
        emulator.start(args.port, host=args.host, beyond_loopback=args.beyond_loopback)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        parser.exit(1, f"error: cannot listen on {args.host}:{args.port}: {reason}\n")
    print(f"{READY_PREFIX}{emulator.base_url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
