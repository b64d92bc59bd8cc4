"""What an evaluation does: the precheck, the gates, the move (switchover, failover with data
loss, or a page) and who is told."""

from __future__ import annotations

import pytest

from payment_service.failover.topology import Member, Topology
from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    DatabaseHealth,
    GateReadings,
    OrchestratorState,
    SecondaryReadiness,
    SwitchState,
    Thresholds,
    Verdict,
)
from tests.rules.common import HEALTHY_DB, READY, READY_HEALTHY_DB, UNPROVEN_DB, evaluate

PRIMARY_ARN = "arn:aws:rds:us-east-1:111111111111:cluster:payment-processing-aurora-use1-dev"
SECONDARY_ARN = "arn:aws:rds:us-east-2:111111111111:cluster:payment-processing-aurora-use2-dev"
T = Thresholds()
AT_TWO = OrchestratorState(consecutive_down=2, last_counted_at=940.0)
"""One more down evaluation at 1000 s reaches N = 3."""


def topology(
    *,
    status: str = "available",
    writer: str = PRIMARY_ARN,
    sync: str | None = "connected",
    failover: str | None = None,
) -> Topology:
    return Topology(
        "payment-processing-aurora-global-dev",
        status,
        (
            Member(PRIMARY_ARN, writer == PRIMARY_ARN),
            Member(SECONDARY_ARN, writer == SECONDARY_ARN, sync),
        ),
        failover_status=failover,
        failover_target_arn=SECONDARY_ARN if failover else None,
    )


# --- the move ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "gates", "action"),
    [
        (Verdict.OUTAGE, READY_HEALTHY_DB, Action.SWITCH_OVER),
        (Verdict.DATABASE_DOWN, READY_HEALTHY_DB, Action.SWITCH_OVER),
        (Verdict.SERVICE_BROKEN, READY_HEALTHY_DB, Action.SWITCH_OVER),
        (Verdict.OUTAGE, READY, Action.FAIL_OVER),
        (Verdict.DATABASE_DOWN, READY, Action.FAIL_OVER),
        (Verdict.SERVICE_BROKEN, READY, Action.NO_SAFE_MOVE),
    ],
)
def test_the_move_at_n(verdict: Verdict, gates: GateReadings, action: Action) -> None:
    decision = evaluate(AT_TWO, verdict, 1000.0, thresholds=T, gates=gates)
    assert decision.action is action
    assert decision.notify is True
    assert decision.state.consecutive_down == 3
    assert decision.state.last_action is action


def test_a_switchover_records_when_it_started_and_says_why() -> None:
    decision = evaluate(
        AT_TWO, Verdict.SERVICE_BROKEN, 1000.0, thresholds=T, gates=READY_HEALTHY_DB
    )
    assert decision.state.switchover_started_at == 1000.0
    assert decision.reason == (
        "service_broken; counter 3/3; secondary ready (ok); primary database healthy "
        "(available, secondary connected, RPO lag 1s 30s ago); switching over"
    )
    assert decision.severity == "critical"


def test_a_second_switchover_attempt_keeps_the_first_start() -> None:
    previous = OrchestratorState(
        consecutive_down=3, last_counted_at=940.0, switchover_started_at=900.0
    )
    decision = evaluate(previous, Verdict.OUTAGE, 1000.0, thresholds=T, gates=READY_HEALTHY_DB)
    assert (decision.action, decision.state.switchover_started_at) == (Action.SWITCH_OVER, 900.0)


@pytest.mark.parametrize(
    ("verdict", "action", "reason"),
    [
        (
            Verdict.OUTAGE,
            Action.FAIL_OVER,
            "outage; counter 4/3; secondary ready (ok); the switchover did not complete within "
            "300s; failing over with data loss",
        ),
        (
            Verdict.SERVICE_BROKEN,
            Action.NO_SAFE_MOVE,
            "service_broken; counter 4/3; secondary ready (ok); the switchover did not complete "
            "within 300s, and the primary is not shown down or unreachable: no safe move, decide "
            "manually",
        ),
    ],
)
def test_a_switchover_past_its_bound_falls_back(
    verdict: Verdict, action: Action, reason: str
) -> None:
    previous = OrchestratorState(
        consecutive_down=3, last_counted_at=1240.0, switchover_started_at=1000.0
    )
    decision = evaluate(previous, verdict, 1300.0, thresholds=T, gates=READY_HEALTHY_DB)
    assert (decision.action, decision.reason) == (action, reason)
    assert decision.state.switchover_started_at == 1000.0


def test_one_second_before_the_bound_it_still_switches_over() -> None:
    previous = OrchestratorState(
        consecutive_down=3, last_counted_at=1239.0, switchover_started_at=1000.0
    )
    decision = evaluate(previous, Verdict.OUTAGE, 1299.0, thresholds=T, gates=READY_HEALTHY_DB)
    assert decision.action is Action.SWITCH_OVER


def test_failover_and_no_safe_move_reasons() -> None:
    failover = evaluate(AT_TWO, Verdict.DATABASE_DOWN, 1000.0, thresholds=T, gates=READY)
    assert failover.reason == (
        "database_down; counter 3/3; secondary ready (ok); primary database not shown healthy "
        "(no AuroraGlobalDBRPOLag datapoint); failing over with data loss"
    )
    assert failover.state.switchover_started_at is None
    page = evaluate(AT_TWO, Verdict.SERVICE_BROKEN, 1000.0, thresholds=T, gates=READY)
    assert page.reason == (
        "service_broken; counter 3/3; secondary ready (ok); primary database not shown healthy "
        "(no AuroraGlobalDBRPOLag datapoint), and the primary is not shown down or unreachable: "
        "no safe move, decide manually"
    )
    assert page.severity == "page"


# --- the gates --------------------------------------------------------------------------


def test_below_n_nothing_is_read_and_nothing_moves() -> None:
    decision = evaluate(
        OrchestratorState(consecutive_down=1, last_counted_at=940.0),
        Verdict.OUTAGE,
        1000.0,
        thresholds=T,
        gates=None,
    )
    assert (decision.action, decision.notify) == (Action.NONE, False)
    assert decision.reason == "outage; counter 2/3"


def test_at_n_the_gates_must_have_been_read() -> None:
    assessment = Assessment(Verdict.OUTAGE, "outage")
    counted, note = rules.advance(AT_TWO, assessment, 1000.0, T)
    with pytest.raises(ValueError, match="the gates must be read once the counter reaches N"):
        rules.decide(
            previous=AT_TWO,
            counted=counted,
            counter_note=note,
            assessment=assessment,
            thresholds=T,
            problem=None,
            gates=None,
            now=1000.0,
        )


@pytest.mark.parametrize(
    ("gates", "problem", "action", "tail"),
    [
        (
            GateReadings(
                SwitchState.ON, SecondaryReadiness(False, "/health unreachable"), HEALTHY_DB
            ),
            None,
            Action.SECONDARY_UNHEALTHY,
            "not moving: secondary not ready (/health unreachable)",
        ),
        (
            GateReadings(SwitchState.OFF, SecondaryReadiness(True, "ok"), HEALTHY_DB),
            None,
            Action.SWITCH_OFF,
            "would move but the auto-failover switch is off",
        ),
        (
            GateReadings(SwitchState.UNREADABLE, SecondaryReadiness(True, "ok"), HEALTHY_DB),
            None,
            Action.SWITCH_OFF,
            "would move but the auto-failover switch is unreadable",
        ),
        (
            READY_HEALTHY_DB,
            "the global cluster reports no writer",
            Action.CLUSTER_UNKNOWN,
            "not moving: the global cluster reports no writer",
        ),
    ],
)
def test_each_gate_stops_the_move(
    gates: GateReadings, problem: str | None, action: Action, tail: str
) -> None:
    decision = evaluate(AT_TWO, Verdict.OUTAGE, 1000.0, thresholds=T, gates=gates, problem=problem)
    assert decision.action is action
    assert decision.reason == f"outage; counter 3/3; {tail}"
    assert decision.notify is True
    assert decision.state.switchover_started_at is None


def test_a_topology_problem_below_n_is_only_noted() -> None:
    decision = evaluate(
        OrchestratorState(), Verdict.OUTAGE, 1000.0, thresholds=T, problem="no writer"
    )
    assert (decision.action, decision.reason) == (Action.NONE, "outage; counter 1/3; no writer")


# --- conflicting and unreadable evidence --------------------------------------------------


def test_conflicting_evidence_pages_after_n_and_never_moves() -> None:
    state = OrchestratorState(consecutive_down=2, last_counted_at=940.0)
    seen = []
    for now in (1000.0, 1060.0, 1120.0, 1180.0):
        decision = evaluate(state, Verdict.CONFLICT, now, thresholds=T, gates=READY_HEALTHY_DB)
        seen.append((decision.action, decision.notify, decision.state.consecutive_down))
        state = decision.state
    assert seen == [
        (Action.NONE, False, 0),
        (Action.NONE, False, 0),
        (Action.CONFLICTING_EVIDENCE, True, 0),
        (Action.CONFLICTING_EVIDENCE, False, 0),
    ]
    assert decision.reason == (
        "conflict; counter reset; 4 conflicting since the primary was healthy; the evidence "
        "disagrees: no database move, decide manually"
    )


def test_n_inconclusive_evaluations_page() -> None:
    state = OrchestratorState(consecutive_inconclusive=2)
    decision = evaluate(state, Verdict.INCONCLUSIVE, 1000.0, thresholds=T)
    assert (decision.action, decision.notify) == (Action.SIGNALS_UNREADABLE, True)
    assert decision.reason == (
        "inconclusive; counter held at 0; 3 inconclusive in a row; cannot tell whether the "
        "primary is down: decide manually"
    )
    below = evaluate(
        OrchestratorState(consecutive_inconclusive=1), Verdict.INCONCLUSIVE, 1000.0, thresholds=T
    )
    assert below.action is Action.NONE


def test_a_healthy_primary_does_nothing() -> None:
    decision = evaluate(AT_TWO, Verdict.HEALTHY, 1000.0, thresholds=T)
    assert (decision.action, decision.notify, decision.reason) == (
        Action.NONE,
        False,
        "healthy; counter reset",
    )


# --- precheck ---------------------------------------------------------------------------


def test_precheck_without_a_cluster_or_with_a_quiet_one_lets_the_evaluation_run() -> None:
    assert rules.precheck(AT_TWO, None, SECONDARY_ARN, 1000.0, T) is None
    assert rules.precheck(AT_TWO, topology(), SECONDARY_ARN, 1000.0, T) is None


def test_precheck_already_promoted_clears_the_switchover() -> None:
    previous = OrchestratorState(consecutive_down=3, switchover_started_at=900.0, version=2)
    decision = rules.precheck(previous, topology(writer=SECONDARY_ARN), SECONDARY_ARN, 1000.0, T)
    assert decision is not None
    assert decision.action is Action.ALREADY_PROMOTED
    assert decision.state == OrchestratorState(last_action=Action.ALREADY_PROMOTED, version=2)
    assert decision.notify is False


@pytest.mark.parametrize(
    ("started", "now", "action", "notify"),
    [
        (None, 10_000.0, Action.FAILOVER_IN_PROGRESS, False),
        (1000.0, 1299.0, Action.FAILOVER_IN_PROGRESS, False),
        (1000.0, 1300.0, Action.SWITCHOVER_STALLED, True),
    ],
)
def test_precheck_while_a_change_runs(
    started: float | None, now: float, action: Action, notify: bool
) -> None:
    cluster = topology(status="switching-over", failover="switching-over")
    previous = OrchestratorState(switchover_started_at=started, last_action=Action.SWITCH_OVER)
    decision = rules.precheck(previous, cluster, SECONDARY_ARN, now, T)
    assert decision is not None
    assert (decision.action, decision.notify) == (action, notify)
    running = (
        f"global cluster status switching-over, failover state switching-over ({SECONDARY_ARN})"
    )
    if action is Action.SWITCHOVER_STALLED:
        assert decision.reason == (
            f"{running}; the switchover started 300s ago has not completed (bound 300s): "
            "decide manually"
        )
        again = rules.precheck(decision.state, cluster, SECONDARY_ARN, now + 60, T)
        assert again is not None
        assert (again.action, again.notify) == (Action.SWITCHOVER_STALLED, False)
    else:
        assert decision.reason == running


def test_precheck_names_an_unknown_target() -> None:
    cluster = Topology("g", "failing-over", (Member(PRIMARY_ARN, True),))
    decision = rules.precheck(OrchestratorState(), cluster, SECONDARY_ARN, 1.0, T)
    assert decision is not None
    assert decision.reason == (
        "global cluster status failing-over, failover state none (unknown target)"
    )


# --- the primary database's health ---------------------------------------------------------


def health(
    cluster: Topology | None, lag: tuple[float, float] | None, now: float = 1000.0
) -> DatabaseHealth:
    return rules.database_health(
        cluster, SECONDARY_ARN, lag, now, max_age_seconds=180.0, max_lag_seconds=60.0
    )


@pytest.mark.parametrize(
    ("cluster", "lag", "expected"),
    [
        (
            topology(),
            (970.0, 1.0),
            DatabaseHealth(True, "available, secondary connected, RPO lag 1s 30s ago"),
        ),
        (
            topology(),
            (820.0, 60.0),
            DatabaseHealth(True, "available, secondary connected, RPO lag 60s 180s ago"),
        ),
        (
            topology(),
            (819.0, 1.0),
            DatabaseHealth(False, "AuroraGlobalDBRPOLag 181s old (fresh: 180s)"),
        ),
        (
            topology(),
            (970.0, 60.5),
            DatabaseHealth(False, "AuroraGlobalDBRPOLag 60.5s (healthy: 60s)"),
        ),
        (topology(), None, DatabaseHealth(False, "no AuroraGlobalDBRPOLag datapoint")),
        (
            topology(sync="pending-resync"),
            (970.0, 1.0),
            DatabaseHealth(False, "secondary synchronization pending-resync"),
        ),
        (
            topology(sync=None),
            (970.0, 1.0),
            DatabaseHealth(False, "secondary synchronization not reported"),
        ),
        (
            topology(writer=SECONDARY_ARN),
            (970.0, 1.0),
            DatabaseHealth(False, "no primary writer in the global cluster"),
        ),
        (
            topology(writer="none"),
            (970.0, 1.0),
            DatabaseHealth(False, "no primary writer in the global cluster"),
        ),
        (
            topology(status="failing-over"),
            (970.0, 1.0),
            DatabaseHealth(False, "global cluster failing-over, writer us-east-1"),
        ),
        (
            topology(failover="pending"),
            (970.0, 1.0),
            DatabaseHealth(False, "global cluster available, failover pending, writer us-east-1"),
        ),
        (None, (970.0, 1.0), DatabaseHealth(False, "global cluster unreadable")),
    ],
)
def test_the_primary_database_is_healthy_only_by_fresh_evidence(
    cluster: Topology | None, lag: tuple[float, float] | None, expected: DatabaseHealth
) -> None:
    assert health(cluster, lag) == expected


def test_a_cluster_without_the_secondary_member_is_no_proof() -> None:
    cluster = Topology("g", "available", (Member(PRIMARY_ARN, True),))
    assert health(cluster, (970.0, 1.0)) == DatabaseHealth(
        False, "secondary synchronization not reported"
    )


# --- failed calls --------------------------------------------------------------------------


def test_a_failed_call_pages_and_keeps_the_state() -> None:
    decision = evaluate(AT_TWO, Verdict.OUTAGE, 1000.0, thresholds=T, gates=READY_HEALTHY_DB)
    failed = rules.switchover_failed(decision, "InvalidGlobalClusterStateFault")
    assert failed.action is Action.SWITCHOVER_FAILED
    assert failed.reason.endswith(
        "; SwitchoverGlobalCluster failed: InvalidGlobalClusterStateFault"
    )
    assert failed.state.switchover_started_at == 1000.0
    assert failed.state.last_action is Action.SWITCHOVER_FAILED
    assert (failed.notify, failed.severity) == (True, "page")
    fail = rules.failover_failed(
        evaluate(AT_TWO, Verdict.OUTAGE, 1000.0, thresholds=T), "Throttling"
    )
    assert fail.action is Action.FAILOVER_FAILED
    assert fail.reason.endswith("; FailoverGlobalCluster failed: Throttling")
    assert fail.state.last_action is Action.FAILOVER_FAILED
    assert (fail.notify, fail.severity) == (True, "page")


@pytest.mark.parametrize(
    ("action", "last", "notify"),
    [
        (Action.FAIL_OVER, Action.FAIL_OVER, True),
        (Action.SWITCH_OVER, Action.SWITCH_OVER, True),
        (Action.SWITCHOVER_FAILED, Action.SWITCHOVER_FAILED, True),
        (Action.FAILOVER_FAILED, Action.FAILOVER_FAILED, True),
        (Action.NO_SAFE_MOVE, Action.NO_SAFE_MOVE, False),
        (Action.NO_SAFE_MOVE, None, True),
        (Action.SWITCH_OFF, Action.NONE, True),
        (Action.NONE, None, False),
        (Action.ALREADY_PROMOTED, None, False),
    ],
)
def test_who_is_told(action: Action, last: Action | None, notify: bool) -> None:
    assert rules._notifies(action, last) is notify


def test_the_unproven_reason_is_kept_for_the_record() -> None:
    assert UNPROVEN_DB.reason == "no AuroraGlobalDBRPOLag datapoint"


# --- runs of evaluations, a minute apart --------------------------------------------------


def run(verdicts: list[Verdict], gates: GateReadings = READY) -> list[Action]:
    state, actions = OrchestratorState(), []
    for minute, verdict in enumerate(verdicts):
        decision = evaluate(state, verdict, 1000.0 + 60 * minute, thresholds=T, gates=gates)
        actions.append(decision.action)
        state = decision.state
    return actions


INC, OUT, OK, CON = Verdict.INCONCLUSIVE, Verdict.OUTAGE, Verdict.HEALTHY, Verdict.CONFLICT
NONE, UNREADABLE = Action.NONE, Action.SIGNALS_UNREADABLE


def test_inconclusive_down_inconclusive_does_not_page_early() -> None:
    """A down verdict breaks a run of unreadable evaluations: the page needs N in a row."""
    assert run([INC, INC, OUT, INC]) == [NONE, NONE, NONE, NONE]
    assert run([INC, INC, OUT, INC, INC, INC]) == [NONE, NONE, NONE, NONE, NONE, UNREADABLE]


def test_inconclusive_evaluations_do_not_break_a_down_count() -> None:
    assert run([OUT, INC, OUT, INC, OUT]) == [NONE, NONE, NONE, NONE, Action.FAIL_OVER]
    assert run([INC, INC, INC, OUT, OUT, OUT]) == [
        NONE,
        NONE,
        UNREADABLE,
        NONE,
        NONE,
        Action.FAIL_OVER,
    ]


def test_any_answer_in_the_window_restarts_the_count() -> None:
    """No vantage point may have had an answer in the window: a healthy or a conflicting
    evaluation between the silent ones starts the count again."""
    assert run([OUT, OUT, OK, OUT, OUT]) == [NONE] * 5
    assert run([OUT, OUT, CON, OUT, OUT, OUT]) == [NONE] * 5 + [Action.FAIL_OVER]
    assert run([OUT, CON, OUT, CON, OUT, CON]) == [NONE] * 5 + [Action.CONFLICTING_EVIDENCE]
    assert run([CON, CON, OK, CON, CON]) == [NONE] * 5


def test_a_clean_outage_after_conflicts_still_moves() -> None:
    """Conflicts since the primary was healthy page once; evidence that then turns into a clean
    outage for N evaluations still fails over, and inconclusive ones do not page as conflicts."""
    assert run([CON, CON, CON, OUT, OUT, OUT]) == [
        NONE,
        NONE,
        Action.CONFLICTING_EVIDENCE,
        NONE,
        NONE,
        Action.FAIL_OVER,
    ]
    assert run([CON, CON, CON, INC]) == [NONE, NONE, Action.CONFLICTING_EVIDENCE, NONE]


def test_the_unreadable_page_holds_beyond_n() -> None:
    decision = evaluate(
        OrchestratorState(consecutive_inconclusive=3), Verdict.INCONCLUSIVE, 1.0, thresholds=T
    )
    assert decision.action is Action.SIGNALS_UNREADABLE


# --- values as AWS returns them: equal, not identical ----------------------------------------


def copy(text: str) -> str:
    """An equal string that is not the same object (parsed responses are never interned)."""
    return "".join(list(text))


def test_the_topology_problems() -> None:
    assert rules.topology_problem(None, "Throttling", SECONDARY_ARN) == (
        "the global cluster could not be described: Throttling"
    )
    assert rules.topology_problem(None, None, SECONDARY_ARN) == (
        "the global cluster could not be described: unknown error"
    )
    lone = Topology("g", "available", (Member(PRIMARY_ARN, True),))
    assert rules.topology_problem(lone, None, SECONDARY_ARN) == (
        "the secondary cluster is not a member of the global cluster"
    )
    assert rules.topology_problem(topology(writer="none"), None, SECONDARY_ARN) == (
        "the global cluster reports no writer"
    )
    assert rules.topology_problem(topology(), None, copy(SECONDARY_ARN)) is None


OTHER_ARN = "arn:aws:rds:us-west-2:111111111111:cluster:payment-processing-aurora-usw2-dev"
"""Sorts after both members' ARNs: a comparison that is not equality is caught."""


def test_a_writer_in_a_third_region_is_a_primary_writer_and_no_promotion() -> None:
    cluster = Topology(
        "g",
        "available",
        (
            Member(PRIMARY_ARN, False),
            Member(OTHER_ARN, True),
            Member(SECONDARY_ARN, False, "connected"),
        ),
    )
    assert rules.precheck(OrchestratorState(), cluster, copy(SECONDARY_ARN), 1.0, T) is None
    assert rules.database_health(
        cluster, copy(SECONDARY_ARN), (970.0, 1.0), 1000.0, max_age_seconds=180, max_lag_seconds=60
    ).proven


def test_the_secondary_member_is_found_by_its_arn_not_by_position() -> None:
    cluster = Topology(
        "g",
        "available",
        (
            Member(PRIMARY_ARN, True),
            Member(OTHER_ARN, False, "pending-resync"),
            Member(SECONDARY_ARN, False, copy("connected")),
        ),
    )
    assert rules.database_health(
        cluster, copy(SECONDARY_ARN), (970.0, 1.0), 1000.0, max_age_seconds=180, max_lag_seconds=60
    ) == DatabaseHealth(True, "available, secondary connected, RPO lag 1s 30s ago")


def test_the_promoted_secondary_is_recognised_by_value() -> None:
    decision = rules.precheck(
        OrchestratorState(), topology(writer=SECONDARY_ARN), copy(SECONDARY_ARN), 1.0, T
    )
    assert decision is not None
    assert decision.action is Action.ALREADY_PROMOTED
    assert health(topology(writer=SECONDARY_ARN), (970.0, 1.0)).proven is False
    assert rules.database_health(
        topology(writer=SECONDARY_ARN),
        copy(SECONDARY_ARN),
        (970.0, 1.0),
        1000.0,
        max_age_seconds=180,
        max_lag_seconds=60,
    ) == DatabaseHealth(False, "no primary writer in the global cluster")


@pytest.mark.parametrize(
    ("at", "now", "reason"),
    [
        (100.0, 1000.0, "AuroraGlobalDBRPOLag 900s old (fresh: 180s)"),
        (5000.0, 10_000.0, "AuroraGlobalDBRPOLag 5000s old (fresh: 180s)"),
    ],
)
def test_the_age_of_the_lag_is_a_difference_of_times(at: float, now: float, reason: str) -> None:
    assert health(topology(), (at, 1.0), now) == DatabaseHealth(False, reason)


def test_the_counter_spacing_and_the_switchover_bound_are_differences_of_times() -> None:
    state, note = rules.advance(
        OrchestratorState(consecutive_down=1, last_counted_at=100.0),
        Assessment(Verdict.OUTAGE, "outage"),
        700.0,
        T,
    )
    assert (state.consecutive_down, note) == (2, "counter 2/3")
    assert rules.switchover_expired(OrchestratorState(switchover_started_at=100.0), 400.0, T)
    stalled = rules.precheck(
        OrchestratorState(switchover_started_at=100.0),
        topology(status="switching-over", failover="switching-over"),
        SECONDARY_ARN,
        400.0,
        T,
    )
    assert stalled is not None
    assert "the switchover started 300s ago has not completed" in stalled.reason


def test_a_lag_datapoint_from_before_the_problem_proves_nothing() -> None:
    cluster = topology()
    assert rules.database_health(
        cluster,
        SECONDARY_ARN,
        (900.0, 1.0),
        1000.0,
        max_age_seconds=180,
        max_lag_seconds=60,
        since=940.0,
    ) == DatabaseHealth(False, "AuroraGlobalDBRPOLag 40s older than the first failed evaluation")
    assert rules.database_health(
        cluster,
        SECONDARY_ARN,
        (940.0, 1.0),
        1000.0,
        max_age_seconds=180,
        max_lag_seconds=60,
        since=940.0,
    ).proven
