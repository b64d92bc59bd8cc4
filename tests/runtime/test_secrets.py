"""Credentials from Secrets Manager: cached with a TTL, refreshed after an auth failure."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.errors import DatabaseUnavailableError
from payment_service.secrets import (
    DbCredentials,
    SecretCache,
    SecretFormatError,
    parse_credentials,
)
from tests.runtime.conftest import APP_USER, AwsResources, Databases, MakeDatabase


class CountingSecrets:
    """Wraps the moto Secrets Manager client and counts GetSecretValue calls."""

    def __init__(self, client: object) -> None:
        self._client = client
        self.calls = 0

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, object]:  # noqa: N803
        self.calls += 1
        response: Mapping[str, object] = self._client.get_secret_value(SecretId=SecretId)  # type: ignore[attr-defined]
        return response


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _set_secret(aws: AwsResources, username: str, password: str) -> None:
    aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
        SecretId=aws.secret_arn,
        SecretString=json.dumps({"username": username, "password": password, "port": 5432}),
    )


def test_credentials_are_cached_for_the_ttl(aws: AwsResources) -> None:
    _set_secret(aws, "alice", "first-password")
    client = CountingSecrets(aws.secretsmanager)
    clock = Clock()
    cache = SecretCache(client, aws.secret_arn, ttl_seconds=300, clock=clock)

    first = cache.get()
    _set_secret(aws, "alice", "second-password")
    clock.now += 299
    cached = cache.get()
    clock.now += 2
    refreshed = cache.get()

    assert first == DbCredentials("alice", "first-password")
    assert cached == first
    assert refreshed == DbCredentials("alice", "second-password")
    assert client.calls == 2


def test_force_refresh_and_invalidate_fetch_again(aws: AwsResources) -> None:
    _set_secret(aws, "bob", "pw-1")
    client = CountingSecrets(aws.secretsmanager)
    cache = SecretCache(client, aws.secret_arn, ttl_seconds=300, clock=Clock())

    cache.get()
    cache.get(force_refresh=True)
    cache.invalidate()
    cache.get()

    assert client.calls == 3


@pytest.mark.parametrize(
    "secret_string",
    [
        "not json s3cr3t-value",
        '["s3cr3t-value"]',
        '{"username": "u"}',
        '{"username": "", "password": "s3cr3t-value"}',
        '{"username": "u", "password": 12345}',
    ],
)
def test_malformed_secrets_are_rejected_without_echoing_them(secret_string: str) -> None:
    with pytest.raises(SecretFormatError) as raised:
        parse_credentials(secret_string)

    assert "s3cr3t-value" not in str(raised.value)
    assert "12345" not in str(raised.value)


def test_the_password_is_not_in_repr() -> None:
    credentials = DbCredentials("carol", "very-secret-password")

    assert "very-secret-password" not in repr(credentials)
    assert "carol" in repr(credentials)


def test_a_rotated_password_is_picked_up_after_an_auth_failure(
    aws: AwsResources, databases: Databases, make_database: MakeDatabase
) -> None:
    _set_secret(aws, APP_USER, "stale-password")
    client = CountingSecrets(aws.secretsmanager)
    cache = SecretCache(client, aws.secret_arn, ttl_seconds=300, clock=Clock())
    cache.get()
    _set_secret(aws, APP_USER, databases.app_password)
    database = make_database(credentials=cache)

    status = database.probe()

    assert status.writable is True
    assert client.calls == 2


def test_a_wrong_password_after_refresh_is_unavailable_without_retries(
    aws: AwsResources, make_database: MakeDatabase
) -> None:
    _set_secret(aws, APP_USER, "wrong-password")
    attempts: list[str] = []

    def connect(params: ConnectParams) -> Connection:
        attempts.append(params.user)
        return pg8000_connect(params)

    cache = SecretCache(CountingSecrets(aws.secretsmanager), aws.secret_arn, clock=Clock())
    database = make_database(credentials=cache, connect=connect)

    with pytest.raises(DatabaseUnavailableError):
        database.probe()

    assert attempts == [APP_USER, APP_USER]
