"""AuroraGlobalSecondary: the standby region's cluster of the Aurora global database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from payment_dr_core import ConfigError
from payment_dr_core.validation import Rule, matches
from payment_dr_data._aurora_cluster import (
    ClusterRole,
    RegionalClusterAttributes,
    build_regional_cluster,
)
from payment_dr_data._checks import check_arn, check_region, is_token
from payment_dr_data.aurora_settings import PORT, AuroraRegionProps

if TYPE_CHECKING:
    from cdktf import ITerraformDependable


@dataclass(frozen=True, kw_only=True)
class AuroraGlobalSecondaryProps(AuroraRegionProps):
    """Props of :class:`AuroraGlobalSecondary` (the standby region, secondary stack)."""

    global_cluster_identifier: str
    """Identifier of the global cluster to join (a cross-stack reference)."""

    primary_cluster_arn: str
    """ARN of the primary region's cluster (a cross-stack reference); exposed again for
    the failover tooling of this region."""

    primary_region: str
    """Region of the primary cluster: the source of replication, needed to join an
    encrypted global database."""

    depends_on: tuple[ITerraformDependable, ...] = ()
    """Resources to create first. In one stack, pass the primary's instance: a secondary
    can only join once the primary has a writer. Across stacks the stack dependency
    (secondary after primary) already guarantees it."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        super().validate()
        check_region("primary_region", self.primary_region)
        if self.primary_region == self.region:
            raise ConfigError(
                "primary_region", self.primary_region, f"a region other than {self.region}"
            )
        if not is_token(self.global_cluster_identifier):
            Rule(
                "global_cluster_identifier",
                matches(r"[a-zA-Z][a-zA-Z0-9-]{0,62}"),
                "the identifier of an RDS global cluster",
            ).apply(self.global_cluster_identifier)
        check_arn(
            "primary_cluster_arn",
            self.primary_cluster_arn,
            "rds",
            self.primary_region,
            r"cluster:[a-zA-Z][a-zA-Z0-9-]{0,62}",
        )


class AuroraGlobalSecondary(Construct, RegionalClusterAttributes):
    """A Serverless v2 cluster in the standby region, joined to the global database.

    It sets no master user, password or database name (they come from the primary),
    encrypts with this region's key, and ignores the drift AWS itself causes on
    ``replication_source_identifier`` and ``global_cluster_identifier``. Instance,
    monitoring, Performance Insights, TLS, IAM authentication and log export are the same
    as in the primary region, so a promoted secondary serves exactly like the primary.
    """

    def __init__(
        self, scope: Construct, construct_id: str, props: AuroraGlobalSecondaryProps
    ) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.region = props.region
        self.primary_region = props.primary_region
        self.engine_version = props.engine_version
        self.port = PORT
        self._global_cluster_identifier = props.global_cluster_identifier
        self._primary_cluster_arn = props.primary_cluster_arn

        regional = build_regional_cluster(
            self,
            props,
            ClusterRole(
                global_cluster_identifier=props.global_cluster_identifier,
                source_region=props.primary_region,
                depends_on=props.depends_on,
            ),
        )
        self.cluster = regional.cluster
        self.instances = regional.instances
        self.security_group = regional.security_group
        self.subnet_group = regional.subnet_group
        self.parameter_group = regional.parameter_group
        self.log_group = regional.log_group
        self.monitoring_role = regional.monitoring_role

    @property
    def global_cluster_identifier(self) -> str:
        """Identifier of the global cluster this cluster belongs to."""
        return self._global_cluster_identifier

    @property
    def primary_cluster_arn(self) -> str:
        """ARN of the primary region's cluster."""
        return self._primary_cluster_arn
