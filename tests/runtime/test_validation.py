"""Bad input is rejected with 400 (or 415) and a machine-readable error; nothing is stored."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from payment_service.api import PaymentService
from payment_service.connection import Connection
from payment_service.errors import BadRequestError
from payment_service.validation import MAX_BODY_BYTES, parse_payment_request
from tests.runtime.conftest import count_payments
from tests.runtime.events import (
    api_event,
    error_code,
    header,
    payment_body,
    post_payment,
    response_json,
)

KEY = "key-validation-1"


def _assert_rejected(
    service: PaymentService,
    admin: Connection,
    event: dict[str, object],
    code: str,
    status: int = 400,
) -> dict[str, object]:
    response = service.handle(event)
    assert response["statusCode"] == status
    error = response_json(response)["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert count_payments(admin) == 0
    return response


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_idempotency_key"),
        ({"Idempotency-Key": ""}, "missing_idempotency_key"),
        ({"Idempotency-Key": "short"}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "k" * 129}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "has space 123"}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "key'; DROP TABLE payments;--"}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "kéy-unicode-1"}, "invalid_idempotency_key"),
    ],
)
def test_idempotency_key_is_required_and_bounded(
    service: PaymentService, admin: Connection, headers: dict[str, str], code: str
) -> None:
    event = api_event("POST", "/payments", body=payment_body(), headers=headers)
    _assert_rejected(service, admin, event, code)


def test_two_different_idempotency_keys_are_rejected(
    service: PaymentService, admin: Connection
) -> None:
    event = api_event(
        "POST",
        "/payments",
        body=payment_body(),
        headers={"Idempotency-Key": "key-aaaa-0001"},
        multi_value_headers={"Idempotency-Key": ["key-aaaa-0001", "key-bbbb-0002"]},
    )
    _assert_rejected(service, admin, event, "invalid_idempotency_key")


@pytest.mark.parametrize("name", ["idempotency-key", "IDEMPOTENCY-KEY", "Idempotency-key"])
def test_idempotency_key_header_is_case_insensitive(
    service: PaymentService, admin: Connection, name: str
) -> None:
    event = api_event("POST", "/payments", body=payment_body(), headers={name: KEY})

    response = service.handle(event)

    assert response["statusCode"] == 201
    assert count_payments(admin, KEY) == 1


@pytest.mark.parametrize(
    ("raw_body", "code"),
    [
        (None, "missing_body"),
        ("", "missing_body"),
        ("   ", "missing_body"),
        ("{", "malformed_json"),
        ("{'amount': '1.00'}", "malformed_json"),
        ('{"amount": NaN, "currency": "USD"}', "malformed_json"),
        ('{"amount": Infinity}', "malformed_json"),
        ('{"amount": "1.00", "amount": "2.00"}', "malformed_json"),
        ("[" * 5000 + "]" * 5000, "malformed_json"),
        ("[]", "invalid_body"),
        ('"a string"', "invalid_body"),
        ("42", "invalid_body"),
        ("null", "invalid_body"),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_malformed_bodies_are_rejected(
    service: PaymentService, admin: Connection, raw_body: str | None, code: str
) -> None:
    event = api_event("POST", "/payments", raw_body=raw_body, headers={"Idempotency-Key": KEY})
    _assert_rejected(service, admin, event, code)


def test_oversized_body_is_413(service: PaymentService, admin: Connection) -> None:
    body = payment_body(merchant_reference="m" * 10)
    raw = json.dumps(body)[:-1] + ', "padding": "' + "x" * MAX_BODY_BYTES + '"}'
    event = api_event("POST", "/payments", raw_body=raw, headers={"Idempotency-Key": KEY})
    _assert_rejected(service, admin, event, "body_too_large", status=413)


@pytest.mark.parametrize(("size", "status"), [(16384, 400), (16385, 413)])
def test_the_body_limit_is_16_kib(
    service: PaymentService, admin: Connection, size: int, status: int
) -> None:
    raw = " " * (size - 2) + "{}"  # valid JSON, missing fields: 400 unless too large
    event = api_event("POST", "/payments", raw_body=raw, headers={"Idempotency-Key": KEY})

    response = service.handle(event)

    assert response["statusCode"] == status
    assert error_code(response) == ("missing_field" if status == 400 else "body_too_large")


def test_oversized_base64_body_is_413(service: PaymentService, admin: Connection) -> None:
    raw = base64.b64encode(b" " * (MAX_BODY_BYTES + 1)).decode()
    event = api_event(
        "POST", "/payments", raw_body=raw, headers={"Idempotency-Key": KEY}, base64_encoded=True
    )
    _assert_rejected(service, admin, event, "body_too_large", status=413)


def test_base64_encoded_body_is_accepted(service: PaymentService, admin: Connection) -> None:
    raw = base64.b64encode(json.dumps(payment_body()).encode()).decode()
    event = api_event(
        "POST", "/payments", raw_body=raw, headers={"Idempotency-Key": KEY}, base64_encoded=True
    )

    assert service.handle(event)["statusCode"] == 201
    assert count_payments(admin, KEY) == 1


def test_invalid_base64_body_is_rejected(service: PaymentService, admin: Connection) -> None:
    event = api_event(
        "POST", "/payments", raw_body="%%%", headers={"Idempotency-Key": KEY}, base64_encoded=True
    )
    _assert_rejected(service, admin, event, "malformed_body")


def test_non_json_content_type_is_415(service: PaymentService, admin: Connection) -> None:
    event = post_payment(KEY, headers={"Content-Type": "text/plain"})
    _assert_rejected(service, admin, event, "unsupported_media_type", status=415)


def test_unknown_field_is_rejected(service: PaymentService, admin: Connection) -> None:
    response = _assert_rejected(
        service, admin, post_payment(KEY, payment_body(card_number="4111111111111111")),
        "unknown_field",
    )  # fmt: skip
    error = response_json(response)["error"]
    assert isinstance(error, dict)
    assert error["field"] == "card_number"
    assert "4111111111111111" not in str(response["body"])


@pytest.mark.parametrize(
    "field", ["amount", "currency", "merchant_reference", "customer_reference"]
)
def test_missing_field_is_rejected(service: PaymentService, admin: Connection, field: str) -> None:
    body = payment_body()
    del body[field]
    response = _assert_rejected(service, admin, post_payment(KEY, body), "missing_field")
    error = response_json(response)["error"]
    assert isinstance(error, dict)
    assert error["field"] == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", True),
        ("amount", None),
        ("amount", ["1.00"]),
        ("amount", {"value": "1.00"}),
        ("currency", 840),
        ("currency", None),
        ("merchant_reference", 1001),
        ("customer_reference", ["c"]),
    ],
)
def test_wrong_types_are_rejected(
    service: PaymentService, admin: Connection, field: str, value: object
) -> None:
    response = _assert_rejected(
        service, admin, post_payment(KEY, payment_body(**{field: value})), "invalid_type"
    )
    error = response_json(response)["error"]
    assert isinstance(error, dict)
    assert error["field"] == field


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        "-5.00",
        "1.234",
        "1e3",
        "abc",
        " 1.00",
        "01.00",
        "1,000.00",
        "1000000.01",
        "99999999",
        0,
        -1,
        1000000.01,
        1.001,
    ],
    ids=repr,
)
def test_invalid_amounts_are_rejected(
    service: PaymentService, admin: Connection, amount: object
) -> None:
    _assert_rejected(
        service, admin, post_payment(KEY, payment_body(amount=amount)), "invalid_amount"
    )


def test_amount_with_minor_units_is_rejected_for_jpy(
    service: PaymentService, admin: Connection
) -> None:
    body = payment_body(amount="100.50", currency="JPY")
    _assert_rejected(service, admin, post_payment(KEY, body), "invalid_amount")


@pytest.mark.parametrize("amount", ["1000000.00", "1000000", "0.01", 1000000])
def test_amount_bounds_are_inclusive(
    service: PaymentService, admin: Connection, amount: object
) -> None:
    response = service.handle(post_payment(KEY, payment_body(amount=amount)))

    assert response["statusCode"] == 201
    assert count_payments(admin, KEY) == 1


@pytest.mark.parametrize("currency", ["usd", "US", "USDD", "XXX", "BTC", ""])
def test_currency_must_be_on_the_allow_list(
    service: PaymentService, admin: Connection, currency: str
) -> None:
    body = payment_body(currency=currency)
    _assert_rejected(service, admin, post_payment(KEY, body), "invalid_currency")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("merchant_reference", ""),
        ("merchant_reference", "m" * 65),
        ("merchant_reference", "has space"),
        ("customer_reference", "<script>"),
        ("customer_reference", "line\nbreak"),
        ("customer_reference", "-leading-dash"),
    ],
)
def test_references_are_bounded(
    service: PaymentService, admin: Connection, field: str, value: str
) -> None:
    body = payment_body(**{field: value})
    _assert_rejected(service, admin, post_payment(KEY, body), "invalid_reference")


def test_error_responses_carry_the_request_id(service: PaymentService) -> None:
    event = api_event("POST", "/payments", body=payment_body(), request_id="req-abc-123")

    response = service.handle(event)

    assert header(response, "X-Request-Id") == "req-abc-123"


def test_amounts_are_decimals_never_floats() -> None:
    request = parse_payment_request(
        b'{"amount": 0.1, "currency": "USD", "merchant_reference": "m",'
        b' "customer_reference": "c"}'
    )

    assert isinstance(request.amount, Decimal)
    assert request.amount == Decimal("0.10")
    assert str(request.amount) == "0.10"


def test_request_hash_is_canonical() -> None:
    a = parse_payment_request(json.dumps(payment_body(amount="5.5")).encode())
    b = parse_payment_request(json.dumps(payment_body(amount=5.50)).encode())
    c = parse_payment_request(json.dumps(payment_body(amount="5.51")).encode())

    assert a.request_hash() == b.request_hash()
    assert a.request_hash() != c.request_hash()


def test_invalid_utf8_is_malformed_json() -> None:
    with pytest.raises(BadRequestError) as raised:
        parse_payment_request(b'{"amount": "\xff"}')
    assert raised.value.code == "malformed_json"
