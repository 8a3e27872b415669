"""Routing: the route table, the checks each kind of route needs, and one request served whole.

:data:`ROUTES` maps (method, path pattern) to a handler of :mod:`.responses`; adding an endpoint is
a handler there and a line here. :func:`dispatch` judges a request as GitHub does, in GitHub's
order (credentials, API version, rate limits, the body; then what the route's kind needs), and
calls the handler; :func:`serve` adds what wraps every request (the log, injected faults, latency,
the common headers).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit

from . import responses
from .apps import Caller, check_integration, credential
from .facts import APPS_DOCS_URL, DOCS_ROOT
from .messages import ApiError, Headers, Reply, Request, merge, not_found
from .models import Backend, LoggedRequest
from .responses import Call

Handler = Callable[[Backend, Call], Reply]

# The kinds of route, each with the checks its requests get before the handler runs.
API: Final = "api"  # a token's endpoint: credentials, API version, rate limits, the body
META: Final = "meta"  # as API, but credentials are optional
REGISTRIES: Final = "registries"  # as API, then the GHES release's API, the org and an app's access
APP: Final = "app"  # an app's JWT, API version, rate limits; served only when apps are given


@dataclass(frozen=True)
class Route:
    """A method and a path pattern (``{name}`` matches one segment) served by ``handler``."""

    method: str
    pattern: str
    handler: Handler
    kind: str = API

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        """The pattern's parameters if the path's segments ``parts`` match it (any method), else None."""
        segments = self.pattern.strip("/").split("/")
        if len(segments) != len(parts):
            return None
        params: dict[str, str] = {}
        for segment, part in zip(segments, parts, strict=True):
            if segment.startswith("{") and segment.endswith("}"):
                params[segment[1:-1]] = part
            elif segment != part:
                return None
        return params


ROUTES: Final[tuple[Route, ...]] = (
    Route("GET", "/meta", responses.meta, META),
    Route("GET", "/user/orgs", responses.list_user_orgs),
    Route("GET", "/orgs/{org}/private-registries", responses.list_registries, REGISTRIES),
    Route("POST", "/orgs/{org}/private-registries", responses.create_registry, REGISTRIES),
    Route("GET", "/orgs/{org}/private-registries/public-key", responses.get_public_key, REGISTRIES),
    Route("GET", "/orgs/{org}/private-registries/{secret_name}", responses.get_registry, REGISTRIES),
    Route("PATCH", "/orgs/{org}/private-registries/{secret_name}", responses.update_registry, REGISTRIES),
    Route("DELETE", "/orgs/{org}/private-registries/{secret_name}", responses.delete_registry, REGISTRIES),
    Route("GET", "/orgs/{org}/installation", responses.get_org_installation, APP),
    Route("GET", "/app/installations", responses.list_installations, APP),
    Route("GET", "/app/installations/{installation_id}", responses.get_installation, APP),
    Route(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        responses.create_installation_token,
        APP,
    ),
)
"""Every endpoint served; the first route whose pattern and method match a request serves it."""


def dispatch(backend: Backend, request: Request) -> Reply:
    """Judge ``request`` and answer it by its route (the lock held); raise GitHub's refusal."""
    method, body, headers = request.method, request.body, request.headers
    parts = [unquote(p) for p in (request.route or "").strip("/").split("/")]
    found = [(route, params) for route in ROUTES if (params := route.match(parts)) is not None]
    kind = found[0][0].kind if found else None
    if kind == APP and not backend.apps.enabled:  # without apps, no app endpoint exists
        found, kind = [], None
    chosen = next(((route, params) for route, params in found if route.method == method), None)
    if kind == APP:
        caller = Caller(app=backend.apps.verify_jwt(credential(headers.get("authorization"))))
        backend.check_api_version(headers)
        backend.check_rate_limits()
        if chosen is None:
            raise not_found(APPS_DOCS_URL)
    else:
        caller = backend.authorize(headers.get("authorization"), optional=kind == META)
        backend.check_api_version(headers)
        backend.check_rate_limits()
        if caller.read_only and method != "GET":
            raise ApiError(403, "Resource not accessible by personal access token", status="403")
        if request.bad_json or (method in ("POST", "PATCH") and not isinstance(body, (dict, type(None)))):
            raise ApiError(400, "Problems parsing JSON")
        if kind == REGISTRIES:
            if backend.ghes_stage is not None and not backend.ghes_stage.api:
                raise not_found()
            org = found[0][1]["org"]
            backend.org_state(org, http=True)
            check_integration(caller, org, method)
        if chosen is None:
            raise not_found()
    route, params = chosen
    return route.handler(backend, Call(request, params, caller))


def serve(backend: Backend, method: str, target: str, headers: Headers, raw: bytes) -> Reply | None:
    """Answer one request; None means: close the connection without a response."""
    split = urlsplit(target)
    prefix = backend.prefix
    route = split.path[len(prefix) :] if split.path.startswith(prefix + "/") else None
    try:
        body, bad_json = (json.loads(raw) if raw else None), False
    except ValueError:
        body, bad_json = None, True
    request = Request(method, split.path, route, parse_qs(split.query), headers, body, bad_json)
    logged = LoggedRequest(method, route or split.path, request.query, headers, body)
    with backend.lock:
        backend.requests.append(logged)
        fault = backend.take_fault(method, logged.path)
    pause = backend.latency + (fault.delay if fault else 0.0)
    if pause > 0:
        time.sleep(pause)  # outside the lock: other requests go on meanwhile
    if fault is not None and fault.drop:
        return None
    with backend.lock:
        if fault is not None and fault.status is not None:
            if fault.apply:
                try:
                    dispatch(backend, request)
                except ApiError:
                    pass
            reply = Reply(
                fault.status, fault.body, merge(backend.common_headers(), fault.headers), raw=fault.raw
            )
        else:
            try:
                reply = dispatch(backend, request)
            except ApiError as exc:
                reply = exc.reply
                _ghes_docs(backend, reply)
            reply.headers = merge(backend.common_headers(), reply.headers)
    if fault is not None and fault.apply_then_drop:
        return None
    if fault is not None:
        reply.trickle = fault.trickle
    version = backend.selected_version(headers)
    if version is not None:  # GitHub names no version in its refusal of one
        reply.headers["X-GitHub-Api-Version-Selected"] = version
    logged.status = reply.status
    return reply


def _ghes_docs(backend: Backend, reply: Reply) -> None:
    """A GHES's errors point into its own release's docs (docs.github.com/enterprise-server@3.14/...)."""
    docs = reply.body.get("documentation_url") if isinstance(reply.body, dict) else None
    if backend.ghes_version is not None and isinstance(docs, str) and docs.startswith(DOCS_ROOT):
        release = ".".join(backend.ghes_version.split(".")[:2])
        reply.body["documentation_url"] = f"{DOCS_ROOT}enterprise-server@{release}/{docs[len(DOCS_ROOT) :]}"
