"""The AWS clients the orchestrator uses, and a factory for real ones.

The RDS, SSM, Route 53 and CloudWatch protocols are the failover core's
(:mod:`payment_service.failover.clients`); the decision log (DynamoDB) and the alert topic
(SNS) are the orchestrator's own. Every client is created for an explicit region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from payment_service.failover.clients import (
    LAMBDA_LIMITS,
    ROUTE53_API_REGION,
    AlarmsApi,
    ClientLimits,
    RdsApi,
    Response,
    Route53HealthApi,
    SsmApi,
    boto3_client,
    boto3_rds,
)

SNAPSHOT_LIMITS = ClientLimits(connect_timeout=2, read_timeout=5, max_attempts=1)
"""The primary region's RDS client (failover snapshot copy, after a failover): short, so a
region that is still down costs an evaluation 2 s per call."""


class DynamoDbClient(Protocol):
    """The low-level DynamoDB calls of the decision log."""

    def get_item(
        self,
        *,
        TableName: str,  # noqa: N803
        Key: Mapping[str, Mapping[str, str]],  # noqa: N803
        ConsistentRead: bool,  # noqa: N803
    ) -> Response:
        """Read one item."""
        ...

    def put_item(self, **kwargs: object) -> Response:
        """Write one item (optionally conditional)."""
        ...

    def query(self, **kwargs: object) -> Response:
        """Query items of one partition (the failover snapshot watch reads the decision log)."""
        ...


class MetricsApi(Protocol):
    """CloudWatch metric reads."""

    def get_metric_statistics(self, **kwargs: object) -> Response:
        """Statistics of one metric."""
        ...


class SnsClient(Protocol):
    """SNS publishing."""

    def publish(
        self,
        *,
        TopicArn: str,  # noqa: N803
        Subject: str,  # noqa: N803
        Message: str,  # noqa: N803
        MessageAttributes: Mapping[str, Mapping[str, str]],  # noqa: N803
    ) -> Response:
        """Publish one message."""
        ...


@dataclass(frozen=True)
class Clients:
    """Every client the orchestrator uses, each bound to its region."""

    rds: RdsApi
    """Secondary cluster's region."""
    route53: Route53HealthApi
    cloudwatch: AlarmsApi
    """Primary region (the primary health alarm)."""
    ssm: SsmApi
    dynamodb: DynamoDbClient
    sns: SnsClient
    remote_alarms: AlarmsApi | None = None
    """CloudWatch in the third region (the remote probe's alarm); ``None``: not configured."""
    rds_primary: RdsApi | None = None
    """Primary cluster's region: copying the failover snapshot there once it is back, and
    ``SwitchoverGlobalCluster``, which AWS documents in the current primary's region."""
    local_alarms: AlarmsApi | None = None
    """CloudWatch in the orchestrator's own region (this region's probe alarm); ``None``: not
    configured."""
    local_metrics: MetricsApi | None = None
    """CloudWatch in the orchestrator's own region, for the secondary cluster's
    ``AuroraGlobalDBRPOLag`` (evidence of a healthy primary database); ``None``: no such
    evidence, so never a switchover."""


def boto3_clients(
    *,
    region: str,
    rds_region: str,
    alarm_region: str,
    topic_region: str,
    remote_probe_region: str | None = None,
    primary_rds_region: str | None = None,
    local_probe: bool = False,
) -> Clients:
    """Real clients: SSM and DynamoDB in ``region``, RDS (botocore retries off) in
    ``rds_region`` and ``primary_rds_region``, CloudWatch in ``alarm_region`` and
    ``remote_probe_region``, SNS in ``topic_region``; with ``local_probe``, also CloudWatch
    in ``region``."""
    local_cloudwatch = boto3_client("cloudwatch", region, LAMBDA_LIMITS)
    return Clients(
        local_alarms=local_cloudwatch if local_probe else None,
        local_metrics=local_cloudwatch,
        remote_alarms=(
            boto3_client("cloudwatch", remote_probe_region, LAMBDA_LIMITS)
            if remote_probe_region
            else None
        ),
        rds=boto3_rds(rds_region, LAMBDA_LIMITS),
        route53=boto3_client("route53", ROUTE53_API_REGION, LAMBDA_LIMITS),
        cloudwatch=boto3_client("cloudwatch", alarm_region, LAMBDA_LIMITS),
        ssm=boto3_client("ssm", region, LAMBDA_LIMITS),
        dynamodb=boto3_client("dynamodb", region, LAMBDA_LIMITS),
        sns=boto3_client("sns", topic_region, LAMBDA_LIMITS),
        rds_primary=boto3_rds(primary_rds_region, SNAPSHOT_LIMITS) if primary_rds_region else None,
    )
