"""``drift``: what a stack file declares against what GitHub reports, read-only and without Pulumi.

``python -m pulumi_github_private_registry.tools.drift stacks/Pulumi.prod.yaml`` (and, once wired,
``python -m pulumi_github_private_registry drift ...``) reads the stack file as ``validate`` does
(:mod:`.stackconfig`; the default org is ``github:owner``, else ``GITHUB_OWNER``), lists each org's
registries once (the orgs of the declared registries and the stack's default org), and reports:

- **missing**: declared, and GitHub has no such registry (``pulumi up`` would create it);
- **undeclared**: at GitHub, and the stack file does not declare it;
- **changed**: declared and at GitHub, with fields that differ. Only the fields GitHub reports
  (:data:`.schema.REPORTED_FIELDS`) are compared, normalized as the lifecycle's diff does (an
  ``auth_type`` left out is ``token``, a ``replaces_base`` left out is false, ``""`` is unset); a
  field GitHub's answer leaves out is not compared. GitHub never returns a registry's secret value
  nor which repositories a ``selected`` registry has: neither is compared, and the report says so.

Nothing is written anywhere. Credentials come from the environment as ``discover`` reads them
(``--token-env``, ``GITHUB_TOKEN`` by default, or a GitHub App's ``GITHUB_APP_*``); the base URL from
``--base-url``, else the stack file's ``github:baseUrl``, else ``GITHUB_BASE_URL``, else github.com.

Exit status: 0 no drift; 2 drift; 1 an error (the stack file cannot be read or has problems, the
credentials or base URL are unusable, or an org could not be listed: the others are still
reported), which wins over 2 since the report is then incomplete.

``--json`` prints one JSON document (see :meth:`Report.to_json`; ``"version": 1``) and nothing
else on stdout, errors included; the errors also go to stderr, for people reading a CI log.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, NoReturn, TextIO

from ..core import schema, settings
from ..core.errors import MAX_LINE, GitHubError, affects_every_org, bounded, redact
from ..core.lifecycle import normalized  # the diff's own comparison
from . import stackconfig

__all__ = [
    "JSON_VERSION",
    "Difference",
    "OrgResult",
    "RegistryDrift",
    "Report",
    "Status",
    "add_arguments",
    "main",
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
        ``declared`` and ``github`` values are normalized as compared (defaults made explicit).
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
    return stackconfig.load_stack_file(path)


def _declared(
    config: Mapping[str, Any],
) -> tuple[list[stackconfig.RegistryEntry], str | None, list[str]]:
    """The declared registries, the default org, and the problems that make the declaration unusable.

    Parsed exactly as ``validate`` parses them. Where a secret is kept (a key not set, or set in
    plaintext) changes nothing GitHub reports: that is ``validate``'s to say, not drift's.
    """
    owner = config.get(settings.OWNER.key)
    default_org = settings.OWNER.resolve(owner if isinstance(owner, str) else None)
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
            differences.append(Difference(name, mine, theirs))
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
            reported = {f: record[f] for f in schema.REPORTED_FIELDS if f in record}
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
    token_env: str = settings.TOKEN.env,
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
        credentials = settings.from_environment(token_env)
    except settings.SettingError as exc:
        return Report(shown, errors=(redact(str(exc)),))
    per_org = {org.lower() for org, _ in credentials.tokens}
    if credentials.app is None and not credentials.token and not per_org:
        return Report(
            shown,
            errors=(
                f"no GitHub token in ${token_env}: export it (or name another variable with "
                f"--token-env), or a GitHub App's {', '.join(settings.APP_ENV)}",
            ),
        )
    if base_url:
        url, source = base_url, "--base-url"
    else:
        url, source = settings.BASE_URL.lookup(config.get(settings.BASE_URL.key))
        if url is None:
            source = f"--base-url, {settings.BASE_URL.key} or {settings.BASE_URL.env}"
    try:
        from ..core.client import GitHubClient, limits_for  # the network: only once the file is sound
        from ..core.credentials import credentials_for

        client = GitHubClient(
            credentials_for(credentials),
            url,
            base_url_source=source,
            api_version=credentials.api_version,
            limits=limits_for(credentials),
        )
    except ValueError as exc:
        return Report(shown, errors=(redact(str(exc)),))

    orgs: list[OrgResult] = []
    registries: list[RegistryDrift] = []
    one_credential = credentials.app is None and not credentials.tokens
    stopped: str | None = None
    try:
        for key in sorted(by_org):
            org, declared = spelling[key], by_org[key]
            if credentials.app is None and not credentials.token and key not in per_org:
                error = f"no token for org '{org}' in ${settings.DYNAMIC.tokens.env} and none in ${token_env}"
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
    return Report(shown, base_url=client.base_url, orgs=tuple(orgs), registries=tuple(registries))


# --- rendering --------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    # Bounded: a declared value may be a megabyte; GitHub's answer, anything.
    return "unset" if value is None else schema.plain(repr(value), 200)


def render_text(result: Report) -> tuple[list[str], list[str]]:
    """The lines for people: ``(stdout lines, stderr lines)``, each redacted and printable."""
    name = result.stack_file
    if result.errors:
        plural = _plural(len(result.errors), "problem")
        return [], _lines(
            [
                *(f"error: {name}: {e}" for e in result.errors),
                f"error: {name}: {plural}; nothing was compared",
            ]
        )
    out: list[str] = []
    for registry in result.registries:
        if registry.status == "missing":
            out.append(
                f"{registry.label}: missing: declared, and GitHub has no such registry "
                "(`pulumi up` would create it)"
            )
        elif registry.status == "undeclared":
            out.append(
                f"{registry.label}: undeclared: at GitHub, not in the stack file (`python -m "
                f"pulumi_github_private_registry discover --org {registry.org}` prints an entry "
                "that adopts it)"
            )
        for difference in registry.differences:
            out.append(
                f"{registry.label}: {difference.field}: declared {_shown(difference.declared)}, "
                f"GitHub has {_shown(difference.github)}"
            )
    err = [
        f"error: {o.org}: {str(o.error).rstrip('.')}"
        + (f" ({_plural(o.declared, 'declared registry')} not compared)" if o.declared else "")
        for o in result.failed_orgs
    ]
    out.extend(f"note: {note}" for note in result.notes())
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
    out.append(f"{name}: {verdict}")
    return _lines(out), _lines(err)


def _lines(lines: list[str]) -> list[str]:
    """One printable, redacted, bounded line each: a stack file's or GitHub's text must not forge
    lines in a CI log, nor fill it."""
    return [bounded(line, MAX_LINE) for line in lines]


def render_json(result: Report) -> str:
    """The ``--json`` document, as printed."""
    return json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n"


# --- the command ------------------------------------------------------------------------------


PROG: Final = "python -m pulumi_github_private_registry drift"


def add_token_env(parser: argparse.ArgumentParser) -> None:
    """``--token-env NAME``: the environment variable holding the token (``discover`` has it too)."""
    parser.add_argument(
        "--token-env",
        default=settings.TOKEN.env,
        metavar="NAME",
        help=f"the environment variable holding the token (default: {settings.TOKEN.env})",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, for a ``drift`` subparser of the CLI (then call :func:`run`)."""
    parser.add_argument("file", metavar="FILE", help="a stack file, e.g. stacks/Pulumi.prod.yaml")
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"GitHub's API URL (default: the stack file's {settings.BASE_URL.key}, else "
        f"${settings.BASE_URL.env}, else github.com)",
    )
    add_token_env(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help=f"print one JSON document (version {JSON_VERSION}) instead of text",
    )


DESCRIPTION: Final = (
    "Compare the registries a stack file declares with those GitHub reports, read-only (one list "
    "per org): registries missing at GitHub, registries at GitHub the file does not declare, and "
    "fields that differ. Secret values and the repositories of 'selected' registries cannot be "
    "compared (GitHub never returns them). Exit status: 0 no drift, 2 drift, 1 error."
)


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse writing to the given streams, and exiting 1 on a usage error: 2 means drift here."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        super().__init__(prog=PROG, description=DESCRIPTION)
        self._out, self._err = out, err

    def print_help(self, file: Any = None) -> None:
        super().print_help(file or self._out)

    def print_usage(self, file: Any = None) -> None:
        super().print_usage(file or self._out)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._err.write(message)
        raise _Exit(status)

    def error(self, message: str) -> NoReturn:
        self.print_usage(self._err)
        self.exit(1, f"{self.prog}: error: {message}\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run on arguments parsed with :func:`add_arguments`; returns the exit status."""
    result = report(args.file, base_url=args.base_url, token_env=args.token_env)
    lines, errors = render_text(result)
    if args.json:
        out.write(render_json(result))
    else:
        out.writelines(line + "\n" for line in lines)
    err.writelines(line + "\n" for line in errors)
    return result.exit_status


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``drift FILE [--base-url URL] [--token-env NAME] [--json]``: 0 no drift, 2 drift, 1 error."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = _Parser(out, err)
    add_arguments(parser)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _Exit as exc:
        return exc.status
    return run(args, out, err)


if __name__ == "__main__":
    raise SystemExit(main())
