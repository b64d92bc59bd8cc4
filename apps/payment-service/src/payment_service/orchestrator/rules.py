"""Decision rules of the failover orchestrator. Pure functions: no I/O, no clock.

Reading each signal (a signal that cannot be read is ``unknown``, never ``healthy``):

* Route 53 health check: ``healthy`` when more than half of the checkers report success;
  ``unhealthy`` when 18 % or fewer do (the share at which Route 53 itself declares the
  endpoint unhealthy and DNS fails over); ``unknown`` in between (some checker locations
  are cut off, a partial network problem) and when there is no observation.
* Direct probe of the primary's regional ``/health``: ``200`` is ``healthy``; a 5xx status
  is ``unhealthy``; no response (timeout, refused, TLS or DNS error) and any other status
  are ``unknown``.
* Primary health alarm: ``OK`` is ``healthy``, ``ALARM`` is ``unhealthy``;
  ``INSUFFICIENT_DATA``, a missing alarm or an unreadable one are ``unknown``.

Verdict of one evaluation:

* ``down`` when **no signal is healthy and at least one is unhealthy** (three unhealthy; two
  unhealthy and one unknown; or one unhealthy while the other two cannot be read, which is
  what a whole-region outage seen from the secondary region looks like);
* ``healthy`` when at least one signal is healthy (also when others disagree: conflicting
  signals are not an outage);
* ``inconclusive`` when every signal is unknown;
* and also ``down`` when no signal is healthy and **at least two independent vantage points
  outside the primary region got no response at all** (the orchestrator's own probe from the
  secondary region, and the third-region probe's alarm): in a full us-east-1 outage the Route
  53 API (its control plane is in us-east-1, AWS Fault Isolation Boundaries whitepaper,
  Appendix B) and the us-east-1 CloudWatch API cannot be read or hang, so the decision must
  not need them. They are used when readable (a healthy one keeps the verdict healthy). A
  probe alarm in OK only says that the primary answered (its metric is ``NoResponse``, and a
  503 is an answer): it is ``unknown``, never ``healthy``, so a database outage behind an API
  that still answers 503 can fail over.

Counter: a ``down`` evaluation adds one; a ``healthy`` one resets it to zero; an
``inconclusive`` one leaves it as it is (and N inconclusive evaluations in a row page a human:
in a whole-region outage the Route 53 API and CloudWatch of that region can be unreachable
while the probe only times out). A ``down`` evaluation sooner than
``min_spacing_seconds`` after the last counted one does not add (two invocations seconds
apart are one observation), and one more than ``stale_after_seconds`` after it starts again
at one.

Action, once a ``down`` evaluation brings the counter to N: page when the global cluster is
unreadable or its topology unexpected, or when the secondary is not ready; notify when the
auto-failover switch is off; otherwise fail over. Before any of that, an evaluation that finds
the secondary already the writer, or a failover/switchover running, does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from payment_service.failover.topology import Topology
from payment_service.orchestrator.model import (
    NOTIFY_ACTIONS,
    Action,
    Assessment,
    Decision,
    GateReadings,
    OrchestratorState,
    Signal,
    SignalName,
    SignalState,
    SwitchState,
    Thresholds,
    Verdict,
)

ROUTE53_UNHEALTHY_SHARE = 0.18
"""Route 53 considers an endpoint unhealthy when this share of checkers or fewer see it
healthy (Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is
healthy")."""


def route53_signal(observations: Sequence[bool]) -> Signal:
    """The Route 53 signal from the checkers' reports (``True`` = success)."""
    total = len(observations)
    if total == 0:
        return Signal(SignalName.ROUTE53, SignalState.UNKNOWN, "no checker observations")
    healthy = sum(1 for ok in observations if ok)
    detail = f"{healthy}/{total} checkers report success"
    if healthy * 2 > total:
        return Signal(SignalName.ROUTE53, SignalState.HEALTHY, detail)
    if healthy <= ROUTE53_UNHEALTHY_SHARE * total:
        return Signal(SignalName.ROUTE53, SignalState.UNHEALTHY, detail)
    return Signal(SignalName.ROUTE53, SignalState.UNKNOWN, f"{detail} (neither majority nor 18%)")


def probe_signal(
    status: int | None, error: str | None = None, *, no_response_unhealthy: bool = False
) -> Signal:
    """The direct-probe signal from an HTTP status (``None`` when there was no response).

    ``no_response_unhealthy`` (opt-in, ``PROBE_NO_RESPONSE_IS_UNHEALTHY``) makes a probe
    without any response count as unhealthy instead of unknown.
    """
    if status is None:
        state = SignalState.UNHEALTHY if no_response_unhealthy else SignalState.UNKNOWN
        return Signal(SignalName.PROBE, state, f"no response: {error or 'error'}", True)
    if status == 200:
        return Signal(SignalName.PROBE, SignalState.HEALTHY, "HTTP 200")
    if 500 <= status <= 599:
        return Signal(SignalName.PROBE, SignalState.UNHEALTHY, f"HTTP {status}")
    return Signal(SignalName.PROBE, SignalState.UNKNOWN, f"HTTP {status} (not a health answer)")


def alarm_signal(state_value: str | None, error: str | None = None) -> Signal:
    """The alarm signal from the alarm's ``StateValue`` (``None`` when missing/unreadable)."""
    if state_value == "OK":
        return Signal(SignalName.ALARM, SignalState.HEALTHY, "alarm OK")
    if state_value == "ALARM":
        return Signal(SignalName.ALARM, SignalState.UNHEALTHY, "alarm in ALARM")
    if state_value is None:
        return Signal(SignalName.ALARM, SignalState.UNKNOWN, error or "alarm not found")
    return Signal(SignalName.ALARM, SignalState.UNKNOWN, f"alarm {state_value}")


MIN_SILENT_VANTAGE_POINTS = 2
"""Vantage points with no response that make a ``down`` verdict without any other signal."""


def remote_probe_signal(state_value: str | None, region: str, error: str | None = None) -> Signal:
    """The third-region probe's alarm: ``ALARM`` means that region got no answer."""
    name = SignalName.REMOTE_PROBE
    if state_value == "OK":
        # The alarm is on NoResponse: OK means the primary answered, and a 503 is an answer.
        # Health is judged by the direct probe's status and Route 53, not by this alarm.
        return Signal(name, SignalState.UNKNOWN, f"primary answers from {region} (any status)")
    if state_value == "ALARM":
        return Signal(name, SignalState.UNHEALTHY, f"no response from {region}", True)
    if state_value is None:
        return Signal(name, SignalState.UNKNOWN, error or f"probe alarm in {region} not found")
    return Signal(name, SignalState.UNKNOWN, f"probe alarm in {region} {state_value}")


def assess(signals: Sequence[Signal]) -> Assessment:
    """The verdict of one evaluation (see the module documentation for the rule)."""
    counts: Mapping[SignalState, int] = {
        state: sum(1 for signal in signals if signal.state is state) for state in SignalState
    }
    summary = ", ".join(f"{signal.name.value}={signal.state.value}" for signal in signals)
    if counts[SignalState.HEALTHY] > 0:
        conflict = " (conflicting signals)" if counts[SignalState.UNHEALTHY] else ""
        return Assessment(Verdict.HEALTHY, f"a signal says healthy{conflict}: {summary}")
    silent = sum(1 for signal in signals if signal.no_response)
    if silent >= MIN_SILENT_VANTAGE_POINTS:
        return Assessment(
            Verdict.DOWN, f"no response from {silent} independent vantage points: {summary}"
        )
    if counts[SignalState.UNHEALTHY] > 0:
        return Assessment(Verdict.DOWN, f"no signal says healthy: {summary}")
    return Assessment(Verdict.INCONCLUSIVE, f"no signal could be read: {summary}")


def advance(
    previous: OrchestratorState, assessment: Assessment, now: float, thresholds: Thresholds
) -> tuple[OrchestratorState, str]:
    """The counter after this evaluation, and a note explaining the change."""
    if assessment.verdict is Verdict.HEALTHY:
        reset = replace(
            previous, consecutive_down=0, consecutive_inconclusive=0, last_counted_at=now
        )
        return reset, "counter reset"
    if assessment.verdict is Verdict.INCONCLUSIVE:
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
            return replace(previous, consecutive_down=1, last_counted_at=now), note
    count = previous.consecutive_down + 1
    note = f"counter {count}/{thresholds.consecutive_failures}"
    return replace(previous, consecutive_down=count, last_counted_at=now), note


def precheck(
    previous: OrchestratorState, cluster: Topology | None, secondary_arn: str
) -> Decision | None:
    """A final decision when the secondary already writes or a change is running."""
    if cluster is None:
        return None
    if cluster.writer_arn == secondary_arn:
        return Decision(
            Action.ALREADY_PROMOTED,
            "the secondary cluster is already the writer of the global cluster",
            replace(previous, consecutive_down=0, last_action=Action.ALREADY_PROMOTED),
        )
    if cluster.in_transition:
        target = cluster.failover_target_arn or "unknown target"
        return Decision(
            Action.FAILOVER_IN_PROGRESS,
            f"global cluster status {cluster.status}, failover state "
            f"{cluster.failover_status or 'none'} ({target})",
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
    """True when this evaluation may fail over, so the switch and the secondary are read."""
    return (
        assessment.verdict is Verdict.DOWN
        and state.consecutive_down >= thresholds.consecutive_failures
    )


def decide(
    *,
    previous: OrchestratorState,
    counted: OrchestratorState,
    counter_note: str,
    assessment: Assessment,
    thresholds: Thresholds,
    problem: str | None,
    gates: GateReadings | None,
) -> Decision:
    """The action for an evaluation that passed :func:`precheck`.

    ``counted`` is the state from :func:`advance`; ``gates`` must be given whenever
    :func:`needs_gates` is true.
    """
    reason = f"{assessment.reason}; {counter_note}"
    if _unreadable_too_long(counted, assessment, thresholds):
        action = Action.SIGNALS_UNREADABLE
        reason = f"{reason}; cannot tell whether the primary is down: decide manually"
    elif not needs_gates(counted, assessment, thresholds):
        action = Action.NONE
        if problem is not None:
            reason = f"{reason}; {problem}"
    elif problem is not None:
        action, reason = Action.CLUSTER_UNKNOWN, f"{reason}; not failing over: {problem}"
    elif gates is None:
        raise ValueError("the switch and the secondary must be read once the counter reaches N")
    elif not gates.secondary.ready:
        action = Action.SECONDARY_UNHEALTHY
        reason = f"{reason}; not failing over: secondary not ready ({gates.secondary.reason})"
    elif gates.switch is not SwitchState.ON:
        action = Action.SWITCH_OFF
        reason = f"{reason}; would fail over but the auto-failover switch is {gates.switch.value}"
    else:
        action = Action.FAIL_OVER
        reason = f"{reason}; secondary ready ({gates.secondary.reason}); failing over"
    return Decision(
        action,
        reason,
        replace(counted, last_action=action),
        notify=_notifies(action, previous.last_action),
    )


def _unreadable_too_long(
    state: OrchestratorState, assessment: Assessment, thresholds: Thresholds
) -> bool:
    return (
        assessment.verdict is Verdict.INCONCLUSIVE
        and state.consecutive_inconclusive >= thresholds.consecutive_failures
    )


def failover_failed(decision: Decision, error: str) -> Decision:
    """The decision after the failover call failed."""
    return Decision(
        Action.FAILOVER_FAILED,
        f"{decision.reason}; FailoverGlobalCluster failed: {error}",
        replace(decision.state, last_action=Action.FAILOVER_FAILED),
        notify=True,
    )


def _notifies(action: Action, last_action: Action | None) -> bool:
    if action not in NOTIFY_ACTIONS:
        return False
    if action in (Action.FAIL_OVER, Action.FAILOVER_FAILED):
        return True
    return action != last_action
