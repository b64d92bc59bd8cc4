"""The orchestrator's pure decision rules, without AWS."""

from __future__ import annotations

import pytest

from payment_service.failover import Member, Topology
from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    GateReadings,
    OrchestratorState,
    SecondaryReadiness,
    Signal,
    SignalName,
    SignalState,
    SwitchState,
    Thresholds,
    Verdict,
)

H, U, K = SignalState.HEALTHY, SignalState.UNHEALTHY, SignalState.UNKNOWN
SECONDARY = "arn:aws:rds:us-east-2:123456789012:cluster:secondary"
PRIMARY = "arn:aws:rds:us-east-1:123456789012:cluster:primary"
READY = GateReadings(SwitchState.ON, SecondaryReadiness(True, "ok"))


def signals(*states: SignalState) -> list[Signal]:
    names = (SignalName.ROUTE53, SignalName.PROBE, SignalName.ALARM)
    return [Signal(name, state, "") for name, state in zip(names, states, strict=True)]


@pytest.mark.parametrize(
    ("states", "verdict"),
    [
        ((U, U, U), Verdict.DOWN),
        ((U, U, K), Verdict.DOWN),
        ((U, K, K), Verdict.DOWN),
        ((K, U, K), Verdict.DOWN),
        ((H, U, U), Verdict.HEALTHY),
        ((U, H, U), Verdict.HEALTHY),
        ((K, K, H), Verdict.HEALTHY),
        ((H, H, H), Verdict.HEALTHY),
        ((K, K, K), Verdict.INCONCLUSIVE),
    ],
)
def test_verdict_rule(states: tuple[SignalState, ...], verdict: Verdict) -> None:
    assert rules.assess(signals(*states)).verdict is verdict


@pytest.mark.parametrize(
    ("observations", "state"),
    [
        ([True] * 8, H),
        ([True] * 5 + [False] * 3, H),
        ([True] * 4 + [False] * 4, K),
        ([True] * 2 + [False] * 6, K),
        ([True] + [False] * 7, U),
        ([False] * 8, U),
        ([], K),
    ],
)
def test_route53_signal_majority_and_18_percent(
    observations: list[bool], state: SignalState
) -> None:
    assert rules.route53_signal(observations).state is state


@pytest.mark.parametrize(
    ("status", "state"),
    [(200, H), (503, U), (500, U), (504, U), (404, K), (301, K), (None, K)],
)
def test_probe_signal(status: int | None, state: SignalState) -> None:
    assert rules.probe_signal(status).state is state


@pytest.mark.parametrize(
    ("value", "state"), [("OK", H), ("ALARM", U), ("INSUFFICIENT_DATA", K), (None, K)]
)
def test_alarm_signal(value: str | None, state: SignalState) -> None:
    assert rules.alarm_signal(value).state is state


def down() -> Assessment:
    return Assessment(Verdict.DOWN, "down")


def test_counter_counts_resets_and_holds() -> None:
    thresholds = Thresholds()
    state = OrchestratorState()
    state, _ = rules.advance(state, down(), 60, thresholds)
    state, _ = rules.advance(state, down(), 120, thresholds)
    assert state.consecutive_down == 2
    held, note = rules.advance(state, Assessment(Verdict.INCONCLUSIVE, ""), 180, thresholds)
    assert held.consecutive_down == 2
    assert held.consecutive_inconclusive == 1
    assert "held" in note
    reset, _ = rules.advance(held, Assessment(Verdict.HEALTHY, ""), 240, thresholds)
    assert (reset.consecutive_down, reset.consecutive_inconclusive) == (0, 0)


def test_counter_ignores_evaluations_too_close_and_restarts_when_stale() -> None:
    thresholds = Thresholds(min_spacing_seconds=20, stale_after_seconds=600)
    state, _ = rules.advance(OrchestratorState(), down(), 1000, thresholds)
    close, _ = rules.advance(state, down(), 1010, thresholds)
    assert close.consecutive_down == 1
    later, _ = rules.advance(state, down(), 1060, thresholds)
    assert later.consecutive_down == 2
    stale, note = rules.advance(later, down(), 1060 + 601, thresholds)
    assert stale.consecutive_down == 1
    assert "restarted" in note


def decide(
    previous: OrchestratorState,
    *,
    gates: GateReadings | None = READY,
    problem: str | None = None,
    verdict: Verdict = Verdict.DOWN,
) -> Action:
    thresholds = Thresholds(consecutive_failures=2)
    assessment = Assessment(verdict, "")
    counted, note = rules.advance(previous, assessment, 10_000, thresholds)
    decision = rules.decide(
        previous=previous,
        counted=counted,
        counter_note=note,
        assessment=assessment,
        thresholds=thresholds,
        problem=problem,
        gates=gates,
    )
    return decision.action


AT_ONE = OrchestratorState(consecutive_down=1, last_counted_at=9_940)


def test_decision_order_at_the_threshold() -> None:
    assert decide(OrchestratorState()) is Action.NONE
    assert decide(AT_ONE) is Action.FAIL_OVER
    assert decide(AT_ONE, problem="detached") is Action.CLUSTER_UNKNOWN
    not_ready = GateReadings(SwitchState.OFF, SecondaryReadiness(False, "db down"))
    assert decide(AT_ONE, gates=not_ready) is Action.SECONDARY_UNHEALTHY
    off = GateReadings(SwitchState.OFF, SecondaryReadiness(True, "ok"))
    assert decide(AT_ONE, gates=off) is Action.SWITCH_OFF
    unreadable = GateReadings(SwitchState.UNREADABLE, SecondaryReadiness(True, "ok"))
    assert decide(AT_ONE, gates=unreadable) is Action.SWITCH_OFF


def test_gates_are_required_at_the_threshold() -> None:
    with pytest.raises(ValueError, match="must be read"):
        decide(AT_ONE, gates=None)


def test_notifications_only_on_change_except_failover_attempts() -> None:
    thresholds = Thresholds(consecutive_failures=1)
    off = GateReadings(SwitchState.OFF, SecondaryReadiness(True, "ok"))
    first = rules.decide(
        previous=OrchestratorState(),
        counted=OrchestratorState(consecutive_down=1),
        counter_note="",
        assessment=down(),
        thresholds=thresholds,
        problem=None,
        gates=off,
    )
    again = rules.decide(
        previous=first.state,
        counted=OrchestratorState(consecutive_down=2, last_action=Action.SWITCH_OFF),
        counter_note="",
        assessment=down(),
        thresholds=thresholds,
        problem=None,
        gates=off,
    )
    assert (first.notify, first.severity) == (True, "page")
    assert (again.action, again.notify, again.severity) == (Action.SWITCH_OFF, False, None)
    failed = rules.failover_failed(first, "boom")
    assert failed.notify is True
    assert rules.failover_failed(failed, "boom again").notify is True


def cluster(
    *,
    member_arns: tuple[str, ...] = (PRIMARY, SECONDARY),
    writer_arn: str | None = PRIMARY,
    status: str = "available",
    failover_status: str | None = None,
) -> Topology:
    members = tuple(Member(arn, arn == writer_arn) for arn in member_arns)
    return Topology("g", status, members, failover_status=failover_status)


def test_precheck_and_topology() -> None:
    state = OrchestratorState(consecutive_down=4)
    promoted = rules.precheck(state, cluster(writer_arn=SECONDARY), SECONDARY)
    assert promoted is not None
    assert promoted.action is Action.ALREADY_PROMOTED
    assert promoted.state.consecutive_down == 0
    running = rules.precheck(state, cluster(status="failing-over"), SECONDARY)
    assert running is not None
    assert running.action is Action.FAILOVER_IN_PROGRESS
    pending = rules.precheck(state, cluster(failover_status="pending"), SECONDARY)
    assert pending is not None
    assert pending.action is Action.FAILOVER_IN_PROGRESS
    assert rules.precheck(state, cluster(), SECONDARY) is None
    assert rules.precheck(state, None, SECONDARY) is None
    assert rules.topology_problem(cluster(), None, SECONDARY) is None
    assert "not a member" in str(
        rules.topology_problem(cluster(member_arns=(PRIMARY,)), None, SECONDARY)
    )
    assert "no writer" in str(rules.topology_problem(cluster(writer_arn=None), None, SECONDARY))
    assert "Throttling" in str(rules.topology_problem(None, "Throttling", SECONDARY))
