"""The AWS calls of the readiness checks, and a factory of region-bound boto3 clients.

Every call is read-only except the evaluator's own record (DynamoDB ``PutItem``). Each client
is bound to an explicit region and built with bounded connect and read timeouts and attempts
(:class:`~payment_service.failover.clients.ClientLimits`), so one call ends within a known
time; the runner's budget bounds a check as a whole.
"""

from __future__ import annotations

from typing import Any, Protocol

from payment_service.failover.clients import (
    ROUTE53_API_REGION,
    ClientLimits,
    Response,
    boto3_client,
    boto3_rds,
)

READINESS_LIMITS = ClientLimits(connect_timeout=2, read_timeout=5, max_attempts=2)
"""The evaluator's calls: at most 2 x (2 + 5) s each, well inside the checks' budget."""


class RdsReads(Protocol):
    """RDS reads."""

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Response:  # noqa: N803
        """One global cluster."""
        ...

    def describe_db_clusters(self, *, DBClusterIdentifier: str) -> Response:  # noqa: N803
        """One regional cluster (identifier or ARN)."""
        ...


class CloudWatchReads(Protocol):
    """CloudWatch reads."""

    def get_metric_statistics(self, **kwargs: object) -> Response:
        """Statistics of one metric."""
        ...

    def describe_alarms(self, **kwargs: object) -> Response:
        """Alarms by name."""
        ...


class DynamoDbCalls(Protocol):
    """DynamoDB calls: the table's replicas, the decision log, the evaluator's record."""

    def describe_table(self, *, TableName: str) -> Response:  # noqa: N803
        """One table."""
        ...

    def query(self, **kwargs: object) -> Response:
        """Items of one partition."""
        ...

    def put_item(self, **kwargs: object) -> Response:
        """Write one item."""
        ...


class S3Reads(Protocol):
    """S3 reads."""

    def get_bucket_replication(self, *, Bucket: str) -> Response:  # noqa: N803
        """A bucket's replication configuration."""
        ...


class SecretsReads(Protocol):
    """Secrets Manager reads (metadata only, never a value)."""

    def describe_secret(self, *, SecretId: str) -> Response:  # noqa: N803
        """One secret's metadata."""
        ...


class AcmReads(Protocol):
    """ACM reads."""

    def describe_certificate(self, *, CertificateArn: str) -> Response:  # noqa: N803
        """One certificate."""
        ...


class Route53Reads(Protocol):
    """Route 53 reads (control plane in us-east-1)."""

    def get_health_check(self, *, HealthCheckId: str) -> Response:  # noqa: N803
        """One health check's configuration."""
        ...

    def list_resource_record_sets(self, **kwargs: object) -> Response:
        """Records of a hosted zone from a start name and type."""
        ...


class SsmReads(Protocol):
    """SSM Parameter Store reads."""

    def get_parameter(self, *, Name: str) -> Response:  # noqa: N803
        """One parameter."""
        ...


class EventsReads(Protocol):
    """EventBridge reads."""

    def describe_rule(self, *, Name: str) -> Response:  # noqa: N803
        """One rule of the default event bus."""
        ...


class LambdaReads(Protocol):
    """Lambda reads."""

    def get_function_concurrency(self, *, FunctionName: str) -> Response:  # noqa: N803
        """A function's reserved concurrency (absent when none is reserved)."""
        ...


class ReadinessClients(Protocol):
    """Clients bound to an explicit region."""

    def rds(self, region: str) -> RdsReads:
        """RDS in ``region``."""
        ...

    def cloudwatch(self, region: str) -> CloudWatchReads:
        """CloudWatch in ``region``."""
        ...

    def dynamodb(self, region: str) -> DynamoDbCalls:
        """DynamoDB in ``region``."""
        ...

    def s3(self, region: str) -> S3Reads:
        """S3 in ``region`` (a bucket's own region)."""
        ...

    def secretsmanager(self, region: str) -> SecretsReads:
        """Secrets Manager in ``region``."""
        ...

    def acm(self, region: str) -> AcmReads:
        """ACM in ``region``."""
        ...

    def route53(self) -> Route53Reads:
        """Route 53, signed for us-east-1."""
        ...

    def ssm(self, region: str) -> SsmReads:
        """SSM in ``region``."""
        ...

    def events(self, region: str) -> EventsReads:
        """EventBridge in ``region``."""
        ...

    def lambda_(self, region: str) -> LambdaReads:
        """Lambda in ``region``."""
        ...


class Boto3ReadinessClients:
    """Real clients, one per service and region, created on first use and reused."""

    def __init__(self, limits: ClientLimits = READINESS_LIMITS) -> None:
        self._limits = limits
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._cache:
            if service == "rds":
                self._cache[key] = boto3_rds(region, self._limits)
            else:
                self._cache[key] = boto3_client(service, region, self._limits)
        return self._cache[key]

    def rds(self, region: str) -> RdsReads:
        """RDS in ``region`` (botocore retries off, as every RDS client of the project)."""
        client: RdsReads = self._get("rds", region)
        return client

    def cloudwatch(self, region: str) -> CloudWatchReads:
        """CloudWatch in ``region``."""
        client: CloudWatchReads = self._get("cloudwatch", region)
        return client

    def dynamodb(self, region: str) -> DynamoDbCalls:
        """DynamoDB in ``region``."""
        client: DynamoDbCalls = self._get("dynamodb", region)
        return client

    def s3(self, region: str) -> S3Reads:
        """S3 in ``region``."""
        client: S3Reads = self._get("s3", region)
        return client

    def secretsmanager(self, region: str) -> SecretsReads:
        """Secrets Manager in ``region``."""
        client: SecretsReads = self._get("secretsmanager", region)
        return client

    def acm(self, region: str) -> AcmReads:
        """ACM in ``region``."""
        client: AcmReads = self._get("acm", region)
        return client

    def route53(self) -> Route53Reads:
        """Route 53."""
        client: Route53Reads = self._get("route53", ROUTE53_API_REGION)
        return client

    def ssm(self, region: str) -> SsmReads:
        """SSM in ``region``."""
        client: SsmReads = self._get("ssm", region)
        return client

    def events(self, region: str) -> EventsReads:
        """EventBridge in ``region``."""
        client: EventsReads = self._get("events", region)
        return client

    def lambda_(self, region: str) -> LambdaReads:
        """Lambda in ``region``."""
        client: LambdaReads = self._get("lambda", region)
        return client
