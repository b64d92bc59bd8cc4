"""Payments in PostgreSQL: exactly-once creation keyed by the idempotency key.

The ``payments`` table has a UNIQUE constraint on ``idempotency_key`` and stores the hash
of the canonical request. Creation runs in one transaction:

1. look the key up (a row that exists answers a replay);
2. ``INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING ...``;
3. when the insert returned nothing, a concurrent or earlier request holds the key: read its
   row and compare request hashes (equal: replay; different: conflict).

Concurrent duplicates therefore create exactly one row: the database serialises them on the
unique index, with no in-process locking.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from payment_service.errors import IdempotencyConflictError
from payment_service.validation import CURRENCY_MINOR_UNITS

if TYPE_CHECKING:
    from payment_service.connection import Connection
    from payment_service.db import Database, Row
    from payment_service.deadline import Deadline
    from payment_service.validation import PaymentRequest

#: Status of a payment recorded by this API and not yet processed further.
STATUS_PENDING = "pending"

_SELECT_BY_KEY = """
SELECT id, amount, currency, merchant_reference, customer_reference, status, region,
       created_at, request_hash
  FROM payments
 WHERE idempotency_key = :key
"""
_SELECT_BY_ID = """
SELECT id, amount, currency, merchant_reference, customer_reference, status, region,
       created_at, request_hash
  FROM payments
 WHERE id = :id
"""
_INSERT = """
INSERT INTO payments (id, idempotency_key, request_hash, amount, currency,
                      merchant_reference, customer_reference, status, region)
VALUES (:id, :key, :request_hash, :amount, :currency,
        :merchant_reference, :customer_reference, :status, :region)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id, amount, currency, merchant_reference, customer_reference, status, region,
          created_at, request_hash
"""


@dataclass(frozen=True)
class Payment:
    """A stored payment."""

    id: uuid.UUID
    amount: Decimal
    currency: str
    merchant_reference: str
    customer_reference: str
    status: str
    region: str
    created_at: datetime
    request_hash: str

    def to_json(self) -> dict[str, str]:
        """The API representation. The amount is a string in the currency's minor units."""
        minor_units = CURRENCY_MINOR_UNITS.get(self.currency, 2)
        amount = self.amount.quantize(Decimal(1).scaleb(-minor_units))
        created = self.created_at.astimezone(UTC).isoformat(timespec="milliseconds")
        return {
            "id": str(self.id),
            "amount": str(amount),
            "currency": self.currency,
            "merchant_reference": self.merchant_reference,
            "customer_reference": self.customer_reference,
            "status": self.status,
            "created_at": created.replace("+00:00", "Z"),
            "region": self.region,
        }


@dataclass(frozen=True)
class CreateOutcome:
    """The payment for an idempotency key, and whether this call created it."""

    payment: Payment
    created: bool


def _text(value: object, column: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"column {column} is {type(value).__name__}, expected text")
    return value.strip()


def _row_to_payment(row: Row) -> Payment:
    if len(row) != 9:
        raise TypeError(f"expected 9 columns, got {len(row)}")
    payment_id, amount, currency, merchant, customer, status, region, created, digest = row
    if not isinstance(payment_id, uuid.UUID):
        raise TypeError("column id is not a uuid")
    if not isinstance(amount, Decimal):
        raise TypeError("column amount is not numeric")
    if not isinstance(created, datetime):
        raise TypeError("column created_at is not a timestamp")
    return Payment(
        id=payment_id,
        amount=amount,
        currency=_text(currency, "currency"),
        merchant_reference=_text(merchant, "merchant_reference"),
        customer_reference=_text(customer, "customer_reference"),
        status=_text(status, "status"),
        region=_text(region, "region"),
        created_at=created,
        request_hash=_text(digest, "request_hash"),
    )


def _existing(connection: Connection, key: str, request_hash: str) -> CreateOutcome | None:
    rows = connection.run(_SELECT_BY_KEY, key=key)
    if not rows:
        return None
    payment = _row_to_payment(rows[0])
    if payment.request_hash != request_hash:
        raise IdempotencyConflictError()
    return CreateOutcome(payment=payment, created=False)


class PaymentRepository:
    """Create and read payments."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def create(
        self,
        key: str,
        request: PaymentRequest,
        region: str,
        *,
        deadline: Deadline | None = None,
        payment_id: uuid.UUID | None = None,
    ) -> CreateOutcome:
        """Create the payment for ``key`` once; later calls return the same payment.

        ``payment_id`` is the id a new row gets (default: a fresh UUID). The API passes the id
        of an idempotency record whose row this database lacks (lost in an unplanned failover),
        so the payment is processed again under the id the client was given.

        Raises :class:`IdempotencyConflictError` when ``key`` belongs to a different request.
        Returns only after the transaction committed.
        """
        request_hash = request.request_hash()

        def work(connection: Connection) -> CreateOutcome:
            found = _existing(connection, key, request_hash)
            if found is not None:
                return found
            rows = connection.run(
                _INSERT,
                id=payment_id or uuid.uuid4(),
                key=key,
                request_hash=request_hash,
                amount=request.amount,
                currency=request.currency,
                merchant_reference=request.merchant_reference,
                customer_reference=request.customer_reference,
                status=STATUS_PENDING,
                region=region,
            )
            if rows:
                return CreateOutcome(payment=_row_to_payment(rows[0]), created=True)
            found = _existing(connection, key, request_hash)
            if found is None:
                raise RuntimeError("idempotency key conflicted but no row holds it")
            return found

        return self._database.transaction(work, deadline=deadline)

    def get(self, payment_id: uuid.UUID, *, deadline: Deadline | None = None) -> Payment | None:
        """The payment with ``payment_id``, or ``None``."""

        def work(connection: Connection) -> Payment | None:
            rows = connection.run(_SELECT_BY_ID, id=payment_id)
            return _row_to_payment(rows[0]) if rows else None

        return self._database.session(work, deadline=deadline)
