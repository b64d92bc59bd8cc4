"""The game-day experiment templates in the synthesized app: in the default environment, two
templates (DynamoDB pause in the secondary region, S3 pause in the primary region through the
aliased provider) with stop conditions on each region's alarms and the FIS role; in production
by default, none. With ``gameday_lambda_faults`` (``lambda_faults_app``), the FIS Lambda
extension on the primary API function, its configuration bucket and the api-errors template."""

from __future__ import annotations

from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, FIS_EXTENSION_LAYER, SynthesizedApp

KIND = "aws_fis_experiment_template"


def _templates(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {body["tags"]["Name"]: body for body in doc["resource"].get(KIND, {}).values()}


def test_default_environment_has_both_templates_in_the_secondary_stack(
    synthesized_app: SynthesizedApp,
) -> None:
    assert KIND not in synthesized_app.stack(RegionRole.PRIMARY)["resource"]
    secondary = synthesized_app.stack(RegionRole.SECONDARY)
    templates = _templates(secondary)
    dynamodb = templates[f"payment-processing-gameday-dynamodb-pause-use2-{APP_SUFFIX}"]
    s3 = templates[f"payment-processing-gameday-s3-pause-use1-{APP_SUFFIX}"]
    assert len(templates) == 2
    assert dynamodb["provider"] == "aws"
    assert s3["provider"] == "aws.primary_region"
    assert dynamodb["action"][0]["action_id"] == "aws:dynamodb:global-table-pause-replication"
    assert s3["action"][0]["action_id"] == "aws:s3:bucket-pause-replication"
    roles = {body["name"] for body in secondary["resource"]["aws_iam_role"].values()}
    assert f"payment-processing-gameday-fis-use2-{APP_SUFFIX}" in roles
    for template in (dynamodb, s3):
        assert template["role_arn"].startswith("${aws_iam_role.gameday_role_")
        assert 1 <= len(template["stop_condition"]) <= 5


def test_stop_conditions_are_alarms_of_the_templates_own_region(
    synthesized_app: SynthesizedApp,
) -> None:
    templates = _templates(synthesized_app.stack(RegionRole.SECONDARY))
    dynamodb = templates[f"payment-processing-gameday-dynamodb-pause-use2-{APP_SUFFIX}"]
    s3 = templates[f"payment-processing-gameday-s3-pause-use1-{APP_SUFFIX}"]
    # us-east-2: the orchestrator's own alarms, resources of this stack
    assert all(
        c["source"] == "aws:cloudwatch:alarm"
        and c["value"].startswith("${aws_cloudwatch_metric_alarm.alarms_")
        for c in dynamodb["stop_condition"]
    )
    # us-east-1: the primary health alarm (this stack, aliased provider) and the primary
    # stack's API alarms through cross-stack references
    values = [c["value"] for c in s3["stop_condition"]]
    assert any("failover" in v or "routing" in v for v in values)
    assert sum("terraform_remote_state" in v for v in values) == 2


def test_production_has_no_template_by_default(production_app: SynthesizedApp) -> None:
    for role in RegionRole:
        doc = production_app.stack(role)
        assert KIND not in doc["resource"]
        roles = {body["name"] for body in doc["resource"].get("aws_iam_role", {}).values()}
        assert not any("gameday" in name for name in roles)


# --- gameday_lambda_faults: api-errors, on the API function of the primary region ----------


def _resources(app: SynthesizedApp, role: RegionRole, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = app.stack(role)["resource"].get(kind, {})
    return found


def _api_function(app: SynthesizedApp, role: RegionRole) -> dict[str, Any]:
    function: dict[str, Any]
    (function,) = [
        body
        for body in _resources(app, role, "aws_lambda_function").values()
        if "-payment-api-" in body["function_name"]
    ]
    return function


def _assert_no_fis_extension(app: SynthesizedApp) -> None:
    for role in RegionRole:
        function = _api_function(app, role)
        assert "layers" not in function
        assert "AWS_LAMBDA_EXEC_WRAPPER" not in function["environment"]["variables"]
        buckets = _resources(app, role, "aws_s3_bucket").values()
        assert not any("fis-config" in bucket["bucket"] for bucket in buckets)


def test_by_default_the_api_functions_carry_no_fis_extension(
    synthesized_app: SynthesizedApp,
) -> None:
    _assert_no_fis_extension(synthesized_app)


def test_production_api_functions_carry_no_fis_extension(production_app: SynthesizedApp) -> None:
    _assert_no_fis_extension(production_app)


def test_lambda_faults_put_the_extension_on_the_primary_api_function_only(
    lambda_faults_app: SynthesizedApp,
) -> None:
    primary = _api_function(lambda_faults_app, RegionRole.PRIMARY)
    assert primary["layers"] == [FIS_EXTENSION_LAYER]
    assert primary["architectures"] == ["x86_64"]  # the layer's architecture
    variables = primary["environment"]["variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/aws-fis/bootstrap"
    (bucket_id,) = [
        name
        for name, body in _resources(lambda_faults_app, RegionRole.PRIMARY, "aws_s3_bucket").items()
        if body["bucket"] == "payment-processing-fis-config-use1-ci8"
    ]
    assert variables["AWS_FIS_CONFIGURATION_LOCATION"] == (
        f"${{aws_s3_bucket.{bucket_id}.arn}}/FisConfigs/"
    )
    secondary = _api_function(lambda_faults_app, RegionRole.SECONDARY)
    assert "layers" not in secondary
    assert "AWS_FIS_CONFIGURATION_LOCATION" not in secondary["environment"]["variables"]


def test_the_configuration_bucket_is_encrypted_versioned_private_and_logged(
    lambda_faults_app: SynthesizedApp,
) -> None:
    def of(kind: str) -> dict[str, Any]:
        found: dict[str, Any]
        (found,) = [
            body
            for name, body in _resources(lambda_faults_app, RegionRole.PRIMARY, kind).items()
            if name.startswith("fis-config_")
        ]
        return found

    assert of("aws_s3_bucket")["force_destroy"] is True
    (rule,) = of("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    default = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"].startswith("${aws_kms_key.key_")
    assert of("aws_s3_bucket_versioning")["versioning_configuration"]["status"] == "Enabled"
    access = of("aws_s3_bucket_public_access_block")
    assert [
        access[k] for k in sorted(access) if k.startswith(("block_", "ignore_", "restrict_"))
    ] == [
        True,
        True,
        True,
        True,
    ]
    assert of("aws_s3_bucket_logging")["target_bucket"].startswith(
        "${aws_s3_bucket.access-logs_bucket_"
    )


def test_lambda_faults_add_the_api_errors_template_in_the_primary_region(
    lambda_faults_app: SynthesizedApp,
) -> None:
    templates = _templates(lambda_faults_app.stack(RegionRole.SECONDARY))
    assert sorted(templates) == [
        "payment-processing-gameday-api-errors-use1-ci8",
        "payment-processing-gameday-dynamodb-pause-use2-ci8",
        "payment-processing-gameday-s3-pause-use1-ci8",
    ]
    template = templates["payment-processing-gameday-api-errors-use1-ci8"]
    assert template["provider"] == "aws.primary_region"
    (action,) = template["action"]
    assert action["action_id"] == "aws:lambda:invocation-error"
    assert action["target"] == {"key": "Functions", "value": "Functions"}
    (target,) = template["target"]
    assert target["resource_type"] == "aws:lambda:function"
    (function_arn,) = target["resource_arns"]
    assert "aws_lambda_functionfunctions_api_function_" in function_arn
    assert "terraform_remote_state" in function_arn
    stops = [c["value"] for c in template["stop_condition"]]
    assert [s.split("alarms_")[1].rsplit("_", 1)[0] for s in stops] == [
        "aurora-replication-lag",
        "aurora-rpo-lag",
        "lambda-throttles-api",
    ]
    assert all("terraform_remote_state" in s for s in stops)


def test_the_fis_role_reaches_the_function_and_the_fault_folder(
    lambda_faults_app: SynthesizedApp,
) -> None:
    documents = lambda_faults_app.stack(RegionRole.SECONDARY)["data"]["aws_iam_policy_document"]
    (policy,) = [body for name, body in documents.items() if name.startswith("gameday_policy")]
    by_sid = {s["sid"]: s for s in policy["statement"]}
    (function,) = by_sid["ReadApiFunctionForFaults"]["resources"]
    assert "functions_api_function_" in function
    (folder,) = by_sid["WriteFaultConfiguration"]["resources"]
    assert "aws_s3_bucketfis-config_bucket_" in folder
    assert folder.endswith("arn}/FisConfigs/*")
    for sid in ("ReadApiFunctionEnvironment", "EncryptFaultConfiguration"):
        (key,) = by_sid[sid]["resources"]
        assert "aws_kms_keykey_" in key
