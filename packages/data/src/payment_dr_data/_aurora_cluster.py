"""The regional part of the Aurora global database, the same in both regions.

Subnet group, security group, cluster parameter group, the PostgreSQL log group,
the enhanced-monitoring role, the Serverless v2 cluster and its ``db.serverless``
instance. :class:`ClusterRole` carries what differs between primary and secondary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_subnet import DataAwsSubnet
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import (
    RdsCluster,
    RdsClusterServerlessv2ScalingConfiguration,
)
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)

from payment_dr_core import names
from payment_dr_core.config import aurora_instance_component
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_data.aurora_settings import (
    ENGINE,
    INSTANCE_CLASS,
    LOG_EXPORTS,
    MONITORING_ROLE_POLICY_ARN,
    PARAMETER_GROUP_FAMILY,
    PORT,
    AuroraRegionProps,
)

if TYPE_CHECKING:
    from cdktf import ITerraformDependable
    from constructs import Construct

CA_CERTIFICATE = "rds-ca-rsa2048-g1"
"""Server certificate authority of the instances; clients verify TLS against its bundle."""

CLUSTER_PARAMETERS = (
    ("rds.force_ssl", "1"),
    ("log_min_duration_statement", "1000"),
    ("log_statement", "ddl"),
)
"""``rds.force_ssl=1`` refuses unencrypted connections. Statements slower than one second
and every DDL statement are logged (not every statement: payment data stays out of logs)."""

IGNORED_DRIFT = ("replication_source_identifier", "global_cluster_identifier", "engine_version")
"""Changed by AWS, not by this code: a switchover or failover swaps the writer and sets
``replication_source_identifier`` on the new secondary (removing it would detach that
cluster from the global database); the provider does not read ``global_cluster_identifier``
back; engine upgrades are made on the global cluster, which upgrades every member."""


@dataclass(frozen=True)
class ClusterRole:
    """What differs between the primary and the secondary cluster."""

    global_cluster_identifier: str
    master_username: str | None = None
    master_password_wo: str | None = None
    master_password_wo_version: int | None = None
    database_name: str | None = None
    source_region: str | None = None
    """Region of the primary cluster; set on a secondary of an encrypted global database."""

    depends_on: tuple[ITerraformDependable, ...] = ()

    parameters: tuple[tuple[str, str], ...] = ()
    """Cluster parameters of this region only, after :data:`CLUSTER_PARAMETERS`."""


@dataclass(frozen=True)
class RegionalCluster:
    """The resources of one region's cluster."""

    subnet_group: DbSubnetGroup
    security_group: SecurityGroup
    parameter_group: RdsClusterParameterGroup
    log_group: CloudwatchLogGroup
    monitoring_role: IamRole
    cluster: RdsCluster
    instances: tuple[RdsClusterInstance, ...]


def build_regional_cluster(
    scope: Construct, props: AuroraRegionProps, role: ClusterRole
) -> RegionalCluster:
    """Add one region's cluster and everything it needs to ``scope``."""
    namer, region, provider = props.namer, props.region, props.provider
    cluster_name = namer.of(names.AURORA_CLUSTER, region=region)

    subnet_group = DbSubnetGroup(
        scope,
        "subnet-group",
        name=namer.of(names.AURORA_SUBNET_GROUP, region=region),
        description="Private subnets of the Aurora cluster",
        subnet_ids=list(props.subnet_ids),
        provider=provider,
    )

    sg_name = namer.of(names.AURORA_SECURITY_GROUP, region=region)
    security_group = SecurityGroup(
        scope,
        "security-group",
        name=sg_name,
        # Kept as first deployed: a new description would replace the group in use.
        description="PostgreSQL from the payment functions and the peer region only",
        vpc_id=props.vpc_id,
        tags={"Name": sg_name},
        provider=provider,
    )
    VpcSecurityGroupIngressRule(
        scope,
        "ingress-clients",
        security_group_id=security_group.id,
        description="PostgreSQL from the payment functions' security group",
        ip_protocol="tcp",
        from_port=PORT,
        to_port=PORT,
        referenced_security_group_id=props.allowed_security_group_id,
        provider=provider,
    )
    if props.peer_cidr is not None:
        VpcSecurityGroupIngressRule(
            scope,
            "ingress-peer",
            security_group_id=security_group.id,
            description="PostgreSQL from the peer region's VPC (over VPC peering)",
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            cidr_ipv4=props.peer_cidr,
            provider=provider,
        )

    parameter_group = RdsClusterParameterGroup(
        scope,
        "parameter-group",
        name=namer.of(names.AURORA_PARAMETER_GROUP, region=region),
        family=PARAMETER_GROUP_FAMILY,
        description="TLS-only connections and statement logging for the payment database",
        parameter=[
            RdsClusterParameterGroupParameter(name=name, value=value)
            for name, value in (*CLUSTER_PARAMETERS, *role.parameters)
        ],
        provider=provider,
    )

    # Created before the cluster so that RDS writes into a group with retention and KMS,
    # instead of creating an unencrypted one that never expires.
    log_group = CloudwatchLogGroup(
        scope,
        "log-group",
        name=f"/aws/rds/cluster/{cluster_name}/postgresql",
        retention_in_days=props.log_retention_days,
        kms_key_id=props.kms_key_arn,
        provider=provider,
    )

    identity = DataAwsCallerIdentity(scope, "caller", provider=provider)
    assume = service_assume_role_policy(
        scope,
        "monitoring-assume",
        service="monitoring.rds.amazonaws.com",
        source_account=identity.account_id,
        provider=provider,
    )
    monitoring_role = IamRole(
        scope,
        "monitoring-role",
        name=namer.of(names.AURORA_MONITORING_ROLE, region=region),
        description="RDS enhanced monitoring of the payment database",
        assume_role_policy=assume.json,
        provider=provider,
    )
    monitoring_policy = IamRolePolicyAttachment(
        scope,
        "monitoring-policy",
        role=monitoring_role.name,
        policy_arn=MONITORING_ROLE_POLICY_ARN,
        provider=provider,
    )

    cluster = RdsCluster(
        scope,
        "cluster",
        cluster_identifier=cluster_name,
        engine=ENGINE,
        engine_mode="provisioned",
        engine_version=props.engine_version,
        global_cluster_identifier=role.global_cluster_identifier,
        master_username=role.master_username,
        master_password_wo=role.master_password_wo,
        master_password_wo_version=role.master_password_wo_version,
        database_name=role.database_name,
        source_region=role.source_region,
        port=PORT,
        db_subnet_group_name=subnet_group.name,
        vpc_security_group_ids=[security_group.id],
        db_cluster_parameter_group_name=parameter_group.name,
        storage_encrypted=True,
        kms_key_id=props.kms_key_arn,
        iam_database_authentication_enabled=True,
        enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
        backup_retention_period=props.backup_retention_days,
        copy_tags_to_snapshot=True,
        serverlessv2_scaling_configuration=RdsClusterServerlessv2ScalingConfiguration(
            min_capacity=props.min_capacity, max_capacity=props.max_capacity
        ),
        # Dev/test: skip_final_snapshot and no deletion protection, so destroy works. With
        # final_snapshot, DeleteDBCluster takes a snapshot under the naming rules' name (RDS
        # keeps manual and final snapshots after the cluster is gone); deletion_protection
        # makes DeleteDBCluster fail until it is turned off again (RDS API reference,
        # DeleteDBCluster; Terraform aws_rds_cluster: final_snapshot_identifier,
        # skip_final_snapshot, deletion_protection, delete_automated_backups).
        skip_final_snapshot=not props.final_snapshot,
        final_snapshot_identifier=(
            namer.of(names.AURORA_FINAL_SNAPSHOT, region=region) if props.final_snapshot else None
        ),
        deletion_protection=props.deletion_protection,
        delete_automated_backups=not props.keep_automated_backups,
        lifecycle=TerraformResourceLifecycle(ignore_changes=list(IGNORED_DRIFT)),
        depends_on=[log_group, *role.depends_on],
        provider=provider,
    )
    instances = _instances(
        scope, props, cluster, subnet_group, monitoring_role, depends_on=monitoring_policy
    )
    return RegionalCluster(
        subnet_group=subnet_group,
        security_group=security_group,
        parameter_group=parameter_group,
        log_group=log_group,
        monitoring_role=monitoring_role,
        cluster=cluster,
        instances=instances,
    )


def _instances(
    scope: Construct,
    props: AuroraRegionProps,
    cluster: RdsCluster,
    subnet_group: DbSubnetGroup,
    monitoring_role: IamRole,
    depends_on: ITerraformDependable,
) -> tuple[RdsClusterInstance, ...]:
    """The writer (construct ID ``instance``, kept from single-instance releases so that
    adding readers never replaces it) and ``instance_count - 1`` readers.

    Each reader is pinned to an AZ of the subnet group other than the first instance's
    (``availability_zone`` of ``aws_rds_cluster_instance``; the names come from the
    ``aws_subnet`` data sources), so an AZ loss leaves a reader that Aurora promotes in
    the same region. Readers take promotion tier 1 (Aurora fails over to the lowest tier).
    """
    namer, region, provider = props.namer, props.region, props.provider
    common = {
        "cluster_identifier": cluster.id,
        "engine": cluster.engine,
        "engine_version": cluster.engine_version,
        "instance_class": INSTANCE_CLASS,
        "db_subnet_group_name": subnet_group.name,
        "publicly_accessible": False,
        "auto_minor_version_upgrade": False,
        "ca_cert_identifier": CA_CERTIFICATE,
        "monitoring_interval": props.monitoring_interval_seconds,
        "monitoring_role_arn": monitoring_role.arn,
        "performance_insights_enabled": True,
        "performance_insights_kms_key_id": props.kms_key_arn,
        "performance_insights_retention_period": props.performance_insights_retention_days,
        "copy_tags_to_snapshot": True,
        "depends_on": [depends_on],
        "provider": provider,
    }
    writer = RdsClusterInstance(
        scope,
        "instance",
        identifier=namer.name(
            names.AURORA_INSTANCE.kind, aurora_instance_component(0), region=region
        ),
        **common,  # type: ignore[arg-type]
    )
    if props.instance_count == 1:
        return (writer,)
    zones = [
        DataAwsSubnet(scope, f"subnet-{index}", id=subnet_id, provider=provider).availability_zone
        for index, subnet_id in enumerate(props.subnet_ids)
    ]
    # The AZs of the subnet group without the writer's, as a list (setsubtract gives a set).
    other_zones = Fn.tolist(Fn.setsubtract(zones, [writer.availability_zone]))
    readers = [
        RdsClusterInstance(
            scope,
            f"instance-{number}",
            identifier=namer.name(
                names.AURORA_INSTANCE.kind, aurora_instance_component(number - 1), region=region
            ),
            availability_zone=Fn.element(other_zones, number - 2),
            promotion_tier=1,
            **common,  # type: ignore[arg-type]
        )
        for number in range(2, props.instance_count + 1)
    ]
    return (writer, *readers)


class RegionalClusterAttributes:
    """Attributes shared by both regions' cluster constructs."""

    cluster: RdsCluster
    instances: tuple[RdsClusterInstance, ...]
    security_group: SecurityGroup
    log_group: CloudwatchLogGroup

    @property
    def instance(self) -> RdsClusterInstance:
        """The first instance (the writer when the cluster was created)."""
        return self.instances[0]

    @property
    def cluster_identifier(self) -> str:
        """Identifier of this region's cluster."""
        return self.cluster.cluster_identifier

    @property
    def cluster_arn(self) -> str:
        """ARN of this region's cluster (in the secondary: the failover target)."""
        return self.cluster.arn

    @property
    def cluster_resource_id(self) -> str:
        """Resource ID of the cluster (``rds-db:connect`` ARNs for IAM authentication)."""
        return self.cluster.cluster_resource_id

    @property
    def writer_endpoint(self) -> str:
        """Cluster endpoint: takes writes in the writer region, and in a secondary only
        once it has been promoted."""
        return self.cluster.endpoint

    @property
    def reader_endpoint(self) -> str:
        """Reader endpoint of this region's cluster."""
        return self.cluster.reader_endpoint

    @property
    def instance_identifier(self) -> str:
        """Identifier of the first ``db.serverless`` instance."""
        return self.instance.identifier

    @property
    def instance_identifiers(self) -> list[str]:
        """Identifiers of every instance, the first one first."""
        return [instance.identifier for instance in self.instances]

    @property
    def security_group_id(self) -> str:
        """Security group of the cluster (PostgreSQL from clients and the peer VPC)."""
        return self.security_group.id

    @property
    def log_group_name(self) -> str:
        """CloudWatch log group of the exported PostgreSQL log."""
        return self.log_group.name
