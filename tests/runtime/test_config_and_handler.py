"""Configuration from the environment, and the Lambda entry point wired end to end."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from payment_service import api
from payment_service.config import DatabaseSettings, Settings, packaged_ca_bundle
from payment_service.db import Database
from payment_service.errors import ConfigError
from payment_service.logging import configure_logging
from payment_service.payment_ids import derive_payment_id
from payment_service.validation import parse_payment_request
from tests.runtime.conftest import (
    APP_USER,
    PRIMARY_DB,
    REGION,
    AwsResources,
    Databases,
)
from tests.runtime.events import (
    CLIENT,
    api_event,
    error_code,
    payment_body,
    post_payment,
    response_json,
)

PAYMENT = json.dumps(payment_body()).encode()

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf"
ID_KEY_ARN = "arn:aws:secretsmanager:us-east-2:123456789012:secret:payments-id-key-AbCdEf"


def _env(**overrides: str) -> dict[str, str]:
    env = {
        "AWS_REGION": "us-east-2",
        "DB_HOST": "payments.cluster-abc.us-east-2.rds.amazonaws.com",
        "DB_SECRET_ARN": ARN,
        "SESSION_TABLE_NAME": "payment-processing-sessions-dev",
        "PAYMENT_ID_KEY_SECRET_ARN": ID_KEY_ARN,
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value != "<unset>"}


def test_settings_defaults() -> None:
    settings = Settings.from_env(_env())

    assert settings.region == "us-east-2"
    assert settings.session_table_name == "payment-processing-sessions-dev"
    assert settings.idempotency_ttl_seconds == 86400
    assert settings.payment_id_key_secret_arn == ID_KEY_ARN
    assert settings.database == DatabaseSettings(
        host="payments.cluster-abc.us-east-2.rds.amazonaws.com",
        secret_arn=ARN,
        ca_bundle=packaged_ca_bundle(),
        port=5432,
        name="payments",
    )


def test_settings_overrides(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")

    settings = Settings.from_env(
        _env(DB_PORT="6543", DB_NAME="pay_db", DB_CA_BUNDLE=str(ca), LOG_LEVEL="debug")
    )

    assert settings.database.port == 6543
    assert settings.database.name == "pay_db"
    assert settings.database.ca_bundle == ca
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DB_HOST": "<unset>"}, "DB_HOST is not set"),
        ({"DB_HOST": "bad host!"}, "DB_HOST='bad host!'"),
        ({"DB_SECRET_ARN": "not-an-arn"}, "DB_SECRET_ARN='not-an-arn'"),
        ({"DB_PORT": "http"}, "DB_PORT='http' is not an integer"),
        ({"DB_PORT": "70000"}, "DB_PORT=70000 is out of range"),
        ({"DB_NAME": "pay-db;drop"}, "DB_NAME="),
        ({"DB_CA_BUNDLE": "/nonexistent/ca.pem"}, "DB_CA_BUNDLE='/nonexistent/ca.pem'"),
        ({"SESSION_TABLE_NAME": "<unset>"}, "SESSION_TABLE_NAME is not set"),
        ({"PAYMENT_ID_KEY_SECRET_ARN": "<unset>"}, "PAYMENT_ID_KEY_SECRET_ARN is not set"),
        ({"PAYMENT_ID_KEY_SECRET_ARN": "id-key"}, "PAYMENT_ID_KEY_SECRET_ARN='id-key'"),
        ({"AWS_REGION": "useast1"}, "AWS_REGION='useast1'"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD'"),
    ],
)
def test_invalid_settings_name_the_variable(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(_env(**overrides))

    assert message in str(raised.value)


def _close_module_service() -> None:
    service = api._service
    if service is not None and isinstance(service.database, Database):
        service.database.close()
    api._service = None


@pytest.fixture
def fresh_handler() -> Iterator[None]:
    _close_module_service()
    yield
    _close_module_service()


def test_handler_without_configuration_is_500(
    fresh_handler: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DB_HOST", raising=False)

    response = api.handler(api_event("GET", "/health"), None)

    assert response["statusCode"] == 500
    assert error_code(response) == "service_misconfigured"
    assert api._service is None


def test_handler_end_to_end_reuses_one_service(
    fresh_handler: None,
    monkeypatch: pytest.MonkeyPatch,
    databases: Databases,
    aws: AwsResources,
    clean_payments: None,
) -> None:
    aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
        SecretId=aws.secret_arn,
        SecretString=json.dumps({"username": APP_USER, "password": databases.app_password}),
    )
    id_key_arn = aws.secretsmanager.create_secret(  # type: ignore[attr-defined]
        Name="payments-id-key",
        SecretString=json.dumps({"payment_id_key": base64.b64encode(b"k" * 32).decode()}),
    )["ARN"]
    env = {
        "AWS_REGION": REGION,
        "DB_HOST": databases.server.host,
        "DB_PORT": str(databases.server.port),
        "DB_NAME": PRIMARY_DB,
        "DB_SECRET_ARN": aws.secret_arn,
        "DB_CA_BUNDLE": str(databases.server.ca_file),
        "SESSION_TABLE_NAME": aws.table_name,
        "PAYMENT_ID_KEY_SECRET_ARN": id_key_arn,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    stream = io.StringIO()
    monkeypatch.setattr(
        "payment_service.logging.configure_logging",
        lambda level="INFO": configure_logging(level, stream=stream),
    )
    created = api.handler(post_payment("key-handler-01"), None)
    service = api._service
    cold_start = [json.loads(line) for line in stream.getvalue().splitlines()]
    # The first invocation says whether dependency calls are cut at the deadline as a whole:
    # the handler runs in the main thread, as the Lambda runtime runs it.
    assert {"event": "whole_call_deadline", "enforced": True}.items() <= cold_start[0].items()
    fetched = api.handler(api_event("GET", f"/payments/{response_json(created)['id']}"), None)
    health = api.handler(api_event("GET", "/health"), None)

    assert created["statusCode"] == 201
    # the id derived under the secret's key, not the published key of local runs
    assert response_json(created)["id"] == str(
        derive_payment_id(
            b"k" * 32, CLIENT, "key-handler-01", parse_payment_request(PAYMENT).request_hash()
        )
    )
    assert fetched["statusCode"] == 200
    assert response_json(fetched) == response_json(created)
    assert health["statusCode"] == 200
    assert api._service is service
