"""PrimaryProbe: the vantage-point probe, its schedule and its no-response alarm."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.primary_probe import PrimaryProbe, PrimaryProbeProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack

KEY = "arn:aws:kms:us-west-2:111111111111:key/k"
TOPIC = "arn:aws:sns:us-west-2:111111111111:payment-processing-alerts-usw2-test"
URL = "https://api-use1-test.payments.example.com/health"


def props(bundle: Bundle, **overrides: Any) -> PrimaryProbeProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-west-2",
        "primary_region": "us-east-1",
        "bundle": bundle,
        "kms_key_arn": KEY,
        "url": URL,
    }
    values.update(overrides)
    return PrimaryProbeProps(**values)


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        PrimaryProbe(stack, "probe", props(bundle))
        PrimaryProbe(
            stack,
            "pager",
            props(
                bundle,
                namer=Namer("tst2"),
                alarm_topic_arn=TOPIC,
                alarm_evaluation_periods=3,
                probe_timeout_seconds=2.5,
            ),
        )

    return synth_stack(build, region="us-west-2")


def test_function_probes_the_url_outside_any_vpc(synth: Synth, bundle: Bundle) -> None:
    function = synth.find("aws_lambda_function", "probe_function")
    assert function["function_name"] == "payment-processing-primary-probe-usw2-test"
    assert function["handler"] == "payment_service.primary_probe.handler"
    assert function["environment"]["variables"] == {
        "PROBE_URL": URL,
        "PROBE_TIMEOUT_SECONDS": "5",
        "ENVIRONMENT_SUFFIX": "test",
    }
    assert "vpc_config" not in function
    assert function["timeout"] == 15
    assert function["memory_size"] == 128
    assert function["kms_key_arn"] == KEY
    assert function["source_code_hash"] == bundle.sha256_base64
    other = synth.find("aws_lambda_function", "pager_function")
    assert other["environment"]["variables"]["PROBE_TIMEOUT_SECONDS"] == "2.5"


def test_role_may_only_write_its_logs_and_traces(synth: Synth) -> None:
    policy = synth.find("aws_iam_role_policy", "probe_function_role-policy")
    statements = synth.policy_document(policy["policy"])["statement"]
    assert [(s["sid"], s["actions"]) for s in statements] == [
        ("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]),
        ("SendTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
    ]
    log_group = synth.find("aws_cloudwatch_log_group", "probe_function_logs")
    assert log_group["name"] == "/aws/lambda/payment-processing-primary-probe-usw2-test"
    assert log_group["kms_key_id"] == KEY


def test_scheduled_every_minute(synth: Synth) -> None:
    rule = synth.find("aws_cloudwatch_event_rule", "probe_schedule")
    assert rule["name"] == "payment-processing-primary-probe-usw2-test"
    assert rule["schedule_expression"] == "rate(1 minute)"
    target = synth.find("aws_cloudwatch_event_target", "probe_schedule-target")
    assert target["arn"].startswith("${aws_lambda_function.probe_function_")
    permission = synth.find("aws_lambda_permission", "probe_schedule-permission")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"].startswith("${aws_cloudwatch_event_rule.probe_schedule_")
    assert permission["function_name"].startswith("${aws_lambda_function.probe_function_")


def test_alarm_on_no_response_in_the_probe_region(synth: Synth) -> None:
    alarm = synth.find("aws_cloudwatch_metric_alarm", "probe_no-response")
    assert {key: value for key, value in alarm.items() if key != "//"} == {
        "alarm_name": "payment-processing-primary-no-response-usw2-test",
        "alarm_description": "No answer at all from the primary region's /health, probed "
        "from us-west-2, for 2 minute(s) in a row",
        "namespace": "PaymentDR/PrimaryProbe",
        "metric_name": "NoResponse",
        "dimensions": {"Environment": "test", "ProbeRegion": "us-west-2"},
        "statistic": "Minimum",
        "period": 60,
        "evaluation_periods": 2,
        "datapoints_to_alarm": 2,
        "threshold": 1,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "treat_missing_data": "missing",
    }
    paging = synth.find("aws_cloudwatch_metric_alarm", "pager_no-response")
    assert paging["alarm_actions"] == [TOPIC]
    assert paging["ok_actions"] == [TOPIC]
    assert paging["evaluation_periods"] == 3
    assert paging["datapoints_to_alarm"] == 3
    assert paging["dimensions"] == {"Environment": "tst2", "ProbeRegion": "us-west-2"}


def test_runtime_publishes_what_the_alarm_reads() -> None:
    # The alarm (synthesized above) and the runtime's EMF record must agree on the
    # namespace, metric and dimensions, or the alarm stays INSUFFICIENT_DATA forever.
    from payment_service.orchestrator.probes import ProbeResult
    from payment_service.primary_probe import ProbeSettings, emf_record

    record = emf_record(
        ProbeSettings(url=URL, region="us-west-2", environment_suffix="test"),
        ProbeResult(None, error="TimeoutError"),
        5001.0,
        1_700_000_000_000,
    )
    directive = json.loads(json.dumps(record))["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PaymentDR/PrimaryProbe"
    assert directive["Dimensions"] == [["Environment", "ProbeRegion"]]
    assert {"Name": "NoResponse", "Unit": "Count"} in directive["Metrics"]
    assert (record["Environment"], record["ProbeRegion"], record["NoResponse"]) == (
        "test",
        "us-west-2",
        1,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "us-east-1"}, "region"),
        ({"region": "nowhere"}, "region"),
        ({"url": "http://api-use1-test.payments.example.com/health"}, "url"),
        ({"url": "api-use1-test.payments.example.com"}, "url"),
        ({"probe_timeout_seconds": 0.4}, "probe_timeout_seconds"),
        ({"probe_timeout_seconds": 11}, "probe_timeout_seconds"),
        ({"alarm_evaluation_periods": 0}, "alarm_evaluation_periods"),
        ({"alarm_evaluation_periods": 11}, "alarm_evaluation_periods"),
    ],
)
def test_invalid_props_are_refused(bundle: Bundle, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        props(bundle, **overrides).validate()
    assert caught.value.field == field
