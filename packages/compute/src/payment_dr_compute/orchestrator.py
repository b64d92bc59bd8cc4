"""FailoverOrchestrator: the secondary-region function that promotes the secondary cluster."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from payment_dr_compute._schedule import schedule_function
from payment_dr_compute.bundle import Bundle
from payment_dr_compute.function import PolicyStatement, RegionalFunction, RegionalFunctionProps
from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, check_all, in_range

HANDLER = "payment_service.orchestrator.handler"


ORCHESTRATOR_TIMEOUT_SECONDS = 30
"""The orchestrator function's timeout (its evaluation budgets must fit inside)."""


@dataclass(frozen=True, kw_only=True)
class FailoverOrchestratorProps:
    """Props of :class:`FailoverOrchestrator`. It runs in the secondary region."""

    namer: Namer
    region: str
    """The secondary region."""

    primary_region: str
    bundle: Bundle
    kms_key_arn: str
    """The secondary region's key: decision table, environment, logs, SNS publishing."""

    global_cluster_identifier: str
    primary_cluster_arn: str
    secondary_cluster_arn: str
    primary_health_check_id: str
    primary_health_url: str
    """``https://<primary API's own host>/<stage>/health``, probed from this region."""

    secondary_health_url: str
    primary_alarm_name: str
    """The Route 53 health alarm, in the primary region."""

    alert_topic_arn: str
    """This region's alert topic."""

    consecutive_failures: int = 3
    schedule_minutes: int = 1
    auto_failover_enabled: bool = True
    """Initial value of the switch parameter; later deploys leave the live value alone."""

    log_retention_days: int = 365
    primary_kms_key_arn: str | None = None
    """The primary region's key, which encrypts the primary cluster and so its failover
    snapshot; with it the function may use the key through RDS in that region to copy the
    snapshot (``None``: no KMS grant; the copy of an encrypted snapshot is then refused)."""

    secondary_probe_alarm_name: str | None = None
    """The no-response alarm of the scheduled probe in ``region`` (:class:`PrimaryProbe`);
    None: not read."""

    remote_probe_region: str | None = None
    """The third region whose probe's alarm is the second independent vantage point."""

    remote_probe_alarm_name: str | None = None
    """That probe's no-response alarm, in ``remote_probe_region``; set with it or not at all."""

    healthy_rpo_lag_seconds: int = 60
    """An ``AuroraGlobalDBRPOLag`` above this is no evidence of a healthy primary database,
    so no switchover on it (the environment's ``replication_lag_alarm_seconds``)."""

    deletion_protection: bool = False
    """True: the decision table (the record of every automatic failover decision) refuses
    deletion; production environments set it. False: ``destroy`` deletes it."""

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
        if not isinstance(self.deletion_protection, bool):
            raise ConfigError("deletion_protection", self.deletion_protection, "true or false")
        if (self.remote_probe_region is None) != (self.remote_probe_alarm_name is None):
            raise ConfigError(
                "remote_probe_region",
                self.remote_probe_region,
                "set together with remote_probe_alarm_name, or both None",
            )
        if self.remote_probe_region is not None:
            validate_region("remote_probe_region", self.remote_probe_region)
            if self.remote_probe_region in (self.region, self.primary_region):
                raise ConfigError(
                    "remote_probe_region",
                    self.remote_probe_region,
                    f"a third region, neither {self.primary_region} nor {self.region}",
                )
        check_all(
            [
                (
                    Rule[int]("consecutive_failures", in_range(1, 10), "1 to 10"),
                    self.consecutive_failures,
                ),
                (Rule[int]("schedule_minutes", in_range(1, 10), "1 to 10"), self.schedule_minutes),
            ]
        )


class FailoverOrchestrator(Construct):
    """The orchestrator function, its decision table, its switch and its schedule.

    The function is not attached to the VPC: it must reach Route 53's global API and the
    primary region's public API endpoint, neither of which an endpoint in a private
    subnet provides. Its permissions are scoped to the global cluster and the two
    cluster ARNs, the one health check, the one alarm, the switch, the table and the topic.
    """

    def __init__(
        self, scope: Construct, construct_id: str, props: FailoverOrchestratorProps
    ) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        namer, region, provider = props.namer, props.region, props.provider
        account = DataAwsCallerIdentity(self, "caller", provider=provider).account_id

        self.decision_table = DynamodbTable(
            self,
            "decisions",
            name=namer.of(names.DECISION_TABLE),
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attribute=[
                DynamodbTableAttribute(name="pk", type="S"),
                DynamodbTableAttribute(name="sk", type="S"),
            ],
            ttl=DynamodbTableTtl(attribute_name="expires_at", enabled=True),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=props.kms_key_arn
            ),
            deletion_protection_enabled=props.deletion_protection,
            provider=provider,
        )
        self.switch = SsmParameter(
            self,
            "switch",
            name=namer.of(names.SWITCH_PARAMETER),
            description="Auto-failover switch: the orchestrator fails over only when 'true'",
            type="String",
            value="true" if props.auto_failover_enabled else "false",
            lifecycle=TerraformResourceLifecycle(ignore_changes=["value"]),
            provider=provider,
        )
        global_cluster_arn = (
            f"arn:aws:rds::{account}:global-cluster:{props.global_cluster_identifier}"
        )
        clusters = (props.primary_cluster_arn, props.secondary_cluster_arn)
        # The rds:unplanned-global-failover-<old primary>-<time> snapshot is taken in the old
        # primary's region once it is back (Aurora User Guide, "Recovering an Amazon Aurora
        # global database from an unplanned outage"); copies are <copy prefix>-<time>. Resource
        # types of DescribeDBClusterSnapshots (cluster, cluster-snapshot) and of
        # CopyDBClusterSnapshot (cluster-snapshot): Service Authorization Reference, "Actions,
        # resources, and condition keys for Amazon RDS". Nothing grants a delete.
        primary_cluster_id = namer.of(names.AURORA_CLUSTER, region=props.primary_region)
        copy_prefix = namer.of(names.AURORA_FAILOVER_SNAPSHOT_COPY, region=props.primary_region)
        snapshot_arn = f"arn:aws:rds:{props.primary_region}:{account}:cluster-snapshot:"
        failover_snapshots = f"{snapshot_arn}rds:unplanned-global-failover-{primary_cluster_id}-*"
        snapshot_copies = f"{snapshot_arn}{copy_prefix}-*"
        alarm_arn = (
            f"arn:aws:cloudwatch:{props.primary_region}:{account}:alarm:{props.primary_alarm_name}"
        )
        statements: tuple[PolicyStatement, ...] = (
            # A switchover when the primary's database is healthy (RPO 0), a failover with
            # data loss only when nobody can reach it (payment_service.orchestrator.rules).
            PolicyStatement(
                "PromoteSecondary",
                ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"),
                (global_cluster_arn, *clusters),
            ),
            PolicyStatement(
                "ReadGlobalCluster", ("rds:DescribeGlobalClusters",), (global_cluster_arn,)
            ),
            PolicyStatement("ReadClusters", ("rds:DescribeDBClusters",), clusters),
            PolicyStatement(
                "ReadHealthCheck",
                ("route53:GetHealthCheckStatus",),
                (f"arn:aws:route53:::healthcheck/{props.primary_health_check_id}",),
            ),
            PolicyStatement("ReadPrimaryAlarm", ("cloudwatch:DescribeAlarms",), (alarm_arn,)),
            *self._probe_statements(props, account),
            PolicyStatement(
                "ReadSwitch",
                ("ssm:GetParameter",),
                (f"arn:aws:ssm:{region}:{account}:parameter{self.switch.name}",),
            ),
            PolicyStatement(
                "RecordDecisions",
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"),
                (self.decision_table.arn,),
            ),
            PolicyStatement(
                "FindFailoverSnapshot",
                ("rds:DescribeDBClusterSnapshots",),
                (props.primary_cluster_arn, failover_snapshots, snapshot_copies),
            ),
            PolicyStatement(
                "CopyFailoverSnapshot",
                ("rds:CopyDBClusterSnapshot",),
                (failover_snapshots, snapshot_copies),
            ),
            PolicyStatement("Notify", ("sns:Publish",), (props.alert_topic_arn,)),
            PolicyStatement(
                "UseKeyThroughSnsAndDynamoDb",
                ("kms:Decrypt", "kms:GenerateDataKey"),
                (props.kms_key_arn,),
                (
                    (
                        "StringEquals",
                        "kms:ViaService",
                        (f"sns.{region}.amazonaws.com", f"dynamodb.{region}.amazonaws.com"),
                    ),
                ),
            ),
        )
        if props.primary_kms_key_arn is not None:
            statements = (
                *statements,
                PolicyStatement(
                    "UsePrimaryKeyThroughRdsToCopySnapshot",
                    ("kms:CreateGrant", "kms:DescribeKey"),
                    (props.primary_kms_key_arn,),
                    (
                        (
                            "StringEquals",
                            "kms:ViaService",
                            (f"rds.{props.primary_region}.amazonaws.com",),
                        ),
                    ),
                ),
            )
        self.function = RegionalFunction(
            self,
            "function",
            RegionalFunctionProps(
                namer=namer,
                region=region,
                component=names.ORCHESTRATOR_FUNCTION.component,
                handler=HANDLER,
                description="Fails the Aurora global database over to this region when the "
                "primary is down (N consecutive checks, switch on)",
                bundle=props.bundle,
                kms_key_arn=props.kms_key_arn,
                vpc_attached=False,
                statements=statements,
                environment={
                    "GLOBAL_CLUSTER_ID": props.global_cluster_identifier,
                    "SECONDARY_CLUSTER_ARN": props.secondary_cluster_arn,
                    "PRIMARY_HEALTH_CHECK_ID": props.primary_health_check_id,
                    "PRIMARY_HEALTH_URL": props.primary_health_url,
                    "SECONDARY_HEALTH_URL": props.secondary_health_url,
                    "PRIMARY_ALARM_NAME": props.primary_alarm_name,
                    "PRIMARY_REGION": props.primary_region,
                    "SWITCH_PARAMETER_NAME": self.switch.name,
                    "DECISION_TABLE_NAME": self.decision_table.name,
                    "ALERT_TOPIC_ARN": props.alert_topic_arn,
                    "CONSECUTIVE_FAILURES": str(props.consecutive_failures),
                    "ENVIRONMENT_SUFFIX": namer.suffix,
                    # The evaluation's budgets are checked against this at cold start.
                    "FUNCTION_TIMEOUT_SECONDS": str(ORCHESTRATOR_TIMEOUT_SECONDS),
                    "PRIMARY_CLUSTER_ID": primary_cluster_id,
                    "FAILOVER_SNAPSHOT_PREFIX": copy_prefix,
                    "HEALTHY_RPO_LAG_SECONDS": str(props.healthy_rpo_lag_seconds),
                    **self._probe_environment(props),
                },
                reads_metrics=True,
                memory_mb=256,
                timeout_seconds=ORCHESTRATOR_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                provider=provider,
            ),
        )
        minutes = props.schedule_minutes
        self.schedule = schedule_function(
            self,
            self.function,
            name=namer.of(names.ORCHESTRATOR_SCHEDULE, region=region),
            description="Evaluates the primary region for failover",
            minutes=minutes,
            provider=provider,
        )

    @staticmethod
    def _probe_statements(
        props: FailoverOrchestratorProps, account: str
    ) -> tuple[PolicyStatement, ...]:
        """DescribeAlarms on the vantage points' alarms, each by its ARN in its region
        (CloudWatch's DescribeAlarms takes alarm ARNs as resources: Service Authorization
        Reference, "Actions, resources, and condition keys for Amazon CloudWatch")."""
        arns = []
        if props.secondary_probe_alarm_name is not None:
            arns.append(
                f"arn:aws:cloudwatch:{props.region}:{account}:alarm:"
                f"{props.secondary_probe_alarm_name}"
            )
        if props.remote_probe_region is not None and props.remote_probe_alarm_name is not None:
            arns.append(
                f"arn:aws:cloudwatch:{props.remote_probe_region}:{account}:alarm:"
                f"{props.remote_probe_alarm_name}"
            )
        if not arns:
            return ()
        return (PolicyStatement("ReadProbeAlarms", ("cloudwatch:DescribeAlarms",), tuple(arns)),)

    @staticmethod
    def _probe_environment(props: FailoverOrchestratorProps) -> dict[str, str]:
        environment = {}
        if props.secondary_probe_alarm_name is not None:
            environment["SECONDARY_PROBE_ALARM_NAME"] = props.secondary_probe_alarm_name
        if props.remote_probe_region is not None and props.remote_probe_alarm_name is not None:
            environment["REMOTE_PROBE_REGION"] = props.remote_probe_region
            environment["REMOTE_PROBE_ALARM_NAME"] = props.remote_probe_alarm_name
        return environment

    @property
    def function_arn(self) -> str:
        """ARN of the orchestrator function."""
        return self.function.function_arn

    @property
    def function_name(self) -> str:
        """Name of the orchestrator function."""
        return self.function.function_name

    @property
    def decision_table_name(self) -> str:
        """The decision log table."""
        return self.decision_table.name

    @property
    def switch_parameter_name(self) -> str:
        """The auto-failover switch."""
        return self.switch.name
