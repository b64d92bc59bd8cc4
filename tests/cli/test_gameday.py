"""``payment-dr gameday`` against fakes: production refused, readiness first, the FIS
experiment started and stopped on a stop condition or at the deadline, a bounded load, the
RTO and RPO, the report's JSON and Markdown."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dr_app.cli import gameday
from dr_app.cli.main import Runtime, run_cli

SECONDARY = "us-east-2"
PRIMARY = "us-east-1"


class Clock:
    """A virtual clock: ``sleep`` advances it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeFis:
    """AWS FIS shaped as its API reference: StartExperiment returns ``experiment`` with its
    ``id`` and ``state``; GetExperiment the same; ListExperimentTemplates pages with
    ``nextToken``; StopExperiment moves the state to ``stopping``."""

    def __init__(self, *, stop_after_polls: int | None = None) -> None:
        self.started: list[Mapping[str, object]] = []
        self.stopped: list[str] = []
        self.polls = 0
        self.stop_after_polls = stop_after_polls

    def list_experiment_templates(self, **kwargs: object) -> Mapping[str, Any]:
        if "nextToken" not in kwargs:
            return {
                "experimentTemplates": [{"id": "EXT1", "tags": {"Name": "other"}}],
                "nextToken": "page-2",
            }
        return {
            "experimentTemplates": [
                {"id": "EXT2", "tags": {"Name": "payment-processing-gameday-s3-pause-use1-t"}}
            ]
        }

    def start_experiment(self, **kwargs: object) -> Mapping[str, Any]:
        self.started.append(kwargs)
        return {"experiment": {"id": "EXP1", "state": {"status": "initiating"}}}

    def get_experiment(self, *, id: str) -> Mapping[str, Any]:
        self.polls += 1
        if self.stopped:
            status = {"status": "stopped", "reason": "Experiment stopped by the user"}
        elif self.stop_after_polls is not None and self.polls > self.stop_after_polls:
            status = {"status": "stopped", "reason": "Stop condition alarm triggered"}
        else:
            status = {"status": "running", "reason": "Experiment is running."}
        return {"experiment": {"id": id, "state": status}}

    def stop_experiment(self, *, id: str) -> Mapping[str, Any]:
        self.stopped.append(id)
        return {"experiment": {"id": id, "state": {"status": "stopping"}}}


def _post_switching_at(clock: Clock, switch_at: float, outage: float) -> gameday.Post:
    """The primary answers until ``switch_at``; then 503s; the secondary from ``outage``."""

    def post(key: str) -> tuple[int | None, Mapping[str, Any]]:
        clock.now += 0.2  # each request takes 200 ms
        if clock.now < switch_at:
            return 201, {"id": f"pay-{key}", "region": PRIMARY}
        if clock.now < outage:
            return 503, {}
        return 201, {"id": f"pay-{key}", "region": SECONDARY}

    return post


def _options(**changes: float) -> gameday.RunOptions:
    values: dict[str, Any] = {
        "environment": "t",
        "secondary_region": SECONDARY,
        "warmup_seconds": 5.0,
        "duration_seconds": 60.0,
        "interval_seconds": 1.0,
        "poll_seconds": 10.0,
    }
    values.update(changes)
    return gameday.RunOptions(**values)


READY = gameday.Readiness(
    True, "readiness PASS", ({"check": "c", "outcome": "pass", "reason": "r"},)
)


def test_find_template_follows_pages() -> None:
    fis = FakeFis()
    assert gameday.find_template(fis, "payment-processing-gameday-s3-pause-use1-t") == "EXT2"
    assert gameday.find_template(fis, "absent") is None


def test_not_ready_starts_nothing() -> None:
    clock, fis = Clock(), FakeFis()
    deps = gameday.GameDayDeps(
        readiness=lambda: gameday.Readiness(False, "readiness FAIL: dynamodb-replica"),
        post=_post_switching_at(clock, 0, 0),
        fis=fis,
        template_id="EXT2",
        clock=clock,
        sleep=clock.sleep,
    )
    report = gameday.run_gameday(gameday.SCENARIOS["s3-pause"], deps, _options())
    assert fis.started == []
    assert report.attempts == []
    assert report.verdict == "not-run"


def test_fis_experiment_runs_to_the_deadline_and_is_stopped() -> None:
    clock, fis = Clock(), FakeFis()
    deps = gameday.GameDayDeps(
        readiness=lambda: READY,
        post=_post_switching_at(clock, 10**9, 10**9),
        fis=fis,
        template_id="EXT2",
        clock=clock,
        sleep=clock.sleep,
        wall_clock=lambda: 1_700_000_000.0,
    )
    report = gameday.run_gameday(gameday.SCENARIOS["s3-pause"], deps, _options())
    assert len(fis.started) == 1
    assert fis.started[0]["experimentTemplateId"] == "EXT2"
    assert fis.stopped == ["EXP1"], "still running at the deadline: stopped"
    assert 40 <= len(report.attempts) <= 66, "one request a second for 65 s, bounded"
    assert clock.now - 1000.0 <= 65 + 1.5
    assert report.attempts[0].sent_at < 0 <= report.attempts[-1].sent_at
    assert report.verdict == "pass", "nothing lost, nothing expected to move"
    document = report.to_json()
    assert gameday.validate_report(document) == []
    assert document["started_at"] == "2023-11-14T22:13:20Z"


def test_a_stop_condition_stops_the_load_and_the_report_says_so() -> None:
    clock, fis = Clock(), FakeFis(stop_after_polls=2)
    deps = gameday.GameDayDeps(
        readiness=lambda: READY,
        post=_post_switching_at(clock, 10**9, 10**9),
        fis=fis,
        template_id="EXT2",
        clock=clock,
        sleep=clock.sleep,
    )
    report = gameday.run_gameday(gameday.SCENARIOS["dynamodb-pause"], deps, _options())
    assert report.stop_reason is not None
    assert "Stop condition" in report.stop_reason
    assert report.verdict == "stopped"
    assert fis.stopped == [], "FIS stopped it already"
    assert report.attempts[-1].sent_at < 40


def _record(log: list[str], what: str) -> Mapping[str, object]:
    log.append(what)
    return {"outcome": "done"}


def test_database_failover_measures_rto_and_rpo() -> None:
    clock = Clock()
    moved: list[str] = []
    acked_then_lost: list[str] = []

    def reconcile() -> gameday.Reconciled:
        keys = [a.key for a in report_attempts() if a.status == 201 and a.region == PRIMARY]
        acked_then_lost.extend(keys[-2:])  # the unreplicated tail
        return gameday.Reconciled(compared=len(keys), missing_keys=tuple(keys[-2:]), reprocessed=0)

    holder: dict[str, gameday.GameDayReport] = {}

    def report_attempts() -> list[gameday.Attempt]:
        return holder["attempts"]  # type: ignore[return-value]

    post = _post_switching_at(clock, 1000 + 5.0, 1000 + 35.0)

    def recording_post(key: str) -> tuple[int | None, Mapping[str, Any]]:
        answer = post(key)
        holder.setdefault("attempts", [])  # type: ignore[arg-type]
        holder["attempts"].append(  # type: ignore[attr-defined]
            gameday.Attempt(key, 0, answer[0], None, answer[1].get("region"))
        )
        return answer

    deps = gameday.GameDayDeps(
        readiness=lambda: READY,
        post=recording_post,
        fail_over=lambda: _record(moved, "failover"),
        reconcile=reconcile,
        fail_back=lambda: {"outcome": "done", "command": "failback"},
        clock=clock,
        sleep=clock.sleep,
    )
    report = gameday.run_gameday(
        gameday.SCENARIOS["database-failover"], deps, _options(duration_seconds=60)
    )
    assert moved == ["failover"]
    assert report.rto_seconds is not None
    assert 29 <= report.rto_seconds <= 32
    assert report.lost == acked_then_lost
    assert len(report.lost) == 2
    assert report.verdict == "pass", "data loss is allowed in this scenario and measured"
    document = report.to_json()
    rpo = document["rpo"]
    assert isinstance(rpo, dict)
    assert rpo["acknowledged_then_missing"] == 2
    assert document["failback"] == {"outcome": "done", "command": "failback"}
    markdown = gameday.to_markdown(document)
    assert "| RPO (acknowledged then missing) | 2 |" in markdown
    assert f"`{acked_then_lost[0]}`" in markdown


def test_an_api_fault_that_loses_a_payment_fails() -> None:
    report = gameday.GameDayReport(gameday.SCENARIOS["api-errors"], "t", "2024-01-01T00:00:00Z")
    report.readiness = READY
    report.attempts = [gameday.Attempt("k1", 1.0, 201, "p1", SECONDARY)]
    report.rto_seconds = 1.0
    report.reconciled = gameday.Reconciled(1, ("k1",), 0)
    assert report.verdict == "fail", "a switchover must lose nothing"


def _cli(tmp_path: Path, argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    runtime = Runtime(
        out=io.StringIO(),
        err=err,
        environ={"PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path)},
        interactive=False,
        progress_tty=False,
    )
    return run_cli(argv, runtime), err.getvalue()


@pytest.mark.parametrize("scenario", ["s3-pause", "database-failover"])
def test_production_is_refused_without_the_flag(tmp_path: Path, scenario: str) -> None:
    code, err = _cli(tmp_path, ["--suffix", "prod", "gameday", "--scenario", scenario])
    assert code == 3
    assert "refused" in err


def test_database_failover_is_refused_in_production_even_with_the_flag(tmp_path: Path) -> None:
    argv = ["--suffix", "prod", "gameday", "--scenario", "database-failover", "--allow-production"]
    code, err = _cli(tmp_path, argv)
    assert code == 3
    assert "AllowDataLoss" in err


def test_write_report_files(tmp_path: Path) -> None:
    from dr_app.cli.commands.gameday import write_report
    from dr_app.cli.context import CliContext
    from dr_app.cli.names import ResourceNames
    from payment_dr_core import EnvironmentConfig

    config = EnvironmentConfig(suffix="t")
    out = io.StringIO()
    ctx = CliContext(
        names=ResourceNames.for_environment(config, PRIMARY, SECONDARY),
        clients=None,  # type: ignore[arg-type]
        out=out,
        err=io.StringIO(),
        stdin=io.StringIO(),
        json_output=True,
    )
    report = gameday.GameDayReport(gameday.SCENARIOS["s3-pause"], "t", "2024-01-01T00:00:00Z")
    report.readiness = READY
    code = write_report(ctx, report, tmp_path)
    assert code == 0
    (written,) = tmp_path.glob("gameday-s3-pause-*.json")
    assert json.loads(written.read_text()) == json.loads(out.getvalue())
    assert written.with_suffix(".md").read_text().startswith("# Game day: s3-pause (t)")


def _context(config: Any = None) -> Any:
    from dr_app.cli.context import CliContext
    from dr_app.cli.names import ResourceNames
    from payment_dr_core import EnvironmentConfig

    config = config or EnvironmentConfig(suffix="t")
    return CliContext(
        names=ResourceNames.for_environment(config, PRIMARY, SECONDARY),
        clients=None,  # type: ignore[arg-type]
        out=io.StringIO(),
        err=io.StringIO(),
        stdin=io.StringIO(),
        config=config,
    )


def _now(*outcomes: str, problem: str | None = None) -> Any:
    """What ``payment-dr readiness --now`` produced: an evaluation of these outcomes (one
    check each, in the evaluator's order), or ``problem`` and no evaluation."""
    from dr_app.cli.commands.readiness import NowEvaluation
    from payment_service.readiness.checks import CHECK_NAMES
    from payment_service.readiness.model import CheckResult, Evaluation, Outcome

    function = "payment-processing-readiness-use2-t"
    if problem is not None:
        return lambda ctx: NowEvaluation(function, SECONDARY, problem=problem)
    results = tuple(
        CheckResult(name, Outcome(outcome), f"{name} reason")
        for name, outcome in zip(CHECK_NAMES, outcomes, strict=False)
    )
    evaluation = Evaluation("e1", 1_700_000_000.0, "operator", results)
    return lambda ctx: NowEvaluation(function, SECONDARY, evaluation=evaluation)


def test_readiness_is_an_evaluation_run_now_and_every_check_must_pass() -> None:
    from dr_app.cli.commands.gameday import check_readiness

    calls: list[object] = []

    def now(ctx: Any) -> Any:
        calls.append(ctx)
        return _now("pass", "pass")(ctx)

    ctx = _context()
    ready = check_readiness(ctx, now=now)
    assert calls == [ctx], "one evaluation, run now"
    assert ready.ready is True
    assert ready.summary.startswith("readiness PASS at 2023-11-14T22:13:20.000Z (operator)")
    assert ready.checks == (
        {"check": "global-cluster", "outcome": "pass", "reason": "global-cluster reason"},
        {"check": "cluster-instances", "outcome": "pass", "reason": "cluster-instances reason"},
    )
    assert ready.waived == ()


@pytest.mark.parametrize("outcome", ["fail", "unknown"])
def test_a_check_that_does_not_pass_refuses(outcome: str) -> None:
    from dr_app.cli.commands.gameday import check_readiness

    ready = check_readiness(_context(), now=_now("pass", outcome, "pass"))
    assert ready.ready is False
    assert ready.summary.startswith(f"readiness {outcome.upper()} at ")
    assert ready.waived == ()


def test_only_the_checks_the_operator_names_are_waived() -> None:
    from dr_app.cli.commands.gameday import check_readiness

    now = _now("pass", "fail", "unknown")
    waived = check_readiness(_context(), ("cluster-instances", "serverless-capacity"), now=now)
    assert waived.ready is True
    assert waived.waived == ("cluster-instances", "serverless-capacity")
    assert waived.summary.endswith(
        "; waived by the operator: cluster-instances, serverless-capacity"
    )
    partly = check_readiness(_context(), ("cluster-instances",), now=now)
    assert partly.ready is False
    assert partly.waived == ("cluster-instances",)
    passing = check_readiness(_context(), ("global-cluster",), now=now)
    assert passing.ready is False
    assert passing.waived == (), "a check that passed is not reported waived"


def test_no_evaluation_is_not_ready() -> None:
    from dr_app.cli.commands.gameday import check_readiness

    problem = "the evaluator's configuration is unreadable (GetFunctionConfiguration ...)"
    ready = check_readiness(_context(), ("global-cluster",), now=_now(problem=problem))
    assert ready.ready is False
    assert ready.summary == f"readiness not evaluated: {problem}"
    assert ready.checks == ()


def test_the_report_lists_the_waived_checks() -> None:
    report = gameday.GameDayReport(gameday.SCENARIOS["s3-pause"], "t", "2024-01-01T00:00:00Z")
    report.readiness = gameday.Readiness(
        True,
        "readiness FAIL ...; waived by the operator: certificates",
        (
            {"check": "certificates", "outcome": "fail", "reason": "expires in 20 days"},
            {"check": "global-cluster", "outcome": "pass", "reason": "ok"},
        ),
        ("certificates",),
    )
    document = report.to_json()
    assert document["readiness"]["waived"] == ["certificates"]  # type: ignore[index]
    markdown = gameday.to_markdown(document)
    assert "- `certificates` fail (waived by the operator): expires in 20 days" in markdown
    assert "- `global-cluster` pass: ok" in markdown


def test_the_command_refuses_on_a_fresh_evaluation_whatever_was_recorded(
    tmp_path: Path,
) -> None:
    """End to end through ``payment-dr gameday`` (moto): the decision table holds a passing
    evaluation from two minutes ago, but the checks run now find nothing of the environment,
    so no experiment starts."""
    from moto import mock_aws

    from payment_service.readiness.model import CheckResult, Evaluation, Outcome
    from payment_service.readiness.store import record
    from tests.cli.test_readiness import TABLE, create_decision_table, deploy_evaluator

    out_dir = tmp_path / "reports"
    argv = ["--suffix", "dev", "gameday", "--scenario", "s3-pause", "--template-id", "EXT1"]
    with mock_aws():
        table = create_decision_table()
        passed = Evaluation(
            "r1",
            1_700_000_000.0 - 120,
            "schedule",
            (CheckResult("global-cluster", Outcome.PASS, "r"),),
        )
        record(table, TABLE, passed, 86400)
        deploy_evaluator()
        code, err = _cli(tmp_path, [*argv, "--out-dir", str(out_dir)])
    assert code == 3
    (written,) = out_dir.glob("gameday-s3-pause-*.json")
    report = json.loads(written.read_text())
    assert report["verdict"] == "not-run"
    assert report["experiment"] == {}
    assert report["attempts"] == []
    readiness = report["readiness"]
    assert readiness["ready"] is False
    assert "(operator)" in readiness["summary"]
    assert len(readiness["checks"]) == 16
    checks = {c["check"]: c for c in readiness["checks"]}
    assert checks["auto-failover-switch"]["outcome"] == "fail"
    assert readiness["waived"] == []
    assert "not started: the DR pair is not shown ready" in report["observations"]


def test_an_unknown_check_cannot_be_waived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--suffix", "dev", "gameday", "--scenario", "s3-pause", "--waive-check", "everything"]
    with pytest.raises(SystemExit) as raised:
        _cli(tmp_path, argv)
    assert raised.value.code == 2
    assert "argument --waive-check: invalid choice: 'everything'" in capsys.readouterr().err


def test_api_errors_runs_the_stacks_template_found_by_its_name_tag() -> None:
    from dr_app.cli.commands.gameday import TEMPLATE_NAMES
    from payment_dr_core import names

    scenario = gameday.SCENARIOS["api-errors"]
    assert (scenario.driver, scenario.template_tag, scenario.region_role) == (
        "fis",
        "gameday-api-errors",
        "primary",
    )
    assert TEMPLATE_NAMES["api-errors"] is names.GAMEDAY_API_ERRORS_EXPERIMENT
    assert _context().config.namer.of(TEMPLATE_NAMES["api-errors"], region=PRIMARY) == (
        "payment-processing-gameday-api-errors-use1-t"
    )
