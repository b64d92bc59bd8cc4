"""PaymentIdKey: one secret in the primary region, replicated to the standby with the
standby's key, named for payment ids, no value from Terraform."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.payment_id_key import PaymentIdKey, PaymentIdKeyProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack

KEY = "arn:aws:kms:us-east-1:111111111111:key/primary"
REPLICA_KEY = "arn:aws:kms:us-east-2:111111111111:key/secondary"


def props(**overrides: Any) -> PaymentIdKeyProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-1",
        "kms_key_arn": KEY,
        "replica_region": "us-east-2",
        "replica_kms_key_arn": REPLICA_KEY,
    }
    values.update(overrides)
    return PaymentIdKeyProps(**values)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        PaymentIdKey(stack, "payment-id-key", props())

    return synth_stack(build, region="us-east-1")


def test_one_secret_replicated_to_the_standby_with_its_own_key(synth: Synth) -> None:
    (secret,) = synth.resources("aws_secretsmanager_secret").values()
    assert secret["name"] == "payment-processing-payment-id-key-test"
    assert secret["kms_key_id"] == KEY
    assert secret["replica"] == [{"region": "us-east-2", "kms_key_id": REPLICA_KEY}]
    assert secret["recovery_window_in_days"] == 0
    assert "never rotated" in secret["description"]
    # Terraform never holds the key: no version, no rotation
    assert not synth.resources("aws_secretsmanager_secret_version")
    assert not synth.resources("aws_secretsmanager_secret_rotation")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"replica_region": "us-east-1"}, "replica_region"),
        ({"recovery_window_days": 3}, "recovery_window_days"),
    ],
)
def test_bad_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        props(**overrides).validate()
    assert error.value.field == field
