"""``OrgPrivateRegistryProvider``: check, diff, create, read, update and delete.

The only module that knows Pulumi's dynamic-provider protocol. It is pickled by reference into
every resource's state (``__provider``), so the class holds no attributes at all: credentials and
limits are read in :meth:`OrgPrivateRegistryProvider.configure` into process-wide settings, or from
the environment at call time. One provider process serves every resource of a deployment on four
gRPC threads, so the shared pieces (settings, clients, the public-key cache, the inventory) are
module-level and locked.

Requests per operation (issue: the fewest possible): check and diff make none; create lists the
org once per deployment and fetches its key once, then POSTs; read is served by the org's list;
update PATCHes what changed then GETs once (PATCH returns no body); delete DELETEs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from .core import schema, settings
from .core.crypto import PublicKeyCache, Sealed, seal
from .core.errors import (
    GitHubError,
    NotFound,
    OutcomeUnknown,
    ValidationFailed,
    bounded,
    redact,
    remember_secret,
)
from .core.inventory import Claim, Claims, Inventory

if TYPE_CHECKING:
    # Imported where first needed: `requests` would double the time to answer the first Check.
    from .core.client import GitHubClient, Limits, Throttle

__all__ = ["OrgPrivateRegistryProvider", "RegistryError", "Settings", "current_settings"]

T = TypeVar("T")
log = logging.getLogger(__name__)

# Fields an in-place update can change: everything declared but what forces a replacement, the
# secret (compared as a whole below) and `adopt`, which only matters at create.
UPDATABLE_FIELDS: tuple[str, ...] = tuple(
    f
    for f in schema.INPUT_FIELDS
    if f not in schema.REPLACE_FIELDS and f != "adopt" and f not in schema.SECRET_INPUTS
)
# Fields GitHub reports back, in declaration terms (what a refresh can see drift in).
REPORTED_FIELDS: tuple[str, ...] = tuple(
    f for f in schema.RESPONSE_FIELDS if f in schema.INPUT_FIELDS and f != "org"
)


class RegistryError(Exception):
    """A failure the user sees: names the org and the registry, says what to do.

    Its text goes through the one redaction step (no token, no ``Authorization`` value, no URL
    user-info) and is bounded, so that it fits the engine's error channel.
    """

    def __init__(self, message: str) -> None:
        super().__init__(bounded(message, 4000))


@dataclass(frozen=True)
class Settings:
    """Where and how to reach GitHub. ``__repr__`` never shows the token."""

    token: str | None
    base_url: str | None
    owner: str | None
    numbers: Mapping[settings.Setting, float]
    token_source: str = settings.TOKEN.key
    base_url_source: str = settings.BASE_URL.key

    @property
    def limits(self) -> Limits:
        """The client's limits; built on demand, since it imports the HTTP stack (not on preview)."""
        from .core.client import Limits

        return replace(
            Limits(),
            write_interval=self.numbers[settings.WRITE_DELAY_MS] / 1000,
            max_concurrency=int(self.numbers[settings.MAX_CONCURRENCY]),
            max_retry_wait=self.numbers[settings.MAX_RETRY_WAIT],
            timeout=self.numbers[settings.REQUEST_TIMEOUT],
        )

    def __repr__(self) -> str:
        return f"Settings(base_url={self.base_url!r}, owner={self.owner!r}, numbers={self.numbers!r})"


_lock = threading.Lock()
_config: dict[str, Any] = {}
_clients: dict[tuple[str | None, str], GitHubClient] = {}
_throttle: Throttle | None = None
_unreported: set[str] = set()  # fields a GET showed GitHub leaves out of its answers
_learning = threading.Lock()
KEYS = PublicKeyCache()
INVENTORY = Inventory()
CLAIMS = Claims()


def _setting(setting: settings.Setting) -> Any:
    return setting.resolve(_config.get(setting.key))


def current_settings() -> Settings:
    """The settings in force: the stack config given to ``configure``, else the environment.

    Raises :class:`RegistryError` naming the setting (config key or environment variable) whose
    value cannot be used; a token's characters are never shown.
    """
    try:
        number = {
            rule.setting: settings.parse_number(rule, *rule.setting.lookup(_config.get(rule.setting.key)))
            for rule in settings.NUMBERS
        }
        token, token_source = settings.TOKEN.lookup(_config.get(settings.TOKEN.key))
        token = settings.clean_token(token, token_source)
        base_url, base_url_source = settings.BASE_URL.lookup(_config.get(settings.BASE_URL.key))
        if base_url is not None:
            settings.normalize_base_url(base_url, base_url_source)
    except settings.SettingError as exc:
        raise RegistryError(f"configuration: {exc}") from None
    remember_secret(token)
    return Settings(
        token=token,
        base_url=base_url,
        owner=_setting(settings.OWNER),
        numbers=number,
        token_source=token_source,
        base_url_source=base_url_source,
    )


def _client(org: str, name: str) -> GitHubClient:
    """The process's client for the current settings (all share one throttle); ``org``/``name``
    only name the registry in the error when no token is configured."""
    global _throttle
    from .core.client import GitHubClient, Throttle

    current = current_settings()
    if not current.token:
        raise RegistryError(
            f"OrgPrivateRegistry {org}/{name}: no GitHub token: set it with "
            "`pulumi config set --secret github:token` (it prompts for the token, which keeps it out of "
            "your shell history), or export GITHUB_TOKEN from a file or a credential helper "
            '(`export GITHUB_TOKEN="$(cat ~/.config/github-token)"` or '
            '`export GITHUB_TOKEN="$(gh auth token)"`)'
        )
    # The dict is keyed by a digest, not the token itself.
    slot = (current.base_url, hashlib.sha256(current.token.encode()).hexdigest())
    with _lock:
        client = _clients.get(slot)
        if client is None:
            if _throttle is None:
                _throttle = Throttle(current.limits)
            client = GitHubClient(
                current.token,
                current.base_url,
                throttle=_throttle,
                base_url_source=current.base_url_source,
                token_source=current.token_source,
            )
            _clients[slot] = client
        return client


def _unlisted(props: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Fields the state has that the org's list left out of ``record``, unless GitHub never reports them."""
    with _lock:
        return [
            f
            for f in REPORTED_FIELDS
            if props.get(f) is not None and f not in record and f not in _unreported
        ]


def _contains_unknown(value: Any) -> bool:
    """Whether a value, or an element of a list, is not known yet (preview)."""
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return isinstance(value, Unknown)


def _normalized(field: str, value: Any) -> Any:
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
    for field in UPDATABLE_FIELDS:
        new = news.get(field)
        if _contains_unknown(new) or _normalized(field, olds.get(field)) != _normalized(field, new):
            changed.append(field)
    return changed


def unclearable(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Fields set in ``olds`` that ``news`` drops and GitHub cannot clear in place (not nullable).

    Repository ids are left out: they go away with a visibility other than ``selected``.
    """
    return [
        f
        for f in UPDATABLE_FIELDS
        if f not in schema.NULLABLE_FIELDS
        and f != "selected_repository_ids"
        and olds.get(f) is not None
        and news.get(f) is None
    ]


def value_changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the declared secret differs from the one in state (compared as plaintext)."""
    if news.get("value") is not None:
        return _contains_unknown(news["value"]) or news["value"] != olds.get("value")
    if news.get("value_encrypted") is not None:
        return any(
            _contains_unknown(news.get(f)) or news.get(f) != olds.get(f)
            for f in ("value_encrypted", "key_id")
        )
    return olds.get("value") is not None or olds.get("value_encrypted") is not None


def drifted(olds: Mapping[str, Any]) -> bool:
    """Whether a refresh saw the registry change outside Pulumi since our last write."""
    remote = olds.get("remote_updated_at")
    return remote is not None and remote != olds.get("updated_at")


def _same_org(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _locate(id_: str, props: Mapping[str, Any]) -> tuple[str, str]:
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
        raise RegistryError(
            f"OrgPrivateRegistry: the state holds no usable org and registry_type ({bounded(repr(where), 60)}"
            f", {bounded(repr(registry_type), 60)}): nothing was sent to GitHub and nothing changed."
        )
    return str(where), schema.configuration_name(str(registry_type))


def _label(props: Mapping[str, Any]) -> str:
    """How an error tells resources apart: the protocol does not give their names, but their URLs."""
    return f"url '{bounded(str(props.get('url')), 200)}'"


def _fingerprint(outs: Mapping[str, Any]) -> str:
    """What tells one resource's outputs from another's for the same registry."""
    return json.dumps(
        [outs.get(f) for f in ("created_at", "updated_at", "value_encrypted", "key_id")], default=str
    )


def _two_resources(org: str, name: str, other: Claim, props: Mapping[str, Any]) -> RegistryError:
    """The error for a registry that another resource of this deployment manages."""
    return RegistryError(
        f"OrgPrivateRegistry {org}/{name}: two OrgPrivateRegistry resources of this deployment "
        f"declare it: one with {other.label}, and this one with {_label(props)}. GitHub allows one "
        "registry per type in an org: keep one declaration (with `adopt`, both would succeed and "
        "their states would disagree with GitHub and with each other). If you renamed the resource, "
        "give the new one `aliases` with the old name."
    )


def _fail(org: str, name: str, action: str, exc: GitHubError | str) -> RegistryError:
    return RegistryError(f"OrgPrivateRegistry {org}/{name}: could not {action}: {exc}")


def _rejects_key(exc: ValidationFailed) -> bool:
    """Whether GitHub refused the sealed value because the key it was sealed with is not current."""
    text = " ".join([exc.message, *exc.errors]).lower()
    return bool({"key_id", "encrypted_value"} & set(exc.fields)) or "key_id" in text or "decrypt" in text


def _already_exists(exc: ValidationFailed) -> bool:
    return "already exist" in " ".join([exc.message, *exc.errors]).lower()


# The methods that talk to GitHub: each gets one budget of rate-limit waits for all its requests.
_OPERATIONS = frozenset({"create", "read", "update", "delete"})


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Let only :class:`RegistryError` out: anything else is a defect, shown redacted and bounded.

    The provider host reports an exception with its traceback and its chain; an unexpected one
    (a ``KeyError`` on odd state, a library's error quoting a header) must not carry a credential
    or a value into the user's terminal.
    """

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> T:
        try:
            if method.__name__ in _OPERATIONS:
                from .core.client import operation_budget  # imported here: check and diff stay light

                with operation_budget():
                    return method(*args, **kwargs)
            return method(*args, **kwargs)
        except RegistryError:
            raise
        except Exception as exc:  # the safety net itself
            raise RegistryError(
                f"OrgPrivateRegistry: internal error in {method.__name__} ({type(exc).__name__}: "
                f"{bounded(str(exc), 300)}); nothing more was sent to GitHub. Please report it."
            ) from None

    return guarded


class OrgPrivateRegistryProvider(ResourceProvider):
    """The dynamic provider behind ``OrgPrivateRegistry``. Takes no arguments, holds nothing."""

    def configure(self, req: ConfigureRequest) -> None:
        """Take the stack config (``github:token``, ``github:baseUrl``, ``github:owner``, limits).

        A value that cannot be used (a plain-http base URL, a token with a control character
        inside, a timeout of ``inf``) fails here, naming the setting, before any request.
        """
        with _lock:
            _config.clear()
            _config.update({s.key: req.config.get(s.key) for s in settings.ALL})
        current_settings()

    # --- preview: no request, no token ---------------------------------------------------------

    @_guarded
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Fill defaults and report every invalid property; makes no request."""
        inputs = dict(news)
        for field, default in schema.DECLARATION_DEFAULTS.items():
            if inputs.get(field) is None:
                inputs[field] = default
        owner = _setting(settings.OWNER)
        if inputs.get("org") is None and owner:
            inputs["org"] = owner
        problems = schema.declaration_problems(inputs, default_org=owner, is_unknown=_contains_unknown)
        return CheckResult(inputs, [CheckFailure(p.field, p.reason) for p in problems])

    @_guarded
    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace on org, registry_type or auth_type; update in place for all else; no request.

        The engine diffs every resource of the program: the registry is claimed for this one, so
        that another resource of the deployment cannot adopt it too.
        """
        try:
            org, name = _locate(id_, olds)
        except RegistryError:
            pass  # a malformed id fails where a request would be made, not in a plan
        else:
            other = CLAIMS.observe(org, name, _label(olds), _fingerprint(olds))
            if other is not None:
                raise _two_resources(org, name, other, olds)
        replaces = []
        for field in schema.REPLACE_FIELDS:
            old, new = olds.get(field), news.get(field)
            if field == "auth_type":
                old, new = schema.auth_type_of(olds), schema.auth_type_of(news)
            if _contains_unknown(new) or not (old == new or (field == "org" and _same_org(old, new))):
                replaces.append(field)
        # GitHub cannot clear these once set: dropping one from the declaration needs a new registry.
        replaces += unclearable(olds, news)
        changes = bool(replaces) or bool(changed_fields(olds, news)) or value_changed(olds, news)
        changes = changes or drifted(olds)
        # The name derives from the type, so a new registry of the same type in the same org can
        # exist only once the old one is gone.
        same_name = _same_org(olds.get("org"), news.get("org")) and olds.get("registry_type") == news.get(
            "registry_type"
        )
        return DiffResult(
            changes=changes,
            replaces=replaces,
            # Also for a replacement the engine decides (replaceOnChanges, --target-replace): two
            # registries of one name cannot exist side by side.
            delete_before_replace=same_name,
        )

    # --- writes ------------------------------------------------------------------------------

    @_guarded
    def create(self, props: dict[str, Any]) -> CreateResult:
        """POST the registry, or adopt an existing one when ``adopt`` is true; never GET after.

        A registry claimed by another resource of this deployment is refused before any request:
        two states would hold two values while GitHub holds one.
        """
        org, name = _locate("", props)
        made, seen = CLAIMS.begin(org, name, _label(props))
        if made is not None:
            raise _two_resources(org, name, made, props)
        try:
            result = self._create(org, name, props, seen)
        except BaseException:
            CLAIMS.restore(org, name, seen)
            raise
        CLAIMS.settle(org, name, _label(props), _fingerprint(result.outs or {}))
        return result

    def _create(self, org: str, name: str, props: dict[str, Any], seen: Claim | None) -> CreateResult:
        """Create, or take over an existing registry unless ``seen`` (another resource) manages it.

        A registry only seen by a diff and not at GitHub is created: that is the replacement of a
        resource whose delete went through before its create failed (the engine diffs it again).
        """
        client = _client(org, name)
        try:
            existing = INVENTORY.lookup(org, name, client.list_registries)
        except GitHubError as exc:
            raise _fail(org, name, "list the org's registries", exc) from None
        if existing is None:
            created = self._post(client, org, name, props)
            if created is not None:
                return created
            try:  # made since the org was listed
                existing = client.get_registry(org, name, expect_exists=True)
            except GitHubError as exc:
                raise _fail(org, name, "look it up", exc) from None
        if seen is not None:
            raise _two_resources(org, name, seen, props)
        return self._take_over(client, org, name, props, existing)

    def _post(
        self, client: GitHubClient, org: str, name: str, props: Mapping[str, Any]
    ) -> CreateResult | None:
        """POST; None when GitHub says the registry already exists."""
        body = schema.to_rest_body({k: v for k, v in props.items() if v is not None})
        try:
            record, sealed = self._send_secret(
                client, org, props, body, lambda b: client.create_registry(org, b)
            )
        except OutcomeUnknown:
            return self._resolve_unknown_create(client, org, name, props, body)
        except ValidationFailed as exc:
            if _already_exists(exc):
                return None
            raise _fail(org, name, "create it", exc) from None
        except GitHubError as exc:
            raise _fail(org, name, "create it", exc) from None
        INVENTORY.record(org, record)
        return CreateResult(f"{org}/{name}", _outputs(props, record, sealed, None))

    def _take_over(
        self,
        client: GitHubClient,
        org: str,
        name: str,
        props: Mapping[str, Any],
        existing: Mapping[str, Any],
    ) -> CreateResult:
        """Adopt a registry that already exists (``adopt: true``), or explain how to."""
        if not props.get("adopt"):
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: org '{org}' already has the private registry "
                f"configuration {name} (GitHub allows one per registry type), created outside this "
                "stack or by another one. If you renamed this resource (or moved it into a component), "
                "give it `aliases` with its old name instead: with `adopt`, the old resource's delete "
                "would remove the registry the new one now owns. Otherwise, to manage it here, set "
                "`adopt: true` on this resource (it will be updated to what you declare), or delete it "
                f"at GitHub first. `python -m pulumi_github_private_registry discover --org {org}` "
                "prints a config block for it."
            )
        declared_auth = schema.auth_type_of(props)
        # Compared only when GitHub reports it (its own example answers leave auth_type out).
        if existing.get("auth_type") is not None and existing["auth_type"] != declared_auth:
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: cannot adopt: it exists with auth_type "
                f"'{existing.get('auth_type')}' and you declare '{declared_auth}', which GitHub cannot "
                "change in place. Declare its auth_type to adopt it, or delete it at GitHub first."
            )
        stuck = unclearable(existing, props)
        if stuck:
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: cannot adopt: it has "
                + ", ".join(f"{f} '{existing[f]}'" for f in stuck)
                + ", which you do not declare and GitHub cannot clear in place. Declare "
                + ("them" if len(stuck) > 1 else "it")
                + " to adopt it, or delete it at GitHub first."
            )
        fields = [f for f in UPDATABLE_FIELDS if props.get(f) is not None or existing.get(f) is not None]
        outs = self._patch(client, org, name, props, fields, send_value=True)
        return CreateResult(f"{org}/{name}", outs)

    def _resolve_unknown_create(
        self,
        client: GitHubClient,
        org: str,
        name: str,
        props: Mapping[str, Any],
        body: Mapping[str, Any],
    ) -> CreateResult:
        """A POST went unanswered: take over what it made, or send it again if it made nothing."""
        try:
            record = client.get_registry(org, name, expect_exists=True)
        except NotFound:
            # Nothing was made. GitHub allows one registry per type, so a second POST cannot
            # make a duplicate even if the first one lands late: it would be refused.
            try:
                record, sealed = self._send_secret(
                    client, org, props, body, lambda b: client.create_registry(org, b)
                )
            except OutcomeUnknown as exc:
                raise RegistryError(
                    f"OrgPrivateRegistry {org}/{name}: could not create it: GitHub gave no usable answer "
                    f"to two creates; the second: {exc} Try again later (see https://www.githubstatus.com); "
                    f"if the next run says that {name} already exists, it is the one sent here: set "
                    "`adopt: true` to take it over."
                ) from None
            except GitHubError as exc:
                raise _fail(org, name, "create it (second attempt after no answer)", exc) from None
            INVENTORY.record(org, record)
            return CreateResult(f"{org}/{name}", _outputs(props, record, sealed, None))
        except GitHubError as exc:
            raise _fail(org, name, "learn whether the unanswered create was applied", exc) from None
        mismatched = [
            f
            for f in schema.RESPONSE_FIELDS
            if f in body and f in record and _normalized(f, record[f]) != _normalized(f, body[f])
        ]
        if mismatched:
            raise RegistryError(
                f"OrgPrivateRegistry {org}/{name}: GitHub did not answer the create, and a registry "
                f"{name} now exists whose {', '.join(mismatched)} differ from what was sent: it was "
                "made by someone else. Delete it at GitHub or set `adopt: true`, then run again."
            )
        INVENTORY.record(org, record)
        if not schema.takes_secret(props):
            return CreateResult(f"{org}/{name}", _outputs(props, record, None, None))
        # It is ours, but GitHub holds no readable trace of which value came with it: send the
        # value once more so that state and GitHub surely agree.
        return CreateResult(f"{org}/{name}", self._patch(client, org, name, props, [], send_value=True))

    @_guarded
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH what changed (everything, after outside drift), then GET once for updated_at."""
        org, name = _locate(id_, olds)
        if drifted(olds):
            fields = [f for f in UPDATABLE_FIELDS if news.get(f) is not None or olds.get(f) is not None]
            send_value = True
        else:
            fields = changed_fields(olds, news)
            send_value = value_changed(olds, news)
        outs = self._patch(_client(org, name), org, name, news, fields, send_value=send_value, olds=olds)
        CLAIMS.settle(org, name, _label(news), _fingerprint(outs))
        return UpdateResult(outs)

    def _patch(
        self,
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
                    _, sealed = self._send_secret(
                        client, org, props, body, lambda b: client.update_registry(org, name, b)
                    )
                else:
                    client.update_registry(org, name, body)
                record = client.get_registry(org, name, expect_exists=True)
            except NotFound:
                INVENTORY.forget(org, name)
                raise RegistryError(
                    f"OrgPrivateRegistry {org}/{name}: it no longer exists at GitHub (deleted outside "
                    "Pulumi). Run `pulumi refresh` to drop it from the state, then `pulumi up` to "
                    "create it again."
                ) from None
            except GitHubError as exc:
                raise _fail(org, name, "update it", exc) from None
            INVENTORY.record(org, record)
        else:
            # Nothing GitHub holds changes (say, only `adopt`): no request.
            old = olds or {}
            record = {"name": name, "created_at": old.get("created_at"), "updated_at": old.get("updated_at")}
        return _outputs(props, record, sealed, olds)

    def _send_secret(
        self,
        client: GitHubClient,
        org: str,
        props: Mapping[str, Any],
        body: Mapping[str, Any],
        send: Callable[[dict[str, Any]], T],
    ) -> tuple[T, Sealed | None]:
        """Send ``body`` with the declared secret; re-seal once if GitHub rejects a rotated key."""
        for attempt in range(2):
            sealed = self._secret(client, org, props)
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
                    raise RegistryError(
                        f"OrgPrivateRegistry {org}/{name}: GitHub refused value_encrypted ({exc.detail}): "
                        "it must be sealed with the org's current private-registries key, which may have "
                        "been rotated. Seal the value again with the key from "
                        f"GET /orgs/{org}/private-registries/public-key and set value_encrypted and key_id "
                        "to match, or declare the plaintext `value` as a secret and let the provider seal it."
                    ) from None
                if attempt == 0:
                    KEYS.drop(org, sealed.key_id)
                    continue
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _secret(client: GitHubClient, org: str, props: Mapping[str, Any]) -> Sealed | None:
        """The declared secret, sealed with the org's key (fetched once per process)."""
        if props.get("value") is not None:
            key = KEYS.get(org, client.get_public_key)
            return seal(str(props["value"]), key)
        if props.get("value_encrypted") is not None:
            return Sealed(str(props["value_encrypted"]), str(props["key_id"]))
        return None

    @_guarded
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE the registry; already gone counts as deleted once the org's list confirms it.

        A registry that another resource of this deployment created or adopted (this one was renamed,
        and the new one adopted it) is not deleted: this resource only leaves the state.
        """
        org, name = _locate(id_, props)
        if CLAIMS.held_by_another(org, name, _fingerprint(props)):
            log.warning(
                "%s",
                redact(
                    f"OrgPrivateRegistry {org}/{name}: not deleted at GitHub, only dropped from the state: "
                    "another resource of this deployment created or adopted it (a rename)"
                ),
            )
            return
        client = _client(org, name)
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
                raise _fail(
                    org, name, "delete it", "GitHub answers 404 to DELETE but still lists it"
                ) from None
        except GitHubError as exc:
            raise _fail(org, name, "delete it", exc) from None
        INVENTORY.forget(org, name)
        CLAIMS.release(org, name)  # a replacement of the same name may now create it

    # --- refresh -------------------------------------------------------------------------------

    @_guarded
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from the org's list (one call per org), GET where the list lacks what state has."""
        org, name = _locate(id_, props)
        client = _client(org, name)
        try:
            # A 404 here is the org, not the registry: GitHub hides orgs the token cannot see,
            # and reading that as "gone" would drop every registry of the org from the state.
            record = INVENTORY.lookup(org, name, client.list_registries)
        except GitHubError as exc:
            raise _fail(org, name, "list the org's registries", exc) from None
        try:
            if record is None:
                record = client.get_registry(org, name)  # gone, or too new for the list
                INVENTORY.record(org, record)
            elif _unlisted(props, record):
                # One GET at a time, so that what it teaches spares the threads waiting here.
                with _learning:
                    missing = _unlisted(props, record)
                    if missing:
                        record = client.get_registry(org, name)
                        INVENTORY.record(org, record)
                        # GET and list share one schema: what the GET leaves out too, GitHub
                        # does not report, and asking for other registries would learn nothing.
                        with _lock:
                            _unreported.update(f for f in missing if f not in record)
        except NotFound:
            return ReadResult("", {}, {})
        except GitHubError as exc:
            raise _fail(org, name, "read it", exc) from None
        outs = dict(props)
        for field in REPORTED_FIELDS:
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
        return ReadResult(f"{org}/{name}", outs, inputs)


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
