from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformOutput, TerraformStack

from data_testing import (
    PRIMARY,
    PRIMARY_KEY,
    SECONDARY,
    SECONDARY_KEY,
    SECONDARY_PROVIDER,
    address,
    output,
    reference,
    secondary_provider,
)
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Json, Synth, synth_stack
from payment_dr_data import (
    ENGINE_VERSION,
    AuroraGlobalPrimary,
    AuroraGlobalPrimaryProps,
    AuroraGlobalSecondary,
    AuroraGlobalSecondaryProps,
)

LAMBDA_SG = "sg-0123456789abcdef0"
PRIMARY_SUBNETS = (
    "subnet-0000000000000000a",
    "subnet-0000000000000000b",
    "subnet-0000000000000000c",
)
SECONDARY_SUBNETS = (
    "subnet-0000000000000000d",
    "subnet-0000000000000000e",
    "subnet-0000000000000000f",
)
PRIMARY_CLUSTER_ARN = (
    "arn:aws:rds:us-east-1:111111111111:cluster:payment-processing-aurora-use1-test"
)


def primary_props(**overrides: Any) -> AuroraGlobalPrimaryProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": PRIMARY,
        "kms_key_arn": PRIMARY_KEY,
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": PRIMARY_SUBNETS,
        "allowed_security_group_id": LAMBDA_SG,
        "peer_cidr": "10.1.0.0/16",
        "replica_region": SECONDARY,
        "replica_kms_key_arn": SECONDARY_KEY,
    }
    values.update(overrides)
    return AuroraGlobalPrimaryProps(**values)


def secondary_props(**overrides: Any) -> AuroraGlobalSecondaryProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": SECONDARY,
        "kms_key_arn": SECONDARY_KEY,
        "vpc_id": "vpc-0fedcba9876543210",
        "subnet_ids": SECONDARY_SUBNETS,
        "allowed_security_group_id": LAMBDA_SG,
        "peer_cidr": "10.0.0.0/16",
        "global_cluster_identifier": "payment-processing-aurora-global-test",
        "primary_cluster_arn": PRIMARY_CLUSTER_ARN,
        "primary_region": PRIMARY,
    }
    values.update(overrides)
    return AuroraGlobalSecondaryProps(**values)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        primary = AuroraGlobalPrimary(stack, "aurora", primary_props())
        # The secondary takes the primary's values as plain strings, as it does across stacks.
        secondary = AuroraGlobalSecondary(
            stack,
            "aurora-secondary",
            secondary_props(
                global_cluster_identifier=primary.global_cluster_identifier,
                primary_cluster_arn=primary.cluster_arn,
                depends_on=(primary.instance,),
                provider=secondary_provider(stack),
            ),
        )
        attributes = {
            "global-cluster-id": primary.global_cluster_identifier,
            "global-cluster-arn": primary.global_cluster_arn,
            "global-writer-endpoint": primary.global_writer_endpoint,
            "primary-cluster-id": primary.cluster_identifier,
            "primary-cluster-arn": primary.cluster_arn,
            "primary-resource-id": primary.cluster_resource_id,
            "primary-writer": primary.writer_endpoint,
            "primary-reader": primary.reader_endpoint,
            "primary-instance": primary.instance_identifier,
            "primary-sg": primary.security_group_id,
            "primary-log-group": primary.log_group_name,
            "secret-arn": primary.secret_arn,
            "secret-name": primary.secret_name,
            "secret-replica-arn": primary.secret_replica_arn,
            "secondary-cluster-id": secondary.cluster_identifier,
            "secondary-cluster-arn": secondary.cluster_arn,
            "secondary-resource-id": secondary.cluster_resource_id,
            "secondary-writer": secondary.writer_endpoint,
            "secondary-reader": secondary.reader_endpoint,
            "secondary-instance": secondary.instance_identifier,
            "secondary-sg": secondary.security_group_id,
            "secondary-log-group": secondary.log_group_name,
            "secondary-global-id": secondary.global_cluster_identifier,
            "secondary-primary-arn": secondary.primary_cluster_arn,
        }
        for name, value in attributes.items():
            TerraformOutput(stack, name, value=value)
        assert (primary.port, secondary.port) == (5432, 5432)
        assert (primary.database_name, primary.master_username) == ("payments", "payments_admin")
        assert primary.engine_version == secondary.engine_version == ENGINE_VERSION

    return synth_stack(build, region=PRIMARY)


def primary(synth: Synth, kind: str) -> Json:
    return synth.find(kind, "aurora_")


def secondary(synth: Synth, kind: str) -> Json:
    return synth.find(kind, "aurora-secondary_")


def both(synth: Synth, kind: str) -> list[tuple[Json, str, str | None]]:
    """Each region's resource of ``kind`` with its key and provider."""
    return [
        (primary(synth, kind), PRIMARY_KEY, None),
        (secondary(synth, kind), SECONDARY_KEY, SECONDARY_PROVIDER),
    ]


def test_engine_version_is_a_pinned_14x_release() -> None:
    major, minor = ENGINE_VERSION.split(".")
    assert major == "14"
    assert minor.isdigit()


def test_global_cluster(synth: Synth) -> None:
    global_cluster = synth.only("aws_rds_global_cluster")
    assert global_cluster["global_cluster_identifier"] == "payment-processing-aurora-global-test"
    assert global_cluster["engine"] == "aurora-postgresql"
    assert global_cluster["engine_version"] == ENGINE_VERSION
    assert global_cluster["storage_encrypted"] is True
    assert global_cluster["deletion_protection"] is False
    assert global_cluster["force_destroy"] is True
    assert "provider" not in global_cluster


def test_both_clusters_join_the_global_cluster_with_the_same_engine(synth: Synth) -> None:
    global_id = reference("aws_rds_global_cluster", "aurora_", synth, "id")
    for cluster, _, provider in both(synth, "aws_rds_cluster"):
        assert cluster["global_cluster_identifier"] == global_id
        assert cluster["engine"] == "aurora-postgresql"
        assert cluster["engine_mode"] == "provisioned"
        assert cluster["engine_version"] == ENGINE_VERSION
        assert cluster.get("provider") == provider
    assert primary(synth, "aws_rds_cluster")["cluster_identifier"] == (
        "payment-processing-aurora-use1-test"
    )
    assert secondary(synth, "aws_rds_cluster")["cluster_identifier"] == (
        "payment-processing-aurora-use2-test"
    )


def test_clusters_are_serverless_v2_and_never_scale_to_zero(synth: Synth) -> None:
    for cluster, _, _ in both(synth, "aws_rds_cluster"):
        scaling = cluster["serverlessv2_scaling_configuration"]
        assert scaling["min_capacity"] == 0.5
        assert scaling["min_capacity"] > 0
        assert scaling["max_capacity"] == 4
        assert "seconds_until_auto_pause" not in scaling


def test_clusters_are_encrypted_with_their_own_regions_key(synth: Synth) -> None:
    for cluster, key, _ in both(synth, "aws_rds_cluster"):
        assert cluster["storage_encrypted"] is True
        assert cluster["kms_key_id"] == key


def test_clusters_are_secure_and_destroyable(synth: Synth) -> None:
    for cluster, _, _ in both(synth, "aws_rds_cluster"):
        assert cluster["iam_database_authentication_enabled"] is True
        assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
        assert cluster["backup_retention_period"] == 7
        assert cluster["skip_final_snapshot"] is True
        assert cluster["deletion_protection"] is False
        assert cluster["delete_automated_backups"] is True
        assert "final_snapshot_identifier" not in cluster
        assert cluster["port"] == 5432


def test_clusters_ignore_the_drift_aws_causes(synth: Synth) -> None:
    for cluster, _, _ in both(synth, "aws_rds_cluster"):
        ignored = cluster["lifecycle"]["ignore_changes"]
        assert "replication_source_identifier" in ignored
        assert "global_cluster_identifier" in ignored
        assert "replication_source_identifier" not in cluster


def test_clusters_use_their_regions_network_and_parameters(synth: Synth) -> None:
    for prefix in ("aurora_", "aurora-secondary_"):
        cluster = synth.find("aws_rds_cluster", prefix)
        assert cluster["db_subnet_group_name"] == reference(
            "aws_db_subnet_group", prefix, synth, "name"
        )
        assert cluster["vpc_security_group_ids"] == [
            reference("aws_security_group", prefix, synth, "id")
        ]
        assert cluster["db_cluster_parameter_group_name"] == reference(
            "aws_rds_cluster_parameter_group", prefix, synth, "name"
        )
        assert address("aws_cloudwatch_log_group", prefix, synth) in cluster["depends_on"]


def test_primary_cluster_gets_the_master_user_from_a_write_only_ephemeral_password(
    synth: Synth,
) -> None:
    cluster = primary(synth, "aws_rds_cluster")
    (password_name,) = synth.doc["ephemeral"]["aws_secretsmanager_random_password"]
    password = f"ephemeral.aws_secretsmanager_random_password.{password_name}.random_password"
    assert cluster["master_username"] == "payments_admin"
    assert cluster["database_name"] == "payments"
    assert cluster["master_password_wo"] == f"${{{password}}}"
    assert cluster["master_password_wo_version"] == 1
    assert "master_password" not in cluster
    assert "manage_master_user_password" not in cluster


def test_secondary_cluster_sets_no_master_user_password_or_database(synth: Synth) -> None:
    cluster = secondary(synth, "aws_rds_cluster")
    for argument in (
        "master_username",
        "master_password",
        "master_password_wo",
        "master_password_wo_version",
        "manage_master_user_password",
        "database_name",
        "snapshot_identifier",
    ):
        assert argument not in cluster, argument
    assert cluster["source_region"] == PRIMARY
    assert cluster["kms_key_id"] == SECONDARY_KEY


def test_secondary_cluster_is_created_after_the_primary_instance(synth: Synth) -> None:
    cluster = secondary(synth, "aws_rds_cluster")
    assert address("aws_rds_cluster_instance", "aurora_", synth) in cluster["depends_on"]


def test_instances_are_serverless_with_monitoring_and_performance_insights(
    synth: Synth,
) -> None:
    for prefix, key in (("aurora_", PRIMARY_KEY), ("aurora-secondary_", SECONDARY_KEY)):
        instance = synth.find("aws_rds_cluster_instance", prefix)
        cluster = reference("aws_rds_cluster", prefix, synth, "id")
        assert instance["cluster_identifier"] == cluster
        assert instance["instance_class"] == "db.serverless"
        assert instance["engine_version"] == cluster.replace(".id}", ".engine_version}")
        assert instance["monitoring_interval"] == 60
        assert instance["monitoring_role_arn"] == reference("aws_iam_role", prefix, synth, "arn")
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"] == key
        assert instance["performance_insights_retention_period"] == 7
        assert instance["publicly_accessible"] is False
        assert instance["auto_minor_version_upgrade"] is False
        assert instance["ca_cert_identifier"] == "rds-ca-rsa2048-g1"
    assert primary(synth, "aws_rds_cluster_instance")["identifier"] == (
        "payment-processing-aurora-instance-use1-test"
    )
    assert secondary(synth, "aws_rds_cluster_instance")["provider"] == SECONDARY_PROVIDER


def test_monitoring_role_trusts_rds_monitoring_with_the_managed_policy(synth: Synth) -> None:
    for prefix, code in (("aurora_", "use1"), ("aurora-secondary_", "use2")):
        role = synth.find("aws_iam_role", prefix)
        assert role["name"] == f"payment-processing-rds-monitoring-{code}-test"
        statement = synth.policy_document(role["assume_role_policy"])["statement"][0]
        assert statement["actions"] == ["sts:AssumeRole"]
        assert statement["principals"] == [
            {"type": "Service", "identifiers": ["monitoring.rds.amazonaws.com"]}
        ]
        assert statement["condition"][0]["variable"] == "aws:SourceAccount"
        attachment = synth.find("aws_iam_role_policy_attachment", prefix)
        assert attachment["policy_arn"] == (
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        )
        assert attachment["role"] == reference("aws_iam_role", prefix, synth, "name")
    assert not synth.resources("aws_iam_role_policy")


def test_parameter_groups_force_ssl(synth: Synth) -> None:
    for group, _, provider in both(synth, "aws_rds_cluster_parameter_group"):
        assert group["family"] == "aurora-postgresql14"
        parameters = {p["name"]: p["value"] for p in group["parameter"]}
        assert parameters["rds.force_ssl"] == "1"
        assert "rds.global_db_rpo" not in parameters  # unset unless configured
        assert group.get("provider") == provider


def test_subnet_groups_span_the_three_private_subnets(synth: Synth) -> None:
    assert primary(synth, "aws_db_subnet_group")["subnet_ids"] == list(PRIMARY_SUBNETS)
    assert secondary(synth, "aws_db_subnet_group")["subnet_ids"] == list(SECONDARY_SUBNETS)


def test_security_groups_admit_postgres_only_from_clients_and_the_peer_vpc(
    synth: Synth,
) -> None:
    rules = synth.resources("aws_vpc_security_group_ingress_rule")
    assert len(rules) == 4
    for prefix, peer in (("aurora_", "10.1.0.0/16"), ("aurora-secondary_", "10.0.0.0/16")):
        group = synth.find("aws_security_group", prefix)
        assert "ingress" not in group
        assert "egress" not in group
        mine = [rule for name, rule in rules.items() if name.startswith(prefix)]
        assert len(mine) == 2
        for rule in mine:
            assert rule["security_group_id"] == reference("aws_security_group", prefix, synth, "id")
            assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 5432, 5432)
            assert rule["description"]
        sources = {
            (rule.get("referenced_security_group_id"), rule.get("cidr_ipv4")) for rule in mine
        }
        assert sources == {(LAMBDA_SG, None), (None, peer)}
    assert not synth.resources("aws_vpc_security_group_egress_rule")


def test_postgres_log_groups_exist_before_the_clusters_with_retention_and_kms(
    synth: Synth,
) -> None:
    for group, key, _ in both(synth, "aws_cloudwatch_log_group"):
        assert group["kms_key_id"] == key
        assert group["retention_in_days"] == 365
    assert primary(synth, "aws_cloudwatch_log_group")["name"] == (
        "/aws/rds/cluster/payment-processing-aurora-use1-test/postgresql"
    )


def test_master_secret_is_replicated_with_the_replica_regions_key(synth: Synth) -> None:
    secret = synth.only("aws_secretsmanager_secret")
    assert secret["name"] == "payment-processing-aurora-master-test"
    assert secret["kms_key_id"] == PRIMARY_KEY
    assert secret["replica"] == [{"region": SECONDARY, "kms_key_id": SECONDARY_KEY}]
    assert secret["recovery_window_in_days"] == 0
    assert "provider" not in secret


def test_secret_value_is_written_write_only_from_the_same_ephemeral_password(
    synth: Synth,
) -> None:
    version = synth.only("aws_secretsmanager_secret_version")
    (password_name,) = synth.doc["ephemeral"]["aws_secretsmanager_random_password"]
    value = version["secret_string_wo"]
    assert value.startswith("${jsonencode({")
    assert value.endswith("})}")
    assert (
        f"password = ephemeral.aws_secretsmanager_random_password.{password_name}.random_password"
        in value
    )
    assert 'username = "payments_admin"' in value
    assert 'dbname = "payments"' in value
    assert "host = aws_rds_global_cluster." in value
    assert version["secret_string_wo_version"] == 1
    assert "secret_string" not in version
    assert version["secret_id"] == reference("aws_secretsmanager_secret", "aurora_", synth, "id")


def test_password_comes_from_an_ephemeral_block_and_never_from_state(synth: Synth) -> None:
    (block,) = synth.doc["ephemeral"]["aws_secretsmanager_random_password"].values()
    assert block["password_length"] == 32
    assert block["exclude_punctuation"] is True
    assert block["require_each_included_type"] is True
    # No data source or resource would keep the password in state.
    assert "aws_secretsmanager_random_password" not in synth.doc.get("data", {})
    assert "random_password" not in synth.doc.get("resource", {})
    text = json.dumps(synth.doc["resource"])
    assert '"master_password":' not in text
    assert '"secret_string":' not in text


def test_attributes_point_at_the_right_resources(synth: Synth) -> None:
    expected = {
        "global-cluster-id": ("aws_rds_global_cluster", "aurora_", "id"),
        "global-cluster-arn": ("aws_rds_global_cluster", "aurora_", "arn"),
        "global-writer-endpoint": ("aws_rds_global_cluster", "aurora_", "endpoint"),
        "primary-cluster-id": ("aws_rds_cluster", "aurora_", "cluster_identifier"),
        "primary-cluster-arn": ("aws_rds_cluster", "aurora_", "arn"),
        "primary-resource-id": ("aws_rds_cluster", "aurora_", "cluster_resource_id"),
        "primary-writer": ("aws_rds_cluster", "aurora_", "endpoint"),
        "primary-reader": ("aws_rds_cluster", "aurora_", "reader_endpoint"),
        "primary-instance": ("aws_rds_cluster_instance", "aurora_", "identifier"),
        "primary-sg": ("aws_security_group", "aurora_", "id"),
        "primary-log-group": ("aws_cloudwatch_log_group", "aurora_", "name"),
        "secret-arn": ("aws_secretsmanager_secret", "aurora_", "arn"),
        "secret-name": ("aws_secretsmanager_secret", "aurora_", "name"),
        "secondary-cluster-id": ("aws_rds_cluster", "aurora-secondary_", "cluster_identifier"),
        "secondary-cluster-arn": ("aws_rds_cluster", "aurora-secondary_", "arn"),
        "secondary-resource-id": ("aws_rds_cluster", "aurora-secondary_", "cluster_resource_id"),
        "secondary-writer": ("aws_rds_cluster", "aurora-secondary_", "endpoint"),
        "secondary-reader": ("aws_rds_cluster", "aurora-secondary_", "reader_endpoint"),
        "secondary-instance": ("aws_rds_cluster_instance", "aurora-secondary_", "identifier"),
        "secondary-sg": ("aws_security_group", "aurora-secondary_", "id"),
        "secondary-log-group": ("aws_cloudwatch_log_group", "aurora-secondary_", "name"),
        "secondary-global-id": ("aws_rds_global_cluster", "aurora_", "id"),
        "secondary-primary-arn": ("aws_rds_cluster", "aurora_", "arn"),
    }
    for name, (kind, fragment, attribute) in expected.items():
        assert output(synth, name) == reference(kind, fragment, synth, attribute), name
    secret = address("aws_secretsmanager_secret", "aurora_", synth)
    assert output(synth, "secret-replica-arn") == (
        f'${{replace({secret}.arn, ":us-east-1:", ":us-east-2:")}}'
    )


GOOD_ARN = PRIMARY_CLUSTER_ARN


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
        ({"kms_key_arn": SECONDARY_KEY}, "kms_key_arn"),
        ({"kms_key_arn": "alias/payments"}, "kms_key_arn"),
        ({"vpc_id": "vpc-xyz"}, "vpc_id"),
        ({"subnet_ids": PRIMARY_SUBNETS[:1]}, "subnet_ids"),
        ({"subnet_ids": (*PRIMARY_SUBNETS, "subnet-0000000000000000d")}, "subnet_ids"),
        ({"subnet_ids": (PRIMARY_SUBNETS[0], PRIMARY_SUBNETS[0])}, "subnet_ids"),
        ({"subnet_ids": list(PRIMARY_SUBNETS)}, "subnet_ids"),
        ({"subnet_ids": ("subnet-0000000000000000a", "sg-0000000000000000b")}, "subnet_ids"),
        ({"allowed_security_group_id": "vpc-0123456789abcdef0"}, "allowed_security_group_id"),
        ({"allowed_security_group_id": ""}, "allowed_security_group_id"),
        ({"peer_cidr": "0.0.0.0/0"}, "peer_cidr"),
        ({"peer_cidr": "8.8.8.0/24"}, "peer_cidr"),
        ({"peer_cidr": "10.0.0.0/8"}, "peer_cidr"),
        ({"peer_cidr": "10.1.0.1/16"}, "peer_cidr"),
        ({"engine_version": "15.4"}, "engine_version"),
        ({"engine_version": "14"}, "engine_version"),
        ({"min_capacity": 0}, "min_capacity"),
        ({"min_capacity": 0.75}, "min_capacity"),
        ({"max_capacity": 256}, "max_capacity"),
        ({"min_capacity": 8, "max_capacity": 4}, "max_capacity"),
        ({"monitoring_interval_seconds": 0}, "monitoring_interval_seconds"),
        ({"monitoring_interval_seconds": 45}, "monitoring_interval_seconds"),
        ({"performance_insights_retention_days": 30}, "performance_insights_retention_days"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"backup_retention_days": 0}, "backup_retention_days"),
        ({"backup_retention_days": 36}, "backup_retention_days"),
        ({"replica_region": "mars-1"}, "replica_region"),
        ({"replica_region": PRIMARY}, "replica_region"),
        ({"replica_kms_key_arn": PRIMARY_KEY}, "replica_kms_key_arn"),
        ({"database_name": "1payments"}, "database_name"),
        ({"database_name": "postgres"}, "database_name"),
        ({"database_name": "pay-ments"}, "database_name"),
        ({"master_username": "rdsadmin"}, "master_username"),
        ({"master_username": "a" * 64}, "master_username"),
        ({"password_length": 15}, "password_length"),
        ({"password_length": 42}, "password_length"),
        ({"password_version": 0}, "password_version"),
        ({"secret_recovery_window_days": 3}, "secret_recovery_window_days"),
        ({"secret_recovery_window_days": 31}, "secret_recovery_window_days"),
        ({"instance_count": 0}, "instance_count"),
        ({"instance_count": 17}, "instance_count"),
        ({"deletion_protection": 1}, "deletion_protection"),
        ({"final_snapshot": "yes"}, "final_snapshot"),
        ({"keep_automated_backups": None}, "keep_automated_backups"),
        ({"global_cluster_force_destroy": 0}, "global_cluster_force_destroy"),
        ({"global_db_rpo_seconds": 19}, "global_db_rpo_seconds"),
        ({"global_db_rpo_seconds": 2**31}, "global_db_rpo_seconds"),
        ({"global_db_rpo_seconds": True}, "global_db_rpo_seconds"),
    ],
)
def test_bad_primary_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        primary_props(**overrides).validate()
    assert error.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kms_key_arn": PRIMARY_KEY}, "kms_key_arn"),
        ({"peer_cidr": "192.168.0.0/33"}, "peer_cidr"),
        ({"primary_region": SECONDARY}, "primary_region"),
        ({"primary_region": "mars-1"}, "primary_region"),
        ({"global_cluster_identifier": "-global"}, "global_cluster_identifier"),
        ({"global_cluster_identifier": ""}, "global_cluster_identifier"),
        (
            {"primary_cluster_arn": GOOD_ARN.replace("us-east-1", "us-east-2")},
            "primary_cluster_arn",
        ),
        ({"primary_cluster_arn": "payment-processing-aurora-use1-test"}, "primary_cluster_arn"),
    ],
)
def test_bad_secondary_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        secondary_props(**overrides).validate()
    assert error.value.field == field


def test_good_props_pass() -> None:
    primary_props().validate()
    secondary_props().validate()
    primary_props(
        min_capacity=1, max_capacity=128, performance_insights_retention_days=731
    ).validate()
    secondary_props(monitoring_interval_seconds=1, backup_retention_days=35).validate()
