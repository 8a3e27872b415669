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
error shapes.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import functools
import hashlib
import hmac
import json
import math
import re
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

__all__ = ["Emulator", "Fault", "LoggedRequest", "main"]

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


def contract() -> _Contract:
    """Load the OpenAPI extract and build its request validators (once)."""
    try:
        from jsonschema import FormatChecker
        from openapi_schema_validator import OAS30Validator
    except ImportError as exc:
        message = "the emulator validates requests with openapi-schema-validator, which is missing"
        raise ImportError(f"{message}: {_INSTALL_HINT}") from exc
    spec = openapi()
    create, update = request_schemas(spec)
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
    shown = tuple(
        f for f in spec["components"]["schemas"][_RESPONSE_SCHEMA]["properties"] if f not in _NEVER_SHOWN
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


def _schema_errors(validator: Any, body: Mapping[str, Any]) -> list[Any]:
    """GitHub's error objects for what ``validator`` finds in ``body``, one per field."""
    found: dict[str, dict[str, str]] = {}
    for error in validator.iter_errors(dict(body)):
        for name, code, message in _explain(error):
            found.setdefault(name, _field_error(name, code, message))
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


def _not_found() -> _ApiError:
    return _ApiError(404, "Not Found", status="404")


def _invalid(errors: list[Any]) -> _ApiError:
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


class Emulator:
    """GitHub's private-registries API in memory, served over HTTP/1.1 with keep-alive."""

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
    ) -> None:
        """``max_per_page`` caps page sizes below GitHub's 100 so tests can page through an org,
        which holds at most one registry per type (15). ``omit_fields`` leaves fields out of every
        answer, as GitHub's own examples leave out ``url`` and ``auth_type``."""
        self._contract = contract()  # fails here, not at the first request, without the extra
        self._token = token
        self._max_per_page = max_per_page
        self._omit = frozenset(omit_fields)
        self._read_only_token = read_only_token
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._allowed = None if orgs is None else {o.lower() for o in orgs}
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

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/PREFIX/`` (trailing slash)."""
        return f"http://{self._host}:{self.port}{self.prefix}/"

    def start(self, port: int = 0, *, host: str = "127.0.0.1") -> Emulator:
        """Serve from a daemon thread; port 0 picks a free port."""
        self._server = _Server((host, port), self)
        self._host, self.port = host, self._server.server_address[1]
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
                raise ValueError(f"invalid edit: {exc.reply.body['errors']}") from None
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
                    fault.status, fault.body, _merge(self._rate_headers(), fault.headers), raw=fault.raw
                )
            else:
                try:
                    reply = self._dispatch(request)
                except _ApiError as exc:
                    reply = exc.reply
                reply.headers = _merge(self._rate_headers(), reply.headers)
        if fault is not None and fault.apply_then_drop:
            return None
        if fault is not None:
            reply.trickle = fault.trickle
        version = headers.get("x-github-api-version", DEFAULT_API_VERSION)
        reply.headers["X-GitHub-Api-Version-Selected"] = version
        logged.status = reply.status
        return reply

    def _dispatch(self, request: _Request) -> _Reply:
        method, body = request.method, request.body
        read_only = self._authorize(request.headers.get("authorization"))
        self._check_rate_limits()
        if read_only and method != "GET":
            raise _ApiError(403, "Resource not accessible by personal access token", status="403")
        if request.bad_json or (method in ("POST", "PATCH") and not isinstance(body, (dict, type(None)))):
            raise _ApiError(400, "Problems parsing JSON")
        parts = (request.route or "").strip("/").split("/")
        if len(parts) not in (3, 4) or parts[0] != "orgs" or parts[2] != "private-registries":
            raise _not_found()
        state = self._org(unquote(parts[1]), http=True)
        if len(parts) == 3 and method in ("GET", "POST"):
            return self._list(state, request) if method == "GET" else self._create(state, body or {})
        if len(parts) == 4 and parts[3] == "public-key" and method == "GET":
            return _Reply(200, {"key_id": state.key_id, "key": state.public_key()})
        # Configuration names are upper case; look them up in any case, like GitHub's secrets.
        name = unquote(parts[-1]).upper()
        if len(parts) == 3 or name not in state.registries or method not in ("GET", "PATCH", "DELETE"):
            raise _not_found()
        if method == "GET":
            return _Reply(200, self._view(state.registries[name]))
        if method == "PATCH":
            self._update(state, name, body or {}, nulls_clear=False)
        else:
            del state.registries[name]
        return _Reply(204)

    def _authorize(self, header: str | None) -> bool:
        """Raise 401 unless the credentials are accepted; True for the read-only token."""
        scheme, _, credential = (header or "").partition(" ")
        secret = credential.strip().encode() if scheme.lower() in ("bearer", "token") else b""
        if secret and self._read_only_token and hmac.compare_digest(secret, self._read_only_token.encode()):
            return True
        if self._token is None or (secret and hmac.compare_digest(secret, self._token.encode())):
            return False
        raise _ApiError(401, "Bad credentials", "https://docs.github.com/rest", status="401")

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
            self._orgs[key] = _Org()
            self._orgs[key].rotate()
        return self._orgs[key]

    def _list(self, state: _Org, request: _Request) -> _Reply:
        query = request.query
        per_page = min(_int_param(query, "per_page", 30), self._max_per_page)  # GitHub caps silently
        page = _int_param(query, "page", 1)
        names = sorted(state.registries)[(page - 1) * per_page : page * per_page]
        total = len(state.registries)
        body = {"total_count": total, "configurations": [self._view(state.registries[n]) for n in names]}
        last = max(1, math.ceil(total / per_page))
        host = request.headers.get("host") or f"{self._host}:{self.port}"

        def link(number: int, rel: str) -> str:
            params = urlencode({**query, "page": [str(number)]}, doseq=True)
            return f'<http://{host}{request.path}?{params}>; rel="{rel}"'

        links = [link(page - 1, "prev")] if page > 1 else []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        return _Reply(200, body, {"Link": ", ".join(links)} if links else {})

    def _create(self, state: _Org, body: dict[str, Any]) -> _Reply:
        errors = self._create_errors(state, body, overwrite=False)
        if errors:
            raise _invalid(errors)
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


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, after printing the base URL on one line."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_github_private_registry.emulator",
        description="An emulator of GitHub's private-registries API",
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--token", default=None, help="required bearer token (default: accept any)")
    parser.add_argument("--read-only-token", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--org", action="append", dest="orgs", help="an existing org (repeatable)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    try:
        contract()
    except ImportError as exc:
        parser.exit(1, f"error: {exc}\n")
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    emulator = Emulator(
        token=args.token,
        read_only_token=args.read_only_token,
        prefix=args.prefix,
        orgs=args.orgs,
        latency=args.latency,
    ).start(args.port, host=args.host)
    print(f"emulator listening on {emulator.base_url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
