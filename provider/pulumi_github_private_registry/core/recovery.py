"""A create's POST, and the sequences after a fault: what a create does when it cannot simply POST.

A POST that went unanswered is followed by a lookup (the registry found with the fields sent is
this resource's, else it is sent again once); one a cancel cut short is looked up once and, if its
outcome stays unknown, kept in the state as not created yet (:class:`.outcomes.Unresolved`), for
the next update to finish (:func:`resume_create`) or a refresh to drop; a registry that already
exists is taken over with ``adopt`` (:func:`take_over`), or the error says how. Imports
:mod:`.comparing`, :mod:`.errors`, :mod:`.schema`, :mod:`.outcomes`, :mod:`.runtime`,
:mod:`.wording` and :mod:`.writing` (the client only for its type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from . import schema
from .comparing import normalized, unclearable
from .errors import Cancelled, GitHubError, NotFound, OutcomeUnknown, ValidationFailed, cancelled_text
from .outcomes import RegistryError, Secret, Unresolved, Written
from .runtime import Runtime
from .wording import already_exists, fail, github_words
from .writing import Gone, outputs, patch, send_secret

if TYPE_CHECKING:
    from .client import GitHubClient

__all__ = ["is_unresolved", "mismatched_fields", "post", "resume_create", "sent_by", "take_over"]

_SECOND_CREATE: Final = "create it (second attempt after no answer)"


def post(
    runtime: Runtime, client: GitHubClient, org: str, name: str, props: Mapping[str, Any]
) -> Written | None:
    """POST; None when GitHub says the registry already exists."""
    body = schema.to_rest_body({k: v for k, v in props.items() if v is not None})
    try:
        record, sealed = send_secret(
            runtime, client, org, props, body, lambda b: client.create_registry(org, b)
        )
    except OutcomeUnknown:
        return _resolve_unknown_create(runtime, client, org, name, props, body)
    except ValidationFailed as exc:
        if already_exists(exc):
            return None
        raise fail(runtime.audience, org, name, "create it", exc) from None
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "create it", exc) from None
    runtime.wrote(org, record)
    return Written(f"{org}/{name}", outputs(props, record, sealed, None))


def take_over(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    props: Mapping[str, Any],
    existing: Mapping[str, Any],
    secret: Secret,
) -> Written:
    """Adopt a registry that already exists (``adopt: true``), or explain how to."""
    audience = runtime.audience
    if not props.get("adopt"):
        raise RegistryError("exists", audience, (org, name))
    declared_auth = schema.auth_type_of(props)
    declared = schema.SECRET_SHOWN if "auth_type" in secret else schema.shown(declared_auth)
    # Compared only when GitHub reports it (its own example answers leave auth_type out).
    if existing.get("auth_type") is not None and existing["auth_type"] != declared_auth:
        raise RegistryError(
            "adopt_auth_type",
            audience,
            (org, name),
            existing=schema.shown(existing.get("auth_type")),
            declared=declared,
        )
    stuck = unclearable(existing, props)
    if stuck:
        raise RegistryError(
            "adopt_unclearable",
            audience,
            (org, name),
            held=", ".join(f"{audience.name(f)} {schema.shown(existing[f])}" for f in stuck),
            them="them" if len(stuck) > 1 else "it",
        )
    fields = [f for f in schema.UPDATABLE_FIELDS if props.get(f) is not None or existing.get(f) is not None]
    outs = patch(runtime, client, org, name, props, fields, send_value=True)
    return Written(f"{org}/{name}", outs)


def _resolve_unknown_create(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    props: Mapping[str, Any],
    body: Mapping[str, Any],
) -> Written:
    """A POST went unanswered: take over what it made, or send it again if it made nothing.

    Every POST that may have been applied is followed by a lookup: a registry found with the
    declared fields is this resource's, even when no answer said so (else it would be an orphan
    that the next run refuses as "already exists").
    """
    if client.cancellation.cancelled:
        return _settle_cancelled_create(runtime, client, org, name, props, body)
    second: str | None = None  # why the second POST's outcome is not known either
    for attempt in range(2):
        try:
            found: dict[str, Any] | None = client.get_registry(org, name, expect_exists=True)
        except NotFound:
            found = None
        except Cancelled:
            # The create may have landed: kept in the state as not created yet, never an orphan.
            return _settle_cancelled_create(runtime, client, org, name, props, body)
        except GitHubError as exc:
            raise RegistryError(
                "lookup_failed", runtime.audience, (org, name), words=github_words(exc)
            ) from None
        if found is not None:
            return _claim_unanswered(runtime, client, org, name, props, body, found)
        if attempt == 1:
            break
        # Nothing was made. GitHub allows one registry per type, so a second POST cannot
        # make a duplicate even if the first one lands late: it would be refused.
        try:
            record, sealed = send_secret(
                runtime, client, org, props, body, lambda b: client.create_registry(org, b)
            )
        except Cancelled:
            return _settle_cancelled_create(runtime, client, org, name, props, body)
        except OutcomeUnknown as exc:
            second = github_words(exc)
            continue  # look once more: it may have been applied
        except ValidationFailed as exc:
            if not already_exists(exc):
                raise fail(runtime.audience, org, name, _SECOND_CREATE, exc) from None
            second = "GitHub says it already exists."
            continue  # the first POST landed late: look again
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, _SECOND_CREATE, exc) from None
        runtime.wrote(org, record)
        return Written(f"{org}/{name}", outputs(props, record, sealed, None))
    raise RegistryError("no_answer", runtime.audience, (org, name), second=second)


def _settle_cancelled_create(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    props: Mapping[str, Any],
    body: Mapping[str, Any],
) -> Written:
    """A cancel cut the create before GitHub answered: one lookup within the cancel's grace, and
    nothing sent again. Kept when found as sent and holding no secret; else :class:`Unresolved`."""
    found: dict[str, Any] | None = None
    with client.cancellation.grace():
        try:
            found = client.get_registry(org, name)
        except GitHubError:
            pass  # not found (the POST may still land), or no time left: unknown either way
    if found is not None and mismatched_fields(body, found):
        _claim_unanswered(runtime, client, org, name, props, body, found)  # raises: someone else's
    if found is not None and not schema.takes_secret(props):
        runtime.wrote(org, found)
        return Written(f"{org}/{name}", outputs(props, found, None, None))
    raise Unresolved(
        runtime.audience,
        (org, name),
        outputs(props, {"name": name}, None, None),
        cancelled=cancelled_text(client.cancellation.why),
        found=" (the registry exists, but its value must be sent again)" if found is not None else "",
    )


def mismatched_fields(body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The fields of ``record`` that differ from what ``body`` sent (those GitHub reports)."""
    return [
        f
        for f in schema.RESPONSE_FIELDS
        if f in body and f in record and normalized(f, record[f]) != normalized(f, body[f])
    ]


def is_unresolved(props: Mapping[str, Any]) -> bool:
    """Whether the state holds a create a cancel left unresolved (:class:`Unresolved`): what it sent,
    and no time of GitHub's."""
    return bool(props) and props.get("created_at") is None and props.get("updated_at") is None


def sent_by(props: Mapping[str, Any]) -> dict[str, Any]:
    """What the create of an unresolved state sent, in GitHub's names."""
    return schema.to_rest_body({k: v for k, v in props.items() if v is not None})


def _claim_unanswered(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    props: Mapping[str, Any],
    body: Mapping[str, Any],
    record: Mapping[str, Any],
) -> Written:
    """A registry found after an unanswered create: this resource's if it has the declared fields."""
    mismatched = mismatched_fields(body, record)
    if mismatched:
        raise RegistryError(
            "someone_elses",
            runtime.audience,
            (org, name),
            fields=", ".join(map(runtime.audience.name, mismatched)),
        )
    runtime.wrote(org, record)
    if not schema.takes_secret(props):
        return Written(f"{org}/{name}", outputs(props, record, None, None))
    # It is ours, but GitHub holds no readable trace of which value came with it: send the
    # value once more so that state and GitHub surely agree.
    try:
        return Written(f"{org}/{name}", patch(runtime, client, org, name, props, [], send_value=True))
    except Gone:
        raise RegistryError("gone_when_resent", runtime.audience, (org, name)) from None
    except RegistryError as exc:
        # The registry stays, and no state would hold it: say whose it is and how to take it over.
        raise RegistryError("not_resent", runtime.audience, (org, name), cause=str(exc)) from None


def resume_create(
    runtime: Runtime,
    client: GitHubClient,
    org: str,
    name: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    secret: Secret,
) -> Written:
    """Finish a create whose outcome was unknown (:class:`Unresolved`: the state holds what it
    sent and no time of GitHub's): keep the registry it made, found with the fields it sent, and
    send everything declared; or create it now. GitHub allows one per type: never a duplicate."""
    try:
        found: dict[str, Any] | None = client.get_registry(org, name)
    except NotFound:
        found = None
    except GitHubError as exc:
        raise fail(
            runtime.audience, org, name, "look up the create an earlier run left unresolved", exc
        ) from None
    if found is None:
        created = post(runtime, client, org, name, news)
        if created is not None:
            return created
        try:  # made since the lookup: the earlier create landed late, or someone else's
            found = client.get_registry(org, name, expect_exists=True)
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, "look it up", exc) from None
    mismatched = mismatched_fields(sent_by(olds), found)
    if mismatched and not news.get("adopt"):
        raise RegistryError(
            "resumed_someone_elses",
            runtime.audience,
            (org, name),
            fields=", ".join(map(runtime.audience.name, mismatched)),
        )
    fields = [f for f in schema.UPDATABLE_FIELDS if news.get(f) is not None or found.get(f) is not None]
    return Written(f"{org}/{name}", patch(runtime, client, org, name, news, fields, send_value=True))
