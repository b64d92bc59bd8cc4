"""DynamoDB replica and S3 replication checks, against Stubber responses shaped as the
DynamoDB, S3 and CloudWatch API references describe them."""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY  # type: ignore[import-untyped]

from payment_service.readiness.checks.replication import dynamodb_replica, s3_replication
from payment_service.readiness.model import Outcome
from tests.readiness.support import (
    DESTINATION_BUCKET,
    PRIMARY,
    RULE_ID,
    SECONDARY,
    SOURCE_BUCKET,
    TABLE,
    Stubs,
    client_error,
    datapoints,
    run_check,
)

NO_DATA = {"Label": "x", "Datapoints": []}


def table(status: str = "ACTIVE", replicas: dict[str, str] | None = None) -> dict[str, Any]:
    """DescribeTable in us-east-2 of a global table (version 2019.11.21)."""
    replicas = {PRIMARY: "ACTIVE"} if replicas is None else replicas
    return {
        "Table": {
            "TableName": TABLE,
            "TableStatus": status,
            "TableArn": f"arn:aws:dynamodb:{SECONDARY}:111111111111:table/{TABLE}",
            "Replicas": [
                {"RegionName": region, "ReplicaStatus": state} for region, state in replicas.items()
            ],
        }
    }


def stub_dynamodb(
    stubs: Stubs, described: dict[str, Any], latency: dict[str, Any] | None = None
) -> None:
    stubs.stub("dynamodb", SECONDARY).add_response(
        "describe_table", described, {"TableName": TABLE}
    )
    stubs.stub("cloudwatch", PRIMARY).add_response(
        "get_metric_statistics",
        NO_DATA if latency is None else latency,
        {
            "Namespace": "AWS/DynamoDB",
            "MetricName": "ReplicationLatency",
            "Dimensions": [
                {"Name": "TableName", "Value": TABLE},
                {"Name": "ReceivingRegion", "Value": SECONDARY},
            ],
            "StartTime": ANY,
            "EndTime": ANY,
            "Period": 300,
            "Statistics": ["Average"],
        },
    )


def test_dynamodb_replica_passes_when_active_and_replicating_quickly() -> None:
    stubs = Stubs()
    stub_dynamodb(stubs, table(), datapoints("Average", 850.0))
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.PASS, result.reason
    assert "ReplicationLatency us-east-1 -> us-east-2: 0.85 s average" in result.reason
    stubs.assert_no_pending()


def test_dynamodb_replica_passes_on_a_quiet_table_without_latency_data() -> None:
    stubs = Stubs()
    stub_dynamodb(stubs, table())
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.PASS
    assert "no datapoint in 15 minutes" in result.reason


def test_dynamodb_replica_fails_when_not_active_or_not_global() -> None:
    stubs = Stubs()
    stub_dynamodb(stubs, table(replicas={PRIMARY: "UPDATING"}))
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.FAIL
    assert "replicas not ACTIVE: us-east-1 UPDATING" in result.reason
    stubs = Stubs()
    stub_dynamodb(stubs, table(replicas={}))
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.FAIL
    assert "no replica in us-east-1 (not a global table)" in result.reason
    stubs = Stubs()
    stub_dynamodb(stubs, table(status="INACCESSIBLE_ENCRYPTION_CREDENTIALS"))
    assert run_check(stubs, dynamodb_replica).outcome is Outcome.FAIL


def test_dynamodb_replica_fails_on_latency_above_the_threshold() -> None:
    stubs = Stubs()
    stub_dynamodb(stubs, table(), datapoints("Average", 45_000.0))
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.FAIL
    assert "45 s average, above 30 s" in result.reason


def test_dynamodb_replica_is_unknown_while_the_primary_region_cannot_tell_its_latency() -> None:
    stubs = Stubs()
    stubs.stub("dynamodb", SECONDARY).add_response("describe_table", table(), {"TableName": TABLE})
    client_error(stubs.stub("cloudwatch", PRIMARY), "get_metric_statistics", "InternalFailure", 500)
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.UNKNOWN
    assert "ReplicationLatency: InternalFailure" in result.reason


def replication(
    *, status: str = "Enabled", rtc: str | None = "Enabled", metrics: str | None = "Enabled"
) -> dict[str, Any]:
    """GetBucketReplication of the source bucket."""
    destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{DESTINATION_BUCKET}"}
    if rtc is not None:
        destination["ReplicationTime"] = {"Status": rtc, "Time": {"Minutes": 15}}
    if metrics is not None:
        destination["Metrics"] = {"Status": metrics, "EventThreshold": {"Minutes": 15}}
    return {
        "ReplicationConfiguration": {
            "Role": "arn:aws:iam::111111111111:role/payment-processing-s3-replication-use1-rdy",
            "Rules": [
                {
                    "ID": RULE_ID,
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "Status": status,
                    "Destination": destination,
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                }
            ],
        }
    }


def stub_s3(
    stubs: Stubs,
    configuration: dict[str, Any],
    latency: dict[str, Any] | None = None,
    pending: dict[str, Any] | None = None,
) -> None:
    stubs.stub("s3", PRIMARY).add_response(
        "get_bucket_replication", configuration, {"Bucket": SOURCE_BUCKET}
    )
    dimensions = [
        {"Name": "SourceBucket", "Value": SOURCE_BUCKET},
        {"Name": "DestinationBucket", "Value": DESTINATION_BUCKET},
        {"Name": "RuleId", "Value": RULE_ID},
    ]
    for metric, response in (
        ("ReplicationLatency", latency),
        ("OperationsPendingReplication", pending),
    ):
        stubs.stub("cloudwatch", SECONDARY).add_response(
            "get_metric_statistics",
            NO_DATA if response is None else response,
            {
                "Namespace": "AWS/S3",
                "MetricName": metric,
                "Dimensions": dimensions,
                "StartTime": ANY,
                "EndTime": ANY,
                "Period": 60,
                "Statistics": ["Maximum"],
            },
        )


def test_s3_replication_passes_with_rtc_and_low_latency() -> None:
    stubs = Stubs()
    stub_s3(stubs, replication(), datapoints("Maximum", 12.0), datapoints("Maximum", 3.0))
    result = run_check(stubs, s3_replication)
    assert result.outcome is Outcome.PASS, result.reason
    assert "ReplicationLatency 12 s (threshold 300 s), 3 operations pending" in result.reason
    stubs.assert_no_pending()


def test_s3_replication_fails_without_replication_time_control() -> None:
    stubs = Stubs()
    stub_s3(stubs, replication(rtc="Disabled", metrics=None))
    result = run_check(stubs, s3_replication)
    assert result.outcome is Outcome.FAIL
    assert "ReplicationTime Disabled, Metrics absent" in result.reason


def test_s3_replication_fails_when_the_rule_is_disabled_or_gone() -> None:
    stubs = Stubs()
    stub_s3(stubs, replication(status="Disabled"))
    assert "Status Disabled" in run_check(stubs, s3_replication).reason
    stubs = Stubs()
    stubs.stub("s3", PRIMARY).add_client_error(
        "get_bucket_replication",
        service_error_code="ReplicationConfigurationNotFoundError",
        http_status_code=404,
    )
    stubs.stub("cloudwatch", SECONDARY).add_response("get_metric_statistics", NO_DATA)
    stubs.stub("cloudwatch", SECONDARY).add_response("get_metric_statistics", NO_DATA)
    result = run_check(stubs, s3_replication)
    assert result.outcome is Outcome.FAIL
    assert "ReplicationConfigurationNotFoundError" in result.reason


def test_s3_replication_fails_on_latency_above_the_threshold() -> None:
    stubs = Stubs()
    stub_s3(stubs, replication(), datapoints("Maximum", 1200.0))
    result = run_check(stubs, s3_replication)
    assert result.outcome is Outcome.FAIL
    assert "ReplicationLatency 1200 s, above 300 s" in result.reason


def test_s3_replication_is_unknown_when_the_source_region_does_not_answer() -> None:
    stubs = Stubs()
    client_error(stubs.stub("s3", PRIMARY), "get_bucket_replication", "ServiceUnavailable", 503)
    stubs.stub("cloudwatch", SECONDARY).add_response("get_metric_statistics", NO_DATA)
    stubs.stub("cloudwatch", SECONDARY).add_response("get_metric_statistics", NO_DATA)
    result = run_check(stubs, s3_replication)
    assert result.outcome is Outcome.UNKNOWN
    assert "GetBucketReplication: ServiceUnavailable" in result.reason


def test_dynamodb_replica_fails_when_the_table_does_not_exist_here() -> None:
    stubs = Stubs()
    client_error(stubs.stub("dynamodb", SECONDARY), "describe_table", "ResourceNotFoundException")
    stubs.stub("cloudwatch", PRIMARY).add_response("get_metric_statistics", NO_DATA)
    result = run_check(stubs, dynamodb_replica)
    assert result.outcome is Outcome.FAIL
    assert f"{TABLE} in us-east-2: no such table" in result.reason
