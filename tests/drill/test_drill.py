"""The DR drill on two real PostgreSQL servers, with the real failover orchestrator
(``engine.Orchestrator``, its settings from ``OrchestratorSettings.from_env``): unplanned
failover, full-region outage and planned switchover."""

from __future__ import annotations

from tests.drill.control import FUNCTION_TIMEOUT_SECONDS
from tests.drill.pair import ReplicatedPair
from tests.drill.scenarios import (
    DrillSettings,
    Evaluation,
    Outage,
    UnplannedResult,
    run_api_fault,
    run_partition,
    run_planned,
    run_unplanned,
)

FAST = DrillSettings(warmup_seconds=1.0, after_seconds=0.5)
SECONDARY_ARN = "arn:aws:rds:us-east-2:123456789012:cluster:payment-processing-aurora-use2-drill"


DOWN = {"database_down", "service_broken", "outage"}
"""The verdicts that count towards a move (payment_service.orchestrator.model.DOWN_VERDICTS)."""


def down_run(evaluations: tuple[Evaluation, ...], action: str = "fail_over") -> list[Evaluation]:
    """The evaluations up to and including the one that moved the database, back to the last
    verdict that does not count."""
    index = [e.action for e in evaluations].index(action)
    run: list[Evaluation] = []
    for evaluation in reversed(evaluations[: index + 1]):
        if evaluation.verdict not in DOWN:
            break
        run.insert(0, evaluation)
    return run


def assert_failed_over_once(result: UnplannedResult) -> None:
    actions = [e.action for e in result.evaluations]
    assert actions.count("fail_over") == 1
    after = actions[actions.index("fail_over") + 1 :]
    assert set(after) <= {"failover_in_progress", "already_promoted"}
    down = down_run(result.evaluations)
    assert [e.consecutive_down for e in down] == [1, 2, 3]
    assert all(e.at > 0 for e in down), "no down verdict before the outage"
    before = [e.verdict for e in result.evaluations if e.at < 0]
    # Before the outage the primary was seen healthy, and never down. (An evaluation whose
    # probe missed its 0.5 s timeout on a starved CPU is inconclusive, which is correct.)
    assert "healthy" in before, before
    assert not DOWN & set(before), before
    # FailoverGlobalCluster with AllowDataLoss, sent once, to the secondary's region
    assert result.failover_requests == (
        (
            "us-east-2",
            {
                "GlobalClusterIdentifier": "payment-processing-aurora-global-drill",
                "TargetDbClusterIdentifier": SECONDARY_ARN,
                "AllowDataLoss": True,
            },
        ),
    )


def test_unplanned_failover_under_load(pair: ReplicatedPair) -> None:
    old_primary = pair.primary

    result = run_unplanned(pair, "t-unplanned", FAST)

    assert_failed_over_once(result)
    decided = down_run(result.evaluations)[-1]
    signals = dict(decided.signals)
    # A database-only outage: us-east-1 readable, Route 53 and the alarm fail, the probe
    # gets the API's 503 "database: down"; the vantage points' NoResponse alarms stay OK (the
    # API answers), which is not health. It recovers by itself, with AllowDataLoss.
    assert decided.verdict == "database_down"
    assert signals == {
        "route53_health_check": "failing",
        "direct_probe": "database_down",
        "primary_alarm": "failing",
        "remote_probe": "answered",
        "secondary_probe": "answered",
    }
    assert 0 < result.dns_seconds < result.rto_seconds
    assert 0 < result.decision_seconds < result.rto_seconds
    assert 0 < result.promotion_seconds < 5
    assert result.rto_seconds < 10
    assert result.acked_before_kill > 20
    outcome = result.outcome
    assert outcome.mismatched == 0
    assert outcome.acked > result.acked_before_kill, "payments were accepted after the failover"
    if outcome.lost:
        assert result.lost_window_ms is not None
        assert result.lost_window_ms < 1000, "only the last moment before the kill can be lost"
    assert any(code.startswith("503") for code in outcome.failures)
    assert pair.primary is not old_primary, "the promoted standby is the next primary"


def test_full_region_outage_fails_over_without_us_east_1(pair: ReplicatedPair) -> None:
    result = run_unplanned(pair, "t-region", FAST, outage=Outage.REGION)

    assert_failed_over_once(result)
    decided = down_run(result.evaluations)[-1]
    # nothing from us-east-1 was read: Route 53 and the alarm hung past the 1 s budget, the
    # orchestrator's probe got no answer within 0.5 s, both regions' probe alarms are in
    # ALARM: two silent regions and no answer anywhere
    assert decided.verdict == "outage"
    assert dict(decided.signals) == {
        "route53_health_check": "unknown",
        "direct_probe": "silent",
        "primary_alarm": "unknown",
        "remote_probe": "silent",
        "secondary_probe": "silent",
    }
    assert all(region_seconds is not None for _, region_seconds in result.vantage_alarm_seconds)
    # every evaluation, each with hanging us-east-1 APIs, fits in the function timeout, and
    # in the two 1 s budgets the settings give it
    outage = [e for e in result.evaluations if e.at > 0]
    assert outage
    assert max(e.seconds for e in outage) < FUNCTION_TIMEOUT_SECONDS
    assert max(e.seconds for e in down_run(result.evaluations)) < 2.5
    # probes that hang are cut at their timeout
    assert result.probe_calls_over_timeout == 0
    assert 0 < result.decision_seconds < result.rto_seconds < 15
    assert result.outcome.mismatched == 0
    assert result.outcome.acked > result.acked_before_kill > 20


def test_planned_switchover_loses_nothing(pair: ReplicatedPair) -> None:
    result = run_planned(pair, "t-planned", FAST)

    assert result.outcome.lost == ()
    assert result.outcome.mismatched == 0
    assert result.outcome.acked > 20
    assert 0 <= result.catch_up_seconds <= result.write_pause_seconds
    assert result.promotion_seconds < result.write_pause_seconds
    assert result.write_pause_seconds < 5
    assert result.outcome.failures == {}, "writes were paused, never refused"


def test_loss_is_detected_when_replication_is_cut(pair: ReplicatedPair) -> None:
    """Not vacuous, and checked from the client's side: the payments the client saw
    acknowledged after replication was cut (its own timestamps) are exactly the ones the new
    writer lacks, give or take those acknowledged while the receiver was being stopped."""
    result = run_unplanned(pair, "t-cut", FAST, cut_replication_before_kill=0.5)

    after_cut = set(result.acked_after_cut)
    lacking = set(result.outcome.lost)
    assert len(after_cut) > 10
    assert after_cut <= lacking
    assert lacking - after_cut <= set(result.acked_during_cut)
    assert result.outcome.mismatched == 0
    survivors = pair.keys_on(pair.primary, "t-cut")
    assert not after_cut & set(survivors)
    assert any(key.startswith("t-cut") for key in survivors)


def test_a_partition_from_the_secondary_moves_nothing_and_loses_nothing(
    pair: ReplicatedPair,
) -> None:
    """us-east-2 cannot reach us-east-1, us-west-2 can, the primary keeps serving."""
    result = run_partition(pair, "t-partition", FAST)

    assert result.failover_requests == ()
    assert "conflicting_evidence" in result.notified
    assert not {"fail_over", "switch_over", "no_safe_move"} & set(result.notified)
    during = [e for e in result.evaluations if e.at > 0]
    assert "conflict" in {e.verdict for e in during}
    assert not DOWN & {e.verdict for e in during}
    conflict = next(e for e in during if e.verdict == "conflict")
    assert dict(conflict.signals)["remote_probe"] == "answered"
    assert dict(conflict.signals)["direct_probe"] == "silent"
    assert result.outcome.lost == ()
    assert result.outcome.mismatched == 0
    assert result.acked_during_fault > 0, "the primary kept acknowledging payments"


def test_an_api_only_fault_switches_over_and_loses_nothing(pair: ReplicatedPair) -> None:
    """API Gateway fails in us-east-1, Aurora is healthy: SwitchoverGlobalCluster, not
    AllowDataLoss; sent to the primary's region, as AWS documents."""
    result = run_api_fault(pair, "t-api-fault", FAST)

    assert result.failover_requests == (
        (
            "us-east-1",
            {
                "GlobalClusterIdentifier": "payment-processing-aurora-global-drill",
                "TargetDbClusterIdentifier": SECONDARY_ARN,
            },
        ),
    )
    assert "switch_over" in result.notified
    assert "fail_over" not in result.notified
    decided = down_run(result.evaluations, "switch_over")[-1]
    assert decided.verdict == "service_broken"
    assert dict(decided.signals)["direct_probe"] == "service_broken"
    assert result.outcome.lost == ()
    assert result.outcome.mismatched == 0
    assert result.rto_seconds is not None
    assert result.rto_seconds < 15
    assert any(code.startswith("502") for code in result.outcome.failures)
