"""How the lifecycle's errors name a registry and quote GitHub.

A registry is named by its id or its declaration (:func:`locate`, refusing any org or name that is
not GitHub's shape before a request is made), a resource by its URL's host (:func:`label`);
GitHub's words are quoted without what a message must not show (:func:`github_words`: a url's
path, a value that arrived secret, given by the operation running in the thread, see
:func:`quoting`); and GitHub's refusals are read (:func:`rejects_key`, :func:`already_exists`).
Imports :mod:`.errors`, :mod:`.inventory`, :mod:`.schema` and :mod:`.outcomes`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import schema
from .errors import GitHubError, ValidationFailed, bounded
from .inventory import Claim
from .outcomes import RegistryError, Secret

__all__ = [
    "already_exists",
    "fail",
    "fingerprint",
    "github_words",
    "label",
    "locate",
    "quoting",
    "rejects_key",
    "two_resources",
]


def locate(
    id_: str, props: Mapping[str, Any], audience: schema.Audience, secret: Secret = frozenset()
) -> tuple[str, str]:
    """(org, name) of a registry from its id ``{org}/{name}``, else from its properties.

    Ids and state can be hand-edited or imported: an org or name that is not GitHub's shape (``..``
    would make ``DELETE /orgs/acme/``, GitHub's delete-an-organization) fails here, before any
    request, and changes nothing.
    """
    if id_:
        org, _, name = id_.partition("/")
        if schema.org_problem(org) is None and schema.is_configuration_name(name):
            return org, name
        raise RegistryError("bad_id", audience, id=bounded(repr(id_), 120))
    where, registry_type = props.get("org"), props.get("registry_type")
    if schema.org_problem(where) is not None or registry_type not in schema.REGISTRY_TYPES:
        org_shown, type_shown = (
            schema.SECRET_SHOWN if field in secret else schema.shown(value, 60)
            for field, value in (("org", where), ("registry_type", registry_type))
        )
        raise RegistryError("unusable_state", audience, org_shown=org_shown, type_shown=type_shown)
    return str(where), schema.configuration_name(str(registry_type))


def label(props: Mapping[str, Any], secret: Secret = frozenset()) -> str:
    """How an error tells resources apart: the protocol does not give their names, but their URLs.

    Only a URL's ``scheme://host`` is shown (its path or query may hold a deploy token), and nothing
    of a URL that arrived secret.
    """
    url = props.get("url")
    if "url" in secret:
        return f"url {schema.SECRET_SHOWN}"
    return f"url {schema.shown(schema.url_shown(str(url)) if isinstance(url, str) else url, 200)}"


def fingerprint(outs: Mapping[str, Any]) -> str:
    """What tells one resource's outputs from another's for the same registry."""
    return json.dumps(
        [outs.get(f) for f in ("created_at", "updated_at", "value_encrypted", "key_id")], default=str
    )


def two_resources(
    audience: schema.Audience,
    org: str,
    name: str,
    other: Claim,
    props: Mapping[str, Any],
    secret: Secret = frozenset(),
) -> RegistryError:
    """The error for a registry that another resource of this deployment manages."""
    return RegistryError("two_resources", audience, (org, name), other=other.label, this=label(props, secret))


def fail(
    audience: schema.Audience, org: str, name: str, action: str, exc: GitHubError | str
) -> RegistryError:
    """The error of a request that failed: what could not be done, in GitHub's words."""
    return RegistryError("failed", audience, (org, name), action=action, words=github_words(exc))


def rejects_key(exc: ValidationFailed) -> bool:
    """Whether GitHub refused the sealed value because the key it was sealed with is not current."""
    text = " ".join([exc.message, *exc.errors]).lower()
    return bool({"key_id", "encrypted_value"} & set(exc.fields)) or "key_id" in text or "decrypt" in text


def already_exists(exc: ValidationFailed) -> bool:
    """Whether GitHub refused a create because the registry already exists."""
    return "already exist" in " ".join([exc.message, *exc.errors]).lower()


_operation = threading.local()
"""What the operation running in this thread was given: the values GitHub's words may quote."""


@contextmanager
def quoting(arguments: list[Any]) -> Iterator[None]:
    """While an operation runs in this thread: ``arguments`` are what it was given, the values
    :func:`github_words` keeps out of GitHub's words."""
    _operation.arguments = arguments
    try:
        yield
    finally:
        _operation.arguments = []


def github_words(exc: GitHubError | str) -> str:
    """GitHub's words about a failure, without what a message must not quote.

    GitHub's refusals may quote what was sent (``"https://…/deploy-token/" is not a uri``): a url
    keeps only its ``scheme://host``, and a secret field's value (``value``, whether or not it came
    in the operation's :data:`Secret` set) or any value that came secret, none of it. Only GitHub's
    part of a message is changed, never our words.
    """
    arguments: list[Any] = getattr(_operation, "arguments", [])
    secret = next((a for a in arguments if isinstance(a, frozenset)), frozenset())
    urls: dict[str, bool] = {}
    values: set[str] = set()
    for props in (a for a in arguments if isinstance(a, Mapping)):
        for field, value in props.items():
            if isinstance(value, str) and field == "url":
                urls[value] = "url" in secret
            elif isinstance(value, str) and (field in secret or field in schema.SECRET_OUTPUTS):
                # A secret field (`value`) is secret whether or not it arrived marked so (the dynamic
                # door passes no Secret set).
                values.add(value)
    return schema.unquoted(str(exc), urls.items(), sorted(values, key=len, reverse=True))
