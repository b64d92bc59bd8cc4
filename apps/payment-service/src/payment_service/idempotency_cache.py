"""Idempotency records in the DynamoDB sessions table: a fast path in front of the database.

Item layout (one item per idempotency key):

* ``pk`` (S, partition key): ``IDEMPOTENCY#<idempotency key>``
* ``sk`` (S, sort key): ``RESULT``
* ``request_hash`` (S): SHA-256 of the canonical request
* ``payment_id`` (S): the payment's id
* ``status_code`` (N): HTTP status of the original response
* ``response`` (S): the original response body (payment JSON)
* ``created_at`` (N): epoch seconds when the record was written
* ``expires_at`` (N): epoch seconds; the table's TTL attribute

PostgreSQL stays the source of truth for exactly-once: a record is written only after the
payment transaction committed, first writer wins (conditional put), and a missing, expired
or unreadable record only means the request goes to the database. A hit answers a replay
(or a conflicting reuse of the key) without a database write, also in a region whose
database is a read-only standby when the table is a global table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import error_code, string_attribute

if TYPE_CHECKING:
    from payment_service.aws import AttributeValue, DynamoDbClient

KEY_PREFIX = "IDEMPOTENCY#"
SORT_KEY = "RESULT"


@dataclass(frozen=True)
class CachedResult:
    """The original outcome of a request, as recorded in DynamoDB."""

    request_hash: str
    payment_id: str
    status_code: int
    response: str


class IdempotencyStore(Protocol):
    """Where idempotency results are cached."""

    def get(self, key: str) -> CachedResult | None:
        """The recorded result for ``key``, or ``None``."""
        ...

    def put(self, key: str, result: CachedResult) -> None:
        """Record the result for ``key`` unless one is already recorded."""
        ...


def item_key(key: str) -> dict[str, AttributeValue]:
    """The primary key of the record for an idempotency key."""
    return {"pk": {"S": KEY_PREFIX + key}, "sk": {"S": SORT_KEY}}


def _number(item: Mapping[str, object], name: str) -> int | None:
    value = item.get(name)
    if isinstance(value, Mapping):
        text = value.get("N")
        if isinstance(text, str) and text.isdigit():
            return int(text)
    return None


class DynamoDbIdempotencyStore:
    """Idempotency records in the sessions table."""

    def __init__(
        self,
        client: DynamoDbClient,
        table_name: str,
        *,
        ttl_seconds: int = 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self._ttl = ttl_seconds
        self._clock = clock

    @property
    def table_name(self) -> str:
        """The DynamoDB table name."""
        return self._table

    def get(self, key: str) -> CachedResult | None:
        """The unexpired record for ``key`` (TTL deletion is lazy, so expiry is checked)."""
        response = self._client.get_item(
            TableName=self._table, Key=item_key(key), ConsistentRead=True
        )
        item = response.get("Item")
        if not isinstance(item, Mapping):
            return None
        expires_at = _number(item, "expires_at")
        if expires_at is None or expires_at <= self._clock():
            return None
        request_hash = string_attribute(item, "request_hash")
        payment_id = string_attribute(item, "payment_id")
        body = string_attribute(item, "response")
        status_code = _number(item, "status_code")
        if request_hash is None or payment_id is None or body is None or status_code is None:
            return None
        return CachedResult(request_hash, payment_id, status_code, body)

    def put(self, key: str, result: CachedResult) -> None:
        """Write the record once; an existing record for the key is kept."""
        now = int(self._clock())
        item: dict[str, AttributeValue] = {
            **item_key(key),
            "request_hash": {"S": result.request_hash},
            "payment_id": {"S": result.payment_id},
            "status_code": {"N": str(result.status_code)},
            "response": {"S": result.response},
            "created_at": {"N": str(now)},
            "expires_at": {"N": str(now + self._ttl)},
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def table_status(self) -> str:
        """``TableStatus`` from DescribeTable (``ACTIVE`` when the table serves requests)."""
        response = self._client.describe_table(TableName=self._table)
        table = response.get("Table")
        status = table.get("TableStatus") if isinstance(table, Mapping) else None
        return status if isinstance(status, str) else "UNKNOWN"


class NoIdempotencyStore:
    """A store that remembers nothing: every request goes to the database."""

    def get(self, key: str) -> CachedResult | None:
        """Always ``None``."""
        return None

    def put(self, key: str, result: CachedResult) -> None:
        """Discard the result."""
