"""What travels between a client and the emulator: a request as read, a reply, GitHub's refusals.

The handlers build a :class:`Reply` or raise an :class:`ApiError` (whose reply is GitHub's error
shape: ``message``, ``documentation_url`` and what else GitHub adds); the builders here are the
refusals several parts share (404, 401, 422 with error objects or OpenAPI's message, an API
version not supported).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .facts import DOCS_URL, VERSIONS_DOCS


class Headers(dict[str, str]):
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
class Request:
    """One request as the emulator reads it."""

    method: str
    path: str  # the full path, prefix included
    route: str | None  # the path after the prefix; None outside it
    query: dict[str, list[str]]
    headers: Headers
    body: Any
    bad_json: bool


@dataclass
class Reply:
    """One answer: a status, a JSON body (or raw bytes) and headers."""

    status: int
    body: Any = None  # None: no body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as it is instead of ``body``
    trickle: float = 0.0  # seconds between the body's bytes


class ApiError(Exception):
    """A refusal in GitHub's error shape; ``reply`` is the answer."""

    def __init__(self, code: int, message: str, docs: str = DOCS_URL, **extra: Any) -> None:
        super().__init__(code)
        self.reply = Reply(code, {"message": message, "documentation_url": docs, **extra})


def not_found(docs: str = DOCS_URL) -> ApiError:
    return ApiError(404, "Not Found", docs, status="404")


def bad_credentials() -> ApiError:
    return ApiError(401, "Bad credentials", "https://docs.github.com/rest", status="401")


def unsupported_version(requested: str, supported: tuple[str, ...]) -> ApiError:
    """GitHub's 400 for an X-GitHub-Api-Version it does not serve (see facts' "API versions")."""
    named = [f'"{supported[0]}" (most recent)', *(f'"{v}"' for v in supported[1:])]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    message = (
        f'The version you specified in the "X-GitHub-API-Version" request header, "{requested}", is '
        f"not a supported version. The following versions are currently supported: {listed}."
    )
    return ApiError(400, "Bad Request", VERSIONS_DOCS, errors=message, status="400")


class InvalidRequest(str):
    """GitHub's OpenAPI validation refusing a body: the whole message of a 422 without error objects."""


def invalid(errors: list[Any]) -> ApiError:
    """GitHub's 422 for ``errors``: its OpenAPI validation's message, or "Validation Failed" with them."""
    if errors and isinstance(errors[0], InvalidRequest):
        return ApiError(422, str(errors[0]), status="422")
    return ApiError(422, "Validation Failed", errors=errors)


def field_error(name: str, code: str, message: str) -> dict[str, str]:
    """One of GitHub's error objects of a 422, about the registry's field ``name``."""
    return {"resource": "PrivateRegistry", "field": name, "code": code, "message": message}


def merge(base: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``extra`` over ``base``, header names compared in any case."""
    lowered = {k.lower() for k in extra}
    return {**{k: v for k, v in base.items() if k.lower() not in lowered}, **extra}
