"""The DR drill on two real PostgreSQL servers: unplanned failover and planned switchover."""

from __future__ import annotations

from tests.drill.pair import ReplicatedPair
from tests.drill.scenarios import DrillSettings, Evaluation, run_planned, run_unplanned

FAST = DrillSettings(warmup_seconds=1.0, after_seconds=0.5)


def trailing_down(evaluations: tuple[Evaluation, ...]) -> list[Evaluation]:
    run: list[Evaluation] = []
    for evaluation in reversed(evaluations):
        if evaluation.verdict != "down":
            break
        run.insert(0, evaluation)
    return run


def test_unplanned_failover_under_load(pair: ReplicatedPair) -> None:
    old_primary = pair.primary

    result = run_unplanned(pair, "t-unplanned", FAST)

    evaluations = result.evaluations
    assert [e.action for e in evaluations].count("fail_over") == 1
    assert evaluations[-1].action == "fail_over"
    down = trailing_down(evaluations)
    assert [e.consecutive_down for e in down] == [1, 2, FAST.consecutive_failures]
    assert all(e.at > 0 for e in down), "no down verdict before the kill"
    assert all(e.verdict == "healthy" for e in evaluations if e.at < 0)
    assert 0 < result.dns_seconds < result.rto_seconds
    assert 0 < result.decision_seconds < result.rto_seconds
    assert 0 < result.promotion_seconds < 5
    assert result.rto_seconds < 10
    assert result.acked_before_kill > 20
    outcome = result.outcome
    assert outcome.mismatched == 0
    assert outcome.acked > result.acked_before_kill, "payments were accepted after the failover"
    assert len(outcome.lost) <= result.acked_before_kill
    if outcome.lost:
        assert result.lost_window_ms is not None
        assert result.lost_window_ms < 1000, "only the last moment before the kill can be lost"
    assert any(code.startswith("503") for code in outcome.failures)
    assert pair.primary is not old_primary, "the promoted standby is the next primary"


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
    """Not vacuous: with replication stopped 0.5 s before the kill, the payments acknowledged
    in that half second are reported lost, and only those."""
    result = run_unplanned(pair, "t-cut", FAST, cut_replication_before_kill=0.5)

    lost = result.outcome.lost
    assert len(lost) > 10
    assert result.lost_window_ms is not None
    assert 300 < result.lost_window_ms < 2000
    assert result.outcome.mismatched == 0
    survivors = pair.keys_on(pair.primary, "t-cut")
    assert not set(lost) & set(survivors)
    assert any(key.startswith("t-cut") for key in survivors)
