"""The registry's lifecycle: check, diff, create, read, update and delete, without Pulumi.

Each operation takes a :class:`Runtime` (the settings, the client, the key cache, the inventory and
the claims of one provider process) and plain mappings in the declaration's field names (GitHub's,
see :mod:`.schema`), and returns a small result of its own: :class:`Checked`, :class:`Plan`,
:class:`Written`, :class:`Refreshed`. A front door (the dynamic provider, the plugin) converts its
protocol's values to these and back; values not known during preview arrive as
:data:`.schema.UNKNOWN`. Failures the user sees are :class:`RegistryError`: a code, the registry and
parameters, worded for the runtime's audience (the door's names and words: no door's words here).

Requests per operation (the fewest possible): check and diff make none; create lists the org once
per runtime and fetches its key once, then POSTs; read is served by the org's list; update PATCHes
what changed then GETs once (PATCH returns no body); delete DELETEs.

The lifecycle family, each module importing only those before it: :mod:`.outcomes` (results and
the error the user sees) <- :mod:`.runtime` (a :class:`Runtime` per configuration);
:mod:`.comparing` (declarations, states and records compared); :mod:`.wording` (how errors name a
registry and quote GitHub) <- :mod:`.writing` (the requests of a write) <- :mod:`.recovery` (a
create's POST and the sequences after a fault) <- this module, the operations. This module
re-exports :class:`Runtime` and the results and errors of :mod:`.outcomes`: they are the
operations' arguments and answers, and the doors, tools and tests import them from here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from . import schema
from .comparing import (
    changed_fields,
    changed_since,
    drifted,
    last_seen,
    later,
    same_org,
    unclearable,
    value_changed,
)
from .diagnostics import log_defect
from .errors import GitHubError, NotFound, bounded, cancelled_text, redact
from .inventory import Claim, Inventory
from .outcomes import Checked, Plan, Refreshed, RegistryError, Secret, Unresolved, Written
from .pacing import budgeted
from .recovery import is_unresolved, mismatched_fields, post, resume_create, sent_by, take_over
from .runtime import Runtime
from .schema import is_unknown
from .wording import fail, fingerprint, github_words, label, locate, quoting, two_resources
from .writing import patch

if TYPE_CHECKING:
    from .client import GitHubClient

__all__ = [
    "Checked",
    "Plan",
    "Refreshed",
    "RegistryError",
    "Runtime",
    "Unresolved",
    "Written",
    "cancel",
    "cancelled",
    "check",
    "create",
    "delete",
    "diff",
    "read",
    "registries",
    "update",
]

T = TypeVar("T")
log = logging.getLogger(__name__)


def cancel(why: str = "") -> None:
    """The engine's Cancel: every operation of the process ends now, and none sends anything more;
    ``why``: who cancelled, in the door's words."""
    from .pacing import process_cancellation

    process_cancellation().cancel(why)


def cancelled(runtime: Runtime, what: str = "OrgPrivateRegistry") -> RegistryError:
    """What an operation ended by a cancel answers when its door stops waiting for it."""
    from .pacing import process_cancellation

    why = process_cancellation().why
    return RegistryError("cancelled", runtime.audience, what=what, cancelled=cancelled_text(why))


def _guarded(operation: Callable[..., T]) -> Callable[..., T]:
    """Let only :class:`RegistryError` out: anything else is a defect, shown redacted and bounded.

    A protocol reports an exception with its traceback and its chain; an unexpected one (a
    ``KeyError`` on odd state, a library's error quoting a header) must not carry a credential or a
    value into the user's terminal.
    """

    @functools.wraps(operation)
    def guarded(*args: Any, **kwargs: Any) -> T:
        with quoting([*args, *kwargs.values()]):
            try:
                return operation(*args, **kwargs)
            except RegistryError:
                raise
            except Exception as exc:  # the safety net itself
                # The user's line stays one clean line; the traceback goes where a developer looks.
                log_defect(log, operation.__name__, exc, github_words)
                runtime: Runtime = args[0]  # every operation takes its runtime first
                raise RegistryError(
                    "internal",
                    runtime.audience,
                    operation=operation.__name__,
                    kind=type(exc).__name__,
                    words=bounded(github_words(str(exc)), 300),
                ) from None

    return guarded


# --- preview: no request, no token ---------------------------------------------------------------


@_guarded
def check(runtime: Runtime, news: Mapping[str, Any]) -> Checked:
    """Fill defaults (``org`` from the configured owner) and find every problem; makes no request."""
    inputs = dict(news)
    for field, default in schema.DECLARATION_DEFAULTS.items():
        if inputs.get(field) is None:
            inputs[field] = default
    owner = runtime.settings.owner
    if inputs.get("org") is None and owner:
        inputs["org"] = owner
    problems = schema.declaration_problems(
        inputs, default_org=owner, owner_setting=runtime.settings.keys.owner.pair
    )
    return Checked(inputs, tuple(problems))


@_guarded
def diff(
    runtime: Runtime,
    id_: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    secret: Secret = frozenset(),
) -> Plan:
    """Replace on org, registry_type or auth_type; update in place for all else; no request.

    A deployment diffs every resource of the program: the registry is claimed for this one, so
    that another resource of the deployment cannot adopt it too.
    """
    try:
        org, name = locate(id_, olds, runtime.audience, secret)
    except RegistryError:
        pass  # a malformed id fails where a request would be made, not in a plan
    else:
        other = runtime.claims.observe(org, name, label(olds, secret), fingerprint(olds))
        if other is not None:
            raise two_resources(runtime.audience, org, name, other, olds, secret)
    replaces = []
    for field in schema.REPLACE_FIELDS:
        old, new = olds.get(field), news.get(field)
        if field == "auth_type":
            old, new = schema.auth_type_of(olds), schema.auth_type_of(news)
        if is_unknown(new) or not (old == new or (field == "org" and same_org(old, new))):
            replaces.append(field)
    # GitHub cannot clear these once set: dropping one from the declaration needs a new registry.
    replaces += unclearable(olds, news)
    fields = [*replaces, *(f for f in changed_fields(olds, news) if f not in replaces)]
    if value_changed(olds, news):
        fields.append("value_encrypted" if news.get("value_encrypted") is not None else "value")
    changes = bool(fields) or drifted(olds, news)
    # The name derives from the type, so a new registry of the same type in the same org can
    # exist only once the old one is gone.
    same_name = same_org(olds.get("org"), news.get("org")) and olds.get("registry_type") == news.get(
        "registry_type"
    )
    # Also for a replacement the engine decides on its own (a user's option or command): two
    # registries of one name cannot exist side by side.
    return Plan(
        changes=changes,
        replaces=tuple(replaces),
        delete_first=same_name,
        fields=tuple(fields),
        drifted=drifted(olds, news),
    )


# --- writes --------------------------------------------------------------------------------------


@_guarded
@budgeted  # one budget of rate-limit waits for all its requests
def create(runtime: Runtime, props: Mapping[str, Any], secret: Secret = frozenset()) -> Written:
    """POST the registry, or adopt an existing one when ``adopt`` is true; never GET after.

    A registry claimed by another resource of this deployment is refused before any request:
    two states would hold two values while GitHub holds one.
    """
    org, name = locate("", props, runtime.audience, secret)
    made, seen = runtime.claims.begin(org, name, label(props, secret))
    if made is not None:
        raise two_resources(runtime.audience, org, name, made, props, secret)
    try:
        result = _create(runtime, org, name, props, seen, secret)
    except BaseException:
        runtime.claims.restore(org, name, seen)
        raise
    runtime.claims.settle(org, name, label(props, secret), fingerprint(result.outputs))
    return result


def _create(
    runtime: Runtime, org: str, name: str, props: Mapping[str, Any], seen: Claim | None, secret: Secret
) -> Written:
    """Create, or take over an existing registry unless ``seen`` (another resource) manages it.

    A registry only seen by a diff and not at GitHub is created: that is the replacement of a
    resource whose delete went through before its create failed (the engine diffs it again).
    """
    client = runtime.client(org, name)
    try:
        existing = runtime.inventory.lookup(org, name, client.list_registries)
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "list the org's registries", exc) from None
    if existing is None:
        created = post(runtime, client, org, name, props)
        if created is not None:
            return created
        try:  # made since the org was listed
            existing = client.get_registry(org, name, expect_exists=True)
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, "look it up", exc) from None
    if seen is not None:
        raise two_resources(runtime.audience, org, name, seen, props, secret)
    return take_over(runtime, client, org, name, props, existing, secret)


@_guarded
@budgeted  # one budget of rate-limit waits for all its requests
def update(
    runtime: Runtime,
    id_: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    secret: Secret = frozenset(),
) -> Written:
    """PATCH what changed, then GET once for updated_at; everything declared after outside changes.

    A change made at GitHub since this resource last saw the registry (its record's ``updated_at``
    moved) is found by one list of the org per process's updates, even without a refresh: our own
    PATCH would move ``updated_at`` again and hide it for good, leaving a foreign secret or
    repository list (GitHub reports neither) in place. Then the update sends everything declared
    again, the value too unless ``ignore_value_drift``.
    """
    org, name = locate(id_, olds, runtime.audience, secret)
    client = runtime.client(org, name)
    if olds.get("created_at") is None and olds.get("updated_at") is None:
        written = resume_create(runtime, client, org, name, olds, news, secret)
        runtime.claims.settle(org, name, label(news, secret), fingerprint(written.outputs))
        return written
    moved = drifted(olds, news)
    if not moved:
        # Compared with this resource's last write, not a refresh's sight: with
        # `ignore_value_drift`, a refresh that saw a rotated secret cannot have seen foreign
        # repository ids (GitHub never reports them), so they are sent again too.
        since = olds.get("updated_at")
        try:
            current = _current(runtime.updating, client, org, name, since)  # None: the PATCH says so
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, "list the org's registries", exc) from None
        moved = current is not None and changed_since(current, since)
    if moved:
        fields = [f for f in schema.UPDATABLE_FIELDS if news.get(f) is not None or olds.get(f) is not None]
        send_value = news.get("ignore_value_drift") is not True or value_changed(olds, news)
    else:
        fields = changed_fields(olds, news)
        send_value = value_changed(olds, news)
    outs = patch(runtime, client, org, name, news, fields, send_value=send_value, olds=olds)
    runtime.claims.settle(org, name, label(news, secret), fingerprint(outs))
    return Written(f"{org}/{name}", outs)


def _current(
    snapshot: Inventory, client: GitHubClient, org: str, name: str, since: Any
) -> dict[str, Any] | None:
    """GitHub's record of a registry, from ``snapshot`` (one list of the org, taken for this kind of
    write), or one GET when the list leaves it out (too new for the list) or lags behind ``since``;
    None when it is gone.

    A 404 for the list is the org, not the registry (GitHub hides orgs the token cannot see): it
    is raised, for reading it as "gone" would forget a registry that stays with live credentials.
    """
    record = snapshot.lookup(org, name, client.list_registries)
    if record is not None and not later(since, record.get("updated_at")):
        return record
    try:
        return client.get_registry(org, name)
    except NotFound:
        return None  # the org was listed: the registry is not there


@_guarded
@budgeted  # one budget of rate-limit waits for all its requests
def delete(runtime: Runtime, id_: str, props: Mapping[str, Any], secret: Secret = frozenset()) -> None:
    """DELETE the registry, unless it changed at GitHub since this resource last saw it.

    A registry that another resource of this deployment created or adopted (this one was renamed,
    and the new one adopted it) is not deleted: this resource only leaves the state. One that
    changed since this resource's last write or read (its ``updated_at`` moved) is not deleted
    either: another resource, maybe in another provider process or stack, may manage it now. That
    is learnt from one list of the org, taken for this process's deletes. Already gone counts as
    deleted.
    """
    org, name = locate(id_, props, runtime.audience, secret)
    if runtime.claims.held_by_another(org, name, fingerprint(props)):
        log.warning(
            "%s",
            redact(
                f"OrgPrivateRegistry {org}/{name}: not deleted at GitHub, only dropped from the state: "
                "another resource of this deployment created or adopted it (a rename)"
            ),
        )
        return
    client = runtime.client(org, name)
    seen = last_seen(props)
    try:
        record = _current(runtime.deleting, client, org, name, seen)
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "delete it", exc) from None
    if record is None:
        _forget(runtime, org, name)  # already gone
        return
    if is_unresolved(props) and mismatched_fields(sent_by(props), record):
        # The create a cancel cut short made nothing; this registry was made by someone else.
        log.warning(
            "%s",
            redact(
                f"OrgPrivateRegistry {org}/{name}: not deleted at GitHub, only dropped from the state: "
                "its create was cancelled before GitHub answered, and the registry there now differs "
                "from what that create sent (someone else made it)"
            ),
        )
        _forget(runtime, org, name)
        return
    if changed_since(record, seen):
        raise RegistryError(
            "changed_since_seen",
            runtime.audience,
            (org, name),
            updated=schema.shown(record.get("updated_at"), 40),
            seen=schema.shown(seen, 40),
        )
    try:
        client.delete_registry(org, name)
    except NotFound:
        # GitHub also answers 404 for an org the token cannot see (wrong token or base URL):
        # only an org list without the registry proves it gone, else it would stay at GitHub
        # with live credentials while the stack forgets it.
        try:
            listed = client.list_registries(org)
        except GitHubError as exc:
            raise fail(runtime.audience, org, name, "delete it", exc) from None
        if any(str(r.get("name", "")).upper() == name.upper() for r in listed):
            raise fail(
                runtime.audience, org, name, "delete it", "GitHub answers 404 to DELETE but still lists it"
            ) from None
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "delete it", exc) from None
    _forget(runtime, org, name)


def _forget(runtime: Runtime, org: str, name: str) -> None:
    """The registry is gone: no snapshot holds it, and it may be claimed again (a replacement)."""
    for snapshot in (runtime.inventory, runtime.updating, runtime.deleting):
        snapshot.forget(org, name)
    runtime.claims.release(org, name)


# --- the data source -----------------------------------------------------------------------------


@_guarded
@budgeted  # one budget of rate-limit waits for all its requests
def registries(runtime: Runtime, org: str | None) -> list[dict[str, Any]]:
    """Every registry of ``org`` (default: the configured owner) as GitHub reports it, with its id.

    One list call; nothing is cached or claimed (a program may read before it declares).
    """
    org = org if org is not None else runtime.settings.owner
    problem = schema.org_problem(org)
    if problem is not None or org is None:
        shown = schema.render(problem, runtime.audience) if problem else "'org' is required"
        raise RegistryError("list_no_org", runtime.audience, problem=shown)
    client = runtime.client(org, "*")
    try:
        listed = client.list_registries(org)
    except GitHubError as exc:
        raise RegistryError("list_failed", runtime.audience, org=org, words=github_words(exc)) from None
    return [
        {**{f: r[f] for f in schema.RESPONSE_FIELDS if f in r}, "id": f"{org}/{r['name']}"} for r in listed
    ]


# --- refresh -------------------------------------------------------------------------------------


@_guarded
@budgeted  # one budget of rate-limit waits for all its requests
def read(runtime: Runtime, id_: str, props: Mapping[str, Any], secret: Secret = frozenset()) -> Refreshed:
    """Refresh from the org's list (one call per org), GET where the list lacks what state has.

    With only an id (an import), the outputs and inputs are the registry as GitHub reports it, and
    a registry that does not exist is an error that shows the id's form (a refresh drops it instead).
    """
    org, name = locate(id_, props, runtime.audience, secret)
    importing = not props
    client = runtime.client(org, name)
    try:
        # A 404 here is the org, not the registry: GitHub hides orgs the token cannot see,
        # and reading that as "gone" would drop every registry of the org from the state.
        record = runtime.inventory.lookup(org, name, client.list_registries)
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "list the org's registries", exc) from None
    try:
        if record is None:
            record = client.get_registry(org, name)  # gone, or too new for the list
            runtime.inventory.record(org, record)
        elif runtime.unlisted(props, record):
            # One GET at a time, so that what it teaches spares the threads waiting here.
            with runtime.learning:
                missing = runtime.unlisted(props, record)
                if missing:
                    record = client.get_registry(org, name)
                    runtime.inventory.record(org, record)
                    # GET and list share one schema: what the GET leaves out too, GitHub
                    # does not report, and asking for other registries would learn nothing.
                    runtime.learn_unreported([f for f in missing if f not in record])
    except NotFound:
        if importing:
            raise RegistryError("nothing_to_import", runtime.audience, (org, name)) from None
        return Refreshed("", {}, {})
    except GitHubError as exc:
        raise fail(runtime.audience, org, name, "read it", exc) from None
    if is_unresolved(props):
        # A create a cancel left unresolved: kept as it is (the next update finishes it) when GitHub
        # holds what it sent; dropped when the registry there is someone else's.
        if mismatched_fields(sent_by(props), record):
            return Refreshed("", {}, {})
        return Refreshed(
            f"{org}/{name}",
            dict(props),
            {k: props[k] for k in schema.INPUT_FIELDS if props.get(k) is not None},
        )
    # An import starts from the id alone: the org comes from it, and GitHub's time is ours.
    outs = dict(props) if not importing else {"org": org, "updated_at": record.get("updated_at")}
    for field in schema.REPORTED_FIELDS:
        # A field GitHub does not report at all keeps its state (GitHub's own examples omit
        # `url` and `auth_type`; reading those as None would plan a replacement). An explicit
        # null is a cleared field; any outside change also moves `remote_updated_at`.
        if field in record:
            outs[field] = record[field]
    outs.update(
        name=record.get("name", name),
        created_at=record.get("created_at", props.get("created_at")),
        remote_updated_at=record.get("updated_at"),
    )
    inputs = {k: outs[k] for k in schema.INPUT_FIELDS if outs.get(k) is not None}
    return Refreshed(f"{org}/{name}", outs, inputs)
