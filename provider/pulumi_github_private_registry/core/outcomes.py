"""What a lifecycle operation gives back: its result, or the failure the user sees.

:class:`Checked`, :class:`Plan`, :class:`Written` and :class:`Refreshed` are the operations'
results; :class:`RegistryError` is every failure a user sees: a code, the registry and parameters,
its message made for the runtime's audience (:data:`FAILURES`, the door's words filled in),
redacted and bounded; :class:`Unresolved` is a create whose outcome a cancel left unknown.
:data:`Secret` names the fields whose values a door received marked secret. Imports only
:mod:`.errors` and :mod:`.schema`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .errors import bounded, redact
from .schema import Audience, Problem, field_names

__all__ = [
    "FAILURES",
    "Checked",
    "Plan",
    "Refreshed",
    "RegistryError",
    "Secret",
    "Unresolved",
    "Written",
]

Secret = frozenset[str]
"""The fields (the core's names) whose values a door received marked secret: never quoted."""

_ADOPT_OR_DELETE: Final = "Delete it at GitHub or set {w[adopt]}, then run again."

FAILURES: Final[Mapping[str, str]] = {
    # A door's setup and the engine's requests.
    "configuration": "configuration: {problems}",
    "unknown_function": "unknown function {function}: this provider has {known}",
    "cancelled": "{what}: {cancelled}.",
    "internal": "OrgPrivateRegistry: internal error in {operation} ({kind}: {words}); nothing more was "
    "sent to GitHub. Please report it.",
    "no_token": "OrgPrivateRegistry {registry}: no GitHub token: set it with {w[set_secret]}, or export "
    "GITHUB_TOKEN from a file or a credential helper (`export "
    'GITHUB_TOKEN="$(cat ~/.config/github-token)"` or `export GITHUB_TOKEN="$(gh auth token)"`); or '
    "give a token for this org in {tokens_key}, or a GitHub App",
    # Naming the registry.
    "bad_id": "OrgPrivateRegistry: the id {id} is not '{{org}}/{{NAME}}' (an organization login, then a "
    "configuration name such as NPM_REGISTRY_SECRET): nothing was sent to GitHub and nothing changed. "
    "Fix the id in the state ({w[state_edit]}) or the one given to import.",
    "unusable_state": "OrgPrivateRegistry: the state holds no usable org and {u[registry_type]} "
    "({org_shown}, {type_shown}): nothing was sent to GitHub and nothing changed.",
    "two_resources": "OrgPrivateRegistry {registry}: two OrgPrivateRegistry resources of this "
    "deployment declare it: one with {other}, and this one with {this}. GitHub allows one registry "
    "per type in an org: keep one declaration (with `adopt`, both would succeed and their states "
    "would disagree with GitHub and with each other). If you renamed the resource, give the new one "
    "{w[rename]} with the old name.",
    # A request GitHub refused or did not answer.
    "failed": "OrgPrivateRegistry {registry}: could not {action}: {words}",
    "gone": "OrgPrivateRegistry {registry}: it no longer exists at GitHub (deleted {w[outside]}). "
    "Run {w[refresh]} to drop it from the state, then {w[up]} to create it again.",
    "sealed_refused": "OrgPrivateRegistry {registry}: GitHub refused {u[value_encrypted]} ({words}): it "
    "must be sealed with the org's current private-registries key, which may have been rotated. Seal "
    "the value again with the key from GET /orgs/{org}/private-registries/public-key and set "
    "{u[value_encrypted]} and {u[key_id]} to match, or declare the plaintext `value` as a secret and "
    "let the provider seal it.",
    # A create.
    "exists": "OrgPrivateRegistry {registry}: org '{org}' already has the private registry "
    "configuration {name} (GitHub allows one per registry type). If this is a replacement of this "
    "very resource ({w[replacements]}), Pulumi creates the new registry before it deletes the old "
    "one, and GitHub cannot hold both: give the resource {w[delete_first]} and run {w[up]} again. "
    "Otherwise it was created outside this stack or by another one. If you renamed this resource (or "
    "moved it into a component), give it {w[rename]} with its old name instead: with `adopt`, the "
    "old resource's delete would remove the registry the new one now owns. Otherwise, to manage it "
    "here, set {w[adopt]} on this resource (it will be updated to what you declare), or delete it "
    "at GitHub first. `python -m pulumi_github_private_registry discover --org {org}` prints a config "
    "block for it.",
    "adopt_auth_type": "OrgPrivateRegistry {registry}: cannot adopt: it exists with {u[auth_type]} "
    "{existing} and you declare {declared}, which GitHub cannot change in place. Declare its "
    "{u[auth_type]} to adopt it, or delete it at GitHub first.",
    "adopt_unclearable": "OrgPrivateRegistry {registry}: cannot adopt: it has {held}, which you do not "
    "declare and GitHub cannot clear in place. Declare {them} to adopt it, or delete it at GitHub "
    "first.",
    "lookup_failed": "OrgPrivateRegistry {registry}: could not create it: GitHub gave no usable answer "
    "to the create, and looking it up failed too: {words} It may exist at GitHub now: if the next run "
    "says that {name} already exists, it is the one sent here: set {w[adopt]} to take it over.",
    "no_answer": "OrgPrivateRegistry {registry}: could not create it: GitHub gave no usable answer to "
    "two creates (the second: {second}), and it does not list the registry. Nothing is in the state; "
    "try again later (see https://www.githubstatus.com). If the next run says that {name} already "
    "exists, a create landed late and it is the one sent here: set {w[adopt]} to take it over.",
    "unresolved": "OrgPrivateRegistry {registry}: {cancelled} before GitHub answered the create, so its "
    "outcome is unknown{found}. It is kept in the state as not created yet: the next {w[up]} looks it "
    "up, keeps the registry this create made or creates it (GitHub allows one per type: no "
    "duplicate); {w[refresh]} drops it from the state if it was not made, or was made by someone "
    "else.",
    "someone_elses": "OrgPrivateRegistry {registry}: GitHub did not answer the create, and a registry "
    "{name} now exists whose {fields} differ from what was sent: it was made by someone else. "
    + _ADOPT_OR_DELETE,
    "gone_when_resent": "OrgPrivateRegistry {registry}: GitHub did not answer the create, a lookup "
    "found the registry, and it was gone when its value was sent again (deleted at GitHub meanwhile). "
    "Nothing is in the state: run again to create it.",
    "not_resent": "{cause} It exists at GitHub, made by this create (GitHub did not answer it, and a "
    "lookup found it with the fields declared), but its value could not be sent again, so it is not "
    "in the state: set {w[adopt]} on this resource and run again to take it over.",
    "resumed_someone_elses": "OrgPrivateRegistry {registry}: an earlier run's create went unanswered, "
    "and the registry {name} at GitHub has {fields} other than that create sent: it was made by "
    "someone else. " + _ADOPT_OR_DELETE,
    # A delete, a read, the data source.
    "changed_since_seen": "OrgPrivateRegistry {registry}: not deleted: it was changed at GitHub since "
    "this resource last saw it (updated at {updated}; this resource's state has {seen}). Another "
    "resource or stack may manage it now (an {w[adopt]}, or a move to another provider). To delete "
    "it anyway, run {w[refresh]} and then run again; to leave it at GitHub, remove this resource from "
    "the state instead ({w[state_delete]}).",
    "nothing_to_import": "OrgPrivateRegistry {registry}: GitHub has no private registry {name} in org "
    "'{org}' (or the token cannot see it): nothing to import. The id is '{{org}}/{{NAME}}', the org's "
    "login and the configuration name, such as '{org}/NPM_REGISTRY_SECRET'; `python -m "
    "pulumi_github_private_registry discover --org {org} --format import` lists the org's registries "
    "with their ids.",
    "list_no_org": "{w[list_function]}: {problem}: give `org`, or configure the provider's owner",
    "list_failed": "{w[list_function]}: could not list the registries of '{org}': {words}",
}
"""Every failure's message, by code, in neutral English: ``{registry}`` is ``org/name``, ``{org}``
and ``{name}`` its parts; ``{w[...]}`` the audience's words (its commands and options), ``{u[...]}``
a field as the audience names it; the rest, the failure's parameters. An audience may replace a
whole message (:attr:`.schema.Audience.failures`)."""


_PLACEHOLDER: Final = re.compile(r"\{(\w{1,40})\}")
"""A parameter a door's word names (``{token_key}``)."""


class _Words:
    """An audience's words, each filled in with the failure's parameters (``{token_key}``)."""

    def __init__(self, words: Mapping[str, str], params: Mapping[str, Any]) -> None:
        self._words, self._params = words, params

    def __getitem__(self, name: str) -> str:
        # Only `{name}` of a parameter is filled in: any other brace is the door's own text (a
        # Terraform door's `lifecycle { ... }`), not a placeholder.
        return _PLACEHOLDER.sub(lambda m: str(self._params.get(m[1], m[0])), self._words[name])


class RegistryError(Exception):
    """A failure the user sees, as data: its ``code``, the ``registry`` (org, name) it is about
    (None when it has none) and its ``params``; its text says what to do, in the words of the
    ``audience`` it was made for (the runtime's: the door's users').

    The text goes through the one redaction step (no token, no ``Authorization`` value, no URL
    user-info) and is bounded, so that it fits a protocol's error channel; so do text parameters.
    """

    def __init__(
        self, code: str, audience: Audience, registry: tuple[str, str] | None = None, /, **params: Any
    ) -> None:
        taken = (_TEMPLATE_NAMES | (_REGISTRY_NAMES if registry is not None else frozenset())) & set(params)
        if taken:
            raise ValueError(f"a failure's parameters cannot be named {sorted(taken)}: its message uses them")
        self.code = code
        self.audience = audience
        self.registry = registry
        self.params: Mapping[str, Any] = {
            k: redact(v) if isinstance(v, str) else v for k, v in params.items()
        }
        super().__init__(bounded(_message(code, audience, registry, self.params), 4000))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled or copied (a process pool, `copy`) as what it says and its data; not its
        # audience, which may hold a function no pickle can name.
        state = {k: v for k, v in self.__dict__.items() if k != "audience"}
        return (_restored, (type(self), self.args, state))


_TEMPLATE_NAMES: Final = frozenset({"w", "u"})
"""The names a failure's message takes from elsewhere than its parameters: the words, the fields."""
_REGISTRY_NAMES: Final = frozenset({"registry", "org", "name"})
"""The names a failure about a registry takes from it (one without a registry, such as a list of
an org's registries, gives ``org`` itself)."""


def _restored(cls: type[RegistryError], args: tuple[Any, ...], state: dict[str, Any]) -> RegistryError:
    """A :class:`RegistryError` as pickled: its message and data, without its audience (None)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state, audience=None)
    return error


def _message(
    code: str, audience: Audience, registry: tuple[str, str] | None, params: Mapping[str, Any]
) -> str:
    """The failure's message for ``audience``: its own message for ``code``, else the core's."""
    named = dict(params)
    if registry is not None:
        org, name = registry
        named = {"registry": f"{org}/{name}", "org": org, "name": name, **named}
    template = audience.failures.get(code) or FAILURES[code]
    return template.format(w=_Words(audience.words, named), u=field_names(audience, quote=False), **named)


class Unresolved(RegistryError):
    """A create cancelled before GitHub answered it: the registry may exist or not.

    A door keeps ``id`` and ``outputs`` (the declaration sent, no time of GitHub's) in the state as
    a resource not yet created (the plugin's partial failure); the next update finds out
    (:func:`.lifecycle.update`): it keeps the registry this create made, or creates it.
    """

    def __init__(
        self, audience: Audience, registry: tuple[str, str], outputs: dict[str, Any], /, **params: Any
    ) -> None:
        super().__init__("unresolved", audience, registry, **params)
        self.id = "/".join(registry)
        self.outputs = outputs


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
    delete_first: bool
    """The old registry must go before its replacement is made: GitHub holds one of a name."""
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
