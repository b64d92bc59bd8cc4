"""Payments the old primary acknowledged that the new writer lacks, after an unplanned failover.

The old primary is read once it is reachable again, or from a cluster restored from the copy
of its ``rds:unplanned-global-failover-*`` snapshot (docs/runbook.md, "Reconciling after an
unplanned failover"). Both databases are only read.

A payment of the old primary is matched in the new writer by its idempotency key (unique in
both). It is:

* ``missing`` when the new writer has no payment with that key: acknowledged, then lost with
  the unreplicated tail;
* ``reprocessed`` when the new writer has the key under another payment id (a client retry
  reached the new writer before the idempotency record did and was processed again);
* matched otherwise (the same id: replicated, or processed again under the recorded id by the
  payment API's replay check), and not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payment_service.connection import Connection

_OLD = """
SELECT id, idempotency_key, amount, currency, merchant_reference, customer_reference,
       status, region, created_at
  FROM payments
 WHERE created_at >= :since
 ORDER BY created_at, idempotency_key
"""
_NEW = """
SELECT idempotency_key, id
  FROM payments
 WHERE idempotency_key = ANY(CAST(:keys AS text[]))
"""
_BATCH = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Discrepancy:
    """One payment of the old primary that the new writer does not hold as it was."""

    kind: str
    """``missing`` or ``reprocessed``."""
    payment_id: str
    idempotency_key: str
    amount: str
    currency: str
    merchant_reference: str
    customer_reference: str
    status: str
    region: str
    created_at: str
    new_payment_id: str | None = None
    """For ``reprocessed``: the id the new writer holds for the key."""

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "kind": self.kind,
            "payment_id": self.payment_id,
            "idempotency_key": self.idempotency_key,
            "amount": self.amount,
            "currency": self.currency,
            "merchant_reference": self.merchant_reference,
            "customer_reference": self.customer_reference,
            "status": self.status,
            "region": self.region,
            "created_at": self.created_at,
            "new_payment_id": self.new_payment_id,
        }


@dataclass(frozen=True)
class Report:
    """The comparison of the old primary with the new writer."""

    since: datetime
    compared: int
    """Payments of the old primary created at or after ``since``."""
    discrepancies: tuple[Discrepancy, ...]

    @property
    def missing(self) -> tuple[Discrepancy, ...]:
        """Acknowledged by the old primary, absent from the new writer."""
        return tuple(d for d in self.discrepancies if d.kind == "missing")

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "since": self.since.isoformat(),
            "compared": self.compared,
            "missing": len(self.missing),
            "reprocessed": len(self.discrepancies) - len(self.missing),
            "payments": [d.to_json() for d in self.discrepancies],
        }

    def table(self) -> list[str]:
        """A readable table, one line per discrepancy."""
        lines = [
            f"compared {self.compared} payments of the old primary created since "
            f"{self.since.isoformat()}: {len(self.missing)} missing, "
            f"{len(self.discrepancies) - len(self.missing)} reprocessed under another id"
        ]
        if not self.discrepancies:
            return lines
        header = ("kind", "payment id", "idempotency key", "amount", "currency", "created at")
        rows = [
            (d.kind, d.payment_id, d.idempotency_key, d.amount, d.currency, d.created_at)
            for d in self.discrepancies
        ]
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            lines.append("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
        return lines


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def compare(old: Connection, new: Connection, *, since: datetime = EPOCH) -> Report:
    """Read the old primary's payments created since ``since`` and look each key up in the
    new writer (in batches of 1000 keys)."""
    rows = old.run(_OLD, since=since) or []
    found: list[Discrepancy] = []
    for start in range(0, len(rows), _BATCH):
        batch: Sequence[Sequence[object]] = rows[start : start + _BATCH]
        keys = [str(row[1]) for row in batch]
        present = {str(key): str(pid) for key, pid in new.run(_NEW, keys=keys) or []}
        for row in batch:
            payment_id, key = str(row[0]), str(row[1])
            held = present.get(key)
            if held == payment_id:
                continue
            amount, currency, merchant, customer, status, region, created = (
                _text(value) for value in row[2:9]
            )
            found.append(
                Discrepancy(
                    kind="missing" if held is None else "reprocessed",
                    payment_id=payment_id,
                    idempotency_key=key,
                    amount=amount,
                    currency=currency,
                    merchant_reference=merchant,
                    customer_reference=customer,
                    status=status,
                    region=region,
                    created_at=created,
                    new_payment_id=held,
                )
            )
    return Report(since, len(rows), tuple(found))


def parse_since(text: str) -> datetime:
    """An ISO 8601 time with an offset (``2026-11-29T07:00:00Z``)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError(
            f"--since={text!r} is invalid; expected an ISO 8601 time with an offset, "
            "such as 2026-11-29T07:00:00Z"
        )
    return value
