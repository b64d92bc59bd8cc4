"""GET /health: 200 only when the database is the writer and DynamoDB answers."""

from __future__ import annotations

from payment_service.api import PaymentService
from payment_service.idempotency_cache import DynamoDbIdempotencyStore
from payment_service.repository import PaymentRepository
from tests.runtime.conftest import (
    REGION,
    STANDBY_DB,
    AwsResources,
    MakeDatabase,
    MakeService,
)
from tests.runtime.events import api_event, header, response_json


def _checks(body: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    checks = body["checks"]
    assert isinstance(checks, dict)
    database, dynamodb = checks["database"], checks["dynamodb"]
    assert isinstance(database, dict)
    assert isinstance(dynamodb, dict)
    return database, dynamodb


def test_health_is_200_on_the_writer(make_service: MakeService) -> None:
    response = make_service().handle(api_event("GET", "/health"))

    assert response["statusCode"] == 200
    body = response_json(response)
    assert body["status"] == "ok"
    assert body["role"] == "writer"
    assert body["region"] == REGION
    assert body["can_serve_payments"] is True
    database, dynamodb = _checks(body)
    assert database["ok"] is True
    assert database["writable"] is True
    assert database["transaction_read_only"] is False
    assert database["in_recovery"] is False
    assert dynamodb["ok"] is True
    assert dynamodb["table_status"] == "ACTIVE"
    assert header(response, "Retry-After") is None


def test_health_is_503_on_a_read_only_standby(make_service: MakeService) -> None:
    response = make_service(STANDBY_DB).handle(api_event("GET", "/health"))

    assert response["statusCode"] == 503
    body = response_json(response)
    assert body["status"] == "unavailable"
    assert body["role"] == "standby"
    assert body["can_serve_payments"] is False
    database, dynamodb = _checks(body)
    assert database["ok"] is True
    assert database["writable"] is False
    assert database["transaction_read_only"] is True
    assert dynamodb["ok"] is True
    assert header(response, "Retry-After") is not None


def test_health_is_503_when_the_database_is_unreachable(
    make_service: MakeService, unreachable_port: int
) -> None:
    response = make_service(port=unreachable_port).handle(api_event("GET", "/health"))

    assert response["statusCode"] == 503
    body = response_json(response)
    assert body["role"] == "unknown"
    database, dynamodb = _checks(body)
    assert database == {"ok": False, "error": "database_unavailable"}
    assert dynamodb["ok"] is True


def test_health_is_200_degraded_when_dynamodb_fails(
    make_database: MakeDatabase, aws: AwsResources
) -> None:
    missing = DynamoDbIdempotencyStore(aws.dynamodb, "no-such-table")  # type: ignore[arg-type]
    database = make_database()
    service = PaymentService(
        region=REGION,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=missing,
        sessions_table=missing,
    )

    response = service.handle(api_event("GET", "/health"))

    assert response["statusCode"] == 200
    body = response_json(response)
    assert body["status"] == "degraded"
    assert body["role"] == "writer"
    assert body["can_serve_payments"] is True
    database_check, dynamodb = _checks(body)
    assert database_check["ok"] is True
    assert dynamodb == {
        "ok": False,
        "table": "no-such-table",
        "error": "ResourceNotFoundException",
    }
