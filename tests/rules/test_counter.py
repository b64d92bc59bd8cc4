"""The counters across evaluations, with literal states.

Thresholds() defaults are used on purpose where the boundaries are tested: the documented
spacing is 20 s, the staleness 600 s, the switchover bound 300 s, and a changed default must
fail here.
"""

from __future__ import annotations

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    OrchestratorState,
    Thresholds,
    Verdict,
)

OUTAGE = Assessment(Verdict.OUTAGE, "outage")
INCONCLUSIVE = Assessment(Verdict.INCONCLUSIVE, "inconclusive")
HEALTHY = Assessment(Verdict.HEALTHY, "healthy")
CONFLICT = Assessment(Verdict.CONFLICT, "conflict")


def test_the_documented_defaults() -> None:
    assert Thresholds() == Thresholds(
        consecutive_failures=3,
        min_spacing_seconds=20.0,
        stale_after_seconds=600.0,
        switchover_timeout_seconds=300.0,
    )


@pytest.mark.parametrize("verdict", [Verdict.OUTAGE, Verdict.DATABASE_DOWN, Verdict.SERVICE_BROKEN])
def test_each_down_verdict_counts_from_zero_and_stamps_the_time(verdict: Verdict) -> None:
    previous = OrchestratorState(consecutive_inconclusive=2, consecutive_conflict=1, version=4)
    state, note = rules.advance(previous, Assessment(verdict, ""), 1000.0, Thresholds())
    assert state == OrchestratorState(
        consecutive_down=1,
        consecutive_inconclusive=0,
        consecutive_conflict=1,
        last_counted_at=1000.0,
        down_since=1000.0,
        version=4,
    )
    assert note == "counter 1/3"


def test_the_run_remembers_when_it_started_and_a_restart_or_an_answer_forgets_it() -> None:
    outage = Assessment(Verdict.OUTAGE, "")
    first, _ = rules.advance(OrchestratorState(), outage, 1000.0, Thresholds())
    second, _ = rules.advance(first, outage, 1060.0, Thresholds())
    assert (second.consecutive_down, second.down_since) == (2, 1000.0)
    restarted, _ = rules.advance(second, outage, 1060.0 + 601, Thresholds())
    assert (restarted.consecutive_down, restarted.down_since) == (1, 1661.0)
    for verdict in (Verdict.HEALTHY, Verdict.CONFLICT):
        after, _ = rules.advance(second, Assessment(verdict, ""), 1120.0, Thresholds())
        assert after.down_since is None
    held, _ = rules.advance(second, Assessment(Verdict.INCONCLUSIVE, ""), 1120.0, Thresholds())
    assert held.down_since == 1000.0
    # a count that goes on without a stamp (state written before this field) starts one
    legacy = OrchestratorState(consecutive_down=1, last_counted_at=1000.0)
    carried, _ = rules.advance(legacy, outage, 1060.0, Thresholds())
    assert carried.down_since == 1060.0


def test_healthy_resets_every_counter_and_forgets_a_switchover() -> None:
    previous = OrchestratorState(
        consecutive_down=2,
        consecutive_inconclusive=1,
        consecutive_conflict=2,
        switchover_started_at=900.0,
        last_counted_at=990.0,
        last_action=Action.SWITCH_OVER,
        version=7,
    )
    state, note = rules.advance(previous, HEALTHY, 1000.0, Thresholds())
    assert state == OrchestratorState(
        last_counted_at=1000.0, last_action=Action.SWITCH_OVER, version=7
    )
    assert note == "counter reset"


def test_a_conflict_resets_the_down_counter_and_counts_conflicts() -> None:
    previous = OrchestratorState(
        consecutive_down=2,
        consecutive_inconclusive=1,
        consecutive_conflict=1,
        switchover_started_at=900.0,
        last_counted_at=990.0,
        version=3,
    )
    state, note = rules.advance(previous, CONFLICT, 1000.0, Thresholds())
    assert state == OrchestratorState(
        consecutive_down=0,
        consecutive_inconclusive=0,
        consecutive_conflict=2,
        switchover_started_at=900.0,
        last_counted_at=990.0,
        version=3,
    )
    assert note == "counter reset; 2 conflicting since the primary was healthy"


def test_inconclusive_holds_the_counter_and_the_conflicts() -> None:
    previous = OrchestratorState(
        consecutive_down=2, consecutive_inconclusive=1, consecutive_conflict=2, last_counted_at=1.0
    )
    state, note = rules.advance(previous, INCONCLUSIVE, 1000.0, Thresholds())
    assert state == OrchestratorState(
        consecutive_down=2, consecutive_inconclusive=2, consecutive_conflict=2, last_counted_at=1.0
    )
    assert note == "counter held at 2; 2 inconclusive in a row"


@pytest.mark.parametrize(
    ("elapsed", "count", "note"),
    [
        (19.9, 1, "counter held at 1: 20s after the last counted evaluation (minimum 20s)"),
        (20.0, 2, "counter 2/3"),
        (600.0, 2, "counter 2/3"),
        (600.1, 1, "counter restarted at 1: the last counted evaluation is 600s old"),
    ],
)
def test_spacing_and_staleness_bounds(elapsed: float, count: int, note: str) -> None:
    previous = OrchestratorState(consecutive_down=1, last_counted_at=1000.0)
    state, said = rules.advance(previous, OUTAGE, 1000.0 + elapsed, Thresholds())
    assert (state.consecutive_down, said) == (count, note)
    held = count == 1 and elapsed < 20.0
    assert state.last_counted_at == (1000.0 if held else 1000.0 + elapsed)


def test_spacing_does_not_apply_to_the_first_count_or_without_a_time() -> None:
    state, _ = rules.advance(
        OrchestratorState(last_counted_at=1000.0), OUTAGE, 1001.0, Thresholds()
    )
    assert state.consecutive_down == 1
    state, _ = rules.advance(OrchestratorState(consecutive_down=1), OUTAGE, 5.0, Thresholds())
    assert state.consecutive_down == 2


@pytest.mark.parametrize(
    ("started", "now", "expired"),
    [(None, 10_000.0, False), (1000.0, 1299.9, False), (1000.0, 1300.0, True)],
)
def test_a_switchover_expires_after_its_bound(
    started: float | None, now: float, expired: bool
) -> None:
    state = OrchestratorState(switchover_started_at=started)
    assert rules.switchover_expired(state, now, Thresholds()) is expired
