from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.function import PolicyStatement, RegionalFunctionProps
from payment_dr_compute.payment_functions import PaymentFunctions, PaymentFunctionsProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack

KEY = "arn:aws:kms:us-east-2:111111111111:key/k"
SECRET = "arn:aws:secretsmanager:us-east-2:111111111111:secret:payment-processing-db-abc123"
TABLE = "arn:aws:dynamodb:us-east-2:111111111111:table/payment-processing-sessions-test"
CLIENT_KEYS = "arn:aws:secretsmanager:us-east-2:111111111111:secret:api-client-keys-test-x1"
ID_KEY = "arn:aws:secretsmanager:us-east-2:111111111111:secret:payment-id-key-test-x1"


def props(bundle: Bundle, **overrides: Any) -> PaymentFunctionsProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-2",
        "bundle": bundle,
        "kms_key_arn": KEY,
        "subnet_ids": ("subnet-a", "subnet-b", "subnet-c"),
        "security_group_id": "sg-lambda",
        "db_host": "cluster.example.internal",
        "db_name": "payments",
        "db_secret_arn": SECRET,
        "session_table_name": "payment-processing-sessions-test",
        "session_table_arn": TABLE,
        "db_cluster_resource_id": "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2",
        "client_keys_secret_arn": CLIENT_KEYS,
        "payment_id_key_secret_arn": ID_KEY,
    }
    values.update(overrides)
    return PaymentFunctionsProps(**values)


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        PaymentFunctions(stack, "functions", props(bundle))

    return synth_stack(build, region="us-east-2")


def functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return {f["function_name"]: f for f in synth.resources("aws_lambda_function").values()}


def test_three_functions_named_per_region(synth: Synth) -> None:
    assert set(functions(synth)) == {
        "payment-processing-payment-api-use2-test",
        "payment-processing-payment-auth-use2-test",
        "payment-processing-payment-migrate-use2-test",
    }


def test_functions_are_python311_vpc_attached_traced_and_encrypted(
    synth: Synth, bundle: Bundle
) -> None:
    for function in functions(synth).values():
        assert function["runtime"] == "python3.11"
        assert function["architectures"] == ["x86_64"]
        assert function["vpc_config"]["subnet_ids"] == ["subnet-a", "subnet-b", "subnet-c"]
        assert function["vpc_config"]["security_group_ids"] == ["sg-lambda"]
        assert function["tracing_config"] == {"mode": "Active"}
        assert function["kms_key_arn"] == KEY
        assert function["source_code_hash"] == bundle.sha256_base64
        assert function["filename"].startswith("assets/")
        assert "reserved_concurrent_executions" not in function


def test_api_environment_points_at_this_regions_resources(synth: Synth) -> None:
    api = functions(synth)["payment-processing-payment-api-use2-test"]
    assert api["handler"] == "payment_service.api.handler"
    assert api["timeout"] < 29
    assert api["environment"]["variables"] == {
        "DB_HOST": "cluster.example.internal",
        "DB_PORT": "5432",
        "DB_NAME": "payments",
        "DB_IAM_USER": "payment_app",
        "SESSION_TABLE_NAME": "payment-processing-sessions-test",
        "PAYMENT_ID_KEY_SECRET_ARN": ID_KEY,
        "POWERTOOLS_SERVICE_NAME": "payment-api",
    }
    migrate = functions(synth)["payment-processing-payment-migrate-use2-test"]
    assert migrate["handler"] == "payment_service.migrations.handler"
    assert migrate["environment"]["variables"] == {
        "DB_HOST": "cluster.example.internal",
        "DB_PORT": "5432",
        "DB_NAME": "payments",
        "DB_SECRET_ARN": SECRET,
    }
    authorizer = functions(synth)["payment-processing-payment-auth-use2-test"]
    assert authorizer["handler"] == "payment_service.authorizer.handler"
    assert authorizer["environment"]["variables"] == {
        "CLIENT_KEYS_SECRET_ARN": CLIENT_KEYS,
        "POWERTOOLS_SERVICE_NAME": "payment-auth",
    }


def test_functions_wait_for_their_policies_and_log_groups(synth: Synth) -> None:
    for function in functions(synth).values():
        deps = function["depends_on"]
        assert any(d.startswith("aws_iam_role_policy.") for d in deps)
        assert any(d.startswith("aws_iam_role_policy_attachment.") for d in deps)
        assert any(d.startswith("aws_cloudwatch_log_group.") for d in deps)


def test_log_groups_are_encrypted_with_retention(synth: Synth) -> None:
    groups = {g["name"]: g for g in synth.resources("aws_cloudwatch_log_group").values()}
    assert set(groups) == {
        "/aws/lambda/payment-processing-payment-api-use2-test",
        "/aws/lambda/payment-processing-payment-auth-use2-test",
        "/aws/lambda/payment-processing-payment-migrate-use2-test",
    }
    assert all(g["kms_key_id"] == KEY and g["retention_in_days"] == 365 for g in groups.values())


def statements_of(synth: Synth, fragment: str) -> dict[str, dict[str, Any]]:
    policy = synth.find("aws_iam_role_policy", fragment)
    doc = synth.policy_document(policy["policy"])
    return {s["sid"]: s for s in doc["statement"]}


def test_api_connects_as_the_app_role_and_reads_only_the_payment_id_key(synth: Synth) -> None:
    statements = statements_of(synth, "functions_api")
    (connect,) = statements["ConnectAsApplicationRole"]["resources"]
    assert connect.startswith("arn:aws:rds-db:us-east-2:${data.aws_caller_identity.")
    assert connect.endswith(".account_id}:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2/payment_app")
    assert statements["ConnectAsApplicationRole"]["actions"] == ["rds-db:connect"]
    assert statements["ReadPaymentIdKey"]["actions"] == ["secretsmanager:GetSecretValue"]
    assert statements["ReadPaymentIdKey"]["resources"] == [ID_KEY]
    decrypt = statements["DecryptSecretThroughSecretsManager"]
    assert decrypt["actions"] == ["kms:Decrypt"]
    assert decrypt["resources"] == [KEY]
    assert decrypt["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:ViaService",
            "values": ["secretsmanager.us-east-2.amazonaws.com"],
        }
    ]
    assert SECRET not in json.dumps(statements)
    assert CLIENT_KEYS not in json.dumps(statements)
    assert statements["UseSessionTable"]["resources"] == [TABLE]
    assert all("*" not in a for a in statements["UseSessionTable"]["actions"])
    assert statements["WriteOwnLogs"]["resources"][0].startswith("${aws_cloudwatch_log_group.")
    # X-Ray has no resource-level permissions: "*" is its only valid resource
    assert statements["SendTraces"]["resources"] == ["*"]
    assert set(statements) == {
        "ConnectAsApplicationRole",
        "UseSessionTable",
        "UseSessionTableKeyThroughDynamoDb",
        "ReadPaymentIdKey",
        "DecryptSecretThroughSecretsManager",
        "WriteOwnLogs",
        "SendTraces",
    }


def test_api_may_use_the_table_key_only_through_dynamodb_in_its_region(synth: Synth) -> None:
    """DynamoDB uses the table's customer-managed key on behalf of the caller: without this
    grant every GetItem/PutItem of the idempotency cache is denied."""
    statement = statements_of(synth, "functions_api")["UseSessionTableKeyThroughDynamoDb"]
    assert statement["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["resources"] == [KEY]
    assert statement["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:ViaService",
            "values": ["dynamodb.us-east-2.amazonaws.com"],
        }
    ]


def test_migration_function_reads_the_master_secret(synth: Synth) -> None:
    statements = statements_of(synth, "functions_migrate")
    assert statements["ReadDatabaseSecret"]["resources"] == [SECRET]
    assert statements["ReadDatabaseSecret"]["actions"] == ["secretsmanager:GetSecretValue"]
    assert statements["DecryptSecretThroughSecretsManager"]["resources"] == [KEY]
    assert statements["DecryptSecretThroughSecretsManager"]["condition"][0]["values"] == [
        "secretsmanager.us-east-2.amazonaws.com"
    ]
    assert "rds-db" not in json.dumps(statements)
    assert ID_KEY not in json.dumps(statements)


def test_authorizer_reads_only_the_client_keys_of_its_region(synth: Synth) -> None:
    statements = statements_of(synth, "functions_authorizer")
    assert statements["ReadClientKeys"]["resources"] == [CLIENT_KEYS]
    assert SECRET not in json.dumps(statements)
    assert ID_KEY not in json.dumps(statements)
    assert "dynamodb" not in json.dumps(statements)
    assert "rds-db" not in json.dumps(statements)


def test_migration_function_cannot_touch_the_table(synth: Synth) -> None:
    statements = statements_of(synth, "functions_migrate")
    assert "UseSessionTable" not in statements
    assert "dynamodb" not in json.dumps(statements)


def test_roles_trust_lambda_only(synth: Synth) -> None:
    for role in synth.resources("aws_iam_role").values():
        assume = synth.policy_document(role["assume_role_policy"])["statement"]
        assert [s["principals"][0]["identifiers"] for s in assume] == [["lambda.amazonaws.com"]]
    attachments = synth.resources("aws_iam_role_policy_attachment").values()
    assert {a["policy_arn"] for a in attachments} == {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"db_port": 80}, "db_port"),
        ({"db_name": ""}, "db_name"),
    ],
)
def test_bad_payment_props(bundle: Bundle, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        props(bundle, **overrides).validate()
    assert error.value.field == field


def function_props(bundle: Bundle, **overrides: Any) -> RegionalFunctionProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-1",
        "component": "x",
        "handler": "svc.handler",
        "bundle": bundle,
        "kms_key_arn": KEY,
        "subnet_ids": ("subnet-a",),
        "security_group_ids": ("sg-a",),
    }
    values.update(overrides)
    return RegionalFunctionProps(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "nowhere"}, "region"),
        ({"memory_mb": 64}, "memory_mb"),
        ({"timeout_seconds": 901}, "timeout_seconds"),
        ({"log_retention_days": 2}, "log_retention_days"),
        ({"handler": "no-dot"}, "handler"),
        ({"subnet_ids": ()}, "subnet_ids"),
        ({"security_group_ids": ()}, "security_group_ids"),
        ({"environment": {"AWS_REGION": "x"}}, "environment"),
        ({"environment": {"lower": "x"}}, "environment"),
        ({"statements": (PolicyStatement("S", ("s3:*",), ("arn:aws:s3:::b",)),)}, "statements.S"),
        ({"statements": (PolicyStatement("S", ("s3:GetObject",), ("*",)),)}, "statements.S"),
        ({"statements": (PolicyStatement("S", ("s3:GetObject",), ()),)}, "statements.S"),
    ],
)
def test_bad_function_props(bundle: Bundle, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        function_props(bundle, **overrides).validate()
    assert error.value.field == field
