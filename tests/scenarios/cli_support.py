"""Running ``payment-dr`` in tests: moto clients per region, the fake RDS, captured streams."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import EndpointConnectionError  # type: ignore[import-untyped]

from dr_app.cli.clients import (
    CloudWatchApi,
    DynamoDbApi,
    RdsApi,
    RdsEventsApi,
    Route53Api,
    SsmApi,
)
from dr_app.cli.dns import DnsAnswer
from dr_app.cli.main import Runtime, run_cli
from tests.scenarios.fakes import FakeClock, FakeRdsWorld, RdsEventLog


class DownClient:
    """Every call fails as if the region's endpoint were unreachable."""

    def __init__(self, service: str, region: str) -> None:
        self._url = f"https://{service}.{region}.amazonaws.com/"

    def __getattr__(self, name: str) -> Any:
        def fail(**_kwargs: object) -> Any:
            raise EndpointConnectionError(endpoint_url=self._url)

        return fail


@dataclass
class WorldClients:
    """Region-bound clients: the fake RDS, moto for the rest; regions can be taken down."""

    rds_world: FakeRdsWorld
    down: set[str] = field(default_factory=set)
    """Regions (or ``global`` for Route 53) whose APIs fail."""
    rds_events_by_region: dict[str, RdsEventsApi] = field(default_factory=dict)
    """RDS event reads per region (default: a region with no events in its log)."""

    def rds(self, region: str) -> RdsApi:
        return self.rds_world.client(region)

    def rds_events(self, region: str) -> RdsEventsApi:
        if region in self.down or region in self.rds_world.down_regions:
            client: RdsEventsApi = DownClient("rds", region)
            return client
        if region not in self.rds_events_by_region:
            self.rds_events_by_region[region] = RdsEventLog(region, datetime.now(UTC))
        return self.rds_events_by_region[region]

    def _moto(self, service: str, region: str) -> Any:
        if region in self.down:
            return DownClient(service, region)
        return boto3.client(service, region_name=region)

    def cloudwatch(self, region: str) -> CloudWatchApi:
        client: CloudWatchApi = self._moto("cloudwatch", region)
        return client

    def route53(self) -> Route53Api:
        client: Route53Api = (
            DownClient("route53", "global")
            if "global" in self.down
            else boto3.client("route53", region_name="us-east-1")
        )
        return client

    def ssm(self, region: str) -> SsmApi:
        client: SsmApi = self._moto("ssm", region)
        return client

    def dynamodb(self, region: str) -> DynamoDbApi:
        client: DynamoDbApi = self._moto("dynamodb", region)
        return client


@dataclass
class AdvancingClock(FakeClock):
    """A monotonic clock that moves only when the CLI sleeps (or a fake's hang costs time)."""

    now: float = 1000.0


@dataclass
class CliRun:
    """The outcome of one CLI invocation."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        document = json.loads(self.out)
        assert isinstance(document, dict)
        return document


def fake_resolver(name: str) -> DnsAnswer:
    """The failover record, answered by the secondary region's regional API domain."""
    return DnsAnswer(
        name, "d-abc123.execute-api.us-east-2.amazonaws.com", (name,), ("203.0.113.10",)
    )


def run(
    clients: WorldClients,
    *args: str,
    stdin: str = "",
    interactive: bool = False,
    tty: bool = False,
    clock: FakeClock | None = None,
    environ: dict[str, str] | None = None,
) -> CliRun:
    """Run ``payment-dr`` on the world's virtual clock (unless ``clock`` is given): the CLI's
    sleeps are the time in which the fake RDS's changes progress."""
    clock = clock or clients.rds_world.clock
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        clients=clients,
        stdin=io.StringIO(stdin),
        out=out,
        err=err,
        environ=environ if environ is not None else {},
        clock=clock,
        sleep=clock.sleep,
        resolver=fake_resolver,
        interactive=interactive,
        progress_tty=tty,
    )
    code = run_cli(list(args), runtime)
    return CliRun(code, out.getvalue(), err.getvalue())


def put_lag(
    region: str, cluster_id: str, milliseconds: float, metric: str = "AuroraGlobalDBRPOLag"
) -> None:
    """A datapoint of ``metric`` (default the Aurora PostgreSQL lag metric) in ``region``,
    dimension ``DBClusterIdentifier``, as Aurora publishes it for a secondary cluster."""
    boto3.client("cloudwatch", region_name=region).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                "Value": milliseconds,
                "Unit": "Milliseconds",
                "Timestamp": datetime.now(UTC),
            }
        ],
    )
