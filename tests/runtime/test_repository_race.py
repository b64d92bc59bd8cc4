"""Two creations with the same idempotency key at the same moment: the one whose INSERT waits
on the UNIQUE index gets no row back (ON CONFLICT DO NOTHING) and must return the payment the
other one committed, as not created, instead of failing or creating a second payment."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

from payment_service.connection import Connection
from payment_service.repository import CreateOutcome, PaymentRepository
from payment_service.validation import PaymentRequest
from tests.runtime.conftest import MakeDatabase, count_payments

KEY = "race-key-0001"
CLIENT = "client-a"
REQUEST = PaymentRequest(Decimal("42.00"), "EUR", "order-race", "cust-race")
WINNER = uuid.UUID("0d6a8f3c-1b2e-4c5d-9e8f-7a6b5c4d3e2f")


def test_the_second_of_two_concurrent_creations_returns_the_first_payment(
    make_database: MakeDatabase, admin: Connection, clean_payments: None
) -> None:
    repository = PaymentRepository(make_database())
    # the other creation: its row inserted, its transaction not committed yet
    admin.run("BEGIN")
    admin.run(
        "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, currency, "
        "merchant_reference, customer_reference, status, region) VALUES (:id, :client, :key, "
        ":hash, 42.00, 'EUR', 'order-race', 'cust-race', 'pending', 'us-east-1')",
        id=WINNER,
        client=CLIENT,
        key=KEY,
        hash=REQUEST.request_hash(),
    )
    outcome: list[CreateOutcome | BaseException] = []

    def create() -> None:
        try:
            outcome.append(repository.create(CLIENT, KEY, REQUEST, "us-east-2", new_id=uuid.uuid4))
        except BaseException as exc:  # reported below, not lost in the thread
            outcome.append(exc)

    thread = threading.Thread(target=create)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "the INSERT should wait on the uncommitted row's unique key"
    admin.run("COMMIT")
    thread.join(30.0)

    (result,) = outcome
    assert isinstance(result, CreateOutcome), result
    assert result.created is False
    assert result.payment.id == WINNER
    assert result.payment.region == "us-east-1"
    assert count_payments(admin, KEY) == 1
