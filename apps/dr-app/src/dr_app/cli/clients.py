"""Typed views of the AWS calls the CLI makes, and a factory of region-bound clients.

boto3 is imported on first use only, so commands that need no AWS (``rto-budget``) and
``--help`` start without it. RDS clients have botocore's retries disabled: the CLI retries
throttling itself (:func:`dr_app.cli.throttle.retry_throttling`) and nothing else, so a
switchover or failover request is never sent twice after an ambiguous network error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

Response = Mapping[str, object]


class RdsApi(Protocol):
    """RDS calls of the CLI."""

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one global cluster."""
        ...

    def describe_db_clusters(self, *, DBClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one regional cluster."""
        ...

    def switchover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
    ) -> Response:
        """Planned switchover, no data loss."""
        ...

    def failover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
        AllowDataLoss: bool,  # noqa: N803
    ) -> Response:
        """Unplanned failover (``AllowDataLoss``)."""
        ...


class CloudWatchApi(Protocol):
    """CloudWatch calls of the CLI."""

    def get_metric_statistics(
        self,
        *,
        Namespace: str,  # noqa: N803
        MetricName: str,  # noqa: N803
        Dimensions: Sequence[Mapping[str, str]],  # noqa: N803
        StartTime: datetime,  # noqa: N803
        EndTime: datetime,  # noqa: N803
        Period: int,  # noqa: N803
        Statistics: Sequence[str],  # noqa: N803
    ) -> Response:
        """Datapoints of one metric."""
        ...

    def describe_alarms(self, **kwargs: object) -> Response:
        """Alarms (by prefix, paginated with ``NextToken``)."""
        ...


class Route53Api(Protocol):
    """Route 53 calls of the CLI."""

    def list_health_checks(self, **kwargs: object) -> Response:
        """Health checks (paginated with ``Marker``)."""
        ...

    def list_tags_for_resources(
        self,
        *,
        ResourceType: str,  # noqa: N803
        ResourceIds: Sequence[str],  # noqa: N803
    ) -> Response:
        """Tags of up to 10 resources."""
        ...

    def get_health_check_status(self, *, HealthCheckId: str) -> Response:  # noqa: N803
        """Checker observations."""
        ...


class SsmApi(Protocol):
    """SSM calls of the CLI."""

    def get_parameter(self, *, Name: str) -> Response:  # noqa: N803
        """Read one parameter."""
        ...


class DynamoDbApi(Protocol):
    """DynamoDB calls of the CLI."""

    def query(self, **kwargs: object) -> Response:
        """Query a table."""
        ...


class ClientFactory(Protocol):
    """Clients bound to an explicit region."""

    def rds(self, region: str) -> RdsApi:
        """RDS in ``region``."""
        ...

    def cloudwatch(self, region: str) -> CloudWatchApi:
        """CloudWatch in ``region``."""
        ...

    def route53(self) -> Route53Api:
        """Route 53 (a global API, signed for us-east-1)."""
        ...

    def ssm(self, region: str) -> SsmApi:
        """SSM in ``region``."""
        ...

    def dynamodb(self, region: str) -> DynamoDbApi:
        """DynamoDB in ``region``."""
        ...


def _boto3_client(service: str, region: str, max_attempts: int) -> Any:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        region_name=region,
        connect_timeout=5,
        read_timeout=20,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )
    return boto3.client(service, region_name=region, config=config)


class Boto3Clients:
    """Real clients; one per service and region, created on first use."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, service: str, region: str, max_attempts: int = 3) -> Any:
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = _boto3_client(service, region, max_attempts)
        return self._cache[key]

    def rds(self, region: str) -> RdsApi:
        """RDS in ``region``, botocore retries off."""
        client: RdsApi = self._get("rds", region, max_attempts=1)
        return client

    def cloudwatch(self, region: str) -> CloudWatchApi:
        """CloudWatch in ``region``."""
        client: CloudWatchApi = self._get("cloudwatch", region)
        return client

    def route53(self) -> Route53Api:
        """Route 53."""
        client: Route53Api = self._get("route53", "us-east-1")
        return client

    def ssm(self, region: str) -> SsmApi:
        """SSM in ``region``."""
        client: SsmApi = self._get("ssm", region)
        return client

    def dynamodb(self, region: str) -> DynamoDbApi:
        """DynamoDB in ``region``."""
        client: DynamoDbApi = self._get("dynamodb", region)
        return client


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``None`` otherwise)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            code = error.get("Code")
            if isinstance(code, str):
                return code
    return None


def describe_error(exc: BaseException) -> str:
    """A short description of an AWS or network error."""
    code = error_code(exc)
    if code is not None:
        return code
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
