"""Mutation testing of the modules that decide money and failover, with cosmic-ray.

For each target module, cosmic-ray makes one small change at a time (an operator, a
constant, a comparison, a boolean, a removed ``break``...) and runs that module's tests;
a mutant the tests do not fail is a *survivor*: a behaviour nobody would notice breaking.
Each surviving mutant is reviewed: killed by a new test, or recorded as equivalent (the
change cannot alter behaviour) in ``tests/mutation/equivalent.toml`` with the reason.

Mutation happens in a throwaway copy of the work tree (cosmic-ray edits files in place),
imported first through ``PYTHONPATH``, so the checkout is never touched. A progress line
comes at least every ``--progress-seconds`` (10 s). Interrupted (SIGINT, Ctrl-C, or
SIGTERM), the script stops its test processes (SIGINT first, so their fixtures stop the
servers they started), removes its temporary copies and exits 130 or 143.

    python scripts/mutate.py [TARGET ...] [--max-minutes N] [--min-score 0.9]
                             [--progress-seconds 10] [--write docs/testing.md]

The scores section of ``--write``'s file is replaced only with ``--write`` (``make mutate
WRITE=1``); without it the section is printed. Exit 1 when a target's score is below
``--min-score``, or when the time bound stopped it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from doc_sections import markers, replace_section

REPO = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = REPO / "tests" / "mutation" / "equivalent.toml"
SECTION = "mutation-scores"
SRC_DIRS = (
    "packages/core/src",
    "packages/network/src",
    "packages/data/src",
    "packages/compute/src",
    "packages/edge/src",
    "packages/observability/src",
    "apps/dr-app/src",
    "apps/payment-service/src",
)


@dataclass(frozen=True)
class Target:
    """A module to mutate and the tests that must notice."""

    name: str
    module: str
    tests: tuple[str, ...]
    what: str


TARGETS = {
    target.name: target
    for target in (
        Target(
            "rules",
            "apps/payment-service/src/payment_service/orchestrator/rules.py",
            # Pure functions: tests/rules avoids the scenarios' moto/boto3 conftest, which
            # would more than double the cost of each of the ~300 mutants.
            ("tests/rules",),
            "orchestrator decision rules",
        ),
        Target(
            "engine",
            "apps/payment-service/src/payment_service/orchestrator/engine.py",
            (
                "tests/scenarios/test_orchestrator_failover.py",
                "tests/scenarios/test_engine_bounds.py",
                "tests/scenarios/test_full_outage_signals.py",
            ),
            "orchestrator engine",
        ),
        Target(
            "budget",
            "apps/dr-app/src/dr_app/cli/budget.py",
            ("tests/cli/test_rto_budget.py",),
            "RTO/RPO budget",
        ),
        Target(
            "naming",
            "packages/core/src/payment_dr_core/naming.py",
            (
                "packages/core/tests/test_naming.py",
                "tests/core/test_name_limits.py",
                "packages/core/tests/test_config.py",
                "packages/data/tests/test_data_names.py",
                "packages/observability/tests/test_observability_names.py",
            ),
            "physical names and their AWS limits",
        ),
        Target(
            "validation",
            "packages/core/src/payment_dr_core/validation.py",
            ("tests/core/test_validation.py", "packages/core/tests/test_config.py"),
            "config validation rules",
        ),
        Target(
            "repository",
            "apps/payment-service/src/payment_service/repository.py",
            # Fastest to fail first (pytest -x): rows without a server, then per-client keys
            # and replays behind the fence on the real server. The concurrency tests
            # (test_concurrent_retries.py, about 10 s) only catch changes to the SQL, which
            # cosmic-ray does not mutate.
            (
                "tests/runtime/test_repository_rows.py",
                "tests/runtime/test_client_scope.py",
                "tests/runtime/test_replay_fence.py",
                "tests/runtime/test_repository_race.py",
                "tests/runtime/test_payments_api.py",
                "tests/runtime/test_validation.py",
            ),
            "payment repository and idempotency",
        ),
        Target(
            "payment_ids",
            "apps/payment-service/src/payment_service/payment_ids.py",
            ("tests/runtime/test_payment_ids.py",),
            "payment ids derived from client, key and body; the id key",
        ),
        Target(
            "reconcile",
            "apps/dr-app/src/dr_app/cli/reconcile.py",
            # Fake databases that answer with PostgreSQL's meaning (about a second a run); the
            # drill's reconcile test (tests/drill/test_reconcile.py) runs it on two servers.
            ("tests/cli/test_reconcile.py",),
            "reconcile: acknowledged ids lost, ids duplicated, changed, recreated",
        ),
        Target(
            "db",
            "apps/payment-service/src/payment_service/db.py",
            # Scripted connections and a fake clock: no server, about a second a run. The
            # PostgreSQL-backed fault tests (tests/runtime/test_faults.py) exercise the same
            # paths against a real server but take about 20 s a run.
            (
                "tests/runtime/test_db_retry.py",
                "tests/runtime/test_deadline_and_breaker.py",
                "tests/runtime/test_db_deadlines.py",
            ),
            "database error classification, retry and deadlines",
        ),
        Target(
            "writer",
            "apps/payment-service/src/payment_service/writer.py",
            # The fence's decisions on a fake clock and a fake RDS API, no server (about 2 s a
            # run); the PostgreSQL-backed API tests (test_writer_fence.py,
            # test_writer_as_deployed.py) cover the same paths end to end in about 30 s.
            ("tests/runtime/test_writer_status.py",),
            "write fence: who may write, throttling, promotion bound",
        ),
        Target(
            "writer_sources",
            "apps/payment-service/src/payment_service/writer_sources.py",
            # The comparison and its reading on fakes (about 4 s a run, most of it the DNS
            # timeout case); the CLI tests (tests/cli/test_writer_sources_cli.py) print it.
            ("tests/runtime/test_writer_sources.py",),
            "global endpoint DNS chain against DescribeGlobalClusters",
        ),
        Target(
            "bounded",
            "apps/payment-service/src/payment_service/bounded.py",
            # The timer on sockets and sleeps first (about 3 s, no server), then the fault
            # servers and PostgreSQL (about 30 s): every dependency call cut at its deadline.
            ("tests/runtime/test_bounded.py", "tests/runtime/test_slow_dependencies.py"),
            "whole-call deadlines: a dependency call cut when its deadline comes",
        ),
        Target(
            "resolver",
            "apps/payment-service/src/payment_service/resolver.py",
            # Fake lookups on a fake clock first (about 2 s, no server), then the DNS tests of
            # test_slow_dependencies.py by node id (its other tests connect to 127.0.0.1, an
            # address that is never looked up): hung lookups of the database host and of the
            # AWS endpoints behind real requests on PostgreSQL, about 10 s.
            (
                "tests/runtime/test_resolver.py",
                *(
                    f"tests/runtime/test_slow_dependencies.py::{test}"
                    for test in (
                        "test_lookups_in_flight_are_bounded_while_the_resolver_hangs",
                        "test_a_lookup_that_started_recently_is_joined_not_repeated",
                        "test_an_endpoint_name_that_answered_is_not_looked_up_again_for_five_"
                        "seconds",
                        "test_a_hung_resolver_never_holds_a_request_and_writes_resume_within_"
                        "a_second_of_recovery",
                        "test_health_answers_within_route53s_two_seconds_whatever_is_slow",
                        "test_a_hung_lookup_of_the_dynamodb_endpoint_never_holds_the_payment",
                        "test_a_hung_lookup_of_the_secrets_manager_endpoint_is_503_by_the_"
                        "deadline",
                    )
                ),
            ),
            "database host and AWS endpoint lookups: never waited on past their bound",
        ),
        Target(
            "retry",
            "apps/payment-service/src/payment_service/retry.py",
            ("tests/runtime/test_db_retry.py",),
            "retry backoff",
        ),
    )
}


@dataclass
class Outcome:
    """One target's results."""

    target: Target
    killed: int = 0
    incompetent: int = 0
    equivalent: list[str] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    not_run: int = 0
    annotations: int = 0
    seconds: float = 0.0

    @property
    def scored(self) -> int:
        """Mutants that count: killed plus unreviewed survivors."""
        return self.killed + len(self.survivors)

    @property
    def score(self) -> float:
        return self.killed / self.scored if self.scored else 1.0


def copy_tree(destination: Path) -> None:
    """Copy the work tree's tracked and untracked-but-not-ignored files."""
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        relative = raw.decode()
        source = REPO / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def copy_env(copy: Path) -> dict[str, str]:
    """The environment that imports the packages (and ``tests``) from ``copy`` first."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(str(copy / d) for d in (*SRC_DIRS, "")))


def _equivalents() -> dict[str, dict[str, str]]:
    """Reviewed equivalent mutants: {target: {key: reason}}."""
    if not EQUIVALENT_FILE.exists():
        return {}
    data = tomllib.loads(EQUIVALENT_FILE.read_text(encoding="utf-8"))
    return {
        name: {entry["mutant"]: entry["reason"] for entry in entries}
        for name, entries in data.items()
    }


def mutant_key(operator: str, diff: str) -> str:
    """A mutant's identity that survives unrelated edits: operator, old line, new line."""
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-")]
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+")]
    removed = [line for line in removed if not line.startswith("--")]
    added = [line for line in added if not line.startswith("++")]
    return f"{operator.split('/')[-1]}: {' | '.join(removed)} -> {' | '.join(added)}"


ANNOTATION = "in a type annotation"


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions (line, column) of every type annotation in a module.

    Empty unless the module starts with ``from __future__ import annotations``: then
    annotations are stored as strings and never evaluated (PEP 563), so a mutant inside
    one (``int | None`` to ``int - None``) cannot change behaviour. Without that import
    such a mutant fails at import time and is killed, so it is run like any other.
    """
    tree = ast.parse(source)
    future = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    if not future:
        return []
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return [
        ((n.lineno, n.col_offset), (n.end_lineno or n.lineno, n.end_col_offset or 0)) for n in found
    ]


def _skip_annotations(session: Path, module: Path) -> None:
    """Record mutants inside annotations as skipped before ``exec`` runs anything."""
    spans = annotation_spans(module.read_text(encoding="utf-8"))
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT job_id, start_pos_row, start_pos_col, end_pos_row, end_pos_col "
            "FROM mutation_specs"
        ).fetchall()
        skipped = [
            (ANNOTATION, job_id)
            for job_id, row, col, end_row, end_col in rows
            if any(start <= (row, col) and (end_row, end_col) <= end for start, end in spans)
        ]
        # cosmic-ray stores enum names; a result makes ``exec`` leave the job alone.
        db.executemany(
            "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
            "VALUES ('SKIPPED', ?, NULL, NULL, ?)",
            skipped,
        )


PROGRESS_SECONDS = 10.0
STOP_GRACE_SECONDS = 15.0
"""How long an interrupted child's process group has for SIGINT before SIGKILL."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the script: stop, clean up, exit ``128 + signal``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    # A second signal must not cut the cleanup short: from now on both are ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` (so every ``finally`` runs)."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_group(process: subprocess.Popen[str], grace: float = STOP_GRACE_SECONDS) -> None:
    """End a child started in its own process group, with everything it started.

    SIGINT first: pytest then runs its fixtures' teardown (the PostgreSQL servers of the
    ``repository`` target are stopped and removed); SIGKILL after ``grace`` seconds.
    """
    if process.poll() is None:
        for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, grace)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group can outlive its leader


def run_child(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float | None = None,
    progress: Callable[[float], None] | None = None,
    interval: float = PROGRESS_SECONDS,
    capture: bool = False,
) -> tuple[int | None, str]:
    """Run ``argv`` in its own process group; (exit code, or None when ``timeout`` stopped
    it, and its output when ``capture``). ``progress(elapsed)`` is called every
    ``interval`` seconds while it runs. On any exception (an interruption) the whole group
    is stopped before the exception goes on."""
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as output:
        process = subprocess.Popen(  # noqa: S603 - our interpreter and cosmic-ray
            list(argv),
            cwd=cwd,
            env=env,
            stdout=output if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            text=True,
            start_new_session=True,
        )
        try:
            while True:
                elapsed = time.monotonic() - started
                left = None if timeout is None else timeout - elapsed
                if left is not None and left <= 0:
                    stop_group(process)
                    code: int | None = None
                    break
                try:
                    code = process.wait(timeout=interval if left is None else min(interval, left))
                    break
                except subprocess.TimeoutExpired:
                    if progress is not None and (left is None or left > interval):
                        progress(time.monotonic() - started)
        except BaseException:
            stop_group(process)
            raise
        output.seek(0)
        return code, output.read() if capture else ""


def session_progress(session: Path) -> tuple[int, int] | None:
    """(mutants run, mutants to run) of a cosmic-ray session, not counting those inside
    type annotations (never run); None while the session cannot be read."""
    try:
        with sqlite3.connect(f"file:{session}?mode=ro", uri=True, timeout=1) as db:
            results = db.execute("SELECT count(*) FROM work_results").fetchone()[0]
            total = db.execute("SELECT count(*) FROM work_items").fetchone()[0]
            skipped = db.execute(
                "SELECT count(*) FROM work_results WHERE output = ?", (ANNOTATION,)
            ).fetchone()[0]
    except sqlite3.Error:
        return None
    return int(results) - int(skipped), int(total) - int(skipped)


def remove_bytecode(module: Path) -> list[Path]:
    """Delete every cached bytecode file of ``module`` (any interpreter, any optimisation)."""
    removed = sorted((module.parent / "__pycache__").glob(f"{module.stem}.*.pyc"))
    for path in removed:
        path.unlink()
    return removed


def run_target(
    target: Target, copy: Path, deadline: float, interval: float = PROGRESS_SECONDS
) -> Outcome:
    """Mutate one module in ``copy`` and classify every mutant."""
    work = Path(tempfile.mkdtemp(prefix=f"mutate-{target.name}-"))
    try:
        return _run_target(target, copy, deadline, interval, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _say(text: str) -> None:
    print(text, flush=True)


def _run_target(
    target: Target, copy: Path, deadline: float, interval: float, work: Path
) -> Outcome:
    outcome = Outcome(target)
    started = time.monotonic()
    env = copy_env(copy)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    tests = " ".join(target.tests)
    command = f"{sys.executable} -m pytest -x -q -p no:cacheprovider {tests}"
    baseline_start = time.monotonic()
    _say(f"{target.name}: running its tests once, unmutated")
    # The unmutated run writes bytecode for every module it imports (and pytest's rewritten
    # test modules), so each mutant's run compiles only the mutated module: about a quarter
    # less time per mutant. That module's bytecode is removed and never written again.
    code, output = run_child(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *target.tests],
        cwd=copy,
        env=env,
        capture=True,
        interval=interval,
        progress=lambda elapsed: _say(f"{target.name}: unmutated tests running, {elapsed:.0f} s"),
    )
    if code != 0:
        raise SystemExit(f"{target.name}: the tests fail before any mutation:\n{output}")
    remove_bytecode(copy / target.module)
    # A mutant can keep the size of the file it changes and is written within the same second,
    # so a cached .pyc (keyed by mtime and size) could pass for it: never write one.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    timeout = max(20.0, 4 * (time.monotonic() - baseline_start))
    config = work / "config.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(str(copy / target.module))}\n"
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    session = work / "session.sqlite"
    cosmic = [sys.executable, "-m", "cosmic_ray.cli"]
    code, output = run_child(
        [*cosmic, "init", str(config), str(session)], cwd=copy, env=env, capture=True
    )
    if code != 0:
        raise SystemExit(f"{target.name}: cosmic-ray init failed:\n{output}")
    _skip_annotations(session, REPO / target.module)

    def exec_progress(elapsed: float) -> None:
        counts = session_progress(session)
        done = f"{counts[0]} of {counts[1]} mutants run" if counts else "mutants running"
        _say(f"{target.name}: {done}, {elapsed:.0f} s")

    try:
        code, _ = run_child(
            [*cosmic, "exec", str(config), str(session)],
            cwd=copy,
            env=env,
            timeout=max(deadline - time.monotonic(), 1.0),
            progress=exec_progress,
            interval=interval,
        )
    finally:
        # cosmic-ray restores each file after its mutant; re-copy in case exec was stopped.
        shutil.copy2(REPO / target.module, copy / target.module)
    if code is None:
        _say(f"{target.name}: time bound reached; what ran is scored")
    elif code != 0:
        raise SystemExit(f"{target.name}: cosmic-ray exec failed with exit code {code}")
    code, dump = run_child([*cosmic, "dump", str(session)], cwd=copy, env=env, capture=True)
    if code != 0:
        raise SystemExit(f"{target.name}: cosmic-ray dump failed:\n{dump}")
    reviewed = _equivalents().get(target.name, {})
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            outcome.not_run += 1
            continue
        if result.get("worker_outcome") == "skipped" and result.get("output") == ANNOTATION:
            outcome.annotations += 1
        elif result.get("test_outcome") == "killed":
            outcome.killed += 1
        elif (
            result.get("test_outcome") == "incompetent" or result.get("worker_outcome") != "normal"
        ):
            outcome.incompetent += 1
        else:
            mutation = item["mutations"][0]
            key = mutant_key(mutation["operator_name"], result.get("diff") or "")
            line_no = mutation["start_pos"][0]
            if key in reviewed:
                outcome.equivalent.append(f"line {line_no}: {key} ({reviewed[key]})")
            else:
                outcome.survivors.append(f"line {line_no}: {key}")
    outcome.seconds = time.monotonic() - started
    _say(
        f"{target.name}: {outcome.killed} killed, {len(outcome.survivors)} unreviewed "
        f"survivors, {outcome.not_run} not run, {outcome.seconds:.0f} s"
    )
    return outcome


SURVIVORS_HEADING = "Unreviewed survivors:"
EQUIVALENTS_HEADING = (
    "Reviewed equivalent mutants (the reason is in `tests/mutation/equivalent.toml`):"
)


@dataclass
class Published:
    """Rows of a previously written section, by target name."""

    rows: dict[str, str] = field(default_factory=dict)
    survivors: list[tuple[str, str]] = field(default_factory=list)
    equivalents: list[tuple[str, str]] = field(default_factory=list)


def parse_published(body: str) -> Published:
    """The table rows and listed mutants of a section written by :func:`report`."""
    by_module = {t.module.split("/src/")[-1]: name for name, t in TARGETS.items()}
    published = Published()
    current: list[tuple[str, str]] | None = None
    for line in body.splitlines():
        if line.startswith("| `"):
            module = line.split("`")[1]
            if module in by_module:
                published.rows[by_module[module]] = line
        elif line == SURVIVORS_HEADING:
            current = published.survivors
        elif line == EQUIVALENTS_HEADING:
            current = published.equivalents
        elif not line.startswith("- ") and line.endswith(":"):
            current = None  # a list this parser does not know
        elif line.startswith("- ") and current is not None and ", " in line:
            name, text = line[2:].split(", ", 1)
            current.append((name, text))
    return published


def report(outcomes: list[Outcome], earlier: Published | None = None) -> str:
    """The Markdown section: a row per module, every unreviewed survivor, every equivalent.

    Targets not run this time keep their published row and lists (``earlier``), each row
    with the date it was measured.
    """
    earlier = earlier or Published()
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    lines = [
        "Measured by `make mutate` (scripts/mutate.py, cosmic-ray, every operator). "
        "Score = killed / (killed + unreviewed survivors); equivalent mutants are reviewed in "
        "`tests/mutation/equivalent.toml`. Mutants inside type annotations are not run: with "
        "`from __future__ import annotations` an annotation is never evaluated, so none of "
        "them can change behaviour. *Not run* counts mutants a time bound left unexecuted.",
        "",
        "| module | what it decides | mutants | killed | equivalent | survived | not run "
        "| in annotations | score | time | measured |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    measured = {out.target.name: out for out in outcomes}
    for name in TARGETS:
        out = measured.get(name)
        if out is None:
            if name in earlier.rows:
                lines.append(earlier.rows[name])
            continue
        total = out.killed + out.incompetent + len(out.equivalent) + len(out.survivors)
        lines.append(
            f"| `{out.target.module.split('/src/')[-1]}` | {out.target.what} | {total} "
            f"| {out.killed} | {len(out.equivalent)} | {len(out.survivors)} | {out.not_run} "
            f"| {out.annotations} | {out.score:.0%} | {out.seconds:.0f} s | {today} |"
        )
    survivors = [(n, s) for n, s in earlier.survivors if n not in measured]
    survivors += [(out.target.name, s) for out in outcomes for s in out.survivors]
    equivalents = [(n, s) for n, s in earlier.equivalents if n not in measured]
    equivalents += [(out.target.name, s) for out in outcomes for s in out.equivalent]
    for heading, listed in ((SURVIVORS_HEADING, survivors), (EQUIVALENTS_HEADING, equivalents)):
        if listed:
            lines += ["", heading, ""]
            lines += [f"- {name}, {text}" for name, text in sorted(listed, key=_order)]
    return "\n".join(lines)


def _order(item: tuple[str, str]) -> tuple[int, int]:
    name, text = item
    line = text.split(":", 1)[0].removeprefix("line ")
    return list(TARGETS).index(name), int(line) if line.isdigit() else 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("targets", nargs="*", help="default: all")
    parser.add_argument("--max-minutes", type=float, default=120.0, help="time bound, all targets")
    parser.add_argument("--min-score", type=float, default=0.0)
    parser.add_argument(
        "--write", type=Path, help="markdown file whose section to replace (else only printed)"
    )
    parser.add_argument(
        "--allow-unfinished",
        action="store_true",
        help="score the mutants run within --max-minutes instead of failing (the CI bound)",
    )
    parser.add_argument(
        "--progress-seconds",
        type=float,
        default=PROGRESS_SECONDS,
        help="longest time without a progress line",
    )
    args = parser.parse_args(argv)
    names = args.targets or list(TARGETS)
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    try:
        with interruptible():
            outcomes = run_targets(names, args.max_minutes, args.progress_seconds)
    except Interrupted as stop:
        print(f"mutate: interrupted by {stop}; test processes stopped, temporary copies removed")
        return 128 + stop.signum
    earlier = Published()
    if args.write and args.write.exists():
        begin, end = markers(SECTION)
        text = args.write.read_text(encoding="utf-8")
        if begin in text and end in text:
            earlier = parse_published(text.split(begin, 1)[1].split(end, 1)[0])
    section = report(outcomes, earlier)
    print(section)
    if args.write:
        replace_section(args.write, SECTION, section, heading="Mutation scores")
    failing = [
        o.target.name
        for o in outcomes
        if o.score < args.min_score or (o.not_run and not args.allow_unfinished)
    ]
    if failing:
        print(f"below --min-score {args.min_score:.0%}, or not finished: {', '.join(failing)}")
        return 1
    return 0


def run_targets(names: Sequence[str], max_minutes: float, interval: float) -> list[Outcome]:
    """Every named target in one throwaway copy of the work tree, removed afterwards."""
    deadline = time.monotonic() + max_minutes * 60
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mutate-tree-") as tmp:
        copy = Path(tmp)
        _say(f"mutate: copying the work tree to {copy}")
        copy_tree(copy)
        for name in names:
            outcomes.append(run_target(TARGETS[name], copy, deadline, interval))
    return outcomes


if __name__ == "__main__":
    sys.exit(main())
