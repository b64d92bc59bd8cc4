"""ReadinessEvaluator alone: every IAM statement pinned, the schedule, the alarm, and an
environment the runtime accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.readiness import (
    READINESS_CHECKS,
    READINESS_NAMESPACE,
    READY_METRIC,
    ReadinessEvaluator,
    ReadinessEvaluatorProps,
)
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Json, Synth, synth_stack

ACCOUNT = "111111111111"
KEY = f"arn:aws:kms:us-east-2:{ACCOUNT}:key/k2"
PRIMARY_CLUSTER = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:payment-processing-aurora-use1-test"
SECONDARY_CLUSTER = f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:payment-processing-aurora-use2-test"
TABLE_ARN = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/payment-processing-sessions-test"
BUCKET_ARN = "arn:aws:s3:::payment-processing-data-use1-test"
SECRET = (
    f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:payment-processing-api-client-keys-test-Ab1"
)
REPLICA = SECRET.replace(":us-east-1:", ":us-east-2:")
CERTIFICATES = (
    f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555",
    f"arn:aws:acm:us-east-2:{ACCOUNT}:certificate/66666666-7777-8888-9999-000000000000",
)
HEALTH_CHECK = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
ZONE = "Z0123456789ABCDEFGHIJ"
SWITCH = "/payment-processing-auto-failover-enabled-test"
DECISIONS = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/payment-processing-failover-decisions-test"
RULE = "payment-processing-failover-orchestrator-use2-test"
FUNCTIONS = ("payment-processing-payment-api-use2-test", RULE)
TOPIC = f"arn:aws:sns:us-east-2:{ACCOUNT}:payment-processing-alerts-use2-test"
ALARMS = {
    "us-east-1": ("payment-processing-api-primary-unhealthy-test",),
    "us-east-2": ("payment-processing-primary-no-response-use2-test",),
}


def props(bundle: Bundle, **overrides: Any) -> ReadinessEvaluatorProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-2",
        "primary_region": "us-east-1",
        "bundle": bundle,
        "kms_key_arn": KEY,
        "global_cluster_identifier": "payment-processing-aurora-global-test",
        "primary_cluster_arn": PRIMARY_CLUSTER,
        "secondary_cluster_arn": SECONDARY_CLUSTER,
        "session_table_name": "payment-processing-sessions-test",
        "session_table_arn": TABLE_ARN,
        "source_bucket_name": "payment-processing-data-use1-test",
        "source_bucket_arn": BUCKET_ARN,
        "destination_bucket_name": "payment-processing-data-use2-test",
        "replication_rule_id": "replicate-everything",
        "client_keys_secret_arn": SECRET,
        "client_keys_replica_arn": REPLICA,
        "certificate_arns": CERTIFICATES,
        "health_check_id": HEALTH_CHECK,
        "hosted_zone_id": ZONE,
        "api_domain_name": "api-test.payments.example.com",
        "switch_parameter_name": SWITCH,
        "decision_table_name": "payment-processing-failover-decisions-test",
        "decision_table_arn": DECISIONS,
        "orchestrator_rule_name": RULE,
        "probe_regions": ("us-east-2", "us-west-2"),
        "standby_function_names": FUNCTIONS,
        "watched_alarms": ALARMS,
        "alarm_topic_arn": TOPIC,
    }
    values.update(overrides)
    return ReadinessEvaluatorProps(**values)


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        ReadinessEvaluator(stack, "readiness", props(bundle))

    return synth_stack(build, region="us-east-2")


def statements(synth: Synth) -> dict[str, Json]:
    (policy,) = synth.resources("aws_iam_role_policy").values()
    document = synth.policy_document(policy["policy"])
    return {statement["sid"]: statement for statement in document["statement"]}


def test_every_statement_is_pinned_to_exact_actions_and_resources(synth: Synth) -> None:
    (caller,) = synth.data("aws_caller_identity")
    account = "${data.aws_caller_identity." + caller + ".account_id}"
    (log_group,) = synth.resources("aws_cloudwatch_log_group")
    logs = "${aws_cloudwatch_log_group." + log_group + ".arn}"

    def allow(sid: str, actions: list[str], resources: list[str], **extra: Any) -> Json:
        return {"sid": sid, "effect": "Allow", "actions": actions, "resources": resources, **extra}

    def leading_keys(partition: str) -> list[Json]:
        return [
            {
                "test": "ForAllValues:StringEquals",
                "variable": "dynamodb:LeadingKeys",
                "values": [partition],
            }
        ]

    assert statements(synth) == {
        "WriteOwnLogs": allow(
            "WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{logs}:*"]
        ),
        # X-Ray trace writes and CloudWatch metric reads have no resource types: "*" only
        "SendTraces": allow(
            "SendTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]
        ),
        "ReadMetricStatistics": allow(
            "ReadMetricStatistics", ["cloudwatch:GetMetricStatistics"], ["*"]
        ),
        "ReadGlobalCluster": allow(
            "ReadGlobalCluster",
            ["rds:DescribeGlobalClusters"],
            [f"arn:aws:rds::{account}:global-cluster:payment-processing-aurora-global-test"],
        ),
        "ReadClusters": allow(
            "ReadClusters", ["rds:DescribeDBClusters"], [PRIMARY_CLUSTER, SECONDARY_CLUSTER]
        ),
        "ReadSessionTableReplica": allow(
            "ReadSessionTableReplica", ["dynamodb:DescribeTable"], [TABLE_ARN]
        ),
        "ReadBucketReplication": allow(
            "ReadBucketReplication", ["s3:GetReplicationConfiguration"], [BUCKET_ARN]
        ),
        "DescribeClientKeySecret": allow(
            "DescribeClientKeySecret", ["secretsmanager:DescribeSecret"], [SECRET, REPLICA]
        ),
        "DescribeCertificates": allow(
            "DescribeCertificates", ["acm:DescribeCertificate"], list(CERTIFICATES)
        ),
        "ReadHealthCheck": allow(
            "ReadHealthCheck",
            ["route53:GetHealthCheck"],
            [f"arn:aws:route53:::healthcheck/{HEALTH_CHECK}"],
        ),
        "ReadFailoverRecords": allow(
            "ReadFailoverRecords",
            ["route53:ListResourceRecordSets"],
            [f"arn:aws:route53:::hostedzone/{ZONE}"],
        ),
        "ReadSwitch": allow(
            "ReadSwitch",
            ["ssm:GetParameter"],
            [f"arn:aws:ssm:us-east-2:{account}:parameter{SWITCH}"],
        ),
        "ReadLastDecision": allow(
            "ReadLastDecision", ["dynamodb:Query"], [DECISIONS], condition=leading_keys("DECISION")
        ),
        "RecordReadiness": allow(
            "RecordReadiness",
            ["dynamodb:PutItem"],
            [DECISIONS],
            condition=leading_keys("READINESS"),
        ),
        "UseTableKeyThroughDynamoDb": allow(
            "UseTableKeyThroughDynamoDb",
            ["kms:Decrypt", "kms:GenerateDataKey"],
            [KEY],
            condition=[
                {
                    "test": "StringEquals",
                    "variable": "kms:ViaService",
                    "values": ["dynamodb.us-east-2.amazonaws.com"],
                }
            ],
        ),
        "ReadOrchestratorSchedule": allow(
            "ReadOrchestratorSchedule",
            ["events:DescribeRule"],
            [f"arn:aws:events:us-east-2:{account}:rule/{RULE}"],
        ),
        "ReadStandbyConcurrency": allow(
            "ReadStandbyConcurrency",
            ["lambda:GetFunctionConcurrency"],
            [f"arn:aws:lambda:us-east-2:{account}:function:{name}" for name in FUNCTIONS],
        ),
        "ReadWatchedAlarms": allow(
            "ReadWatchedAlarms",
            ["cloudwatch:DescribeAlarms"],
            [
                f"arn:aws:cloudwatch:us-east-1:{account}:alarm:"
                "payment-processing-api-primary-unhealthy-test",
                f"arn:aws:cloudwatch:us-east-2:{account}:alarm:"
                "payment-processing-primary-no-response-use2-test",
            ],
        ),
    }


def test_function_runs_outside_the_vpc_with_a_timeout_that_holds_its_budget(
    synth: Synth, bundle: Bundle
) -> None:
    function = synth.find("aws_lambda_function", "readiness_function")
    assert function["function_name"] == "payment-processing-readiness-use2-test"
    assert function["handler"] == "payment_service.readiness.handler"
    assert "vpc_config" not in function
    assert (function["timeout"], function["memory_size"]) == (60, 256)
    assert function["kms_key_arn"] == KEY
    assert function["source_code_hash"] == bundle.sha256_base64
    role = synth.find("aws_iam_role", "readiness_function_role")
    assert role["name"] == "payment-processing-readiness-use2-test"


def test_environment_is_what_the_runtime_reads(synth: Synth) -> None:
    # The runtime is not a dependency of this package: skipped where it is not installed.
    settings_module = pytest.importorskip("payment_service.readiness.settings")
    reader: Any = settings_module.ReadinessSettings
    variables = synth.find("aws_lambda_function", "readiness_function")["environment"]["variables"]
    assert json.loads(variables["WATCHED_ALARMS"]) == {
        "prefix": "payment-processing-",
        "suffix": "-test",
        "alarms": {
            "us-east-1": ["api-primary-unhealthy"],
            "us-east-2": ["primary-no-response-use2"],
        },
    }
    assert variables["CERTIFICATE_ARNS"] == ",".join(CERTIFICATES)
    assert variables["RPO_SECONDS"] == "900"
    settings = reader.from_env({**variables, "AWS_REGION": "us-east-2"})
    assert settings.certificate_arns == CERTIFICATES
    assert settings.standby_functions == FUNCTIONS
    assert settings.lag_alarm_seconds == 60
    assert settings.decision_max_age_seconds == 300
    assert settings.checks_budget_seconds + 10 <= settings.function_timeout_seconds == 60
    assert dict(settings.watched_alarms) == ALARMS


def test_scheduled_every_five_minutes(synth: Synth) -> None:
    rule = synth.find("aws_cloudwatch_event_rule", "readiness_schedule")
    assert rule["name"] == "payment-processing-readiness-use2-test"
    assert rule["schedule_expression"] == "rate(5 minutes)"
    target = synth.find("aws_cloudwatch_event_target", "readiness_schedule-target")
    assert target["arn"].startswith("${aws_lambda_function.readiness_function_")
    permission = synth.find("aws_lambda_permission", "readiness_schedule-permission")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"].startswith("${aws_cloudwatch_event_rule.readiness_schedule_")


def test_alarm_pages_when_not_ready_or_silent(synth: Synth) -> None:
    alarm = synth.find("aws_cloudwatch_metric_alarm", "readiness_not-ready")
    assert {key: value for key, value in alarm.items() if key != "//"} == {
        "alarm_name": "payment-processing-dr-not-ready-use2-test",
        "alarm_description": "The DR pair is not shown ready for 15 minutes: a readiness check "
        "fails, or the evaluator cannot tell or does not run. Run 'payment-dr readiness' "
        "(docs/runbook.md, 'Readiness').",
        "namespace": "PaymentDR/Readiness",
        "metric_name": "Ready",
        "dimensions": {"Environment": "test"},
        "statistic": "Minimum",
        "period": 300,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 3,
        "threshold": 1,
        "comparison_operator": "LessThanThreshold",
        "treat_missing_data": "breaching",
        "actions_enabled": True,
        "alarm_actions": [TOPIC],
        "ok_actions": [TOPIC],
    }


def test_runtime_publishes_what_the_alarm_and_dashboard_read() -> None:
    checks: Any = pytest.importorskip("payment_service.readiness.checks")
    model: Any = pytest.importorskip("payment_service.readiness.model")
    publish: Any = pytest.importorskip("payment_service.readiness.publish")

    assert checks.CHECK_NAMES == READINESS_CHECKS
    assert publish.NAMESPACE == READINESS_NAMESPACE
    result = model.CheckResult("x", model.Outcome.PASS, "ok")
    ready = publish.emf_records(model.Evaluation("e", 1.0, "schedule", (result,)), "test")[-1]
    directive: Any = ready["_aws"]
    assert directive["CloudWatchMetrics"][0]["Namespace"] == READINESS_NAMESPACE
    assert directive["CloudWatchMetrics"][0]["Dimensions"] == [["Environment"]]
    assert (ready["Environment"], ready[READY_METRIC]) == ("test", 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "us-east-1"}, "region"),
        ({"probe_regions": ()}, "probe_regions"),
        ({"probe_regions": ("nowhere",)}, "probe_regions[0]"),
        ({"certificate_arns": ()}, "certificate_arns"),
        ({"standby_function_names": ()}, "standby_function_names"),
        ({"watched_alarms": {}}, "watched_alarms"),
        ({"watched_alarms": {"us-east-1": ()}}, "watched_alarms.us-east-1"),
        ({"lag_alarm_seconds": 900}, "lag_alarm_seconds"),
        ({"decision_max_age_seconds": 30}, "decision_max_age_seconds"),
        ({"schedule_minutes": 0}, "schedule_minutes"),
        ({"alarm_evaluation_periods": 11}, "alarm_evaluation_periods"),
    ],
)
def test_invalid_props_are_refused(bundle: Bundle, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        props(bundle, **overrides).validate()
    assert caught.value.field == field


def test_watched_alarms_drop_the_shared_prefix_and_suffix_only_when_every_name_has_them() -> None:
    from payment_dr_compute.readiness import watched_alarms_variable

    namer = Namer("test", "acme-pay")
    shared = {"us-east-2": ("acme-pay-api-5xx-use2-test",)}
    assert json.loads(watched_alarms_variable(namer, shared)) == {
        "prefix": "acme-pay-",
        "suffix": "-test",
        "alarms": {"us-east-2": ["api-5xx-use2"]},
    }
    mixed = {"us-east-2": ("acme-pay-api-5xx-use2-test", "someone-elses-alarm")}
    assert json.loads(watched_alarms_variable(namer, mixed)) == {
        "prefix": "",
        "suffix": "",
        "alarms": {"us-east-2": ["acme-pay-api-5xx-use2-test", "someone-elses-alarm"]},
    }
