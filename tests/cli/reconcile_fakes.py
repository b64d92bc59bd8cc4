"""A fake of one database's ``payments`` for reconcile: it answers the queries reconcile sends
with PostgreSQL's meaning, reading the comparison operators from the SQL itself (so a ``>``
written for ``>=`` in a query is noticed), and records every query and its row count."""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
}
T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One ``payments`` row (the columns reconcile reads)."""

    id: uuid.UUID
    client_id: str | None
    idempotency_key: str
    request_hash: str = "a" * 64
    amount: Decimal = Decimal("125.50")
    currency: str = "USD"
    merchant_reference: str = "order-1"
    customer_reference: str = "cust-1"
    status: str = "pending"
    region: str = "us-east-1"
    created_at: datetime = T0

    def columns(self) -> list[object]:
        return [
            self.id,
            self.client_id,
            self.idempotency_key,
            self.request_hash,
            self.amount,
            self.currency,
            self.merchant_reference,
            self.customer_reference,
            self.status,
            self.region,
            self.created_at,
        ]


def row(number: int, *, client: str | None = "client-a", **changes: object) -> Row:
    """Payment ``number``: a stable id, key ``key-<number>``, created ``number`` ms after T0."""
    base = Row(
        id=uuid.UUID(int=(number + 1) * 7919),
        client_id=client,
        idempotency_key=f"key-{number:06d}",
        created_at=T0 + timedelta(milliseconds=number),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _operator(sql: str, column: str, parameter: str) -> Callable[[Any, Any], Any]:
    match = re.search(rf"{column}\s*(>=|<=|>|<|=)\s*:{parameter}\b", sql)
    assert match is not None, f"no condition on {column} in {sql}"
    return OPERATORS[match[1]]


@dataclass
class FakeDatabase:
    """Rows, and the queries answered (kind, rows returned)."""

    rows: Sequence[Row]
    queries: list[tuple[str, int]] = field(default_factory=list)
    looked_up: list[int] = field(default_factory=list)
    """How many keys each lookup asked for."""
    closed: bool = False

    def run(self, sql: str, **params: object) -> list[list[object]]:
        if "ORDER BY id\n LIMIT :limit" in sql:
            result = self._page(sql, params)
            kind = "page"
        elif "unnest(" in sql:
            self.looked_up.append(len(params["keys"]))  # type: ignore[arg-type]
            pairs = set(zip(params["clients"], params["keys"], strict=True))  # type: ignore[call-overload]
            result = [
                [r.id, r.client_id, r.idempotency_key]
                for r in self.rows
                if (r.client_id, r.idempotency_key) in pairs
            ]
            kind = "by_client_key"
        elif "ANY(CAST(:keys" in sql:
            self.looked_up.append(len(params["keys"]))  # type: ignore[arg-type]
            keys = set(params["keys"])  # type: ignore[call-overload]
            result = [
                [r.id, r.client_id, r.idempotency_key]
                for r in sorted(self.rows, key=lambda r: r.id)
                if r.idempotency_key in keys
            ]
            kind = "by_key"
        else:
            raise AssertionError(f"unexpected query: {sql}")
        self.queries.append((kind, len(result)))
        return result

    def _page(self, sql: str, params: dict[str, object]) -> list[list[object]]:
        since, after, limit = params["since"], params["after"], params["limit"]
        assert isinstance(since, datetime)
        assert since.tzinfo is not None
        assert isinstance(after, uuid.UUID)
        assert isinstance(limit, int)
        created = _operator(sql, "created_at", "since")
        past = _operator(sql, "id", "after")
        chosen = sorted(
            (r for r in self.rows if created(r.created_at, since) and past(r.id, after)),
            key=lambda r: r.id,
        )
        return [r.columns() for r in chosen[:limit]]

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.queries if k == kind)

    def largest(self) -> int:
        return max((n for _, n in self.queries), default=0)

    def close(self) -> None:
        self.closed = True
