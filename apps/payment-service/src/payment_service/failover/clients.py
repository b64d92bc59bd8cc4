"""Typed views of the AWS calls a failover makes, and the boto3 factory.

boto3 ships no type information; the protocols describe the calls made, with results typed as
plain mappings that callers narrow with ``isinstance``. Every client is bound to an explicit
region. Clients built here have bounded connect and read timeouts and a bounded number of
attempts (botocore ``Config``: ``connect_timeout``, ``read_timeout``,
``retries={"total_max_attempts": ..., "mode": "standard"}``), so a call to a region that is
down ends within a known time. botocore's ``Config`` reference: ``total_max_attempts``
"includes the initial request, so a value of 1 indicates that no requests will be retried",
whereas ``max_attempts`` counts retries *after* the initial request.

RDS clients have botocore's own retries turned off (``max_attempts=1``): a non-idempotent call
such as ``FailoverGlobalCluster`` is repeated only by
:func:`payment_service.failover.throttle.with_throttle_retry`, and only after RDS rejected it
for throttling, never after an ambiguous network error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Response = Mapping[str, object]


class RdsApi(Protocol):
    """The RDS calls of a failover."""

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one global cluster."""
        ...

    def describe_db_clusters(self, *, DBClusterIdentifier: str) -> Response:  # noqa: N803
        """Describe one regional cluster (identifier or ARN)."""
        ...

    def switchover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
    ) -> Response:
        """Planned switchover (no data loss)."""
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


class RegionalRds(Protocol):
    """RDS clients by region."""

    def rds(self, region: str) -> RdsApi:
        """The RDS client of ``region``."""
        ...


class SsmApi(Protocol):
    """SSM Parameter Store reads."""

    def get_parameter(self, *, Name: str) -> Response:  # noqa: N803
        """Read one parameter."""
        ...


class Route53HealthApi(Protocol):
    """Route 53 health check status."""

    def get_health_check_status(self, *, HealthCheckId: str) -> Response:  # noqa: N803
        """The latest observation of each checker."""
        ...


class AlarmsApi(Protocol):
    """CloudWatch alarm reads."""

    def describe_alarms(self, *, AlarmNames: Sequence[str]) -> Response:  # noqa: N803
        """Describe alarms by name."""
        ...


class NoClientForRegionError(ValueError):
    """No RDS client was given for that region (by design: a run that must not call it)."""


class RdsByRegion:
    """One RDS client per region; asking for another region is an error."""

    def __init__(self, clients: Mapping[str, RdsApi]) -> None:
        self._clients = dict(clients)

    def rds(self, region: str) -> RdsApi:
        """The client of ``region``."""
        client = self._clients.get(region)
        if client is None:
            raise NoClientForRegionError(
                f"no RDS client for region {region!r}; have {sorted(self._clients)}"
            )
        return client


class FixedRegionRds:
    """One RDS client, bound to one region; asking for another region is an error.

    The orchestrator Lambda runs in the secondary region and has one RDS client there; a step
    that needs another region must be given a client for it explicitly.
    """

    def __init__(self, client: RdsApi, region: str) -> None:
        self._client = client
        self.region = region

    def rds(self, region: str) -> RdsApi:
        """The client, when ``region`` is its region."""
        if region != self.region:
            raise NoClientForRegionError(
                f"no RDS client for region {region!r}; this one is for {self.region}"
            )
        return self._client


@dataclass(frozen=True)
class ClientLimits:
    """Bounds of every call a client makes."""

    connect_timeout: float
    """Seconds to establish a connection (a region that is down usually fails here)."""
    read_timeout: float
    """Seconds to wait for a response once connected."""
    max_attempts: int
    """Attempts by botocore, the first included (1: botocore does not retry)."""

    def with_attempts(self, max_attempts: int) -> ClientLimits:
        """The same timeouts with another attempt count."""
        return ClientLimits(self.connect_timeout, self.read_timeout, max_attempts)


LAMBDA_LIMITS = ClientLimits(connect_timeout=3, read_timeout=10, max_attempts=3)
"""Failover orchestrator: an evaluation must finish well inside its function timeout."""
OPERATOR_LIMITS = ClientLimits(connect_timeout=5, read_timeout=20, max_attempts=4)
"""``payment-dr``: an operator waits longer, on a network that may be slower."""
ROUTE53_API_REGION = "us-east-1"
"""Route 53 is a global service; its API is signed for us-east-1."""


def boto3_client(
    service: str, region: str, limits: ClientLimits, *, endpoint_url: str | None = None
) -> Any:
    """A boto3 client of ``service`` in ``region`` within ``limits`` (``endpoint_url``: tests)."""
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        region_name=region,
        connect_timeout=limits.connect_timeout,
        read_timeout=limits.read_timeout,
        retries={"total_max_attempts": limits.max_attempts, "mode": "standard"},
    )
    return boto3.client(service, region_name=region, config=config, endpoint_url=endpoint_url)


def boto3_rds(region: str, limits: ClientLimits) -> RdsApi:
    """An RDS client in ``region`` with botocore's retries off (see the module docstring)."""
    client: RdsApi = boto3_client("rds", region, limits.with_attempts(1))
    return client


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
    """A short, log-safe description: the AWS error code, else the exception's type."""
    code = error_code(exc)
    return code if code is not None else type(exc).__name__


def explain_error(exc: BaseException) -> str:
    """For an operator: the AWS error code, else the type and first line of the message."""
    code = error_code(exc)
    if code is not None:
        return code
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
