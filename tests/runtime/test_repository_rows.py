"""A row read back from PostgreSQL becomes a Payment only when it has exactly the eleven columns
the SELECTs ask for and each has the expected type: a schema drift fails loudly, naming the
column, instead of building a payment from shifted values."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from payment_service.repository import (
    CreateOutcome,
    Payment,
    PaymentRepository,
    _row_to_payment,
)

PAYMENT_ID = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
CREATED = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
ROW = (
    PAYMENT_ID,
    Decimal("12.50"),
    "USD ",  # CHAR columns come back padded
    "order-1",
    "cust-1",
    "accepted",
    "us-east-1",
    CREATED,
    "ab12",
    "client-a",
    "key-rows-01",
)


def test_an_eleven_column_row_is_a_payment_with_text_trimmed() -> None:
    assert _row_to_payment(ROW) == Payment(
        id=PAYMENT_ID,
        amount=Decimal("12.50"),
        currency="USD",
        merchant_reference="order-1",
        customer_reference="cust-1",
        status="accepted",
        region="us-east-1",
        created_at=CREATED,
        request_hash="ab12",
        client_id="client-a",
        idempotency_key="key-rows-01",
    )


def test_a_row_without_a_client_is_a_payment_of_no_recorded_client() -> None:
    """Rows written before migration 0003 have a NULL client_id."""
    payment = _row_to_payment((*ROW[:9], None, "key-rows-01"))
    assert payment.client_id is None
    assert payment.idempotency_key == "key-rows-01"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((*ROW, "extra"), "expected 11 columns, got 12"),
        (ROW[:10], "expected 11 columns, got 10"),
        (("6f1c", *ROW[1:]), "column id is not a uuid"),
        ((PAYMENT_ID, 12.5, *ROW[2:]), "column amount is not numeric"),
        ((*ROW[:7], "2026-11-29", *ROW[8:]), "column created_at is not a timestamp"),
        ((*ROW[:2], None, *ROW[3:]), "column currency is NoneType, expected text"),
        ((*ROW[:9], 7, ROW[10]), "column client_id is int, expected text"),
        ((*ROW[:10], None), "column idempotency_key is NoneType, expected text"),
    ],
)
def test_a_row_of_another_shape_is_refused_naming_the_problem(
    row: tuple[object, ...], message: str
) -> None:
    with pytest.raises(TypeError) as raised:
        _row_to_payment(row)
    assert str(raised.value) == message


def test_deadlines_are_passed_by_name() -> None:
    """``create(client, key, request, region, new_id, deadline)`` positionally would be
    refused: the id source and the deadline of a request must be named, so they cannot be
    swapped by a caller. The call fails at binding, before the database is touched."""
    repository = PaymentRepository(database=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        repository.get(PAYMENT_ID, "client-a", None)  # type: ignore[misc]
    with pytest.raises(TypeError):
        repository.create("client-a", "key", None, "us-east-1", uuid.uuid4)  # type: ignore[arg-type, misc]


def test_amounts_render_in_the_currency_minor_units_and_two_places_otherwise() -> None:
    """JPY has no minor unit, USD two (ISO 4217); a currency outside the table (a row written
    before it was narrowed, or by hand) is shown with two places rather than refused."""
    base = _row_to_payment(ROW)
    assert base.to_json()["amount"] == "12.50"
    assert replace(base, currency="JPY", amount=Decimal("1250")).to_json()["amount"] == "1250"
    assert replace(base, currency="XTS", amount=Decimal("7.5")).to_json()["amount"] == "7.50"


def test_payments_and_outcomes_are_immutable() -> None:
    """A Payment handed to the API layer cannot be altered on its way to the response."""
    payment = _row_to_payment(ROW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        payment.amount = Decimal("0.01")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CreateOutcome(payment, created=True).created = False  # type: ignore[misc]
