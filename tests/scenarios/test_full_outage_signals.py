"""A whole us-east-1 outage seen from outside it, and a DynamoDB-only fault that must not
fail over.

In a regional outage the Route 53 API (control plane in us-east-1) and the us-east-1
CloudWatch API hang until their client timeouts, and the primary's direct hostname is
black-holed. The orchestrator must decide from vantage points outside us-east-1, within its
evaluation budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3  # type: ignore[import-untyped]
import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.model import (
    Action,
    Evidence,
    OrchestratorState,
    Signal,
    SignalName,
    Thresholds,
    Verdict,
)
from payment_service.orchestrator.probes import ProbeResult
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.scenarios.conftest import PRIMARY_URL, SECONDARY, SECONDARY_URL, World
from tests.scenarios.fakes import (
    DOWN_BODY,
    STANDBY_BODY,
    WRITING_BODY,
    BlackholedProbe,
    HangingApi,
)

THIRD = "us-west-2"
REMOTE_ALARM = "payment-processing-primary-probe-usw2-scn"
LOCAL_ALARM = "payment-processing-primary-no-response-use2-scn"


def unknown(name: SignalName, detail: str = "unreadable: TimeoutError") -> Signal:
    return Signal(name, Evidence.UNKNOWN, detail)


def test_two_silent_regions_are_an_outage_without_any_us_east_1_signal() -> None:
    signals = (
        unknown(SignalName.ROUTE53),
        rules.probe_signal(None, error="TimeoutError", region=SECONDARY),
        unknown(SignalName.ALARM),
        rules.remote_probe_signal("ALARM", THIRD),
    )
    assessment = rules.assess(signals)
    assert assessment.verdict is Verdict.OUTAGE
    assert assessment.reason.startswith("no answer from 2 regions (us-east-2, us-west-2)")


def test_one_silent_region_alone_is_inconclusive() -> None:
    signals = (
        unknown(SignalName.ROUTE53),
        rules.probe_signal(None, error="TimeoutError", region=SECONDARY),
        unknown(SignalName.ALARM),
        rules.remote_probe_signal(None, THIRD, "unreadable: TimeoutError"),
    )
    assert rules.assess(signals).verdict is Verdict.INCONCLUSIVE


def test_a_region_that_still_reaches_the_primary_makes_a_partition_not_an_outage() -> None:
    # us-east-2 cannot reach the primary but us-west-2 can: a conflict, never a move
    signals = (
        unknown(SignalName.ROUTE53),
        rules.probe_signal(None, error="TimeoutError", region=SECONDARY),
        unknown(SignalName.ALARM),
        rules.remote_probe_signal("OK", THIRD),
    )
    assert rules.assess(signals).verdict is Verdict.CONFLICT


def test_a_primary_whose_database_is_down_behind_an_answering_api_is_database_down() -> None:
    # the probe alarms (NoResponse) stay OK: an answer is not health
    signals = (
        rules.route53_signal([False] * 8),
        rules.probe_signal(503, DOWN_BODY, region=SECONDARY),
        rules.alarm_signal("ALARM"),
        rules.remote_probe_signal("OK", THIRD),
        rules.no_response_alarm_signal(SignalName.SECONDARY_PROBE, "OK", SECONDARY),
    )
    assessment = rules.assess(signals)
    assert assessment.verdict is Verdict.DATABASE_DOWN
    assert assessment.reason.startswith("the API answers, its database is down")


def test_a_dynamodb_only_fault_in_us_east_1_never_fails_over() -> None:
    # /health answers 200 "degraded" (database writing) when only the DynamoDB cache fails:
    # even a counter one short of N is reset and nothing is decided.
    thresholds = Thresholds(consecutive_failures=3)
    previous = OrchestratorState(consecutive_down=2, last_counted_at=1000.0)
    degraded = WRITING_BODY.replace('"status": "ok"', '"status": "degraded"')
    signals = (
        rules.route53_signal([True] * 8),
        rules.probe_signal(200, degraded, region=SECONDARY),
        rules.alarm_signal("OK"),
    )
    assessment = rules.assess(signals)
    counted, note = rules.advance(previous, assessment, 1060.0, thresholds)
    decision = rules.decide(
        previous=previous,
        counted=counted,
        counter_note=note,
        assessment=assessment,
        thresholds=thresholds,
        problem=None,
        gates=None,
        now=1060.0,
    )
    assert assessment.verdict is Verdict.HEALTHY
    assert decision.action is Action.NONE
    assert decision.state.consecutive_down == 0


@pytest.fixture
def outage(world: World) -> Iterator[tuple[World, HangingApi, HangingApi, BlackholedProbe]]:
    route53 = HangingApi(("get_health_check_status",), hang_seconds=30.0)
    cloudwatch = HangingApi(("describe_alarms",), hang_seconds=30.0)
    probe = BlackholedProbe(
        blackholed={PRIMARY_URL}, answers={SECONDARY_URL: ProbeResult(503, STANDBY_BODY)}
    )
    remote = boto3.client("cloudwatch", region_name=THIRD)
    remote.put_metric_alarm(
        AlarmName=REMOTE_ALARM,
        Namespace="PaymentDR/Probe",
        MetricName="PrimaryReachable",
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
    )
    remote.set_alarm_state(AlarmName=REMOTE_ALARM, StateValue="ALARM", StateReason="outage")
    # This region's own probe alarm: every probe of its two minutes went unanswered too.
    local = boto3.client("cloudwatch", region_name=SECONDARY)
    local.put_metric_alarm(
        AlarmName=LOCAL_ALARM,
        Namespace="PaymentDR/Probe",
        MetricName="NoResponse",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    local.set_alarm_state(AlarmName=LOCAL_ALARM, StateValue="ALARM", StateReason="outage")
    yield world, route53, cloudwatch, probe
    for hanging in (route53, cloudwatch):
        hanging.release()
    probe.released.set()


def _orchestrator(
    world: World, route53: HangingApi, cloudwatch: HangingApi, probe: BlackholedProbe, **env: str
) -> Orchestrator:
    settings = OrchestratorSettings.from_env(
        world.env(
            REMOTE_PROBE_REGION=THIRD,
            REMOTE_PROBE_ALARM_NAME=REMOTE_ALARM,
            SECONDARY_PROBE_ALARM_NAME=LOCAL_ALARM,
            **env,
        )
    )
    clients = Clients(
        rds=world.rds.client(SECONDARY),
        route53=route53,
        cloudwatch=cloudwatch,
        ssm=world.ssm,
        dynamodb=world.dynamodb,
        sns=world.sns,
        remote_alarms=boto3.client("cloudwatch", region_name=THIRD),
        local_alarms=boto3.client("cloudwatch", region_name=SECONDARY),
        local_metrics=boto3.client("cloudwatch", region_name=SECONDARY),
    )
    return Orchestrator(settings, clients, probe=probe, clock=world.clock, sleep=world.sleeps)


def test_full_outage_fails_over_by_itself_while_us_east_1_apis_hang(
    outage: tuple[World, HangingApi, HangingApi, BlackholedProbe],
) -> None:
    world, route53, cloudwatch, probe = outage
    orchestrator = _orchestrator(
        world,
        route53,
        cloudwatch,
        probe,
        CONSECUTIVE_FAILURES="2",
        PROBE_TIMEOUT_SECONDS="0.5",
        SIGNALS_BUDGET_SECONDS="1",
        GATES_BUDGET_SECONDS="1",
        FUNCTION_TIMEOUT_SECONDS="12",
    )
    first = world.evaluate(orchestrator)
    second = world.evaluate(orchestrator)

    assert (first.action, first.verdict) == (Action.NONE, "outage")
    assert second.action is Action.FAIL_OVER
    evidence = {s.name.value: (s.evidence.value, s.region) for s in second.signals}
    assert evidence == {
        "route53_health_check": ("unknown", None),
        "direct_probe": ("silent", "us-east-2"),
        "primary_alarm": ("unknown", None),
        "remote_probe": ("silent", "us-west-2"),
        "secondary_probe": ("silent", "us-east-2"),
    }
    # No RPO lag datapoint from the secondary: the primary's database is not shown healthy.
    assert "no AuroraGlobalDBRPOLag datapoint" in second.reason
    assert route53.calls == ["get_health_check_status"] * 2
    assert cloudwatch.calls == ["describe_alarms"] * 2
    assert world.failover_calls() == [
        {
            "GlobalClusterIdentifier": world.names.global_cluster,
            "TargetDbClusterIdentifier": world.rds.secondary_arn,
            "AllowDataLoss": True,
        }
    ]


def test_one_evaluation_fits_in_the_function_timeout_when_every_us_east_1_call_hangs(
    outage: tuple[World, HangingApi, HangingApi, BlackholedProbe],
) -> None:
    world, route53, cloudwatch, probe = outage
    probe.ignores_timeout = True  # even a probe that hangs past its own timeout
    orchestrator = _orchestrator(
        world,
        route53,
        cloudwatch,
        probe,
        CONSECUTIVE_FAILURES="1",
        PROBE_TIMEOUT_SECONDS="0.5",
        SIGNALS_BUDGET_SECONDS="1",
        GATES_BUDGET_SECONDS="1",
        FUNCTION_TIMEOUT_SECONDS="12",
    )
    started = time.monotonic()
    record = world.evaluate(orchestrator)
    elapsed = time.monotonic() - started

    # The hangs last 30 s; the function would time out at 12 s.
    assert elapsed < 3.0
    assert record.action is Action.FAIL_OVER
    details = {s.name.value: s.detail for s in record.signals}
    assert details["direct_probe"] == "no answer within the 1s budget"
    assert details["route53_health_check"] == "no answer within the 1s budget"


def test_budgets_that_do_not_fit_the_function_timeout_are_refused(world: World) -> None:
    with pytest.raises(Exception, match="exceed FUNCTION_TIMEOUT_SECONDS=30"):
        OrchestratorSettings.from_env(
            world.env(SIGNALS_BUDGET_SECONDS="12", GATES_BUDGET_SECONDS="9")
        )
    with pytest.raises(Exception, match="PROBE_TIMEOUT_SECONDS=5 is not below"):
        OrchestratorSettings.from_env(
            world.env(PROBE_TIMEOUT_SECONDS="5", SIGNALS_BUDGET_SECONDS="5")
        )
    with pytest.raises(Exception, match="REMOTE_PROBE_REGION='us-west' is invalid"):
        OrchestratorSettings.from_env(
            world.env(REMOTE_PROBE_REGION="us-west", REMOTE_PROBE_ALARM_NAME="a")
        )
