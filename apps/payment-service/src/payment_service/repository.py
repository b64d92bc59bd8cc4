"""Payments in PostgreSQL: exactly-once creation per client and idempotency key.

The ``payments`` table has a UNIQUE constraint on ``(client_id, idempotency_key)`` (migration
0003; a key is the client's own, no other client sees it) and on ``id``, and stores the hash
of the canonical request. Creation runs in one write transaction, replays included (so the
write fence decides where even a replay may be answered):

1. look the client's key up (a row that exists answers a replay, or a conflict when its
   request hash differs); a row written before clients were recorded (``client_id`` NULL)
   answers for its key too, so no second payment is ever made for it;
2. ``INSERT ... ON CONFLICT DO NOTHING RETURNING ...`` under the id the caller gives (derived
   from the request: :mod:`payment_service.payment_ids`);
3. when the insert returned nothing, a concurrent or earlier request committed a row that
   conflicts on one of the constraints: read the key's row again and compare request hashes
   (equal: replay; different: conflict).

Concurrent duplicates therefore create exactly one row and never fail: the database
serialises them on its unique indexes, with no in-process locking, and a unique violation
on any of them is a re-read, not an error.

On a replica (a standby region's reader endpoint), :meth:`PaymentRepository.get_on_replica`
reads the row and, when there is none, the replica's replication lag on the same connection in
the same unit of work: the API decides from that lag whether "no row" may be answered ``404``
(:mod:`payment_service.api`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from payment_service.errors import IdempotencyConflictError
from payment_service.validation import CURRENCY_MINOR_UNITS

if TYPE_CHECKING:
    from payment_service.connection import Connection
    from payment_service.db import Database, ReplicationLag, Row
    from payment_service.deadline import Deadline
    from payment_service.validation import PaymentRequest

#: Status of a payment recorded by this API and not yet processed further.
STATUS_PENDING = "pending"

# The client's own row for the key or, for a key used before payments recorded their client
# (migration 0003), the row without a client: at most one of the two exists, as no row is
# created for a key such a row holds.
_SELECT_BY_KEY = """
SELECT id, amount, currency, merchant_reference, customer_reference, status, region,
       created_at, request_hash, client_id, idempotency_key
  FROM payments
 WHERE idempotency_key = :key
   AND (client_id = :client OR client_id IS NULL)
 ORDER BY client_id NULLS LAST
 LIMIT 1
"""
_SELECT_BY_ID = """
SELECT id, amount, currency, merchant_reference, customer_reference, status, region,
       created_at, request_hash, client_id, idempotency_key
  FROM payments
 WHERE id = :id
   AND client_id = :client
"""
# No conflict target: a unique violation on any constraint (the id, or the client's key)
# makes the insert return nothing and the row is read again, never an error. Two requests
# with the same client, key and body compute the same id, so they collide on both.
_INSERT = """
INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, currency,
                      merchant_reference, customer_reference, status, region)
VALUES (:id, :client, :key, :request_hash, :amount, :currency,
        :merchant_reference, :customer_reference, :status, :region)
ON CONFLICT DO NOTHING
RETURNING id, amount, currency, merchant_reference, customer_reference, status, region,
          created_at, request_hash, client_id, idempotency_key
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
    client_id: str | None = None
    """The client that created it; ``None`` for a payment made before the API recorded
    clients (migration 0003)."""
    idempotency_key: str = ""

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


@dataclass(frozen=True)
class ReplicaRead:
    """One read of a payment on a replica: the payment, or the replica's replication lag."""

    payment: Payment | None
    lag: ReplicationLag | None = None
    """Read right after the row was not found, on the same connection (``None`` when the
    payment was found)."""


class PaymentIdTakenError(Exception):
    """The id a new payment would get belongs to another client's key or another key: a
    forged or corrupt idempotency record, or an operator's change; never a retry."""


def _text(value: object, column: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"column {column} is {type(value).__name__}, expected text")
    return value.strip()


def _row_to_payment(row: Row) -> Payment:
    if len(row) != 11:
        raise TypeError(f"expected 11 columns, got {len(row)}")
    payment_id, amount, currency, merchant, customer, status, region, created, digest = row[:9]
    client, key = row[9:]
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
        client_id=None if client is None else _text(client, "client_id"),
        idempotency_key=_text(key, "idempotency_key"),
    )


def _existing(
    connection: Connection, client_id: str, key: str, request_hash: str
) -> CreateOutcome | None:
    rows = connection.run(_SELECT_BY_KEY, client=client_id, key=key)
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
        client_id: str,
        key: str,
        request: PaymentRequest,
        region: str,
        *,
        new_id: Callable[[], uuid.UUID],
        deadline: Deadline | None = None,
    ) -> CreateOutcome:
        """Create the payment for ``client_id``'s ``key`` once; later calls return it.

        ``new_id()`` gives the id of a new row; it is called only when there is none (the
        API derives it from the request, or takes it from an idempotency record whose row
        this database lacks). The whole unit is a write transaction, replays included: it
        runs only where the database's write guard (the fence) lets writes through.

        Raises :class:`IdempotencyConflictError` when ``key`` belongs to a different request,
        :class:`PaymentIdTakenError` when ``new_id()`` is another key's payment. Returns only
        after the transaction committed.
        """
        request_hash = request.request_hash()

        def work(connection: Connection) -> CreateOutcome:
            found = _existing(connection, client_id, key, request_hash)
            if found is not None:
                return found
            payment_id = new_id()
            rows = connection.run(
                _INSERT,
                id=payment_id,
                client=client_id,
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
            # A concurrent or earlier request committed a row that conflicts: ours, read
            # again in a new snapshot (READ COMMITTED), or nothing of this key at all.
            found = _existing(connection, client_id, key, request_hash)
            if found is None:
                raise PaymentIdTakenError(f"payment id {payment_id} belongs to another key")
            return found

        return self._database.transaction(work, deadline=deadline)

    def get(
        self, payment_id: uuid.UUID, client_id: str, *, deadline: Deadline | None = None
    ) -> Payment | None:
        """The payment with ``payment_id`` if ``client_id`` created it, else ``None``."""

        def work(connection: Connection) -> Payment | None:
            rows = connection.run(_SELECT_BY_ID, id=payment_id, client=client_id)
            return _row_to_payment(rows[0]) if rows else None

        return self._database.session(work, deadline=deadline)

    def get_on_replica(
        self, payment_id: uuid.UUID, client_id: str, *, deadline: Deadline | None = None
    ) -> ReplicaRead:
        """As :meth:`get`, on a replica: when ``client_id`` has no payment ``payment_id``
        there, also this region's replication lag
        (:meth:`payment_service.db.Database.replication_lag`), read on the same connection."""

        def work(connection: Connection) -> ReplicaRead:
            rows = connection.run(_SELECT_BY_ID, id=payment_id, client=client_id)
            if rows:
                return ReplicaRead(_row_to_payment(rows[0]))
            return ReplicaRead(None, self._database.replication_lag(connection))

        return self._database.session(work, deadline=deadline)
