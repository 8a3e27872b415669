"""The benchmark's command line (issue 13): its help shows the defaults, ``--quick`` runs in seconds,
and ``--registries`` from 1 up works (it once assumed an npm registry, the fourth type, existed).

The runs are subprocesses, as ``python tests/benchmark.py`` is typed; both run at once to keep this
module short. Only request counts are asserted: times are the benchmark's report, not a test's.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import benchmark

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "tests/benchmark.py"
QUICK_BUDGET = 90.0  # seconds for both quick runs at once; about 20 on 2 busy cores (each 10-16 alone)
COUNT_TARGETS = (
    "create of {n} in one org <= {m} requests (1 org)",
    "refresh: 1 request per org (1 org)",
    "preview: 0 requests (1 org)",
    "public key at most once per org per process (1 org)",
    "no read after create (1 org)",
    "one GET per update, update-field (1 org)",
    "one GET per update, update-value (1 org)",
    "one list per org, update-field (1 org)",
    "one list per org, update-value (1 org)",
    "one list per org, delete (1 org)",
    "delete of {n} in one org <= {d} requests (1 org)",
    "plugin requests = dynamic requests, per phase (1 org)",
)
"""Targets judged on request counts, which are exact: met on any machine (times may read MISSED)."""


def _benchmark(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, SCRIPT, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_help_shows_every_default_and_the_quick_values() -> None:
    done = subprocess.run(
        [sys.executable, SCRIPT, "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert done.stdout.startswith("usage: python tests/benchmark.py ")
    for expected in (
        "--orgs ORGS orgs of the large run, 0 to skip it (default: 100; with --quick: 0)",
        "registries per org, 1 to 15 (one per registry type) (default: 15; with --quick: 3)",
        "(default: 0.05)",
        "comma-separated, '' for none (default: 1,100; with --quick: none)",
        "rounds of the overhead measurement (default: 5; with --quick: 1)",
        "cold starts of each provider, after one warm-up (default: 9; with --quick: 1)",
        "--quick takes seconds",
        "--quick --registries 1",
    ):
        assert expected in text, expected


def test_flags_given_with_quick_override_its_values() -> None:
    args, mode = benchmark.parse_args(["--quick", "--registries", "1", "--rounds", "2"])
    assert mode is benchmark.QUICK
    assert (args.registries, args.rounds, args.orgs, args.latency_orgs, args.cold_runs) == (1, 2, 0, (), 1)
    args, mode = benchmark.parse_args([])
    assert mode is benchmark.FULL
    assert (args.registries, args.orgs, args.latency_orgs) == (15, 100, (1, 100))
    assert benchmark.parse_args(["--latency-orgs", ""])[0].latency_orgs == ()


@pytest.mark.parametrize(
    "args",
    [["--registries", "0"], ["--registries", "16"], ["--orgs", "-1"], ["--latency-orgs", "1,x"]],
)
def test_out_of_range_knobs_are_refused_by_the_parser(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        benchmark.parse_args(args)
    assert exit_.value.code == 2 and "error: argument" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_runs_to_the_targets_with_1_and_3_registries() -> None:
    started = time.monotonic()
    runs = {n: _benchmark("--quick", "--registries", str(n)) for n in (1, 3)}
    outputs: dict[int, tuple[int | None, str, str]] = {}
    try:
        for n, process in runs.items():
            left = max(1.0, QUICK_BUDGET - (time.monotonic() - started))
            out, err = process.communicate(timeout=left)
            outputs[n] = (process.returncode, out, err)
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    for n, (code, out, err) in outputs.items():
        assert code == 0, f"--registries {n}:\n{err[-3000:]}"
        assert "Traceback" not in err
        assert out.startswith("pulumi-github-private-registry benchmark (issue 6), --quick\n")
        assert f"Requests per phase: 1 org x {n} registries (N = {n}), no latency" in out
        # No 100-org run, no latency run, no terse refresh, the overhead at 50 ms only.
        report = out.split("\nNotes\n", 1)[0]
        assert "orgs x" not in report and "Wall time with" not in report
        assert "refresh, terse" not in report
        assert "\n   50ms  update one field" in report and "\n    0ms  " not in report
        targets = report.split("\nTargets\n", 1)[1].split("\n(overhead is judged", 1)[0].splitlines()
        verdicts = {re.split(r"\s{2,}", row)[0]: row.rsplit(None, 1)[-1] for row in targets}
        assert set(verdicts.values()) <= {"met", "MISSED"}
        for target in COUNT_TARGETS:
            name = target.format(n=n, m=n + 2, d=n + 1)
            assert verdicts.get(name) == "met", f"--registries {n}: {name}: {verdicts}"
        assert "provider overhead <= 1.3x bare, update one field at 50 ms" in verdicts
        assert "cold start <= 1.25x trivial provider" in verdicts
        assert re.search(r"\nbenchmark took \d+ s\n$", out)
