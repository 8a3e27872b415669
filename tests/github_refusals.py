"""The fields a GitHub 422 names, in either shape the emulator answers one (as GitHub does).

"Validation Failed" carries error objects ``{"resource", "field", "code", "message"}``; GitHub's
OpenAPI validation (an enum or a type wrong) carries none, and says it all in its message, one line
per problem after "Invalid request.": ``For 'properties/auth_type', "oidc_gcp" is not a member of
enum.``, ``"url" wasn't supplied.``, ``"passwrd" is not a permitted key.``
"""

from __future__ import annotations

from typing import Any

__all__ = ["INVALID_REQUEST", "refused"]

INVALID_REQUEST = "Invalid request."


def refused(body: Any) -> dict[str, str]:
    """field -> what the answer says of it (an error object's message, or its message's line)."""
    if body.get("errors") is not None:
        return {e["field"]: e["message"] for e in body["errors"] if isinstance(e, dict)}
    message: str = body["message"]
    assert message.startswith(INVALID_REQUEST + "\n\n"), message
    found: dict[str, str] = {}
    for line in message.split("\n")[2:]:
        if line.startswith("For 'properties/"):
            field = line.removeprefix("For 'properties/").partition("'")[0].partition("/")[0]
        else:
            field = line.removeprefix('"').partition('"')[0]
        found.setdefault(field, line)
    return found
