"""The DR dashboard body as a Python structure, before Terraform encodes it.

Two columns: the primary region's widgets on the left (x = 0), the secondary region's on
the right (x = 12), one row per signal, so the two regions read side by side. Every
widget is a metric widget that names its region in ``properties.region`` and in its title.
Values may be Terraform references (tokens); :class:`DrDashboard` hands this structure to
``Fn.jsonencode`` so that Terraform resolves and encodes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from payment_dr_observability.targets import (
    ROUTE53_METRICS_REGION,
    ApiStage,
    ReadinessMetrics,
    S3ReplicationRule,
)

COLUMN_WIDTH = 12
ROW_HEIGHT = 6


class MetricOptions(TypedDict, total=False):
    """Rendering options of one metric line."""

    stat: str
    label: str
    yAxis: str
    """``left`` or ``right``."""


MetricLine = list[str | MetricOptions]
"""``[namespace, metric, dimension name, value, ..., options]``."""


class WidgetProperties(TypedDict):
    """Properties of a metric widget."""

    title: str
    region: str
    view: str
    stacked: bool
    period: int
    stat: str
    metrics: list[MetricLine]


class Widget(TypedDict):
    """One widget and its place on the 24-column grid."""

    type: str
    x: int
    y: int
    width: int
    height: int
    properties: WidgetProperties


class DashboardBody(TypedDict):
    """The dashboard body."""

    widgets: list[Widget]


@dataclass(frozen=True)
class RegionView:
    """What the dashboard shows for one region."""

    region: str
    aurora_cluster_identifier: str | None = None
    """This region's Aurora cluster: performance, and global lag (reported by the cluster
    while it is the secondary)."""

    function_names: Mapping[str, str] = field(default_factory=dict)
    """This region's functions by short label."""

    api: ApiStage | None = None
    """This region's API stage."""


def _line(namespace: str, metric: str, dimensions: Mapping[str, str], **options: str) -> MetricLine:
    line: MetricLine = [namespace, metric]
    for name, value in dimensions.items():
        line += [name, value]
    if options:
        rendering: MetricOptions = {}
        if "stat" in options:
            rendering["stat"] = options["stat"]
        if "label" in options:
            rendering["label"] = options["label"]
        if "axis" in options:
            rendering["yAxis"] = options["axis"]
        line.append(rendering)
    return line


def _widget(
    what: str, region: str, metrics: list[MetricLine], *, stat: str = "Average", period: int = 60
) -> WidgetProperties:
    return {
        "title": f"[{region}] {what}",
        "region": region,
        "view": "timeSeries",
        "stacked": False,
        "period": period,
        "stat": stat,
        "metrics": metrics,
    }


def _aurora(view: RegionView) -> list[WidgetProperties]:
    if view.aurora_cluster_identifier is None:
        return []
    cluster = {"DBClusterIdentifier": view.aurora_cluster_identifier}
    rds, region = "AWS/RDS", view.region
    return [
        _widget(
            "Aurora CPU and capacity",
            region,
            [
                _line(rds, "CPUUtilization", cluster, label="CPU %"),
                _line(rds, "ACUUtilization", cluster, label="ACU utilization %"),
                _line(rds, "ServerlessDatabaseCapacity", cluster, label="ACUs", axis="right"),
            ],
        ),
        _widget(
            "Aurora connections and commit latency",
            region,
            [
                _line(rds, "DatabaseConnections", cluster, label="connections"),
                _line(rds, "CommitLatency", cluster, label="commit latency ms", axis="right"),
            ],
        ),
        _widget(
            "Aurora global lag ms (reported while this cluster is the secondary)",
            region,
            [
                _line(rds, "AuroraGlobalDBReplicationLag", cluster, label="replication lag"),
                _line(rds, "AuroraGlobalDBRPOLag", cluster, label="RPO lag"),
            ],
            stat="Maximum",
        ),
    ]


def _functions(view: RegionView) -> list[WidgetProperties]:
    if not view.function_names:
        return []
    counts: list[MetricLine] = []
    durations: list[MetricLine] = []
    for label, name in view.function_names.items():
        function = {"FunctionName": name}
        counts.append(_line("AWS/Lambda", "Invocations", function, label=f"{label} invocations"))
        counts.append(_line("AWS/Lambda", "Errors", function, label=f"{label} errors"))
        durations.append(
            _line("AWS/Lambda", "Duration", function, stat="p99", label=f"{label} p99 ms")
        )
    return [
        _widget("Lambda invocations and errors", view.region, counts, stat="Sum"),
        _widget("Lambda duration", view.region, durations, stat="p99"),
    ]


def _api(view: RegionView) -> list[WidgetProperties]:
    if view.api is None:
        return []
    stage = {"ApiName": view.api.api_name, "Stage": view.api.stage_name}
    gateway = "AWS/ApiGateway"
    return [
        _widget(
            "API requests and errors",
            view.region,
            [
                _line(gateway, "Count", stage, label="requests"),
                _line(gateway, "4XXError", stage, label="4XX"),
                _line(gateway, "5XXError", stage, label="5XX"),
            ],
            stat="Sum",
        ),
        _widget(
            "API latency ms",
            view.region,
            [
                _line(gateway, "Latency", stage, stat="p50", label="p50"),
                _line(gateway, "Latency", stage, stat="p99", label="p99"),
            ],
            stat="p99",
        ),
    ]


def _s3(
    rule: S3ReplicationRule, source: str, destination: str
) -> tuple[WidgetProperties, WidgetProperties]:
    dims = {
        "SourceBucket": rule.source_bucket,
        "DestinationBucket": rule.destination_bucket,
        "RuleId": rule.rule_id,
    }
    failed = _widget(
        "S3 replication failures (published in the source region)",
        source,
        [_line("AWS/S3", "OperationsFailedReplication", dims, label="failed operations")],
        stat="Sum",
    )
    progress = _widget(
        "S3 replication latency and backlog (published in the destination region)",
        destination,
        [
            _line("AWS/S3", "ReplicationLatency", dims, label="latency s"),
            _line(
                "AWS/S3",
                "OperationsPendingReplication",
                dims,
                label="pending operations",
                axis="right",
            ),
        ],
        stat="Maximum",
    )
    return failed, progress


def _dynamodb(table_name: str, region: str, receiving: str) -> WidgetProperties:
    return _widget(
        f"DynamoDB replication latency ms to {receiving}",
        region,
        [
            _line(
                "AWS/DynamoDB",
                "ReplicationLatency",
                {"TableName": table_name, "ReceivingRegion": receiving},
                label="average",
            ),
            _line(
                "AWS/DynamoDB",
                "ReplicationLatency",
                {"TableName": table_name, "ReceivingRegion": receiving},
                stat="Maximum",
                label="maximum",
            ),
        ],
        period=300,
    )


def _health_checks(primary_id: str | None, secondary_id: str | None) -> WidgetProperties:
    lines = [
        _line("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": check_id}, label=label)
        for label, check_id in (("primary", primary_id), ("secondary", secondary_id))
        if check_id is not None
    ]
    return _widget(
        "Route 53 health checks (1 healthy, 0 failing)",
        ROUTE53_METRICS_REGION,
        lines,
        stat="Minimum",
    )


def _readiness(readiness: ReadinessMetrics) -> tuple[WidgetProperties, WidgetProperties]:
    environment = {"Environment": readiness.environment}
    period = 300
    overall = _widget(
        "DR readiness (1 ready, 0 not ready; a gap: unknown or no evaluation)",
        readiness.region,
        [_line(readiness.namespace, readiness.ready_metric, environment, label="ready")],
        stat="Minimum",
        period=period,
    )
    checks = _widget(
        "Readiness checks (1 pass, 0 fail; a gap: unknown)",
        readiness.region,
        [
            _line(
                readiness.namespace,
                readiness.check_metric,
                {**environment, "Check": check},
                label=check,
            )
            for check in readiness.checks
        ],
        stat="Minimum",
        period=period,
    )
    return overall, checks


def _pairs(
    left: list[WidgetProperties], right: list[WidgetProperties]
) -> list[tuple[WidgetProperties | None, WidgetProperties | None]]:
    rows: list[tuple[WidgetProperties | None, WidgetProperties | None]] = []
    for index in range(max(len(left), len(right))):
        rows.append(
            (
                left[index] if index < len(left) else None,
                right[index] if index < len(right) else None,
            )
        )
    return rows


def build_dashboard_body(
    primary: RegionView,
    secondary: RegionView,
    *,
    session_table_name: str | None = None,
    s3_replication: S3ReplicationRule | None = None,
    health_check_id: str | None = None,
    secondary_health_check_id: str | None = None,
    readiness: ReadinessMetrics | None = None,
) -> DashboardBody:
    """The widgets, row by row: Aurora, Lambda, API, S3, DynamoDB, health checks, readiness.

    Route 53 publishes health-check metrics only in us-east-1, so the health-check widget
    sits in the left column whichever region it checks. The readiness evaluator runs in the
    secondary region: its two widgets (the overall ``Ready`` and one line per check) sit in
    the right column.
    """
    rows = _pairs(_aurora(primary), _aurora(secondary))
    rows += _pairs(_functions(primary), _functions(secondary))
    rows += _pairs(_api(primary), _api(secondary))
    if s3_replication is not None:
        rows.append(_s3(s3_replication, primary.region, secondary.region))
    if session_table_name is not None:
        rows.append(
            (
                _dynamodb(session_table_name, primary.region, secondary.region),
                _dynamodb(session_table_name, secondary.region, primary.region),
            )
        )
    if health_check_id is not None or secondary_health_check_id is not None:
        rows.append((_health_checks(health_check_id, secondary_health_check_id), None))
    if readiness is not None:
        overall, checks = _readiness(readiness)
        rows += [(None, overall), (None, checks)]
    widgets: list[Widget] = []
    for row, (left, right) in enumerate(rows):
        for column, properties in enumerate((left, right)):
            if properties is not None:
                widgets.append(
                    {
                        "type": "metric",
                        "x": column * COLUMN_WIDTH,
                        "y": row * ROW_HEIGHT,
                        "width": COLUMN_WIDTH,
                        "height": ROW_HEIGHT,
                        "properties": properties,
                    }
                )
    return {"widgets": widgets}
