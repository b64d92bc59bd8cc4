"""Game days: the scenarios, a bounded synthetic payment load, the run, and its report.

Every scenario states what it proves and what the kit must do (docs/runbook.md section 2, the
decision table). A run: readiness first, then the fault (an AWS FIS experiment, or the failover
core's plan for the database), a bounded load through the failover name until a deadline, the
RTO (first ``201`` answered by the secondary region after the fault) and the RPO (payments
acknowledged and then missing, from ``dr_app.cli.reconcile``), the experiment stopped on any
stop condition, and a report in JSON and Markdown (docs/gameday.md).

Nothing here calls AWS directly: the FIS client, the readiness check, the load's ``post`` and
the reconcile step are given, so tests run it against fakes.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

REPORT_SCHEMA = "payment-dr/gameday-report/v1"
WHERE_TO_RUN = (
    "a host that reaches both VPCs (the primary VPC, peered with the secondary): reconcile "
    "reads the old writer and the new one; the load reaches the API's failover name"
)


@dataclass(frozen=True)
class Scenario:
    """One game-day experiment and the kit's expected response."""

    name: str
    proves: str
    evidence: str
    """The decision table's evidence row this fault produces."""
    expected_verdict: str
    expected_action: str
    driver: str
    """``fis`` (a template of the stacks) or ``cli`` (the failover core's plan)."""
    template_tag: str = ""
    """The ``Name`` tag of the FIS template (``fis``), without region and suffix."""
    region_role: str = "secondary"
    """Where the experiment runs (``primary`` or ``secondary``)."""
    data_loss_allowed: bool = False
    expects_failover_region: bool = False
    """The secondary region should end up serving writes (an RTO is measured)."""


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            name="api-errors",
            proves="a fault of the primary API alone (Lambda errors) moves the writer without "
            "losing anything: the database stays healthy, so the kit switches over",
            evidence="the API answers without the /health contract (row 4)",
            expected_verdict="service_broken",
            expected_action="switch_over (SwitchoverGlobalCluster, RPO 0)",
            driver="fis",
            template_tag="gameday-api-errors",
            region_role="primary",
            expects_failover_region=True,
        ),
        Scenario(
            name="dynamodb-pause",
            proves="a DynamoDB replication pause only degrades /health (the idempotency cache) "
            "and moves nothing",
            evidence="/health 200 with status degraded: the database is writing (row 2)",
            expected_verdict="healthy",
            expected_action="none (no failover; the replication alarm fires)",
            driver="fis",
            template_tag="gameday-dynamodb-pause",
            region_role="secondary",
        ),
        Scenario(
            name="s3-pause",
            proves="an S3 replication pause is seen (the RTC replication-latency alarm) and "
            "moves nothing",
            evidence="/health 200: the database is writing (row 2)",
            expected_verdict="healthy",
            expected_action="none (the s3-replication-latency alarm fires in the secondary region)",
            driver="fis",
            template_tag="gameday-s3-pause",
            region_role="primary",
        ),
        Scenario(
            name="database-failover",
            proves="a real unplanned failover of the global database under load: the true RPO "
            "(acknowledged payments missing after FailoverGlobalCluster with AllowDataLoss) "
            "and the RTO, then a failback that loses nothing",
            evidence="the operator's decision (no FIS action exists for Aurora global "
            "replication)",
            expected_verdict="(manual)",
            expected_action="fail_over (FailoverGlobalCluster, AllowDataLoss), then failback "
            "(SwitchoverGlobalCluster)",
            driver="cli",
            data_loss_allowed=True,
            expects_failover_region=True,
        ),
    )
}


class FisApi(Protocol):
    """The AWS FIS calls of a game day (FIS API Reference: StartExperiment, GetExperiment,
    StopExperiment, ListExperimentTemplates)."""

    def start_experiment(self, **kwargs: object) -> Mapping[str, Any]:
        """StartExperiment."""
        ...

    def get_experiment(self, *, id: str) -> Mapping[str, Any]:
        """GetExperiment."""
        ...

    def stop_experiment(self, *, id: str) -> Mapping[str, Any]:
        """StopExperiment."""
        ...

    def list_experiment_templates(self, **kwargs: object) -> Mapping[str, Any]:
        """ListExperimentTemplates (one page)."""
        ...


def find_template(fis: FisApi, name_tag: str) -> str | None:
    """The ID of the experiment template whose ``Name`` tag is ``name_tag``."""
    token: str | None = None
    while True:
        page = fis.list_experiment_templates(**({"nextToken": token} if token else {}))
        for template in page.get("experimentTemplates", []):
            if template.get("tags", {}).get("Name") == name_tag:
                return str(template["id"])
        token = page.get("nextToken")
        if not token:
            return None


@dataclass(frozen=True)
class Attempt:
    """One synthetic payment: its key, when it was sent and answered, and the answer."""

    key: str
    sent_at: float
    """Seconds since the fault started (negative: before)."""
    status: int | None
    """HTTP status; None when no answer came."""
    payment_id: str | None = None
    region: str | None = None
    """The region that answered (the payment's ``region``)."""
    answered_at: float | None = None
    """When the answer (or the client's timeout) came, on the same scale as ``sent_at``."""

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "key": self.key,
            "sent_at": round(self.sent_at, 3),
            "answered_at": None if self.answered_at is None else round(self.answered_at, 3),
            "status": self.status,
            "payment_id": self.payment_id,
            "region": self.region,
        }


Post = Callable[[str], tuple[int | None, Mapping[str, Any]]]
"""``post(idempotency_key)``: ``(status, body)`` of ``POST /payments`` through the failover
name; ``(None, {})`` without an answer."""


def drive_load(
    post: Post,
    *,
    duration_seconds: float,
    interval_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
    key_prefix: str = "gameday",
    max_requests: int = 100_000,
) -> list[Attempt]:
    """Send payments one after the other until ``duration_seconds`` have passed (or
    ``max_requests``, or ``should_stop``); bounded whatever the API does, since each ``post``
    has its own timeout. Each attempt's ``sent_at`` is the clock reading (:func:`rebase`
    makes it relative to the fault)."""
    started = clock()
    deadline = started + duration_seconds
    attempts: list[Attempt] = []
    run = uuid.uuid4().hex[:8]
    while clock() < deadline and len(attempts) < max_requests and not should_stop():
        key = f"{key_prefix}-{run}-{len(attempts):06d}"
        sent = clock()
        status, body = post(key)
        payment_id = body.get("id") if isinstance(body.get("id"), str) else None
        region = body.get("region") if isinstance(body.get("region"), str) else None
        attempts.append(Attempt(key, sent, status, payment_id, region, clock()))
        remaining = deadline - clock()
        if remaining > 0:
            sleep(min(interval_seconds, remaining))
    return attempts


def rebase(attempts: Sequence[Attempt], origin: float) -> list[Attempt]:
    """The attempts timed from ``origin`` (the fault's start): negative before it."""
    return [
        dataclasses.replace(
            a,
            sent_at=a.sent_at - origin,
            answered_at=None if a.answered_at is None else a.answered_at - origin,
        )
        for a in attempts
    ]


def first_ack_in(attempts: Sequence[Attempt], region: str) -> Attempt | None:
    """The first ``201`` answered by ``region`` at or after the fault."""
    return next(
        (a for a in attempts if a.status == 201 and a.region == region and a.sent_at >= 0), None
    )


@dataclass(frozen=True)
class Readiness:
    """What the readiness check said before the fault."""

    ready: bool
    summary: str
    checks: tuple[Mapping[str, str], ...] = ()
    waived: tuple[str, ...] = ()
    """Checks that did not pass and that the operator waived (``--waive-check``)."""


@dataclass(frozen=True)
class Reconciled:
    """The RPO measurement: the reconcile report of the old writer against the new one."""

    compared: int
    missing_keys: tuple[str, ...]
    reprocessed: int
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass
class GameDayReport:
    """The evidence of one game day, for an auditor of a payment system."""

    scenario: Scenario
    environment: str
    started_at: str
    where: str = WHERE_TO_RUN
    readiness: Readiness | None = None
    experiment: dict[str, object] = field(default_factory=dict)
    stop_reason: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    rto_seconds: float | None = None
    reconciled: Reconciled | None = None
    failback: dict[str, object] = field(default_factory=dict)
    observations: list[str] = field(default_factory=list)
    source: str = "aws"
    """``aws`` (a real account) or ``local-drill`` (the two-server local drill)."""

    @property
    def acknowledged(self) -> list[Attempt]:
        """Attempts answered ``201``."""
        return [a for a in self.attempts if a.status == 201]

    @property
    def lost(self) -> list[str]:
        """Keys acknowledged with ``201`` that the new writer lacks (the measured RPO)."""
        if self.reconciled is None:
            return []
        missing = set(self.reconciled.missing_keys)
        return [a.key for a in self.acknowledged if a.key in missing]

    @property
    def verdict(self) -> str:
        """``pass`` when the kit did what the scenario expects, else ``fail``."""
        if self.readiness is not None and not self.readiness.ready:
            return "not-run"
        if self.stop_reason is not None and self.stop_reason.startswith("stop condition"):
            return "stopped"
        if self.scenario.expects_failover_region and self.rto_seconds is None:
            return "fail"
        if not self.scenario.data_loss_allowed and self.lost:
            return "fail"
        return "pass"

    def to_json(self) -> dict[str, object]:
        """The report as JSON (schema :data:`REPORT_SCHEMA`, docs/gameday.md)."""
        statuses: dict[str, int] = {}
        for attempt in self.attempts:
            label = str(attempt.status) if attempt.status is not None else "no-answer"
            statuses[label] = statuses.get(label, 0) + 1
        scenario = self.scenario
        return {
            "schema": REPORT_SCHEMA,
            "source": self.source,
            "environment": self.environment,
            "started_at": self.started_at,
            "where": self.where,
            "scenario": {
                "name": scenario.name,
                "proves": scenario.proves,
                "evidence": scenario.evidence,
                "expected_verdict": scenario.expected_verdict,
                "expected_action": scenario.expected_action,
                "driver": scenario.driver,
                "data_loss_allowed": scenario.data_loss_allowed,
            },
            "readiness": None
            if self.readiness is None
            else {
                "ready": self.readiness.ready,
                "summary": self.readiness.summary,
                "checks": [dict(c) for c in self.readiness.checks],
                "waived": list(self.readiness.waived),
            },
            "experiment": self.experiment,
            "stop_reason": self.stop_reason,
            "load": {
                "requests": len(self.attempts),
                "acknowledged": len(self.acknowledged),
                "statuses": dict(sorted(statuses.items())),
            },
            "rto_seconds": None if self.rto_seconds is None else round(self.rto_seconds, 3),
            "rpo": None
            if self.reconciled is None
            else {
                "compared": self.reconciled.compared,
                "acknowledged_then_missing": len(self.lost),
                "missing_keys": self.lost,
                "reprocessed": self.reconciled.reprocessed,
            },
            "failback": self.failback,
            "observations": self.observations,
            "verdict": self.verdict,
            "attempts": [a.to_json() for a in self.attempts],
        }


def to_markdown(report: Mapping[str, Any]) -> str:
    """The Markdown form of a JSON report (docs/gameday.md)."""
    scenario = report["scenario"]
    lines = [
        f"# Game day: {scenario['name']} ({report['environment']})",
        "",
        f"- Verdict: **{report['verdict']}**",
        f"- Started: {report['started_at']} (source: {report['source']})",
        f"- Proves: {scenario['proves']}",
        f"- Evidence produced: {scenario['evidence']}",
        f"- Expected: verdict `{scenario['expected_verdict']}`, action "
        f"{scenario['expected_action']}",
        f"- Run from: {report['where']}",
        "",
        "## Readiness before the fault",
        "",
    ]
    readiness = report.get("readiness")
    if readiness is None:
        lines.append("Not checked.")
    else:
        lines.append(f"{'ready' if readiness['ready'] else 'NOT ready'}: {readiness['summary']}")
        waived = set(readiness.get("waived", ()))
        lines += [
            f"- `{c['check']}` {c['outcome']}"
            + (" (waived by the operator)" if c["check"] in waived else "")
            + f": {c['reason']}"
            for c in readiness["checks"]
        ]
    lines += ["", "## Fault", ""]
    experiment = report.get("experiment") or {}
    lines += [f"- {key}: {value}" for key, value in experiment.items()] or ["- none"]
    lines.append(f"- Stopped because: {report.get('stop_reason') or 'it ended'}")
    load = report["load"]
    lines += [
        "",
        "## Load and measurements",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| requests | {load['requests']} |",
        f"| acknowledged (201) | {load['acknowledged']} |",
        "| statuses | " + ", ".join(f"{k}: {v}" for k, v in load["statuses"].items()) + " |",
        f"| RTO (fault to first 201 from the secondary) | "
        f"{_seconds(report.get('rto_seconds'))} |",
    ]
    rpo = report.get("rpo")
    if rpo is None:
        lines.append("| RPO (acknowledged then missing) | not measured |")
    else:
        lines.append(f"| RPO (acknowledged then missing) | {rpo['acknowledged_then_missing']} |")
        lines.append(f"| payments compared by reconcile | {rpo['compared']} |")
        lines.append(f"| reprocessed under another id | {rpo['reprocessed']} |")
    if rpo and rpo["missing_keys"]:
        lines += ["", "Acknowledged, then missing from the new writer:", ""]
        lines += [f"- `{key}`" for key in rpo["missing_keys"]]
    failback = report.get("failback") or {}
    if failback:
        lines += ["", "## Failback", ""] + [f"- {k}: {v}" for k, v in failback.items()]
    if report.get("observations"):
        lines += ["", "## Observations", ""] + [f"- {o}" for o in report["observations"]]
    return "\n".join(lines) + "\n"


def _seconds(value: object) -> str:
    return "not reached" if value is None else f"{value} s"


def validate_report(report: Mapping[str, Any]) -> list[str]:
    """What a report lacks against the documented format (docs/gameday.md); empty when valid."""
    problems = []
    required = {
        "schema": str,
        "source": str,
        "environment": str,
        "started_at": str,
        "where": str,
        "scenario": dict,
        "experiment": dict,
        "load": dict,
        "failback": dict,
        "observations": list,
        "verdict": str,
        "attempts": list,
    }
    for key, kind in required.items():
        if not isinstance(report.get(key), kind):
            problems.append(f"{key}: expected {kind.__name__}")
    if report.get("schema") != REPORT_SCHEMA:
        problems.append(f"schema: expected {REPORT_SCHEMA}")
    if report.get("verdict") not in ("pass", "fail", "stopped", "not-run"):
        problems.append("verdict: expected pass, fail, stopped or not-run")
    if report.get("scenario", {}).get("name") not in SCENARIOS:
        problems.append("scenario.name: not a known scenario")
    return problems


def dump(report: GameDayReport) -> tuple[str, str]:
    """The JSON text and the Markdown text of a report."""
    document = report.to_json()
    return json.dumps(document, indent=2) + "\n", to_markdown(document)


TERMINAL_STATES = frozenset({"completed", "stopped", "failed", "cancelled"})
"""ExperimentState.status values after which an experiment injects nothing more (FIS API
Reference, ExperimentState)."""


@dataclass
class GameDayDeps:
    """What a run needs, given by the command (AWS) or a test (fakes)."""

    readiness: Callable[[], Readiness]
    post: Post
    fis: FisApi | None = None
    template_id: str | None = None
    fail_over: Callable[[], Mapping[str, object]] | None = None
    """The failover core's plan (``database-failover``): runs while the load goes on."""
    reconcile: Callable[[], Reconciled] | None = None
    fail_back: Callable[[], Mapping[str, object]] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class RunOptions:
    """Bounds of one run."""

    environment: str
    secondary_region: str
    warmup_seconds: float = 30.0
    duration_seconds: float = 900.0
    interval_seconds: float = 1.0
    poll_seconds: float = 10.0
    failover_join_seconds: float = 1900.0
    """How long the report waits for ``payment-dr failover`` after the load: its own bound
    (``--timeout``, 1800 s by default, plus one call in flight)."""


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def run_gameday(scenario: Scenario, deps: GameDayDeps, options: RunOptions) -> GameDayReport:
    """Readiness, fault, bounded load, measurements, report. Never raises for an AWS answer:
    what went wrong is in the report."""
    report = GameDayReport(
        scenario=scenario, environment=options.environment, started_at=_iso(deps.wall_clock())
    )
    report.readiness = deps.readiness()
    if not report.readiness.ready:
        report.observations.append("not started: the DR pair is not shown ready")
        return report
    fault: dict[str, float | None] = {"at": None}
    fault_started = threading.Event()
    experiment_id: str | None = None
    last_poll = [float("-inf")]
    state: dict[str, str] = {}

    def start_fault() -> None:
        nonlocal experiment_id
        fault["at"] = deps.clock()
        fault_started.set()
        if scenario.driver == "cli":
            report.experiment = {"driver": "payment-dr failover (the failover core's plan)"}
            return
        if deps.fis is None or deps.template_id is None:
            raise ValueError(f"{scenario.name}: an FIS client and a template id are needed")
        answer = deps.fis.start_experiment(
            experimentTemplateId=deps.template_id, clientToken=uuid.uuid4().hex
        )
        experiment = answer.get("experiment", {})
        experiment_id = str(experiment.get("id"))
        report.experiment = {
            "driver": "AWS FIS StartExperiment",
            "template_id": deps.template_id,
            "experiment_id": experiment_id,
        }

    def should_stop() -> bool:
        if fault["at"] is None and deps.clock() - started >= options.warmup_seconds:
            start_fault()
        if experiment_id is None or deps.fis is None:
            return False
        now = deps.clock()
        if now - last_poll[0] < options.poll_seconds:
            return False
        last_poll[0] = now
        status = deps.fis.get_experiment(id=experiment_id).get("experiment", {}).get("state", {})
        state.update({"status": str(status.get("status")), "reason": str(status.get("reason", ""))})
        if state["status"] in ("stopped", "failed", "cancelled"):
            report.stop_reason = (
                f"stop condition or failure: FIS says {state['status']}: {state['reason']}"
            )
            return True
        return False

    started = deps.clock()
    if options.warmup_seconds <= 0:
        start_fault()
    failover_result: dict[str, object] = {}
    if scenario.driver == "cli":

        def fail_over() -> None:
            fault_started.wait()
            if deps.fail_over is not None:
                failover_result.update(deps.fail_over())

        worker = threading.Thread(target=fail_over, name="gameday-failover", daemon=True)
        worker.start()
    report.attempts = drive_load(
        deps.post,
        duration_seconds=options.warmup_seconds + options.duration_seconds,
        interval_seconds=options.interval_seconds,
        clock=deps.clock,
        sleep=deps.sleep,
        should_stop=should_stop,
    )
    report.attempts = rebase(report.attempts, fault["at"] if fault["at"] is not None else started)
    if experiment_id is not None and deps.fis is not None:
        final = deps.fis.get_experiment(id=experiment_id).get("experiment", {}).get("state", {})
        if str(final.get("status")) not in TERMINAL_STATES:
            deps.fis.stop_experiment(id=experiment_id)
            report.observations.append("the experiment was still running at the deadline: stopped")
        report.experiment["final_state"] = str(final.get("status"))
    if scenario.driver == "cli":
        fault_started.set()  # a load that ended before the warm-up: the worker ends too
        worker.join(timeout=options.failover_join_seconds)
        report.experiment.update({f"failover_{k}": v for k, v in failover_result.items()})
    ack = first_ack_in(report.attempts, options.secondary_region)
    report.rto_seconds = ack.answered_at if ack is not None else None
    if deps.reconcile is not None:
        report.reconciled = deps.reconcile()
    else:
        report.observations.append(
            "RPO not measured: reconcile needs --old-host and --new-host (docs/gameday.md)"
        )
    if deps.fail_back is not None:
        report.failback = dict(deps.fail_back())
    return report
