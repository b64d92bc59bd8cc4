"""GameDayExperiments: the two replication-pause templates (and no Lambda fault unless asked),
their stop conditions, their regions, and a role limited to what the actions need on the exact
ARNs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from observability_testing import ACCOUNT, PRIMARY, SECONDARY, SOURCE_BUCKET
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_observability import GameDayExperiments, GameDayExperimentsProps
from payment_dr_observability.game_day import DYNAMODB_PAUSE_MAX_MINUTES

REPLICA = f"arn:aws:dynamodb:{SECONDARY}:{ACCOUNT}:table/payment-processing-sessions-test"
BUCKET = f"arn:aws:s3:::{SOURCE_BUCKET}"
PRIMARY_ALARM = f"arn:aws:cloudwatch:{PRIMARY}:{ACCOUNT}:alarm:api-primary-unhealthy"
ORCHESTRATOR_ALARM = f"arn:aws:cloudwatch:{SECONDARY}:{ACCOUNT}:alarm:orchestrator-errors"

PROPS = GameDayExperimentsProps(
    namer=Namer("test"),
    region=SECONDARY,
    primary_region=PRIMARY,
    session_table_replica_arn=REPLICA,
    data_bucket_arn=BUCKET,
    stop_alarm_arns={PRIMARY: (PRIMARY_ALARM,), SECONDARY: (ORCHESTRATOR_ALARM,)},
)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        primary = AwsProvider(stack, "aws-primary-region", alias="primary_region", region=PRIMARY)
        GameDayExperiments(stack, "gameday", dataclasses.replace(PROPS, primary_provider=primary))

    return synth_stack(build, region=SECONDARY)


def _template(synth: Synth, fragment: str) -> Any:
    return synth.find("aws_fis_experiment_template", fragment)


def test_dynamodb_pause_targets_the_replica_in_the_secondary_region(synth: Synth) -> None:
    template = _template(synth, "dynamodb-pause")
    assert "provider" not in template  # the stack's default provider: the secondary region
    (action,) = template["action"]
    assert action["action_id"] == "aws:dynamodb:global-table-pause-replication"
    assert action["parameter"] == [{"key": "duration", "value": "PT10M"}]
    assert action["target"] == {"key": "Tables", "value": "Tables"}
    (target,) = template["target"]
    assert target["resource_type"] == "aws:dynamodb:global-table"
    assert target["resource_arns"] == [REPLICA]
    assert template["stop_condition"] == [
        {"source": "aws:cloudwatch:alarm", "value": ORCHESTRATOR_ALARM}
    ]
    assert template["tags"]["Name"] == "payment-processing-gameday-dynamodb-pause-use2-test"


def test_s3_pause_runs_in_the_primary_region_towards_the_secondary(synth: Synth) -> None:
    template = _template(synth, "s3-pause")
    assert template["provider"] == "aws.primary_region"
    (action,) = template["action"]
    assert action["action_id"] == "aws:s3:bucket-pause-replication"
    assert {p["key"]: p["value"] for p in action["parameter"]} == {
        "duration": "PT20M",
        "region": SECONDARY,
    }
    assert action["target"] == {"key": "Buckets", "value": "Buckets"}
    assert template["target"][0]["resource_arns"] == [BUCKET]
    assert template["stop_condition"] == [
        {"source": "aws:cloudwatch:alarm", "value": PRIMARY_ALARM}
    ]


def test_no_lambda_fault_unless_asked(synth: Synth) -> None:
    templates = synth.resources("aws_fis_experiment_template")
    assert sorted(t["tags"]["Name"] for t in templates.values()) == [
        "payment-processing-gameday-dynamodb-pause-use2-test",
        "payment-processing-gameday-s3-pause-use1-test",
    ]


def test_role_trusts_fis_for_this_account_only(synth: Synth) -> None:
    role = synth.only("aws_iam_role")
    assert role["name"] == "payment-processing-gameday-fis-use2-test"
    trust = synth.data("aws_iam_policy_document")
    (assume,) = [doc for name, doc in trust.items() if "assume" in name]
    (statement,) = assume["statement"]
    assert statement["principals"][0]["identifiers"] == ["fis.amazonaws.com"]
    assert statement["condition"][0]["variable"] == "aws:SourceAccount"


def test_role_policy_is_exact_actions_on_exact_arns(synth: Synth) -> None:
    documents = synth.data("aws_iam_policy_document")
    (policy,) = [doc for name, doc in documents.items() if "assume" not in name]
    by_sid = {s["sid"]: s for s in policy["statement"]}
    assert by_sid["PauseSessionTableReplication"]["resources"] == [REPLICA]
    assert by_sid["PauseDataBucketReplication"]["actions"] == ["s3:PauseReplication"]
    assert by_sid["PauseDataBucketReplication"]["condition"][0]["values"] == [SECONDARY]
    assert by_sid["ReadWriteReplicationForPause"]["condition"][0]["variable"] == (
        "s3:IsReplicationPauseRequest"
    )
    for statement in policy["statement"]:
        assert all("*" not in action for action in statement["actions"])
        assert all(resource in (REPLICA, BUCKET) for resource in statement["resources"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dynamodb_pause_minutes": DYNAMODB_PAUSE_MAX_MINUTES + 1}, "dynamodb_pause_minutes"),
        ({"dynamodb_pause_minutes": 0}, "dynamodb_pause_minutes"),
        ({"s3_pause_minutes": 15}, "s3_pause_minutes"),
        ({"stop_alarm_arns": {PRIMARY: (PRIMARY_ALARM,)}}, "stop_alarm_arns"),
        (
            {"stop_alarm_arns": {PRIMARY: (PRIMARY_ALARM,) * 6, SECONDARY: ("a",)}},
            "stop_alarm_arns",
        ),
    ],
)
def test_invalid_props_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        dataclasses.replace(PROPS, **changes).validate()
    assert caught.value.field == field
