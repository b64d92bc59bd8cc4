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

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.drill.blackhole import BlackholeProxy
from tests.drill.control import (
    PRIMARY_REGION,
    PRIMARY_URL,
    SECONDARY_REGION,
    SECONDARY_URL,
    DrillOrchestrator,
    HealthState,
    RegionProbe,
)
from tests.drill.pair import ReplicatedPair
from tests.drill.regions import Region, SharedIdempotencyStore
from tests.drill.traffic import Ack, Client, Router


class Outage(enum.Enum):
    """What happens to the primary region in an unplanned failover."""

    KILL = "kill"
    """The primary database server is killed; connections to it are refused."""
    REGION = "region"
    """Full-region outage: the primary and every probe of it black-holed, no Route 53 API."""


@dataclass(frozen=True)
class DrillSettings:
    """Bounds and (scaled-down) timings of one scenario run."""

    warmup_seconds: float = 1.5
    """Traffic on the primary before the outage or switchover."""
    warmup_acks: int = 25
    """...and at least this many payments acknowledged by then (a loaded machine, other test
    workers beside the drill, answers fewer payments within the same seconds)."""
    after_seconds: float = 1.0
    """Traffic on the new writer after it accepted its first payment."""
    max_payments: int = 20_000
    check_interval: float = 0.2
    """Health checker (Route 53 stand-in) period."""
    failure_threshold: int = 3
    probe_timeout: float = 0.5
    """Timeout of every probe of a region's ``/health`` (health checker, vantage points, the
    orchestrator's own: its PROBE_TIMEOUT_SECONDS)."""
    vantage_threshold: int = 2
    """Probes without a response before a vantage point's alarm goes to ALARM."""
    evaluation_interval: float = 0.5
    """Orchestrator period (its real settings: CONSECUTIVE_FAILURES 3, budgets of 1 s)."""
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
    seconds: float = 0.0
    """How long the evaluation took."""
    signals: tuple[tuple[str, str], ...] = ()
    """(signal, state) as the orchestrator recorded them."""


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
    outage: Outage = Outage.KILL
    acked_after_cut: tuple[str, ...] = ()
    """Keys the client saw acknowledged by the old primary after replication was cut (its
    own clock)."""
    acked_during_cut: tuple[str, ...] = ()
    """Keys acknowledged while the WAL receiver was being stopped (either way possible)."""
    failover_requests: tuple[tuple[str, dict[str, object]], ...] = ()
    """(region, parameters) of every promotion call the orchestrator sent to RDS."""
    probe_calls_over_timeout: int = 0
    """Probe calls that took more than their timeout (+0.25 s): expected 0."""
    vantage_alarm_seconds: tuple[tuple[str, float | None], ...] = ()
    """Seconds after the outage when each vantage point's alarm went to ALARM."""
    acks_after_outage: tuple[tuple[str, str, str, float], ...] = ()
    """(key, payment id, region, seconds after the outage: negative before) of every 201."""


@dataclass(frozen=True)
class PlannedResult:
    write_pause_seconds: float
    """Writes paused -> first payment accepted by the new writer."""
    catch_up_seconds: float
    """Writes paused -> standby replayed the primary's last WAL position."""
    promotion_seconds: float
    outcome: Outcome
    acked_ids: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> payment id of every 201 the client received."""


def _outcome(pair: ReplicatedPair, client: Client, prefix: str) -> Outcome:
    present = pair.keys_on(pair.standby, prefix)
    lost = tuple(ack.key for ack in client.acks if ack.key not in present)
    mismatched = sum(
        1 for ack in client.acks if ack.key in present and present[ack.key] != ack.payment_id
    )
    return Outcome(len(client.acks), lost, mismatched, len(client.in_doubt), dict(client.failures))


class HealthChecker:
    """Route 53 stand-in (its data plane, which keeps working in a us-east-1 outage): probes
    the primary's ``/health`` with the probe's timeout; after ``failure_threshold``
    consecutive failures it reports unhealthy and moves the client's traffic (DNS failover)."""

    def __init__(
        self,
        probe: RegionProbe,
        secondary: Region,
        router: Router,
        settings: DrillSettings,
        state: HealthState,
        on_unhealthy: Callable[[], None],
    ) -> None:
        self._probe = probe
        self._secondary = secondary
        self._router = router
        self._settings = settings
        self._state = state
        self._on_unhealthy = on_unhealthy
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
            result = self._probe(PRIMARY_URL, self._settings.probe_timeout)
            failures = 0 if result.status == 200 else failures + 1
            if failures >= self._settings.failure_threshold and self._state.healthy:
                self._state.healthy = False
                self.failed_over_at = time.perf_counter()
                self._router.route_to(self._secondary)
                self._on_unhealthy()


@dataclass
class _Run:
    pair: ReplicatedPair
    settings: DrillSettings
    prefix: str
    primary_address: tuple[str, int] | None = None
    store: SharedIdempotencyStore = field(default_factory=SharedIdempotencyStore)

    def __post_init__(self) -> None:
        password = self.pair.app_password
        self.primary = Region(
            PRIMARY_REGION, self.pair.primary, password, self.store, self.primary_address
        )
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
    outage: Outage = Outage.KILL,
    cut_replication_before_kill: float | None = None,
) -> UnplannedResult:
    """Take the primary away under load; let the real orchestrator promote the standby;
    measure RTO and the payments acknowledged then lost.

    ``Outage.KILL``: the primary server is killed (``pg_ctl stop -m immediate``); the rest of
    us-east-1 (its APIs, the Route 53 control plane) keeps answering. ``Outage.REGION``: every
    connection to the primary (the client's, the probes', the health checker's) goes through
    a :class:`BlackholeProxy` that stops answering, the server behind it is killed, and the
    Route 53 and us-east-1 CloudWatch APIs hang.

    ``cut_replication_before_kill`` stops replication that many seconds before the outage, so
    every payment acknowledged in between is lost: a check that loss is detected.
    """
    proxy = BlackholeProxy(pair.primary.host, pair.primary.port)
    run = _Run(pair, settings, prefix, (proxy.host, proxy.port))
    region_down = threading.Event()
    health_state = HealthState()
    orchestrator = DrillOrchestrator(
        {PRIMARY_URL: run.primary, SECONDARY_URL: run.secondary},
        pair.standby.promote,
        health_state,
        interval=settings.evaluation_interval,
        probe_interval=settings.check_interval,
        probe_threshold=settings.vantage_threshold,
        us_east_1_down=region_down.is_set,
    )
    checker = HealthChecker(
        orchestrator.probe,
        run.secondary,
        run.router,
        settings,
        health_state,
        lambda: None if region_down.is_set() else orchestrator.set_primary_alarm("ALARM"),
    )
    cut: tuple[float, float] | None = None
    try:
        orchestrator.start()
        run.client.start()
        checker.start()
        warmup = settings.warmup_seconds
        if cut_replication_before_kill is not None:
            _warm_up(run.client, max(0.0, warmup - cut_replication_before_kill), settings)
            cut_started = time.perf_counter()
            pair.cut_replication()
            cut = (cut_started, time.perf_counter())
            time.sleep(cut_replication_before_kill)
        else:
            _warm_up(run.client, warmup, settings)
        killed_at = time.perf_counter()
        if outage is Outage.REGION:
            region_down.set()
            proxy.blackhole()
        pair.primary.stop("immediate")
        if not orchestrator.rds.promoted.wait(settings.recovery_timeout):
            raise TimeoutError(f"the orchestrator did not fail over: {orchestrator.trace[-3:]}")
        first = run.client.wait_for_ack_in(SECONDARY_REGION, killed_at, settings.recovery_timeout)
        time.sleep(settings.after_seconds)
        run.client.stop()
    finally:
        checker.stop()
        orchestrator.stop()
        run.close()
        proxy.close()
    if orchestrator.errors:
        raise orchestrator.errors[0]
    outcome = _outcome(pair, run.client, prefix)
    lost_acks = [ack for ack in run.client.acks if ack.key in set(outcome.lost)]
    pair.rotate()
    return UnplannedResult(
        rto_seconds=first.at - killed_at,
        dns_seconds=(checker.failed_over_at or first.at) - killed_at,
        decision_seconds=(orchestrator.rds.requested_at or first.at) - killed_at,
        promotion_seconds=orchestrator.rds.promotion_seconds or 0.0,
        acked_before_kill=sum(1 for ack in run.client.acks if ack.at < killed_at),
        lost_window_ms=_window(lost_acks, killed_at),
        evaluations=tuple(
            Evaluation(
                e.started - killed_at, e.verdict, e.consecutive_down, e.action, e.seconds, e.signals
            )
            for e in orchestrator.trace
        ),
        outcome=outcome,
        acked_ids={ack.key: ack.payment_id for ack in run.client.acks},
        in_doubt=tuple(run.client.in_doubt),
        outage=outage,
        acked_after_cut=tuple(
            ack.key
            for ack in run.client.acks
            if cut and ack.region == PRIMARY_REGION and ack.at > cut[1]
        ),
        acked_during_cut=tuple(
            ack.key
            for ack in run.client.acks
            if cut and ack.region == PRIMARY_REGION and cut[0] <= ack.at <= cut[1]
        ),
        failover_requests=tuple(
            (region, dict(params))
            for region, operation, params in orchestrator.rds.calls
            if operation in ("failover_global_cluster", "switchover_global_cluster")
        ),
        probe_calls_over_timeout=sum(
            1 for call in orchestrator.probe.calls if call.seconds > call.timeout + 0.25
        ),
        vantage_alarm_seconds=tuple(
            (v.region, None if v.alarm_at is None else v.alarm_at - killed_at)
            for v in orchestrator.vantage_points
        ),
        acks_after_outage=tuple(
            (ack.key, ack.payment_id, ack.region, ack.at - killed_at) for ack in run.client.acks
        ),
    )


def _warm_up(client: Client, seconds: float, settings: DrillSettings) -> None:
    """Traffic for ``seconds``, and until ``settings.warmup_acks`` payments were answered."""
    time.sleep(seconds)
    deadline = time.monotonic() + settings.recovery_timeout
    while len(client.acks) < settings.warmup_acks and time.monotonic() < deadline:
        time.sleep(0.02)


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
        _warm_up(run.client, settings.warmup_seconds, settings)
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
        acked_ids={ack.key: ack.payment_id for ack in run.client.acks},
    )


@dataclass(frozen=True)
class HeldResult:
    """A scenario in which the database must not move (or must move without loss)."""

    evaluations: tuple[Evaluation, ...]
    outcome: Outcome
    """Payments checked against the database that writes at the end."""
    failover_requests: tuple[tuple[str, dict[str, object]], ...]
    notified: tuple[str, ...]
    """Actions the orchestrator paged or reported, in order."""
    acked_during_fault: int
    rto_seconds: float | None = None
    """Fault -> first payment accepted by the secondary (when the database moved)."""


def _requests(orchestrator: DrillOrchestrator) -> tuple[tuple[str, dict[str, object]], ...]:
    return tuple(
        (region, dict(params))
        for region, operation, params in orchestrator.rds.calls
        if operation in ("failover_global_cluster", "switchover_global_cluster")
    )


def _evaluations(orchestrator: DrillOrchestrator, fault_at: float) -> tuple[Evaluation, ...]:
    return tuple(
        Evaluation(
            e.started - fault_at, e.verdict, e.consecutive_down, e.action, e.seconds, e.signals
        )
        for e in orchestrator.trace
    )


def _watched(
    pair: ReplicatedPair,
    run: _Run,
    settings: DrillSettings,
    *,
    us_east_1_down: Callable[[], bool],
    replication_lag_ms: Callable[[], float | None],
    switch_over: Callable[[], None] = lambda: None,
) -> tuple[DrillOrchestrator, HealthChecker]:
    """The orchestrator and the Route 53 stand-in of a run in which the primary's database
    stays up (its alarm follows the checker, whose probes come from many regions)."""
    orchestrator = DrillOrchestrator(
        {PRIMARY_URL: run.primary, SECONDARY_URL: run.secondary},
        pair.standby.promote,
        HealthState(),
        interval=settings.evaluation_interval,
        probe_interval=settings.check_interval,
        probe_threshold=settings.vantage_threshold,
        us_east_1_down=us_east_1_down,
        switch_over=switch_over,
        replication_lag_ms=replication_lag_ms,
    )
    checker = HealthChecker(
        orchestrator.probe,
        run.secondary,
        run.router,
        settings,
        orchestrator.checker_state,
        lambda: orchestrator.set_primary_alarm("ALARM"),
    )
    return orchestrator, checker


def _held(
    orchestrator: DrillOrchestrator,
    client: Client,
    outcome: Outcome,
    fault_at: float,
    rto_seconds: float | None = None,
) -> HeldResult:
    if orchestrator.errors:
        raise orchestrator.errors[0]
    return HeldResult(
        evaluations=_evaluations(orchestrator, fault_at),
        outcome=outcome,
        failover_requests=_requests(orchestrator),
        notified=tuple(e.action for e in orchestrator.trace if e.action != "none"),
        acked_during_fault=sum(1 for ack in client.acks if ack.at >= fault_at),
        rto_seconds=rto_seconds,
    )


def run_partition(
    pair: ReplicatedPair,
    prefix: str,
    settings: DrillSettings = DEFAULT_SETTINGS,
    *,
    hold_seconds: float = 4.0,
) -> HeldResult:
    """us-east-2 loses its path to us-east-1 (its probes time out, us-east-1's APIs hang from
    there) while the primary keeps serving its clients and us-west-2 still reaches it. The
    orchestrator must not move the database and must page the conflicting evidence; every
    payment the primary acknowledges stays."""
    run = _Run(pair, settings, prefix)
    partitioned = threading.Event()
    orchestrator, checker = _watched(
        pair,
        run,
        settings,
        us_east_1_down=partitioned.is_set,
        replication_lag_ms=lambda: None if partitioned.is_set() else 100.0,
    )
    try:
        orchestrator.start()
        run.client.start()
        checker.start()
        _warm_up(run.client, settings.warmup_seconds, settings)
        fault_at = time.perf_counter()
        orchestrator.probe.cut_off.add(SECONDARY_REGION)
        partitioned.set()
        time.sleep(hold_seconds)
        run.client.stop()
    finally:
        checker.stop()
        orchestrator.stop()
        run.close()
    # Nothing was promoted: the payments are checked against the primary that kept serving.
    present = pair.keys_on(pair.primary, prefix)
    lost = tuple(ack.key for ack in run.client.acks if ack.key not in present)
    mismatched = sum(
        1 for ack in run.client.acks if ack.key in present and present[ack.key] != ack.payment_id
    )
    outcome = Outcome(
        len(run.client.acks), lost, mismatched, len(run.client.in_doubt), dict(run.client.failures)
    )
    return _held(orchestrator, run.client, outcome, fault_at)


def run_api_fault(
    pair: ReplicatedPair, prefix: str, settings: DrillSettings = DEFAULT_SETTINGS
) -> HeldResult:
    """us-east-1's API layer fails (API Gateway answers 502 to clients and probes) while its
    database is healthy and replicating. The orchestrator must switch over (the standby replays
    up to the primary's position before it is promoted): nothing acknowledged is lost."""
    run = _Run(pair, settings, prefix)
    moved = threading.Event()

    def switch_over() -> None:
        pair.replay_caught_up()
        pair.primary.stop("fast")
        pair.standby.promote()
        moved.set()

    orchestrator, checker = _watched(
        pair,
        run,
        settings,
        us_east_1_down=lambda: False,
        switch_over=switch_over,
        replication_lag_ms=lambda: None if moved.is_set() else 100.0,
    )
    try:
        orchestrator.start()
        run.client.start()
        checker.start()
        _warm_up(run.client, settings.warmup_seconds, settings)
        fault_at = time.perf_counter()
        run.primary.api_broken.set()
        orchestrator.probe.broken_api.add(PRIMARY_URL)
        if not orchestrator.rds.promoted.wait(settings.recovery_timeout):
            raise TimeoutError(f"the orchestrator did not switch over: {orchestrator.trace[-3:]}")
        first = run.client.wait_for_ack_in(SECONDARY_REGION, fault_at, settings.recovery_timeout)
        time.sleep(settings.after_seconds)
        run.client.stop()
    finally:
        checker.stop()
        orchestrator.stop()
        run.close()
    outcome = _outcome(pair, run.client, prefix)
    pair.rotate()
    return _held(orchestrator, run.client, outcome, fault_at, first.at - fault_at)
