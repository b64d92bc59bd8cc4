"""Concurrent retries of one key, each in its own execution environment (its own handler and
connection), against the real server: exactly one row, only 201 (or 409 for another body),
never 500. A unique violation on any constraint (the id or the client's key) is a re-read.

Each environment's connection waits at a barrier just before its INSERT, so all of them
reach the unique indexes at the same moment: the window in which a uniqueness check on one
index passes while another transaction's row is still being inserted into the other is hit
every few rounds instead of once in a thousand requests.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from payment_service.api import REPLAY_HEADER, PaymentService
from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.idempotency_cache import CachedResult, NoIdempotencyStore, scoped_key
from payment_service.payment_ids import LOCAL_ID_KEY, derive_payment_id
from payment_service.repository import PaymentRepository
from tests.runtime.conftest import AwsResources, MakeDatabase, count_payments
from tests.runtime.events import (
    CLIENT,
    header,
    payment_body,
    post_payment,
    request_hash_of,
    response_json,
)

ENVIRONMENTS = 16
ROUNDS = 30
"""Rounds of sixteen: 480 retries per case (the race showed in 1 to 4 of 320 before)."""


@dataclass
class InsertBarrier:
    """Connections whose INSERT waits until ``parties`` of them are about to insert."""

    barrier: threading.Barrier | None = None
    inserts: Counter[str] = field(default_factory=Counter)

    def arm(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=5)

    def __call__(self, params: ConnectParams) -> Connection:
        connection = pg8000_connect(params)
        owner = self

        class Waiting:
            def run(self, sql: str, **values: object) -> list[list[object]] | None:
                if "INSERT INTO payments" in sql and owner.barrier is not None:
                    owner.inserts["waited"] += 1
                    try:
                        owner.barrier.wait()
                    except threading.BrokenBarrierError:
                        owner.inserts["broken"] += 1
                return connection.run(sql, **values)

            def close(self) -> None:
                connection.close()

            def set_timeout(self, seconds: float) -> None:
                connection.set_timeout(seconds)  # type: ignore[attr-defined]

        return Waiting()


Environments = Callable[..., list[PaymentService]]


@pytest.fixture
def environments(
    make_database: MakeDatabase, aws: AwsResources, clean_payments: None
) -> tuple[Environments, InsertBarrier]:
    gate = InsertBarrier()

    def make(count: int, *, dynamodb: bool = True) -> list[PaymentService]:
        built = []
        for _ in range(count):
            database = make_database(connect=gate)
            store = aws.store if dynamodb else NoIdempotencyStore()
            built.append(
                PaymentService(
                    region="us-east-2",
                    repository=PaymentRepository(database),
                    database=database,
                    idempotency_store=store,
                    sessions_table=aws.store,
                )
            )
        return built

    return make, gate


def at_once(
    services: list[PaymentService], events: list[dict[str, object]]
) -> list[dict[str, object]]:
    """Each service handles its event in its own thread, all started together."""
    responses: list[dict[str, object] | None] = [None] * len(services)

    def run(index: int) -> None:
        responses[index] = services[index].handle(events[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(services))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


@pytest.mark.parametrize(
    "record", [False, True], ids=["derived-id", "recorded-id-row-lost-in-a-failover"]
)
def test_sixteen_concurrent_retries_of_one_key_give_one_row_and_only_201(
    environments: tuple[Environments, InsertBarrier],
    aws: AwsResources,
    admin: Connection,
    record: bool,
) -> None:
    """``record``: the DynamoDB record of a payment whose row the new writer lacks (an
    unplanned failover lost it), so all sixteen re-create it under the recorded id."""
    make, gate = environments
    services = make(ENVIRONMENTS)
    statuses: Counter[int] = Counter()
    for number in range(ROUNDS):
        key = f"key-conc-{number:04d}"
        expected = derive_payment_id(LOCAL_ID_KEY, CLIENT, key, request_hash_of(payment_body()))
        if record:
            expected = uuid.uuid4()  # an id given by an earlier version: the record decides
            aws.store.put(
                scoped_key(CLIENT, key),
                CachedResult(request_hash_of(payment_body()), str(expected), 201, "{}"),
            )
        gate.arm(ENVIRONMENTS)

        responses = at_once(services, [post_payment(key)] * ENVIRONMENTS)

        statuses.update(int(str(r["statusCode"])) for r in responses)
        assert {r["statusCode"] for r in responses} == {201}, [r["body"] for r in responses]
        assert {response_json(r)["id"] for r in responses} == {str(expected)}
        assert sum(header(r, REPLAY_HEADER) is None for r in responses) == 1
        assert count_payments(admin, key) == 1
    assert statuses == Counter({201: ENVIRONMENTS * ROUNDS})
    assert gate.inserts["broken"] == 0, "every round sent its sixteen INSERTs together"


def test_concurrent_retries_with_two_bodies_give_one_row_201_for_it_and_409_for_the_other(
    environments: tuple[Environments, InsertBarrier], admin: Connection
) -> None:
    make, gate = environments
    services = make(ENVIRONMENTS, dynamodb=False)
    bodies = [payment_body(amount="10.00"), payment_body(amount="20.00")]
    for number in range(10):
        key = f"key-conc-2b-{number:03d}"
        events = [post_payment(key, bodies[i % 2]) for i in range(ENVIRONMENTS)]
        gate.arm(ENVIRONMENTS)

        responses = at_once(services, events)

        won = {response_json(r)["amount"] for r in responses if r["statusCode"] == 201}
        assert len(won) == 1
        winner = 0 if won == {"10.00"} else 1
        expected = [201 if i % 2 == winner else 409 for i in range(ENVIRONMENTS)]
        assert [r["statusCode"] for r in responses] == expected
        assert count_payments(admin, key) == 1


def test_retries_in_two_execution_environments_at_once(
    environments: tuple[Environments, InsertBarrier], admin: Connection
) -> None:
    make, gate = environments
    first, second = make(2)
    for number in range(40):
        key = f"key-conc-two-{number:03d}"
        gate.arm(2)

        responses = at_once([first, second], [post_payment(key), post_payment(key)])

        assert [r["statusCode"] for r in responses] == [201, 201]
        assert response_json(responses[0])["id"] == response_json(responses[1])["id"]
        assert count_payments(admin, key) == 1


def test_a_row_committed_by_another_environment_just_before_the_insert_is_replayed(
    make_database: MakeDatabase, aws: AwsResources, admin: Connection, clean_payments: None
) -> None:
    """The other environment commits the same payment between this one's lookup and its
    INSERT: the INSERT conflicts on the id and on the key, inserts nothing, and the row is
    read again and answered as a replay."""
    key = "key-conc-late-1"
    payment_id = derive_payment_id(LOCAL_ID_KEY, CLIENT, key, request_hash_of(payment_body()))

    def connect(params: ConnectParams) -> Connection:
        connection = pg8000_connect(params)

        class Late:
            def run(self, sql: str, **values: object) -> list[list[object]] | None:
                if "INSERT INTO payments" in sql:
                    admin.run(
                        "INSERT INTO payments (id, client_id, idempotency_key, request_hash, "
                        "amount, currency, merchant_reference, customer_reference, region) "
                        "VALUES (:id, :client, :key, :hash, 125.50, 'USD', 'order-1001', "
                        "'cust-42', 'us-east-1')",
                        id=payment_id,
                        client=CLIENT,
                        key=key,
                        hash=request_hash_of(payment_body()),
                    )
                return connection.run(sql, **values)

            def close(self) -> None:
                connection.close()

        return Late()

    database = make_database(connect=connect)
    service = PaymentService(
        region="us-east-2",
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=NoIdempotencyStore(),
        sessions_table=aws.store,
    )

    response = service.handle(post_payment(key))

    assert response["statusCode"] == 201
    assert header(response, REPLAY_HEADER) == "true"
    assert response_json(response)["id"] == str(payment_id)
    assert response_json(response)["region"] == "us-east-1"
    assert count_payments(admin, key) == 1
