"""Issue 19 review, items 2 and 3: `drift --format github` stays within what GitHub takes.

- The job summary is built in time linear in the orgs and registries (grouped once, not scanned per
  org): counted as the elements read, not timed.
- An unusable stack file's problems are capped: at most 10 error annotations (GitHub shows 10 a
  step), and a summary list of 50 with a line saying how many more and where they are, well under
  the 1 MiB GitHub takes of a step's summary; the exit status stays 1.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from pulumi_github_private_registry.tools import drift, driftactions, invocation
from pulumi_github_private_registry.tools.driftreport import OrgResult, RegistryDrift, Report
from samples import TOKEN

T = TypeVar("T")


class Counted(tuple[T, ...]):
    """A tuple that counts every element read by iterating it."""

    reads = 0

    def __iter__(self) -> Iterator[T]:
        for item in super().__iter__():
            Counted.reads += 1
            yield item


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_BASE_URL", "GITHUB_OWNER", "GITHUB_PRIVATE_REGISTRY_TOKENS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def test_the_job_summary_reads_each_org_and_registry_a_bounded_number_of_times() -> None:
    orgs = 2000
    report = Report(
        "Pulumi.ci.yaml",
        base_url="https://api.github.com/",
        orgs=Counted(
            OrgResult(f"org{i}", 1, None if i % 2 else 0, "GET /orgs/x: denied" if i % 2 else None)
            for i in range(orgs)
        ),
        registries=Counted(
            RegistryDrift(f"org{i}", "NPM_REGISTRY_SECRET", "npm_registry", "missing", index=i)
            for i in range(0, orgs, 2)
        ),
    )
    Counted.reads = 0

    commands, summary = driftactions.render_github(report)

    # Scanning every org's and registry's list once per org would read about 3 million elements.
    assert Counted.reads <= 50 * orgs
    assert len(commands) == orgs + 1  # an annotation per drift or org not read, and the verdict
    rows = [line for line in summary.splitlines() if line.startswith("| org")]
    assert len(rows) == driftactions.MAX_SUMMARY_ROWS
    command = invocation.invoked_as()
    assert (
        f"{orgs - driftactions.MAX_SUMMARY_ROWS} more rows are left out: "
        + _escaped(
            f"the step's log has every one, and `{command} drift Pulumi.ci.yaml --format text` (or `--json`) "
            "lists them"
        )
        in summary.splitlines()
    )


def _escaped(text: str) -> str:
    """``text`` as Markdown shows it literally: every ASCII punctuation character backslash-escaped."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def _unusable(path: Path, entries: int) -> Path:
    """A stack file of ``entries`` empty registries: 4 problems each."""
    config = {"github:owner": "acme", "github-private-registries:registries": [{}] * entries}
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def test_an_unusable_stack_files_problems_are_capped_in_annotations_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    stack = _unusable(tmp_path / "Pulumi.ci.yaml", 2000)
    out, err = io.StringIO(), io.StringIO()

    status = drift.main([str(stack), "--format", "github"], out, err)

    assert (status, err.getvalue()) == (1, "")
    commands = out.getvalue().splitlines()
    assert len(commands) == 10  # GitHub shows 10 error annotations a step
    command = invocation.invoked_as()
    assert commands[-1] == (
        f"::error file={stack},title=drift%3A nothing compared::8000 problems; nothing was compared; "
        f"7991 are not annotated: `{command} drift {stack} --format text` lists every one"
    )
    written = summary.read_text()
    assert len(written.encode()) < 200_000  # GitHub drops a step summary over 1 MiB whole
    listed = [line for line in written.splitlines() if line.startswith("- ")]
    assert len(listed) == 50
    assert written.rstrip("\n").splitlines()[-1] == "7950 more problems: " + _escaped(
        f"`{command} drift {stack} --format text` lists every one"
    )


def test_an_unusable_stack_files_text_report_still_lists_every_problem(tmp_path: Path) -> None:
    stack = _unusable(tmp_path / "Pulumi.ci.yaml", 30)
    out, err = io.StringIO(), io.StringIO()

    status = drift.main([str(stack)], out, err)

    assert status == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 121
    assert lines[-1] == f"error: {stack}: 120 problems; nothing was compared"


def test_the_exit_status_of_an_unusable_stack_file_is_1_in_every_format(tmp_path: Path) -> None:
    stack = _unusable(tmp_path / "Pulumi.ci.yaml", 20)
    statuses: dict[str, Any] = {}
    for output_format in drift.FORMATS:
        statuses[output_format] = drift.main(
            [str(stack), "--format", output_format], io.StringIO(), io.StringIO()
        )
    assert statuses == dict.fromkeys(drift.FORMATS, 1)
