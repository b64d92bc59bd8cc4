"""Typed views of the AWS clients the orchestrator uses, and a factory for real ones.

boto3 ships no type information; these protocols describe the calls made, with results typed
as plain mappings that callers narrow with ``isinstance``. Every client is created for an
explicit region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Response = Mapping[str, object]


class RdsClient(Protocol):
    """The RDS calls the orchestrator makes."""

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one global cluster."""
        ...

    def describe_db_clusters(self, *, DBClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one DB cluster (identifier or ARN)."""
        ...

    def failover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
        AllowDataLoss: bool,  # noqa: N803
    ) -> Response:
        """Promote a secondary cluster (unplanned failover when ``AllowDataLoss``)."""
        ...


class Route53Client(Protocol):
    """Route 53 health check status."""

    def get_health_check_status(self, *, HealthCheckId: str) -> Response:  # noqa: N803
        """The latest observation of each checker."""
        ...


class CloudWatchClient(Protocol):
    """CloudWatch alarms."""

    def describe_alarms(self, *, AlarmNames: Sequence[str]) -> Response:  # noqa: N803
        """Describe alarms by name."""
        ...


class SsmClient(Protocol):
    """SSM Parameter Store."""

    def get_parameter(self, *, Name: str) -> Response:  # noqa: N803
        """Read one parameter."""
        ...


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

    rds: RdsClient
    """Secondary cluster's region."""
    route53: Route53Client
    cloudwatch: CloudWatchClient
    """Primary region (the primary health alarm)."""
    ssm: SsmClient
    dynamodb: DynamoDbClient
    sns: SnsClient


ROUTE53_API_REGION = "us-east-1"
"""Route 53 is a global service; its API is signed for us-east-1."""


def _boto3_client(service: str, region: str, *, max_attempts: int = 2) -> Any:
    """A boto3 client with short timeouts for ``service`` in ``region``.

    ``max_attempts`` counts the first call; 1 disables botocore's own retries.
    """
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        region_name=region,
        connect_timeout=3,
        read_timeout=10,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )
    return boto3.client(service, region_name=region, config=config)


def boto3_clients(*, region: str, rds_region: str, alarm_region: str, topic_region: str) -> Clients:
    """Real clients: SSM and DynamoDB in ``region``, RDS (botocore retries off) in
    ``rds_region``, CloudWatch in ``alarm_region``, SNS in ``topic_region``."""
    return Clients(
        rds=_boto3_client("rds", rds_region, max_attempts=1),
        route53=_boto3_client("route53", ROUTE53_API_REGION),
        cloudwatch=_boto3_client("cloudwatch", alarm_region),
        ssm=_boto3_client("ssm", region),
        dynamodb=_boto3_client("dynamodb", region),
        sns=_boto3_client("sns", topic_region),
    )


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``None`` for other exceptions)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            code = error.get("Code")
            if isinstance(code, str):
                return code
    return None


def describe_error(exc: BaseException) -> str:
    """A short, log-safe description of an exception."""
    code = error_code(exc)
    return code if code is not None else type(exc).__name__
