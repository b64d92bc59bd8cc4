"""A client accepted by one region's API configuration is accepted by the other's, unchanged.

Each region's authorizer settings, method authorization and authorizer function
environment are read from the synthesized stacks; the secret ARN expressions are
resolved against a moto secret with a replica, exactly as Terraform would resolve them;
then the authorizer code runs for a request of each region with the same header.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from payment_dr_core import RegionRole
from payment_service import authorizer as authorizer_module
from payment_service.authorizer import KeyCache, UnauthorizedError, authorize, hash_key
from tests.conftest import SynthesizedApp

ACCOUNT = "123456789012"
CLIENT = "acme-payments"
_REF = re.compile(r"\$\{aws_secretsmanager_secret\.([A-Za-z0-9_-]+)\.arn\}")
_REMOTE = re.compile(
    r"\$\{replace\(data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_-]+), "
    r'"(:[a-z0-9-]+:)", "(:[a-z0-9-]+:)"\)\}'
)


@dataclass(frozen=True)
class RegionAuth:
    region: str
    stage: str
    authorizer: dict[str, Any]
    methods: dict[str, dict[str, Any]]
    secret_expression: str
    function_timeout: int


def _region_auth(stack: dict[str, Any]) -> RegionAuth:
    resources = stack["resource"]
    (region,) = [p["region"] for p in stack["provider"]["aws"] if "alias" not in p]
    (authorizer,) = resources["aws_api_gateway_authorizer"].values()
    (function,) = [
        f
        for f in resources["aws_lambda_function"].values()
        if f["handler"] == "payment_service.authorizer.handler"
    ]
    (stage,) = resources["aws_api_gateway_stage"].values()
    return RegionAuth(
        region=region,
        stage=stage["stage_name"],
        authorizer=authorizer,
        methods=resources["aws_api_gateway_method"],
        secret_expression=function["environment"]["variables"]["CLIENT_KEYS_SECRET_ARN"],
        function_timeout=function["timeout"],
    )


@pytest.fixture(scope="module")
def regions(synthesized_app: SynthesizedApp) -> dict[RegionRole, RegionAuth]:
    return {role: _region_auth(synthesized_app.stack(role)) for role in RegionRole}


@pytest.fixture
def replicated_secret(
    synthesized_app: SynthesizedApp, regions: dict[RegionRole, RegionAuth]
) -> Iterator[dict[str, str]]:
    """The client keys secret (moto) in us-east-1 with its replica; region -> resolved ARN
    of the expression each region's authorizer function is configured with."""
    primary_stack = synthesized_app.stack(RegionRole.PRIMARY)
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        created = client.create_secret(
            Name="payment-processing-api-client-keys-ci7",
            AddReplicaRegions=[{"Region": "us-east-2"}],
        )
        arn = created["ARN"]
        resolved: dict[str, str] = {}
        for auth in regions.values():
            expression = auth.secret_expression
            if (direct := _REF.fullmatch(expression)) is not None:
                assert direct[1] in primary_stack["resource"]["aws_secretsmanager_secret"]
                resolved[auth.region] = arn
            elif (remote := _REMOTE.fullmatch(expression)) is not None:
                output = primary_stack["output"][remote[1]]["value"]
                assert _REF.fullmatch(output) is not None, output
                resolved[auth.region] = arn.replace(remote[2], remote[3])
            else:
                pytest.fail(f"unexpected secret expression {expression}")
        key = secrets.token_bytes(32)
        token_key = base64.urlsafe_b64encode(key).decode().rstrip("=")
        client.put_secret_value(
            SecretId=arn, SecretString=json.dumps({"clients": {CLIENT: [hash_key(token_key)]}})
        )
        resolved["token"] = f"Bearer {CLIENT}.{token_key}"
        yield resolved


def _decide(auth: RegionAuth, secret_arn: str, header: str, method: str, path: str) -> object:
    pattern = auth.authorizer["identity_validation_expression"]
    if re.fullmatch(pattern.removeprefix("^").removesuffix("$"), header) is None:
        return "401 (rejected by API Gateway before the authorizer)"
    cache = KeyCache(boto3.client("secretsmanager", region_name=auth.region), secret_arn)
    method_arn = (
        f"arn:aws:execute-api:{auth.region}:{ACCOUNT}:a1b2c3d4e5/{auth.stage}/{method}{path}"
    )
    try:
        return authorize({"authorizationToken": header, "methodArn": method_arn}, cache.get)
    except UnauthorizedError:
        return "401"


def test_payment_methods_use_the_authorizer_and_not_aws_iam(
    regions: dict[RegionRole, RegionAuth],
) -> None:
    for auth in regions.values():
        assert auth.authorizer["type"] == "TOKEN"
        assert auth.authorizer["identity_source"] == "method.request.header.Authorization"
        authorizations = sorted(
            (m["http_method"], m["authorization"]) for m in auth.methods.values()
        )
        assert authorizations == [("GET", "CUSTOM"), ("GET", "NONE"), ("POST", "CUSTOM")]
        for method in auth.methods.values():
            assert method["authorization"] != "AWS_IAM"


def test_the_two_regions_authorize_identically(regions: dict[RegionRole, RegionAuth]) -> None:
    primary, secondary = regions[RegionRole.PRIMARY], regions[RegionRole.SECONDARY]
    assert (primary.region, secondary.region) == ("us-east-1", "us-east-2")
    for field in (
        "type",
        "identity_source",
        "identity_validation_expression",
        "authorizer_result_ttl_in_seconds",
    ):
        assert primary.authorizer[field] == secondary.authorizer[field], field
    assert primary.stage == secondary.stage


def test_the_authorizers_timing_constants_are_the_deployed_ones(
    regions: dict[RegionRole, RegionAuth],
) -> None:
    """The function's fallback deadline is its deployed timeout, and the documented revocation
    time counts the decision cache API Gateway is deployed with."""
    for auth in regions.values():
        assert auth.function_timeout == 5 == authorizer_module.FUNCTION_TIMEOUT_SECONDS
        assert auth.authorizer["authorizer_result_ttl_in_seconds"] == 300
        assert authorizer_module.AUTHORIZER_RESULT_TTL_SECONDS == 300
    assert authorizer_module.REVOCATION_SECONDS == 60 + 900 + 300


@pytest.mark.parametrize(("method", "path"), [("POST", "/payments"), ("GET", "/payments/p-1")])
def test_one_header_is_accepted_in_both_regions(
    regions: dict[RegionRole, RegionAuth],
    replicated_secret: dict[str, str],
    method: str,
    path: str,
) -> None:
    header = replicated_secret["token"]
    for auth in regions.values():
        decision = _decide(auth, replicated_secret[auth.region], header, method, path)
        assert isinstance(decision, dict), (auth.region, decision)
        assert decision["principalId"] == CLIENT
        document = decision["policyDocument"]
        assert isinstance(document, dict)
        statement = document["Statement"][0]
        assert statement["Effect"] == "Allow"
        base = f"arn:aws:execute-api:{auth.region}:{ACCOUNT}:a1b2c3d4e5/v1"
        assert statement["Resource"] == [f"{base}/POST/payments", f"{base}/GET/payments/*"]


def test_a_wrong_key_or_a_sigv4_header_is_refused_in_both_regions(
    regions: dict[RegionRole, RegionAuth], replicated_secret: dict[str, str]
) -> None:
    good = replicated_secret["token"]
    wrong_key = good[:-1] + ("A" if good[-1] != "A" else "B")
    sigv4 = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    for auth in regions.values():
        secret_arn = replicated_secret[auth.region]
        assert _decide(auth, secret_arn, wrong_key, "POST", "/payments") == "401"
        assert _decide(auth, secret_arn, sigv4, "POST", "/payments") == (
            "401 (rejected by API Gateway before the authorizer)"
        )
        other_client = good.replace(CLIENT, "other-client")
        assert _decide(auth, secret_arn, other_client, "POST", "/payments") == "401"
