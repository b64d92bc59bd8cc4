"""The scripts that measure rewrite tracked docs only when asked, and only after success.

``make bench``, ``make drill`` and ``make mutate`` print their figures; with ``WRITE=1`` they
pass ``--write`` and the figures replace their sections of docs/benchmarks.md or
docs/testing.md. ``make bench`` writes nothing unless every benchmark succeeded.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.mutation.scripts import REPO, load_script
from tests.runtime.postgres import PostgresUnavailableError

bench = load_script("bench")
drill = load_script("drill")

DOC = "# Benchmarks\n\nBy hand.\n"


def _benchmark(name: str, outcome: str | BaseException) -> object:
    """A benchmark whose measurement returns ``outcome`` as its section, or raises it."""

    def measure(_args: argparse.Namespace) -> tuple[str, str | None]:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome, None

    return bench.Benchmark(name, f"bench-{name}", name.title(), measure)


def test_bench_prints_the_figures_and_writes_nothing_without_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")

    code = bench.main([], [_benchmark("one", "figure 1"), _benchmark("two", "figure 2")])

    assert code == 0
    out = capsys.readouterr().out
    assert "figure 1" in out
    assert "figure 2" in out
    assert "figures not written" in out
    assert doc.read_text(encoding="utf-8") == DOC


def test_bench_write_replaces_every_section_once_all_succeeded(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")
    benchmarks = [_benchmark("one", "figure 1"), _benchmark("two", "figure 2")]

    assert bench.main(["--write", str(doc)], benchmarks) == 0
    assert bench.main(["--write", str(doc)], [_benchmark("one", "figure 1b")]) == 0

    text = doc.read_text(encoding="utf-8")
    assert text.startswith(DOC)
    assert "<!-- bench-one:begin -->\nfigure 1b\n<!-- bench-one:end -->" in text
    assert "<!-- bench-two:begin -->\nfigure 2\n<!-- bench-two:end -->" in text
    assert text.count("## One") == 1


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (PostgresUnavailableError("no initdb"), "PostgreSQL server binaries or openssl missing"),
        (SystemExit("make synth failed: permission denied"), "make synth failed"),
        (RuntimeError("permission denied to create role"), "RuntimeError: permission denied"),
    ],
)
def test_bench_writes_nothing_when_a_later_benchmark_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], failure: BaseException, reason: str
) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")
    benchmarks = [_benchmark("one", "figure 1"), _benchmark("two", failure)]

    assert bench.main(["--write", str(doc)], benchmarks) == 1

    out = capsys.readouterr().out
    assert f"bench: two FAILED: {reason}" in out
    assert f"{doc} not written" in out
    assert doc.read_text(encoding="utf-8") == DOC


def test_bench_writes_nothing_when_a_benchmark_misses_its_own_check(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")

    def missed(_args: argparse.Namespace) -> tuple[str, str | None]:
        return "figure 2", "a synth time ratio target was missed"

    benchmarks = [_benchmark("one", "figure 1"), bench.Benchmark("two", "bench-two", "T", missed)]

    assert bench.main(["--write", str(doc)], benchmarks) == 1
    assert doc.read_text(encoding="utf-8") == DOC


def test_bench_runs_the_three_benchmarks_into_their_sections() -> None:
    assert [(b.name, b.section) for b in bench.BENCHMARKS_RUN] == [
        ("synth", "bench-synth"),
        ("handler", "bench-handler"),
        ("faults", "bench-faults"),
    ]
    sections = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for benchmark in bench.BENCHMARKS_RUN:
        assert f"<!-- {benchmark.section}:begin -->" in sections


def test_the_fault_benchmark_database_runs_the_migrations_that_create_roles() -> None:
    """``make bench`` once failed here with "permission denied to create role"."""
    try:
        context = bench.bench_faults.postgres()
        server, password = context.__enter__()
    except PostgresUnavailableError as exc:
        pytest.skip(f"needs PostgreSQL server binaries: {exc}")
    try:
        app = server.connect("payments", user="payments_app", password=password)
        try:
            rows = app.run("SELECT rolname FROM pg_roles WHERE rolname = 'payment_app'")
            assert rows == [["payment_app"]]
            assert app.run("SELECT count(*) FROM payments") == [[0]]
        finally:
            app.close()
    finally:
        context.__exit__(None, None, None)


def _fake_drill(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The drill script with a pair and scenarios that take no time; returns written paths."""
    outcome = SimpleNamespace(lost=[], acked=3, mismatched=False)
    result = SimpleNamespace(
        outcome=outcome,
        rto_seconds=1.0,
        write_pause_seconds=0.1,
        failover_requests=(),
        acked_ids=(),
    )
    pair = SimpleNamespace(create=lambda: SimpleNamespace(close=list, primary=None))
    monkeypatch.setattr(drill, "ReplicatedPair", pair)
    accounting = SimpleNamespace(
        ledger=SimpleNamespace(ids_lost=[], ids_duplicated=[]), agrees=True
    )
    monkeypatch.setattr(drill, "seed", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(drill, "account", lambda *_args, **_kwargs: accounting)
    for scenario in ("run_planned", "run_unplanned", "run_partition", "run_api_fault"):
        monkeypatch.setattr(drill, scenario, lambda *_args, **_kwargs: result)
    monkeypatch.setattr(
        drill, "section", lambda *_args: f"{drill.BEGIN}\ndrill figures\n{drill.END}"
    )
    written: list[Path] = []
    real_write = drill.write_section

    def write_section(text: str, path: Path) -> None:
        written.append(path)
        real_write(text, path)

    monkeypatch.setattr(drill, "write_section", write_section)
    return written


def test_drill_prints_the_figures_and_writes_nothing_without_write(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = _fake_drill(monkeypatch)

    assert drill.main(["--runs", "1"]) == 0

    assert written == []
    assert "drill figures" in capsys.readouterr().out


def test_drill_write_replaces_its_section(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    written = _fake_drill(monkeypatch)
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")

    assert drill.main(["--runs", "1", "--write", str(doc)]) == 0

    assert written == [doc]
    assert "drill figures" in doc.read_text(encoding="utf-8")


def _make_dry_run(target: str, *variables: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, *variables],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("target", "script", "doc"),
    [
        ("bench", "scripts/bench.py", "docs/benchmarks.md"),
        ("drill", "scripts/drill.py", "docs/benchmarks.md"),
        ("mutate", "scripts/mutate.py", "docs/testing.md"),
    ],
)
def test_make_passes_write_only_with_write_1(target: str, script: str, doc: str) -> None:
    plain = [line for line in _make_dry_run(target).splitlines() if script in line]
    asked = [line for line in _make_dry_run(target, "WRITE=1").splitlines() if script in line]

    assert len(plain) == 1
    assert "--write" not in plain[0]
    assert len(asked) == 1
    assert asked[0].endswith(f"--write {doc}")


def test_the_fault_benchmark_fails_a_row_that_misses_its_deadline_or_its_status() -> None:
    """``make bench`` fails when an answer comes after its deadline (the request's: function
    timeout 15 s minus the 1 s margin, plus 0.25 s to answer; /health's: 1.5 s + 0.25 s) or
    with another status than the one documented for the fault."""
    row = bench.bench_faults.Row
    on_time = row("slow", "POST /payments", "201", 14.2, "201", 14.25)
    late = row("slow", "POST /payments", "201", 14.3, "201", 14.25)
    wrong = row("slow", "POST /payments", "504", 1.0, "201", 14.25)
    undocumented = row("slow", "GET /health", "200 `degraded`", 1.0)

    assert on_time.failure is None
    assert late.failure == "slow: answered after 14.30 s (within 14.25 s)"
    assert wrong.failure == "slow: 504, expected 201"
    assert undocumented.failure is None
