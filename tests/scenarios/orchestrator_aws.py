"""The AWS resources the failover orchestrator reads and writes, created in moto.

Shared by the scenario tests and the drill, so both run the orchestrator against the same
world: the decision table and the auto-failover switch and alert topic in the secondary
region, and the Route 53 health alarm in the primary region (where Route 53 publishes its
metrics).
"""

from __future__ import annotations

import boto3  # type: ignore[import-untyped]

from dr_app.cli.names import ResourceNames


def create_orchestrator_resources(names: ResourceNames, *, primary: str, secondary: str) -> str:
    """Create the resources (inside an active moto mock); returns the alert topic's ARN."""
    dynamodb = boto3.client("dynamodb", region_name=secondary)
    dynamodb.create_table(
        TableName=names.decision_table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=names.decision_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    ssm = boto3.client("ssm", region_name=secondary)
    ssm.put_parameter(Name=names.switch_parameter, Value="true", Type="String")
    sns = boto3.client("sns", region_name=secondary)
    topic_arn: str = sns.create_topic(Name=names.alert_topic)["TopicArn"]
    cloudwatch = boto3.client("cloudwatch", region_name=primary)
    cloudwatch.put_metric_alarm(
        AlarmName=names.primary_alarm,
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
    )
    return topic_arn
