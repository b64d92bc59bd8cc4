"""decide(), precheck(), topology_problem() and failover_failed(): literal actions, reasons,
states and notifications, including evaluations whose verdict is inconclusive."""

from __future__ import annotations

import pytest

from payment_service.failover import Member, Topology
from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    Decision,
    GateReadings,
    OrchestratorState,
    SecondaryReadiness,
    SwitchState,
    Thresholds,
    Verdict,
)
from tests.rules.common import READY, evaluate

SECONDARY = "arn:aws:rds:us-east-2:123456789012:cluster:secondary"
PRIMARY = "arn:aws:rds:us-east-1:123456789012:cluster:primary"
N3 = Thresholds()
DOWN = Assessment(Verdict.DOWN, "no signal says healthy")


def decide_at(
    counted: OrchestratorState,
    *,
    assessment: Assessment = DOWN,
    previous: OrchestratorState | None = None,
    problem: str | None = None,
    gates: GateReadings | None = READY,
) -> Decision:
    return rules.decide(
        previous=previous or OrchestratorState(),
        counted=counted,
        counter_note="counter 3/3",
        assessment=assessment,
        thresholds=N3,
        problem=problem,
        gates=gates,
    )


AT_N = OrchestratorState(consecutive_down=3, last_counted_at=500.0, version=2)


@pytest.mark.parametrize(
    ("problem", "gates", "action", "suffix"),
    [
        (None, READY, Action.FAIL_OVER, "secondary ready (ok); failing over"),
        ("detached", READY, Action.CLUSTER_UNKNOWN, "not failing over: detached"),
        (
            None,
            GateReadings(SwitchState.ON, SecondaryReadiness(False, "db down")),
            Action.SECONDARY_UNHEALTHY,
            "not failing over: secondary not ready (db down)",
        ),
        (
            None,
            GateReadings(SwitchState.OFF, SecondaryReadiness(False, "db down")),
            Action.SECONDARY_UNHEALTHY,
            "not failing over: secondary not ready (db down)",
        ),
        (
            None,
            GateReadings(SwitchState.OFF, SecondaryReadiness(True, "ok")),
            Action.SWITCH_OFF,
            "would fail over but the auto-failover switch is off",
        ),
        (
            None,
            GateReadings(SwitchState.UNREADABLE, SecondaryReadiness(True, "ok")),
            Action.SWITCH_OFF,
            "would fail over but the auto-failover switch is unreadable",
        ),
    ],
)
def test_actions_at_n_with_their_reasons(
    problem: str | None, gates: GateReadings, action: Action, suffix: str
) -> None:
    decision = decide_at(AT_N, problem=problem, gates=gates)
    assert decision == Decision(
        action,
        f"no signal says healthy; counter 3/3; {suffix}",
        OrchestratorState(3, 0, 500.0, action, 2),
        notify=True,
    )


def test_below_n_nothing_happens_and_a_problem_is_only_reported() -> None:
    below = OrchestratorState(consecutive_down=2, last_counted_at=500.0)
    assert decide_at(below, gates=None) == Decision(
        Action.NONE,
        "no signal says healthy; counter 3/3",
        OrchestratorState(2, 0, 500.0, Action.NONE),
        notify=False,
    )
    assert decide_at(below, problem="detached", gates=None).reason == (
        "no signal says healthy; counter 3/3; detached"
    )


def test_gates_are_required_at_n() -> None:
    with pytest.raises(ValueError, match="^the switch and the secondary must be read once"):
        decide_at(AT_N, gates=None)


def test_inconclusive_through_decide_pages_at_n_in_a_row_and_never_fails_over() -> None:
    inconclusive = Assessment(Verdict.INCONCLUSIVE, "no signal could be read")
    # even with the down counter at N, an inconclusive evaluation never reaches the gates
    two = OrchestratorState(consecutive_down=3, consecutive_inconclusive=2)
    assert decide_at(two, assessment=inconclusive, gates=None) == Decision(
        Action.NONE,
        "no signal could be read; counter 3/3",
        OrchestratorState(3, 2, None, Action.NONE),
        notify=False,
    )
    three = OrchestratorState(consecutive_down=3, consecutive_inconclusive=3)
    paged = decide_at(three, assessment=inconclusive, gates=None)
    assert paged == Decision(
        Action.SIGNALS_UNREADABLE,
        "no signal could be read; counter 3/3; "
        "cannot tell whether the primary is down: decide manually",
        OrchestratorState(3, 3, None, Action.SIGNALS_UNREADABLE),
        notify=True,
    )
    assert paged.severity == "page"
    again = decide_at(
        OrchestratorState(3, 4), assessment=inconclusive, previous=paged.state, gates=None
    )
    assert (again.action, again.notify) == (Action.SIGNALS_UNREADABLE, False)


def run(verdicts: list[Verdict], start: OrchestratorState | None = None) -> list[Action]:
    """One evaluation a minute through advance() and decide(), as the engine chains them."""
    state, actions = start or OrchestratorState(), []
    for minute, verdict in enumerate(verdicts):
        decision = evaluate(state, verdict, 60.0 * (minute + 1), thresholds=N3)
        state = decision.state
        actions.append(decision.action)
    return actions


INC, D, HV = Verdict.INCONCLUSIVE, Verdict.DOWN, Verdict.HEALTHY
NONE, UNREADABLE = Action.NONE, Action.SIGNALS_UNREADABLE


def test_inconclusive_down_inconclusive_does_not_page_early() -> None:
    """A down verdict breaks a run of unreadable evaluations: the page needs N in a row."""
    assert run([INC, INC, D, INC]) == [NONE, NONE, NONE, NONE]
    assert run([INC, INC, D, INC, INC, INC]) == [NONE, NONE, NONE, NONE, NONE, UNREADABLE]


def test_inconclusive_evaluations_do_not_break_a_down_count() -> None:
    assert run([D, INC, D, INC, D]) == [NONE, NONE, NONE, NONE, Action.FAIL_OVER]
    assert run([D, D, HV, D]) == [NONE, NONE, NONE, NONE]
    assert run([INC, INC, INC, D, D, D]) == [NONE, NONE, UNREADABLE, NONE, NONE, Action.FAIL_OVER]


@pytest.mark.parametrize(
    ("action", "last", "notify"),
    [
        (Action.FAIL_OVER, Action.FAIL_OVER, True),
        (Action.SWITCH_OFF, Action.SWITCH_OFF, False),
        (Action.SWITCH_OFF, Action.SECONDARY_UNHEALTHY, True),
        (Action.SWITCH_OFF, None, True),
        (Action.CLUSTER_UNKNOWN, Action.CLUSTER_UNKNOWN, False),
    ],
)
def test_notification_on_change_and_on_every_failover_attempt(
    action: Action, last: Action, notify: bool
) -> None:
    gates = {
        Action.FAIL_OVER: READY,
        Action.SWITCH_OFF: GateReadings(SwitchState.OFF, SecondaryReadiness(True, "ok")),
        Action.CLUSTER_UNKNOWN: READY,
    }[action]
    problem = "detached" if action is Action.CLUSTER_UNKNOWN else None
    previous = OrchestratorState(last_action=last)
    decision = decide_at(AT_N, previous=previous, gates=gates, problem=problem)
    assert (decision.action, decision.notify) == (action, notify)


def test_a_failed_failover_notifies_every_time() -> None:
    decision = decide_at(AT_N)
    failed = rules.failover_failed(decision, "InvalidGlobalClusterStateFault")
    assert failed == Decision(
        Action.FAILOVER_FAILED,
        "no signal says healthy; counter 3/3; secondary ready (ok); failing over; "
        "FailoverGlobalCluster failed: InvalidGlobalClusterStateFault",
        OrchestratorState(3, 0, 500.0, Action.FAILOVER_FAILED, 2),
        notify=True,
    )
    assert rules.failover_failed(failed, "again").notify is True
    retried = decide_at(AT_N, previous=failed.state)
    assert (retried.action, retried.notify) == (Action.FAIL_OVER, True)


def cluster(
    *,
    member_arns: tuple[str, ...] = (PRIMARY, SECONDARY),
    writer_arn: str | None = PRIMARY,
    status: str = "available",
    failover_status: str | None = None,
    target: str | None = None,
) -> Topology:
    members = tuple(Member(arn, arn == writer_arn) for arn in member_arns)
    return Topology("g", status, members, failover_status, target)


BUSY = OrchestratorState(
    consecutive_down=4, consecutive_inconclusive=1, last_counted_at=7.0, version=3
)


def test_precheck_when_the_secondary_already_writes() -> None:
    assert rules.precheck(BUSY, cluster(writer_arn=SECONDARY), SECONDARY) == Decision(
        Action.ALREADY_PROMOTED,
        "the secondary cluster is already the writer of the global cluster",
        OrchestratorState(0, 1, 7.0, Action.ALREADY_PROMOTED, 3),
    )


def test_precheck_compares_the_writer_by_value_in_either_role() -> None:
    """ARNs parsed from an API response are new strings; after a failback the us-east-1
    cluster is the secondary and the writer's ARN sorts after it."""
    writer = SECONDARY[:20] + SECONDARY[20:]  # equal, not the same object
    promoted = rules.precheck(
        BUSY, cluster(member_arns=(PRIMARY, writer), writer_arn=writer), SECONDARY
    )
    assert promoted is not None
    assert promoted.action is Action.ALREADY_PROMOTED
    # roles swapped: us-east-1 is now the secondary, us-east-2 the writer
    swapped = cluster(member_arns=(SECONDARY, PRIMARY), writer_arn=SECONDARY)
    assert rules.precheck(BUSY, swapped, PRIMARY) is None
    assert rules.topology_problem(swapped, None, PRIMARY) is None


def test_precheck_while_a_change_runs() -> None:
    running = rules.precheck(BUSY, cluster(status="failing-over"), SECONDARY)
    assert running == Decision(
        Action.FAILOVER_IN_PROGRESS,
        "global cluster status failing-over, failover state none (unknown target)",
        OrchestratorState(4, 1, 7.0, Action.FAILOVER_IN_PROGRESS, 3),
    )
    pending = rules.precheck(BUSY, cluster(failover_status="pending", target=SECONDARY), SECONDARY)
    assert pending is not None
    assert pending.reason == (
        f"global cluster status available, failover state pending ({SECONDARY})"
    )
    assert rules.precheck(BUSY, cluster(), SECONDARY) is None
    assert rules.precheck(BUSY, None, SECONDARY) is None


def test_topology_problems() -> None:
    assert rules.topology_problem(cluster(), None, SECONDARY) is None
    assert rules.topology_problem(cluster(member_arns=(PRIMARY,)), None, SECONDARY) == (
        "the secondary cluster is not a member of the global cluster"
    )
    assert rules.topology_problem(cluster(writer_arn=None), None, SECONDARY) == (
        "the global cluster reports no writer"
    )
    assert rules.topology_problem(None, "Throttling", SECONDARY) == (
        "the global cluster could not be described: Throttling"
    )
    assert rules.topology_problem(None, None, SECONDARY) == (
        "the global cluster could not be described: unknown error"
    )
