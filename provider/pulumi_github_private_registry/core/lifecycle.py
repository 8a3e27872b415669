"""The registry's lifecycle: check, diff, create, read, update and delete, without Pulumi.

Each operation takes a :class:`Runtime` (the settings, the client, the key cache, the inventory and
the claims of one provider process) and plain mappings in the declaration's field names (GitHub's,
see :mod:`.schema`), and returns a small result of its own: :class:`Checked`, :class:`Plan`,
:class:`Written`, :class:`Refreshed`. A front door (the dynamic provider, the plugin) converts its
protocol's values to these and back; values not known during preview arrive as
:data:`.schema.UNKNOWN`. Failures the user sees are :class:`RegistryError`.

Requests per operation (the fewest possible): check and diff make none; create lists the org once
per runtime and fetches its key once, then POSTs; read is served by the org's list; update PATCHes
what changed then GETs once (PATCH returns no body); delete DELETEs.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from . import schema
from .crypto import PublicKeyCache, Sealed, seal
from .errors import (
    CANCELLED,
    Cancelled,
    GitHubError,
    NotFound,
    OutcomeUnknown,
    ValidationFailed,
    bounded,
    redact,
    remember_secret,
)
from .inventory import Claim, Claims, Inventory
from .pacing import budgeted
from .schema import Problem, is_unknown
from .settings import Settings

if TYPE_CHECKING:
    # Imported where first needed: `requests` would double the time to answer the first check.
    from .client import GitHubClient
    from .pacing import Limits

__all__ = [
    "Checked",
    "Plan",
    "Refreshed",
    "RegistryError",
    "Runtime",
    "Unresolved",
    "Written",
    "cancel",
    "cancelled_message",
    "changed_since",
    "check",
    "create",
    "delete",
    "diff",
    "last_seen",
    "read",
    "registries",
    "update",
]

T = TypeVar("T")
FRESH_LIST_SECONDS: Final = 10.0
"""How long one list of an org serves a process's updates or deletes: a burst of them (a
deployment's closing deletes) costs one list, and a write made elsewhere since is seen within it."""
Secret = frozenset[str]
"""The fields (the core's names) whose values a door received marked secret: never quoted."""
log = logging.getLogger(__name__)


class RegistryError(Exception):
    """A failure the user sees: names the org and the registry, says what to do.

    Its text goes through the one redaction step (no token, no ``Authorization`` value, no URL
    user-info) and is bounded, so that it fits a protocol's error channel.
    """

    def __init__(self, message: str) -> None:
        super().__init__(bounded(message, 4000))


class Unresolved(RegistryError):
    """A create cancelled before GitHub answered it: the registry may exist or not.

    A door keeps ``id`` and ``outputs`` (the declaration sent, no time of GitHub's) in the state as
    a resource not yet created (the plugin's partial failure); the next update finds out
    (:func:`update`): it keeps the registry this create made, or creates it.
    """

    def __init__(self, message: str, id_: str, outputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.id = id_
        self.outputs = outputs


def cancel() -> None:
    """The engine's Cancel: every operation of the process ends now, and none sends anything more."""
    from .pacing import process_cancellation

    process_cancellation().cancel()


def cancelled_message(what: str = "OrgPrivateRegistry") -> str:
    """What an operation ended by a cancel answers when its door stops waiting for it."""
    return f"{what}: {CANCELLED}."


class _Gone(RegistryError):
    """The registry was deleted at GitHub while this resource wrote to it."""


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A declaration with its defaults filled in, and what is wrong with it."""

    inputs: dict[str, Any]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Plan:
    """What an update of a registry does: nothing, an in-place change, or a replacement.

    ``fields`` are the declared fields that change (a secret as ``value`` or ``value_encrypted``,
    never its content); ``drifted``: GitHub changed the registry outside Pulumi, so everything
    declared is sent again.
    """

    changes: bool
    replaces: tuple[str, ...]
    delete_before_replace: bool
    fields: tuple[str, ...] = ()
    drifted: bool = False


@dataclass(frozen=True)
class Written:
    """A registry as a create or update left it: its id ``{org}/{name}`` and every output."""

    id: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Refreshed:
    """A registry as GitHub reports it: outputs and inputs; an empty ``id`` when it is gone."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


# --- the runtime ---------------------------------------------------------------------------------


class Runtime:
    """What the lifecycle works with in one provider process: settings, clients and caches.

    Thread-safe: the provider's threads share it. Clients are made on first use (a preview never
    imports the HTTP stack) with this runtime's limits, and pace writes on the process's one clock.
    :meth:`shared` gives every front-door instance configured alike in one process the same runtime.
    """

    _shared: ClassVar[dict[tuple[Any, ...], Runtime]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, settings: Settings, audience: schema.Audience = schema.DECLARATION) -> Runtime:
        """The process's runtime for ``settings`` (compared with the token as a digest).

        A door may hold several instances in one process: Pulumi's dynamic-provider host makes one
        per distinct ``__provider`` blob, and a state written by another Python or dill version holds
        other bytes than the program's. Their deletes (from the state) and creates (from the program)
        must see the same claims, or a renamed resource's delete would remove what the new one
        adopted; and one list per org serves them all.
        """
        key = (settings.identity, audience.name)  # the doors never share a process; tests may
        with cls._shared_lock:
            runtime = cls._shared.get(key)
            if runtime is None:
                runtime = cls._shared[key] = cls(settings, audience)
            return runtime

    def __init__(self, settings: Settings, audience: schema.Audience = schema.DECLARATION) -> None:
        self.settings = settings
        self.audience = audience
        """Who reads this runtime's errors: how they name the resource's fields."""
        self.keys = PublicKeyCache()
        self.inventory = Inventory()
        self.updating = Inventory(ttl=FRESH_LIST_SECONDS)
        """The org's list as taken for this process's updates: has a record moved since its state?"""
        self.deleting = Inventory(ttl=FRESH_LIST_SECONDS)
        """The org's list as taken for this process's deletes, never from an earlier read or write:
        another process (another provider configuration) may have adopted a registry since."""
        self.claims = Claims()
        self._client: GitHubClient | None = None
        self._lock = threading.Lock()
        self._unreported: set[str] = set()  # fields a GET showed GitHub leaves out of its answers
        self.learning = threading.Lock()
        """Held while a GET learns which fields GitHub leaves out of its answers."""
        remember_secret(settings.token)

    @property
    def limits(self) -> Limits:
        """The client's limits, from the settings."""
        from .pacing import limits_for

        return limits_for(self.settings)

    def client(self, org: str, name: str) -> GitHubClient:
        """The client for the settings; ``org``/``name`` name the registry when no token is set."""
        from .client import GitHubClient
        from .credentials import credentials_for
        from .pacing import process_throttle

        current = self.settings
        if current.app is None and not current.token and org.lower() not in dict(current.tokens):
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: no GitHub token: set it with "
                f"`pulumi config set --secret {current.token_key}` (it prompts for the token, which "
                "keeps it out of your shell history), or export GITHUB_TOKEN from a file or a "
                'credential helper (`export GITHUB_TOKEN="$(cat ~/.config/github-token)"` or '
                '`export GITHUB_TOKEN="$(gh auth token)"`); or give a token for this org in '
                f"{current.tokens_key}, or a GitHub App"
            )
        with self._lock:
            if self._client is None:
                # This runtime's own limits (timeout, retry budget, concurrency, write delay); only
                # the clock that paces writes is the process's.
                limits = self.limits
                self._client = GitHubClient(
                    credentials_for(current),
                    current.base_url,
                    limits=limits,
                    throttle=process_throttle(limits),
                    base_url_source=current.base_url_source,
                    api_version=current.api_version,
                )
            return self._client

    def wrote(self, org: str, record: Mapping[str, Any]) -> None:
        """Note a registry as our own write (or the read after it) left it.

        The deletes' list is dropped: a process that writes again is no longer in a deployment's
        closing deletes, and other processes may write before those come (the engine deletes last).
        """
        self.inventory.record(org, record)
        self.updating.record(org, record)
        self.deleting.clear(org)

    def unlisted(self, props: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        """Fields the state has that the org's list left out of ``record`` (unless never reported)."""
        with self._lock:
            return [
                f
                for f in schema.REPORTED_FIELDS
                if props.get(f) is not None and f not in record and f not in self._unreported
            ]

    def learn_unreported(self, fields: list[str]) -> None:
        """GitHub's GET leaves these out too: no registry's answer will have them."""
        with self._lock:
            self._unreported.update(fields)


# --- comparing -----------------------------------------------------------------------------------


def normalized(field: str, value: Any) -> Any:
    """A value as compared by diff: ids as a sorted set of ints, defaults made explicit.

    State may hold anything (hand-edited, or written by another version): ids that are not a list
    of finite whole numbers compare as they are, so diff plans an update instead of crashing.
    """
    if field == "selected_repository_ids":
        if not value:
            return None
        if not isinstance(value, (list, tuple)) or not all(_is_whole(i) for i in value):
            return ("unusable", repr(value)[:200])
        return sorted({int(i) for i in value})
    if field == "replaces_base":
        return bool(value)
    if value == "":
        return None
    return value


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )


def changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Updatable fields whose declared value differs from the state's (unknown counts as changed)."""
    changed = []
    for field in schema.UPDATABLE_FIELDS:
        new = news.get(field)
        if is_unknown(new) or normalized(field, olds.get(field)) != normalized(field, new):
            changed.append(field)
    return changed


def unclearable(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Fields set in ``olds`` that ``news`` drops and GitHub cannot clear in place (not nullable).

    Repository ids are left out: they go away with a visibility other than ``selected``.
    """
    return [
        f
        for f in schema.UPDATABLE_FIELDS
        if f not in schema.NULLABLE_FIELDS
        and f != "selected_repository_ids"
        and olds.get(f) is not None
        and news.get(f) is None
    ]


def value_changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the declared secret differs from the one in state (compared as plaintext)."""
    if news.get("value") is not None:
        return is_unknown(news["value"]) or news["value"] != olds.get("value")
    if news.get("value_encrypted") is not None:
        return any(
            is_unknown(news.get(f)) or news.get(f) != olds.get(f) for f in ("value_encrypted", "key_id")
        )
    return olds.get("value") is not None or olds.get("value_encrypted") is not None


def drifted(olds: Mapping[str, Any], news: Mapping[str, Any] | None = None) -> bool:
    """Whether a refresh saw the registry change outside Pulumi since our last write.

    With ``ignore_value_drift`` declared, that alone is not drift: GitHub's time moves for a secret
    rotated elsewhere too, and what else changed is in the refreshed fields (``changed_fields``).
    """
    if news is not None and news.get("ignore_value_drift") is True:
        return False
    remote = olds.get("remote_updated_at")
    return remote is not None and remote != olds.get("updated_at")


def _same_org(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


# --- naming --------------------------------------------------------------------------------------


def _locate(
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
        raise RegistryError(
            f"OrgPrivateRegistry: the id {bounded(repr(id_), 120)} is not '{{org}}/{{NAME}}' (an "
            "organization login, then a configuration name such as NPM_REGISTRY_SECRET): nothing was "
            "sent to GitHub and nothing changed. Fix the id in the state (`pulumi state edit`) or the "
            "one given to import."
        )
    where, registry_type = props.get("org"), props.get("registry_type")
    if schema.org_problem(where) is not None or registry_type not in schema.REGISTRY_TYPES:
        org_shown, type_shown = (
            schema.SECRET_SHOWN if field in secret else schema.shown(value, 60)
            for field, value in (("org", where), ("registry_type", registry_type))
        )
        raise RegistryError(
            f"OrgPrivateRegistry: the state holds no usable org and {audience.name('registry_type')} "
            f"({org_shown}, {type_shown}): nothing was sent to GitHub and nothing changed."
        )
    return str(where), schema.configuration_name(str(registry_type))


def _label(props: Mapping[str, Any], secret: Secret = frozenset()) -> str:
    """How an error tells resources apart: the protocol does not give their names, but their URLs.

    Only a URL's ``scheme://host`` is shown (its path or query may hold a deploy token), and nothing
    of a URL that arrived secret.
    """
    url = props.get("url")
    if "url" in secret:
        return f"url {schema.SECRET_SHOWN}"
    return f"url {schema.shown(schema.url_shown(str(url)) if isinstance(url, str) else url, 200)}"


def _fingerprint(outs: Mapping[str, Any]) -> str:
    """What tells one resource's outputs from another's for the same registry."""
    return json.dumps(
        [outs.get(f) for f in ("created_at", "updated_at", "value_encrypted", "key_id")], default=str
    )


def _two_resources(
    org: str, name: str, other: Claim, props: Mapping[str, Any], secret: Secret = frozenset()
) -> RegistryError:
    """The error for a registry that another resource of this deployment manages."""
    return RegistryError(
        f"OrgPrivateRegistry {org}/{name}: two OrgPrivateRegistry resources of this deployment "
        f"declare it: one with {other.label}, and this one with {_label(props, secret)}. GitHub allows one "
        "registry per type in an org: keep one declaration (with `adopt`, both would succeed and "
        "their states would disagree with GitHub and with each other). If you renamed the resource, "
        "give the new one `aliases` with the old name."
    )


def _fail(org: str, name: str, action: str, exc: GitHubError | str) -> RegistryError:
    return RegistryError(f"OrgPrivateRegistry {org}/{name}: could not {action}: {_github(exc)}")


def _rejects_key(exc: ValidationFailed) -> bool:
    """Whether GitHub refused the sealed value because the key it was sealed with is not current."""
    text = " ".join([exc.message, *exc.errors]).lower()
    return bool({"key_id", "encrypted_value"} & set(exc.fields)) or "key_id" in text or "decrypt" in text


def _already_exists(exc: ValidationFailed) -> bool:
    return "already exist" in " ".join([exc.message, *exc.errors]).lower()


_operation = threading.local()
"""What the operation running in this thread was given: the values GitHub's words may quote."""


def _github(exc: GitHubError | str) -> str:
    """GitHub's words about a failure, without what a message must not quote.

    GitHub's refusals may quote what was sent (``"https://…/deploy-token/" is not a uri``): a url
    keeps only its ``scheme://host``, and a value that arrived secret (the operation's
    :data:`Secret` set) none of it. Only GitHub's part of a message is changed, never our words.
    """
    arguments: list[Any] = getattr(_operation, "arguments", [])
    secret = next((a for a in arguments if isinstance(a, frozenset)), frozenset())
    urls: dict[str, bool] = {}
    values: set[str] = set()
    for props in (a for a in arguments if isinstance(a, Mapping)):
        for field, value in props.items():
            if isinstance(value, str) and field == "url":
                urls[value] = "url" in secret
            elif isinstance(value, str) and field in secret:
                values.add(value)
    return schema.unquoted(str(exc), urls.items(), sorted(values, key=len, reverse=True))


def _guarded(operation: Callable[..., T]) -> Callable[..., T]:
    """Let only :class:`RegistryError` out: anything else is a defect, shown redacted and bounded.

    A protocol reports an exception with its traceback and its chain; an unexpected one (a
    ``KeyError`` on odd state, a library's error quoting a header) must not carry a credential or a
    value into the user's terminal.
    """

    @functools.wraps(operation)
    def guarded(*args: Any, **kwargs: Any) -> T:
        _operation.arguments = [*args, *kwargs.values()]
        try:
            return operation(*args, **kwargs)
        except RegistryError:
            raise
        except Exception as exc:  # the safety net itself
            raise RegistryError(
                f"OrgPrivateRegistry: internal error in {operation.__name__} ({type(exc).__name__}: "
                f"{bounded(_github(str(exc)), 300)}); nothing more was sent to GitHub. Please report it."
            ) from None
        finally:
            _operation.arguments = []

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
    problems = schema.declaration_problems(inputs, default_org=owner)
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
        org, name = _locate(id_, olds, runtime.audience, secret)
    except RegistryError:
        pass  # a malformed id fails where a request would be made, not in a plan
    else:
        other = runtime.claims.observe(org, name, _label(olds, secret), _fingerprint(olds))
        if other is not None:
            raise _two_resources(org, name, other, olds, secret)
    replaces = []
    for field in schema.REPLACE_FIELDS:
        old, new = olds.get(field), news.get(field)
        if field == "auth_type":
            old, new = schema.auth_type_of(olds), schema.auth_type_of(news)
        if is_unknown(new) or not (old == new or (field == "org" and _same_org(old, new))):
            replaces.append(field)
    # GitHub cannot clear these once set: dropping one from the declaration needs a new registry.
    replaces += unclearable(olds, news)
    fields = [*replaces, *(f for f in changed_fields(olds, news) if f not in replaces)]
    if value_changed(olds, news):
        fields.append("value_encrypted" if news.get("value_encrypted") is not None else "value")
    changes = bool(fields) or drifted(olds, news)
    # The name derives from the type, so a new registry of the same type in the same org can
    # exist only once the old one is gone.
    same_name = _same_org(olds.get("org"), news.get("org")) and olds.get("registry_type") == news.get(
        "registry_type"
    )
    # Also for a replacement the engine decides (replaceOnChanges, --target-replace): two
    # registries of one name cannot exist side by side.
    return Plan(
        changes=changes,
        replaces=tuple(replaces),
        delete_before_replace=same_name,
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
    org, name = _locate("", props, runtime.audience, secret)
    made, seen = runtime.claims.begin(org, name, _label(props, secret))
    if made is not None:
        raise _two_resources(org, name, made, props, secret)
    try:
        result = _create(runtime, org, name, props, seen, secret)
    except BaseException:
        runtime.claims.restore(org, name, seen)
        raise
    runtime.claims.settle(org, name, _label(props, secret), _fingerprint(result.outputs))
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
        raise _fail(org, name, "list the org's registries", exc) from None
    if existing is None:
        created = _post(runtime, client, org, name, props)
        if created is not None:
            return created
        try:  # made since the org was listed
            existing = client.get_registry(org, name, expect_exists=True)
        except GitHubError as exc:
            raise _fail(org, name, "look it up", exc) from None
    if seen is not None:
        raise _two_resources(org, name, seen, props, secret)
    return _take_over(runtime, client, org, name, props, existing, secret)


def _post(
    runtime: Runtime, client: GitHubClient, org: str, name: str, props: Mapping[str, Any]
) -> Written | None:
    """POST; None when GitHub says the registry already exists."""
    body = schema.to_rest_body({k: v for k, v in props.items() if v is not None})
    try:
        record, sealed = _send_secret(
            runtime, client, org, props, body, lambda b: client.create_registry(org, b)
        )
    except OutcomeUnknown:
        return _resolve_unknown_create(runtime, client, org, name, props, body)
    except ValidationFailed as exc:
        if _already_exists(exc):
            return None
        raise _fail(org, name, "create it", exc) from None
    except GitHubError as exc:
        raise _fail(org, name, "create it", exc) from None
    runtime.wrote(org, record)
    return Written(f"{org}/{name}", _outputs(props, record, sealed, None))


def _take_over(
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
    outs = _patch(runtime, client, org, name, props, fields, send_value=True)
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
                f"the create, and looking it up failed too: {_github(exc)} It may exist at GitHub now: "
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
            record, sealed = _send_secret(
                runtime, client, org, props, body, lambda b: client.create_registry(org, b)
            )
        except Cancelled:
            return _settle_cancelled_create(runtime, client, org, name, props, body)
        except OutcomeUnknown as exc:
            second = _github(exc)
            continue  # look once more: it may have been applied
        except ValidationFailed as exc:
            if not _already_exists(exc):
                raise _fail(org, name, "create it (second attempt after no answer)", exc) from None
            second = "GitHub says it already exists."
            continue  # the first POST landed late: look again
        except GitHubError as exc:
            raise _fail(org, name, "create it (second attempt after no answer)", exc) from None
        runtime.wrote(org, record)
        return Written(f"{org}/{name}", _outputs(props, record, sealed, None))
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
    if found is not None and _mismatched(body, found):
        _claim_unanswered(runtime, client, org, name, props, body, found)  # raises: someone else's
    if found is not None and not schema.takes_secret(props):
        runtime.wrote(org, found)
        return Written(f"{org}/{name}", _outputs(props, found, None, None))
    raise Unresolved(
        f"OrgPrivateRegistry {org}/{name}: {CANCELLED} before GitHub answered the create, so its "
        "outcome is unknown"
        + (" (the registry exists, but its value must be sent again)" if found is not None else "")
        + ". It is kept in the state as not created yet: the next `pulumi up` looks it up, keeps the "
        "registry this create made or creates it (GitHub allows one per type: no duplicate); "
        "`pulumi refresh` drops it from the state if it was not made, or was made by someone else.",
        f"{org}/{name}",
        _outputs(props, {"name": name}, None, None),
    )


def _mismatched(body: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The fields of ``record`` that differ from what ``body`` sent (those GitHub reports)."""
    return [
        f
        for f in schema.RESPONSE_FIELDS
        if f in body and f in record and normalized(f, record[f]) != normalized(f, body[f])
    ]


def _unresolved(props: Mapping[str, Any]) -> bool:
    """Whether the state holds a create a cancel left unresolved (:class:`Unresolved`): what it sent,
    and no time of GitHub's."""
    return bool(props) and props.get("created_at") is None and props.get("updated_at") is None


def _sent_by(props: Mapping[str, Any]) -> dict[str, Any]:
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
    mismatched = _mismatched(body, record)
    if mismatched:
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: GitHub did not answer the create, and a registry "
            f"{name} now exists whose {', '.join(map(runtime.audience.name, mismatched))} differ from "
            "what was sent: it was made by someone else. Delete it at GitHub or set `adopt: true`, "
            "then run again."
        )
    runtime.wrote(org, record)
    if not schema.takes_secret(props):
        return Written(f"{org}/{name}", _outputs(props, record, None, None))
    # It is ours, but GitHub holds no readable trace of which value came with it: send the
    # value once more so that state and GitHub surely agree.
    try:
        return Written(f"{org}/{name}", _patch(runtime, client, org, name, props, [], send_value=True))
    except _Gone:
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
    org, name = _locate(id_, olds, runtime.audience, secret)
    client = runtime.client(org, name)
    if olds.get("created_at") is None and olds.get("updated_at") is None:
        written = _resume_create(runtime, client, org, name, olds, news, secret)
        runtime.claims.settle(org, name, _label(news, secret), _fingerprint(written.outputs))
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
            raise _fail(org, name, "list the org's registries", exc) from None
        moved = current is not None and changed_since(current, since)
    if moved:
        fields = [f for f in schema.UPDATABLE_FIELDS if news.get(f) is not None or olds.get(f) is not None]
        send_value = news.get("ignore_value_drift") is not True or value_changed(olds, news)
    else:
        fields = changed_fields(olds, news)
        send_value = value_changed(olds, news)
    outs = _patch(runtime, client, org, name, news, fields, send_value=send_value, olds=olds)
    runtime.claims.settle(org, name, _label(news, secret), _fingerprint(outs))
    return Written(f"{org}/{name}", outs)


def _resume_create(
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
        raise _fail(org, name, "look up the create an earlier run left unresolved", exc) from None
    if found is None:
        created = _post(runtime, client, org, name, news)
        if created is not None:
            return created
        try:  # made since the lookup: the earlier create landed late, or someone else's
            found = client.get_registry(org, name, expect_exists=True)
        except GitHubError as exc:
            raise _fail(org, name, "look it up", exc) from None
    mismatched = _mismatched(_sent_by(olds), found)
    if mismatched and not news.get("adopt"):
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: an earlier run's create went unanswered, and the "
            f"registry {name} at GitHub has {', '.join(map(runtime.audience.name, mismatched))} other "
            "than that create sent: it was made by someone else. Delete it at GitHub or set "
            "`adopt: true`, then run again."
        )
    fields = [f for f in schema.UPDATABLE_FIELDS if news.get(f) is not None or found.get(f) is not None]
    return Written(f"{org}/{name}", _patch(runtime, client, org, name, news, fields, send_value=True))


def last_seen(props: Mapping[str, Any]) -> Any:
    """When the state last saw its registry: its last read (``remote_updated_at``), else its last
    write (``updated_at``); GitHub's times."""
    return props.get("remote_updated_at") or props.get("updated_at")


def changed_since(record: Mapping[str, Any], since: Any) -> bool:
    """Whether GitHub's ``record`` changed after ``since`` (a time of GitHub's the state holds): its
    ``updated_at`` is later. An earlier time (a list that lags) or none tells nothing: not changed.

    Times only: the fields the state holds are the declared ones, which GitHub may store tidied (a
    url's trailing slash), so comparing them would refuse deletes of what we wrote ourselves. GitHub's
    times have whole seconds: a write elsewhere in the second of ours goes unseen.
    """
    return _later(record.get("updated_at"), since)


def _later(now: Any, then: Any) -> bool:
    """Whether GitHub's time ``now`` is after ``then`` (ISO 8601; unreadable ones: when they differ)."""
    if not isinstance(now, str) or not isinstance(then, str) or now == then:
        return False
    try:
        return _instant(now) > _instant(then)
    except ValueError:
        return True  # not GitHub's shape: differing is all that can be told


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text[:64].replace("Z", "+00:00"))  # Python 3.10 reads no "Z"
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


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
    if record is not None and not _later(since, record.get("updated_at")):
        return record
    try:
        return client.get_registry(org, name)
    except NotFound:
        return None  # the org was listed: the registry is not there


def _patch(
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
                _, sealed = _send_secret(
                    runtime, client, org, props, body, lambda b: client.update_registry(org, name, b)
                )
            else:
                client.update_registry(org, name, body)
            record = client.get_registry(org, name, expect_exists=True)
        except NotFound:
            for snapshot in (runtime.inventory, runtime.updating):
                snapshot.forget(org, name)
            raise _Gone(
                f"OrgPrivateRegistry {org}/{name}: it no longer exists at GitHub (deleted outside "
                "Pulumi). Run `pulumi refresh` to drop it from the state, then `pulumi up` to "
                "create it again."
            ) from None
        except GitHubError as exc:
            raise _fail(org, name, "update it", exc) from None
        runtime.wrote(org, record)
    else:
        # Nothing GitHub holds changes (say, only `adopt`): no request, and the state keeps what
        # it last saw of GitHub (a refresh's `remote_updated_at`: reset, a later delete would take
        # GitHub's newer time for a change made since, and refuse).
        old = olds or {}
        record = {"name": name, "created_at": old.get("created_at"), "updated_at": old.get("updated_at")}
        outs = _outputs(props, record, sealed, olds)
        outs["remote_updated_at"] = old.get("remote_updated_at") or old.get("updated_at")
        return outs
    return _outputs(props, record, sealed, olds)


def _send_secret(
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
            if sealed is None or not _rejects_key(exc):
                raise
            if props.get("value") is None:
                # Sealed by the user: only they can seal it again.
                name = schema.configuration_name(str(props["registry_type"]))
                sealed_field, key_field = map(runtime.audience.name, ("value_encrypted", "key_id"))
                raise RegistryError(
                    f"OrgPrivateRegistry {org}/{name}: GitHub refused {sealed_field} "
                    f"({_github(exc.detail)}): "
                    "it must be sealed with the org's current private-registries key, which may have "
                    "been rotated. Seal the value again with the key from "
                    f"GET /orgs/{org}/private-registries/public-key and set {sealed_field} and "
                    f"{key_field} to match, or declare the plaintext `value` as a secret and let the "
                    "provider seal it."
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
    org, name = _locate(id_, props, runtime.audience, secret)
    if runtime.claims.held_by_another(org, name, _fingerprint(props)):
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
        raise _fail(org, name, "delete it", exc) from None
    if record is None:
        _forget(runtime, org, name)  # already gone
        return
    if _unresolved(props) and _mismatched(_sent_by(props), record):
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
            f"OrgPrivateRegistry {org}/{name}: not deleted: it was changed at GitHub since this "
            f"resource last saw it (updated at {schema.shown(record.get('updated_at'), 40)}; this "
            f"resource's state has {schema.shown(seen, 40)}"
            "). Another resource or stack may manage it now (an `adopt: true`, or a move to another "
            "provider). To delete it anyway, run `pulumi refresh` and then run again; to leave it at "
            "GitHub, remove this resource from the state instead (`pulumi state delete <urn>`)."
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
            raise _fail(org, name, "delete it", exc) from None
        if any(str(r.get("name", "")).upper() == name.upper() for r in listed):
            raise _fail(org, name, "delete it", "GitHub answers 404 to DELETE but still lists it") from None
    except GitHubError as exc:
        raise _fail(org, name, "delete it", exc) from None
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
        shown = schema.render(problem) if problem else "'org' is required"
        raise RegistryError(
            f"getOrgPrivateRegistries: {shown}: give `org`, or configure the provider's owner"
        )
    client = runtime.client(org, "*")
    try:
        listed = client.list_registries(org)
    except GitHubError as exc:
        raise RegistryError(
            f"getOrgPrivateRegistries: could not list the registries of '{org}': {_github(exc)}"
        ) from None
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
    org, name = _locate(id_, props, runtime.audience, secret)
    importing = not props
    client = runtime.client(org, name)
    try:
        # A 404 here is the org, not the registry: GitHub hides orgs the token cannot see,
        # and reading that as "gone" would drop every registry of the org from the state.
        record = runtime.inventory.lookup(org, name, client.list_registries)
    except GitHubError as exc:
        raise _fail(org, name, "list the org's registries", exc) from None
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
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: GitHub has no private registry {name} in org "
                f"'{org}' (or the token cannot see it): nothing to import. The id is "
                "'{org}/{NAME}', the org's login and the configuration name, such as "
                f"'{org}/NPM_REGISTRY_SECRET'; `python -m pulumi_github_private_registry discover "
                f"--org {org} --format import` lists the org's registries with their ids."
            ) from None
        return Refreshed("", {}, {})
    except GitHubError as exc:
        raise _fail(org, name, "read it", exc) from None
    if _unresolved(props):
        # A create a cancel left unresolved: kept as it is (the next update finishes it) when GitHub
        # holds what it sent; dropped when the registry there is someone else's.
        if _mismatched(_sent_by(props), record):
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


def _outputs(
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
