"""ReadinessEvaluator: the secondary-region function that checks, every 5 minutes, what a
failover will need, and the alarm that pages when the pair is not shown ready."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from constructs import Construct

from payment_dr_compute._schedule import schedule_function
from payment_dr_compute.bundle import Bundle
from payment_dr_compute.function import PolicyStatement, RegionalFunction, RegionalFunctionProps
from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, check_all, in_range

HANDLER = "payment_service.readiness.handler"

READINESS_NAMESPACE = "PaymentDR/Readiness"
"""Namespace the runtime publishes to (payment_service.readiness.publish.NAMESPACE)."""
READY_METRIC = "Ready"
"""1 when every check passed, 0 when one failed; dimension ``Environment``."""
CHECK_METRIC = "CheckPassed"
"""1 pass, 0 fail; dimensions ``Environment`` and ``Check``."""
READINESS_CHECKS: tuple[str, ...] = (
    "global-cluster",
    "cluster-instances",
    "serverless-capacity",
    "replication-lag",
    "writer-dns",
    "dynamodb-replica",
    "s3-replication",
    "client-keys-secret",
    "certificates",
    "failover-record",
    "auto-failover-switch",
    "orchestrator-decisions",
    "orchestrator-schedule",
    "probes-publishing",
    "standby-concurrency",
    "alarms-reporting",
)
"""The ``Check`` dimension values the runtime publishes (payment_service.readiness.checks
``CHECK_NAMES``; tests/app holds the two equal)."""

READINESS_TIMEOUT_SECONDS = 60
"""The function's timeout: the checks' 25 s budget and the 10 s recording reserve fit inside
(the runtime refuses a budget that does not, at cold start)."""
RPO_SECONDS = 15 * 60
"""The business recovery point objective."""
RECORD_PARTITION = "READINESS"
"""The decision table partition the evaluator writes (payment_service.readiness.store)."""
DECISION_PARTITION = "DECISION"
"""The orchestrator's decisions partition, which the evaluator reads."""


def watched_alarms_variable(namer: Namer, watched: Mapping[str, tuple[str, ...]]) -> str:
    """``WATCHED_ALARMS``: the names without the parts every name of the environment shares
    (``<prefix>-`` and ``-<suffix>``), so the variable stays well inside Lambda's 4 KB of
    environment; when a name does not share them, every name is kept whole."""
    prefix, suffix = f"{namer.prefix}-", f"-{namer.suffix}"
    every = [name for alarms in watched.values() for name in alarms]
    if not all(name.startswith(prefix) and name.endswith(suffix) for name in every):
        prefix, suffix = "", ""
    alarms = {
        region: [name[len(prefix) : len(name) - len(suffix)] for name in names_of_region]
        for region, names_of_region in watched.items()
    }
    return json.dumps({"prefix": prefix, "suffix": suffix, "alarms": alarms}, separators=(",", ":"))


@dataclass(frozen=True, kw_only=True)
class ReadinessEvaluatorProps:
    """Props of :class:`ReadinessEvaluator`. It runs in the secondary region."""

    namer: Namer
    region: str
    """The secondary region: the function, its schedule, its metrics and its alarm."""

    primary_region: str
    bundle: Bundle
    kms_key_arn: str
    """This region's key: environment, logs, and the decision table it reads and writes."""

    global_cluster_identifier: str
    primary_cluster_arn: str
    secondary_cluster_arn: str
    session_table_name: str
    session_table_arn: str
    """The session table's replica in ``region`` (DescribeTable)."""

    source_bucket_name: str
    source_bucket_arn: str
    """The replicated data bucket, in the primary region (GetBucketReplication)."""

    destination_bucket_name: str
    replication_rule_id: str
    client_keys_secret_arn: str
    """The client-key secret in the primary region."""

    client_keys_replica_arn: str
    """Its replica in ``region``."""

    certificate_arns: tuple[str, ...]
    """Every API certificate of both regions."""

    health_check_id: str
    """The primary API's Route 53 health check, attached to the PRIMARY record."""

    hosted_zone_id: str
    api_domain_name: str
    """The failover name whose PRIMARY record must carry the health check."""

    switch_parameter_name: str
    decision_table_name: str
    decision_table_arn: str
    orchestrator_rule_name: str
    probe_regions: tuple[str, ...]
    """Regions of the primary probes that must be publishing."""

    standby_function_names: tuple[str, ...]
    """Functions of ``region`` that must not be throttled to zero."""

    watched_alarms: Mapping[str, tuple[str, ...]]
    """Per region, the alarms that must not sit in INSUFFICIENT_DATA (literal names)."""

    alarm_topic_arn: str
    """This region's alert topic: the readiness alarm's ALARM and OK actions."""

    lag_alarm_seconds: int = 60
    """``replication_lag_alarm_seconds``: an ``AuroraGlobalDBRPOLag`` above it fails."""

    decision_max_age_seconds: int = 300
    """An orchestrator decision older than this fails (several of its schedule periods)."""

    schedule_minutes: int = 5
    """Minutes between evaluations; also the alarm's period."""

    alarm_evaluation_periods: int = 3
    """Periods in a row without a ``Ready`` of 1 (a failed check, or no datapoint) before the
    alarm pages (1 to 10): 15 minutes by default, so one unknown evaluation pages nobody."""

    log_retention_days: int = 365
    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        validate_region("primary_region", self.primary_region)
        if self.region == self.primary_region:
            raise ConfigError(
                "region",
                self.region,
                f"the secondary region, not the primary ({self.primary_region})",
            )
        for index, probe_region in enumerate(self.probe_regions):
            validate_region(f"probe_regions[{index}]", probe_region)
        for field_name, values in (
            ("certificate_arns", self.certificate_arns),
            ("probe_regions", self.probe_regions),
            ("standby_function_names", self.standby_function_names),
            ("watched_alarms", tuple(self.watched_alarms)),
        ):
            if not values:
                raise ConfigError(field_name, list(values), "at least one")
        for alarm_region, alarms in self.watched_alarms.items():
            validate_region("watched_alarms", alarm_region)
            if not alarms:
                raise ConfigError(f"watched_alarms.{alarm_region}", list(alarms), "alarm names")
        check_all(
            [
                (
                    Rule[int]("lag_alarm_seconds", in_range(1, RPO_SECONDS - 1), "1 to 899"),
                    self.lag_alarm_seconds,
                ),
                (
                    Rule[int]("decision_max_age_seconds", in_range(60, 3600), "60 to 3600"),
                    self.decision_max_age_seconds,
                ),
                (Rule[int]("schedule_minutes", in_range(1, 60), "1 to 60"), self.schedule_minutes),
                (
                    Rule[int]("alarm_evaluation_periods", in_range(1, 10), "1 to 10"),
                    self.alarm_evaluation_periods,
                ),
            ]
        )


class ReadinessEvaluator(Construct):
    """The readiness function, its schedule, and its alarm.

    The function is not attached to the VPC: it reads Route 53's global API, ACM, Lambda,
    EventBridge and CloudWatch in three regions, none of which an endpoint in the private
    subnets provides (they have no NAT by design). Its role reads exactly the resources it
    checks, by ARN, and writes one thing: its own ``READINESS`` items in the decision table
    (``dynamodb:LeadingKeys``). Its metrics go out as embedded-metric-format log lines, so it
    holds no ``cloudwatch:PutMetricData``.

    The alarm is in ALARM after ``alarm_evaluation_periods`` periods in a row without a
    ``Ready`` datapoint of 1: a check failed, or the evaluator could not tell (unknown
    publishes nothing), or it did not run at all (missing data is breaching).
    """

    def __init__(self, scope: Construct, construct_id: str, props: ReadinessEvaluatorProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        namer, region, provider = props.namer, props.region, props.provider
        account = DataAwsCallerIdentity(self, "caller", provider=provider).account_id
        self.function = RegionalFunction(
            self,
            "function",
            RegionalFunctionProps(
                namer=namer,
                region=region,
                component=names.READINESS_FUNCTION.component,
                handler=HANDLER,
                description="Checks every 5 minutes what a failover to this region needs, "
                "and publishes PaymentDR/Readiness",
                bundle=props.bundle,
                kms_key_arn=props.kms_key_arn,
                vpc_attached=False,
                statements=self._statements(props, account),
                environment=self._environment(props),
                reads_metrics=True,
                memory_mb=256,
                timeout_seconds=READINESS_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                provider=provider,
            ),
        )
        self.schedule = schedule_function(
            self,
            self.function,
            name=namer.of(names.READINESS_SCHEDULE, region=region),
            description="Evaluates DR readiness",
            minutes=props.schedule_minutes,
            provider=provider,
        )
        periods = props.alarm_evaluation_periods
        period = props.schedule_minutes * 60
        topics = [props.alarm_topic_arn]
        self.alarm = CloudwatchMetricAlarm(
            self,
            "not-ready",
            alarm_name=namer.of(names.READINESS_ALARM, region=region),
            alarm_description=(
                f"The DR pair is not shown ready for {periods * props.schedule_minutes} "
                "minutes: a readiness check fails, or the evaluator cannot tell or does not "
                "run. Run 'payment-dr readiness' (docs/runbook.md, 'Readiness')."
            ),
            namespace=READINESS_NAMESPACE,
            metric_name=READY_METRIC,
            dimensions={"Environment": namer.suffix},
            statistic="Minimum",
            period=period,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            threshold=1,
            comparison_operator="LessThanThreshold",
            # No datapoint is no evidence of readiness: an unknown evaluation, or none.
            treat_missing_data="breaching",
            actions_enabled=True,
            alarm_actions=topics,
            ok_actions=topics,
            provider=provider,
        )

    @staticmethod
    def _statements(props: ReadinessEvaluatorProps, account: str) -> tuple[PolicyStatement, ...]:
        """Exact actions on exact ARNs; ``cloudwatch:GetMetricStatistics`` (no resource types:
        Service Authorization Reference, "Actions, resources, and condition keys for Amazon
        CloudWatch") comes from ``reads_metrics``. Resource types per action, from the same
        reference: RDS global-cluster and cluster; DynamoDB table; S3 bucket; Secrets Manager
        secret; ACM certificate; Route 53 healthcheck and hostedzone; SSM parameter;
        EventBridge rule; Lambda function; CloudWatch alarm."""
        region = props.region

        def alarm_arns(alarm_region: str, alarms: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(
                f"arn:aws:cloudwatch:{alarm_region}:{account}:alarm:{alarm}" for alarm in alarms
            )

        return (
            PolicyStatement(
                "ReadGlobalCluster",
                ("rds:DescribeGlobalClusters",),
                (f"arn:aws:rds::{account}:global-cluster:{props.global_cluster_identifier}",),
            ),
            PolicyStatement(
                "ReadClusters",
                ("rds:DescribeDBClusters",),
                (props.primary_cluster_arn, props.secondary_cluster_arn),
            ),
            PolicyStatement(
                "ReadSessionTableReplica", ("dynamodb:DescribeTable",), (props.session_table_arn,)
            ),
            PolicyStatement(
                "ReadBucketReplication",
                ("s3:GetReplicationConfiguration",),
                (props.source_bucket_arn,),
            ),
            PolicyStatement(
                "DescribeClientKeySecret",
                ("secretsmanager:DescribeSecret",),
                (props.client_keys_secret_arn, props.client_keys_replica_arn),
            ),
            PolicyStatement(
                "DescribeCertificates", ("acm:DescribeCertificate",), props.certificate_arns
            ),
            PolicyStatement(
                "ReadHealthCheck",
                ("route53:GetHealthCheck",),
                (f"arn:aws:route53:::healthcheck/{props.health_check_id}",),
            ),
            PolicyStatement(
                "ReadFailoverRecords",
                ("route53:ListResourceRecordSets",),
                (f"arn:aws:route53:::hostedzone/{props.hosted_zone_id}",),
            ),
            PolicyStatement(
                "ReadSwitch",
                ("ssm:GetParameter",),
                (f"arn:aws:ssm:{region}:{account}:parameter{props.switch_parameter_name}",),
            ),
            # The orchestrator's items stay read-only to the evaluator: Query on the
            # DECISION partition, PutItem on its own READINESS partition only (DynamoDB
            # Developer Guide, "Using IAM policy conditions for fine-grained access control").
            PolicyStatement(
                "ReadLastDecision",
                ("dynamodb:Query",),
                (props.decision_table_arn,),
                (("ForAllValues:StringEquals", "dynamodb:LeadingKeys", (DECISION_PARTITION,)),),
            ),
            PolicyStatement(
                "RecordReadiness",
                ("dynamodb:PutItem",),
                (props.decision_table_arn,),
                (("ForAllValues:StringEquals", "dynamodb:LeadingKeys", (RECORD_PARTITION,)),),
            ),
            # The decision table is encrypted with this region's key; DynamoDB uses it with
            # the caller's permissions (AWS KMS Developer Guide, "How Amazon DynamoDB uses
            # AWS KMS").
            PolicyStatement(
                "UseTableKeyThroughDynamoDb",
                ("kms:Decrypt", "kms:GenerateDataKey"),
                (props.kms_key_arn,),
                (("StringEquals", "kms:ViaService", (f"dynamodb.{region}.amazonaws.com",)),),
            ),
            PolicyStatement(
                "ReadOrchestratorSchedule",
                ("events:DescribeRule",),
                (f"arn:aws:events:{region}:{account}:rule/{props.orchestrator_rule_name}",),
            ),
            PolicyStatement(
                "ReadStandbyConcurrency",
                ("lambda:GetFunctionConcurrency",),
                tuple(
                    f"arn:aws:lambda:{region}:{account}:function:{name}"
                    for name in props.standby_function_names
                ),
            ),
            PolicyStatement(
                "ReadWatchedAlarms",
                ("cloudwatch:DescribeAlarms",),
                tuple(
                    arn
                    for alarm_region, alarms in props.watched_alarms.items()
                    for arn in alarm_arns(alarm_region, alarms)
                ),
            ),
        )

    @staticmethod
    def _environment(props: ReadinessEvaluatorProps) -> dict[str, str]:
        """The runtime's settings (payment_service.readiness.settings)."""
        return {
            "ENVIRONMENT_SUFFIX": props.namer.suffix,
            "PRIMARY_REGION": props.primary_region,
            "GLOBAL_CLUSTER_ID": props.global_cluster_identifier,
            "PRIMARY_CLUSTER_ARN": props.primary_cluster_arn,
            "SECONDARY_CLUSTER_ARN": props.secondary_cluster_arn,
            "SESSION_TABLE_NAME": props.session_table_name,
            "SOURCE_BUCKET": props.source_bucket_name,
            "DESTINATION_BUCKET": props.destination_bucket_name,
            "REPLICATION_RULE_ID": props.replication_rule_id,
            "CLIENT_KEYS_SECRET_ARN": props.client_keys_secret_arn,
            "CLIENT_KEYS_REPLICA_ARN": props.client_keys_replica_arn,
            "CERTIFICATE_ARNS": ",".join(props.certificate_arns),
            "HEALTH_CHECK_ID": props.health_check_id,
            "HOSTED_ZONE_ID": props.hosted_zone_id,
            "API_DOMAIN_NAME": props.api_domain_name,
            "SWITCH_PARAMETER_NAME": props.switch_parameter_name,
            "DECISION_TABLE_NAME": props.decision_table_name,
            "ORCHESTRATOR_RULE_NAME": props.orchestrator_rule_name,
            "PROBE_REGIONS": ",".join(props.probe_regions),
            "STANDBY_FUNCTIONS": ",".join(props.standby_function_names),
            "WATCHED_ALARMS": watched_alarms_variable(props.namer, props.watched_alarms),
            "LAG_ALARM_SECONDS": str(props.lag_alarm_seconds),
            "RPO_SECONDS": str(RPO_SECONDS),
            "DECISION_MAX_AGE_SECONDS": str(props.decision_max_age_seconds),
            # The checks' budget and the record must fit in it: checked at cold start.
            "FUNCTION_TIMEOUT_SECONDS": str(READINESS_TIMEOUT_SECONDS),
        }

    @property
    def function_name(self) -> str:
        """Name of the readiness function."""
        return self.function.function_name

    @property
    def function_arn(self) -> str:
        """ARN of the readiness function."""
        return self.function.function_arn

    @property
    def alarm_name(self) -> str:
        """Name of the not-ready alarm (in the secondary region)."""
        return self.alarm.alarm_name

    @property
    def alarm_arn(self) -> str:
        """ARN of the not-ready alarm."""
        return self.alarm.arn

    @property
    def schedule_rule_name(self) -> str:
        """Name of the EventBridge schedule."""
        return self.schedule.name
