"""The failover automation: the switch, the orchestrator's last decision and schedule, the
probes publishing, the standby functions' concurrency, and the alarms that must report."""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY  # type: ignore[import-untyped]

from payment_service.readiness.checks.alarms import alarms_reporting
from payment_service.readiness.checks.automation import (
    auto_failover_switch,
    orchestrator_decisions,
    orchestrator_schedule,
    probes_publishing,
    standby_concurrency,
)
from payment_service.readiness.model import Outcome
from tests.readiness.support import (
    API_FUNCTION,
    DECISIONS,
    NOW_EPOCH,
    ORCHESTRATOR_FUNCTION,
    PRIMARY,
    PRIMARY_ALARMS,
    PROBE,
    RULE,
    SECONDARY,
    SECONDARY_ALARMS,
    SUFFIX,
    SWITCH,
    Stubs,
    client_error,
    datapoints,
    hanging,
    run_check,
)

# --- switch -----------------------------------------------------------------------------------


def stub_switch(stubs: Stubs, value: str) -> None:
    stubs.stub("ssm", SECONDARY).add_response(
        "get_parameter",
        {"Parameter": {"Name": SWITCH, "Type": "String", "Value": value, "Version": 3}},
        {"Name": SWITCH},
    )


def test_switch_passes_only_when_true() -> None:
    stubs = Stubs()
    stub_switch(stubs, "true")
    assert run_check(stubs, auto_failover_switch).outcome is Outcome.PASS
    stubs = Stubs()
    stub_switch(stubs, "false")
    result = run_check(stubs, auto_failover_switch)
    assert result.outcome is Outcome.FAIL
    assert result.reason == f"{SWITCH} = 'false': automatic failover is off"


def test_switch_fails_when_missing_and_is_unknown_when_unreadable() -> None:
    stubs = Stubs()
    client_error(stubs.stub("ssm", SECONDARY), "get_parameter", "ParameterNotFound")
    assert run_check(stubs, auto_failover_switch).outcome is Outcome.FAIL
    stubs = Stubs()
    client_error(stubs.stub("ssm", SECONDARY), "get_parameter", "InternalServerError", 500)
    result = run_check(stubs, auto_failover_switch)
    assert (result.outcome, result.reason) == (Outcome.UNKNOWN, "InternalServerError")


# --- last decision ----------------------------------------------------------------------------


def decisions(*ages: float) -> dict[str, Any]:
    """Query of the decision partition, newest first (as the orchestrator's store writes it)."""
    return {
        "Items": [
            {
                "pk": {"S": "DECISION"},
                "sk": {"S": f"2025-06-02T11:59:00.000Z#{index}"},
                "evaluated_at": {"N": str(NOW_EPOCH - age)},
                "action": {"S": "none"},
                "reason": {"S": "the database is writing"},
            }
            for index, age in enumerate(ages)
        ],
        "Count": len(ages),
        "ScannedCount": len(ages),
    }


def stub_decisions(stubs: Stubs, response: dict[str, Any]) -> None:
    stubs.stub("dynamodb", SECONDARY).add_response(
        "query",
        response,
        {
            "TableName": DECISIONS,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "DECISION"}},
            "ScanIndexForward": False,
            "Limit": 1,
        },
    )


def test_decisions_pass_when_the_orchestrator_decided_recently() -> None:
    stubs = Stubs()
    stub_decisions(stubs, decisions(45))
    result = run_check(stubs, orchestrator_decisions)
    assert (result.outcome, result.reason) == (Outcome.PASS, "last decision 45 s ago: none")


def test_decisions_fail_when_stale_or_absent() -> None:
    stubs = Stubs()
    stub_decisions(stubs, decisions(900))
    result = run_check(stubs, orchestrator_decisions)
    assert result.outcome is Outcome.FAIL
    assert "900 s old (limit 300 s)" in result.reason
    stubs = Stubs()
    stub_decisions(stubs, decisions())
    assert run_check(stubs, orchestrator_decisions).outcome is Outcome.FAIL


def test_decisions_unknown_when_dynamodb_does_not_answer() -> None:
    stubs = Stubs()
    with hanging(stubs, "dynamodb", SECONDARY):
        result = run_check(stubs, orchestrator_decisions, CHECKS_BUDGET_SECONDS="1.5")
    assert (result.outcome, result.reason) == (Outcome.UNKNOWN, "no answer within the 1.5 s budget")


# --- schedule ---------------------------------------------------------------------------------


def rule(state: str) -> dict[str, Any]:
    return {
        "Name": RULE,
        "Arn": f"arn:aws:events:us-east-2:111111111111:rule/{RULE}",
        "ScheduleExpression": "rate(1 minute)",
        "State": state,
        "EventBusName": "default",
    }


def test_schedule_passes_when_enabled_and_fails_when_disabled_or_missing() -> None:
    stubs = Stubs()
    stubs.stub("events", SECONDARY).add_response("describe_rule", rule("ENABLED"), {"Name": RULE})
    result = run_check(stubs, orchestrator_schedule)
    assert (result.outcome, result.reason) == (
        Outcome.PASS,
        f"rule {RULE} ENABLED, rate(1 minute)",
    )
    stubs = Stubs()
    stubs.stub("events", SECONDARY).add_response("describe_rule", rule("DISABLED"), {"Name": RULE})
    assert run_check(stubs, orchestrator_schedule).outcome is Outcome.FAIL
    stubs = Stubs()
    client_error(stubs.stub("events", SECONDARY), "describe_rule", "ResourceNotFoundException")
    assert run_check(stubs, orchestrator_schedule).outcome is Outcome.FAIL
    stubs = Stubs()
    client_error(stubs.stub("events", SECONDARY), "describe_rule", "InternalException", 500)
    assert run_check(stubs, orchestrator_schedule).outcome is Outcome.UNKNOWN


# --- probes -----------------------------------------------------------------------------------


def stub_probe(stubs: Stubs, region: str, response: dict[str, Any]) -> None:
    stubs.stub("cloudwatch", region).add_response(
        "get_metric_statistics",
        response,
        {
            "Namespace": "PaymentDR/PrimaryProbe",
            "MetricName": "NoResponse",
            "Dimensions": [
                {"Name": "Environment", "Value": SUFFIX},
                {"Name": "ProbeRegion", "Value": region},
            ],
            "StartTime": ANY,
            "EndTime": ANY,
            "Period": 60,
            "Statistics": ["SampleCount"],
        },
    )


def test_probes_pass_when_both_published_in_five_minutes() -> None:
    stubs = Stubs()
    stub_probe(stubs, SECONDARY, datapoints("SampleCount", 1.0, 1.0, 1.0))
    stub_probe(stubs, PROBE, datapoints("SampleCount", 1.0))
    result = run_check(stubs, probes_publishing)
    assert result.outcome is Outcome.PASS
    assert result.reason == (
        "the probe in us-east-2 published 3 result(s) in 5 minutes; "
        "the probe in us-west-2 published 1 result(s) in 5 minutes"
    )


def test_probes_fail_when_one_is_silent_and_are_unknown_when_unreadable() -> None:
    stubs = Stubs()
    stub_probe(stubs, SECONDARY, datapoints("SampleCount", 1.0))
    stub_probe(stubs, PROBE, {"Label": "NoResponse", "Datapoints": []})
    result = run_check(stubs, probes_publishing)
    assert result.outcome is Outcome.FAIL
    assert "the probe in us-west-2 published nothing in 5 minutes" in result.reason
    stubs = Stubs()
    stub_probe(stubs, SECONDARY, datapoints("SampleCount", 1.0))
    client_error(stubs.stub("cloudwatch", PROBE), "get_metric_statistics", "Throttling")
    result = run_check(stubs, probes_publishing)
    assert result.outcome is Outcome.UNKNOWN
    assert "probe in us-west-2: Throttling" in result.reason


# --- concurrency ------------------------------------------------------------------------------


def stub_concurrency(stubs: Stubs, name: str, response: dict[str, Any] | None) -> None:
    stub = stubs.stub("lambda", SECONDARY)
    if response is None:
        client_error(stub, "get_function_concurrency", "ResourceNotFoundException", 404)
    else:
        stub.add_response("get_function_concurrency", response, {"FunctionName": name})


def test_concurrency_passes_unreserved_or_reserved_above_zero() -> None:
    stubs = Stubs()
    stub_concurrency(stubs, API_FUNCTION, {})
    stub_concurrency(stubs, ORCHESTRATOR_FUNCTION, {"ReservedConcurrentExecutions": 5})
    result = run_check(stubs, standby_concurrency)
    assert result.outcome is Outcome.PASS
    assert result.reason == f"{API_FUNCTION}: unreserved; {ORCHESTRATOR_FUNCTION}: 5 reserved"
    stubs.assert_no_pending()


def test_concurrency_fails_at_zero_or_for_a_missing_function() -> None:
    stubs = Stubs()
    stub_concurrency(stubs, API_FUNCTION, {"ReservedConcurrentExecutions": 0})
    stub_concurrency(stubs, ORCHESTRATOR_FUNCTION, None)
    result = run_check(stubs, standby_concurrency)
    assert result.outcome is Outcome.FAIL
    assert f"{API_FUNCTION}: reserved concurrency 0, every invocation is throttled" in (
        result.reason
    )
    assert f"{ORCHESTRATOR_FUNCTION} does not exist" in result.reason


def test_concurrency_unknown_when_lambda_fails() -> None:
    stubs = Stubs()
    client_error(stubs.stub("lambda", SECONDARY), "get_function_concurrency", "ServiceException")
    stub_concurrency(stubs, ORCHESTRATOR_FUNCTION, {})
    result = run_check(stubs, standby_concurrency)
    assert result.outcome is Outcome.UNKNOWN
    assert f"{API_FUNCTION}: ServiceException" in result.reason


# --- alarms -----------------------------------------------------------------------------------


def alarms(states: dict[str, str]) -> dict[str, Any]:
    """DescribeAlarms by name: the metric alarms found, with their state."""
    return {
        "MetricAlarms": [
            {
                "AlarmName": name,
                "AlarmArn": f"arn:aws:cloudwatch:us-east-1:111111111111:alarm:{name}",
                "StateValue": state,
                "StateReason": "Threshold Crossed" if state != "INSUFFICIENT_DATA" else "no data",
                "MetricName": "Errors",
                "Namespace": "AWS/Lambda",
                "TreatMissingData": "missing",
            }
            for name, state in states.items()
        ],
        "CompositeAlarms": [],
    }


def stub_alarms(stubs: Stubs, region: str, names: tuple[str, ...], states: dict[str, str]) -> None:
    stubs.stub("cloudwatch", region).add_response(
        "describe_alarms", alarms(states), {"AlarmNames": list(names)}
    )


def test_alarms_pass_when_every_watched_alarm_reports() -> None:
    stubs = Stubs()
    stub_alarms(stubs, PRIMARY, PRIMARY_ALARMS, dict.fromkeys(PRIMARY_ALARMS, "OK"))
    stub_alarms(
        stubs,
        SECONDARY,
        SECONDARY_ALARMS,
        {SECONDARY_ALARMS[0]: "ALARM", SECONDARY_ALARMS[1]: "OK"},
    )
    result = run_check(stubs, alarms_reporting)
    assert result.outcome is Outcome.PASS
    assert result.reason == (
        "us-east-1: 2 alarm(s) reporting, 0 in ALARM; us-east-2: 2 alarm(s) reporting, 1 in ALARM"
    )


def test_alarms_fail_on_insufficient_data_or_a_missing_alarm() -> None:
    stubs = Stubs()
    stub_alarms(stubs, PRIMARY, PRIMARY_ALARMS, {PRIMARY_ALARMS[0]: "OK"})
    stub_alarms(
        stubs,
        SECONDARY,
        SECONDARY_ALARMS,
        {SECONDARY_ALARMS[0]: "OK", SECONDARY_ALARMS[1]: "INSUFFICIENT_DATA"},
    )
    result = run_check(stubs, alarms_reporting)
    assert result.outcome is Outcome.FAIL
    assert f"us-east-1: missing: {PRIMARY_ALARMS[1]}" in result.reason
    assert f"us-east-2: INSUFFICIENT_DATA: {SECONDARY_ALARMS[1]}" in result.reason


def test_alarms_unknown_for_a_region_that_does_not_answer() -> None:
    stubs = Stubs()
    stub_alarms(stubs, SECONDARY, SECONDARY_ALARMS, dict.fromkeys(SECONDARY_ALARMS, "OK"))
    with hanging(stubs, "cloudwatch", PRIMARY):
        result = run_check(stubs, alarms_reporting, CHECKS_BUDGET_SECONDS="1.5")
    assert result.outcome is Outcome.UNKNOWN
    assert result.reason == (
        "alarms in us-east-1: no answer within the budget; "
        "us-east-2: 2 alarm(s) reporting, 0 in ALARM"
    )
