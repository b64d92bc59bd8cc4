"""PaymentDrStack: one stack class, instantiated once per region role."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from dr_app.backend import configure_backend
from payment_dr_compute import (
    ApiClientKeys,
    ApiClientKeysProps,
    Bundle,
    FailoverOrchestrator,
    FailoverOrchestratorProps,
    FisLambdaExtension,
    PaymentFunctions,
    PaymentFunctionsProps,
    PaymentIdKey,
    PaymentIdKeyProps,
    PrimaryProbe,
    PrimaryProbeProps,
    ReadinessEvaluator,
    ReadinessEvaluatorProps,
)
from payment_dr_compute.readiness import READINESS_CHECKS
from payment_dr_core import (
    ConfigError,
    EnvironmentConfig,
    RegionRole,
    ResourceKind,
    names,
    standard_tags,
)
from payment_dr_data import (
    REPLICATION_RULE_ID,
    AccessLogBucket,
    AccessLogBucketProps,
    AuroraGlobalPrimary,
    AuroraGlobalPrimaryProps,
    AuroraGlobalSecondary,
    AuroraGlobalSecondaryProps,
    AuroraRegionProps,
    BucketReplication,
    BucketReplicationProps,
    RegionalKey,
    RegionalKeyProps,
    SecureBucket,
    SecureBucketProps,
    SessionTable,
    SessionTableProps,
    SessionTableReplica,
    SessionTableReplicaProps,
)
from payment_dr_edge import (
    DEFAULT_STAGE_NAME,
    FailoverRouting,
    FailoverRoutingProps,
    HostedZone,
    HostedZoneProps,
    RegionalApi,
    RegionalApiProps,
)
from payment_dr_network import (
    CrossRegionPeering,
    CrossRegionPeeringProps,
    PeeringSide,
    RegionalNetwork,
    RegionalNetworkProps,
)
from payment_dr_observability import (
    AlarmThresholds,
    AlertTopics,
    AlertTopicsProps,
    ApiStage,
    CrossRegionSubscription,
    CrossRegionSubscriptionProps,
    DrAlarms,
    DrAlarmsProps,
    DrDashboard,
    DrDashboardProps,
    GameDayExperiments,
    GameDayExperimentsProps,
    LambdaFaultTarget,
    ReadinessMetrics,
    RegionView,
    S3ReplicationRule,
)

REQUIRED_TERRAFORM = ">= 1.11.0"
"""The Terraform versions that can apply the synthesized stacks."""

QUIET_ALARMS = frozenset({"dynamodb-replication-latency", "s3-replication-latency"})
"""DrAlarms keys whose metric exists only while data replicates: INSUFFICIENT_DATA is their
normal state on a quiet system, so the readiness evaluator does not watch them (its
dynamodb-replica and s3-replication checks read those metrics themselves)."""


class PaymentDrStack(TerraformStack):
    """The resources of one region of an environment.

    The primary stack stands alone. The secondary stack takes the primary stack
    and owns everything that joins the two regions; where such a resource must
    live in the primary region it uses :attr:`primary_region_provider`.

    One exception runs the other way: the secondary region's KMS key is created by
    the primary stack (through :attr:`secondary_region_provider`), because the
    master secret's replica in the secondary region is part of the primary stack's
    secret and needs that key when the primary stack is applied.
    """

    role: RegionRole
    region: str
    network: RegionalNetwork
    key_arn: str
    secondary_key_arn: str
    zone_id: str
    api: RegionalApi
    alerts: AlertTopics
    aurora: AuroraGlobalPrimary
    client_keys: ApiClientKeys
    payment_id_key: PaymentIdKey
    sessions: SessionTable
    bucket: SecureBucket
    fis_config: SecureBucket | None
    """The AWS FIS configuration bucket of ``api-errors`` (primary stack, opt-in)."""

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        role: RegionRole,
        bundle: Bundle,
        primary: PaymentDrStack | None = None,
        *,
        state_dir: Path,
    ) -> None:
        if role is RegionRole.SECONDARY and primary is None:
            raise ConfigError("primary", None, "the primary stack: the secondary stack joins it")
        if role is RegionRole.PRIMARY and primary is not None:
            raise ConfigError("primary", primary.role.value, "None for the primary stack")
        self.stack_name = config.stack_name(role)
        super().__init__(scope, self.stack_name)
        self.config = config
        self.role = role
        self.region = config.regions.region_for(role)
        tags = [AwsProviderDefaultTags(tags=standard_tags(config, role))]
        self.provider = AwsProvider(self, "aws", region=self.region, default_tags=tags)
        configure_backend(self, config, self.stack_name, state_dir)
        # The stacks use an ephemeral resource (Terraform 1.10+) and write-only arguments:
        # "To use write-only arguments, you must use Terraform v.1.11 or later"
        # (https://developer.hashicorp.com/terraform/language/manage-sensitive-data/write-only).
        # An older terraform stops at init with this constraint instead of a parse error.
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        namer = config.namer

        if primary is None:
            self.secondary_region_provider = AwsProvider(
                self,
                "aws-secondary-region",
                alias="secondary_region",
                region=config.regions.secondary,
                default_tags=tags,
            )
            self.key_arn = self._key("key", self.region, self.provider)
            self.secondary_key_arn = self._key(
                "secondary-region-key", config.regions.secondary, self.secondary_region_provider
            )
        else:
            self.add_dependency(primary)
            self.primary_region_provider = AwsProvider(
                self,
                "aws-primary-region",
                alias="primary_region",
                region=config.regions.primary,
                default_tags=tags,
            )
            self.key_arn = primary.secondary_key_arn

        self.network = RegionalNetwork(
            self,
            "network",
            RegionalNetworkProps(
                namer=namer,
                region=self.region,
                cidr=config.cidr_for(role),
                availability_zone_ids=config.az_ids_for(role),
                kms_key_arn=self.key_arn,
                log_retention_days=config.log_retention_days,
                interface_endpoints=config.interface_endpoints,
                provider=self.provider,
            ),
        )
        protection = config.data_protection
        self.access_logs = AccessLogBucket(
            self,
            "access-logs",
            AccessLogBucketProps(
                namer=namer,
                region=self.region,
                force_destroy=protection.force_destroy,
                provider=self.provider,
            ),
        )
        self.bucket = SecureBucket(
            self,
            "bucket",
            SecureBucketProps(
                namer=namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                access_logs=self.access_logs,
                force_destroy=protection.force_destroy,
                provider=self.provider,
            ),
        )
        if primary is None:
            self._primary_data()
        else:
            self._secondary_data(primary)
        self.functions = PaymentFunctions(
            self,
            "functions",
            PaymentFunctionsProps(
                namer=namer,
                region=self.region,
                bundle=bundle,
                kms_key_arn=self.key_arn,
                subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.network.application_security_group_id,
                db_host=self.db_host,
                db_cluster_identifier=self.db_cluster_identifier,
                db_global_cluster_identifier=self.db_global_cluster_identifier,
                db_reader_host=self.db_reader_host,
                db_name=self.db_name,
                db_secret_arn=self.db_secret_arn,
                db_cluster_resource_id=self.db_cluster_resource_id,
                client_keys_secret_arn=self.client_keys_secret_arn,
                payment_id_key_secret_arn=self.payment_id_key_secret_arn,
                session_table_name=self.session_table_name,
                session_table_arn=self.session_table_arn,
                log_retention_days=config.log_retention_days,
                fis_extension=self._fis_extension() if primary is None else None,
                provider=self.provider,
            ),
        )
        self._api(primary)
        if primary is not None:
            self._failover_routing(primary)
        self._observability()
        if primary is not None and config.gameday_experiments_enabled:
            self._gameday(primary)
        if primary is not None:
            self._probes(primary, bundle)
            self._orchestrator(primary, bundle)
            self._readiness(primary, bundle)
        self._outputs()

    def _outputs(self) -> None:
        """What operators and the live tests read from ``cdktf deploy --outputs-file``."""
        cluster = (
            self.aurora.cluster_identifier
            if self.role is RegionRole.PRIMARY
            else self.aurora_secondary.cluster_identifier
        )
        values = {
            "region": self.region,
            "api_invoke_url": self.api.direct_url,
            "api_domain_name": self.config.api_domain_name,
            "data_bucket_name": self.bucket.bucket_name,
            "session_table_name": self.session_table_name,
            "aurora_cluster_identifier": cluster,
            "payment_function_name": self.functions.api.function_name,
            "migration_function_name": self.functions.migrate.function_name,
            "alert_topic_arn": self.alerts.topic_arn,
        }
        for name, value in values.items():
            TerraformOutput(self, name, value=value)

    def _orchestrator(self, primary: PaymentDrStack, bundle: Bundle) -> None:
        """The failover orchestrator: on a schedule, and on every primary-region alarm."""
        config = self.config
        self.orchestrator = FailoverOrchestrator(
            self,
            "orchestrator",
            FailoverOrchestratorProps(
                namer=config.namer,
                region=self.region,
                primary_region=primary.region,
                bundle=bundle,
                kms_key_arn=self.key_arn,
                global_cluster_identifier=primary.aurora.global_cluster_identifier,
                primary_cluster_arn=primary.aurora.cluster_arn,
                secondary_cluster_arn=self.aurora_secondary.cluster_arn,
                primary_health_check_id=self.failover.primary_health_check_id,
                primary_health_url=f"{primary.api.direct_url}{primary.api.health_check_path}",
                secondary_health_url=f"{self.api.direct_url}{self.api.health_check_path}",
                primary_alarm_name=self.failover.alarm_name,
                alert_topic_arn=self.alerts.topic_arn,
                consecutive_failures=config.failover_consecutive_checks,
                schedule_minutes=config.orchestrator_schedule_minutes,
                auto_failover_enabled=config.auto_failover_enabled,
                log_retention_days=config.log_retention_days,
                primary_kms_key_arn=primary.key_arn,
                secondary_probe_alarm_name=self.probe.alarm_name,
                remote_probe_region=config.probe_region,
                remote_probe_alarm_name=self.remote_probe.alarm_name,
                healthy_rpo_lag_seconds=config.replication_lag_alarm_seconds,
                deletion_protection=config.data_protection.deletion_protection,
                provider=self.provider,
            ),
        )
        # The us-east-1 alarm topic reaches the automation in us-east-2 directly.
        CrossRegionSubscription(
            self,
            "primary-alarms-to-orchestrator",
            CrossRegionSubscriptionProps(
                topic_arn=primary.alerts.topic_arn,
                topic_region=primary.region,
                function_arn=self.orchestrator.function_arn,
                function_region=self.region,
                topic_provider=self.primary_region_provider,
                function_provider=self.provider,
            ),
        )

    def _readiness(self, primary: PaymentDrStack, bundle: Bundle) -> None:
        """The readiness evaluator: every 5 minutes, what a failover to this region needs;
        its alarm pages this region's topic."""
        config, namer = self.config, self.config.namer

        def watched(stack: PaymentDrStack) -> tuple[str, ...]:
            return tuple(
                name for key, name in stack.alarms.alarm_names.items() if key not in QUIET_ALARMS
            )

        probe_alarms = {
            region: namer.of(names.PROBE_ALARM, region=region)
            for region in (self.region, config.probe_region)
        }
        self.readiness = ReadinessEvaluator(
            self,
            "readiness",
            ReadinessEvaluatorProps(
                namer=namer,
                region=self.region,
                primary_region=primary.region,
                bundle=bundle,
                kms_key_arn=self.key_arn,
                global_cluster_identifier=primary.aurora.global_cluster_identifier,
                primary_cluster_arn=primary.aurora.cluster_arn,
                secondary_cluster_arn=self.aurora_secondary.cluster_arn,
                session_table_name=namer.of(names.SESSION_TABLE),
                session_table_arn=self.session_table_arn,
                source_bucket_name=primary.bucket.bucket_name,
                source_bucket_arn=primary.bucket.bucket_arn,
                destination_bucket_name=self.bucket.bucket_name,
                replication_rule_id=REPLICATION_RULE_ID,
                client_keys_secret_arn=primary.client_keys.secret_arn,
                client_keys_replica_arn=primary.client_keys.replica_secret_arn,
                certificate_arns=tuple(
                    arn
                    for api in (primary.api, self.api)
                    for arn in (api.certificate_arn, api.direct_certificate_arn)
                ),
                health_check_id=self.failover.primary_health_check_id,
                hosted_zone_id=self.zone_id,
                # the record itself: the evaluator is created after what it checks
                api_domain_name=self.failover.record_fqdn,
                switch_parameter_name=self.orchestrator.switch_parameter_name,
                decision_table_name=self.orchestrator.decision_table_name,
                decision_table_arn=self.orchestrator.decision_table.arn,
                orchestrator_rule_name=self.orchestrator.schedule.name,
                probe_regions=tuple(probe_alarms),
                standby_function_names=(
                    self.functions.api.physical_name,
                    self.functions.authorizer.physical_name,
                    self.functions.migrate.physical_name,
                    self.orchestrator.function.physical_name,
                    self.probe.function.physical_name,
                ),
                watched_alarms={
                    primary.region: (*watched(primary), namer.of(names.PRIMARY_HEALTH_ALARM)),
                    self.region: (*watched(self), probe_alarms[self.region]),
                    config.probe_region: (probe_alarms[config.probe_region],),
                },
                alarm_topic_arn=self.alerts.topic_arn,
                lag_alarm_seconds=config.replication_lag_alarm_seconds,
                # several orchestrator periods, and never less than the evaluator's own
                decision_max_age_seconds=max(300, 3 * 60 * config.orchestrator_schedule_minutes),
                log_retention_days=config.log_retention_days,
                provider=self.provider,
            ),
        )

    def _probes(self, primary: PaymentDrStack, bundle: Bundle) -> None:
        """Vantage points outside the primary region: a probe of the primary's own hostname
        in this region and in the probe region, each with its alarm in its own region.

        The probe region gets its own aliased provider and KMS key (for the probe's log group
        and environment: every consumer uses a key in its own region). Neither depends on
        us-east-1 at run time, so both keep observing while us-east-1 is down.
        """
        config = self.config
        # The primary's own hostname (its root is the stage), never the failover name.
        url = f"https://{config.direct_api_domain_name(RegionRole.PRIMARY)}/health"
        self.probe_region_provider = AwsProvider(
            self,
            "aws-probe-region",
            alias="probe_region",
            region=config.probe_region,
            default_tags=[AwsProviderDefaultTags(tags=standard_tags(config, self.role))],
        )
        probe_key = RegionalKey(
            self,
            "probe-region-key",
            RegionalKeyProps(
                namer=config.namer, region=config.probe_region, provider=self.probe_region_provider
            ),
        )
        self.probe = PrimaryProbe(
            self,
            "probe",
            PrimaryProbeProps(
                namer=config.namer,
                region=self.region,
                primary_region=primary.region,
                bundle=bundle,
                kms_key_arn=self.key_arn,
                url=url,
                alarm_topic_arn=self.alerts.topic_arn,
                log_retention_days=config.log_retention_days,
                provider=self.provider,
            ),
        )
        self.remote_probe = PrimaryProbe(
            self,
            "remote-probe",
            PrimaryProbeProps(
                namer=config.namer,
                region=config.probe_region,
                primary_region=primary.region,
                bundle=bundle,
                kms_key_arn=probe_key.key_arn,
                url=url,
                log_retention_days=config.log_retention_days,
                provider=self.probe_region_provider,
            ),
        )

    def _api(self, primary: PaymentDrStack | None) -> None:
        """This region's API on the shared custom domain; the primary also owns the zone."""
        config = self.config
        if primary is None:
            self.zone = HostedZone(
                self,
                "zone",
                HostedZoneProps(
                    zone_name=config.hosted_zone_name,
                    create_zone=config.create_hosted_zone,
                    provider=self.provider,
                ),
            )
            self.zone_id = self.zone.zone_id
        else:
            self.zone_id = primary.zone_id
        self.api = RegionalApi(
            self,
            "api",
            RegionalApiProps(
                namer=config.namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                function_name=self.functions.api.function_name,
                function_invoke_arn=self.functions.api.invoke_arn,
                authorizer_function_name=self.functions.authorizer.function_name,
                authorizer_invoke_arn=self.functions.authorizer.invoke_arn,
                domain_name=config.api_domain_name,
                direct_domain_name=config.direct_api_domain_name(self.role),
                hosted_zone_id=self.zone_id,
                # ACM's validation record is the same in both regions: the primary owns it.
                shared_validation_record_fqdn=(
                    primary.api.validation_record_fqdn if primary is not None else None
                ),
                log_retention_days=config.log_retention_days,
                throttling_rate_limit=float(config.api_throttle_rate),
                throttling_burst_limit=config.api_throttle_burst,
                waf_enabled=config.waf_enabled,
                manage_account_logging_role=config.manage_api_gateway_account,
                provider=self.provider,
            ),
        )

    def _failover_routing(self, primary: PaymentDrStack) -> None:
        """Health checks, PRIMARY/SECONDARY records and the health alarm (in us-east-1)."""
        self.failover = FailoverRouting(
            self,
            "failover",
            FailoverRoutingProps(
                namer=self.config.namer,
                domain_name=self.config.api_domain_name,
                hosted_zone_id=self.zone_id,
                primary_regional_domain_name=primary.api.regional_domain_name,
                primary_regional_zone_id=primary.api.regional_zone_id,
                secondary_regional_domain_name=self.api.regional_domain_name,
                secondary_regional_zone_id=self.api.regional_zone_id,
                primary_health_check_fqdn=primary.api.health_check_fqdn,
                secondary_health_check_fqdn=self.api.health_check_fqdn,
                health_check_path=self.api.health_check_path,
                alarm_provider=self.primary_region_provider,
                alarm_topic_arns=(primary.alerts.topic_arn,),
                provider=self.provider,
            ),
        )

    def _fis_extension(self) -> FisLambdaExtension | None:
        """The AWS FIS Lambda extension for the primary API function (``api-errors``), opt-in
        by ``gameday_lambda_faults``: its configuration bucket in this region, encrypted with
        this region's key and logged like the data bucket (docs/gameday.md)."""
        config = self.config
        self.fis_config = None
        if not config.gameday_lambda_faults:
            return None
        self.fis_config = SecureBucket(
            self,
            "fis-config",
            SecureBucketProps(
                namer=config.namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                name=names.GAMEDAY_FIS_CONFIG_BUCKET,
                access_logs=self.access_logs,
                # FIS writes a fault there for the experiment's duration and deletes it at
                # its end: nothing to keep, in any profile
                force_destroy=True,
                provider=self.provider,
            ),
        )
        return FisLambdaExtension(
            layer_arn=config.gameday_fis_extension_layer_arn,
            configuration_bucket_arn=self.fis_config.bucket_arn,
            configuration_key_arn=self.key_arn,
        )

    def _lambda_faults(self, primary: PaymentDrStack) -> LambdaFaultTarget | None:
        """The ``api-errors`` template's target, when the primary API function carries the
        extension. It stops on the us-east-1 alarms that say the fault reached beyond the API
        (the primary cluster's replication, the API function's throttles), not on the API's
        own error, 5XX and health alarms, which it raises by design."""
        bucket, fis = primary.fis_config, primary.functions.fis_extension
        if bucket is None or fis is None:
            return None
        theirs = primary.alarms.alarm_arns
        return LambdaFaultTarget(
            function_arn=primary.functions.api.function_arn,
            configuration_bucket_arn=bucket.bucket_arn,
            configuration_prefix=fis.configuration_prefix,
            kms_key_arn=primary.key_arn,
            stop_alarm_arns=(
                theirs["aurora-replication-lag"],
                theirs["aurora-rpo-lag"],
                theirs["lambda-throttles-api"],
            ),
        )

    def _gameday(self, primary: PaymentDrStack) -> None:
        """Game-day experiment templates (AWS FIS), opt-in by ``gameday_experiments`` (and
        ``gameday_lambda_faults`` for ``api-errors``): each stops on alarms of its own region
        (docs/gameday.md)."""
        config = self.config
        mine, theirs = self.alarms.alarm_arns, primary.alarms.alarm_arns
        self.gameday = GameDayExperiments(
            self,
            "gameday",
            GameDayExperimentsProps(
                namer=config.namer,
                region=self.region,
                primary_region=primary.region,
                session_table_replica_arn=self.sessions_replica.replica_arn,
                data_bucket_arn=primary.bucket.bucket_arn,
                stop_alarm_arns={
                    primary.region: (
                        self.failover.alarm_arn,
                        theirs["api-5xx"],
                        theirs["lambda-errors-api"],
                    ),
                    self.region: (
                        mine["lambda-errors-orchestrator"],
                        mine["lambda-throttles-orchestrator"],
                    ),
                },
                lambda_faults=self._lambda_faults(primary),
                provider=self.provider,
                primary_provider=self.primary_region_provider,
            ),
        )

    def _function_names(self, region: str, with_orchestrator: bool = False) -> dict[str, str]:
        namer = self.config.namer
        functions = {
            label: namer.name(ResourceKind.LAMBDA_FUNCTION, component, region=region)
            for label, component in (("api", "payment-api"), ("migrate", "payment-migrate"))
        }
        if with_orchestrator:
            functions["orchestrator"] = namer.of(names.ORCHESTRATOR_FUNCTION, region=region)
        return functions

    def _s3_replication_rule(self) -> S3ReplicationRule:
        namer, regions = self.config.namer, self.config.regions
        return S3ReplicationRule(
            source_bucket=namer.of(names.DATA_BUCKET, region=regions.primary),
            destination_bucket=namer.of(names.DATA_BUCKET, region=regions.secondary),
            rule_id=REPLICATION_RULE_ID,
        )

    def _observability(self) -> None:
        """Alert topic and alarms of this region; the secondary also owns the dashboard."""
        config, namer = self.config, self.config.namer
        self.alerts = AlertTopics(
            self,
            "alerts",
            AlertTopicsProps(
                namer=namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                alert_email=config.alert_email or None,
                alert_https_url=config.alert_https_url or None,
                provider=self.provider,
            ),
        )
        secondary = self.role is RegionRole.SECONDARY
        self.alarms = DrAlarms(
            self,
            "alarms",
            DrAlarmsProps(
                namer=namer,
                role=self.role,
                topic_arn=self.alerts.topic_arn,
                regions=config.regions,
                function_names=self._function_names(self.region, with_orchestrator=secondary),
                # Both regions: each alarms on its own cluster's lag, which exists only while
                # that cluster is the secondary, so the alarms follow role swaps.
                aurora_cluster_identifier=(
                    self.aurora_secondary.cluster_identifier
                    if secondary
                    else self.aurora.cluster_identifier
                ),
                thresholds=AlarmThresholds(
                    aurora_replication_lag_seconds=config.replication_lag_alarm_seconds,
                    aurora_rpo_lag_seconds=config.replication_lag_alarm_seconds,
                ),
                session_table_name=namer.of(names.SESSION_TABLE),
                s3_replication=self._s3_replication_rule(),
                api=ApiStage(self.api.rest_api_name, self.api.stage_name),
                provider=self.provider,
            ),
        )
        if not secondary:
            return
        api_stage = ApiStage(namer.of(names.REST_API), DEFAULT_STAGE_NAME)
        views = [
            RegionView(
                region=region,
                aurora_cluster_identifier=namer.of(names.AURORA_CLUSTER, region=region),
                function_names=self._function_names(
                    region, with_orchestrator=region == config.regions.secondary
                ),
                api=api_stage,
            )
            for region in (config.regions.primary, config.regions.secondary)
        ]
        # Managed through the secondary region, so it stays editable while us-east-1 is down.
        self.dashboard = DrDashboard(
            self,
            "dashboard",
            DrDashboardProps(
                namer=namer,
                primary=views[0],
                secondary=views[1],
                session_table_name=namer.of(names.SESSION_TABLE),
                s3_replication=self._s3_replication_rule(),
                health_check_id=self.failover.primary_health_check_id,
                secondary_health_check_id=self.failover.secondary_health_check_id,
                readiness=ReadinessMetrics(
                    region=self.region, environment=namer.suffix, checks=READINESS_CHECKS
                ),
                provider=self.provider,
            ),
        )

    def _key(self, construct_id: str, region: str, provider: AwsProvider) -> str:
        key = RegionalKey(
            self,
            construct_id,
            RegionalKeyProps(namer=self.config.namer, region=region, provider=provider),
        )
        return key.key_arn

    def _aurora_region(self) -> dict[str, Any]:
        """The Aurora props both regions share, as keyword arguments of either props class.

        They are built (and type-checked) as one :class:`AuroraRegionProps`, the base class of
        both, then copied field by field.
        """
        protection = self.config.data_protection
        shared = AuroraRegionProps(
            namer=self.config.namer,
            region=self.region,
            kms_key_arn=self.key_arn,
            vpc_id=self.network.vpc_id,
            subnet_ids=tuple(self.network.private_subnet_ids),
            allowed_security_group_id=self.network.application_security_group_id,
            log_retention_days=self.config.log_retention_days,
            backup_retention_days=self.config.backup_retention_days,
            instance_count=self.config.aurora_instance_count,
            deletion_protection=protection.deletion_protection,
            final_snapshot=protection.final_snapshot,
            keep_automated_backups=protection.keep_automated_backups,
            provider=self.provider,
        )
        return {field.name: getattr(shared, field.name) for field in fields(shared)}

    def _primary_data(self) -> None:
        config = self.config
        self.aurora = AuroraGlobalPrimary(
            self,
            "aurora",
            AuroraGlobalPrimaryProps(
                replica_region=config.regions.secondary,
                replica_kms_key_arn=self.secondary_key_arn,
                secret_recovery_window_days=config.data_protection.secret_recovery_window_days,
                global_cluster_force_destroy=config.data_protection.force_destroy,
                global_db_rpo_seconds=config.aurora_global_db_rpo_seconds or None,
                **self._aurora_region(),
            ),
        )
        self.sessions = SessionTable(
            self,
            "sessions",
            SessionTableProps(
                namer=config.namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                deletion_protection=config.data_protection.deletion_protection,
                provider=self.provider,
            ),
        )
        # The API clients' key hashes, replicated so each region authenticates on its own.
        self.client_keys = ApiClientKeys(
            self,
            "client-keys",
            ApiClientKeysProps(
                namer=config.namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                replica_region=config.regions.secondary,
                replica_kms_key_arn=self.secondary_key_arn,
                recovery_window_days=config.data_protection.secret_recovery_window_days,
                provider=self.provider,
            ),
        )
        self.client_keys_secret_arn = self.client_keys.secret_arn
        # The key payment ids are derived with, replicated the same way: the same request
        # gets the same id in either region (payment_service.payment_ids).
        self.payment_id_key = PaymentIdKey(
            self,
            "payment-id-key",
            PaymentIdKeyProps(
                namer=config.namer,
                region=self.region,
                kms_key_arn=self.key_arn,
                replica_region=config.regions.secondary,
                replica_kms_key_arn=self.secondary_key_arn,
                recovery_window_days=config.data_protection.secret_recovery_window_days,
                provider=self.provider,
            ),
        )
        self.payment_id_key_secret_arn = self.payment_id_key.secret_arn
        # Each region writes to its own cluster endpoint, fenced on DescribeGlobalClusters
        # (this region's RDS API) and the database's read-only state (payment_service.writer).
        self.db_host = self.aurora.writer_endpoint
        self.db_cluster_identifier = self.aurora.cluster_identifier
        self.db_global_cluster_identifier = self.aurora.global_cluster_identifier
        self.db_reader_host = self.aurora.reader_endpoint
        self.db_name = self.aurora.database_name
        self.db_secret_arn = self.aurora.secret_arn
        self.db_cluster_resource_id = self.aurora.cluster_resource_id
        self.session_table_name = self.sessions.table_name
        self.session_table_arn = self.sessions.table_arn

    def _secondary_data(self, primary: PaymentDrStack) -> None:
        config = self.config
        self.peering = CrossRegionPeering(
            self,
            "peering",
            CrossRegionPeeringProps(
                namer=config.namer,
                requester=PeeringSide(
                    region=primary.region,
                    vpc_id=primary.network.vpc_id,
                    cidr=config.primary_cidr,
                    route_table_ids=primary.network.route_table_ids,
                    provider=self.primary_region_provider,
                ),
                accepter=PeeringSide(
                    region=self.region,
                    vpc_id=self.network.vpc_id,
                    cidr=config.secondary_cidr,
                    route_table_ids=self.network.route_table_ids,
                    provider=self.provider,
                ),
            ),
        )
        self.aurora_secondary = AuroraGlobalSecondary(
            self,
            "aurora",
            AuroraGlobalSecondaryProps(
                global_cluster_identifier=primary.aurora.global_cluster_identifier,
                primary_cluster_arn=primary.aurora.cluster_arn,
                primary_region=primary.region,
                **self._aurora_region(),
            ),
        )
        self.sessions_replica = SessionTableReplica(
            self,
            "sessions-replica",
            SessionTableReplicaProps(
                region=self.region,
                table_arn=primary.sessions.table_arn,
                kms_key_arn=self.key_arn,
                deletion_protection=config.data_protection.deletion_protection,
                provider=self.provider,
            ),
        )
        self.replication = BucketReplication(
            self,
            "replication",
            BucketReplicationProps(
                namer=config.namer,
                source_region=primary.region,
                source_bucket_name=primary.bucket.bucket_name,
                source_bucket_arn=primary.bucket.bucket_arn,
                source_kms_key_arn=primary.key_arn,
                destination=self.bucket,
                provider=self.primary_region_provider,
            ),
        )
        # The secondary cluster's own (writer) endpoint is inactive until promotion ("All
        # secondary Regions also have writer endpoints, but they're inactive", AWS Database
        # Blog, "Automate Amazon Aurora Global Database endpoint management"): the write fence
        # writes to it only once DescribeGlobalClusters reports this cluster as the writer, or
        # the database is writable. Readiness and reads in a standby: the reader endpoint.
        self.db_host = self.aurora_secondary.writer_endpoint
        self.db_cluster_identifier = self.aurora_secondary.cluster_identifier
        self.db_global_cluster_identifier = primary.aurora.global_cluster_identifier
        self.db_reader_host = self.aurora_secondary.reader_endpoint
        self.db_name = primary.aurora.database_name
        self.db_secret_arn = primary.aurora.secret_replica_arn
        self.db_cluster_resource_id = self.aurora_secondary.cluster_resource_id
        self.client_keys_secret_arn = primary.client_keys.replica_secret_arn
        self.payment_id_key_secret_arn = primary.payment_id_key.replica_secret_arn
        self.session_table_name = self.sessions_replica.table_name
        self.session_table_arn = self.sessions_replica.replica_arn
