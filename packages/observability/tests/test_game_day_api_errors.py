"""GameDayExperiments with the Lambda fault (``api-errors``): the template in the primary region
on the API function (key ``Functions``, type ``aws:lambda:function``), its parameters, its own
stop conditions, and the role's few extra permissions on the exact function, folder and key."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from test_game_day import BUCKET, PRIMARY_ALARM, PROPS, REPLICA

from observability_testing import ACCOUNT, PRIMARY, PRIMARY_KEY, SECONDARY
from payment_dr_core import ConfigError
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_observability import GameDayExperiments, LambdaFaultTarget
from payment_dr_observability.game_day import API_ERRORS_MAX_MINUTES

FUNCTION = f"arn:aws:lambda:{PRIMARY}:{ACCOUNT}:function:payment-processing-payment-api-use1-test"
CONFIG_BUCKET = "arn:aws:s3:::payment-processing-fis-config-use1-test"
LAG_ALARM = f"arn:aws:cloudwatch:{PRIMARY}:{ACCOUNT}:alarm:aurora-replication-lag"
THROTTLES_ALARM = f"arn:aws:cloudwatch:{PRIMARY}:{ACCOUNT}:alarm:lambda-throttles-api"

FAULTS = LambdaFaultTarget(
    function_arn=FUNCTION,
    configuration_bucket_arn=CONFIG_BUCKET,
    configuration_prefix="FisConfigs/",
    kms_key_arn=PRIMARY_KEY,
    stop_alarm_arns=(LAG_ALARM, THROTTLES_ALARM),
)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        primary = AwsProvider(stack, "aws-primary-region", alias="primary_region", region=PRIMARY)
        GameDayExperiments(
            stack,
            "gameday",
            dataclasses.replace(PROPS, primary_provider=primary, lambda_faults=FAULTS),
        )

    return synth_stack(build, region=SECONDARY)


def test_api_errors_injects_errors_into_the_primary_api_function(synth: Synth) -> None:
    template = synth.find("aws_fis_experiment_template", "api-errors")
    assert template["provider"] == "aws.primary_region"
    (action,) = template["action"]
    assert action["action_id"] == "aws:lambda:invocation-error"
    assert action["parameter"] == [
        {"key": "duration", "value": "PT15M"},
        {"key": "invocationPercentage", "value": "100"},
        {"key": "preventExecution", "value": "true"},
    ]
    assert action["target"] == {"key": "Functions", "value": "Functions"}
    (target,) = template["target"]
    assert target == {
        "name": "Functions",
        "resource_type": "aws:lambda:function",
        "resource_arns": [FUNCTION],
        "selection_mode": "ALL",
    }
    assert template["tags"]["Name"] == "payment-processing-gameday-api-errors-use1-test"
    assert template["tags"]["Purpose"] == "game-day"
    assert template["role_arn"].startswith("${aws_iam_role.gameday_role_")


def test_api_errors_stops_on_its_own_alarms_not_the_s3_pauses(synth: Synth) -> None:
    template = synth.find("aws_fis_experiment_template", "api-errors")
    assert template["stop_condition"] == [
        {"source": "aws:cloudwatch:alarm", "value": LAG_ALARM},
        {"source": "aws:cloudwatch:alarm", "value": THROTTLES_ALARM},
    ]
    s3 = synth.find("aws_fis_experiment_template", "s3-pause")
    assert s3["stop_condition"] == [{"source": "aws:cloudwatch:alarm", "value": PRIMARY_ALARM}]


def test_the_role_may_read_the_function_and_write_only_the_fault_folder(synth: Synth) -> None:
    documents = synth.data("aws_iam_policy_document")
    (policy,) = [doc for name, doc in documents.items() if "assume" not in name]
    by_sid = {s["sid"]: s for s in policy["statement"]}
    assert by_sid["ReadApiFunctionForFaults"]["actions"] == ["lambda:GetFunction"]
    assert by_sid["ReadApiFunctionForFaults"]["resources"] == [FUNCTION]
    assert by_sid["WriteFaultConfiguration"]["actions"] == ["s3:PutObject", "s3:DeleteObject"]
    assert by_sid["WriteFaultConfiguration"]["resources"] == [f"{CONFIG_BUCKET}/FisConfigs/*"]
    for sid, action, service in (
        ("ReadApiFunctionEnvironment", "kms:Decrypt", "lambda"),
        ("EncryptFaultConfiguration", "kms:GenerateDataKey", "s3"),
    ):
        assert by_sid[sid]["actions"] == [action]
        assert by_sid[sid]["resources"] == [PRIMARY_KEY]
        assert by_sid[sid]["condition"] == [
            {
                "test": "StringEquals",
                "variable": "kms:ViaService",
                "values": [f"{service}.{PRIMARY}.amazonaws.com"],
            }
        ]
    allowed = {REPLICA, BUCKET, FUNCTION, f"{CONFIG_BUCKET}/FisConfigs/*", PRIMARY_KEY}
    for statement in policy["statement"]:
        assert all("*" not in action for action in statement["actions"])
        assert set(statement["resources"]) <= allowed


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": 4}, "lambda_faults.duration_minutes"),
        ({"duration_minutes": API_ERRORS_MAX_MINUTES + 1}, "lambda_faults.duration_minutes"),
        ({"invocation_percentage": 0}, "lambda_faults.invocation_percentage"),
        ({"invocation_percentage": 101}, "lambda_faults.invocation_percentage"),
        ({"configuration_prefix": "FisConfigs"}, "lambda_faults.configuration_prefix"),
        ({"stop_alarm_arns": ()}, "lambda_faults.stop_alarm_arns"),
        ({"stop_alarm_arns": (LAG_ALARM,) * 6}, "lambda_faults.stop_alarm_arns"),
    ],
)
def test_invalid_fault_props_are_refused(changes: dict[str, Any], field: str) -> None:
    faults = dataclasses.replace(FAULTS, **changes)
    with pytest.raises(ConfigError) as caught:
        dataclasses.replace(PROPS, lambda_faults=faults).validate()
    assert caught.value.field == field
