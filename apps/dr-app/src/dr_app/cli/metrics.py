"""Replication lag of a secondary cluster from CloudWatch (in that cluster's region)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dr_app.cli.context import CliContext
from payment_service.failover import explain_error

NAMESPACE = "AWS/RDS"
REPLICATION_LAG = "AuroraGlobalDBReplicationLag"
"""Milliseconds a secondary cluster's storage is behind the primary's (per secondary)."""
RPO_LAG = "AuroraGlobalDBRPOLag"
"""Milliseconds of committed transactions a failover could lose (per secondary)."""


@dataclass(frozen=True)
class Lag:
    """The recent values of one lag metric, in milliseconds."""

    metric: str
    latest_ms: float | None
    max_ms: float | None
    datapoints: int

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "metric": self.metric,
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
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
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
        return Lag(metric, None, None, 0)
    points.sort()
    return Lag(metric, points[-1][1], max(value for _, value in points), len(points))
