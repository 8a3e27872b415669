"""``drift --format github``: GitHub Actions workflow commands and the job summary.

An annotation per missing, undeclared or changed registry and per org not read, a notice per note
and for the verdict (:func:`render_github`), and a Markdown job summary appended to
``$GITHUB_STEP_SUMMARY`` (:func:`write_summary`). Every value from outside is made one printable,
redacted, bounded line and escaped, so that a stack file's or GitHub's text can start no command
of its own nor any markup; GitHub's limits on annotations and summaries are kept.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any, Final, TextIO

from ..core.errors import MAX_LINE, bounded
from . import drifttext
from .driftreport import RegistryDrift, Report, plural
from .invocation import invoked_as

__all__ = [
    "MAX_ANNOTATIONS",
    "MAX_SUMMARY_PROBLEMS",
    "MAX_SUMMARY_ROWS",
    "SUMMARY_ENV",
    "render_github",
    "write_summary",
]

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
        count = drifttext.unusable(result)[-1]
        if len(result.errors) > len(problems):
            count += f"; {len(result.errors) - len(problems)} are not annotated: {_every_problem(result)}"
        out += [_annotation("error", name, "drift: nothing compared", line) for line in [*problems, count]]
        return out, _summary(result)
    for registry in result.registries:
        where = f"{registry.org}/{registry.name}"
        if registry.status == "missing":
            out.append(
                _annotation(
                    "error",
                    name,
                    f"missing at GitHub: {where}",
                    f"{registry.label}: {drifttext.missing(registry)}",
                )
            )
        elif registry.status == "undeclared":
            out.append(
                _annotation(
                    "warning",
                    name,
                    f"undeclared: {where}",
                    f"{registry.label}: {drifttext.undeclared(registry, result)}",
                )
            )
        elif registry.status == "changed":
            changes = "; ".join(drifttext.difference(d) for d in registry.differences)
            out.append(
                _annotation("error", name, f"changed at GitHub: {where}", f"{registry.label}: {changes}")
            )
    out += [
        _annotation("error", name, f"not read: {o.org}", f"{o.org}: {drifttext.org_failure(o)}")
        for o in result.failed_orgs
    ]
    out += [_annotation("notice", name, "drift: not compared", note) for note in result.notes()]
    out.append(_annotation("notice", name, "drift", f"{name}: {drifttext.verdict(result)}"))
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
            lines += ["", f"{plural(more, 'more problem')}: {_markdown(_every_problem(result), MAX_LINE)}"]
        return "\n".join(lines) + "\n"
    lines.append(f"**Verdict:** {_markdown(drifttext.verdict(result), MAX_LINE)}")
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
                rows.append(
                    f"| {_markdown(org)} | - | not read | {_markdown(drifttext.org_failure(failure), 400)} |"
                )
        for r in drifted.get(org, ()):
            total += 1
            if total > MAX_SUMMARY_ROWS:
                continue
            if r.status == "missing":
                details = "declared, and GitHub has no such registry"
            elif r.status == "undeclared":
                details = "at GitHub, not in the stack file"
            else:
                details = "; ".join(drifttext.difference(d) for d in r.differences)
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


def write_summary(summary: str, out: TextIO, err: TextIO) -> None:
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
