"""The endpoints: one handler per route, each taking the :class:`.models.Backend` and the call.

A handler runs after routing has judged what every route of its kind needs (credentials, API
version, rate limits, a JSON body; for an organization's registries, the organization and an app's
access to it), with the lock held, and returns a :class:`.messages.Reply` or raises an
:class:`.messages.ApiError`. :data:`.routing.ROUTES` maps (method, path) to them.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .apps import Caller, Installation, app_id_of, installation_view, iso, level
from .facts import APPS_DOCS_URL, NOT_ACCESSIBLE, USER_ORGS_DOCS_URL
from .messages import ApiError, Reply, Request, invalid, not_found
from .models import Backend


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: the request, the path's parameters, and who calls."""

    request: Request
    params: Mapping[str, str]
    caller: Caller


def _host(backend: Backend, call: Call) -> str:
    """The host the client called, as links and URLs in answers name it."""
    return str(call.request.headers.get("host") or f"{backend.host}:{backend.port}")


# --- GET /meta ------------------------------------------------------------------------------------


def meta(backend: Backend, call: Call) -> Reply:
    """GET /meta."""
    # GitHub's "Meta" reference (GET /meta, no credentials needed): github.com no longer takes
    # passwords for Git (verifiable_password_authentication false); a GHES names its release.
    if backend.ghes_version is None:
        return Reply(200, {"verifiable_password_authentication": False})
    return Reply(200, {"verifiable_password_authentication": True, "installed_version": backend.ghes_version})


def _page(backend: Backend, call: Call, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """The ``page`` of ``items`` a request asks for (``per_page``, capped as GitHub does) and its
    ``Link`` header."""
    request, query = call.request, call.request.query
    per_page = min(_int_param(query, "per_page", 30), backend.max_per_page)  # GitHub caps silently
    page = _int_param(query, "page", 1)
    last = max(1, math.ceil(len(items) / per_page))
    host = _host(backend, call)

    def link(number: int, rel: str) -> str:
        params = urlencode({**query, "page": [str(number)]}, doseq=True)
        return f'<http://{host}{request.path}?{params}>; rel="{rel}"'

    links = [link(page - 1, "prev")] if page > 1 else []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return items[(page - 1) * per_page : page * per_page], {"Link": ", ".join(links)} if links else {}


def _int_param(query: Mapping[str, list[str]], name: str, default: int) -> int:
    """A positive integer query parameter, or ``default`` (GitHub ignores one it cannot read)."""
    try:
        value = int(query.get(name, [""])[0])
    except ValueError:
        return default
    return value if value >= 1 else default


# --- GET /user/orgs -------------------------------------------------------------------------------


def list_user_orgs(backend: Backend, call: Call) -> Reply:
    """GET /user/orgs, "List organizations for the authenticated user": the token's user is a member
    of every org there is (``orgs``, else every one used so far), as organization-simple objects,
    paged. Neither an installation token nor an app's JWT is a user: GitHub answers them 403 (the
    endpoint works with user tokens only)."""
    if call.caller.app is not None or call.caller.installation is not None:
        raise ApiError(403, NOT_ACCESSIBLE, USER_ORGS_DOCS_URL, status="403")
    logins, links = _page(backend, call, backend.org_logins())
    host = _host(backend, call)
    api = f"http://{host}{backend.prefix}"
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
    return Reply(200, body, links)


# --- an organization's private registries ---------------------------------------------------------


def list_registries(backend: Backend, call: Call) -> Reply:
    """GET /orgs/{org}/private-registries: a page of the org's registries, with GitHub's Link header."""
    state = backend.org_state(call.params["org"], http=True)
    names, links = _page(backend, call, sorted(state.registries))
    configurations = [backend.rules.view(state.registries[n]) for n in names]
    return Reply(200, {"total_count": len(state.registries), "configurations": configurations}, links)


def create_registry(backend: Backend, call: Call) -> Reply:
    """POST /orgs/{org}/private-registries."""
    state = backend.org_state(call.params["org"], http=True)
    body = call.request.body or {}
    errors = backend.rules.create_errors(state, body, overwrite=False)
    if errors:
        raise invalid(errors)
    refusal = backend.rules.refusal(body)
    if refusal is not None:
        raise refusal
    return Reply(201, backend.rules.view(backend.rules.store(state, body), with_ids=True))


def get_public_key(backend: Backend, call: Call) -> Reply:
    """GET /orgs/{org}/private-registries/public-key."""
    state = backend.org_state(call.params["org"], http=True)
    return Reply(200, {"key_id": state.key_id, "key": state.public_key()})


def _registry_name(backend: Backend, call: Call) -> str:
    """The registry the path names, in upper case, or 404 if the org has none of that name."""
    # Configuration names are upper case; look them up in any case, like GitHub's secrets.
    name = call.params["secret_name"].upper()
    if name not in backend.org_state(call.params["org"], http=True).registries:
        raise not_found()
    return name


def get_registry(backend: Backend, call: Call) -> Reply:
    """GET /orgs/{org}/private-registries/{secret_name}."""
    name = _registry_name(backend, call)
    state = backend.org_state(call.params["org"], http=True)
    return Reply(200, backend.rules.view(state.registries[name]))


def update_registry(backend: Backend, call: Call) -> Reply:
    """PATCH /orgs/{org}/private-registries/{secret_name}."""
    name = _registry_name(backend, call)
    state = backend.org_state(call.params["org"], http=True)
    backend.rules.update(state, name, call.request.body or {}, nulls_clear=False)
    return Reply(204)


def delete_registry(backend: Backend, call: Call) -> Reply:
    """DELETE /orgs/{org}/private-registries/{secret_name}."""
    name = _registry_name(backend, call)
    del backend.org_state(call.params["org"], http=True).registries[name]
    return Reply(204)


# --- the app endpoints (an app's JWT) -------------------------------------------------------------


def get_org_installation(backend: Backend, call: Call) -> Reply:
    """GET /orgs/{org}/installation: the calling app's installation on the org."""
    org = call.params["org"]
    backend.org_state(org, http=True)
    found = [
        i
        for i in backend.apps.installations.values()
        if i.org.lower() == org.lower() and i.app_id == call.caller.app
    ]
    if not found:
        raise not_found(APPS_DOCS_URL)
    return Reply(200, installation_view(found[0], _host(backend, call), backend.prefix))


def _installation(backend: Backend, call: Call) -> Installation:
    """The calling app's installation the path names, or 404."""
    number = app_id_of(call.params["installation_id"])  # a number, as app ids are
    installation = backend.apps.installations.get(number) if number is not None else None
    if installation is None or installation.app_id != call.caller.app:
        raise not_found(APPS_DOCS_URL)
    return installation


def list_installations(backend: Backend, call: Call) -> Reply:
    """GET /app/installations, "List installations for the authenticated app": the calling app's
    installations, by id, paged."""
    mine = sorted(
        (i for i in backend.apps.installations.values() if i.app_id == call.caller.app), key=lambda i: i.id
    )
    page, links = _page(backend, call, mine)
    host = _host(backend, call)
    return Reply(200, [installation_view(i, host, backend.prefix) for i in page], links)


def get_installation(backend: Backend, call: Call) -> Reply:
    """GET /app/installations/{installation_id}."""
    installation = _installation(backend, call)
    return Reply(200, installation_view(installation, _host(backend, call), backend.prefix))


def create_installation_token(backend: Backend, call: Call) -> Reply:
    """POST /app/installations/{installation_id}/access_tokens: a ``ghs_`` token, its permissions
    those of the installation or, narrowed, the body's."""
    installation = _installation(backend, call)
    request = call.request
    if request.bad_json or not isinstance(request.body, (dict, type(None))):
        raise ApiError(400, "Problems parsing JSON", APPS_DOCS_URL)
    granted = dict(installation.permissions)
    wanted = (request.body or {}).get("permissions")
    if wanted is not None:
        if not isinstance(wanted, dict) or any(
            level(value) < 0 or level(value) > level(granted.get(name)) for name, value in wanted.items()
        ):
            message = "The permissions requested are not granted to this installation."
            raise ApiError(422, message, APPS_DOCS_URL, status="422")
        granted = dict(wanted)
    expires_at = backend.now() + backend.installation_token_ttl
    token = backend.apps.issue(installation, granted, expires_at)
    body: dict[str, Any] = {
        "token": token,
        "expires_at": iso(expires_at),
        "permissions": dict(granted),
        "repository_selection": "all",
    }
    return Reply(201, body)
