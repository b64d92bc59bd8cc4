"""Decision rules of the failover orchestrator. Pure functions: no I/O, no clock.

The decision table (docs/runbook.md, "Decision table", lists it with the AWS sources) is
built so that a false positive loses nothing: the move that can lose writes
(``FailoverGlobalCluster`` with ``AllowDataLoss``) needs the evidence that nobody can reach the
primary's database, and the move for a primary whose database is healthy is a switchover,
which loses nothing ("Switchovers ... RPO of zero", Aurora User Guide, "Using switchover or
failover in Amazon Aurora Global Database").

Evidence of each observation (:class:`~payment_service.orchestrator.model.Evidence`):

* direct probe of the primary's own ``/health`` from the secondary region: the ``/health``
  contract (:mod:`payment_service.health`) names the database's state; ``200`` with
  ``database: writing`` is ``writing``, ``down`` is ``database_down``, ``slow`` is
  ``database_slow``, ``standby``/``fenced`` is ``not_writer``; any answer without the
  contract's body, or ``database: error``, is ``service_broken``; no answer at all is
  ``silent``;
* the no-response alarms of the scheduled probes (secondary region, third region): ``ALARM``
  is ``silent`` (every probe of its evaluation periods went unanswered), ``OK`` is
  ``answered`` (any status: the metric is ``NoResponse``);
* Route 53 health check (global checkers): a majority healthy is ``writing`` (the checkers
  succeed only on the ``200`` that ``/health`` answers while its database writes), 18 % or
  fewer is ``failing`` (Route 53's own threshold, Route 53 Developer Guide, "How Amazon
  Route 53 determines whether a health check is healthy");
* the primary health alarm (us-east-1, on that health check): ``OK`` is ``writing``,
  ``ALARM`` is ``failing``.

A signal that cannot be read is ``unknown``. In a whole-us-east-1 outage the Route 53 API
(control plane in us-east-1: AWS Fault Isolation Boundaries whitepaper, Appendix B) and the
us-east-1 CloudWatch API cannot be read, so no verdict below needs them.

Verdict of one evaluation, first match wins:

1. ``writing`` and a fault (``database_down``, ``not_writer``, ``service_broken``,
   ``failing``, ``silent``) in the same evaluation: ``conflict``;
2. ``writing``: ``healthy``;
3. ``database_down``: ``database_down``;
4. ``service_broken`` or ``not_writer``: ``service_broken``;
5. ``database_slow``: ``inconclusive`` (a slow database is neither down nor a broken API);
6. ``silent`` from one region and an answer (``answered``) from any vantage point:
   ``conflict`` (a partition: somebody still reaches the primary);
7. ``silent`` from at least two regions outside the primary, and no answer of any kind:
   ``outage``;
8. ``failing`` (checks fail, kind unknown): ``service_broken``;
9. otherwise ``inconclusive``.

Counter: ``database_down``, ``service_broken`` and ``outage`` are ``down`` verdicts; one adds
one (not sooner than ``min_spacing_seconds`` after the last counted one, restarting at one
when that one is older than ``stale_after_seconds``); ``healthy`` resets it, the conflict
count and a started switchover; ``conflict`` resets it and adds one to the conflicts counted
since the primary was last healthy; ``inconclusive`` holds it and counts inconclusive
evaluations in a row. So an ``outage`` at N (3) evaluations a minute apart means
the two regions' probes have had no answer for their alarms' evaluation periods (2 minutes)
plus two more minutes, and no vantage point got an answer in that window: any answer in
between resets the count.

Action once a ``down`` verdict brings the counter to N (after the precheck below, with the
switch on and the secondary ready): ``SwitchoverGlobalCluster`` when the primary's database
is healthy by fresh evidence (:func:`database_health`); otherwise ``FailoverGlobalCluster``
with ``AllowDataLoss`` when the verdict is ``database_down`` or ``outage``; otherwise page
(``no_safe_move``). A switchover the orchestrator started that has not made the secondary the
writer within ``switchover_timeout_seconds`` is given up: paged while it runs
(``switchover_stalled``), and the next decision falls back as if the database were not shown
healthy. N ``conflict`` verdicts since the primary was last healthy page
(``conflicting_evidence``) and move nothing, so evidence that keeps alternating is told too;
N ``inconclusive`` ones in a row page (``signals_unreadable``).

Precheck, before any of that: the secondary already the writer does nothing more; a
failover or switchover running does nothing (or pages, once past the switchover bound).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from payment_service.failover.topology import Topology
from payment_service.orchestrator.model import (
    NOTIFY_ACTIONS,
    Action,
    Assessment,
    DatabaseHealth,
    Decision,
    Evidence,
    GateReadings,
    OrchestratorState,
    Signal,
    SignalName,
    SwitchState,
    Thresholds,
    Verdict,
)

ROUTE53_UNHEALTHY_SHARE = 0.18
"""Route 53 considers an endpoint unhealthy when this share of checkers or fewer see it
healthy (Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is
healthy")."""

MIN_SILENT_REGIONS = 2
"""Regions outside the primary whose vantage points must all get no answer for an
``outage`` verdict."""

FAULTS = frozenset(
    {
        Evidence.DATABASE_DOWN,
        Evidence.NOT_WRITER,
        Evidence.SERVICE_BROKEN,
        Evidence.FAILING,
        Evidence.SILENT,
    }
)
"""Evidence that contradicts a ``writing`` answer in the same evaluation."""

_CONTRACT = {
    "writing": Evidence.WRITING,
    "down": Evidence.DATABASE_DOWN,
    "slow": Evidence.DATABASE_SLOW,
    "standby": Evidence.NOT_WRITER,
    "fenced": Evidence.NOT_WRITER,
    "error": Evidence.SERVICE_BROKEN,
}
"""The ``/health`` contract's ``database`` field (:mod:`payment_service.health`)."""


def route53_signal(observations: Sequence[bool]) -> Signal:
    """The Route 53 signal from the checkers' reports (``True`` = success)."""
    total = len(observations)
    if total == 0:
        return Signal(SignalName.ROUTE53, Evidence.UNKNOWN, "no checker observations")
    healthy = sum(1 for ok in observations if ok)
    detail = f"{healthy}/{total} checkers report success"
    if healthy * 2 > total:
        return Signal(SignalName.ROUTE53, Evidence.WRITING, detail)
    if healthy <= ROUTE53_UNHEALTHY_SHARE * total:
        return Signal(SignalName.ROUTE53, Evidence.FAILING, detail)
    return Signal(SignalName.ROUTE53, Evidence.UNKNOWN, f"{detail} (neither majority nor 18%)")


def contract_database(body: str) -> str | None:
    """The ``database`` field of a ``/health`` answer, or ``None`` when the body is not the
    contract's (not JSON, not an object, no known ``database`` value)."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    value = document.get("database") if isinstance(document, dict) else None
    return value if value in _CONTRACT else None


def probe_signal(
    status: int | None, body: str = "", error: str | None = None, *, region: str | None = None
) -> Signal:
    """The direct probe's signal from one ``GET /health`` of the primary (``status`` ``None``:
    no answer at all)."""
    name = SignalName.PROBE
    if status is None:
        return Signal(name, Evidence.SILENT, f"no response: {error or 'error'}", region)
    database = contract_database(body)
    if database is None:
        return Signal(name, Evidence.SERVICE_BROKEN, f"HTTP {status} without the contract", region)
    evidence = _CONTRACT[database]
    if (status == 200) != (evidence is Evidence.WRITING):
        # 200 only with "writing", and "writing" only with 200: anything else is not the
        # handler's answer.
        detail = f"HTTP {status} with database {database!r} (not the contract)"
        return Signal(name, Evidence.SERVICE_BROKEN, detail, region)
    return Signal(name, evidence, f"HTTP {status}, database {database}", region)


def alarm_signal(state_value: str | None, error: str | None = None) -> Signal:
    """The primary health alarm (on the Route 53 health check) from its ``StateValue``."""
    name = SignalName.ALARM
    if state_value == "OK":
        return Signal(name, Evidence.WRITING, "alarm OK")
    if state_value == "ALARM":
        return Signal(name, Evidence.FAILING, "alarm in ALARM")
    if state_value is None:
        return Signal(name, Evidence.UNKNOWN, error or "alarm not found")
    return Signal(name, Evidence.UNKNOWN, f"alarm {state_value}")


def no_response_alarm_signal(
    name: SignalName, state_value: str | None, region: str, error: str | None = None
) -> Signal:
    """A probe's no-response alarm in ``region``: ``ALARM`` is silence for its evaluation
    periods, ``OK`` an answer of any status."""
    if state_value == "OK":
        return Signal(
            name, Evidence.ANSWERED, f"primary answers from {region} (any status)", region
        )
    if state_value == "ALARM":
        return Signal(name, Evidence.SILENT, f"no response from {region}", region)
    if state_value is None:
        return Signal(name, Evidence.UNKNOWN, error or f"probe alarm in {region} not found", region)
    return Signal(name, Evidence.UNKNOWN, f"probe alarm in {region} {state_value}", region)


def remote_probe_signal(state_value: str | None, region: str, error: str | None = None) -> Signal:
    """The third-region probe's alarm."""
    return no_response_alarm_signal(SignalName.REMOTE_PROBE, state_value, region, error)


def _summary(signals: Sequence[Signal]) -> str:
    return ", ".join(f"{signal.name.value}={signal.evidence.value}" for signal in signals)


def _names(signals: Sequence[Signal], kinds: frozenset[Evidence]) -> str:
    return ", ".join(signal.name.value for signal in signals if signal.evidence in kinds)


def assess(signals: Sequence[Signal]) -> Assessment:
    """The verdict of one evaluation (see the module documentation for the table)."""
    seen = {signal.evidence for signal in signals}
    summary = _summary(signals)
    if Evidence.WRITING in seen:
        faults = seen & FAULTS
        if faults:
            return Assessment(
                Verdict.CONFLICT,
                f"{_names(signals, frozenset({Evidence.WRITING}))} shows the database writing "
                f"but {_names(signals, FAULTS)} does not: {summary}",
            )
        return Assessment(Verdict.HEALTHY, f"the database is writing: {summary}")
    if Evidence.DATABASE_DOWN in seen:
        return Assessment(
            Verdict.DATABASE_DOWN, f"the API answers, its database is down: {summary}"
        )
    if seen & {Evidence.SERVICE_BROKEN, Evidence.NOT_WRITER}:
        return Assessment(Verdict.SERVICE_BROKEN, f"the API answers without serving: {summary}")
    if Evidence.DATABASE_SLOW in seen:
        return Assessment(Verdict.INCONCLUSIVE, f"the database is slow, not down: {summary}")
    silent = {
        signal.region
        for signal in signals
        if signal.evidence is Evidence.SILENT and signal.region is not None
    }
    if silent and Evidence.ANSWERED in seen:
        return Assessment(
            Verdict.CONFLICT,
            f"no answer from {', '.join(sorted(silent))} but "
            f"{_names(signals, frozenset({Evidence.ANSWERED}))} gets answers: {summary}",
        )
    if len(silent) >= MIN_SILENT_REGIONS:
        regions = ", ".join(sorted(silent))
        return Assessment(
            Verdict.OUTAGE, f"no answer from {len(silent)} regions ({regions}): {summary}"
        )
    if Evidence.FAILING in seen:
        return Assessment(Verdict.SERVICE_BROKEN, f"checks fail, kind unknown: {summary}")
    return Assessment(Verdict.INCONCLUSIVE, f"not enough evidence: {summary}")


def database_health(
    cluster: Topology | None,
    secondary_arn: str,
    lag: tuple[float, float] | None,
    now: float,
    *,
    max_age_seconds: float,
    max_lag_seconds: float,
    since: float | None = None,
) -> DatabaseHealth:
    """Whether the primary's database is healthy by fresh evidence read from the secondary
    region: DescribeGlobalClusters ``Status`` ``available``, no ``FailoverState``, a writer
    other than the secondary, the secondary member ``SynchronizationStatus`` ``connected``
    (RDS API Reference, ``GlobalCluster``/``GlobalClusterMember``), and the secondary's
    ``AuroraGlobalDBRPOLag`` (``lag``: the newest datapoint's epoch seconds and value in
    seconds) at most ``max_age_seconds`` old, no older than ``since`` (the first evaluation that
    saw the problem: a datapoint from before it says nothing about the database now) and at
    most ``max_lag_seconds``. Anything missing is not proof."""
    if cluster is None:
        return DatabaseHealth(False, "global cluster unreadable")
    if cluster.in_transition:
        return DatabaseHealth(False, f"global cluster {cluster.describe_state()}")
    writer = cluster.writer_arn
    if writer is None or writer == secondary_arn:
        return DatabaseHealth(False, "no primary writer in the global cluster")
    secondary = next((m for m in cluster.members if m.arn == secondary_arn), None)
    sync = secondary.synchronization_status if secondary is not None else None
    if sync != "connected":
        return DatabaseHealth(False, f"secondary synchronization {sync or 'not reported'}")
    if lag is None:
        return DatabaseHealth(False, "no AuroraGlobalDBRPOLag datapoint")
    at, value = lag
    age = now - at
    if age > max_age_seconds:
        return DatabaseHealth(
            False, f"AuroraGlobalDBRPOLag {age:.0f}s old (fresh: {max_age_seconds:.0f}s)"
        )
    if since is not None and at < since:
        return DatabaseHealth(
            False, f"AuroraGlobalDBRPOLag {since - at:.0f}s older than the first failed evaluation"
        )
    if value > max_lag_seconds:
        return DatabaseHealth(
            False, f"AuroraGlobalDBRPOLag {value:g}s (healthy: {max_lag_seconds:g}s)"
        )
    return DatabaseHealth(
        True, f"available, secondary connected, RPO lag {value:g}s {age:.0f}s ago"
    )


def advance(
    previous: OrchestratorState, assessment: Assessment, now: float, thresholds: Thresholds
) -> tuple[OrchestratorState, str]:
    """The counters after this evaluation, and a note explaining the change."""
    verdict = assessment.verdict
    if verdict is Verdict.HEALTHY:
        reset = replace(
            previous,
            consecutive_down=0,
            consecutive_inconclusive=0,
            consecutive_conflict=0,
            down_since=None,
            switchover_started_at=None,
            last_counted_at=now,
        )
        return reset, "counter reset"
    if verdict is Verdict.CONFLICT:
        conflicts = previous.consecutive_conflict + 1
        state = replace(
            previous,
            consecutive_down=0,
            consecutive_inconclusive=0,
            consecutive_conflict=conflicts,
            down_since=None,
        )
        return state, f"counter reset; {conflicts} conflicting since the primary was healthy"
    if verdict is Verdict.INCONCLUSIVE:
        held = replace(previous, consecutive_inconclusive=previous.consecutive_inconclusive + 1)
        note = (
            f"counter held at {previous.consecutive_down}; "
            f"{held.consecutive_inconclusive} inconclusive in a row"
        )
        return held, note
    previous = replace(previous, consecutive_inconclusive=0)
    last = previous.last_counted_at
    if previous.consecutive_down > 0 and last is not None:
        elapsed = now - last
        if elapsed < thresholds.min_spacing_seconds:
            note = (
                f"counter held at {previous.consecutive_down}: {elapsed:.0f}s after the last "
                f"counted evaluation (minimum {thresholds.min_spacing_seconds:.0f}s)"
            )
            return previous, note
        if elapsed > thresholds.stale_after_seconds:
            note = f"counter restarted at 1: the last counted evaluation is {elapsed:.0f}s old"
            return replace(previous, consecutive_down=1, last_counted_at=now, down_since=now), note
    count = previous.consecutive_down + 1
    note = f"counter {count}/{thresholds.consecutive_failures}"
    since = previous.down_since if count > 1 and previous.down_since is not None else now
    return replace(previous, consecutive_down=count, last_counted_at=now, down_since=since), note


def switchover_expired(state: OrchestratorState, now: float, thresholds: Thresholds) -> bool:
    """True when a switchover this orchestrator started is older than its bound."""
    started = state.switchover_started_at
    return started is not None and now - started >= thresholds.switchover_timeout_seconds


def precheck(
    previous: OrchestratorState,
    cluster: Topology | None,
    secondary_arn: str,
    now: float,
    thresholds: Thresholds,
) -> Decision | None:
    """A final decision when the secondary already writes or a change is running."""
    if cluster is None:
        return None
    if cluster.writer_arn == secondary_arn:
        return Decision(
            Action.ALREADY_PROMOTED,
            "the secondary cluster is already the writer of the global cluster",
            replace(
                previous,
                consecutive_down=0,
                switchover_started_at=None,
                last_action=Action.ALREADY_PROMOTED,
            ),
        )
    if cluster.in_transition:
        target = cluster.failover_target_arn or "unknown target"
        running = (
            f"global cluster status {cluster.status}, failover state "
            f"{cluster.failover_status or 'none'} ({target})"
        )
        if switchover_expired(previous, now, thresholds):
            started = previous.switchover_started_at or now
            return Decision(
                Action.SWITCHOVER_STALLED,
                f"{running}; the switchover started {now - started:.0f}s ago has not "
                f"completed (bound {thresholds.switchover_timeout_seconds:.0f}s): decide "
                "manually",
                replace(previous, last_action=Action.SWITCHOVER_STALLED),
                notify=_notifies(Action.SWITCHOVER_STALLED, previous.last_action),
            )
        return Decision(
            Action.FAILOVER_IN_PROGRESS,
            running,
            replace(previous, last_action=Action.FAILOVER_IN_PROGRESS),
        )
    return None


def topology_problem(
    cluster: Topology | None, cluster_error: str | None, secondary_arn: str
) -> str | None:
    """Why the global cluster cannot be failed over safely, or ``None``."""
    if cluster is None:
        return f"the global cluster could not be described: {cluster_error or 'unknown error'}"
    if secondary_arn not in cluster.member_arns:
        return "the secondary cluster is not a member of the global cluster"
    if cluster.writer_arn is None:
        return "the global cluster reports no writer"
    return None


def needs_gates(state: OrchestratorState, assessment: Assessment, thresholds: Thresholds) -> bool:
    """True when this evaluation may move the database, so the switch, the secondary and the
    primary's database health are read."""
    return assessment.verdict.is_down and state.consecutive_down >= thresholds.consecutive_failures


def _move(
    counted: OrchestratorState,
    assessment: Assessment,
    gates: GateReadings,
    now: float,
    thresholds: Thresholds,
) -> tuple[Action, str, OrchestratorState]:
    """The move once every gate is open: switchover, failover with data loss, or a page."""
    database = gates.database
    if database.proven and not switchover_expired(counted, now, thresholds):
        started = counted.switchover_started_at
        state = replace(counted, switchover_started_at=now if started is None else started)
        return (
            Action.SWITCH_OVER,
            f"primary database healthy ({database.reason}); switching over",
            state,
        )
    if database.proven:
        why = f"the switchover did not complete within {thresholds.switchover_timeout_seconds:.0f}s"
    else:
        why = f"primary database not shown healthy ({database.reason})"
    if assessment.verdict.allows_data_loss:
        return Action.FAIL_OVER, f"{why}; failing over with data loss", counted
    reason = (
        f"{why}, and the primary is not shown down or unreachable: no safe move, decide manually"
    )
    return Action.NO_SAFE_MOVE, reason, counted


def decide(
    *,
    previous: OrchestratorState,
    counted: OrchestratorState,
    counter_note: str,
    assessment: Assessment,
    thresholds: Thresholds,
    problem: str | None,
    gates: GateReadings | None,
    now: float,
) -> Decision:
    """The action for an evaluation that passed :func:`precheck`.

    ``counted`` is the state from :func:`advance`; ``gates`` must be given whenever
    :func:`needs_gates` is true.
    """
    reason = f"{assessment.reason}; {counter_note}"
    state = counted
    limit = thresholds.consecutive_failures
    if assessment.verdict is Verdict.INCONCLUSIVE and counted.consecutive_inconclusive >= limit:
        action = Action.SIGNALS_UNREADABLE
        reason = f"{reason}; cannot tell whether the primary is down: decide manually"
    elif assessment.verdict is Verdict.CONFLICT and counted.consecutive_conflict >= limit:
        action = Action.CONFLICTING_EVIDENCE
        reason = f"{reason}; the evidence disagrees: no database move, decide manually"
    elif not needs_gates(counted, assessment, thresholds):
        action = Action.NONE
        if problem is not None:
            reason = f"{reason}; {problem}"
    elif problem is not None:
        action, reason = Action.CLUSTER_UNKNOWN, f"{reason}; not moving: {problem}"
    elif gates is None:
        raise ValueError("the gates must be read once the counter reaches N")
    elif not gates.secondary.ready:
        action = Action.SECONDARY_UNHEALTHY
        reason = f"{reason}; not moving: secondary not ready ({gates.secondary.reason})"
    elif gates.switch is not SwitchState.ON:
        action = Action.SWITCH_OFF
        reason = f"{reason}; would move but the auto-failover switch is {gates.switch.value}"
    else:
        action, move, state = _move(counted, assessment, gates, now, thresholds)
        reason = f"{reason}; secondary ready ({gates.secondary.reason}); {move}"
    return Decision(
        action,
        reason,
        replace(state, last_action=action),
        notify=_notifies(action, previous.last_action),
    )


def failover_failed(decision: Decision, error: str) -> Decision:
    """The decision after the failover call failed."""
    return Decision(
        Action.FAILOVER_FAILED,
        f"{decision.reason}; FailoverGlobalCluster failed: {error}",
        replace(decision.state, last_action=Action.FAILOVER_FAILED),
        notify=True,
    )


def switchover_failed(decision: Decision, error: str) -> Decision:
    """The decision after the switchover call failed (its start time is kept: the bound
    runs from the first attempt)."""
    return Decision(
        Action.SWITCHOVER_FAILED,
        f"{decision.reason}; SwitchoverGlobalCluster failed: {error}",
        replace(decision.state, last_action=Action.SWITCHOVER_FAILED),
        notify=True,
    )


def _notifies(action: Action, last_action: Action | None) -> bool:
    if action not in NOTIFY_ACTIONS:
        return False
    if action in (
        Action.FAIL_OVER,
        Action.FAILOVER_FAILED,
        Action.SWITCH_OVER,
        Action.SWITCHOVER_FAILED,
    ):
        return True
    return action != last_action
