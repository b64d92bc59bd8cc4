"""Helpers of the rule tests: signals by evidence, and one evaluation through the rules."""

from __future__ import annotations

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import (
    Assessment,
    DatabaseHealth,
    Decision,
    Evidence,
    GateReadings,
    OrchestratorState,
    SecondaryReadiness,
    Signal,
    SignalName,
    SwitchState,
    Thresholds,
    Verdict,
)

SECONDARY_REGION = "us-east-2"
PROBE_REGION = "us-west-2"
HEALTHY_DB = DatabaseHealth(True, "available, secondary connected, RPO lag 1s 30s ago")
UNPROVEN_DB = DatabaseHealth(False, "no AuroraGlobalDBRPOLag datapoint")
READY = GateReadings(SwitchState.ON, SecondaryReadiness(True, "ok"), UNPROVEN_DB)
READY_HEALTHY_DB = GateReadings(SwitchState.ON, SecondaryReadiness(True, "ok"), HEALTHY_DB)


def route53(evidence: Evidence) -> Signal:
    return Signal(SignalName.ROUTE53, evidence, "")


def probe(evidence: Evidence) -> Signal:
    return Signal(SignalName.PROBE, evidence, "", SECONDARY_REGION)


def alarm(evidence: Evidence) -> Signal:
    return Signal(SignalName.ALARM, evidence, "")


def local_alarm(evidence: Evidence) -> Signal:
    return Signal(SignalName.SECONDARY_PROBE, evidence, "", SECONDARY_REGION)


def remote_alarm(evidence: Evidence) -> Signal:
    return Signal(SignalName.REMOTE_PROBE, evidence, "", PROBE_REGION)


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
        now=now,
    )
