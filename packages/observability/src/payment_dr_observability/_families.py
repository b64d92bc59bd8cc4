"""The alarm families, as data: which metric, where it lives, and how missing data counts.

Each function returns the :class:`AlarmSpec` of one family for one region. The region
an alarm is created in is always the region its metric is published in (an alarm can
only watch its own region's metrics), and its action is that region's topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from payment_dr_core import Namer, NameSpec, names
from payment_dr_observability.alarm_spec import AlarmSpec, AlarmThresholds
from payment_dr_observability.targets import ApiStage, S3ReplicationRule

MINUTE = 60


@dataclass(frozen=True)
class AlarmContext:
    """Where the alarms of one :class:`DrAlarms` live and how they are named."""

    namer: Namer
    region: str
    peer_region: str
    thresholds: AlarmThresholds

    def name(self, spec: NameSpec, qualifier: str = "") -> str:
        """The spec's alarm name in this region, with ``qualifier`` after the component."""
        component = f"{spec.component}-{qualifier}" if qualifier else spec.component
        return self.namer.name(spec.kind, component, region=self.region)


def aurora_lag(ctx: AlarmContext, cluster_identifier: str) -> list[AlarmSpec]:
    """Global database lag of this region's cluster, in whichever role it has now.

    ``AuroraGlobalDBReplicationLag`` and ``AuroraGlobalDBRPOLag`` are cluster-level
    ``AWS/RDS`` metrics (dimension ``DBClusterIdentifier``) that measure how far a
    *secondary* cluster is behind the primary ("Cluster-level metrics for Amazon Aurora",
    Aurora User Guide). A cluster publishes them only while it is a secondary, in its own
    region. Each region therefore alarms on its own cluster with missing data as not
    breaching: the secondary's alarms watch the lag, the primary's stay OK, and after a
    switchover or failover the roles, and the alarms that matter, swap by themselves.
    """
    t = ctx.thresholds
    minutes = t.aurora_evaluation_minutes
    dimensions = {"DBClusterIdentifier": cluster_identifier}
    quiet = (
        "No data counts as not breaching: the cluster publishes this only while it is a "
        "secondary, so the writer region's alarm stays OK and the alarm of whichever region is "
        "secondary now does the watching. A cluster that stops publishing because it left the "
        "global database does not raise it: payment-dr status lists the members."
    )
    return [
        AlarmSpec(
            key="aurora-replication-lag",
            name=ctx.name(names.AURORA_REPLICATION_LAG_ALARM),
            namespace="AWS/RDS",
            metric_name="AuroraGlobalDBReplicationLag",
            dimensions=dimensions,
            statistic="Maximum",
            period_seconds=MINUTE,
            evaluation_periods=minutes,
            datapoints_to_alarm=minutes,
            threshold=t.aurora_replication_lag_seconds * 1000,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"Aurora global replication lag of the {ctx.region} cluster, while it is a "
                f"secondary, above {t.aurora_replication_lag_seconds:g} s. {quiet}"
            ),
        ),
        AlarmSpec(
            key="aurora-rpo-lag",
            name=ctx.name(names.AURORA_RPO_LAG_ALARM),
            namespace="AWS/RDS",
            metric_name="AuroraGlobalDBRPOLag",
            dimensions=dimensions,
            statistic="Maximum",
            period_seconds=MINUTE,
            evaluation_periods=minutes,
            datapoints_to_alarm=minutes,
            threshold=t.aurora_rpo_lag_seconds * 1000,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"Aurora global RPO lag (user transactions not yet stored) of the {ctx.region} "
                f"cluster, while it is a secondary, above {t.aurora_rpo_lag_seconds:g} s: an "
                f"unplanned failover now would lose that much. {quiet}"
            ),
        ),
    ]


def s3_replication(
    ctx: AlarmContext, rule: S3ReplicationRule, *, source: bool, destination: bool
) -> list[AlarmSpec]:
    """Replication latency (destination region) and failed operations (source region)."""
    dimensions = {
        "SourceBucket": rule.source_bucket,
        "DestinationBucket": rule.destination_bucket,
        "RuleId": rule.rule_id,
    }
    specs = []
    if destination:
        seconds = ctx.thresholds.s3_replication_latency_seconds
        specs.append(
            AlarmSpec(
                key="s3-replication-latency",
                name=ctx.name(names.S3_REPLICATION_LATENCY_ALARM),
                namespace="AWS/S3",
                metric_name="ReplicationLatency",
                dimensions=dimensions,
                statistic="Maximum",
                period_seconds=MINUTE,
                evaluation_periods=5,
                datapoints_to_alarm=5,
                threshold=seconds,
                comparison="GreaterThanThreshold",
                treat_missing_data="missing",
                description=(
                    f"S3 replication into {ctx.region} more than {seconds:g} s behind. No data "
                    "leaves the alarm INSUFFICIENT_DATA: the metric is best-effort and starts "
                    "15 minutes after replication is enabled; failures page separately."
                ),
            )
        )
    if source:
        specs.append(
            AlarmSpec(
                key="s3-replication-failed",
                name=ctx.name(names.S3_REPLICATION_FAILED_ALARM),
                namespace="AWS/S3",
                metric_name="OperationsFailedReplication",
                dimensions=dimensions,
                statistic="Sum",
                period_seconds=5 * MINUTE,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                threshold=0,
                comparison="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                description=(
                    f"S3 replication operations failed from {ctx.region}. No data counts as not "
                    "breaching: S3 publishes this count only when an operation fails."
                ),
            )
        )
    return specs


def dynamodb_replication(ctx: AlarmContext, table_name: str) -> list[AlarmSpec]:
    """Replication latency from this region's replica to the peer region's replica.

    DynamoDB publishes ``ReplicationLatency`` in the region items are replicated from,
    with ``ReceivingRegion`` naming the region they are replicated to.
    """
    seconds = ctx.thresholds.dynamodb_replication_latency_seconds
    return [
        AlarmSpec(
            key="dynamodb-replication-latency",
            name=ctx.name(names.DYNAMODB_REPLICATION_LATENCY_ALARM),
            namespace="AWS/DynamoDB",
            metric_name="ReplicationLatency",
            dimensions={"TableName": table_name, "ReceivingRegion": ctx.peer_region},
            statistic="Average",
            period_seconds=5 * MINUTE,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            threshold=seconds * 1000,
            comparison="GreaterThanThreshold",
            treat_missing_data="ignore",
            description=(
                f"DynamoDB replication {ctx.region} -> {ctx.peer_region} above {seconds:g} s on "
                "average. Missing data keeps the current state: the metric exists only while "
                "items replicate, so a quiet table must not page and a stall must not clear."
            ),
        )
    ]


def lambda_function(ctx: AlarmContext, label: str, function_name: str) -> list[AlarmSpec]:
    """Errors and throttles of one function."""
    t = ctx.thresholds
    dimensions = {"FunctionName": function_name}
    quiet = "No data counts as not breaching: Lambda reports nothing while it is not invoked."
    return [
        AlarmSpec(
            key=f"lambda-errors-{label}",
            name=ctx.name(names.LAMBDA_ERRORS_ALARM, label),
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions=dimensions,
            statistic="Sum",
            period_seconds=MINUTE,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            threshold=t.lambda_errors_per_minute,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"Function {label} in {ctx.region}: more than {t.lambda_errors_per_minute} "
                f"errors a minute. {quiet}"
            ),
        ),
        AlarmSpec(
            key=f"lambda-throttles-{label}",
            name=ctx.name(names.LAMBDA_THROTTLES_ALARM, label),
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions=dimensions,
            statistic="Sum",
            period_seconds=MINUTE,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            threshold=t.lambda_throttles_per_minute,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"Function {label} in {ctx.region}: more than "
                f"{t.lambda_throttles_per_minute} throttled invocations a minute. {quiet}"
            ),
        ),
    ]


def api(ctx: AlarmContext, stage: ApiStage) -> list[AlarmSpec]:
    """5XX share and p99 latency of one API stage."""
    t = ctx.thresholds
    dimensions = {"ApiName": stage.api_name, "Stage": stage.stage_name}
    quiet = "No data counts as not breaching: the standby API sees no traffic."
    return [
        AlarmSpec(
            key="api-5xx",
            name=ctx.name(names.API_5XX_ALARM),
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions=dimensions,
            statistic="Average",
            period_seconds=MINUTE,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=t.api_5xx_rate,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"API in {ctx.region}: more than {t.api_5xx_rate:.0%} of requests answered 5XX. "
                f"{quiet}"
            ),
        ),
        AlarmSpec(
            key="api-latency-p99",
            name=ctx.name(names.API_LATENCY_ALARM),
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions=dimensions,
            statistic="p99",
            period_seconds=MINUTE,
            evaluation_periods=5,
            datapoints_to_alarm=5,
            threshold=t.api_latency_p99_ms,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            description=(
                f"API in {ctx.region}: p99 latency above {t.api_latency_p99_ms:g} ms. {quiet} "
                "Minutes with too few requests for a p99 are not evaluated."
            ),
            low_sample_percentiles="ignore",
        ),
    ]


def health_check(ctx: AlarmContext, health_check_id: str) -> list[AlarmSpec]:
    """Route 53 health check of the primary endpoint (metrics exist only in us-east-1)."""
    return [
        AlarmSpec(
            key="health-check",
            name=ctx.name(names.HEALTH_CHECK_ALARM),
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": health_check_id},
            statistic="Minimum",
            period_seconds=MINUTE,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            threshold=1,
            comparison="LessThanThreshold",
            treat_missing_data="breaching",
            description=(
                "Route 53 health check of the primary endpoint failing. No data counts as "
                "breaching: Route 53 reports every minute while the check exists, and a failover "
                "signal must not stay green when its source falls silent."
            ),
        )
    ]
