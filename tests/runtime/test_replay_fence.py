"""The write fence decides replays too: a region that must not write never answers ``201`` for
a retry, even when its database (or DynamoDB) holds the payment.

A replay is an acknowledgement: answered by a region that is not the writer (an old primary
whose database still has rows the new writer lacks, or a standby reading a copy), it would
tell the client a payment exists that the writer may not hold. So the lookup and the insert
are one write unit, behind the fence, with or without a DynamoDB record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from payment_service.api import PaymentService
from payment_service.connection import Connection
from payment_service.db import Database
from payment_service.idempotency_cache import IdempotencyStore, NoIdempotencyStore
from payment_service.repository import PaymentRepository
from payment_service.secrets import StaticCredentials
from tests.runtime.conftest import (
    PRIMARY_DB,
    STANDBY_DB,
    AwsResources,
    Databases,
    MakeService,
    count_payments,
)
from tests.runtime.events import (
    error_code,
    header,
    payment_body,
    post_payment,
    request_hash_of,
    response_json,
)
from tests.runtime.global_cluster import USE1_ARN, USE2_ARN, Clock, FakeRds, fence_in, throttled


@pytest.fixture
def fenced(databases: Databases) -> Iterator[list[Database]]:
    opened: list[Database] = []
    yield opened
    for database in opened:
        database.close()


def _region(
    databases: Databases,
    opened: list[Database],
    store: IdempotencyStore,
    sessions: AwsResources,
    *,
    name: str,
    rds: FakeRds,
) -> PaymentService:
    """us-east-2's API: its fence asks ``rds``; its database is ``name`` on the test server."""
    fence = fence_in("us-east-2", rds, Clock(), host=databases.server.host)
    database = Database(
        databases.settings(name),
        StaticCredentials(databases.credentials),
        guard=fence,
        sleep=lambda _seconds: None,
    )
    opened.append(database)
    return PaymentService(
        region="us-east-2",
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=store,
        sessions_table=sessions.store,
        fence=fence,
    )


@pytest.mark.parametrize("record", [True, False], ids=["dynamodb-record", "database-only"])
def test_a_region_the_rds_api_does_not_name_the_writer_never_replays(
    make_service: MakeService,
    clean_payments: None,
    databases: Databases,
    fenced: list[Database],
    aws: AwsResources,
    admin: Connection,
    record: bool,
) -> None:
    """The payment is in this region's (readable, even writable) database and in DynamoDB;
    the RDS API says us-east-1 writes: the retry is refused, not replayed."""
    original = make_service().handle(post_payment("key-fence-replay1"))
    store = aws.store if record else NoIdempotencyStore()
    rds = FakeRds(writer=USE1_ARN)
    region = _region(databases, fenced, store, aws, name=PRIMARY_DB, rds=rds)

    retry = region.handle(post_payment("key-fence-replay1"))

    assert original["statusCode"] == 201
    assert retry["statusCode"] == 503
    assert error_code(retry) == "not_writer_region"
    assert header(retry, "Retry-After") == "30"
    assert rds.asked, "the fence was consulted for the replay"
    assert count_payments(admin, "key-fence-replay1") == 1


@pytest.mark.parametrize("record", [True, False], ids=["dynamodb-record", "database-only"])
def test_a_read_only_database_never_replays_when_the_rds_api_does_not_answer(
    make_service: MakeService,
    clean_payments: None,
    databases: Databases,
    fenced: list[Database],
    aws: AwsResources,
    record: bool,
) -> None:
    """No answer from the RDS API (throttled): the database decides. A standby holding the
    row (a read-only copy) refuses the retry instead of replaying it."""
    key = "key-fence-replay2"
    original = response_json(make_service().handle(post_payment(key)))
    standby_admin = databases.server.connect(STANDBY_DB)
    try:
        standby_admin.run("SET default_transaction_read_only = off")
        standby_admin.run("TRUNCATE payments")
        standby_admin.run(
            "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, "
            "currency, merchant_reference, customer_reference, region) VALUES "
            "(:id, 'client-a', :key, :hash, 125.50, 'USD', 'order-1001', 'cust-42', "
            "'us-east-1')",
            id=uuid.UUID(str(original["id"])),
            key=key,
            hash=request_hash_of(payment_body()),
        )
        rds = FakeRds(writer=USE2_ARN)
        rds.failures = [throttled()]
        store = aws.store if record else NoIdempotencyStore()
        standby = _region(databases, fenced, store, aws, name=STANDBY_DB, rds=rds)

        retry = standby.handle(post_payment(key))

        assert rds.asked, "the fence asked, got no answer, and left it to the database"
        assert retry["statusCode"] == 503
        assert error_code(retry) == "database_read_only"
        assert count_payments(standby_admin, key) == 1
    finally:
        standby_admin.run("TRUNCATE payments")
        standby_admin.close()
