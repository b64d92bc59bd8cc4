"""The Lambda authorizer's decisions and the IAM database authentication credentials."""

from __future__ import annotations

import json
import re

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from payment_service.authorizer import (
    ClientKeys,
    KeyCache,
    KeysUnavailableError,
    UnauthorizedError,
    authorize,
    hash_key,
)
from payment_service.db_auth import IamAuthCredentials

KEY = "k" * 43
METHOD_ARN = "arn:aws:execute-api:us-east-2:123456789012:abcdef1234/v1/GET/payments/p-1"


def _keys(**clients: list[str]) -> ClientKeys:
    return ClientKeys.parse(json.dumps({"clients": clients}))


def test_hash_key_is_the_sha256_hex_of_the_key() -> None:
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_any_of_a_clients_hashes_is_accepted_during_rotation() -> None:
    keys = _keys(acme=[hash_key("o" * 43), hash_key(KEY)])
    assert keys.identify(f"Bearer acme.{KEY}") == "acme"
    assert keys.identify(f"Bearer acme.{'o' * 43}") == "acme"
    with pytest.raises(UnauthorizedError):
        keys.identify(f"Bearer acme.{'x' * 43}")
    with pytest.raises(UnauthorizedError):
        keys.identify(f"Bearer other.{KEY}")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("not json", "the client keys secret is not valid JSON"),
        ("[]", "the client keys secret has no 'clients' object"),
        ('{"clients": []}', "the client keys secret has no 'clients' object"),
        ('{"keys": {"a": ["short"]}}', "the client keys secret has no 'clients' object"),
    ],
)
def test_a_malformed_secret_is_refused_without_quoting_it(secret: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        ClientKeys.parse(secret)


@pytest.mark.parametrize("entry", [["short"], "x", [hash_key(KEY), 1], None])
def test_a_malformed_client_entry_leaves_the_other_clients_alone(entry: object) -> None:
    keys = ClientKeys.parse(json.dumps({"clients": {"a": entry, "b": [hash_key(KEY)]}}))
    assert dict(keys.hashes) == {"b": frozenset({hash_key(KEY)})}
    assert keys.invalid == frozenset({"a"})


def test_the_allow_policy_covers_both_payment_routes_of_the_api_and_stage() -> None:
    keys = _keys(acme=[hash_key(KEY)])
    decision = authorize(
        {"authorizationToken": f"Bearer acme.{KEY}", "methodArn": METHOD_ARN}, lambda: keys
    )
    base = "arn:aws:execute-api:us-east-2:123456789012:abcdef1234/v1"
    assert decision["policyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": [f"{base}/POST/payments", f"{base}/GET/payments/*"],
            }
        ],
    }


def test_no_secret_value_yet_lets_nobody_in_and_is_not_unauthorized() -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-2")
        arn = client.create_secret(Name="keys")["ARN"]  # created by Terraform, no value
        cache = KeyCache(client, arn)
        with pytest.raises(KeysUnavailableError, match="client keys unavailable"):
            authorize(
                {"authorizationToken": f"Bearer acme.{KEY}", "methodArn": METHOD_ARN}, cache.get
            )


def test_the_key_cache_rereads_the_secret_after_its_ttl() -> None:
    now = [0.0]
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="keys", SecretString=json.dumps({"clients": {}}))["ARN"]
        cache = KeyCache(client, arn, ttl_seconds=60, clock=lambda: now[0])
        assert dict(cache.get().hashes) == {}
        client.put_secret_value(
            SecretId=arn, SecretString=json.dumps({"clients": {"a": [hash_key(KEY)]}})
        )
        now[0] = 59.0
        assert dict(cache.get().hashes) == {}
        now[0] = 60.0
        assert dict(cache.get().hashes) == {"a": frozenset({hash_key(KEY)})}


class _Signer:
    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def generate_db_auth_token(
        self,
        DBHostname: str,  # noqa: N803
        Port: int,  # noqa: N803
        DBUsername: str,  # noqa: N803
        Region: str | None = None,  # noqa: N803
    ) -> str:
        self.calls.append({"host": DBHostname, "port": Port, "user": DBUsername, "region": Region})
        return f"token-{len(self.calls)}"


def test_iam_credentials_are_the_app_role_and_a_token_renewed_before_expiry() -> None:
    now = [0.0]
    signer = _Signer()
    credentials = IamAuthCredentials(
        signer,
        host="db.example",
        port=5432,
        user="payment_app",
        region="us-east-2",
        clock=lambda: now[0],
    )
    first = credentials.get()
    assert (first.username, first.password) == ("payment_app", "token-1")
    assert signer.calls == [
        {"host": "db.example", "port": 5432, "user": "payment_app", "region": "us-east-2"}
    ]
    now[0] = 599.0
    assert credentials.get().password == "token-1"
    now[0] = 600.0
    assert credentials.get().password == "token-2"
    assert credentials.get(force_refresh=True).password == "token-3"


def test_a_real_boto3_token_is_signed_for_the_host_user_and_region() -> None:
    token = boto3.client("rds", region_name="us-east-2").generate_db_auth_token(
        DBHostname="db.example", Port=5432, DBUsername="payment_app", Region="us-east-2"
    )
    assert token.startswith("db.example:5432/?Action=connect&DBUser=payment_app")
    assert "%2Fus-east-2%2Frds-db%2Faws4_request" in token
