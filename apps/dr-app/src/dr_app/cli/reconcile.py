"""Reconcile the old primary with the new writer after an unplanned failover, by payment id.

The old primary is read once its region is back, or from a scratch cluster restored from the
copy of its ``rds:unplanned-global-failover-*`` snapshot (docs/runbook.md, section 3a). Both
databases are only read.

Every payment of either database created at or after ``since`` (an aware time: a naive one is
refused) is compared by id, the two sides read in id order, ``page_size`` rows a query
(keyset pagination: ``id > <last id> ORDER BY id LIMIT <page size>``), so neither side is ever
held in memory whole, whatever its size. A payment of the old primary is:

* ``missing`` when the new writer has no payment with its id: acknowledged there (the old
  primary committed it) and lost here with the unreplicated tail. When the new writer holds
  the same client's idempotency key under another id, ``other_payment_id`` names it: the key
  ended with more than one id (``duplicated``). With ids derived from the client, key and
  body (:mod:`payment_service.payment_ids`) a retry never gets another id, so that happens
  only when a *different* body was accepted for the key where the original could not be
  checked (the row lost and DynamoDB unavailable), or for a key first used before ids were
  derived: a possible double charge. This is what "reprocessed" means with derived ids; a
  retry processed again under the same id is one payment, ``recreated`` below;
* ``changed`` when the new writer has the id with other contents (client, key, request hash,
  amount, currency, references or status: ``differences`` names them; a client is compared
  only where both rows record one);
* ``recreated`` when the new writer has the id with the same contents but another region or
  creation time: the old row was lost and a retry (the same client, key and body) created the
  payment again under its id. One payment, two records of its processing;
* matched otherwise (replicated), and not reported.

Payments only the new writer holds were made there after the failover and are not reported.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from payment_service.connection import Connection

SCHEMA = "payment-dr/reconcile/v2"
"""Identifies the JSON and CSV layout below; a change of layout changes it."""
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NIL_ID = uuid.UUID(int=0)
"""Below every payment id (no payment has the nil UUID): where each side's reading starts."""

MISSING = "missing"
CHANGED = "changed"
RECREATED = "recreated"
KINDS = (MISSING, CHANGED, RECREATED)

_PAGE = """
SELECT id, client_id, idempotency_key, request_hash, amount, currency, merchant_reference,
       customer_reference, status, region, created_at
  FROM payments
 WHERE created_at >= :since
   AND id > :after
 ORDER BY id
 LIMIT :limit
"""
_BY_CLIENT_KEY = """
SELECT p.id, p.client_id, p.idempotency_key
  FROM payments AS p
  JOIN unnest(CAST(:clients AS text[]), CAST(:keys AS text[])) AS k (client_id, idempotency_key)
    ON p.client_id = k.client_id AND p.idempotency_key = k.idempotency_key
"""
# A key used before payments recorded their client: any client's payment under it (the
# lowest id first). No index serves this: a scan per batch, only for such keys.
_BY_KEY = """
SELECT id, client_id, idempotency_key
  FROM payments
 WHERE idempotency_key = ANY(CAST(:keys AS text[]))
 ORDER BY id
"""

CONTENT_FIELDS = (
    "client_id",
    "idempotency_key",
    "request_hash",
    "amount",
    "currency",
    "merchant_reference",
    "customer_reference",
    "status",
)
"""What makes two rows with one id the same payment."""

CSV_COLUMNS = (
    "kind",
    "payment_id",
    "client_id",
    "idempotency_key",
    "amount",
    "currency",
    "merchant_reference",
    "customer_reference",
    "status",
    "region",
    "created_at",
    "other_payment_id",
    "new_region",
    "new_created_at",
    "differences",
)
"""The CSV header, in order (docs/runbook.md, section 3a, describes each column)."""


@dataclass(frozen=True)
class Payment:
    """One row as reconcile compares it: every value as text (amounts in plain notation,
    times in UTC with milliseconds)."""

    id: uuid.UUID
    client_id: str | None
    idempotency_key: str
    request_hash: str
    amount: str
    currency: str
    merchant_reference: str
    customer_reference: str
    status: str
    region: str
    created_at: str


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _payment(row: Sequence[object]) -> Payment:
    if len(row) != 11:
        raise TypeError(f"expected 11 columns, got {len(row)}")
    payment_id, client = row[0], row[1]
    if not isinstance(payment_id, uuid.UUID):
        raise TypeError("column id is not a uuid")
    key, digest, amount, currency, merchant, customer, status, region, created = (
        _text(value) for value in row[2:]
    )
    return Payment(
        id=payment_id,
        client_id=None if client is None else _text(client),
        idempotency_key=key,
        request_hash=digest,
        amount=amount,
        currency=currency,
        merchant_reference=merchant,
        customer_reference=customer,
        status=status,
        region=region,
        created_at=created,
    )


def differences(old: Payment, new: Payment) -> tuple[str, ...]:
    """The content fields in which ``new`` differs from ``old`` (a client only where both
    rows record one: an operator may record the client of an older row afterwards)."""
    changed: list[str] = []
    for name in CONTENT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if name == "client_id" and (before is None or after is None):
            continue
        if before != after:
            changed.append(name)
    return tuple(changed)


@dataclass(frozen=True)
class Discrepancy:
    """One payment of the old primary that the new writer does not hold as it was."""

    kind: str
    """``missing``, ``changed`` or ``recreated``."""
    payment: Payment
    """The old primary's row."""
    new: Payment | None = None
    """The new writer's row with the same id (``changed``, ``recreated``)."""
    other_payment_id: str | None = None
    """``missing`` only: the id the new writer holds for the same client's key (the key
    ended with two ids)."""
    differences: tuple[str, ...] = ()

    @property
    def payment_id(self) -> str:
        """The payment's id."""
        return str(self.payment.id)

    @property
    def idempotency_key(self) -> str:
        """The payment's idempotency key."""
        return self.payment.idempotency_key

    @property
    def duplicated(self) -> bool:
        """The payment's key ended with more than one id."""
        return self.other_payment_id is not None

    def to_json(self) -> dict[str, object]:
        """One entry of the JSON report's ``payments``."""
        p = self.payment
        return {
            "kind": self.kind,
            "payment_id": self.payment_id,
            "client_id": p.client_id,
            "idempotency_key": p.idempotency_key,
            "amount": p.amount,
            "currency": p.currency,
            "merchant_reference": p.merchant_reference,
            "customer_reference": p.customer_reference,
            "status": p.status,
            "region": p.region,
            "created_at": p.created_at,
            "other_payment_id": self.other_payment_id,
            "new_region": None if self.new is None else self.new.region,
            "new_created_at": None if self.new is None else self.new.created_at,
            "differences": {name: getattr(self.new, name) for name in self.differences if self.new},
        }

    def csv_row(self) -> list[str]:
        """The entry as a CSV row (:data:`CSV_COLUMNS`): empty cells for absent values,
        ``differences`` as ``field=new value`` separated by ``;``."""
        document = self.to_json()
        changes = document["differences"]
        assert isinstance(changes, dict)
        document["differences"] = ";".join(f"{name}={value}" for name, value in changes.items())
        return ["" if document[name] is None else str(document[name]) for name in CSV_COLUMNS]


_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Report:
    """The comparison of the old primary with the new writer."""

    since: datetime
    compared: int
    """Payments of the old primary created at or after ``since``."""
    discrepancies: tuple[Discrepancy, ...]
    compared_new: int
    """Payments of the new writer created at or after ``since``."""
    page_size: int = DEFAULT_PAGE_SIZE
    queries: dict[str, int] = field(default_factory=dict)
    """Queries sent to each side (``old``, ``new``)."""

    def _of(self, kind: str) -> tuple[Discrepancy, ...]:
        return tuple(d for d in self.discrepancies if d.kind == kind)

    @property
    def missing(self) -> tuple[Discrepancy, ...]:
        """Acknowledged by the old primary, the id absent from the new writer: the
        acknowledged ids lost."""
        return self._of(MISSING)

    @property
    def duplicated(self) -> tuple[Discrepancy, ...]:
        """Missing payments whose key the new writer holds under another id: the ids
        duplicated (a key with more than one id)."""
        return tuple(d for d in self.missing if d.duplicated)

    @property
    def changed(self) -> tuple[Discrepancy, ...]:
        """The same id with other contents."""
        return self._of(CHANGED)

    @property
    def recreated(self) -> tuple[Discrepancy, ...]:
        """The same id and contents, made again in another region or at another time."""
        return self._of(RECREATED)

    def summary(self) -> dict[str, int]:
        """The counts finance looks at first."""
        return {
            "acknowledged_ids_lost": len(self.missing),
            "ids_duplicated": len(self.duplicated),
            "changed": len(self.changed),
            "recreated": len(self.recreated),
        }

    def to_json(self) -> dict[str, object]:
        """The JSON report (``SCHEMA``)."""
        return {
            "schema": SCHEMA,
            "since": self.since.isoformat(),
            "compared": {"old": self.compared, "new": self.compared_new},
            "summary": self.summary(),
            "payments": [d.to_json() for d in self.discrepancies],
        }

    def write_csv(self, stream: TextIO) -> None:
        """The CSV report: the header (:data:`CSV_COLUMNS`) and one row per entry."""
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for discrepancy in self.discrepancies:
            writer.writerow(discrepancy.csv_row())

    def table(self) -> list[str]:
        """A readable table, one line per entry."""
        s = self.summary()
        lines = [
            f"compared {self.compared} payments of the old primary and {self.compared_new} of "
            f"the new writer created since {self.since.isoformat()}",
            f"acknowledged ids lost: {s['acknowledged_ids_lost']}; ids duplicated: "
            f"{s['ids_duplicated']}; changed: {s['changed']}; recreated: {s['recreated']}",
        ]
        if not self.discrepancies:
            return lines
        header = (
            "kind",
            "payment id",
            "client",
            "idempotency key",
            "amount",
            "currency",
            "created at",
            "other id / new region",
        )
        rows = [
            (
                d.kind,
                d.payment_id,
                d.payment.client_id or "-",
                d.idempotency_key,
                d.payment.amount,
                d.payment.currency,
                d.payment.created_at,
                d.other_payment_id or (d.new.region if d.new is not None else "-"),
            )
            for d in self.discrepancies
        ]
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            lines.append("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
        return lines


class _Side:
    """One database read in id order, a page at a time."""

    def __init__(self, connection: Connection, since: datetime, page_size: int) -> None:
        self._connection = connection
        self._since = since
        self._page_size = page_size
        self.queries = 0
        self.read = 0

    def rows(self) -> Iterator[Payment]:
        after = NIL_ID
        while True:
            self.queries += 1
            page = self._connection.run(
                _PAGE, since=self._since, after=after, limit=self._page_size
            )
            page = page or []
            for row in page:
                payment = _payment(row)
                self.read += 1
                yield payment
                after = payment.id
            if len(page) < self._page_size:
                return

    def run(self, sql: str, **params: object) -> list[list[object]]:
        self.queries += 1
        return self._connection.run(sql, **params) or []


def _compare_same(old: Payment, new: Payment) -> Discrepancy | None:
    changed = differences(old, new)
    if changed:
        return Discrepancy(CHANGED, old, new=new, differences=changed)
    if (old.region, old.created_at) != (new.region, new.created_at):
        return Discrepancy(RECREATED, old, new=new)
    return None


def _missing(new: _Side, batch: list[Payment]) -> list[Discrepancy]:
    """``missing`` entries for old rows whose ids the new writer lacks, each with the other
    id the new writer holds for its key, if any (two queries at most)."""
    recorded = [p for p in batch if p.client_id is not None]
    unrecorded = [p for p in batch if p.client_id is None]
    held: dict[tuple[str | None, str], str] = {}
    if recorded:
        rows = new.run(
            _BY_CLIENT_KEY,
            clients=[p.client_id for p in recorded],
            keys=[p.idempotency_key for p in recorded],
        )
        for payment_id, client, key in rows:
            held[(str(client), str(key))] = str(payment_id)
    if unrecorded:
        rows = new.run(_BY_KEY, keys=[p.idempotency_key for p in unrecorded])
        for payment_id, _client, key in rows:
            held.setdefault((None, str(key)), str(payment_id))
    return [
        Discrepancy(MISSING, p, other_payment_id=held.get((p.client_id, p.idempotency_key)))
        for p in batch
    ]


def compare(
    old: Connection,
    new: Connection,
    *,
    since: datetime = EPOCH,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Report:
    """Compare the payments created at or after ``since`` on both sides, by id (see the
    module docstring). ``since`` must carry its offset; ``page_size`` is 1 to
    :data:`MAX_PAGE_SIZE` rows a query."""
    if since.tzinfo is None or since.utcoffset() is None:
        raise ValueError(f"since={since.isoformat()} has no UTC offset")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size={page_size}; expected 1 to {MAX_PAGE_SIZE}")
    old_side, new_side = _Side(old, since, page_size), _Side(new, since, page_size)
    found: list[Discrepancy] = []
    unmatched: list[Payment] = []
    new_rows = new_side.rows()
    current = next(new_rows, None)
    for payment in old_side.rows():
        while current is not None and current.id < payment.id:
            current = next(new_rows, None)
        if current is not None and current.id == payment.id:
            discrepancy = _compare_same(payment, current)
            if discrepancy is not None:
                found.append(discrepancy)
            current = next(new_rows, None)
            continue
        unmatched.append(payment)
        if len(unmatched) == page_size:
            found.extend(_missing(new_side, unmatched))
            unmatched = []
    if unmatched:
        found.extend(_missing(new_side, unmatched))
    while current is not None:  # the rest of the new writer: counted, never reported
        current = next(new_rows, None)
    found.sort(key=lambda d: (_KIND_ORDER[d.kind], d.payment.created_at, d.payment_id))
    return Report(
        since=since,
        compared=old_side.read,
        discrepancies=tuple(found),
        compared_new=new_side.read,
        page_size=page_size,
        queries={"old": old_side.queries, "new": new_side.queries},
    )


def parse_since(text: str) -> datetime:
    """An ISO 8601 time with an offset (``2026-11-29T07:00:00Z``, ``...+02:00``); a time
    without one is refused (it would be read in the host's zone or as UTC, each wrong
    somewhere)."""
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
