"""One evaluation: read the cluster and the signals, apply the rules, act, record, notify.

Order of an evaluation:

1. DescribeGlobalClusters. If the secondary already writes, or a failover/switchover is
   running, record that and stop (idempotency: re-runs never start a second failover).
2. Read the signals concurrently, compute the verdict and the counter
   (:mod:`payment_service.orchestrator.rules` holds the decision table).
3. Only when the counter reaches N on a ``down`` verdict: read the switch (SSM), the
   secondary's readiness (its ``/health`` and its RDS cluster status) and the primary
   database's health by fresh evidence (the global cluster read in step 1 and the secondary's
   ``AuroraGlobalDBRPOLag``, both from the secondary region).
4. Write the state item conditionally on the version read: of two concurrent evaluations only
   one acts. Then run the failover core's plan for the decided move
   (:func:`payment_service.failover.plan_promotion`): ``SwitchoverGlobalCluster`` when the
   primary's database is healthy, or ``FailoverGlobalCluster`` with ``AllowDataLoss`` and the
   copy of the old primary's failover snapshot: the same plans ``payment-dr switchover`` and
   ``payment-dr failover`` run. An evaluation that finds the secondary already the writer
   retries the failover plan's later steps (:func:`payment_service.failover.plan_after_failover`).
5. Notify the alert topic when the decision asks for it, then append the decision item.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace

from payment_service.failover import (
    GlobalDatabase,
    Promotion,
    RdsByRegion,
    Topology,
    describe_error,
    plan_after_failover,
    plan_promotion,
)
from payment_service.logging import get_logger
from payment_service.orchestrator import probes, rules, snapshot_page
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    DatabaseHealth,
    Decision,
    Evidence,
    GateReadings,
    OrchestratorState,
    SecondaryReadiness,
    Signal,
    SignalName,
    SwitchState,
)
from payment_service.orchestrator.notify import Notifier
from payment_service.orchestrator.probes import Probe
from payment_service.orchestrator.record import EvaluationRecord
from payment_service.orchestrator.settings import OrchestratorSettings
from payment_service.orchestrator.store import DecisionStore, StateConflictError

_log = get_logger("payment_service.orchestrator")


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def bounded_reads(
    readers: tuple[tuple[SignalName, Callable[[], Signal]], ...], budget_seconds: float
) -> tuple[Signal, ...]:
    """Run every reader concurrently; one still running after ``budget_seconds`` is
    ``unknown``. The pool is not joined, so a call that hangs (an API of a region that is
    down) cannot hold the evaluation past its budget."""
    pool = ThreadPoolExecutor(max_workers=len(readers), thread_name_prefix="signal")
    futures = [pool.submit(read) for _name, read in readers]
    pool.shutdown(wait=False)
    wait(futures, timeout=budget_seconds)
    signals = []
    for (name, _read), future in zip(readers, futures, strict=True):
        if future.done() and future.exception() is None:
            signals.append(future.result())
        else:
            detail = (
                f"no answer within the {budget_seconds:g}s budget"
                if not future.done()
                else f"reader failed: {type(future.exception()).__name__}"
            )
            signals.append(Signal(name, Evidence.UNKNOWN, detail))
    return tuple(signals)


class Orchestrator:
    """The failover orchestrator with its clients, clock and probe injected."""

    def __init__(
        self,
        settings: OrchestratorSettings,
        clients: Clients,
        *,
        probe: Probe = probes.https_probe,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._probe = probe
        self._clock = clock
        self._new_id = new_id
        self._rds_region = settings.secondary_cluster_region
        # The evaluation that fails over calls RDS in the secondary region only: the primary
        # region is down, and Aurora takes the failover snapshot only once it is back, so the
        # plan's copy step fails at once there ("no RDS client") instead of spending the
        # function's time before the page. Later evaluations (already promoted) copy it with
        # the primary region's client.
        self._database = GlobalDatabase(
            RdsByRegion({self._rds_region: clients.rds}), settings.global_cluster_id, sleep=sleep
        )
        self._aftercare = (
            GlobalDatabase(
                RdsByRegion(
                    {self._rds_region: clients.rds, settings.primary_region: clients.rds_primary}
                ),
                settings.global_cluster_id,
                sleep=sleep,
            )
            if clients.rds_primary is not None
            else None
        )
        self._store = DecisionStore(
            clients.dynamodb,
            settings.decision_table_name,
            ttl_seconds=settings.decision_ttl_days * 86400,
        )
        self._notifier = Notifier(
            clients.sns, settings.alert_topic_arn, settings.environment_suffix
        )

    def evaluate(self, trigger: str = "manual") -> EvaluationRecord:
        """Run one evaluation and return what it saw and did."""
        now = self._clock()
        settings = self._settings
        cluster, cluster_error = self._describe_cluster()
        previous = self._store.load_state()
        thresholds = settings.thresholds
        early = rules.precheck(previous, cluster, settings.secondary_cluster_arn, now, thresholds)
        if early is not None:
            if early.action is Action.ALREADY_PROMOTED:
                self._after_failover()
            return self._finish(trigger, now, early, cluster, previous, None, (), None)

        signals = self._read_signals()
        assessment = rules.assess(signals)
        counted, note = rules.advance(previous, assessment, now, thresholds)
        problem = rules.topology_problem(cluster, cluster_error, settings.secondary_cluster_arn)
        gates = None
        if problem is None and rules.needs_gates(counted, assessment, thresholds):
            gates = self._read_gates(cluster, now, counted.down_since)
        decision = rules.decide(
            previous=previous,
            counted=counted,
            counter_note=note,
            assessment=assessment,
            thresholds=thresholds,
            problem=problem,
            gates=gates,
            now=now,
        )
        return self._finish(trigger, now, decision, cluster, previous, assessment, signals, gates)

    def _describe_cluster(self) -> tuple[Topology | None, str | None]:
        try:
            return self._database.describe(self._rds_region), None
        except Exception as exc:
            _log.error("global_cluster_unreadable", reason=describe_error(exc))
            return None, describe_error(exc)

    def _read_signals(self) -> tuple[Signal, ...]:
        settings, clients = self._settings, self._clients
        remote = clients.remote_alarms
        readers: tuple[tuple[SignalName, Callable[[], Signal]], ...] = tuple(
            zip(
                (SignalName.ROUTE53, SignalName.PROBE, SignalName.ALARM),
                self._primary_readers(),
                strict=True,
            )
        )
        if remote is not None and settings.remote_probe_alarm_name:
            readers += (
                (
                    SignalName.REMOTE_PROBE,
                    lambda: probes.read_remote_probe(
                        remote, settings.remote_probe_alarm_name, settings.remote_probe_region
                    ),
                ),
            )
        local = clients.local_alarms
        if local is not None and settings.secondary_probe_alarm_name:
            readers += (
                (
                    SignalName.SECONDARY_PROBE,
                    lambda: probes.read_secondary_probe(
                        local, settings.secondary_probe_alarm_name, settings.region
                    ),
                ),
            )
        return bounded_reads(readers, settings.signals_budget_seconds)

    def _primary_readers(self) -> tuple[Callable[[], Signal], ...]:
        settings, clients = self._settings, self._clients
        return (
            lambda: probes.read_route53(clients.route53, settings.primary_health_check_id),
            lambda: probes.read_probe(
                self._probe,
                settings.primary_health_url,
                settings.probe_timeout_seconds,
                region=settings.region,
            ),
            lambda: probes.read_alarm(clients.cloudwatch, settings.primary_alarm_name),
        )

    def _read_gates(
        self, cluster: Topology | None, now: float, since: float | None
    ) -> GateReadings:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gates")
        future = pool.submit(self._read_gates_unbounded, cluster, now, since)
        pool.shutdown(wait=False)
        try:
            return future.result(timeout=self._settings.gates_budget_seconds)
        except FutureTimeout:
            budget = self._settings.gates_budget_seconds
            return GateReadings(
                SwitchState.UNREADABLE,
                SecondaryReadiness(False, f"readiness not read within {budget:g}s"),
                DatabaseHealth(False, f"not read within {budget:g}s"),
            )

    def _database_health(
        self, cluster: Topology | None, now: float, since: float | None
    ) -> DatabaseHealth:
        settings = self._settings
        metrics = self._clients.local_metrics
        if metrics is None:
            return DatabaseHealth(False, "no CloudWatch client for the RPO lag")
        window = settings.rpo_lag_max_age_seconds
        lag, error = probes.read_rpo_lag(
            metrics,
            settings.secondary_cluster_arn.split(":")[-1],
            now,
            window,
            settings.rpo_lag_period_seconds,
        )
        if lag is None and error != probes.NO_DATAPOINT:
            return DatabaseHealth(False, f"AuroraGlobalDBRPOLag {error}")
        return rules.database_health(
            cluster,
            settings.secondary_cluster_arn,
            lag,
            now,
            max_age_seconds=window,
            max_lag_seconds=settings.healthy_rpo_lag_seconds,
            # A datapoint is stamped with the start of its period: one whose period ends after
            # the first failed evaluation holds samples taken since the problem began.
            since=None if since is None else since - settings.rpo_lag_period_seconds,
        )

    def _read_gates_unbounded(
        self, cluster: Topology | None, now: float, since: float | None
    ) -> GateReadings:
        settings = self._settings
        switch = probes.read_switch(self._clients.ssm, settings.switch_parameter_name)
        try:
            health = self._probe(settings.secondary_health_url, settings.probe_timeout_seconds)
        except Exception as exc:
            health = probes.ProbeResult(None, error=describe_error(exc))
        try:
            status: str | None = self._database.cluster_status(
                self._rds_region, settings.secondary_cluster_arn
            )
            status_error = None
        except Exception as exc:
            status, status_error = None, describe_error(exc)
        return GateReadings(
            switch,
            probes.secondary_readiness(health, status, status_error),
            self._database_health(cluster, now, since),
        )

    def _finish(
        self,
        trigger: str,
        now: float,
        decision: Decision,
        cluster: Topology | None,
        previous: OrchestratorState,
        assessment: Assessment | None,
        signals: tuple[Signal, ...],
        gates: GateReadings | None,
    ) -> EvaluationRecord:
        error = None
        try:
            saved = self._store.save_state(decision.state, now)
        except StateConflictError:
            decision = Decision(
                Action.CONCURRENT_EVALUATION,
                f"another evaluation updated the state first; not acting ({decision.reason})",
                previous,
            )
            saved = previous
        if decision.action is Action.FAIL_OVER:
            error = self._promote(Promotion.FAILOVER)
            if error is not None:
                decision = rules.failover_failed(decision, error)
                self._save_quietly(replace(saved, last_action=Action.FAILOVER_FAILED), now)
        elif decision.action is Action.SWITCH_OVER:
            error = self._promote(Promotion.SWITCHOVER)
            if error is not None:
                decision = rules.switchover_failed(decision, error)
                self._save_quietly(replace(saved, last_action=Action.SWITCHOVER_FAILED), now)
        record = EvaluationRecord(
            evaluation_id=self._new_id(),
            evaluated_at=now,
            trigger=trigger,
            action=decision.action,
            reason=decision.reason,
            consecutive_down=decision.state.consecutive_down,
            threshold=self._settings.thresholds.consecutive_failures,
            verdict=assessment.verdict.value if assessment else None,
            signals=signals,
            switch=gates.switch.value if gates else None,
            secondary=gates.secondary.reason if gates else None,
            cluster_status=cluster.status if cluster else None,
            writer_arn=cluster.writer_arn if cluster else None,
            error=error,
        )
        severity = decision.severity
        if severity is not None:
            record = replace(record, notified=self._notify(record, severity))
        try:
            self._store.record(record)
        except Exception as exc:
            _log.error("decision_log_write_failed", reason=describe_error(exc))
        _log.info("evaluation_completed", **record.to_json())
        return record

    def _promote(self, promotion: Promotion) -> str | None:
        """Run the failover core's plan for ``promotion``; the failed step's error, if any."""
        target = self._settings.secondary_cluster_arn
        plan = plan_promotion(
            promotion,
            self._settings.global_cluster_id,
            target,
            snapshot_copy=self._settings.snapshot_copy,
        )
        # SwitchoverGlobalCluster goes to the primary's region (payment_service.failover):
        # only the switchover uses the client that also has it.
        switching = promotion is Promotion.SWITCHOVER and self._aftercare is not None
        database = self._aftercare if switching and self._aftercare else self._database
        failed = database.execute(plan).failed
        if failed is None or failed.error is None:
            _log.warning(f"{promotion.value}_started", target=target)
            return None
        error = describe_error(failed.error)
        _log.error(f"{promotion.value}_failed", step=failed.name, reason=error)
        return error

    def _after_failover(self) -> None:
        """Retry the failover plan's later steps (the snapshot copy: the snapshot exists only
        once the old primary's Region is back); idempotent, never raises."""
        copy = self._settings.snapshot_copy
        if copy is None or self._aftercare is None:
            return
        plan = plan_after_failover(
            self._settings.global_cluster_id, self._settings.secondary_cluster_arn, copy
        )
        try:
            result = self._aftercare.execute(plan)
        except Exception as exc:
            _log.error("after_failover_failed", reason=describe_error(exc))
            return
        # pages once when the snapshot stays missing (payment_service.failover.snapshot_watch)
        snapshot_page.observe(
            self._clients.dynamodb,
            self._settings.decision_table_name,
            self._notifier,
            result,
            self._clock(),
            copy,
        )

    def _notify(self, record: EvaluationRecord, severity: str) -> bool:
        try:
            self._notifier.publish(record, severity)
        except Exception as exc:
            _log.error("notification_failed", reason=describe_error(exc))
            return False
        return True

    def _save_quietly(self, state: OrchestratorState, now: float) -> None:
        try:
            self._store.save_state(state, now)
        except Exception as exc:
            _log.error("state_write_failed", reason=describe_error(exc))
