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
from typing import TYPE_CHECKING, Any

from . import schema
from .comparing import normalized, unclearable
from .errors import CANCELLED, Cancelled, GitHubError, NotFound, OutcomeUnknown, ValidationFailed
from .outcomes import RegistryError, Secret, Unresolved, Written
from .runtime import Runtime
from .wording import already_exists, fail, github_words
from .writing import Gone, outputs, patch, send_secret

if TYPE_CHECKING:
    from .client import GitHubClient

__all__ = ["is_unresolved", "mismatched_fields", "post", "resume_create", "sent_by", "take_over"]


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
        raise fail(org, name, "create it", exc) from None
    except GitHubError as exc:
        raise fail(org, name, "create it", exc) from None
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
    if not props.get("adopt"):
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: org '{org}' already has the private registry "
            f"configuration {name} (GitHub allows one per registry type). If this is a replacement of "
            "this very resource (`pulumi up --replace`, `replaceWith`, `deletedWith`), "
            "Pulumi creates the new registry before it deletes the old one, and GitHub cannot hold "
            f"both: give the resource {runtime.audience.delete_first} and run `pulumi up` again. "
            "Otherwise it was created outside this stack or by another one. "
            "If you renamed this resource (or moved it into a component), "
            "give it `aliases` with its old name instead: with `adopt`, the old resource's delete "
            "would remove the registry the new one now owns. Otherwise, to manage it here, set "
            "`adopt: true` on this resource (it will be updated to what you declare), or delete it "
            f"at GitHub first. `python -m pulumi_github_private_registry discover --org {org}` "
            "prints a config block for it."
        )
    declared_auth = schema.auth_type_of(props)
    declared = schema.SECRET_SHOWN if "auth_type" in secret else schema.shown(declared_auth)
    shown = runtime.audience.name
    # Compared only when GitHub reports it (its own example answers leave auth_type out).
    if existing.get("auth_type") is not None and existing["auth_type"] != declared_auth:
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: cannot adopt: it exists with {shown('auth_type')} "
            f"{schema.shown(existing.get('auth_type'))} and you declare "
            f"{declared}, which GitHub cannot "
            f"change in place. Declare its {shown('auth_type')} to adopt it, or delete it at GitHub first."
        )
    stuck = unclearable(existing, props)
    if stuck:
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: cannot adopt: it has "
            + ", ".join(f"{shown(f)} {schema.shown(existing[f])}" for f in stuck)
            + ", which you do not declare and GitHub cannot clear in place. Declare "
            + ("them" if len(stuck) > 1 else "it")
            + " to adopt it, or delete it at GitHub first."
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
                f"OrgPrivateRegistry {org}/{name}: could not create it: GitHub gave no usable answer to "
                f"the create, and looking it up failed too: {github_words(exc)} It may exist at GitHub now: "
                f"if the next run says that {name} already exists, it is the one sent here: set "
                "`adopt: true` to take it over."
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
                raise fail(org, name, "create it (second attempt after no answer)", exc) from None
            second = "GitHub says it already exists."
            continue  # the first POST landed late: look again
        except GitHubError as exc:
            raise fail(org, name, "create it (second attempt after no answer)", exc) from None
        runtime.wrote(org, record)
        return Written(f"{org}/{name}", outputs(props, record, sealed, None))
    raise RegistryError(
        f"OrgPrivateRegistry {org}/{name}: could not create it: GitHub gave no usable answer to two "
        f"creates (the second: {second}), and it does not list the registry. Nothing is in the state; "
        "try again later (see https://www.githubstatus.com). If the next run says that "
        f"{name} already exists, a create landed late and it is the one sent here: set `adopt: true` "
        "to take it over."
    )


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
        f"OrgPrivateRegistry {org}/{name}: {CANCELLED} before GitHub answered the create, so its "
        "outcome is unknown"
        + (" (the registry exists, but its value must be sent again)" if found is not None else "")
        + ". It is kept in the state as not created yet: the next `pulumi up` looks it up, keeps the "
        "registry this create made or creates it (GitHub allows one per type: no duplicate); "
        "`pulumi refresh` drops it from the state if it was not made, or was made by someone else.",
        f"{org}/{name}",
        outputs(props, {"name": name}, None, None),
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
            f"OrgPrivateRegistry {org}/{name}: GitHub did not answer the create, and a registry "
            f"{name} now exists whose {', '.join(map(runtime.audience.name, mismatched))} differ from "
            "what was sent: it was made by someone else. Delete it at GitHub or set `adopt: true`, "
            "then run again."
        )
    runtime.wrote(org, record)
    if not schema.takes_secret(props):
        return Written(f"{org}/{name}", outputs(props, record, None, None))
    # It is ours, but GitHub holds no readable trace of which value came with it: send the
    # value once more so that state and GitHub surely agree.
    try:
        return Written(f"{org}/{name}", patch(runtime, client, org, name, props, [], send_value=True))
    except Gone:
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: GitHub did not answer the create, a lookup found the "
            "registry, and it was gone when its value was sent again (deleted at GitHub meanwhile). "
            "Nothing is in the state: run again to create it."
        ) from None
    except RegistryError as exc:
        # The registry stays, and no state would hold it: say whose it is and how to take it over.
        raise RegistryError(
            f"{exc} It exists at GitHub, made by this create (GitHub did not answer it, and a lookup "
            "found it with the fields declared), but its value could not be sent again, so it is not "
            "in the state: set `adopt: true` on this resource and run again to take it over."
        ) from None


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
        raise fail(org, name, "look up the create an earlier run left unresolved", exc) from None
    if found is None:
        created = post(runtime, client, org, name, news)
        if created is not None:
            return created
        try:  # made since the lookup: the earlier create landed late, or someone else's
            found = client.get_registry(org, name, expect_exists=True)
        except GitHubError as exc:
            raise fail(org, name, "look it up", exc) from None
    mismatched = mismatched_fields(sent_by(olds), found)
    if mismatched and not news.get("adopt"):
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: an earlier run's create went unanswered, and the "
            f"registry {name} at GitHub has {', '.join(map(runtime.audience.name, mismatched))} other "
            "than that create sent: it was made by someone else. Delete it at GitHub or set "
            "`adopt: true`, then run again."
        )
    fields = [f for f in schema.UPDATABLE_FIELDS if news.get(f) is not None or found.get(f) is not None]
    return Written(f"{org}/{name}", patch(runtime, client, org, name, news, fields, send_value=True))
