"""What each drill run owes its clients, counted twice: by the client, from the answers it got,
and by ``payment-dr reconcile``, from the two databases; the two must agree exactly.

* **acknowledged ids lost**: payment ids the client got a ``201`` for that the surviving
  writer does not hold;
* **ids duplicated**: idempotency keys for which the client got more than one payment id.

After an unplanned failover the client retries some of the payments it was acknowledged for
and that the new writer lost, while DynamoDB is unavailable (:func:`retry_after_failover`):
a third with the same body (processed again under the id the client holds: reconcile's
``recreated``), a third with another body (accepted under a new id, since neither the row
nor the record can be read: the key ends with two ids, reconcile's ``duplicated``), a third
not at all (reconcile's ``missing``). It also retries payments the new writer kept (each
answered with its id). Then the killed old primary is started on its own data directory (a
restored failover snapshot would be read the same way) and reconcile compares it with the
new writer from a ``--since`` taken before the run.

Before an unplanned run :func:`seed` writes 2,500 settled payments (replicated before the
outage) so reconcile pages through more than two pages of 1,000 on both sides.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dr_app.cli.reconcile import Report, compare
from payment_service.idempotency_cache import CachedResult
from tests.drill.control import SECONDARY_REGION
from tests.drill.pair import DATABASE, ReplicatedPair
from tests.drill.regions import Region, SharedIdempotencyStore, create_payment
from tests.runtime.events import payment_body, post_payment
from tests.runtime.postgres import PostgresServer

SEEDED = 2500
RECONCILE_PAGE = 1000
KEPT_RETRIES = 20
"""Acknowledged payments the new writer kept that the client retries after the failover."""


class UnavailableStore(SharedIdempotencyStore):
    """The sessions table while DynamoDB does not answer: every call fails."""

    def get(self, key: str) -> CachedResult | None:
        raise TimeoutError("DynamoDB did not answer")

    def put(self, key: str, result: CachedResult) -> None:
        raise TimeoutError("DynamoDB did not answer")


def seed(pair: ReplicatedPair, prefix: str, count: int = SEEDED) -> None:
    """``count`` payments of another client written straight to the primary, replicated to
    the standby before this returns."""
    connection = pair.primary.connect(DATABASE)
    try:
        connection.run(
            "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, "
            "currency, merchant_reference, customer_reference, status, region) "
            "SELECT gen_random_uuid(), 'drill-seed', :prefix || '-' || n, repeat('c', 64), "
            "n % 1000 + 1, 'USD', 'seed-' || n, 'cust-seed', 'pending', 'us-east-1' "
            "FROM generate_series(1, :count) AS n",
            prefix=prefix,
            count=count,
        )
    finally:
        connection.close()
    pair.replay_caught_up()


@dataclass
class RetryPhase:
    """The client's retries after a failover, and what they were answered."""

    recreated: dict[str, str] = field(default_factory=dict)
    """Key -> id answered for a lost payment retried with its body."""
    other_body: dict[str, str] = field(default_factory=dict)
    """Key -> id answered for a lost payment's key sent with another body."""
    untouched: tuple[str, ...] = ()
    """Lost keys never retried."""
    kept: dict[str, str] = field(default_factory=dict)
    """Key -> id answered for a kept payment retried."""
    statuses: dict[int, int] = field(default_factory=dict)


def _id(response: Mapping[str, object]) -> str:
    assert response["statusCode"] == 201, response
    body = response["body"]
    assert isinstance(body, str)
    return str(json.loads(body)["id"])


def retry_after_failover(
    pair: ReplicatedPair, password: str, acked: Mapping[str, str], lost: tuple[str, ...]
) -> RetryPhase:
    """The client's retries on the new writer (``pair.primary`` after the run) while DynamoDB
    is unavailable (see the module docstring)."""
    region = Region(SECONDARY_REGION, pair.primary, password, UnavailableStore())
    service = region.service()
    phase = RetryPhase()
    ordered = sorted(lost)
    try:
        for index, key in enumerate(ordered):
            if index % 3 == 0:
                phase.recreated[key] = _id(create_payment(service, key))
            elif index % 3 == 1:
                other = payment_body(amount="1.00", merchant_reference=f"other-{key[-6:]}")
                phase.other_body[key] = _id(service.handle(post_payment(key, other)))
        kept = [key for key in acked if key not in set(lost)][-KEPT_RETRIES:]
        for key in kept:
            phase.kept[key] = _id(create_payment(service, key))
    finally:
        region.close()
    phase.untouched = tuple(key for index, key in enumerate(ordered) if index % 3 == 2)
    return phase


@dataclass(frozen=True)
class Ledger:
    """The client's account of one run."""

    acknowledged: Mapping[str, frozenset[str]]
    """Key -> every payment id the client was acknowledged for."""
    held: frozenset[str]
    """Payment ids the surviving writer holds (of this run's keys)."""

    @classmethod
    def of(cls, server: PostgresServer, prefix: str, *answers: Mapping[str, str]) -> Ledger:
        acknowledged: dict[str, set[str]] = {}
        for answer in answers:
            for key, payment_id in answer.items():
                acknowledged.setdefault(key, set()).add(payment_id)
        connection = server.connect(DATABASE)
        try:
            rows = connection.run(
                "SELECT id::text FROM payments WHERE idempotency_key LIKE :p", p=prefix + "%"
            )
        finally:
            connection.close()
        return cls(
            {key: frozenset(ids) for key, ids in acknowledged.items()},
            frozenset(str(row[0]) for row in rows or []),
        )

    @property
    def ids_lost(self) -> frozenset[str]:
        """Acknowledged ids the surviving writer lacks."""
        return frozenset(
            payment_id
            for ids in self.acknowledged.values()
            for payment_id in ids
            if payment_id not in self.held
        )

    @property
    def ids_duplicated(self) -> frozenset[str]:
        """Keys acknowledged under more than one id."""
        return frozenset(key for key, ids in self.acknowledged.items() if len(ids) > 1)


@dataclass(frozen=True)
class Reconciled:
    """Reconcile's report and how long it took."""

    report: Report
    seconds: float

    @property
    def ids_lost(self) -> frozenset[str]:
        return frozenset(d.payment_id for d in self.report.missing)

    @property
    def ids_duplicated(self) -> frozenset[str]:
        return frozenset(d.idempotency_key for d in self.report.duplicated)


def reconcile(old: PostgresServer, new: PostgresServer, since: datetime) -> Reconciled:
    """Start the killed old primary on its data directory, compare it with the new writer
    (reconcile's code, on the two servers), stop it again."""
    old.start()
    try:
        started = time.perf_counter()
        old_connection, new_connection = old.connect(DATABASE), new.connect(DATABASE)
        try:
            report = compare(old_connection, new_connection, since=since, page_size=RECONCILE_PAGE)
        finally:
            old_connection.close()
            new_connection.close()
        return Reconciled(report, time.perf_counter() - started)
    finally:
        old.stop("fast")


@dataclass(frozen=True)
class Accounting:
    """One run's two accounts: the client's and reconcile's."""

    ledger: Ledger
    reconciled: Reconciled
    retries: RetryPhase

    @property
    def agrees(self) -> bool:
        """Reconcile lists exactly the ids the client lost and the keys it got twice."""
        return (
            self.reconciled.ids_lost == self.ledger.ids_lost
            and self.reconciled.ids_duplicated == self.ledger.ids_duplicated
        )


def account(
    pair: ReplicatedPair,
    old: PostgresServer,
    since: datetime,
    prefix: str,
    acked: Mapping[str, str],
    lost: tuple[str, ...],
) -> Accounting:
    """After a run (``pair.primary`` the new writer, ``old`` the old one, stopped): the
    client's retries, its ledger, and reconcile of the two databases from ``since``."""
    phase = retry_after_failover(pair, pair.app_password, acked, lost)
    ledger = Ledger.of(pair.primary, prefix, acked, phase.recreated, phase.other_body, phase.kept)
    return Accounting(ledger, reconcile(old, pair.primary, since), phase)
