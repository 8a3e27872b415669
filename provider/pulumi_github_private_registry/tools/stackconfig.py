"""How a stack file declares registries: the one place that knows the stack configuration's shape.

A stack lists its registries under ``github-private-registries:registries``; each entry becomes one
``OrgPrivateRegistry`` (and, if it asks, a Codespaces organization secret beside it). Only ``[]``
declares none: a stack without the key (say, misnamed) is refused, as it would delete them all.
The stack program (``stacks/``) and the tools (``validate``, ``discover``, ``drift``) both read
entries here; reading a stack file is :mod:`.stackfile`'s.
The API's rules stay in :mod:`.schema`: this module only maps an entry onto a declaration, says
what is wrong with the entry *as configuration* (unknown keys, a plaintext secret, a secret config
key that is not set), and runs :func:`.schema.declaration_problems` on the result. It imports no
Pulumi.

An entry::

    - org: acme                      # optional: defaults to github:owner
      registry_type: npm_registry
      url: https://npm.pkg.github.com
      visibility: selected
      auth_type: token               # optional: token (default), username_password, oidc_*
      secret: npmToken               # the secret config key: `pulumi config set --secret
                                     #   github-private-registries:npmToken`
      selected_repositories: [web]   # names, resolved to ids with pulumi-github
      selected_repository_ids: [42]  # ids, as they are
      codespaces_secret: NPM_TOKEN   # also a Codespaces org secret with the same value
      adopt: true                    # take over the registry if it already exists

plus ``username``, ``replaces_base`` and the OIDC fields, named as GitHub names them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from ..audiences.keys import DYNAMIC_KEYS, PACKAGE
from ..audiences.pulumi_words import config_command
from ..core import schema
from ..core.schema import Audience, Problem

__all__ = [
    "CODESPACES_FIELD",
    "CODESPACES_VISIBILITIES",
    "ENTRY",
    "ENTRY_FIELDS",
    "PROJECT",
    "REGISTRIES_KEY",
    "REPOSITORY_NAMES_FIELD",
    "SECRET_FIELD",
    "CodespacesSecret",
    "RegistryEntry",
    "SecretStatus",
    "declaration_problems",
    "declares_in_config",
    "default_secret_key",
    "entry_from_record",
    "full_key",
    "kind_of",
    "missing_registries_problem",
    "near_registries_keys",
    "parse_registries",
    "provider_setting_problems",
    "remove_command",
    "repository_full_name",
    "secret_problems",
    "set_secret_command",
]

PROJECT: Final = "github-private-registries"
"""The config namespace of the stack program (its project name)."""

REGISTRIES_KEY: Final = "registries"
"""The config key, in :data:`PROJECT`'s namespace, that lists the registries."""

SECRET_FIELD: Final = "secret"
REPOSITORY_NAMES_FIELD: Final = "selected_repositories"
CODESPACES_FIELD: Final = "codespaces_secret"

# The declaration's inputs an entry takes as they are. The secret itself never appears in a stack
# file: it comes from a secret config key named by `secret`.
_PASSTHROUGH_FIELDS: Final[tuple[str, ...]] = tuple(
    f for f in schema.INPUT_FIELDS if f not in schema.SECRET_INPUTS
)

ENTRY_FIELDS: Final[tuple[str, ...]] = (
    *_PASSTHROUGH_FIELDS,
    SECRET_FIELD,
    REPOSITORY_NAMES_FIELD,
    CODESPACES_FIELD,
)
"""Every key a registry entry may have."""

CODESPACES_VISIBILITIES: Final[tuple[str, ...]] = ("all", "private", "selected")
"""The visibilities of a Codespaces organization secret (GitHub's Codespaces secrets API)."""

# GitHub's naming rules for secrets: letters, digits and underscores, not starting with a digit
# or with GITHUB_.
_SECRET_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A config key inside our namespace: no namespace separator, no whitespace.
_CONFIG_KEY_RE: Final = re.compile(r"[A-Za-z0-9_\-]{1,100}")

ENTRY_MESSAGES: Final[Mapping[str, str]] = {
    "entry_not_mapping": "each registry must be a mapping of fields (registry_type: ..., url: ...)",
    "entry_secret_in_file": "secrets are not written in the stack file: name a secret config key "
    "instead (`secret: {suggested}`) and set it with `{command}`",
    "entry_unknown_field": "unknown field {field}",
    "entry_unknown_field_hint": "unknown field {field}; did you mean {hint_field}?",
    "entry_secret_not_key": "must name a secret config key (like npmToken, without a namespace), not "
    "hold the secret itself: set the secret with `pulumi config set --secret` under that key",
    "entry_secret_not_taken": "auth_type {auth_type} takes no secret: remove it",
    "entry_secret_needed": "auth_type {auth_type} needs a secret: name its config key "
    "(`secret: {suggested}`) and set it with `{command}`",
    "entry_names_not_list": "must be a list of repository names",
    "entry_codespaces_key": "unknown key '{key}': it takes name and visibility",
    "entry_codespaces_shape": "give the secret's name, or a mapping with name and visibility",
    "entry_codespaces_name": "{name} is not a valid secret name: letters, digits and underscores, not "
    "starting with a digit or GITHUB_",
    "entry_codespaces_no_name": "needs the secret's name: `codespaces_secret: NAME`, or a mapping with "
    "name and visibility",
    "entry_codespaces_visibility": "visibility {wanted} is not one of: {allowed}",
    "entry_codespaces_no_visibility": "takes the registry's visibility, which is not set: set the "
    "registry's `visibility`, or give the secret its own (`visibility:` {allowed})",
    "entry_codespaces_selected": "visibility 'selected' shares the registry's repositories, but the "
    "registry's visibility is {visibility}",
    "entry_codespaces_no_secret": "it carries the registry's secret, and auth_type {auth_type} has none",
    "entry_duplicate": "registry[{first}] already declares {org}/{name}: the name comes from the type, "
    "so an org has one registry of each type",
    "entry_duplicate_codespaces": "registry[{first}] already declares the Codespaces secret {secret} "
    "in {org}",
    "entry_secret_unset": "the secret {key} is not set: run `{command}`",
    "entry_secret_unset_elsewhere": "the secret {key} is not set, but {near_key} is: the program reads "
    "its secrets in the {namespace} namespace; move it there (`{remove}`, then "
    "`{command}`)",
    "entry_secret_unset_near": "the secret {key} is not set, but {near_key} is: did you mean "
    "`secret: {near}`?",
    "entry_secret_plaintext": "{key} is set in plaintext: remove it with `{remove}` and set it with "
    "`{command}`",
    "entry_org_needed": "set `org` on the registry or `pulumi config set github:owner ORG`",
    "entry_selected_needs_ids": "visibility 'selected' needs at least one id in {field} "
    "(or repository names in {q[selected_repositories]})",
}
"""The messages of what is wrong with an entry as configuration, by code."""

ENTRY: Final = Audience(
    name=lambda name: SECRET_FIELD if name == "value" else name,
    messages={**schema.MESSAGES, **ENTRY_MESSAGES},
)
"""How problems read in a stack file: the secret is the entry's ``secret`` key, not ``value``.

A problem's own field is shown as it is: :func:`declaration_problems` names it for the entry."""

SecretStatus = Literal["secret", "plaintext", "missing"]
"""Where a secret config key stands: set with ``--secret``, set in plaintext, or not set."""


def declares_in_config(project: str | None, config_keys: Iterable[str]) -> bool:
    """Whether a stack's registries are declared in its config, for the stack program (``stacks/``)
    to read, rather than in the program of a project of one's own that uses ``OrgPrivateRegistry``.

    The rule: the stack program's project is named :data:`PROJECT` (this repository's
    ``Pulumi.yaml``), so a stack file of that project declares them in its config. So does a stack
    file that sets any key of :data:`PROJECT`'s namespace or a key that looks like a misnamed
    registries key, whatever its project (the stack program copied into another project, or a stack
    file checked where no ``Pulumi.yaml`` is found): only the stack program reads that namespace.
    Any other stack file (its project named otherwise, or none found, with none of these keys)
    belongs to a program that declares its registries itself, which ``pulumi preview`` checks.
    """
    if project == PROJECT:
        return True
    keys = [str(key) for key in config_keys]
    # A misnamed registries key counts in any namespace where no project is known, else in ours or
    # the provider's (`github-private-registry:registries`): `my-infra:registry` is a project's own.
    ours = [key for key in keys if project is None or key.partition(":")[0] in (PROJECT, PACKAGE)]
    return any(key.startswith(f"{PROJECT}:") for key in keys) or bool(near_registries_keys(ours))


def full_key(key: str) -> str:
    """The fully qualified config key: ``npmToken`` -> ``github-private-registries:npmToken``."""
    return f"{PROJECT}:{key}"


def set_secret_command(key: str, stack: str | None = None) -> str:
    """The command that sets a secret config key; it prompts for the value, which stays out of history."""
    return config_command("set --secret", full_key(key), stack)


def remove_command(key: str, stack: str | None = None, *, path: bool = False) -> str:
    """The command that removes the config key ``key`` (a full key; ``path``: a key inside a
    structured value) from the stack ``stack``, as :func:`set_secret_command` names it."""
    return config_command("rm", key, stack, path=path)


@dataclass(frozen=True)
class CodespacesSecret:
    """A Codespaces organization secret that carries a registry's secret, for codespaces to pull with."""

    name: str
    visibility: str


@dataclass(frozen=True)
class RegistryEntry:
    """One parsed entry of the registries list.

    ``inputs`` are the ``OrgPrivateRegistry`` inputs the entry declares as they are (``org`` filled
    in from the default owner); the secret comes from the config key ``secret_key`` and the ids of
    ``repository_names`` are resolved by the program. ``problems`` are what is wrong with the entry
    as configuration; the API's rules are checked by :func:`declaration_problems`.
    """

    index: int
    inputs: Mapping[str, Any]
    secret_key: str | None = None
    repository_names: tuple[str, ...] = ()
    codespaces: CodespacesSecret | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    is_mapping: bool = True
    """False when the entry is not a mapping at all: then nothing else is checked."""
    hinted: frozenset[str] = frozenset()
    """Fields not given that a misspelt key hints at: that they are missing is not reported."""

    @property
    def org(self) -> str | None:
        """The organization, when it is known and a string."""
        org = self.inputs.get("org")
        return org if isinstance(org, str) and org else None

    @property
    def registry_type(self) -> str | None:
        """The registry type, when it is a string."""
        registry_type = self.inputs.get("registry_type")
        return registry_type if isinstance(registry_type, str) and registry_type else None

    @property
    def name(self) -> str | None:
        """GitHub's name for the registry, e.g. ``NPM_REGISTRY_SECRET``."""
        return schema.configuration_name(self.registry_type) if self.registry_type else None

    @property
    def takes_secret(self) -> bool:
        """Whether the entry's auth type carries a secret."""
        return _has_secret(self.inputs)

    @property
    def label(self) -> str:
        """How messages name the entry: ``registry[0] (acme/NPM_REGISTRY_SECRET)``."""
        org, name = (schema.plain(part, 60) if part else "?" for part in (self.org, self.name))
        return f"registry[{self.index}] ({org}/{name})"

    @property
    def resource_name(self) -> str:
        """The Pulumi resource name: stable for an org and a type, which GitHub keeps unique."""
        return f"{self.org or 'owner'}-{self.registry_type or self.index}"

    def describe(self, problem: Problem) -> str:
        """One line for a problem: ``registry[0] (acme/NPM_REGISTRY_SECRET): url: reason``."""
        return f"{self.label}: {schema.plain(problem.field)}: {schema.render(problem, ENTRY)}"

    def declaration(self, value: Any = None, resolved_ids: Sequence[Any] = ()) -> dict[str, Any]:
        """The ``OrgPrivateRegistry`` inputs, with the secret ``value`` and the resolved repository ids."""
        props = dict(self.inputs)
        given = props.get("selected_repository_ids")
        # Ids that are not a list stay as they are, for the check to name.
        if self.repository_names and (given is None or isinstance(given, (list, tuple))):
            props["selected_repository_ids"] = [*(given or ()), *resolved_ids]
        if value is not None:
            props["value"] = value
        return props


# How near an unknown field must be to a field for its value to stand for that field's (`visiblity`
# for `visibility`: 0.95) in the rest of the checks; a looser hint (`name` for `namespace`) is only
# a hint, as what it would go on to say about the field would mislead.
_MEANT_CUTOFF: Final = 0.8


def _unknown_field(key: str, value: Any) -> Problem:
    hint, _ = _field_meant(key, value)
    if hint:
        return Problem("entry_unknown_field_hint", key, {"hint_field": hint})
    return Problem("entry_unknown_field", key)


def _is_secret_input(key: Any) -> bool:
    """Whether ``key`` is the secret itself (``value``, ``encrypted_value``), in any case."""
    return isinstance(key, str) and key.lower() in schema.SECRET_INPUTS


def _field_meant(key: str, value: Any) -> tuple[str | None, bool]:
    """The entry field a misspelt ``key`` most resembles, or None, and whether it is near enough for
    ``value`` to stand for that field's; bounded (a key of a stack file may be long, and difflib's
    work grows with it).

    Case never counts (``URL``, ``Org``). The value decides between fields where it can: ``type:
    npm_registry`` is the registry type, ``selected_repository: [web]`` names repositories."""
    if len(key) > 64:
        return None, False
    lowered = key.lower()
    if lowered in ENTRY_FIELDS:
        return lowered, True
    if "type" in lowered and isinstance(value, str):
        for typed, allowed in (("registry_type", schema.REGISTRY_TYPES), ("auth_type", schema.AUTH_TYPES)):
            if value in allowed:
                return typed, True
    close = difflib.get_close_matches(lowered, ENTRY_FIELDS, n=3, cutoff=0.6)
    if not close:
        return None, False
    best = close[0]
    if isinstance(value, list) and value and {REPOSITORY_NAMES_FIELD, "selected_repository_ids"} & set(close):
        names = all(isinstance(v, str) and not v.strip().isdigit() for v in value)
        best = REPOSITORY_NAMES_FIELD if names else "selected_repository_ids"
        if best not in close:
            best = close[0]
    return best, bool(difflib.get_close_matches(lowered, [best], n=1, cutoff=_MEANT_CUTOFF))


def _as_meant(raw: Mapping[Any, Any]) -> tuple[dict[Any, Any], frozenset[str]]:
    """The entry with each misspelt field's value under the field meant, when that one is not given:
    ``visiblity: selected`` is reported once, as unknown, and nothing that follows only from the
    misspelling (``visibility`` required, a Codespaces secret without a visibility) is reported.
    Also the fields hinted at only (``visible`` for ``visibility``), whose absence is not reported
    either: the hint says it."""
    meant = dict(raw)
    hinted: set[str] = set()
    for key, value in raw.items():
        if key in ENTRY_FIELDS or _is_secret_input(key) or not isinstance(key, str):
            continue
        field, strong = _field_meant(key, value)
        if field is None or field in raw:
            continue
        if strong and field not in meant:
            meant[field] = value
        elif not strong:
            hinted.add(field)
    return meant, frozenset(hinted - set(meant))


# What only says a field is not given: not said of a field a misspelt key hints at.
_ABSENT: Final = frozenset({"required", "auth_required", "org_required", "secret_required", "secret_missing"})
_NO_IDS: Final = frozenset({"selected_needs_ids", "entry_selected_needs_ids"})


def _follows_from_hint(problem: Problem, hinted: frozenset[str]) -> bool:
    """Whether ``problem`` only says that a field a misspelt key hints at is not given."""
    if problem.code in _NO_IDS:
        return bool(hinted & {REPOSITORY_NAMES_FIELD, "selected_repository_ids"})
    if problem.code == "entry_secret_needed":
        return SECRET_FIELD in hinted
    if problem.code == "entry_codespaces_no_visibility":
        return "visibility" in hinted
    return problem.code in _ABSENT and problem.field in hinted


_auth_type = schema.auth_type_of
_has_secret = schema.takes_secret


def _parse_codespaces(raw: Mapping[str, Any]) -> tuple[CodespacesSecret | None, list[Problem]]:
    spec = raw.get(CODESPACES_FIELD)
    if spec is None:
        return None, []
    visibility = raw.get("visibility")
    name: Any
    wanted: Any
    if isinstance(spec, str):
        name, wanted = spec, visibility
    elif isinstance(spec, Mapping):
        unknown = sorted(set(spec) - {"name", "visibility"})
        if unknown:
            return None, [Problem("entry_codespaces_key", CODESPACES_FIELD, {"key": unknown[0]})]
        name, wanted = spec.get("name"), spec.get("visibility", visibility)
    else:
        return None, [Problem("entry_codespaces_shape", CODESPACES_FIELD)]
    problems: list[Problem] = []
    allowed = ", ".join(CODESPACES_VISIBILITIES)
    if name is None:
        problems.append(Problem("entry_codespaces_no_name", CODESPACES_FIELD))
    elif (
        not isinstance(name, str) or not _SECRET_NAME_RE.fullmatch(name) or name.upper().startswith("GITHUB_")
    ):
        problems.append(Problem("entry_codespaces_name", CODESPACES_FIELD, {"name": schema.shown(name)}))
    if wanted is None:
        problems.append(Problem("entry_codespaces_no_visibility", CODESPACES_FIELD, {"allowed": allowed}))
    elif wanted not in CODESPACES_VISIBILITIES:
        params: dict[str, Any] = {"wanted": schema.shown(wanted), "allowed": allowed}
        problems.append(Problem("entry_codespaces_visibility", CODESPACES_FIELD, params))
    elif wanted == "selected" and visibility is not None and visibility != "selected":
        # A registry without a visibility is `visibility`'s own problem.
        params = {"visibility": visibility}
        problems.append(Problem("entry_codespaces_selected", CODESPACES_FIELD, params))
    if not _has_secret(raw):
        params = {"auth_type": _auth_type(raw)}
        problems.append(Problem("entry_codespaces_no_secret", CODESPACES_FIELD, params))
    if problems or not isinstance(name, str) or not isinstance(wanted, str):
        return None, problems
    return CodespacesSecret(name=name, visibility=wanted), []


def _parse_entry(raw: Any, index: int, default_org: str | None) -> RegistryEntry:
    if not isinstance(raw, Mapping):
        problem = Problem("entry_not_mapping", "registry")
        return RegistryEntry(index=index, inputs={}, problems=(problem,), is_mapping=False)
    written = raw
    raw, hinted = _as_meant(raw)
    inputs = {k: raw[k] for k in _PASSTHROUGH_FIELDS if raw.get(k) is not None}
    if inputs.get("org") is None and default_org:
        inputs["org"] = default_org
    suggested = default_secret_key(inputs.get("org"), inputs.get("registry_type"))

    problems: list[Problem] = []
    secret_in_file = False
    for key, value in written.items():
        if _is_secret_input(key):
            secret_in_file = True
            params = {"suggested": suggested, "command": set_secret_command(suggested)}
            problems.append(Problem("entry_secret_in_file", str(key), params))
        elif key not in ENTRY_FIELDS:
            problems.append(_unknown_field(str(key), value))

    secret_key = raw.get(SECRET_FIELD)
    if secret_key is not None and (
        not isinstance(secret_key, str) or not _CONFIG_KEY_RE.fullmatch(secret_key)
    ):
        # Not echoed: what stands here may be the secret itself, pasted in by mistake.
        problems.append(Problem("entry_secret_not_key", SECRET_FIELD))
        secret_key = None
    elif secret_key is not None and not _has_secret(raw) and _auth_type(raw) in schema.AUTH_TYPES:
        problems.append(Problem("entry_secret_not_taken", SECRET_FIELD, {"auth_type": _auth_type(raw)}))
        secret_key = None
    elif secret_key is None and _has_secret(raw) and not secret_in_file:
        # A secret written in the file has its own problem, which says to name a key instead.
        params = {
            "auth_type": _auth_type(raw),
            "suggested": suggested,
            "command": set_secret_command(suggested),
        }
        problems.append(Problem("entry_secret_needed", SECRET_FIELD, params))

    names = raw.get(REPOSITORY_NAMES_FIELD)
    repository_names: tuple[str, ...] = ()
    if names is not None:
        if isinstance(names, list) and all(isinstance(n, str) and n.strip() for n in names):
            repository_names = tuple(n.strip() for n in names)
        else:
            problems.append(Problem("entry_names_not_list", REPOSITORY_NAMES_FIELD))

    codespaces, codespaces_problems = _parse_codespaces(raw)
    problems.extend(codespaces_problems)
    return RegistryEntry(
        index=index,
        inputs=inputs,
        secret_key=secret_key,
        repository_names=repository_names,
        codespaces=codespaces,
        problems=tuple(p for p in problems if not _follows_from_hint(p, hinted)),
        hinted=hinted,
    )


# Every key of our namespace shares its 26-character prefix with the registries key: at difflib's
# default cutoff every secret key would look like a misspelling of it.
_NEAR_FULL_KEY_CUTOFF: Final = 0.92
# `registry` and `registers` are near `registries`; a secret key such as `registryToken` is not.
_NEAR_NAME_CUTOFF: Final = 0.75


def near_registries_keys(config_keys: Iterable[str]) -> list[str]:
    """The config keys, of any namespace, that look like a misnamed registries key, in the order given.

    ``github-private-registry:registries`` (the provider's namespace) and
    ``github-private-registries:registry`` both are.
    """
    wanted = full_key(REGISTRIES_KEY)
    return [
        key
        for key in dict.fromkeys(config_keys)
        if key != wanted
        and (
            difflib.get_close_matches(wanted, [key], n=1, cutoff=_NEAR_FULL_KEY_CUTOFF)
            or difflib.get_close_matches(
                REGISTRIES_KEY, [key.rpartition(":")[2]], n=1, cutoff=_NEAR_NAME_CUTOFF
            )
        )
    ]


# A provider setting's name, by its lower case: the dynamic provider's key for it.
_SETTINGS_BY_NAME: Final = {setting.name.lower(): setting.key for setting in DYNAMIC_KEYS.all}


def provider_setting_problems(config_keys: Iterable[str], named: Iterable[str] = ()) -> list[str]:
    """Keys of :data:`PROJECT`'s namespace named as a provider setting is, in any case
    (``github-private-registries:requestTimeout``), that no registry names as its secret (``named``,
    keys without their namespace): the program reads only its registries and their secrets there,
    so the setting would silently stay at its default. One line each, with the key meant."""
    secrets = set(named)
    lines = []
    for key in dict.fromkeys(config_keys):
        namespace, _, name = key.partition(":")
        # ASCII only: a key of other letters is shown as it is, and `\u212a`.lower() is a 'k'.
        if namespace != PROJECT or name in secrets or not name.isascii():
            continue
        meant = _SETTINGS_BY_NAME.get(name.lower())
        if meant is not None:
            lines.append(f"{key} is a setting of the provider: did you mean {meant}?")
    return lines


def missing_registries_problem(config_keys: Iterable[str] = ()) -> str:
    """What is wrong with a stack config without the registries list, naming keys that look misnamed.

    A stack that declares nothing makes ``pulumi up`` delete every registry it manages, so only an
    explicit ``[]`` may mean "none".
    """
    wanted = full_key(REGISTRIES_KEY)
    problem = (
        f"{wanted} is not set, so the stack would declare no registry and `pulumi up` would delete "
        "every one it manages: list the registries under it, or set it to [] to declare none"
    )
    near = near_registries_keys(config_keys)
    if near:
        problem += f"; {', '.join(near)} {'is' if len(near) == 1 else 'are'} set: did you mean `{wanted}`?"
    return problem


def parse_registries(
    raw: Any, *, default_org: str | None = None, config_keys: Iterable[str] = ()
) -> tuple[list[RegistryEntry], list[str]]:
    """Parse the registries list; returns the entries and problems with the list itself.

    ``raw`` None (the key is not set) is a problem, hinting at any of ``config_keys`` (every key of
    the stack config) that looks like a misnamed registries key. Entries that would name the same
    registry (same org and type) or the same Codespaces secret get a problem on the later one.
    """
    keys = list(config_keys)
    if raw is None and full_key(REGISTRIES_KEY) in keys:
        # `registries:` with nothing after it (its entries indented too little, or none yet): YAML's null.
        return [], [
            f"{full_key(REGISTRIES_KEY)} is empty (null), so the stack would declare no registry and "
            "`pulumi up` would delete every one it manages: list the registries under it, indented "
            "below it (`    - registry_type: ...`), or set it to [] to declare none"
        ]
    if raw is None:
        return [], [missing_registries_problem(keys)]
    if not isinstance(raw, list):
        return [], [f"{full_key(REGISTRIES_KEY)} must be a list of registries (`- ...`), got {kind_of(raw)}"]
    entries = [_parse_entry(item, i, default_org) for i, item in enumerate(raw)]
    seen: dict[tuple[str, str], RegistryEntry] = {}
    seen_codespaces: dict[tuple[str, str], RegistryEntry] = {}
    result = []
    for entry in entries:
        extra: list[Problem] = []
        if entry.org and entry.name:
            first = seen.setdefault((entry.org.lower(), entry.name), entry)
            if first is not entry:
                params = {"first": first.index, "org": entry.org, "name": entry.name}
                extra.append(Problem("entry_duplicate", "registry_type", params))
        if entry.org and entry.codespaces:
            key = (entry.org.lower(), entry.codespaces.name.upper())
            first = seen_codespaces.setdefault(key, entry)
            if first is not entry:
                params = {"first": first.index, "secret": entry.codespaces.name, "org": entry.org}
                extra.append(Problem("entry_duplicate_codespaces", CODESPACES_FIELD, params))
        if extra:
            entry = replace(entry, problems=(*entry.problems, *extra))
        result.append(entry)
    return result, []


def secret_problems(
    entry: RegistryEntry,
    status: Callable[[str], SecretStatus],
    stack: str | None = None,
    set_keys: Iterable[str] = (),
) -> list[Problem]:
    """Whether the entry's secret config key is set, and set as a secret; ``status`` looks a key up.

    ``set_keys``: config keys that are set and that no registry names (full keys): one of
    :data:`PROJECT`'s namespace near a secret key that is not set is named (``npmTokn`` for
    ``npmToken``, either way round), or the same key set in another namespace."""
    if entry.secret_key is None or not entry.takes_secret:
        return []
    where = status(entry.secret_key)
    command = set_secret_command(entry.secret_key, stack)
    params = {"key": full_key(entry.secret_key), "command": command}
    if where == "missing":
        keys = list(dict.fromkeys(set_keys))
        near = _near_secret_key(
            entry.secret_key, [k.partition(":")[2] for k in keys if k.startswith(f"{PROJECT}:")]
        )
        if near is not None:
            params = {"key": full_key(entry.secret_key), "near_key": full_key(near), "near": near}
            return [Problem("entry_secret_unset_near", SECRET_FIELD, params)]
        elsewhere = [k for k in keys if k.partition(":")[2] == entry.secret_key]
        if elsewhere:
            params = {**params, "near_key": elsewhere[0], "namespace": PROJECT}
            params["remove"] = remove_command(elsewhere[0], stack)
            return [Problem("entry_secret_unset_elsewhere", SECRET_FIELD, params)]
        return [Problem("entry_secret_unset", SECRET_FIELD, params)]
    if where == "plaintext":
        params["remove"] = remove_command(full_key(entry.secret_key), stack)
        return [Problem("entry_secret_plaintext", SECRET_FIELD, params)]
    return []


def _near_secret_key(key: str, set_keys: Iterable[str]) -> str | None:
    """The set key of :data:`PROJECT`'s namespace a secret key that is not set most resembles, or None."""
    if len(key) > 64:
        return None
    candidates = [k for k in dict.fromkeys(set_keys) if k != REGISTRIES_KEY and len(k) <= 64]
    lowered = {k.lower(): k for k in candidates}
    if key.lower() in lowered:  # only the case differs
        return lowered[key.lower()]
    near = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.8)
    return lowered[near[0]] if near else None


def kind_of(value: Any) -> str:
    """What a value is, in words (never Python's type names): ``a mapping``, ``a string``, ..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a value of another kind"


# Stands for a secret or a repository id that the offline check cannot see but knows is there.
_PLACEHOLDER_VALUE: Final = "placeholder"
_PLACEHOLDER_ID: Final = 1


def declaration_problems(entry: RegistryEntry, *, default_org: str | None = None) -> list[Problem]:
    """The provider's own check (:func:`.schema.declaration_problems`) on the entry, offline.

    The secret and the repository names stand for values the check cannot see; a missing secret
    key is :func:`secret_problems`' to report. Problems are named by the entry's fields.
    """
    if not entry.is_mapping:
        return []
    # The secret stands in as present: one that is not set is secret_problems' to report, and
    # one that is not named was reported when the entry was parsed.
    value = _PLACEHOLDER_VALUE if entry.takes_secret else None
    props = entry.declaration(value, [_PLACEHOLDER_ID] * len(entry.repository_names))
    ids_given = entry.inputs.get("selected_repository_ids") is not None
    problems = []
    for problem in schema.declaration_problems(
        props, default_org=default_org, owner_setting=DYNAMIC_KEYS.owner.pair
    ):
        if problem.field == "value":
            problem = replace(problem, field=SECRET_FIELD)  # the entry's key for the secret
        elif problem.field == "selected_repository_ids" and not ids_given:
            if any(p.field == REPOSITORY_NAMES_FIELD for p in entry.problems):
                continue  # the names given are no list: that problem is the one to report
            if entry.repository_names:
                problem = replace(problem, field=REPOSITORY_NAMES_FIELD)
            elif problem.code == "selected_needs_ids":
                problem = replace(problem, code="entry_selected_needs_ids")
        if not _follows_from_hint(problem, entry.hinted):
            problems.append(problem)
    return problems


def default_secret_key(org: Any, registry_type: Any) -> str:
    """A secret config key for a registry: ``acme``, ``npm_registry`` -> ``acmeNpmRegistry``."""
    words = re.split(r"[^A-Za-z0-9]+", f"{org or ''} {registry_type or 'registry'}")
    words = [w for w in words if w]
    if not words:
        return "registrySecret"
    return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


def repository_full_name(org: str, name: str) -> str:
    """``owner/name`` of a repository given by name: its org's unless the name says ``owner/repo``."""
    return name if "/" in name else f"{org}/{name}"


def entry_from_record(org: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A registries entry that adopts a registry as GitHub lists it.

    GitHub returns neither the secret nor the repository ids: a secret auth type gets a ``secret``
    key to set, and ``visibility: selected`` an empty ``selected_repositories`` to fill in.
    """
    entry: dict[str, Any] = {"org": org}
    for name in _PASSTHROUGH_FIELDS:
        if name in ("org", "adopt") or record.get(name) is None:
            continue
        if name == "replaces_base" and not record[name]:
            continue
        entry[name] = record[name]
    if _has_secret(entry):
        entry[SECRET_FIELD] = default_secret_key(org, record.get("registry_type"))
    if entry.get("visibility") == "selected":
        entry[REPOSITORY_NAMES_FIELD] = []
    entry["adopt"] = True
    return entry
