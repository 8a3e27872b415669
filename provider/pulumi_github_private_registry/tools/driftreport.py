"""``drift``'s result as data: each registry's verdict, each org's list, the notes, the JSON document.

What :func:`.drift.report` returns and :mod:`.drifttext` and :mod:`.driftactions` render; it asks
GitHub nothing and prints nothing. Every string of the JSON document is redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ..audiences.keys import COMMAND_KEYS
from ..core import schema
from ..core.errors import redact

__all__ = [
    "FIELD_ORDER",
    "JSON_VERSION",
    "REPOSITORIES",
    "REPOSITORIES_NOTE",
    "STATUSES",
    "VALUE",
    "VALUE_NOTE",
    "Difference",
    "OrgResult",
    "RegistryDrift",
    "Report",
    "Status",
    "plural",
]

JSON_VERSION: Final = 1
"""The version of the ``--json`` document's shape; raised only when a field changes meaning or goes."""

Status = Literal["in_sync", "missing", "undeclared", "changed", "not_checked"]
"""A registry's verdict; ``not_checked``: declared in an org whose list could not be read."""

VALUE: Final = "value"
"""Named in ``not_compared`` for a registry that carries a secret: GitHub never returns it."""
REPOSITORIES: Final = "selected_repository_ids"
"""Named in ``not_compared`` for a ``selected`` registry: GitHub never says which repositories."""

VALUE_NOTE: Final = "secret values are not compared: GitHub never returns them"
REPOSITORIES_NOTE: Final = (
    "repository lists are not compared: GitHub never returns which repositories a registry with "
    "visibility 'selected' serves"
)


@dataclass(frozen=True)
class Difference:
    """A reported field whose declared value (defaults made explicit) differs from GitHub's."""

    field: str
    declared: Any
    github: Any


@dataclass(frozen=True)
class RegistryDrift:
    """One registry, declared or at GitHub or both, and its verdict."""

    org: str
    name: str
    registry_type: str | None
    status: Status
    index: int | None = None
    """The entry's index in the registries list; None for an undeclared registry."""
    differences: tuple[Difference, ...] = ()
    not_compared: tuple[str, ...] = ()
    """Fields that could not be compared: :data:`VALUE`, :data:`REPOSITORIES`, and reported
    fields GitHub's answer left out. Empty unless the registry is declared and at GitHub."""
    github: Mapping[str, Any] = field(default_factory=dict)
    """For an undeclared registry: the reported fields GitHub gave."""

    @property
    def label(self) -> str:
        """``acme/NPM_REGISTRY_SECRET (registry[0])``, or without the index when undeclared."""
        where = f" (registry[{self.index}])" if self.index is not None else ""
        return f"{self.org}/{self.name}{where}"


@dataclass(frozen=True)
class OrgResult:
    """One org: how many registries the stack declares there, how many GitHub listed, or why not."""

    org: str
    declared: int
    at_github: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Report:
    """The whole comparison of one stack file; :attr:`errors` means nothing was compared."""

    stack_file: str
    base_url: str | None = None
    token_env: str = COMMAND_KEYS.token.env
    """The variable the token was read from: a command suggested to follow reads it too."""
    errors: tuple[str, ...] = ()
    """Problems with the stack file, the credentials or the base URL (nothing was asked of GitHub)."""
    orgs: tuple[OrgResult, ...] = ()
    registries: tuple[RegistryDrift, ...] = ()

    def count(self, status: Status) -> int:
        """How many registries have ``status``."""
        return sum(r.status == status for r in self.registries)

    @property
    def drift(self) -> bool:
        """Whether any registry is missing, undeclared or changed (in the orgs that were read)."""
        return any(r.status in ("missing", "undeclared", "changed") for r in self.registries)

    @property
    def failed_orgs(self) -> tuple[OrgResult, ...]:
        """The orgs whose registries could not be listed."""
        return tuple(o for o in self.orgs if o.error is not None)

    @property
    def exit_status(self) -> int:
        """1 on any error (the report is incomplete), else 2 on drift, else 0."""
        if self.errors or self.failed_orgs:
            return 1
        return 2 if self.drift else 0

    def notes(self) -> list[str]:
        """What the comparison could not see, each said once."""
        compared = [r for r in self.registries if r.status in ("in_sync", "changed")]
        notes = []
        secrets = sum(VALUE in r.not_compared for r in compared)
        if secrets:
            notes.append(f"{VALUE_NOTE} ({_of_compared(secrets)} {_verb(secrets, 'carries', 'carry')} one)")
        selected = sum(REPOSITORIES in r.not_compared for r in compared)
        if selected:
            notes.append(
                f"{REPOSITORIES_NOTE} ({_of_compared(selected)} {_verb(selected, 'has', 'have')} "
                "that visibility)"
            )
        left_out = sorted(
            {f for r in compared for f in r.not_compared if f not in (VALUE, REPOSITORIES)},
            key=FIELD_ORDER.__getitem__,
        )
        if left_out:
            count = sum(any(f in left_out for f in r.not_compared) for r in compared)
            notes.append(
                f"GitHub's answers left out {', '.join(left_out)} for {plural(count, 'registry')}: "
                "not compared"
            )
        return notes

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document: a stable shape, ``version`` :data:`JSON_VERSION`.

        ``{"version": 1, "stack_file", "base_url" (null when GitHub was not asked), "drift": bool,
        "exit_status": 0|1|2, "errors": [str], "orgs": [{"org", "declared", "at_github" (null on
        error), "error" (null or str)}], "registries": [{"org", "name", "registry_type", "index"
        (null when undeclared), "status": "in_sync"|"missing"|"undeclared"|"changed"|"not_checked",
        "differences": [{"field", "declared", "github"}], "not_compared": [field], "github": {field:
        value} (the undeclared registry's reported fields, else {})}], "summary": {"declared",
        "at_github", "missing", "undeclared", "changed", "in_sync", "not_checked", "failed_orgs"},
        "notes": [str]}``. Orgs are sorted case-insensitively, registries by org then name;
        ``declared`` and ``github`` values are normalized as compared (defaults made explicit), a
        ``url`` without its user-info, query and fragment (marked ``***@``, ``?…``, ``#…``): machine
        output is still kept in CI, so it holds no query a token may ride in.
        """
        document: dict[str, Any] = {
            "version": JSON_VERSION,
            "stack_file": self.stack_file,
            "base_url": self.base_url,
            "drift": self.drift,
            "exit_status": self.exit_status,
            "errors": list(self.errors),
            "orgs": [
                {"org": o.org, "declared": o.declared, "at_github": o.at_github, "error": o.error}
                for o in self.orgs
            ],
            "registries": [
                {
                    "org": r.org,
                    "name": r.name,
                    "registry_type": r.registry_type,
                    "index": r.index,
                    "status": r.status,
                    "differences": [
                        {"field": d.field, "declared": d.declared, "github": d.github} for d in r.differences
                    ],
                    "not_compared": list(r.not_compared),
                    "github": dict(r.github),
                }
                for r in self.registries
            ],
            "summary": {
                "declared": sum(r.index is not None for r in self.registries),
                "at_github": sum(o.at_github or 0 for o in self.orgs),
                **{status: self.count(status) for status in STATUSES},
                "failed_orgs": len(self.failed_orgs),
            },
            "notes": self.notes(),
        }
        redacted: dict[str, Any] = _redacted(document)
        return redacted


STATUSES: Final[tuple[Status, ...]] = ("missing", "undeclared", "changed", "in_sync", "not_checked")
"""The verdicts, in the order the summary counts them (the drift's first)."""
FIELD_ORDER: Final = {name: i for i, name in enumerate(schema.FIELDS_BY_NAME)}
"""A field's place in the field table: fields are listed in that order."""


def plural(count: int, noun: str) -> str:
    """``1 registry``, ``2 registries``, ``3 orgs``: the count and the noun, in its number."""
    if noun.endswith("y"):
        return f"{count} {noun[:-1]}{'y' if count == 1 else 'ies'}"
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _of_compared(count: int) -> str:
    return f"{count} of the compared registries"


def _redacted(value: Any) -> Any:
    """``value`` with every string redacted: GitHub's text or a stack file's may carry a credential."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(item) for item in value]
    return value
