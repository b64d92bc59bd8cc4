"""The two drill scenarios on a :class:`ReplicatedPair`.

Unplanned failover: payments flow to the primary; the primary is killed
(``pg_ctl stop -m immediate``). A health checker standing in for Route 53 probes the primary's
real ``/health`` and moves the client's traffic (DNS) after ``failure_threshold`` failed
checks. The orchestrator's decision rules (:mod:`payment_service.orchestrator.rules`) are fed
with the same kind of signals (the health checker's status, a direct probe of the primary's
``/health``; no CloudWatch here, so the alarm signal is unknown) and with the secondary's own
``/health``; when they decide to fail over, the standby is promoted. Measured: RTO (kill ->
first payment accepted by the secondary) and RPO (payments acknowledged with 201 that the
promoted database does not have).

Planned switchover: writes are paused between two requests, the standby replays up to the
primary's WAL position, the primary is stopped, the standby promoted, writes resume on it.
No acknowledged payment may be lost.

Time is scaled down (checks every 0.2 s, evaluations every 0.5 s) so a run takes seconds; the
production schedule is in ``payment-dr rto-budget``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    GateReadings,
    OrchestratorState,
    SwitchState,
    Thresholds,
)
from payment_service.orchestrator.probes import ProbeResult, secondary_readiness
from tests.drill.pair import ReplicatedPair
from tests.drill.regions import Region, SharedIdempotencyStore, health
from tests.drill.traffic import Ack, Client, Router

PRIMARY_REGION = "us-east-1"
SECONDARY_REGION = "us-east-2"


@dataclass(frozen=True)
class DrillSettings:
    """Bounds and (scaled-down) timings of one scenario run."""

    warmup_seconds: float = 1.5
    """Traffic on the primary before the outage or switchover."""
    after_seconds: float = 1.0
    """Traffic on the new writer after it accepted its first payment."""
    max_payments: int = 20_000
    check_interval: float = 0.2
    """Health checker (Route 53 stand-in) period."""
    failure_threshold: int = 3
    evaluation_interval: float = 0.5
    """Orchestrator period."""
    consecutive_failures: int = 3
    recovery_timeout: float = 20.0


DEFAULT_SETTINGS = DrillSettings()


@dataclass(frozen=True)
class Evaluation:
    """One orchestrator evaluation during the drill."""

    at: float
    """Seconds after the kill (negative before it)."""
    verdict: str
    consecutive_down: int
    action: str


@dataclass(frozen=True)
class Outcome:
    """Payments of a run, checked against the database that survived."""

    acked: int
    lost: tuple[str, ...]
    """Keys acknowledged with 201 and missing from the surviving database."""
    mismatched: int
    """Keys whose acknowledged payment id differs from the stored one (never expected)."""
    in_doubt: int
    failures: dict[str, int]


@dataclass(frozen=True)
class UnplannedResult:
    rto_seconds: float
    dns_seconds: float
    """Kill -> client traffic moved to the secondary."""
    decision_seconds: float
    """Kill -> the orchestrator rules decided to fail over."""
    promotion_seconds: float
    """Duration of ``pg_ctl promote``."""
    acked_before_kill: int
    lost_window_ms: float | None
    """How long before the kill the oldest lost payment was acknowledged."""
    evaluations: tuple[Evaluation, ...]
    outcome: Outcome
    acked_ids: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> payment id of every 201 the client received (reconcile checks)."""
    in_doubt: tuple[str, ...] = ()
    """Keys whose request got no answer (committed or not: the client cannot know)."""


@dataclass(frozen=True)
class PlannedResult:
    write_pause_seconds: float
    """Writes paused -> first payment accepted by the new writer."""
    catch_up_seconds: float
    """Writes paused -> standby replayed the primary's last WAL position."""
    promotion_seconds: float
    outcome: Outcome


def _outcome(pair: ReplicatedPair, client: Client, prefix: str) -> Outcome:
    present = pair.keys_on(pair.standby, prefix)
    lost = tuple(ack.key for ack in client.acks if ack.key not in present)
    mismatched = sum(
        1 for ack in client.acks if ack.key in present and present[ack.key] != ack.payment_id
    )
    return Outcome(len(client.acks), lost, mismatched, len(client.in_doubt), dict(client.failures))


class HealthChecker:
    """Route 53 stand-in: probes the primary's ``/health``; after ``failure_threshold``
    consecutive failures it reports unhealthy and moves the client's traffic (DNS failover)."""

    def __init__(
        self, primary: Region, secondary: Region, router: Router, settings: DrillSettings
    ) -> None:
        self._service = primary.service()
        self._secondary = secondary
        self._router = router
        self._settings = settings
        self.healthy = True
        self.failed_over_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drill-dns", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        failures = 0
        while not self._stop.wait(self._settings.check_interval):
            status, _body = health(self._service)
            failures = 0 if status == 200 else failures + 1
            if failures >= self._settings.failure_threshold and self.healthy:
                self.healthy = False
                self.failed_over_at = time.perf_counter()
                self._router.route_to(self._secondary)


class Orchestrator:
    """The orchestrator's rules on live signals; promotes the standby when they say so."""

    def __init__(
        self,
        pair: ReplicatedPair,
        primary: Region,
        secondary: Region,
        checker: HealthChecker,
        settings: DrillSettings,
    ) -> None:
        self._pair = pair
        self._primary = primary.service()
        self._secondary = secondary.service()
        self._checker = checker
        self._settings = settings
        self._thresholds = Thresholds(
            consecutive_failures=settings.consecutive_failures,
            min_spacing_seconds=0.0,
            stale_after_seconds=3600.0,
        )
        self.trace: list[tuple[float, str, int, str]] = []
        self.decided_at: float | None = None
        self.promotion_seconds: float | None = None
        self.promoted = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drill-orchestrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        state = OrchestratorState()
        while not self._stop.wait(self._settings.evaluation_interval):
            now = time.perf_counter()
            status, _ = health(self._primary)
            signals = [
                rules.route53_signal([self._checker.healthy]),
                rules.probe_signal(status),
                rules.alarm_signal(None, "no CloudWatch in the drill"),
            ]
            assessment = rules.assess(signals)
            counted, note = rules.advance(state, assessment, now, self._thresholds)
            gates = None
            if rules.needs_gates(counted, assessment, self._thresholds):
                secondary_status, secondary_body = health(self._secondary)
                readiness = secondary_readiness(
                    ProbeResult(secondary_status, secondary_body), "available", None
                )
                gates = GateReadings(SwitchState.ON, readiness)
            decision = rules.decide(
                previous=state,
                counted=counted,
                counter_note=note,
                assessment=assessment,
                thresholds=self._thresholds,
                problem=None,
                gates=gates,
            )
            state = replace(decision.state, version=state.version + 1)
            self.trace.append(
                (now, assessment.verdict.value, counted.consecutive_down, decision.action.value)
            )
            if decision.action is Action.FAIL_OVER:
                self.decided_at = now
                started = time.perf_counter()
                self._pair.standby.promote()
                self.promotion_seconds = time.perf_counter() - started
                self.promoted.set()
                return


@dataclass
class _Run:
    pair: ReplicatedPair
    settings: DrillSettings
    prefix: str
    store: SharedIdempotencyStore = field(default_factory=SharedIdempotencyStore)

    def __post_init__(self) -> None:
        password = self.pair.app_password
        self.primary = Region(PRIMARY_REGION, self.pair.primary, password, self.store)
        self.secondary = Region(SECONDARY_REGION, self.pair.standby, password, self.store)
        self.router = Router(self.primary)
        budget = self.settings.warmup_seconds + self.settings.recovery_timeout + 30
        self.client = Client(
            self.router, self.prefix, self.settings.max_payments, time.perf_counter() + budget
        )

    def close(self) -> None:
        self.client.stop()
        self.primary.close()
        self.secondary.close()


def run_unplanned(
    pair: ReplicatedPair,
    prefix: str,
    settings: DrillSettings = DEFAULT_SETTINGS,
    *,
    cut_replication_before_kill: float | None = None,
) -> UnplannedResult:
    """Kill the primary under load; let the rules promote the standby; measure RTO and RPO.

    ``cut_replication_before_kill`` stops replication that many seconds before the kill, so
    every payment acknowledged in between is lost: a check that loss is detected.
    """
    run = _Run(pair, settings, prefix)
    checker = HealthChecker(run.primary, run.secondary, run.router, settings)
    orchestrator = Orchestrator(pair, run.primary, run.secondary, checker, settings)
    try:
        run.client.start()
        checker.start()
        orchestrator.start()
        warmup = settings.warmup_seconds
        if cut_replication_before_kill is not None:
            time.sleep(max(0.0, warmup - cut_replication_before_kill))
            pair.cut_replication()
            time.sleep(cut_replication_before_kill)
        else:
            time.sleep(warmup)
        killed_at = time.perf_counter()
        pair.primary.stop("immediate")
        if not orchestrator.promoted.wait(settings.recovery_timeout):
            raise TimeoutError("the orchestrator rules did not fail over")
        first = run.client.wait_for_ack_in(SECONDARY_REGION, killed_at, settings.recovery_timeout)
        time.sleep(settings.after_seconds)
        run.client.stop()
    finally:
        checker.stop()
        orchestrator.stop()
        run.close()
    outcome = _outcome(pair, run.client, prefix)
    lost_acks = [ack for ack in run.client.acks if ack.key in set(outcome.lost)]
    pair.rotate()
    return UnplannedResult(
        rto_seconds=first.at - killed_at,
        dns_seconds=(checker.failed_over_at or first.at) - killed_at,
        decision_seconds=(orchestrator.decided_at or first.at) - killed_at,
        promotion_seconds=orchestrator.promotion_seconds or 0.0,
        acked_before_kill=sum(1 for ack in run.client.acks if ack.at < killed_at),
        lost_window_ms=_window(lost_acks, killed_at),
        evaluations=tuple(
            Evaluation(at - killed_at, verdict, count, action)
            for at, verdict, count, action in orchestrator.trace
        ),
        outcome=outcome,
        acked_ids={ack.key: ack.payment_id for ack in run.client.acks},
        in_doubt=tuple(run.client.in_doubt),
    )


def _window(lost: list[Ack], killed_at: float) -> float | None:
    if not lost:
        return None
    return (killed_at - min(ack.at for ack in lost)) * 1000


def run_planned(
    pair: ReplicatedPair, prefix: str, settings: DrillSettings = DEFAULT_SETTINGS
) -> PlannedResult:
    """Pause writes, let the standby catch up, stop the primary, promote, resume."""
    run = _Run(pair, settings, prefix)
    try:
        run.client.start()
        time.sleep(settings.warmup_seconds)
        paused_at = time.perf_counter()
        with run.router.gate:
            pair.replay_caught_up()
            caught_up_at = time.perf_counter()
            pair.primary.stop("fast")
            started = time.perf_counter()
            pair.standby.promote()
            promotion = time.perf_counter() - started
            run.router.route_to(run.secondary)
        first = run.client.wait_for_ack_in(SECONDARY_REGION, paused_at, settings.recovery_timeout)
        time.sleep(settings.after_seconds)
        run.client.stop()
    finally:
        run.close()
    outcome = _outcome(pair, run.client, prefix)
    pair.rotate()
    return PlannedResult(
        write_pause_seconds=first.at - paused_at,
        catch_up_seconds=caught_up_at - paused_at,
        promotion_seconds=promotion,
        outcome=outcome,
    )
