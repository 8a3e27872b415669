"""``drift``: what a stack file declares against what GitHub reports, read-only and without Pulumi.

``python -m pulumi_github_private_registry drift stacks/Pulumi.prod.yaml`` (also
``python -m pulumi_github_private_registry.tools.drift``) reads the stack file as ``validate`` does
(:mod:`.stackconfig`; the default org is ``github:owner``, else ``GITHUB_OWNER``), lists each org's
registries once (the orgs of the declared registries and the stack's default org), and reports:

- **missing**: declared, and GitHub has no such registry (``pulumi up`` would create it);
- **undeclared**: at GitHub, and the stack file does not declare it;
- **changed**: declared and at GitHub, with fields that differ. Only the fields GitHub reports
  (:data:`.schema.REPORTED_FIELDS`) are compared, normalized as the lifecycle's diff does (an
  ``auth_type`` left out is ``token``, a ``replaces_base`` left out is false, ``""`` is unset); a
  field GitHub's answer leaves out is not compared. GitHub never returns a registry's secret value
  nor which repositories a ``selected`` registry has: neither is compared, and the report says so.

A ``url`` is reported, in every format, as ``scheme://host/path`` with a mark where its user-info,
query or fragment was (``https://***@host/path?…#…``): any of them may carry a deploy token, and
a CI log, a job summary or a JSON file kept as an artifact is no place for one. The comparison is on
the whole URL; two alike but for those parts are said to "differ in what is not shown".

Nothing is written anywhere. Credentials come from the environment as ``discover`` reads them
(``--token-env``, ``GITHUB_TOKEN`` by default, or a GitHub App's ``GITHUB_APP_*``); the base URL from
``--base-url``, else the stack file's ``github:baseUrl``, else ``GITHUB_BASE_URL``, else github.com.

Exit status: 0 no drift; 2 drift; 1 an error (the stack file cannot be read or has problems, the
credentials or base URL are unusable, or an org could not be listed: the others are still
reported), which wins over 2 since the report is then incomplete.

``--json`` (``--format json``) prints one JSON document (see :meth:`Report.to_json`; ``"version":
1``) and nothing else on stdout, errors included; the errors also go to stderr, for people reading a
CI log. ``--format github`` prints GitHub Actions workflow commands instead (:func:`render_github`)
and appends a Markdown job summary to ``$GITHUB_STEP_SUMMARY`` (printed after them when unset). The
exit status is the same in every format.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal, TextIO

from ..audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS
from ..core import schema, settings
from ..core.access import connect, has_credential
from ..core.answers import registry_url_marked
from ..core.comparing import normalized  # the diff's own comparison
from ..core.errors import MAX_LINE, GitHubError, affects_every_org, bounded, redact
from . import stackconfig, stackfile
from .invocation import CommandParser, Exit, add_token_env, as_module, invoked_as, no_token

__all__ = [
    "DESCRIPTION",
    "FORMATS",
    "HELP",
    "JSON_VERSION",
    "SUMMARY_ENV",
    "USAGE_STATUS",
    "Difference",
    "OrgResult",
    "RegistryDrift",
    "Report",
    "Status",
    "add_arguments",
    "main",
    "render_github",
    "render_json",
    "render_text",
    "report",
    "run",
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
            key=_FIELD_ORDER.__getitem__,
        )
        if left_out:
            count = sum(any(f in left_out for f in r.not_compared) for r in compared)
            notes.append(
                f"GitHub's answers left out {', '.join(left_out)} for {_plural(count, 'registry')}: "
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
                **{status: self.count(status) for status in _STATUSES},
                "failed_orgs": len(self.failed_orgs),
            },
            "notes": self.notes(),
        }
        redacted: dict[str, Any] = _redacted(document)
        return redacted


_STATUSES: Final[tuple[Status, ...]] = ("missing", "undeclared", "changed", "in_sync", "not_checked")
_FIELD_ORDER: Final = {name: i for i, name in enumerate(schema.FIELDS_BY_NAME)}


def _plural(count: int, noun: str) -> str:
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


# --- reading the stack file -------------------------------------------------------------------


def _load_config(path: Path) -> tuple[Mapping[str, Any], list[str]]:
    """The stack file's ``config:`` mapping, or why it cannot be read (as ``validate`` words it)."""
    return stackfile.load_stack_file(path)


def _declared(
    config: Mapping[str, Any],
) -> tuple[list[stackconfig.RegistryEntry], str | None, list[str]]:
    """The declared registries, the default org, and the problems that make the declaration unusable.

    Parsed exactly as ``validate`` parses them. Where a secret is kept (a key not set, or set in
    plaintext) changes nothing GitHub reports: that is ``validate``'s to say, not drift's.
    """
    owner = config.get(DYNAMIC_KEYS.owner.key)
    default_org = DYNAMIC_KEYS.owner.resolve(owner if isinstance(owner, str) else None)
    entries, problems = stackconfig.parse_registries(
        config.get(stackconfig.full_key(stackconfig.REGISTRIES_KEY)),
        default_org=default_org,
        config_keys=[str(key) for key in config],
    )
    for entry in entries:
        found = [*entry.problems, *stackconfig.declaration_problems(entry, default_org=default_org)]
        problems.extend(entry.describe(p) for p in found)
    org = default_org if isinstance(default_org, str) and schema.org_problem(default_org) is None else None
    return entries, org, problems


# --- comparing --------------------------------------------------------------------------------


def _record_name(record: Mapping[str, Any]) -> str:
    name = record.get("name")
    if isinstance(name, str) and name:
        return name.upper()
    return schema.configuration_name(str(record.get("registry_type")))


def _reported(name: str, value: Any) -> Any:
    """A value as the report holds it, in every format: a ``url`` without its user-info, query and
    fragment (:func:`~..core.answers.registry_url_marked`: ``https://***@host/path?…``), which may
    carry a credential; the comparison itself is on the whole URL."""
    return registry_url_marked(value) if name == "url" and isinstance(value, str) else value


def _compare(org: str, entry: stackconfig.RegistryEntry, record: Mapping[str, Any]) -> RegistryDrift:
    """A declared registry against GitHub's record of it, field by reported field."""
    differences = []
    left_out = []
    for name in schema.REPORTED_FIELDS:
        declared = schema.auth_type_of(entry.inputs) if name == "auth_type" else entry.inputs.get(name)
        mine = normalized(name, declared)
        if name not in record:
            # As the lifecycle's refresh does, a field GitHub leaves out is not read as unset (its
            # own example answers omit `url` and `auth_type`); only one declared is worth a word.
            if mine not in (None, False):
                left_out.append(name)
            continue
        theirs = normalized(name, record[name])
        if mine != theirs:
            differences.append(Difference(name, _reported(name, mine), _reported(name, theirs)))
    not_compared = list(left_out)
    if entry.takes_secret:
        not_compared.append(VALUE)
    if entry.inputs.get("visibility") == "selected":
        not_compared.append(REPOSITORIES)
    return RegistryDrift(
        org=org,
        name=str(entry.name),
        registry_type=entry.registry_type,
        status="changed" if differences else "in_sync",
        index=entry.index,
        differences=tuple(differences),
        not_compared=tuple(sorted(not_compared, key=_FIELD_ORDER.__getitem__)),
    )


def _compare_org(
    org: str, entries: Sequence[stackconfig.RegistryEntry], records: Sequence[Mapping[str, Any]]
) -> list[RegistryDrift]:
    at_github: dict[str, Mapping[str, Any]] = {}
    for record in records:
        at_github.setdefault(_record_name(record), record)
    results = []
    declared = {str(e.name): e for e in entries}
    for name, entry in declared.items():
        found = at_github.get(name)
        if found is None:
            results.append(RegistryDrift(org, name, entry.registry_type, "missing", entry.index))
        else:
            results.append(_compare(org, entry, found))
    for name, record in at_github.items():
        if name not in declared:
            reported = {f: _reported(f, record[f]) for f in schema.REPORTED_FIELDS if f in record}
            registry_type = record.get("registry_type")
            results.append(
                RegistryDrift(
                    org,
                    name,
                    registry_type if isinstance(registry_type, str) else None,
                    "undeclared",
                    github=reported,
                )
            )
    return sorted(results, key=lambda r: r.name)


def report(
    path: str | Path,
    *,
    base_url: str | None = None,
    token_env: str = COMMAND_KEYS.token.env,
) -> Report:
    """Compare the stack file at ``path`` with GitHub: one list call per org, nothing written.

    ``base_url`` (the ``--base-url`` flag) wins over the stack file's ``github:baseUrl``, which wins
    over ``GITHUB_BASE_URL``. Never raises for a stack file, a setting or GitHub: each becomes an
    error of the report (every text redacted).
    """
    shown = str(path)
    config, problems = _load_config(Path(path))
    entries: list[stackconfig.RegistryEntry] = []
    default_org: str | None = None
    if not problems:
        entries, default_org, problems = _declared(config)
    if problems:
        return Report(shown, errors=tuple(redact(p) for p in problems))

    by_org: dict[str, list[stackconfig.RegistryEntry]] = {}
    spelling: dict[str, str] = {}
    for entry in entries:
        org = str(entry.org)
        spelling.setdefault(org.lower(), org)
        by_org.setdefault(org.lower(), []).append(entry)
    if default_org is not None:
        spelling.setdefault(default_org.lower(), default_org)
        by_org.setdefault(default_org.lower(), [])
    if not by_org:
        return Report(shown)  # `[]` and no default org: nothing declared, no org to ask

    try:
        credentials = settings.from_environment(COMMAND_KEYS, token_env)
    except settings.SettingError as exc:
        return Report(shown, errors=(redact(str(exc)),))
    if not has_credential(credentials):
        return Report(
            shown,
            errors=(no_token(token_env),),
        )
    if base_url:
        url, source = base_url, "--base-url"
    else:
        url, source = DYNAMIC_KEYS.base_url.lookup(config.get(DYNAMIC_KEYS.base_url.key))
        if url is None:
            source = f"--base-url, {DYNAMIC_KEYS.base_url.key} or {DYNAMIC_KEYS.base_url.env}"
    try:
        # The network (the HTTP stack is imported here): only once the file is sound.
        client = connect(replace(credentials, base_url=url, base_url_source=source)).client
    except ValueError as exc:
        return Report(shown, errors=(redact(str(exc)),))

    orgs: list[OrgResult] = []
    registries: list[RegistryDrift] = []
    one_credential = credentials.app is None and not credentials.tokens
    stopped: str | None = None
    try:
        for key in sorted(by_org):
            org, declared = spelling[key], by_org[key]
            if not has_credential(credentials, key):
                error = f"no token for org '{org}' in ${COMMAND_KEYS.tokens.env} and none in ${token_env}"
                orgs.append(OrgResult(org, len(declared), error=error))
            elif stopped is not None:
                orgs.append(OrgResult(org, len(declared), error=f"not read: not tried after {stopped}"))
            else:
                try:
                    records = client.list_registries(org)
                except GitHubError as exc:
                    orgs.append(OrgResult(org, len(declared), error=redact(str(exc))))
                    if affects_every_org(exc, one_credential):
                        stopped = f"{org}'s failure, which every org would meet"
                else:
                    orgs.append(OrgResult(org, len(declared), at_github=len(records)))
                    registries.extend(_compare_org(org, declared, records))
                    continue
            registries.extend(
                RegistryDrift(org, str(e.name), e.registry_type, "not_checked", e.index)
                for e in sorted(declared, key=lambda e: str(e.name))
            )
    finally:
        client.close()
    return Report(
        shown, base_url=client.base_url, token_env=token_env, orgs=tuple(orgs), registries=tuple(registries)
    )


# --- rendering --------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    # Bounded: a declared value may be a megabyte; GitHub's answer, anything.
    return "unset" if value is None else schema.plain(repr(value), 200)


def _missing(registry: RegistryDrift) -> str:
    return "declared, and GitHub has no such registry (`pulumi up` would create it)"


def _undeclared(registry: RegistryDrift, result: Report) -> str:
    return (
        f"at GitHub, not in the stack file (`{_discover_command(registry.org, result)}` prints an "
        "entry that adopts it)"
    )


def _discover_command(org: str, result: Report) -> str:
    """The ``discover`` that reads ``org`` where and as drift read it: without ``--base-url`` it
    would ask github.com, sending there a token meant for another server; without ``--token-env``
    it would find no token."""
    command = f"{invoked_as()} discover --org {org}"  # an org login: no shell quoting needed
    if result.base_url and result.base_url != settings.DEFAULT_BASE_URL:
        command += f" --base-url {shlex.quote(result.base_url)}"
    if result.token_env != COMMAND_KEYS.token.env:
        command += f" --token-env {shlex.quote(result.token_env)}"
    return command


def _difference(difference: Difference) -> str:
    text = (
        f"{difference.field}: declared {_shown(difference.declared)}, GitHub has {_shown(difference.github)}"
    )
    if difference.field == "url" and difference.declared == difference.github:  # alike but for what is hidden
        text += " (they differ in what is not shown)"
    return text


def _org_failure(org: OrgResult) -> str:
    return f"{str(org.error).rstrip('.')}" + (
        f" ({_plural(org.declared, 'declared registry')} not compared)" if org.declared else ""
    )


def _verdict(result: Report) -> str:
    """The one-line outcome, after the stack file's name (``no drift: ...``, ``drift: ...``)."""
    failed = len(result.failed_orgs)
    read = _plural(len(result.orgs) - failed, "org")
    checked = sum(r.index is not None and r.status != "not_checked" for r in result.registries)
    declared = _plural(checked, "declared registry")
    if not result.orgs:
        verdict = (
            "no drift: no registry is declared and no default org is set, so there is nothing to compare"
        )
    elif failed == len(result.orgs):
        verdict = f"not compared: none of the {_plural(failed, 'org')} could be read"
    elif result.drift:
        counts = ", ".join(f"{result.count(s)} {s.replace('_', ' ')}" for s in _STATUSES[:4])
        verdict = f"drift: {counts} ({declared}, {read} read)"
    else:
        verdict = f"no drift: {declared} in {read} match GitHub"
    if failed and failed < len(result.orgs):
        verdict += f"; {_plural(failed, 'org')} could not be read: the report is incomplete"
    if result.base_url:
        verdict += f" (read from {result.base_url})"
    return verdict


def _unusable(result: Report) -> list[str]:
    """Why nothing was compared, one line per error, then the count."""
    plural = _plural(len(result.errors), "problem")
    return [*result.errors, f"{plural}; nothing was compared"]


def render_text(result: Report) -> tuple[list[str], list[str]]:
    """The lines for people: ``(stdout lines, stderr lines)``, each redacted and printable."""
    name = result.stack_file
    if result.errors:
        return [], _lines([f"error: {name}: {line}" for line in _unusable(result)])
    out: list[str] = []
    for registry in result.registries:
        if registry.status == "missing":
            out.append(f"{registry.label}: missing: {_missing(registry)}")
        elif registry.status == "undeclared":
            out.append(f"{registry.label}: undeclared: {_undeclared(registry, result)}")
        out.extend(f"{registry.label}: {_difference(d)}" for d in registry.differences)
    err = [f"error: {o.org}: {_org_failure(o)}" for o in result.failed_orgs]
    out.extend(f"note: {note}" for note in result.notes())
    out.append(f"{name}: {_verdict(result)}")
    return _lines(out), _lines(err)


# --- GitHub Actions: workflow commands and a job summary ------------------------------------------

FORMATS: Final = ("text", "json", "github")
"""What ``drift --format`` prints: lines for people, one JSON document, or GitHub Actions commands."""
SUMMARY_ENV: Final = "GITHUB_STEP_SUMMARY"
"""The file GitHub Actions shows as the job summary; ``--format github`` appends to it."""
MAX_SUMMARY_ROWS: Final = 300
"""Rows of the summary's table at most; the annotations and ``--json`` still have every registry.

GitHub takes at most 1 MiB (1024k) of summary a step and drops a larger one whole ("$GITHUB_STEP_SUMMARY
upload aborted, supports content up to a size of 1024k": docs.github.com, workflow commands, "Adding a
job summary"): 300 rows of at most about 1,600 characters each stay below it."""
MAX_SUMMARY_PROBLEMS: Final = 50
"""Problems of an unusable stack file the summary lists at most (each up to :data:`MAX_LINE`)."""
MAX_ANNOTATIONS: Final = 10
"""Error annotations printed at most for an unusable stack file: GitHub shows 10 error, 10 warning
and 10 notice annotations a step, 50 a job (actions/toolkit, docs/problem-matchers.md,
"Limitations"); more would only fill the log."""
_TITLE: Final = 200  # characters of a value in an annotation's title or a summary cell
_MARKDOWN_PUNCTUATION: Final = re.compile(r"([!-/:-@\[-`{-~])")


def _command_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    """A workflow command's property value (``escapeProperty``): also ``:`` and ``,``."""
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(level: str, file: str, title: str, message: str) -> str:
    """``::error file=F,title=T::message``: every value from outside made one printable, redacted,
    bounded line first (no line of it can start a command of its own), then escaped."""
    properties = (
        f"file={_command_property(bounded(file, _TITLE))},title={_command_property(bounded(title, _TITLE))}"
    )
    return f"::{level} {properties}::{_command_data(bounded(message, MAX_LINE))}"


def _markdown(value: Any, limit: int = _TITLE) -> str:
    """Text for a summary's table or line: redacted, one printable line, bounded, and every ASCII
    punctuation character backslash-escaped, so nothing in it is markup (no ``|`` ends a cell, no
    HTML, link, code span or emphasis starts); "-" when empty."""
    text = bounded(str(value), limit)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text) if text else "-"


def render_github(result: Report) -> tuple[list[str], str]:
    """``--format github``: the workflow commands (one per missing, undeclared or changed registry,
    per org that could not be read, per problem of the stack file up to :data:`MAX_ANNOTATIONS`; a
    notice per note; then the verdict as a notice), and the job summary in Markdown. GitHub shows the
    first 10 errors and 10 warnings of a step as annotations; the log has every one."""
    name = result.stack_file
    out: list[str] = []
    if result.errors:
        # GitHub shows 10 error annotations a step: the first problems, then the count (which says
        # where the rest are), so that 20,000 problems are not 20,000 commands.
        problems = list(result.errors[: MAX_ANNOTATIONS - 1])
        count = _unusable(result)[-1]
        if len(result.errors) > len(problems):
            count += f"; {len(result.errors) - len(problems)} are not annotated: {_every_problem(result)}"
        out += [_annotation("error", name, "drift: nothing compared", line) for line in [*problems, count]]
        return out, _summary(result)
    for registry in result.registries:
        where = f"{registry.org}/{registry.name}"
        if registry.status == "missing":
            out.append(
                _annotation(
                    "error", name, f"missing at GitHub: {where}", f"{registry.label}: {_missing(registry)}"
                )
            )
        elif registry.status == "undeclared":
            out.append(
                _annotation(
                    "warning",
                    name,
                    f"undeclared: {where}",
                    f"{registry.label}: {_undeclared(registry, result)}",
                )
            )
        elif registry.status == "changed":
            changes = "; ".join(_difference(d) for d in registry.differences)
            out.append(
                _annotation("error", name, f"changed at GitHub: {where}", f"{registry.label}: {changes}")
            )
    out += [
        _annotation("error", name, f"not read: {o.org}", f"{o.org}: {_org_failure(o)}")
        for o in result.failed_orgs
    ]
    out += [_annotation("notice", name, "drift: not compared", note) for note in result.notes()]
    out.append(_annotation("notice", name, "drift", f"{name}: {_verdict(result)}"))
    return out, _summary(result)


def _summary(result: Report) -> str:
    """The job summary: a heading, the verdict, and a table of what drifted, by org.

    Linear in the registries and orgs (grouped once), and bounded whatever their number: at most
    :data:`MAX_SUMMARY_ROWS` rows or :data:`MAX_SUMMARY_PROBLEMS` problems are rendered.
    """
    lines = [f"### Registry drift: {_markdown(result.stack_file)}", ""]
    if result.errors:
        lines += ["Nothing was compared:", ""]
        lines += [f"- {_markdown(e, MAX_LINE)}" for e in result.errors[:MAX_SUMMARY_PROBLEMS]]
        if len(result.errors) > MAX_SUMMARY_PROBLEMS:
            more = len(result.errors) - MAX_SUMMARY_PROBLEMS
            lines += ["", f"{_plural(more, 'more problem')}: {_markdown(_every_problem(result), MAX_LINE)}"]
        return "\n".join(lines) + "\n"
    lines.append(f"**Verdict:** {_markdown(_verdict(result), MAX_LINE)}")
    failed = {o.org: o for o in result.failed_orgs}
    drifted: dict[str, list[RegistryDrift]] = {}
    for r in result.registries:
        if r.status in ("missing", "undeclared", "changed"):
            drifted.setdefault(r.org, []).append(r)
    rows: list[str] = []
    total = 0  # every row there would be; only the first MAX_SUMMARY_ROWS are rendered
    for org in sorted(drifted.keys() | {o.org for o in result.orgs}, key=str.lower):
        failure = failed.get(org)
        if failure is not None:
            total += 1
            if total <= MAX_SUMMARY_ROWS:
                rows.append(f"| {_markdown(org)} | - | not read | {_markdown(_org_failure(failure), 400)} |")
        for r in drifted.get(org, ()):
            total += 1
            if total > MAX_SUMMARY_ROWS:
                continue
            if r.status == "missing":
                details = "declared, and GitHub has no such registry"
            elif r.status == "undeclared":
                details = "at GitHub, not in the stack file"
            else:
                details = "; ".join(_difference(d) for d in r.differences)
            where = f" (registry[{r.index}])" if r.index is not None else ""
            rows.append(
                f"| {_markdown(org)} | {_markdown(r.name + where)} | {r.status} | {_markdown(details, 400)} |"
            )
    if rows:
        lines += ["", "| Org | Registry | Drift | Details |", "| --- | --- | --- | --- |", *rows]
        if total > MAX_SUMMARY_ROWS:
            # Not "in the annotations": GitHub shows 10 error and 10 warning annotations a step.
            where = f"the step's log has every one, and {_every_row(result)}"
            lines += ["", f"{total - MAX_SUMMARY_ROWS} more rows are left out: {_markdown(where, MAX_LINE)}"]
    notes = result.notes()
    if notes:
        lines += ["", *(f"- Note: {_markdown(note, MAX_LINE)}" for note in notes)]
    return "\n".join(lines) + "\n"


def _every_row(result: Report) -> str:
    """Where the registries left out of the summary's table are all listed."""
    return f"{_text_command(result)} (or `--json`) lists them"


def _every_problem(result: Report) -> str:
    """Where a stack file's problems left out of the summary and the annotations are all listed."""
    return f"{_text_command(result)} lists every one"


def _text_command(result: Report) -> str:
    """The text report of the same stack file, as a command to copy (the file's name quoted)."""
    return f"`{invoked_as()} drift {shlex.quote(result.stack_file)} --format text`"


def _lines(lines: list[str]) -> list[str]:
    """One printable, redacted, bounded line each: a stack file's or GitHub's text must not forge
    lines in a CI log, nor fill it."""
    return [bounded(line, MAX_LINE) for line in lines]


def render_json(result: Report) -> str:
    """The ``--json`` document, as printed."""
    return json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n"


# --- the command ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, for a ``drift`` subparser of the CLI (then call :func:`run`)."""
    parser.add_argument("file", metavar="FILE", help="a stack file, e.g. stacks/Pulumi.prod.yaml")
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"GitHub's API URL (default: the stack file's {DYNAMIC_KEYS.base_url.key}, else "
        f"${DYNAMIC_KEYS.base_url.env}, else github.com)",
    )
    add_token_env(parser)
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--format",
        dest="output_format",
        choices=FORMATS,
        default="text",
        help=f"text: lines for people (the default); json: one JSON document (version {JSON_VERSION}) "
        "on stdout, nothing else; github: GitHub Actions workflow commands on stdout (::error for a "
        "registry missing at GitHub, changed, or an org not read; ::warning for an undeclared one; "
        f"::notice for the notes and the verdict) and a job summary, a Markdown table of the drift by "
        f"org, appended to the file ${SUMMARY_ENV} names (unset, outside Actions: printed on stdout "
        "after the commands)",
    )
    shape.add_argument(
        "--json",
        dest="output_format",
        action="store_const",
        const="json",
        help="the same as --format json",
    )


HELP: Final = "compare what a stack file declares with what GitHub reports, read-only"
"""The command's line in the CLI's list of commands."""
USAGE_STATUS: Final = 1
"""The exit status of a usage error: 2 means drift."""

DESCRIPTION: Final = (
    "Compare the registries a stack file declares with those GitHub reports, read-only (one list "
    "per org): registries missing at GitHub, registries at GitHub the file does not declare, and "
    "fields that differ. Secret values and the repositories of 'selected' registries cannot be "
    "compared (GitHub never returns them). Exit status: 0 no drift, 2 drift, 1 error."
)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run on arguments parsed with :func:`add_arguments`; returns the exit status (the same for
    every format)."""
    result = report(args.file, base_url=args.base_url, token_env=args.token_env)
    lines, errors = render_text(result)
    if args.output_format == "github":
        commands, summary = render_github(result)
        out.writelines(line + "\n" for line in commands)
        _write_summary(summary, out, err)
        return result.exit_status  # the errors are annotations already
    if args.output_format == "json":
        out.write(render_json(result))
    else:
        out.writelines(line + "\n" for line in lines)
    err.writelines(line + "\n" for line in errors)
    return result.exit_status


def _write_summary(summary: str, out: TextIO, err: TextIO) -> None:
    """Append the job summary to ``$GITHUB_STEP_SUMMARY``, or print it after the commands when unset."""
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        out.write("\n" + summary)
        return
    try:
        with open(path, "a", encoding="utf-8") as summary_file:
            summary_file.write(summary + "\n")
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        print(
            # A warning: the exit status stays the drift's (the annotations are written).
            bounded(f"warning: cannot write the job summary to ${SUMMARY_ENV} ({path}): {reason}", MAX_LINE),
            file=err,
        )


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    prog: str | None = None,
) -> int:
    """``drift FILE [--base-url URL] [--token-env NAME] [--json]``: 0 no drift, 2 drift, 1 error.

    ``prog``: the command as typed, for the usage line (default: :func:`invoked_as` ``drift``).
    """
    out, err = out or sys.stdout, err or sys.stderr
    parser = CommandParser(
        prog=prog or f"{invoked_as()} drift",
        description=DESCRIPTION,
        usage_status=USAGE_STATUS,
        out=out,
        err=err,
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except Exit as exc:
        return exc.status
    return run(args, out, err)


if __name__ == "__main__":
    raise SystemExit(main(prog=as_module(__spec__.name)))
