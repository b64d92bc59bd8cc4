"""The verdict of one evaluation and the counter across evaluations, with literal states.

Thresholds() defaults are used on purpose where the boundaries are tested: the documented
spacing is 20 s and the staleness 600 s, and a changed default must fail here.
"""

from __future__ import annotations

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Action,
    Assessment,
    OrchestratorState,
    SignalState,
    Thresholds,
    Verdict,
)
from tests.rules.common import H, K, U, signals

DOWN = Assessment(Verdict.DOWN, "down")
INCONCLUSIVE = Assessment(Verdict.INCONCLUSIVE, "inconclusive")
HEALTHY = Assessment(Verdict.HEALTHY, "healthy")


@pytest.mark.parametrize(
    ("states", "verdict", "reason"),
    [
        (
            (U, U, U),
            Verdict.DOWN,
            "no signal says healthy: route53_health_check=unhealthy, "
            "direct_probe=unhealthy, primary_alarm=unhealthy",
        ),
        (
            (K, K, U),
            Verdict.DOWN,
            "no signal says healthy: route53_health_check=unknown, "
            "direct_probe=unknown, primary_alarm=unhealthy",
        ),
        (
            (H, U, K),
            Verdict.HEALTHY,
            "a signal says healthy (conflicting signals): route53_health_check=healthy, "
            "direct_probe=unhealthy, primary_alarm=unknown",
        ),
        (
            (K, H, K),
            Verdict.HEALTHY,
            "a signal says healthy: route53_health_check=unknown, "
            "direct_probe=healthy, primary_alarm=unknown",
        ),
        (
            (K, K, K),
            Verdict.INCONCLUSIVE,
            "no signal could be read: route53_health_check=unknown, "
            "direct_probe=unknown, primary_alarm=unknown",
        ),
    ],
)
def test_verdict_and_its_reason(
    states: tuple[SignalState, ...], verdict: Verdict, reason: str
) -> None:
    assert rules.assess(signals(*states)) == Assessment(verdict, reason)


def test_no_signals_at_all_is_inconclusive() -> None:
    assert rules.assess([]) == Assessment(Verdict.INCONCLUSIVE, "no signal could be read: ")


def test_down_counts_from_zero_and_stamps_the_time() -> None:
    state, note = rules.advance(OrchestratorState(version=4), DOWN, 1000.0, Thresholds())
    assert state == OrchestratorState(
        consecutive_down=1, consecutive_inconclusive=0, last_counted_at=1000.0, version=4
    )
    assert note == "counter 1/3"


def test_healthy_resets_both_counters_and_keeps_the_rest() -> None:
    previous = OrchestratorState(
        consecutive_down=2,
        consecutive_inconclusive=1,
        last_counted_at=900.0,
        last_action=Action.SWITCH_OFF,
        version=7,
    )
    state, note = rules.advance(previous, HEALTHY, 1000.0, Thresholds())
    assert state == OrchestratorState(0, 0, 1000.0, Action.SWITCH_OFF, 7)
    assert note == "counter reset"


def test_inconclusive_holds_the_down_counter_and_counts_itself() -> None:
    previous = OrchestratorState(
        consecutive_down=2, consecutive_inconclusive=1, last_counted_at=900
    )
    state, note = rules.advance(previous, INCONCLUSIVE, 1000.0, Thresholds())
    assert state == OrchestratorState(2, 2, 900, None, 0)
    assert note == "counter held at 2; 2 inconclusive in a row"


def test_a_down_verdict_resets_the_inconclusive_counter() -> None:
    """inconclusive, inconclusive, down, inconclusive: one inconclusive in a row, not three."""
    thresholds = Thresholds()
    state = OrchestratorState()
    state, _ = rules.advance(state, INCONCLUSIVE, 1000.0, thresholds)
    state, _ = rules.advance(state, INCONCLUSIVE, 1060.0, thresholds)
    assert (state.consecutive_down, state.consecutive_inconclusive) == (0, 2)
    state, note = rules.advance(state, DOWN, 1120.0, thresholds)
    assert state == OrchestratorState(1, 0, 1120.0)
    assert note == "counter 1/3"
    state, note = rules.advance(state, INCONCLUSIVE, 1180.0, thresholds)
    assert state == OrchestratorState(1, 1, 1120.0)
    assert note == "counter held at 1; 1 inconclusive in a row"


def test_a_down_verdict_too_close_to_count_still_resets_the_inconclusive_counter() -> None:
    previous = OrchestratorState(
        consecutive_down=1, consecutive_inconclusive=2, last_counted_at=1000
    )
    state, note = rules.advance(previous, DOWN, 1005.0, Thresholds())
    assert state == OrchestratorState(1, 0, 1000)
    assert note == ("counter held at 1: 5s after the last counted evaluation (minimum 20s)")


AT_ONE = OrchestratorState(consecutive_down=1, last_counted_at=1000.0)


@pytest.mark.parametrize(
    ("now", "expected", "note"),
    [
        (1019.0, OrchestratorState(1, 0, 1000.0), "counter held at 1: 19s after the last "
         "counted evaluation (minimum 20s)"),
        (1019.9, OrchestratorState(1, 0, 1000.0), "counter held at 1: 20s after the last "
         "counted evaluation (minimum 20s)"),
        # exactly 20 s later counts
        (1020.0, OrchestratorState(2, 0, 1020.0), "counter 2/3"),
        (1021.0, OrchestratorState(2, 0, 1021.0), "counter 2/3"),
        # exactly 600 s later still counts; later than that starts again at one
        (1600.0, OrchestratorState(2, 0, 1600.0), "counter 2/3"),
        (1600.5, OrchestratorState(1, 0, 1600.5), "counter restarted at 1: the last counted "
         "evaluation is 600s old"),
        (1601.0, OrchestratorState(1, 0, 1601.0), "counter restarted at 1: the last counted "
         "evaluation is 601s old"),
    ],
)  # fmt: skip
def test_spacing_20s_and_staleness_600s_boundaries(
    now: float, expected: OrchestratorState, note: str
) -> None:
    assert rules.advance(AT_ONE, DOWN, now, Thresholds()) == (expected, note)


def test_the_boundaries_follow_the_thresholds() -> None:
    thresholds = Thresholds(consecutive_failures=5, min_spacing_seconds=45, stale_after_seconds=90)
    at_two = OrchestratorState(consecutive_down=2, last_counted_at=100.0)
    assert rules.advance(at_two, DOWN, 144.0, thresholds)[0].consecutive_down == 2
    assert rules.advance(at_two, DOWN, 145.0, thresholds) == (
        OrchestratorState(3, 0, 145.0),
        "counter 3/5",
    )
    assert rules.advance(at_two, DOWN, 190.0, thresholds)[0].consecutive_down == 3
    assert rules.advance(at_two, DOWN, 191.0, thresholds)[0].consecutive_down == 1


def test_first_down_after_a_reset_counts_however_soon() -> None:
    """After a healthy reset the time is stamped but the counter is zero: no spacing applies."""
    reset, _ = rules.advance(AT_ONE, HEALTHY, 1030.0, Thresholds())
    state, note = rules.advance(reset, DOWN, 1035.0, Thresholds())
    assert state == OrchestratorState(1, 0, 1035.0)
    assert note == "counter 1/3"


def test_a_counter_without_a_time_counts_on() -> None:
    """A state item written without a time (never by this code) does not block counting."""
    state, note = rules.advance(OrchestratorState(consecutive_down=2), DOWN, 50.0, Thresholds())
    assert state == OrchestratorState(3, 0, 50.0)
    assert note == "counter 3/3"


@pytest.mark.parametrize(
    ("down", "verdict", "needed"),
    [
        (2, Verdict.DOWN, False),
        (3, Verdict.DOWN, True),
        (4, Verdict.DOWN, True),
        (3, Verdict.INCONCLUSIVE, False),
        (3, Verdict.HEALTHY, False),
    ],
)
def test_gates_are_read_only_for_a_down_verdict_at_n(
    down: int, verdict: Verdict, needed: bool
) -> None:
    state = OrchestratorState(consecutive_down=down)
    assert rules.needs_gates(state, Assessment(verdict, ""), Thresholds()) is needed
