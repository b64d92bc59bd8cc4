"""Vantage points outside the primary region: the third-region probe's alarm, and a ``down``
verdict from two of them getting no response at all, with literal signals and reasons."""

from __future__ import annotations

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Assessment,
    Signal,
    SignalName,
    SignalState,
    Verdict,
)
from tests.rules.common import H, K, U

THIRD = "us-west-2"


def from_response(text: str) -> str:
    """The string as an API response parser yields it: equal, but a new object, never the
    interned literal (``"OK" is "OK"`` holds in CPython; a parsed ``"OK"`` is another str)."""
    return "".join(list(text))


@pytest.mark.parametrize(
    ("value", "error", "expected"),
    [
        # the alarm is on NoResponse: OK only says the primary answered (a 503 is an answer)
        (
            "OK",
            None,
            Signal(SignalName.REMOTE_PROBE, K, "primary answers from us-west-2 (any status)"),
        ),
        (
            "ALARM",
            None,
            Signal(SignalName.REMOTE_PROBE, U, "no response from us-west-2", no_response=True),
        ),
        (
            "INSUFFICIENT_DATA",
            None,
            Signal(SignalName.REMOTE_PROBE, K, "probe alarm in us-west-2 INSUFFICIENT_DATA"),
        ),
        (None, None, Signal(SignalName.REMOTE_PROBE, K, "probe alarm in us-west-2 not found")),
        (
            None,
            "unreadable: TimeoutError",
            Signal(SignalName.REMOTE_PROBE, K, "unreadable: TimeoutError"),
        ),
        ("ok", None, Signal(SignalName.REMOTE_PROBE, K, "probe alarm in us-west-2 ok")),
    ],
)
def test_remote_probe_alarm_states(value: str | None, error: str | None, expected: Signal) -> None:
    assert rules.remote_probe_signal(value, THIRD, error) == expected


def test_alarm_states_are_compared_by_value_not_identity() -> None:
    """StateValue comes out of a parsed CloudWatch response: a distinct string object."""
    literal = "OK"
    ok, alarm = from_response(literal), from_response("ALARM")
    assert ok == literal
    assert ok is not literal  # the point of the test: an equal string, another object
    assert rules.alarm_signal(ok) == Signal(SignalName.ALARM, H, "alarm OK")
    assert rules.alarm_signal(alarm) == Signal(SignalName.ALARM, U, "alarm in ALARM")
    assert rules.remote_probe_signal(ok, THIRD) == Signal(
        SignalName.REMOTE_PROBE, K, "primary answers from us-west-2 (any status)"
    )
    assert rules.remote_probe_signal(alarm, THIRD) == Signal(
        SignalName.REMOTE_PROBE, U, "no response from us-west-2", no_response=True
    )


def silent(name: SignalName, state: SignalState = K) -> Signal:
    return Signal(name, state, "", no_response=True)


def read(name: SignalName, state: SignalState) -> Signal:
    return Signal(name, state, "")


R53, PROBE, ALARM, REMOTE = (
    SignalName.ROUTE53,
    SignalName.PROBE,
    SignalName.ALARM,
    SignalName.REMOTE_PROBE,
)


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        # a full us-east-1 outage: Route 53 and CloudWatch of us-east-1 unreadable, the own
        # probe times out (unknown by default) and the third region's alarm is in ALARM
        (
            [read(R53, K), silent(PROBE), read(ALARM, K), silent(REMOTE, U)],
            Assessment(
                Verdict.DOWN,
                "no response from 2 independent vantage points: route53_health_check=unknown, "
                "direct_probe=unknown, primary_alarm=unknown, remote_probe=unhealthy",
            ),
        ),
        # both vantage points silent and every other signal unknown: still down
        (
            [read(R53, K), silent(PROBE), read(ALARM, K), silent(REMOTE)],
            Assessment(
                Verdict.DOWN,
                "no response from 2 independent vantage points: route53_health_check=unknown, "
                "direct_probe=unknown, primary_alarm=unknown, remote_probe=unknown",
            ),
        ),
        # one silent vantage point alone is not enough: nothing unhealthy, so inconclusive
        (
            [read(R53, K), silent(PROBE), read(ALARM, K), read(REMOTE, K)],
            Assessment(
                Verdict.INCONCLUSIVE,
                "no signal could be read: route53_health_check=unknown, "
                "direct_probe=unknown, primary_alarm=unknown, remote_probe=unknown",
            ),
        ),
        # one silent vantage point that counts as unhealthy: down by the ordinary rule
        (
            [read(R53, K), silent(PROBE, U), read(ALARM, K), read(REMOTE, K)],
            Assessment(
                Verdict.DOWN,
                "no signal says healthy: route53_health_check=unknown, "
                "direct_probe=unhealthy, primary_alarm=unknown, remote_probe=unknown",
            ),
        ),
        # a readable healthy signal keeps the verdict healthy, however many are silent
        (
            [read(R53, H), silent(PROBE), read(ALARM, K), silent(REMOTE, U)],
            Assessment(
                Verdict.HEALTHY,
                "a signal says healthy (conflicting signals): route53_health_check=healthy, "
                "direct_probe=unknown, primary_alarm=unknown, remote_probe=unhealthy",
            ),
        ),
        (
            [read(R53, K), silent(PROBE), read(ALARM, H), silent(REMOTE)],
            Assessment(
                Verdict.HEALTHY,
                "a signal says healthy: route53_health_check=unknown, "
                "direct_probe=unknown, primary_alarm=healthy, remote_probe=unknown",
            ),
        ),
        # three silent vantage points are counted as three
        (
            [silent(R53), silent(PROBE), silent(REMOTE)],
            Assessment(
                Verdict.DOWN,
                "no response from 3 independent vantage points: route53_health_check=unknown, "
                "direct_probe=unknown, remote_probe=unknown",
            ),
        ),
    ],
)
def test_two_silent_vantage_points_make_a_down_verdict(
    signals: list[Signal], expected: Assessment
) -> None:
    assert rules.assess(signals) == expected
