"""FailoverOrchestrator alone: every IAM statement pinned to exact actions and resources."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.orchestrator import FailoverOrchestrator, FailoverOrchestratorProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Json, Synth, synth_stack

KEY = "arn:aws:kms:us-east-2:111111111111:key/k2"
PRIMARY_CLUSTER = "arn:aws:rds:us-east-1:111111111111:cluster:payment-processing-aurora-use1-test"
SECONDARY_CLUSTER = "arn:aws:rds:us-east-2:111111111111:cluster:payment-processing-aurora-use2-test"
TOPIC = "arn:aws:sns:us-east-2:111111111111:payment-processing-alerts-use2-test"
HEALTH_CHECK = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
ALARM = "payment-processing-health-check-use1-test"
PRIMARY_KEY = "arn:aws:kms:us-east-1:111111111111:key/k1"
FAILOVER_SNAPSHOTS = (
    "arn:aws:rds:us-east-1:{account}:cluster-snapshot:"
    "rds:unplanned-global-failover-payment-processing-aurora-use1-test-*"
)
COPIES = "arn:aws:rds:us-east-1:{account}:cluster-snapshot:payment-processing-failover-test-*"


def props(bundle: Bundle, **overrides: Any) -> FailoverOrchestratorProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-2",
        "primary_region": "us-east-1",
        "bundle": bundle,
        "kms_key_arn": KEY,
        "global_cluster_identifier": "payment-processing-global-test",
        "primary_cluster_arn": PRIMARY_CLUSTER,
        "secondary_cluster_arn": SECONDARY_CLUSTER,
        "primary_health_check_id": HEALTH_CHECK,
        "primary_health_url": "https://api-use1-test.payments.example.com/health",
        "secondary_health_url": "https://api-use2-test.payments.example.com/health",
        "primary_alarm_name": ALARM,
        "alert_topic_arn": TOPIC,
    }
    values.update(overrides)
    return FailoverOrchestratorProps(**values)


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        FailoverOrchestrator(stack, "orchestrator", props(bundle))

    return synth_stack(build, region="us-east-2")


def statements(synth: Synth) -> dict[str, Json]:
    (policy,) = synth.resources("aws_iam_role_policy").values()
    document = synth.policy_document(policy["policy"])
    return {statement["sid"]: statement for statement in document["statement"]}


def reference(synth: Synth, kind: str, attribute: str, *, data: bool = False) -> str:
    """``${kind.<the one logical name>.attribute}`` as the synthesized JSON spells it."""
    found = synth.data(kind) if data else synth.resources(kind)
    (name,) = found
    return "${" + ("data." if data else "") + f"{kind}.{name}.{attribute}" + "}"


def test_every_orchestrator_statement_is_pinned(synth: Synth) -> None:
    account = reference(synth, "aws_caller_identity", "account_id", data=True)
    global_cluster = f"arn:aws:rds::{account}:global-cluster:payment-processing-global-test"
    switch = reference(synth, "aws_ssm_parameter", "name")
    table = reference(synth, "aws_dynamodb_table", "arn")
    logs = reference(synth, "aws_cloudwatch_log_group", "arn")

    def allow(sid: str, actions: list[str], resources: list[str]) -> Json:
        return {"sid": sid, "effect": "Allow", "actions": actions, "resources": resources}

    assert statements(synth) == {
        "WriteOwnLogs": allow(
            "WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{logs}:*"]
        ),
        # X-Ray trace APIs take no resource-level permissions ("*" is the only form)
        "SendTraces": allow(
            "SendTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]
        ),
        # A switchover when the primary's database is healthy, a failover with data loss
        # only when nobody reaches it (payment_service.orchestrator.rules).
        "PromoteSecondary": allow(
            "PromoteSecondary",
            ["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"],
            [global_cluster, PRIMARY_CLUSTER, SECONDARY_CLUSTER],
        ),
        # CloudWatch metric reads have no resource types ("*" is the only form): the
        # secondary's AuroraGlobalDBRPOLag, evidence of a healthy primary database
        "ReadMetricStatistics": allow(
            "ReadMetricStatistics", ["cloudwatch:GetMetricStatistics"], ["*"]
        ),
        "ReadGlobalCluster": allow(
            "ReadGlobalCluster", ["rds:DescribeGlobalClusters"], [global_cluster]
        ),
        "ReadClusters": allow(
            "ReadClusters", ["rds:DescribeDBClusters"], [PRIMARY_CLUSTER, SECONDARY_CLUSTER]
        ),
        "ReadHealthCheck": allow(
            "ReadHealthCheck",
            ["route53:GetHealthCheckStatus"],
            [f"arn:aws:route53:::healthcheck/{HEALTH_CHECK}"],
        ),
        "ReadPrimaryAlarm": allow(
            "ReadPrimaryAlarm",
            ["cloudwatch:DescribeAlarms"],
            [f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{ALARM}"],
        ),
        "ReadSwitch": allow(
            "ReadSwitch",
            ["ssm:GetParameter"],
            [f"arn:aws:ssm:us-east-2:{account}:parameter{switch}"],
        ),
        "RecordDecisions": allow(
            "RecordDecisions",
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            [table],
        ),
        "FindFailoverSnapshot": allow(
            "FindFailoverSnapshot",
            ["rds:DescribeDBClusterSnapshots"],
            [
                PRIMARY_CLUSTER,
                FAILOVER_SNAPSHOTS.format(account=account),
                COPIES.format(account=account),
            ],
        ),
        "CopyFailoverSnapshot": allow(
            "CopyFailoverSnapshot",
            ["rds:CopyDBClusterSnapshot"],
            [FAILOVER_SNAPSHOTS.format(account=account), COPIES.format(account=account)],
        ),
        "Notify": allow("Notify", ["sns:Publish"], [TOPIC]),
        "UseKeyThroughSnsAndDynamoDb": {
            **allow("UseKeyThroughSnsAndDynamoDb", ["kms:Decrypt", "kms:GenerateDataKey"], [KEY]),
            "condition": [
                {
                    "test": "StringEquals",
                    "variable": "kms:ViaService",
                    "values": ["sns.us-east-2.amazonaws.com", "dynamodb.us-east-2.amazonaws.com"],
                }
            ],
        },
    }


def test_with_the_primary_key_the_copy_may_use_it_through_rds_only(bundle: Bundle) -> None:
    def build(stack: TerraformStack) -> None:
        FailoverOrchestrator(stack, "orchestrator", props(bundle, primary_kms_key_arn=PRIMARY_KEY))

    found = statements(synth_stack(build, region="us-east-2"))

    assert found["UsePrimaryKeyThroughRdsToCopySnapshot"] == {
        "sid": "UsePrimaryKeyThroughRdsToCopySnapshot",
        "effect": "Allow",
        "actions": ["kms:CreateGrant", "kms:DescribeKey"],
        "resources": [PRIMARY_KEY],
        "condition": [
            {
                "test": "StringEquals",
                "variable": "kms:ViaService",
                "values": ["rds.us-east-1.amazonaws.com"],
            }
        ],
    }
    assert not [a for st in found.values() for a in st["actions"] if "Delete" in a]


def test_the_function_knows_the_old_primary_and_the_copy_prefix(synth: Synth) -> None:
    variables = synth.only("aws_lambda_function")["environment"]["variables"]
    assert variables["PRIMARY_CLUSTER_ID"] == "payment-processing-aurora-use1-test"
    assert variables["FAILOVER_SNAPSHOT_PREFIX"] == "payment-processing-failover-test"
    # An RPO lag above this is no evidence of a healthy primary database (no switchover).
    assert variables["HEALTHY_RPO_LAG_SECONDS"] == "60"


def test_the_policy_belongs_to_the_orchestrators_own_role(synth: Synth) -> None:
    (policy,) = synth.resources("aws_iam_role_policy").values()
    assert policy["role"] == reference(synth, "aws_iam_role", "id")  # a role's id is its name
    function = synth.only("aws_lambda_function")
    assert function["role"] == reference(synth, "aws_iam_role", "arn")
    assert function["function_name"] == "payment-processing-failover-orchestrator-use2-test"
    assert "vpc_config" not in function
    assert function["timeout"] == 30


def test_switch_table_and_schedule(synth: Synth) -> None:
    switch = synth.only("aws_ssm_parameter")
    assert switch["value"] == "true"
    assert switch["lifecycle"] == {"ignore_changes": ["value"]}
    assert synth.only("aws_cloudwatch_event_rule")["schedule_expression"] == "rate(1 minute)"
    permission = synth.only("aws_lambda_permission")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"] == reference(synth, "aws_cloudwatch_event_rule", "arn")
    target = synth.only("aws_cloudwatch_event_target")
    assert target["arn"] == reference(synth, "aws_lambda_function", "arn")


@pytest.mark.parametrize(
    ("overrides", "field", "value"),
    [
        ({"region": "us-east-1"}, "region", "us-east-1"),
        ({"consecutive_failures": 0}, "consecutive_failures", "0"),
        ({"schedule_minutes": 11}, "schedule_minutes", "11"),
    ],
)
def test_bad_props_are_refused_before_anything_is_created(
    bundle: Bundle, overrides: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        props(bundle, **overrides).validate()
    assert (raised.value.field, str(raised.value.value)) == (field, value)
