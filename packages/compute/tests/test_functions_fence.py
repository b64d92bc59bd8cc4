"""PaymentFunctions with the write fence on: each region's own cluster endpoint, the cluster and
global cluster identifiers, and DescribeGlobalClusters on that global cluster only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.payment_functions import PaymentFunctions, PaymentFunctionsProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack

CLUSTER_ENDPOINT = "payment-processing-aurora-use2-test.cluster-c8xyz.us-east-2.rds.amazonaws.com"
CLUSTER_ID = "payment-processing-aurora-use2-test"
GLOBAL_ID = "payment-processing-aurora-global-test"
KEY = "arn:aws:kms:us-east-2:111111111111:key/k"


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
        "db_secret_arn": "arn:aws:secretsmanager:us-east-2:111111111111:secret:db-abc123",
        "session_table_name": "payment-processing-sessions-test",
        "session_table_arn": "arn:aws:dynamodb:us-east-2:111111111111:table/sessions-test",
        "db_cluster_resource_id": "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2",
        "client_keys_secret_arn": "arn:aws:secretsmanager:us-east-2:111111111111:secret:k-x1",
        "payment_id_key_secret_arn": "arn:aws:secretsmanager:us-east-2:111111111111:secret:i-x1",
    }
    values.update(overrides)
    return PaymentFunctionsProps(**values)


def functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return {f["function_name"]: f for f in synth.resources("aws_lambda_function").values()}


def statements_of(synth: Synth, fragment: str) -> dict[str, dict[str, Any]]:
    policy = synth.find("aws_iam_role_policy", fragment)
    doc = synth.policy_document(policy["policy"])
    return {s["sid"]: s for s in doc["statement"]}


FENCE = {
    "db_host": CLUSTER_ENDPOINT,
    "db_cluster_identifier": CLUSTER_ID,
    "db_global_cluster_identifier": GLOBAL_ID,
}


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        PaymentFunctions(stack, "functions", props(bundle, **FENCE))

    return synth_stack(build, region="us-east-2")


def test_api_and_migrations_write_to_their_own_cluster_endpoint_behind_the_fence(
    synth: Synth,
) -> None:
    for component in ("payment-api", "payment-migrate"):
        variables = functions(synth)[f"payment-processing-{component}-use2-test"]["environment"][
            "variables"
        ]
        assert variables["DB_HOST"] == CLUSTER_ENDPOINT
        assert variables["DB_CLUSTER_ID"] == CLUSTER_ID
        assert variables["DB_GLOBAL_CLUSTER_ID"] == GLOBAL_ID
    authorizer = functions(synth)["payment-processing-payment-auth-use2-test"]
    assert "DB_GLOBAL_CLUSTER_ID" not in authorizer["environment"]["variables"]


def test_api_and_migrations_may_describe_only_their_global_cluster(synth: Synth) -> None:
    for fragment in ("functions_api", "functions_migrate"):
        statement = statements_of(synth, fragment)["ReadGlobalClusterWriter"]
        assert statement["actions"] == ["rds:DescribeGlobalClusters"]
        (resource,) = statement["resources"]
        assert resource.startswith("arn:aws:rds::${data.aws_caller_identity.")
        assert resource.endswith(f".account_id}}:global-cluster:{GLOBAL_ID}")
    authorizer = statements_of(synth, "functions_authorizer")
    assert "rds:DescribeGlobalClusters" not in json.dumps(authorizer)


@pytest.mark.parametrize(
    "overrides",
    [
        {"db_cluster_identifier": CLUSTER_ID},
        {"db_global_cluster_identifier": GLOBAL_ID},
    ],
)
def test_the_fence_needs_both_identifiers(bundle: Bundle, overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as error:
        props(bundle, **overrides).validate()
    assert error.value.field == "db_global_cluster_identifier"
