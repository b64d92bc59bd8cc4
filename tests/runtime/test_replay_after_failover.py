"""Idempotent replay after an unplanned failover that lost the old writer's last commits.

Two databases stand in for the regions: ``payments`` is the old primary (us-east-1) and
``payments_new_writer`` the promoted secondary (us-east-2). The moto table stands in for the
DynamoDB global table, whose records replicate on their own: both regions read the records
the old primary wrote. Rows that replicated before the failure are copied to the new writer;
the last ones are not, as when Aurora's asynchronous replication loses its tail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from payment_service.api import REPLAY_HEADER, PaymentService
from payment_service.connection import Connection
from payment_service.idempotency_cache import NoIdempotencyStore
from payment_service.migrations import apply_migrations
from payment_service.repository import PaymentRepository
from tests.runtime.conftest import (
    APP_USER,
    AwsResources,
    Databases,
    MakeDatabase,
    MakeService,
    count_payments,
)
from tests.runtime.events import api_event, error_code, header, post_payment, response_json

NEW_WRITER_DB = "payments_new_writer"
NEW_REGION = "us-east-2"
_COPY_COLUMNS = (
    "id, idempotency_key, request_hash, amount, currency, merchant_reference, "
    "customer_reference, status, region, created_at"
)


@pytest.fixture(scope="module")
def new_writer_db(databases: Databases) -> str:
    admin = databases.server.connect()
    try:
        admin.run(f"CREATE DATABASE {NEW_WRITER_DB} OWNER {APP_USER}")
    finally:
        admin.close()
    app = databases.server.connect(NEW_WRITER_DB, user=APP_USER, password=databases.app_password)
    try:
        apply_migrations(app)
    finally:
        app.close()
    return NEW_WRITER_DB


@pytest.fixture
def new_writer_admin(databases: Databases, new_writer_db: str) -> Iterator[Connection]:
    connection = databases.server.connect(new_writer_db)
    connection.run("TRUNCATE payments")
    yield connection
    connection.close()


@pytest.fixture
def new_writer(
    make_database: MakeDatabase, aws: AwsResources, new_writer_db: str
) -> PaymentService:
    database = make_database(new_writer_db)
    return PaymentService(
        region=NEW_REGION,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=aws.store,
        sessions_table=aws.store,
    )


def _replicate(old: Connection, new: Connection, key: str) -> None:
    """Copy one committed row from the old primary, as replication did before the failure."""
    rows = old.run(f"SELECT {_COPY_COLUMNS} FROM payments WHERE idempotency_key = :k", k=key)
    assert rows
    assert len(rows) == 1
    placeholders = ", ".join(f":c{index}" for index in range(len(rows[0])))
    values = {f"c{index}": value for index, value in enumerate(rows[0])}
    new.run(f"INSERT INTO payments ({_COPY_COLUMNS}) VALUES ({placeholders})", **values)


def test_a_replicated_payment_is_replayed_by_the_new_writer(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: PaymentService,
    new_writer_admin: Connection,
) -> None:
    original = make_service().handle(post_payment("key-fo-kept"))
    _replicate(admin, new_writer_admin, "key-fo-kept")

    replay = new_writer.handle(post_payment("key-fo-kept"))

    assert replay["statusCode"] == 201
    assert header(replay, REPLAY_HEADER) == "true"
    assert response_json(replay) == response_json(original)
    assert count_payments(new_writer_admin, "key-fo-kept") == 1


def test_a_record_without_its_row_is_processed_again_under_the_same_id(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: PaymentService,
    new_writer_admin: Connection,
) -> None:
    old_primary = make_service()
    kept = old_primary.handle(post_payment("key-fo-kept-2"))
    lost = old_primary.handle(post_payment("key-fo-lost"))
    _replicate(admin, new_writer_admin, "key-fo-kept-2")
    lost_id = response_json(lost)["id"]
    assert isinstance(lost_id, str)
    before = new_writer.handle(api_event("GET", f"/payments/{lost_id}"))
    assert before["statusCode"] == 404, "the new writer lacks the last row"

    retry = new_writer.handle(post_payment("key-fo-lost"))
    again = new_writer.handle(post_payment("key-fo-lost"))
    read = new_writer.handle(api_event("GET", f"/payments/{lost_id}"))

    assert retry["statusCode"] == 201
    assert header(retry, REPLAY_HEADER) is None, "processed again, not a replay"
    body = response_json(retry)
    assert body["id"] == lost_id
    assert body["region"] == "us-east-2"
    assert (body["amount"], body["currency"]) == ("125.50", "USD")
    assert again["statusCode"] == 201
    assert header(again, REPLAY_HEADER) == "true"
    assert response_json(again) == body
    assert read["statusCode"] == 200
    assert response_json(read)["id"] == lost_id
    assert count_payments(new_writer_admin, "key-fo-lost") == 1
    assert count_payments(new_writer_admin) == 2
    assert response_json(kept)["id"] != lost_id


def test_a_record_for_another_body_is_still_a_conflict_after_failover(
    make_service: MakeService,
    clean_payments: None,
    new_writer: PaymentService,
    new_writer_admin: Connection,
) -> None:
    make_service().handle(post_payment("key-fo-conflict"))

    reused = new_writer.handle(
        post_payment(
            "key-fo-conflict",
            {
                "amount": "9.99",
                "currency": "USD",
                "merchant_reference": "order-1001",
                "customer_reference": "cust-42",
            },
        )
    )

    assert reused["statusCode"] == 409
    assert error_code(reused) == "idempotency_key_reused"
    assert count_payments(new_writer_admin) == 0


def test_a_row_created_again_by_an_earlier_retry_wins_over_the_record(
    make_service: MakeService,
    clean_payments: None,
    new_writer: PaymentService,
    new_writer_admin: Connection,
) -> None:
    """The retry reached the new writer before the record replicated: the database's row is
    the answer, and the stale record does not create a second payment."""
    lost = make_service().handle(post_payment("key-fo-race"))
    before_the_record = dataclasses.replace(new_writer, idempotency_store=NoIdempotencyStore())
    first = before_the_record.handle(post_payment("key-fo-race"))

    replay = new_writer.handle(post_payment("key-fo-race"))

    assert first["statusCode"] == 201
    assert replay["statusCode"] == 201
    assert header(replay, REPLAY_HEADER) == "true"
    assert response_json(replay)["id"] == response_json(first)["id"]
    assert response_json(first)["id"] != response_json(lost)["id"]
    assert count_payments(new_writer_admin, "key-fo-race") == 1


def test_a_replay_is_not_answered_while_the_writer_is_unreachable(
    make_service: MakeService, unreachable_port: int, clean_payments: None
) -> None:
    make_service().handle(post_payment("key-fo-unconfirmed"))

    replay = make_service(port=unreachable_port).handle(post_payment("key-fo-unconfirmed"))

    assert replay["statusCode"] == 503
    assert error_code(replay) == "database_unavailable"
