"""``drift``'s report for people (lines for a terminal or a CI log) and as the ``--json`` document.

The phrases of a verdict, a difference, a missing or undeclared registry and an org not read are
made here once; :mod:`.driftactions` puts the same phrases into workflow commands and the job
summary. Every line is printable, redacted and bounded.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from ..audiences.keys import COMMAND_KEYS
from ..core import schema, settings
from ..core.errors import MAX_LINE, bounded
from .driftreport import STATUSES, Difference, OrgResult, RegistryDrift, Report, plural
from .invocation import invoked_as

__all__ = [
    "difference",
    "discover_command",
    "missing",
    "org_failure",
    "render_json",
    "render_text",
    "shown",
    "undeclared",
    "unusable",
    "verdict",
]


def shown(value: Any) -> str:
    """A declared or reported value as a report quotes it: its repr, printable and bounded."""
    # Bounded: a declared value may be a megabyte; GitHub's answer, anything.
    return "unset" if value is None else schema.plain(repr(value), 200)


def missing(registry: RegistryDrift) -> str:
    """What a registry missing at GitHub means."""
    return "declared, and GitHub has no such registry (`pulumi up` would create it)"


def undeclared(registry: RegistryDrift, result: Report) -> str:
    """What a registry the stack file does not declare means, and the command that adopts it."""
    return (
        f"at GitHub, not in the stack file (`{discover_command(registry.org, result)}` prints an "
        "entry that adopts it)"
    )


def discover_command(org: str, result: Report) -> str:
    """The ``discover`` that reads ``org`` where and as drift read it: without ``--base-url`` it
    would ask github.com, sending there a token meant for another server; without ``--token-env``
    it would find no token."""
    command = f"{invoked_as()} discover --org {org}"  # an org login: no shell quoting needed
    if result.base_url and result.base_url != settings.DEFAULT_BASE_URL:
        command += f" --base-url {shlex.quote(result.base_url)}"
    if result.token_env != COMMAND_KEYS.token.env:
        command += f" --token-env {shlex.quote(result.token_env)}"
    return command


def difference(found: Difference) -> str:
    """``field: declared X, GitHub has Y``."""
    text = f"{found.field}: declared {shown(found.declared)}, GitHub has {shown(found.github)}"
    if found.field == "url" and found.declared == found.github:  # alike but for what is hidden
        text += " (they differ in what is not shown)"
    return text


def org_failure(org: OrgResult) -> str:
    """Why an org was not read, and how many of its declared registries were left uncompared."""
    return f"{str(org.error).rstrip('.')}" + (
        f" ({plural(org.declared, 'declared registry')} not compared)" if org.declared else ""
    )


def verdict(result: Report) -> str:
    """The one-line outcome, after the stack file's name (``no drift: ...``, ``drift: ...``)."""
    failed = len(result.failed_orgs)
    read = plural(len(result.orgs) - failed, "org")
    checked = sum(r.index is not None and r.status != "not_checked" for r in result.registries)
    declared = plural(checked, "declared registry")
    if not result.orgs:
        said = "no drift: no registry is declared and no default org is set, so there is nothing to compare"
    elif failed == len(result.orgs):
        said = f"not compared: none of the {plural(failed, 'org')} could be read"
    elif result.drift:
        counts = ", ".join(f"{result.count(s)} {s.replace('_', ' ')}" for s in STATUSES[:4])
        said = f"drift: {counts} ({declared}, {read} read)"
    else:
        said = f"no drift: {declared} in {read} match GitHub"
    if failed and failed < len(result.orgs):
        said += f"; {plural(failed, 'org')} could not be read: the report is incomplete"
    if result.base_url:
        said += f" (read from {result.base_url})"
    return said


def unusable(result: Report) -> list[str]:
    """Why nothing was compared, one line per error, then the count."""
    return [*result.errors, f"{plural(len(result.errors), 'problem')}; nothing was compared"]


def render_text(result: Report) -> tuple[list[str], list[str]]:
    """The lines for people: ``(stdout lines, stderr lines)``, each redacted and printable."""
    name = result.stack_file
    if result.errors:
        return [], _lines([f"error: {name}: {line}" for line in unusable(result)])
    out: list[str] = []
    for registry in result.registries:
        if registry.status == "missing":
            out.append(f"{registry.label}: missing: {missing(registry)}")
        elif registry.status == "undeclared":
            out.append(f"{registry.label}: undeclared: {undeclared(registry, result)}")
        out.extend(f"{registry.label}: {difference(d)}" for d in registry.differences)
    err = [f"error: {o.org}: {org_failure(o)}" for o in result.failed_orgs]
    out.extend(f"note: {note}" for note in result.notes())
    out.append(f"{name}: {verdict(result)}")
    return _lines(out), _lines(err)


def _lines(lines: list[str]) -> list[str]:
    """One printable, redacted, bounded line each: a stack file's or GitHub's text must not forge
    lines in a CI log, nor fill it."""
    return [bounded(line, MAX_LINE) for line in lines]


def render_json(result: Report) -> str:
    """The ``--json`` document, as printed."""
    return json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n"
