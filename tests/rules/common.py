"""Helpers of the rule tests: signals by state, and one evaluation through the rules."""

from __future__ import annotations

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Assessment,
    Decision,
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
READY = GateReadings(SwitchState.ON, SecondaryReadiness(True, "ok"))
NAMES = (SignalName.ROUTE53, SignalName.PROBE, SignalName.ALARM)


def signals(*states: SignalState) -> list[Signal]:
    return [Signal(name, state, "") for name, state in zip(NAMES, states, strict=True)]


def evaluate(
    previous: OrchestratorState,
    verdict: Verdict,
    now: float,
    *,
    thresholds: Thresholds,
    gates: GateReadings | None = READY,
    problem: str | None = None,
) -> Decision:
    """advance() then decide(), as the engine chains them (gates read when needed)."""
    assessment = Assessment(verdict, verdict.value)
    counted, note = rules.advance(previous, assessment, now, thresholds)
    return rules.decide(
        previous=previous,
        counted=counted,
        counter_note=note,
        assessment=assessment,
        thresholds=thresholds,
        problem=problem,
        gates=gates if rules.needs_gates(counted, assessment, thresholds) else None,
    )
