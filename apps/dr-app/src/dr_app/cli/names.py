"""Physical names of the resources the CLI reads or acts on, from payment_dr_core naming.

Names in the catalogue (``payment_dr_core.names``) are taken from it. The three that are not
in it yet (the orchestrator's decision table, the auto-failover switch parameter and the
orchestrator function) are built with :class:`~payment_dr_core.Namer` from the components
below; the infrastructure must create those resources under exactly these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from payment_dr_core import EnvironmentConfig, Namer, RegionRole, ResourceKind, names

DECISION_TABLE_COMPONENT = "failover-decisions"
SWITCH_PARAMETER_COMPONENT = "auto-failover-enabled"
ORCHESTRATOR_COMPONENT = "failover-orchestrator"


@dataclass(frozen=True)
class ResourceNames:
    """Every name the CLI uses for one environment."""

    suffix: str
    primary_region: str
    secondary_region: str
    global_cluster: str
    primary_cluster: str
    secondary_cluster: str
    decision_table: str
    """Orchestrator decision log (secondary region)."""
    switch_parameter: str
    """Auto-failover switch, SSM parameter (secondary region)."""
    health_check_tags: tuple[str, str]
    """``Name`` tags of the primary and secondary Route 53 health checks."""
    primary_alarm: str
    """The primary-unhealthy alarm (CloudWatch, primary region)."""
    alert_topic: str
    """The secondary region's alert topic."""
    orchestrator_function: str
    api_domain: str = ""
    """The API's failover domain name (from the environment config)."""
    failover_snapshot_copy: str = ""
    """Start of the manual copies of a failover snapshot (made in the old primary's region;
    snapshot identifiers are per region, so one prefix serves both)."""
    name_prefix: str = "payment-processing"
    """First part of every physical name (the environment's ``name_prefix``)."""
    readiness_function: str = ""
    """The readiness evaluator (secondary region)."""

    def region_of(self, role: RegionRole) -> str:
        """The region that plays ``role``."""
        return self.primary_region if role is RegionRole.PRIMARY else self.secondary_region

    def snapshot_copy_of(self, role: RegionRole) -> str:
        """Start of the failover snapshot copies made in ``role``'s region."""
        del role  # the same prefix in either region
        return self.failover_snapshot_copy

    def cluster_of(self, role: RegionRole) -> str:
        """The identifier of ``role``'s regional cluster."""
        return self.primary_cluster if role is RegionRole.PRIMARY else self.secondary_cluster

    @property
    def alarm_prefix(self) -> str:
        """Every alarm of the project starts with this."""
        return f"{self.name_prefix}-"

    def is_environment_alarm(self, name: str) -> bool:
        """True for an alarm of this environment (``<name prefix>-...-<suffix>``)."""
        return name.startswith(self.alarm_prefix) and name.endswith(f"-{self.suffix}")

    @classmethod
    def for_environment(
        cls, config: EnvironmentConfig, primary_region: str, secondary_region: str
    ) -> ResourceNames:
        """The names of ``config``'s environment with the given regions."""
        namer: Namer = config.namer
        return cls(
            suffix=config.suffix,
            primary_region=primary_region,
            secondary_region=secondary_region,
            global_cluster=namer.of(names.AURORA_GLOBAL_CLUSTER),
            primary_cluster=namer.of(names.AURORA_CLUSTER, region=primary_region),
            secondary_cluster=namer.of(names.AURORA_CLUSTER, region=secondary_region),
            decision_table=namer.name(ResourceKind.DYNAMODB_TABLE, DECISION_TABLE_COMPONENT),
            switch_parameter=namer.name(ResourceKind.SSM_PARAMETER, SWITCH_PARAMETER_COMPONENT),
            health_check_tags=(
                namer.of(names.PRIMARY_HEALTH_CHECK),
                namer.of(names.SECONDARY_HEALTH_CHECK),
            ),
            primary_alarm=namer.of(names.PRIMARY_HEALTH_ALARM),
            alert_topic=namer.of(names.ALERT_TOPIC, region=secondary_region),
            orchestrator_function=namer.name(
                ResourceKind.LAMBDA_FUNCTION, ORCHESTRATOR_COMPONENT, region=secondary_region
            ),
            api_domain=config.api_domain_name,
            failover_snapshot_copy=namer.of(names.AURORA_FAILOVER_SNAPSHOT_COPY),
            name_prefix=config.name_prefix,
            readiness_function=namer.of(names.READINESS_FUNCTION, region=secondary_region),
        )
