"""Structured logs: JSON lines with request id, region and idempotency key; no sensitive data."""

from __future__ import annotations

import io
import json

import pytest
from pg8000.exceptions import DatabaseError  # type: ignore[import-untyped]

from payment_service.api import PaymentService
from payment_service.logging import REDACTED, get_logger, redact
from tests.runtime.conftest import Databases
from tests.runtime.events import api_event, payment_body, post_payment


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_request_logs_carry_context_and_no_payment_data(
    service: PaymentService, log_stream: io.StringIO, databases: Databases
) -> None:
    body = payment_body(
        amount="4321.09", merchant_reference="merchant-ref-77", customer_reference="cust-ref-88"
    )
    event = post_payment("key-logging-01", body, request_id="req-log-0001")

    response = service.handle(event)

    assert response["statusCode"] == 201
    lines = _lines(log_stream)
    events = [line["event"] for line in lines]
    assert "payment_created" in events
    assert "request_completed" in events
    for line in lines:
        assert line["request_id"] == "req-log-0001"
        assert line["region"] == "us-east-1"
        assert "timestamp" in line
        assert "level" in line
    created = next(line for line in lines if line["event"] == "payment_created")
    assert created["idempotency_key"] == "key-logging-01"
    assert created["client_id"] == "client-a"
    assert created["payment_id"]
    text = log_stream.getvalue()
    for sensitive in (
        "4321.09",
        "merchant-ref-77",
        "cust-ref-88",
        '"body"',
        databases.app_password,
    ):
        assert sensitive not in text


def test_rejected_requests_log_the_code_not_the_body(
    service: PaymentService, log_stream: io.StringIO
) -> None:
    raw = '{"amount": "1.00", "card_number": "4111111111111111", "cvv": "123"}'
    event = api_event(
        "POST", "/payments", raw_body=raw, headers={"Idempotency-Key": "key-logging-02"}
    )

    service.handle(event)

    lines = _lines(log_stream)
    rejected = next(line for line in lines if line["event"] == "request_rejected")
    assert rejected["code"] == "unknown_field"
    assert "4111111111111111" not in log_stream.getvalue()


def test_each_request_starts_with_a_fresh_context(
    service: PaymentService, log_stream: io.StringIO
) -> None:
    service.handle(post_payment("key-logging-03"))
    log_stream.truncate(0)
    log_stream.seek(0)

    service.handle(api_event("GET", "/health", request_id="req-health-1"))

    lines = _lines(log_stream)
    assert lines
    for line in lines:
        assert line["request_id"] == "req-health-1"
        assert "idempotency_key" not in line


def test_sensitive_keys_are_redacted(log_stream: io.StringIO) -> None:
    get_logger("test").info(
        "oops", password="hunter2", amount="9.99", Authorization="Bearer x", kept="ok"
    )

    line = _lines(log_stream)[-1]
    assert line["password"] == REDACTED
    assert line["amount"] == REDACTED
    assert line["Authorization"] == REDACTED
    assert line["kept"] == "ok"
    assert "hunter2" not in log_stream.getvalue()


def test_redact_processor_leaves_other_keys() -> None:
    event: dict[str, object] = {"event": "x", "secret": "s", "request_id": "r"}

    assert redact(None, "info", event) == {"event": "x", "secret": REDACTED, "request_id": "r"}


def test_unexpected_database_errors_log_the_sqlstate_not_the_row(
    service: PaymentService, log_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_create(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError(
            {
                "C": "23514",
                "M": "new row violates check constraint",
                "D": "Failing row contains (order-secret-ref, 125.50)",
            }
        )

    monkeypatch.setattr(service.repository, "create", failing_create)

    response = service.handle(post_payment("key-logging-04"))

    assert response["statusCode"] == 500
    failed = next(line for line in _lines(log_stream) if line["event"] == "request_failed")
    assert failed["sqlstate"] == "23514"
    assert "order-secret-ref" not in log_stream.getvalue()
    assert "order-secret-ref" not in str(response["body"])


def test_unexpected_errors_log_a_traceback(
    service: PaymentService, log_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_get(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service.repository, "get", failing_get)

    response = service.handle(api_event("GET", "/payments/6f1c0c9e-3a7e-4a43-9a52-2b8f1f0c9d11"))

    assert response["statusCode"] == 500
    failed = next(line for line in _lines(log_stream) if line["event"] == "request_failed")
    assert "RuntimeError: boom" in str(failed["exception"])
