"""The Aurora global database with the production data protection turned on."""

from __future__ import annotations

import pytest
from cdktf import TerraformStack
from test_aurora import (
    PRIMARY_SUBNETS,
    SECONDARY_SUBNETS,
    primary_props,
    secondary_props,
)

from data_testing import PRIMARY, SECONDARY_PROVIDER, secondary_provider
from payment_dr_core.testing import Json, Synth, synth_stack
from payment_dr_data import AuroraGlobalPrimary, AuroraGlobalSecondary

PROTECTED = {
    "deletion_protection": True,
    "final_snapshot": True,
    "keep_automated_backups": True,
    "backup_retention_days": 14,
}


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        primary = AuroraGlobalPrimary(
            stack,
            "aurora",
            primary_props(
                **PROTECTED,
                instance_count=2,
                global_cluster_force_destroy=False,
                global_db_rpo_seconds=120,
                secret_recovery_window_days=30,
            ),
        )
        AuroraGlobalSecondary(
            stack,
            "aurora-secondary",
            secondary_props(
                **PROTECTED,
                instance_count=3,
                global_cluster_identifier=primary.global_cluster_identifier,
                primary_cluster_arn=primary.cluster_arn,
                provider=secondary_provider(stack),
            ),
        )

    return synth_stack(build, region=PRIMARY)


def cluster(synth: Synth, prefix: str) -> Json:
    return synth.find("aws_rds_cluster", f"{prefix}_cluster")


def test_global_cluster_is_protected_and_not_force_destroyed(synth: Synth) -> None:
    global_cluster = synth.only("aws_rds_global_cluster")
    assert global_cluster["deletion_protection"] is True
    assert global_cluster["force_destroy"] is False


@pytest.mark.parametrize(
    ("prefix", "snapshot"),
    [
        ("aurora_", "payment-processing-aurora-final-use1-test"),
        ("aurora-secondary_", "payment-processing-aurora-final-use2-test"),
    ],
)
def test_clusters_are_protected_with_a_named_final_snapshot(
    synth: Synth, prefix: str, snapshot: str
) -> None:
    body = synth.find("aws_rds_cluster", prefix)
    assert body["deletion_protection"] is True
    assert body["skip_final_snapshot"] is False
    assert body["final_snapshot_identifier"] == snapshot
    assert body["delete_automated_backups"] is False
    assert body["backup_retention_period"] == 14


def test_master_secret_has_a_recovery_window(synth: Synth) -> None:
    assert synth.only("aws_secretsmanager_secret")["recovery_window_in_days"] == 30


def test_global_db_rpo_is_set_in_the_primary_regions_group_only(synth: Synth) -> None:
    groups = {
        name: {p["name"]: p["value"] for p in body["parameter"]}
        for name, body in synth.resources("aws_rds_cluster_parameter_group").items()
    }
    (primary_group,) = [g for name, g in groups.items() if name.startswith("aurora_")]
    (secondary_group,) = [g for name, g in groups.items() if name.startswith("aurora-secondary_")]
    assert primary_group["rds.global_db_rpo"] == "120"
    assert primary_group["rds.force_ssl"] == "1"
    assert "rds.global_db_rpo" not in secondary_group
    assert secondary_group["rds.force_ssl"] == "1"


def instances(synth: Synth, prefix: str) -> dict[str, Json]:
    return {
        body["identifier"]: body
        for name, body in synth.resources("aws_rds_cluster_instance").items()
        if name.startswith(prefix)
    }


def test_writer_and_readers_in_other_azs(synth: Synth) -> None:
    primary = instances(synth, "aurora_")
    assert sorted(primary) == [
        "payment-processing-aurora-instance-2-use1-test",
        "payment-processing-aurora-instance-use1-test",
    ]
    writer = primary["payment-processing-aurora-instance-use1-test"]
    reader = primary["payment-processing-aurora-instance-2-use1-test"]
    # The writer keeps the construct ID of single-instance releases and is not pinned.
    assert "availability_zone" not in writer
    assert "promotion_tier" not in writer
    assert reader["promotion_tier"] == 1
    assert reader["cluster_identifier"] == writer["cluster_identifier"]
    assert reader["instance_class"] == "db.serverless"
    writer_name = next(
        n for n, b in synth.resources("aws_rds_cluster_instance").items() if b is writer
    )
    subnets = synth.data("aws_subnet")
    primary_subnets = {n: b for n, b in subnets.items() if n.startswith("aurora_subnet-")}
    assert sorted(b["id"] for b in primary_subnets.values()) == sorted(PRIMARY_SUBNETS)
    zones = ", ".join(f"data.aws_subnet.{n}.availability_zone" for n in sorted(primary_subnets))
    assert reader["availability_zone"] == (
        f"${{element(tolist(setsubtract([{zones}], "
        f"[aws_rds_cluster_instance.{writer_name}.availability_zone])), 0)}}"
    )


def test_secondary_has_three_instances_in_its_region(synth: Synth) -> None:
    secondary = instances(synth, "aurora-secondary_")
    assert sorted(secondary) == [
        "payment-processing-aurora-instance-2-use2-test",
        "payment-processing-aurora-instance-3-use2-test",
        "payment-processing-aurora-instance-use2-test",
    ]
    assert {b.get("provider") for b in secondary.values()} == {SECONDARY_PROVIDER}
    third = secondary["payment-processing-aurora-instance-3-use2-test"]
    assert third["availability_zone"].endswith(", 1)}")
    subnets = [b for n, b in synth.data("aws_subnet").items() if n.startswith("aurora-secondary_")]
    assert sorted(b["id"] for b in subnets) == sorted(SECONDARY_SUBNETS)
    assert {b["provider"] for b in subnets} == {SECONDARY_PROVIDER}
