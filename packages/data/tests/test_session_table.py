from __future__ import annotations

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
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_data import (
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
    SessionTable,
    SessionTableProps,
    SessionTableReplica,
    SessionTableReplicaProps,
)

TABLE_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/payment-processing-sessions-test"


def table_props(**overrides: Any) -> SessionTableProps:
    values: dict[str, Any] = {"namer": Namer("test"), "region": PRIMARY, "kms_key_arn": PRIMARY_KEY}
    values.update(overrides)
    return SessionTableProps(**values)


def replica_props(**overrides: Any) -> SessionTableReplicaProps:
    values: dict[str, Any] = {
        "region": SECONDARY,
        "table_arn": TABLE_ARN,
        "kms_key_arn": SECONDARY_KEY,
    }
    values.update(overrides)
    return SessionTableReplicaProps(**values)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        table = SessionTable(stack, "sessions", table_props())
        replica = SessionTableReplica(
            stack,
            "sessions-replica",
            replica_props(table_arn=table.table_arn, provider=secondary_provider(stack)),
        )
        TerraformOutput(stack, "table-name", value=table.table_name)
        TerraformOutput(stack, "table-arn", value=table.table_arn)
        TerraformOutput(stack, "stream-arn", value=table.stream_arn)
        TerraformOutput(stack, "replica-arn", value=replica.replica_arn)
        TerraformOutput(stack, "replica-table-name", value=replica.table_name)

    return synth_stack(build, region=PRIMARY)


def test_key_design_is_pk_sk_strings_with_ttl_on_expires_at(synth: Synth) -> None:
    table = synth.only("aws_dynamodb_table")
    assert table["name"] == "payment-processing-sessions-test"
    assert (table["hash_key"], table["range_key"]) == (PARTITION_KEY, SORT_KEY) == ("pk", "sk")
    assert sorted(table["attribute"], key=lambda a: a["name"]) == [
        {"name": "pk", "type": "S"},
        {"name": "sk", "type": "S"},
    ]
    assert table["ttl"] == {"attribute_name": TTL_ATTRIBUTE, "enabled": True}
    assert TTL_ATTRIBUTE == "expires_at"
    assert "global_secondary_index" not in table


def test_table_is_on_demand_with_streams_for_the_global_table(synth: Synth) -> None:
    table = synth.only("aws_dynamodb_table")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert "read_capacity" not in table
    assert "write_capacity" not in table
    assert table["stream_enabled"] is True
    assert table["stream_view_type"] == "NEW_AND_OLD_IMAGES"


def test_table_is_encrypted_recoverable_and_destroyable(synth: Synth) -> None:
    table = synth.only("aws_dynamodb_table")
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": PRIMARY_KEY}
    assert table["point_in_time_recovery"] == {"enabled": True, "recovery_period_in_days": 35}
    assert table["deletion_protection_enabled"] is False
    assert "provider" not in table


def test_table_declares_no_inline_replica_and_ignores_the_external_one(synth: Synth) -> None:
    table = synth.only("aws_dynamodb_table")
    assert "replica" not in table
    assert table["lifecycle"]["ignore_changes"] == ["replica"]


def test_replica_lives_in_the_secondary_region_with_its_own_key(synth: Synth) -> None:
    replica = synth.only("aws_dynamodb_table_replica")
    assert replica["provider"] == SECONDARY_PROVIDER
    assert replica["global_table_arn"] == reference("aws_dynamodb_table", "sessions", synth, "arn")
    assert replica["kms_key_arn"] == SECONDARY_KEY
    assert replica["point_in_time_recovery"] is True
    assert replica["deletion_protection_enabled"] is False


def test_attributes(synth: Synth) -> None:
    table = address("aws_dynamodb_table", "sessions", synth)
    replica = address("aws_dynamodb_table_replica", "sessions-replica", synth)
    assert output(synth, "table-name") == f"${{{table}.name}}"
    assert output(synth, "table-arn") == f"${{{table}.arn}}"
    assert output(synth, "stream-arn") == f"${{{table}.stream_arn}}"
    assert output(synth, "replica-arn") == f"${{{replica}.arn}}"
    assert output(synth, "replica-table-name") == f'${{element(split(":", {replica}.id), 0)}}'


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
        ({"kms_key_arn": SECONDARY_KEY}, "kms_key_arn"),
        ({"point_in_time_recovery_days": 0}, "point_in_time_recovery_days"),
        ({"point_in_time_recovery_days": 36}, "point_in_time_recovery_days"),
        ({"deletion_protection": 1}, "deletion_protection"),
    ],
)
def test_bad_table_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        table_props(**overrides).validate()
    assert error.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"table_arn": "payment-processing-sessions-test"}, "table_arn"),
        ({"table_arn": TABLE_ARN.replace("us-east-1", "us-east-2")}, "table_arn"),
        ({"table_arn": ""}, "table_arn"),
        ({"kms_key_arn": PRIMARY_KEY}, "kms_key_arn"),
        ({"deletion_protection": "yes"}, "deletion_protection"),
    ],
)
def test_bad_replica_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        replica_props(**overrides).validate()
    assert error.value.field == field


def test_good_props_pass() -> None:
    table_props(point_in_time_recovery_days=1).validate()
    replica_props().validate()


def test_deletion_protection_covers_the_table_and_its_replica() -> None:
    """Each replica has its own setting: protecting the table alone leaves the replica
    deletable."""

    def build(stack: TerraformStack) -> None:
        table = SessionTable(stack, "sessions", table_props(deletion_protection=True))
        SessionTableReplica(
            stack,
            "sessions-replica",
            replica_props(
                table_arn=table.table_arn,
                deletion_protection=True,
                provider=secondary_provider(stack),
            ),
        )

    protected = synth_stack(build, region=PRIMARY)
    assert protected.only("aws_dynamodb_table")["deletion_protection_enabled"] is True
    assert protected.only("aws_dynamodb_table_replica")["deletion_protection_enabled"] is True
