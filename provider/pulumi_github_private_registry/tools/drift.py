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

``--json`` (``--format json``) prints one JSON document (see :meth:`.driftreport.Report.to_json`; ``"version":
1``) and nothing else on stdout, errors included; the errors also go to stderr, for people reading a
CI log. ``--format github`` prints GitHub Actions workflow commands instead (:mod:`.driftactions`)
and appends a Markdown job summary to ``$GITHUB_STEP_SUMMARY`` (printed after them when unset). The
exit status is the same in every format.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final, TextIO

from ..audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS
from ..core import schema, settings
from ..core.access import connect, has_credential
from ..core.answers import registry_url_marked
from ..core.comparing import normalized  # the diff's own comparison
from ..core.errors import GitHubError, affects_every_org, redact
from . import stackconfig, stackfile
from .driftactions import SUMMARY_ENV, render_github, write_summary
from .driftreport import (
    FIELD_ORDER,
    JSON_VERSION,
    REPOSITORIES,
    VALUE,
    Difference,
    OrgResult,
    RegistryDrift,
    Report,
)
from .drifttext import render_json, render_text
from .invocation import CommandParser, Exit, add_token_env, as_module, invoked_as, no_token

__all__ = [
    "DESCRIPTION",
    "FORMATS",
    "HELP",
    "USAGE_STATUS",
    "add_arguments",
    "main",
    "report",
    "run",
]

FORMATS: Final = ("text", "json", "github")
"""What ``drift --format`` prints: lines for people, one JSON document, or GitHub Actions commands."""


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
        not_compared=tuple(sorted(not_compared, key=FIELD_ORDER.__getitem__)),
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
        write_summary(summary, out, err)
        return result.exit_status  # the errors are annotations already
    if args.output_format == "json":
        out.write(render_json(result))
    else:
        out.writelines(line + "\n" for line in lines)
    err.writelines(line + "\n" for line in errors)
    return result.exit_status


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
