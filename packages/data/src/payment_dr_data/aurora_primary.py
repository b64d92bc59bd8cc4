"""AuroraGlobalPrimary: the global cluster, the writer region's cluster and the master secret."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from cdktf import Fn, TerraformResource
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from cdktf_cdktf_provider_aws.secretsmanager_secret import (
    SecretsmanagerSecret,
    SecretsmanagerSecretReplica,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import (
    SecretsmanagerSecretVersion,
)
from constructs import Construct

from payment_dr_core import ConfigError, names
from payment_dr_core.validation import Rule, check_all, in_range
from payment_dr_data._aurora_cluster import (
    ClusterRole,
    RegionalClusterAttributes,
    build_regional_cluster,
)
from payment_dr_data._checks import check_bool, check_kms_key_arn, check_region
from payment_dr_data._ephemeral import EphemeralRandomPassword
from payment_dr_data.aurora_settings import ENGINE, PORT, AuroraRegionProps

RESERVED_NAMES = ("postgres", "rdsadmin", "template0", "template1")
"""Names PostgreSQL or RDS keep for themselves."""

PASSWORD_LENGTH_RANGE = (16, 41)
"""RDS accepts master passwords of 8 to 41 characters; fewer than 16 is too weak."""


@dataclass(frozen=True, kw_only=True)
class AuroraGlobalPrimaryProps(AuroraRegionProps):
    """Props of :class:`AuroraGlobalPrimary` (the writer region, primary stack)."""

    replica_region: str
    """Region of the secondary cluster; the master secret is replicated there."""

    replica_kms_key_arn: str
    """Customer-managed key in ``replica_region`` that encrypts the secret's replica. The
    key must exist before this construct is applied."""

    database_name: str = "payments"
    """Database created on the primary cluster."""

    master_username: str = "payments_admin"
    """Master user. Applications should use IAM database authentication or their own users."""

    password_length: int = 32
    """Length of the generated master password (16 to 41; letters and digits)."""

    password_version: int = 1
    """Bump to generate a new master password and write it to both the cluster and the
    secret in the same apply (a rotation)."""

    secret_recovery_window_days: int = 0
    """Days a deleted secret stays recoverable: 0 deletes it at once on destroy (so the
    environment can be recreated under the same name), or 7 to 30."""

    global_cluster_force_destroy: bool = True
    """True (dev/test): ``destroy`` of the global cluster detaches any member still in it.
    False (production): it fails while a member remains (Terraform
    ``aws_rds_global_cluster.force_destroy``)."""

    global_db_rpo_seconds: int | None = None
    """``rds.global_db_rpo`` in this (the primary region's) cluster parameter group, 20 to
    2147483647 seconds; None leaves it unset. Aurora PostgreSQL then blocks commits on the
    primary while no secondary cluster has an RPO lag below it ("Managing RPOs for Aurora
    PostgreSQL-based global databases", Aurora User Guide). The secondary region's group
    keeps the default, so a cluster promoted there after an unplanned failover, whose only
    secondary is the lost region, does not block its own commits."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        super().validate()
        check_bool("global_cluster_force_destroy", self.global_cluster_force_destroy)
        if self.global_db_rpo_seconds is not None:
            Rule(
                "global_db_rpo_seconds",
                in_range(20, 2**31 - 1),
                "None (unset) or 20 to 2147483647 seconds (rds.global_db_rpo)",
            ).apply(self.global_db_rpo_seconds)
        check_region("replica_region", self.replica_region)
        if self.replica_region == self.region:
            raise ConfigError(
                "replica_region", self.replica_region, f"a region other than {self.region}"
            )
        check_kms_key_arn("replica_kms_key_arn", self.replica_kms_key_arn, self.replica_region)
        check_all(
            [
                (
                    Rule(
                        "database_name",
                        _identifier(63),
                        "1-63 letters, digits or '_', starting with a letter, not one of "
                        f"{RESERVED_NAMES}",
                    ),
                    self.database_name,
                ),
                (
                    Rule(
                        "master_username",
                        _identifier(63),
                        "1-63 letters, digits or '_', starting with a letter, not one of "
                        f"{RESERVED_NAMES}",
                    ),
                    self.master_username,
                ),
            ]
        )
        low, high = PASSWORD_LENGTH_RANGE
        check_all(
            [
                (
                    Rule("password_length", in_range(low, high), f"{low} to {high}"),
                    self.password_length,
                ),
                (
                    Rule("password_version", in_range(1, 2**31 - 1), "a positive integer"),
                    self.password_version,
                ),
                (
                    Rule(
                        "secret_recovery_window_days",
                        lambda v: in_range(0, 0)(v) or in_range(7, 30)(v),
                        "0 (delete at once) or 7 to 30",
                    ),
                    self.secret_recovery_window_days,
                ),
            ]
        )


def _identifier(max_length: int) -> Callable[[str], bool]:
    pattern = re.compile(rf"[A-Za-z][A-Za-z0-9_]{{0,{max_length - 1}}}")

    def check(value: str) -> bool:
        return (
            isinstance(value, str)
            and pattern.fullmatch(value) is not None
            and value.lower() not in RESERVED_NAMES
        )

    return check


class AuroraGlobalPrimary(Construct, RegionalClusterAttributes):
    """The Aurora PostgreSQL global database and its writer-region cluster.

    * Global cluster (encrypted; deletion protection as the props say) with the pinned
      engine version.
    * Serverless v2 cluster joined to it, with ``instance_count`` ``db.serverless`` instances,
      enhanced
      monitoring, Performance Insights under this region's key, IAM database
      authentication, TLS-only connections and PostgreSQL log export.
    * The master password: generated by an ephemeral ``aws_secretsmanager_random_password``
      and written, through write-only arguments, to the cluster and to a Secrets Manager
      secret replicated to ``replica_region``. It never appears in code, plan or state.
    """

    def __init__(
        self, scope: Construct, construct_id: str, props: AuroraGlobalPrimaryProps
    ) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        namer, provider = props.namer, props.provider
        self.region = props.region
        self.replica_region = props.replica_region
        self.engine_version = props.engine_version
        self.database_name = props.database_name
        self.master_username = props.master_username
        self.port = PORT

        self.global_cluster = RdsGlobalCluster(
            self,
            "global-cluster",
            global_cluster_identifier=namer.of(names.AURORA_GLOBAL_CLUSTER),
            engine=ENGINE,
            engine_version=props.engine_version,
            storage_encrypted=True,
            deletion_protection=props.deletion_protection,
            force_destroy=props.global_cluster_force_destroy,
            provider=provider,
        )

        password = EphemeralRandomPassword(
            self, "master-password", length=props.password_length, provider=provider
        )
        self.secret = SecretsmanagerSecret(
            self,
            "master-secret",
            name=namer.of(names.AURORA_MASTER_SECRET),
            description="Master credentials of the payment database (Aurora global cluster)",
            kms_key_id=props.kms_key_arn,
            replica=[
                SecretsmanagerSecretReplica(
                    region=props.replica_region, kms_key_id=props.replica_kms_key_arn
                )
            ],
            force_overwrite_replica_secret=True,
            recovery_window_in_days=props.secret_recovery_window_days,
            provider=provider,
        )
        credentials = {
            "engine": '"postgres"',
            "host": _reference(self.global_cluster, "endpoint"),
            "port": str(PORT),
            "dbname": f'"{props.database_name}"',
            "username": f'"{props.master_username}"',
            "password": password.value_expression,
        }
        self.secret_version = SecretsmanagerSecretVersion(
            self,
            "master-secret-value",
            secret_id=self.secret.id,
            secret_string_wo=_jsonencode(credentials),
            secret_string_wo_version=props.password_version,
            provider=provider,
        )

        regional = build_regional_cluster(
            self,
            props,
            ClusterRole(
                global_cluster_identifier=self.global_cluster.id,
                master_username=props.master_username,
                master_password_wo=password.value,
                master_password_wo_version=props.password_version,
                database_name=props.database_name,
                parameters=(
                    (("rds.global_db_rpo", str(props.global_db_rpo_seconds)),)
                    if props.global_db_rpo_seconds is not None
                    else ()
                ),
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
        """Identifier of the global cluster (the secondary joins it)."""
        return self.global_cluster.id

    @property
    def global_cluster_arn(self) -> str:
        """ARN of the global cluster (failover and switchover calls)."""
        return self.global_cluster.arn

    @property
    def global_writer_endpoint(self) -> str:
        """Global writer endpoint: follows the writer through switchovers and failovers."""
        return self.global_cluster.endpoint

    @property
    def secret_arn(self) -> str:
        """ARN of the master secret in the primary region."""
        return self.secret.arn

    @property
    def secret_name(self) -> str:
        """Name of the master secret (the same in both regions)."""
        return self.secret.name

    @property
    def secret_replica_arn(self) -> str:
        """ARN of the secret's replica in ``replica_region`` (same name and suffix)."""
        return Fn.replace(self.secret.arn, f":{self.region}:", f":{self.replica_region}:")


def _reference(resource: TerraformResource, attribute: str) -> str:
    """The HCL reference to ``attribute`` of ``resource`` (same stack), without ``${}``."""
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}.{attribute}"


def _jsonencode(fields: dict[str, str]) -> str:
    """``${jsonencode({...})}`` of HCL expressions (kept as an expression: the password
    inside is ephemeral, so the whole value may only go to a write-only argument)."""
    body = ", ".join(f"{key} = {expression}" for key, expression in fields.items())
    return f"${{jsonencode({{{body}}})}}"
