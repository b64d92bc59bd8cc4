"""Engine pin and the props both regions of the Aurora global database share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from payment_dr_core import ConfigError, Namer
from payment_dr_core.config import LOG_RETENTION_DAYS
from payment_dr_core.validation import Rule, check_all, in_range
from payment_dr_data._checks import (
    check_bool,
    check_id,
    check_kms_key_arn,
    check_private_cidr,
    check_region,
    check_subnet_ids,
)

if TYPE_CHECKING:
    from cdktf import TerraformProvider

ENGINE = "aurora-postgresql"
"""Aurora PostgreSQL: the payment service speaks PostgreSQL over TLS."""

ENGINE_VERSION = "14.15"
"""Pinned on the global cluster, both regional clusters and their instances.

14.15 is the lowest Aurora PostgreSQL 14 release with the cross-Region resiliency of
secondary clusters: "Aurora PostgreSQL versions 16.6, 15.10, 14.15, 13.18, 12.22, or higher
... contain availability improvements that enable secondary Region read replicas to maintain
service continuity during unplanned events such as hardware failures, network disruptions
across AWS Regions ..."; on earlier versions "the Global Database read availability ... may be
impacted during such unplanned events" (Aurora User Guide, "Cross-Region resiliency for
Global Database secondary clusters"). The standby region's reads (``GET /payments/{id}``,
``/health``) go to its reader, so they need it. Aurora Serverless v2 and global databases
support Aurora PostgreSQL 14.3 and later in us-east-1 and us-east-2. Automatic minor upgrades
are off on the instances, so both regions stay on exactly the same version, which a managed
switchover requires."""

ENGINE_MAJOR = "14"
PARAMETER_GROUP_FAMILY = f"{ENGINE}{ENGINE_MAJOR}"
"""``aurora-postgresql14``: must match the major version of :data:`ENGINE_VERSION`."""

PORT = 5432
INSTANCE_CLASS = "db.serverless"
MONITORING_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
"""AWS managed policy for RDS enhanced monitoring (AWS requires this policy)."""

LOG_EXPORTS = ("postgresql",)
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
PERFORMANCE_INSIGHTS_RETENTION_DAYS = (7, *(31 * months for months in range(1, 24)), 731)
MAX_ACU = 128.0
"""Serverless v2 ceiling accepted here: 128 ACUs. "Depending on the engine version, the
maximum capacity for an Aurora Serverless v2 cluster might be 256 or 128" (RDS API Reference,
``ServerlessV2FeaturesSupport.MaxCapacity``, which ``DescribeDBEngineVersions`` reports per
engine and platform version); 128 holds for every version this package accepts."""


def _capacity(value: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0.5 <= value <= MAX_ACU
        and float(value * 2).is_integer()
    )


@dataclass(frozen=True, kw_only=True)
class AuroraRegionProps:
    """What each regional cluster of the global database needs (both regions)."""

    namer: Namer
    """Builds the physical names (suffix)."""

    region: str
    """Region of this cluster; must be the region of ``provider``."""

    kms_key_arn: str
    """This region's customer-managed key: storage, Performance Insights, the log group."""

    vpc_id: str
    """VPC of the cluster's security group."""

    subnet_ids: tuple[str, ...]
    """The private subnets (2 or 3, one per AZ) of the DB subnet group."""

    allowed_security_group_id: str
    """Security group of the clients (the payment Lambdas): the only group admitted on 5432."""

    peer_cidr: str | None = None
    """None (default): no address outside this VPC reaches the cluster. No component
    connects across regions: each region's functions use their own region's cluster, and
    the orchestrator uses the RDS API, not PostgreSQL. Set it to the peer VPC's CIDR
    only for a cross-region database client you add (cross-region peering cannot
    reference security groups), and name that client in the rule's description."""

    engine_version: str = ENGINE_VERSION
    """Aurora PostgreSQL 14 version; the same on every cluster of the global database. Below
    14.15 the secondary region's readers may become unavailable during cross-Region
    disruptions (see :data:`ENGINE_VERSION`); nothing refuses such a version."""

    min_capacity: float = 0.5
    """Serverless v2 minimum ACUs (0.5 steps). Above zero: the cluster never pauses, so a
    failover never waits for a cold start."""

    max_capacity: float = 4.0
    """Serverless v2 maximum ACUs (0.5 steps, up to 128)."""

    monitoring_interval_seconds: int = 60
    """Enhanced monitoring interval: 1, 5, 10, 15, 30 or 60 seconds."""

    performance_insights_retention_days: int = 7
    """Performance Insights retention: 7 (free tier), a multiple of 31 up to 713, or 731."""

    log_retention_days: int = 365
    """Retention of the exported PostgreSQL log group (a CloudWatch Logs retention value)."""

    backup_retention_days: int = 7
    """Automated backup retention (point-in-time recovery), 1 to 35 days. Cross-region
    recovery relies on the global database; backups cover logical damage, and the
    ``rds:unplanned-global-failover-*`` snapshot an unplanned failover leaves is kept only
    this long."""

    instance_count: int = 1
    """``db.serverless`` instances in the cluster, 1 to 16: the first is the writer, the
    others are readers placed in AZs other than the writer's (Aurora promotes one of them
    if the writer or its AZ fails)."""

    deletion_protection: bool = False
    """Refuse deletion of the cluster (and, in the primary, of the global cluster)."""

    final_snapshot: bool = False
    """Take a final snapshot, named ``payment-processing-aurora-final-<region code>-<suffix>``,
    when the cluster is deleted. False: ``skip_final_snapshot``."""

    keep_automated_backups: bool = False
    """Keep automated backups after the cluster is deleted, until their retention ends."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("region", self.region)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, self.region)
        check_id("vpc_id", self.vpc_id, "vpc")
        check_subnet_ids("subnet_ids", self.subnet_ids)
        check_id("allowed_security_group_id", self.allowed_security_group_id, "sg")
        if self.peer_cidr is not None:
            check_private_cidr("peer_cidr", self.peer_cidr)
        check_all(
            [
                (
                    Rule(
                        "engine_version",
                        lambda v: isinstance(v, str)
                        and re.fullmatch(rf"{ENGINE_MAJOR}\.\d+", v) is not None,
                        f"an Aurora PostgreSQL {ENGINE_MAJOR}.x version (the parameter group "
                        f"family is {PARAMETER_GROUP_FAMILY})",
                    ),
                    self.engine_version,
                ),
            ]
        )
        check_all(
            [
                (
                    Rule("min_capacity", _capacity, f"0.5 to {MAX_ACU} ACUs in 0.5 steps"),
                    self.min_capacity,
                ),
                (
                    Rule("max_capacity", _capacity, f"0.5 to {MAX_ACU} ACUs in 0.5 steps"),
                    self.max_capacity,
                ),
            ]
        )
        if self.max_capacity < self.min_capacity:
            raise ConfigError(
                "max_capacity", self.max_capacity, f"at least min_capacity ({self.min_capacity})"
            )
        check_all(
            [
                (
                    Rule(
                        "monitoring_interval_seconds",
                        lambda v: v in MONITORING_INTERVALS and not isinstance(v, bool),
                        f"one of {MONITORING_INTERVALS}",
                    ),
                    self.monitoring_interval_seconds,
                ),
                (
                    Rule(
                        "performance_insights_retention_days",
                        lambda v: v in PERFORMANCE_INSIGHTS_RETENTION_DAYS
                        and not isinstance(v, bool),
                        "7, a multiple of 31 up to 713, or 731",
                    ),
                    self.performance_insights_retention_days,
                ),
                (
                    Rule(
                        "log_retention_days",
                        lambda v: v in LOG_RETENTION_DAYS and not isinstance(v, bool),
                        f"one of {LOG_RETENTION_DAYS}",
                    ),
                    self.log_retention_days,
                ),
                (
                    Rule("backup_retention_days", in_range(1, 35), "1 to 35"),
                    self.backup_retention_days,
                ),
                (
                    Rule("instance_count", in_range(1, 16), "1 to 16 (a writer and 15 readers)"),
                    self.instance_count,
                ),
            ]
        )
        for name in ("deletion_protection", "final_snapshot", "keep_automated_backups"):
            check_bool(name, getattr(self, name))
