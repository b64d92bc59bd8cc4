"""Replication lag of a secondary cluster from CloudWatch (in that cluster's region).

Which metric (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
Database"): "For all versions of Aurora PostgreSQL-based global databases ... use Amazon
CloudWatch to view the ``AuroraGlobalDBRPOLag`` metric for all secondary DB clusters. For lower
minor versions of Aurora MySQL-based global databases, view the ``AuroraGlobalDBReplicationLag``
metric instead." This kit runs Aurora PostgreSQL, so the catch-up check of ``failback`` and
``drill`` reads :data:`RPO_LAG` (:data:`CATCH_UP_METRIC`); ``status`` shows both.

Where ("Cluster-level metrics for Amazon Aurora"; "Some CloudWatch metrics, such as replication
lag, are only available for secondary Regions"): namespace ``AWS/RDS``, published by the
secondary cluster in its own region. Dimension ("Amazon CloudWatch dimensions for Aurora"):
``DBClusterIdentifier`` filters the data for "a specific Aurora DB cluster" (the other
documented dimensions, ``Role``, ``EngineName``, ``DatabaseClass`` and ``SourceRegion``,
aggregate across instances, clusters or a region and are not used here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dr_app.cli.context import CliContext
from payment_service.failover import explain_error

NAMESPACE = "AWS/RDS"
DIMENSION = "DBClusterIdentifier"
"""The one dimension of each query: the secondary cluster's identifier."""
REPLICATION_LAG = "AuroraGlobalDBReplicationLag"
"""Milliseconds a secondary cluster's storage is behind the primary's (per secondary); the
metric AWS names for lower minor versions of Aurora MySQL."""
RPO_LAG = "AuroraGlobalDBRPOLag"
"""Milliseconds of committed user transactions a failover could lose (per secondary); the
metric AWS names for every Aurora PostgreSQL global database."""
CATCH_UP_METRIC = RPO_LAG
"""What ``failback`` and ``drill`` read to decide that the old primary has caught up."""


@dataclass(frozen=True)
class Lag:
    """The recent values of one lag metric, in milliseconds."""

    metric: str
    latest_ms: float | None
    max_ms: float | None
    datapoints: int
    region: str = ""
    """Where it was read (the secondary cluster's region)."""
    cluster_id: str = ""
    """The ``DBClusterIdentifier`` dimension's value."""

    @property
    def source(self) -> str:
        """``AWS/RDS AuroraGlobalDBRPOLag (DBClusterIdentifier=<id>) in us-east-1``."""
        return f"{NAMESPACE} {self.metric} ({DIMENSION}={self.cluster_id}) in {self.region}"

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "metric": self.metric,
            "namespace": NAMESPACE,
            "dimensions": {DIMENSION: self.cluster_id},
            "region": self.region,
            "latest_ms": self.latest_ms,
            "max_ms": self.max_ms,
            "datapoints": self.datapoints,
        }

    def describe(self) -> str:
        """``latest 120 ms, max 480 ms over 5 datapoints`` or ``no data``."""
        if self.datapoints == 0 or self.latest_ms is None:
            return f"{self.metric}: no data"
        return (
            f"{self.metric}: latest {self.latest_ms:.0f} ms, max {self.max_ms or 0:.0f} ms "
            f"({self.datapoints} datapoints)"
        )


def read_lag(
    ctx: CliContext, region: str, cluster_id: str, metric: str, window_minutes: int = 5
) -> Lag | None:
    """Maximum per minute of ``metric`` over the last ``window_minutes``; ``None`` on error."""
    end = datetime.fromtimestamp(ctx.wall_clock(), tz=UTC)
    try:
        response = ctx.clients.cloudwatch(region).get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName=metric,
            Dimensions=[{"Name": DIMENSION, "Value": cluster_id}],
            StartTime=end - timedelta(minutes=window_minutes),
            EndTime=end + timedelta(minutes=1),
            Period=60,
            Statistics=["Maximum"],
        )
    except Exception as exc:
        ctx.record_error(region, "cloudwatch", explain_error(exc))
        return None
    points: list[tuple[datetime, float]] = []
    raw = response.get("Datapoints")
    for point in raw if isinstance(raw, list) else []:
        if isinstance(point, Mapping):
            stamp, value = point.get("Timestamp"), point.get("Maximum")
            if isinstance(stamp, datetime) and isinstance(value, int | float):
                points.append((stamp, float(value)))
    if not points:
        return Lag(metric, None, None, 0, region, cluster_id)
    points.sort()
    latest, highest = points[-1][1], max(value for _, value in points)
    return Lag(metric, latest, highest, len(points), region, cluster_id)
