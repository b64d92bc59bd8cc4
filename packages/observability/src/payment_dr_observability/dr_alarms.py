"""DrAlarms: the disaster-recovery alarms of one region, acting on that region's topic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

from payment_dr_core import ConfigError, Namer, RegionPair, RegionRole
from payment_dr_observability import _families
from payment_dr_observability._checks import check_arn, check_label, check_literal
from payment_dr_observability.alarm_spec import AlarmSpec, AlarmThresholds
from payment_dr_observability.targets import (
    CLUSTER_IDENTIFIER,
    FUNCTION_NAME,
    HEALTH_CHECK_ID,
    ROUTE53_METRICS_REGION,
    TABLE_NAME,
    ApiStage,
    S3ReplicationRule,
)


@dataclass(frozen=True)
class DrAlarmsProps:
    """Props of :class:`DrAlarms`. Every watched resource is optional: a family of alarms is
    created when its resource is given and its metric is published in this region."""

    namer: Namer
    role: RegionRole
    """The region these alarms live in, by role: ``regions.region_for(role)``."""

    topic_arn: str
    """This region's alert topic (``AlertTopics.topic_arn``): every alarm's ALARM and OK action."""

    regions: RegionPair = field(default_factory=RegionPair)
    """The environment's region pair."""

    function_names: Mapping[str, str] = field(default_factory=dict)
    """Functions of this region by short label (``{"api": ..., "failover": ...}``): an
    Errors and a Throttles alarm each. The label goes into construct IDs and alarm names."""

    api: ApiStage | None = None
    """This region's API stage: 5XX share and p99 latency alarms."""

    aurora_cluster_identifier: str | None = None
    """This region's Aurora cluster: replication and RPO lag alarms on its own lag metrics.
    Give it in both regions: Aurora publishes a cluster's global-database lag only while
    that cluster is a secondary, so after a switchover or failover the alarms of the region
    that became secondary watch it, and the new primary's alarms go quiet (OK)."""

    session_table_name: str | None = None
    """The DynamoDB global table: a replication-latency alarm from this region to the peer."""

    s3_replication: S3ReplicationRule | None = None
    """The primary-to-secondary replication rule: the latency alarm in the secondary
    (destination) region, the failed-operations alarm in the primary (source) region, where
    S3 publishes each metric."""

    health_check_id: str | None = None
    """Route 53 health check of the primary endpoint: a HealthCheckStatus alarm, only in
    us-east-1. None (the default) skips it, e.g. where the edge package already alarms on
    the same health check."""

    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    provider: TerraformProvider | None = None
    """Provider for this region. None: the stack's default provider."""

    @property
    def region(self) -> str:
        """The region of these alarms."""
        return self.regions.region_for(self.role)

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        if not isinstance(self.role, RegionRole):
            raise ConfigError("role", self.role, "RegionRole.PRIMARY or RegionRole.SECONDARY")
        region = self.region
        check_arn("topic_arn", self.topic_arn, "sns", region, r"[A-Za-z0-9_-]{1,256}")
        for label, name in self.function_names.items():
            check_label("function_names", label)
            check_literal(
                f"function_names.{label}", name, FUNCTION_NAME, "a Lambda function name (not ARN)"
            )
        if self.api is not None:
            self.api.validate("api")
        if self.aurora_cluster_identifier is not None:
            check_literal(
                "aurora_cluster_identifier",
                self.aurora_cluster_identifier,
                CLUSTER_IDENTIFIER,
                "an Aurora cluster identifier",
            )
        if self.session_table_name is not None:
            check_literal(
                "session_table_name", self.session_table_name, TABLE_NAME, "a DynamoDB table name"
            )
        if self.s3_replication is not None:
            self.s3_replication.validate("s3_replication")
        if self.health_check_id is not None:
            if region != ROUTE53_METRICS_REGION:
                raise ConfigError(
                    "health_check_id",
                    self.health_check_id,
                    f"None outside {ROUTE53_METRICS_REGION}: Route 53 publishes "
                    f"health-check metrics only there (these alarms are in {region})",
                )
            check_literal(
                "health_check_id",
                self.health_check_id,
                HEALTH_CHECK_ID,
                "a Route 53 health check ID",
            )
        self.thresholds.validate()

    def specs(self) -> tuple[AlarmSpec, ...]:
        """Every alarm these props ask for, in a stable order."""
        ctx = _families.AlarmContext(
            namer=self.namer,
            region=self.region,
            peer_region=self.regions.region_for(self.role.peer),
            thresholds=self.thresholds,
        )
        specs: list[AlarmSpec] = []
        if self.aurora_cluster_identifier is not None:
            specs += _families.aurora_lag(ctx, self.aurora_cluster_identifier)
        if self.s3_replication is not None:
            specs += _families.s3_replication(
                ctx,
                self.s3_replication,
                source=self.role is RegionRole.PRIMARY,
                destination=self.role is RegionRole.SECONDARY,
            )
        if self.session_table_name is not None:
            specs += _families.dynamodb_replication(ctx, self.session_table_name)
        for label, name in self.function_names.items():
            specs += _families.lambda_function(ctx, label, name)
        if self.api is not None:
            specs += _families.api(ctx, self.api)
        if self.health_check_id is not None:
            specs += _families.health_check(ctx, self.health_check_id)
        return tuple(specs)


class DrAlarms(Construct):
    """CloudWatch alarms on the replication, compute, API and health signals of one region.

    Each alarm is created in the region its metric is published in and notifies that
    region's topic on ALARM and on OK (INSUFFICIENT_DATA notifies nobody). The full
    table, with each alarm's missing-data choice, is in the package README.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DrAlarmsProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.region = props.region
        self.specs = props.specs()
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for spec in self.specs:
            self.alarms[spec.key] = CloudwatchMetricAlarm(
                self,
                spec.key,
                alarm_name=spec.name,
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=dict(spec.dimensions),
                statistic=None if spec.is_percentile else spec.statistic,
                extended_statistic=spec.statistic if spec.is_percentile else None,
                evaluate_low_sample_count_percentiles=spec.low_sample_percentiles,
                period=spec.period_seconds,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                treat_missing_data=spec.treat_missing_data,
                actions_enabled=True,
                alarm_actions=[props.topic_arn],
                ok_actions=[props.topic_arn],
                provider=props.provider,
            )

    @property
    def alarm_arns(self) -> dict[str, str]:
        """ARN of each alarm by key (``aurora-replication-lag``, ``lambda-errors-api``, ...)."""
        return {key: alarm.arn for key, alarm in self.alarms.items()}

    @property
    def alarm_names(self) -> dict[str, str]:
        """Name of each alarm by key."""
        return {spec.key: spec.name for spec in self.specs}

    @property
    def health_check_alarm_name(self) -> str | None:
        """Name of the health-check alarm; None when it was skipped."""
        return self.alarm_names.get("health-check")
