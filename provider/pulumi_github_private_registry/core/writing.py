"""The requests a write makes: the secret sealed and sent, a PATCH and the GET after it, the outputs.

:func:`send_secret` seals the declared value with the org's key (sealed again once when GitHub
says the key was rotated), :func:`patch` sends what changed and reads the registry back, and
:func:`outputs` is the full output set a write leaves in the state. Imports :mod:`.crypto`,
:mod:`.errors`, :mod:`.schema`, :mod:`.outcomes`, :mod:`.runtime` and :mod:`.wording` (the client
only for its type).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from . import schema
from .crypto import Sealed, seal
from .errors import GitHubError, NotFound, ValidationFailed
from .outcomes import RegistryError
from .runtime import Runtime
from .wording import fail, github_words, rejects_key

if TYPE_CHECKING:
    from .client import GitHubClient

__all__ = ["Gone", "outputs", "patch", "send_secret"]

T = TypeVar("T")


class Gone(RegistryError):
    """The registry was deleted at GitHub while this resource wrote to it."""


def patch(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    props: Mapping[str, Any],
    fields: list[str],
    *,
    send_value: bool,
    olds: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """PATCH ``fields`` (and the sealed value), then GET once; returns the full outputs."""
    body: dict[str, Any] = {}
    if {"visibility", "selected_repository_ids"} & set(fields):
        # GitHub reads the ids against the visibility: send them together.
        fields = [*fields, "visibility", "selected_repository_ids"]
    for field in dict.fromkeys(fields):
        value = props.get(field)
        if field == "selected_repository_ids" and props.get("visibility") != "selected":
            continue
        if value is not None:
            body.update(schema.to_rest_body({field: value}))
        elif field in schema.NULLABLE_FIELDS:
            body[field] = None  # GitHub clears only nullable fields; diff replaces for the rest
    secret_auth = schema.takes_secret(props)
    sealed: Sealed | None = None
    if body or (send_value and secret_auth):
        try:
            if send_value and secret_auth:
                _, sealed = send_secret(
                    runtime, client, org, props, body, lambda b: client.update_registry(org, name, b)
                )
            else:
                client.update_registry(org, name, body)
            record = client.get_registry(org, name, expect_exists=True)
        except NotFound:
            for snapshot in (runtime.inventory, runtime.updating):
                snapshot.forget(org, name)
            raise Gone("gone", runtime.audience, (org, name)) from None
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, "update it", exc) from None
        runtime.wrote(org, record)
    else:
        # Nothing GitHub holds changes (say, only `adopt`): no request, and the state keeps what
        # it last saw of GitHub (a refresh's `remote_updated_at`: reset, a later delete would take
        # GitHub's newer time for a change made since, and refuse).
        old = olds or {}
        record = {"name": name, "created_at": old.get("created_at"), "updated_at": old.get("updated_at")}
        outs = outputs(props, record, sealed, olds)
        outs["remote_updated_at"] = old.get("remote_updated_at") or old.get("updated_at")
        return outs
    return outputs(props, record, sealed, olds)


def send_secret(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    props: Mapping[str, Any],
    body: Mapping[str, Any],
    send: Callable[[dict[str, Any]], T],
) -> tuple[T, Sealed | None]:
    """Send ``body`` with the declared secret; re-seal once if GitHub rejects a rotated key."""
    for attempt in range(2):
        sealed = _secret(runtime, client, org, props)
        full = dict(body)
        if sealed is not None:
            full.update(encrypted_value=sealed.encrypted_value, key_id=sealed.key_id)
        try:
            return send(full), sealed
        except ValidationFailed as exc:
            if sealed is None or not rejects_key(exc):
                raise
            if props.get("value") is None:
                # Sealed by the user: only they can seal it again.
                name = schema.configuration_name(str(props["registry_type"]))
                raise RegistryError(
                    "sealed_refused", runtime.audience, (org, name), words=github_words(exc.detail)
                ) from None
            if attempt == 0:
                runtime.keys.drop(org, sealed.key_id)
                continue
            raise
    raise AssertionError("unreachable")


def _secret(runtime: Runtime, client: GitHubClient, org: str, props: Mapping[str, Any]) -> Sealed | None:
    """The declared secret, sealed with the org's key (fetched once per runtime)."""
    if props.get("value") is not None:
        key = runtime.keys.get(org, client.get_public_key)
        return seal(str(props["value"]), key)
    if props.get("value_encrypted") is not None:
        return Sealed(str(props["value_encrypted"]), str(props["key_id"]))
    return None


def outputs(
    props: Mapping[str, Any],
    record: Mapping[str, Any],
    sealed: Sealed | None,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The full output set: every input as declared, GitHub's name and times, what was sent."""
    outs: dict[str, Any] = {k: props.get(k) for k in schema.INPUT_FIELDS}
    outs.update(
        name=record.get("name"),
        created_at=record.get("created_at") or (previous or {}).get("created_at"),
        updated_at=record.get("updated_at"),
        remote_updated_at=record.get("updated_at"),
    )
    if sealed is not None:
        outs.update(value_encrypted=sealed.encrypted_value, key_id=sealed.key_id)
    elif previous is not None and schema.takes_secret(props):
        outs.update(value_encrypted=previous.get("value_encrypted"), key_id=previous.get("key_id"))
    else:
        outs.update(value_encrypted=None, key_id=None)
    return outs
