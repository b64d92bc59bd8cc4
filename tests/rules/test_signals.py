"""Reading each signal, at the edges of each rule: literal states and details."""

from __future__ import annotations

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import Signal, SignalName, SignalState

H, U, K = SignalState.HEALTHY, SignalState.UNHEALTHY, SignalState.UNKNOWN


@pytest.mark.parametrize(
    ("healthy", "total", "state", "detail"),
    [
        (1, 1, H, "1/1 checkers report success"),
        (0, 1, U, "0/1 checkers report success"),
        (5, 8, H, "5/8 checkers report success"),
        # exactly half is no majority
        (4, 8, K, "4/8 checkers report success (neither majority nor 18%)"),
        (1, 2, K, "1/2 checkers report success (neither majority nor 18%)"),
        # 18 % of 50 is 9: 9 healthy is unhealthy (18 % or fewer), 10 is not
        (9, 50, U, "9/50 checkers report success"),
        (10, 50, K, "10/50 checkers report success (neither majority nor 18%)"),
        # 18 % of 11 is 1.98: one healthy checker is unhealthy, two are not
        (1, 11, U, "1/11 checkers report success"),
        (2, 11, K, "2/11 checkers report success (neither majority nor 18%)"),
        (0, 16, U, "0/16 checkers report success"),
        (16, 16, H, "16/16 checkers report success"),
    ],
)
def test_route53_majority_and_18_percent_boundaries(
    healthy: int, total: int, state: SignalState, detail: str
) -> None:
    # unhealthy reports first, so order cannot matter to a correct count
    observations = [False] * (total - healthy) + [True] * healthy
    assert rules.route53_signal(observations) == Signal(SignalName.ROUTE53, state, detail)


def test_route53_without_observations_is_unknown() -> None:
    assert rules.route53_signal([]) == Signal(SignalName.ROUTE53, K, "no checker observations")


@pytest.mark.parametrize(
    ("status", "state", "detail"),
    [
        (199, K, "HTTP 199 (not a health answer)"),
        (200, H, "HTTP 200"),
        (201, K, "HTTP 201 (not a health answer)"),
        (204, K, "HTTP 204 (not a health answer)"),
        (499, K, "HTTP 499 (not a health answer)"),
        (500, U, "HTTP 500"),
        (503, U, "HTTP 503"),
        (599, U, "HTTP 599"),
        (600, K, "HTTP 600 (not a health answer)"),
        (404, K, "HTTP 404 (not a health answer)"),
    ],
)
def test_probe_status_boundaries(status: int, state: SignalState, detail: str) -> None:
    assert rules.probe_signal(status) == Signal(SignalName.PROBE, state, detail)


def test_probe_without_response_is_unknown_unless_opted_in() -> None:
    # No answer at all is marked as such: it is what a vantage point sees of a region outage.
    assert rules.probe_signal(None, "timed out after 5s") == Signal(
        SignalName.PROBE, K, "no response: timed out after 5s", no_response=True
    )
    assert rules.probe_signal(None) == Signal(
        SignalName.PROBE, K, "no response: error", no_response=True
    )
    assert rules.probe_signal(None, error="reset") == Signal(
        SignalName.PROBE, K, "no response: reset", no_response=True
    )
    assert rules.probe_signal(None, "refused", no_response_unhealthy=True) == Signal(
        SignalName.PROBE, U, "no response: refused", no_response=True
    )
    assert rules.probe_signal(503).no_response is False
    # the opt-in changes only the no-response case
    assert rules.probe_signal(200, no_response_unhealthy=True).state is H
    assert rules.probe_signal(404, no_response_unhealthy=True).state is K


@pytest.mark.parametrize(
    ("value", "error", "state", "detail"),
    [
        ("OK", None, H, "alarm OK"),
        ("ALARM", None, U, "alarm in ALARM"),
        ("INSUFFICIENT_DATA", None, K, "alarm INSUFFICIENT_DATA"),
        (None, None, K, "alarm not found"),
        (None, "AccessDenied", K, "AccessDenied"),
        ("ok", None, K, "alarm ok"),
    ],
)
def test_alarm_states(
    value: str | None, error: str | None, state: SignalState, detail: str
) -> None:
    assert rules.alarm_signal(value, error) == Signal(SignalName.ALARM, state, detail)
