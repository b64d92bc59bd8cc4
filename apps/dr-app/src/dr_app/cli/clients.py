"""Typed views of the AWS calls the CLI makes, and a factory of region-bound clients.

The RDS and SSM protocols, the boto3 factory and its bounds are the failover core's
(:mod:`payment_service.failover.clients`), shared with the orchestrator Lambda. boto3 is
imported on first use only, so commands that need no AWS (``rto-budget``) and ``--help`` start
without it. RDS clients have botocore's retries disabled: the core retries throttling itself
and nothing else, so a switchover or failover request is never sent twice after an ambiguous
network error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from payment_service.failover import clients as core
from payment_service.failover.clients import RdsApi, Response, SsmApi


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


class Route53Api(core.Route53HealthApi, Protocol):
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


class RdsEventsApi(Protocol):
    """RDS event reads (``status``)."""

    def describe_events(
        self,
        *,
        SourceType: str,  # noqa: N803
        SourceIdentifier: str,  # noqa: N803
        Duration: int,  # noqa: N803
        MaxRecords: int,  # noqa: N803
    ) -> Response:
        """Events of one source over the last ``Duration`` minutes."""
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

    def rds_events(self, region: str) -> RdsEventsApi:
        """RDS in ``region``, for its events."""
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


class Boto3Clients:
    """Real clients; one per service and region, created on first use."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = core.boto3_client(service, region, core.OPERATOR_LIMITS)
        return self._cache[key]

    def rds(self, region: str) -> RdsApi:
        """RDS in ``region``, botocore retries off."""
        key = ("rds", region)
        if key not in self._cache:
            self._cache[key] = core.boto3_rds(region, core.OPERATOR_LIMITS)
        client: RdsApi = self._cache[key]
        return client

    def rds_events(self, region: str) -> RdsEventsApi:
        """The RDS client of ``region`` (the same one, botocore retries off: one bounded call)."""
        self.rds(region)
        client: RdsEventsApi = self._cache[("rds", region)]
        return client

    def cloudwatch(self, region: str) -> CloudWatchApi:
        """CloudWatch in ``region``."""
        client: CloudWatchApi = self._get("cloudwatch", region)
        return client

    def route53(self) -> Route53Api:
        """Route 53."""
        client: Route53Api = self._get("route53", core.ROUTE53_API_REGION)
        return client

    def ssm(self, region: str) -> SsmApi:
        """SSM in ``region``."""
        client: SsmApi = self._get("ssm", region)
        return client

    def dynamodb(self, region: str) -> DynamoDbApi:
        """DynamoDB in ``region``."""
        client: DynamoDbApi = self._get("dynamodb", region)
        return client


__all__ = [
    "Boto3Clients",
    "ClientFactory",
    "CloudWatchApi",
    "DynamoDbApi",
    "RdsApi",
    "RdsEventsApi",
    "Route53Api",
    "SsmApi",
]
