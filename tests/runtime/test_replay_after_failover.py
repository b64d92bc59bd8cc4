"""One payment, one id across an unplanned failover that lost the old writer's last commits,
whatever DynamoDB does.

Two databases stand in for the regions: ``payments`` is the old primary (us-east-1) and
``payments_new_writer`` the promoted secondary (us-east-2). The moto table stands in for the
DynamoDB global table, whose records replicate on their own: both regions read the records
the old primary wrote. Rows that replicated before the failure are copied to the new writer;
the last ones are not, as when Aurora's asynchronous replication loses its tail. DynamoDB
faults are real: a server that never answers (timeout), one that answers 500, and the
circuit breaker open after one failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from dr_app.cli.reconcile import compare
from payment_service.api import REPLAY_HEADER, PaymentService
from payment_service.aws import CallTimeouts, dynamodb_client
from payment_service.connection import Connection
from payment_service.idempotency_cache import (
    CacheGuard,
    DynamoDbIdempotencyStore,
    IdempotencyStore,
    NoIdempotencyStore,
)
from payment_service.migrations import apply_migrations
from payment_service.repository import PaymentRepository
from tests.runtime.conftest import (
    APP_USER,
    REGION,
    TABLE_NAME,
    AwsResources,
    Databases,
    MakeDatabase,
    MakeService,
    count_payments,
)
from tests.runtime.events import (
    api_event,
    error_code,
    header,
    payment_body,
    post_payment,
    response_json,
)
from tests.runtime.faults import ErrorServer, SilentServer

NEW_WRITER_DB = "payments_new_writer"
NEW_REGION = "us-east-2"
COPY_COLUMNS = (
    "id, client_id, idempotency_key, request_hash, amount, currency, merchant_reference, "
    "customer_reference, status, region, created_at"
)
OTHER_BODY = payment_body(amount="9.99")


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


Dynamo = Callable[[str], tuple[IdempotencyStore, CacheGuard]]
"""A DynamoDB state by name: the store the handler uses and its guard."""


@pytest.fixture
def dynamodb(aws: AwsResources) -> Iterator[Dynamo]:
    """``up`` (the moto table), ``timeout`` (a server that never answers), ``error_500`` (one
    that answers 500) and ``circuit_open`` (the moto table behind a breaker that a failure
    just opened: the cache is skipped for 30 s)."""
    servers: list[SilentServer | ErrorServer] = []
    timeouts = CallTimeouts(connect_seconds=0.2, read_seconds=0.2)

    def make(state: str) -> tuple[IdempotencyStore, CacheGuard]:
        guard = CacheGuard(call_seconds=timeouts.worst_case_seconds)
        if state == "up":
            return aws.store, guard
        if state == "circuit_open":
            guard.breaker.record_failure()
            return aws.store, guard
        server: SilentServer | ErrorServer = (
            SilentServer() if state == "timeout" else ErrorServer(500, "InternalServerError")
        )
        servers.append(server)
        client = dynamodb_client(REGION, timeouts, endpoint_url=server.url)
        return DynamoDbIdempotencyStore(client, TABLE_NAME), guard

    yield make
    for server in servers:
        server.close()


MakeRegion = Callable[..., PaymentService]


@pytest.fixture
def new_writer(
    make_database: MakeDatabase, aws: AwsResources, new_writer_db: str, dynamodb: Dynamo
) -> MakeRegion:
    """us-east-2's API on the new writer, with DynamoDB in the given state."""

    def make(state: str = "up") -> PaymentService:
        database = make_database(new_writer_db)
        store, guard = dynamodb(state)
        return PaymentService(
            region=NEW_REGION,
            repository=PaymentRepository(database),
            database=database,
            idempotency_store=store,
            sessions_table=aws.store,
            cache_guard=guard,
        )

    return make


def replicate(old: Connection, new: Connection, key: str) -> None:
    """Copy one committed row from the old primary, as replication did before the failure."""
    rows = old.run(f"SELECT {COPY_COLUMNS} FROM payments WHERE idempotency_key = :k", k=key)
    assert rows
    assert len(rows) == 1
    placeholders = ", ".join(f":c{index}" for index in range(len(rows[0])))
    values = {f"c{index}": value for index, value in enumerate(rows[0])}
    new.run(f"INSERT INTO payments ({COPY_COLUMNS}) VALUES ({placeholders})", **values)


def test_a_replicated_payment_is_replayed_by_the_new_writer(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
) -> None:
    original = make_service().handle(post_payment("key-fo-kept"))
    replicate(admin, new_writer_admin, "key-fo-kept")

    replay = new_writer().handle(post_payment("key-fo-kept"))

    assert replay["statusCode"] == 201
    assert header(replay, REPLAY_HEADER) == "true"
    assert response_json(replay) == response_json(original)
    assert count_payments(new_writer_admin, "key-fo-kept") == 1


@pytest.mark.parametrize("new_dynamodb", ["up", "timeout", "error_500", "circuit_open"])
@pytest.mark.parametrize(
    "old_dynamodb", ["up", "timeout"], ids=["recorded", "acknowledged-while-dynamodb-down"]
)
def test_a_lost_payment_retried_on_the_new_writer_keeps_its_id(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
    dynamodb: Dynamo,
    old_dynamodb: str,
    new_dynamodb: str,
) -> None:
    """Acknowledged by the old primary (with or without a DynamoDB record), lost with the
    unreplicated tail, retried on the new writer while DynamoDB answers, times out, fails or
    is skipped: processed again under the id the client holds, never a second id."""
    store, guard = dynamodb(old_dynamodb)
    old_primary = dataclasses.replace(make_service(), idempotency_store=store, cache_guard=guard)
    kept = old_primary.handle(post_payment("key-fo-kept-2"))
    lost = old_primary.handle(post_payment("key-fo-lost"))
    replicate(admin, new_writer_admin, "key-fo-kept-2")
    lost_id = response_json(lost)["id"]
    service = new_writer(new_dynamodb)
    before = service.handle(api_event("GET", f"/payments/{lost_id}"))
    assert before["statusCode"] == 404, "the new writer lacks the last row"

    retry = service.handle(post_payment("key-fo-lost"))
    again = service.handle(post_payment("key-fo-lost"))
    read = service.handle(api_event("GET", f"/payments/{lost_id}"))

    assert lost["statusCode"] == 201
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


def test_the_same_request_gets_the_same_id_in_either_region_without_dynamodb(
    make_service: MakeService,
    clean_payments: None,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
) -> None:
    """Neither region has seen the other's row nor any record: the id follows from the
    request alone."""
    first = make_service(store=NoIdempotencyStore()).handle(post_payment("key-fo-either"))
    second = dataclasses.replace(new_writer(), idempotency_store=NoIdempotencyStore()).handle(
        post_payment("key-fo-either")
    )

    assert first["statusCode"] == second["statusCode"] == 201
    assert response_json(first)["id"] == response_json(second)["id"]
    assert (response_json(first)["region"], response_json(second)["region"]) == (
        "us-east-1",
        "us-east-2",
    )


@pytest.mark.parametrize("new_dynamodb", ["up", "timeout", "circuit_open"])
def test_a_retry_of_a_payment_the_new_writer_has_returns_it(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
    new_dynamodb: str,
) -> None:
    original = make_service().handle(post_payment("key-fo-has"))
    replicate(admin, new_writer_admin, "key-fo-has")

    replay = new_writer(new_dynamodb).handle(post_payment("key-fo-has"))

    assert replay["statusCode"] == 201
    assert header(replay, REPLAY_HEADER) == "true"
    assert response_json(replay) == response_json(original)
    assert count_payments(new_writer_admin, "key-fo-has") == 1


@pytest.mark.parametrize(
    ("replicated", "new_dynamodb"),
    [(False, "up"), (True, "up"), (True, "timeout"), (True, "error_500"), (True, "circuit_open")],
    ids=[
        "row-lost-record-says",
        "both",
        "row-says-dynamodb-timeout",
        "row-says-500",
        "row-says-open",
    ],
)
def test_another_body_under_the_key_is_409_on_the_new_writer_wherever_the_original_is_known(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
    replicated: bool,
    new_dynamodb: str,
) -> None:
    make_service().handle(post_payment("key-fo-conflict"))
    if replicated:
        replicate(admin, new_writer_admin, "key-fo-conflict")

    reused = new_writer(new_dynamodb).handle(post_payment("key-fo-conflict", OTHER_BODY))

    assert reused["statusCode"] == 409
    assert error_code(reused) == "idempotency_key_reused"
    assert count_payments(new_writer_admin) == (1 if replicated else 0)


def test_another_body_where_the_original_is_known_nowhere_gets_its_own_id_and_reconcile_lists_it(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
) -> None:
    """The row lost and DynamoDB down: the other body cannot be recognised as a reuse. It is
    accepted under its own id, never the lost payment's, and reconcile reports the key as
    ending with two ids."""
    lost = make_service().handle(post_payment("key-fo-nowhere"))
    accepted = new_writer("timeout").handle(post_payment("key-fo-nowhere", OTHER_BODY))

    assert accepted["statusCode"] == 201
    assert response_json(accepted)["id"] != response_json(lost)["id"]
    report = compare(admin, new_writer_admin)
    (duplicated,) = report.duplicated
    assert duplicated.payment_id == response_json(lost)["id"]
    assert duplicated.other_payment_id == response_json(accepted)["id"]
    assert duplicated.payment.client_id == "client-a"
    assert report.summary() == {
        "acknowledged_ids_lost": 1,
        "ids_duplicated": 1,
        "changed": 0,
        "recreated": 0,
    }


def test_reconcile_after_the_retries_lists_the_recreated_and_the_lost(
    make_service: MakeService,
    clean_payments: None,
    admin: Connection,
    new_writer: MakeRegion,
    new_writer_admin: Connection,
) -> None:
    """Three payments acknowledged by the old primary: one replicated, one lost and retried
    on the new writer (recreated under its id), one lost and never retried (missing)."""
    old_primary = make_service()
    ids = {
        key: response_json(old_primary.handle(post_payment(key)))["id"]
        for key in ("key-rc-kept", "key-rc-retried", "key-rc-gone")
    }
    replicate(admin, new_writer_admin, "key-rc-kept")
    new_writer("timeout").handle(post_payment("key-rc-retried"))

    report = compare(admin, new_writer_admin)

    assert [d.payment_id for d in report.missing] == [ids["key-rc-gone"]]
    assert report.duplicated == ()
    (recreated,) = report.recreated
    assert recreated.payment_id == ids["key-rc-retried"]
    assert recreated.new is not None
    assert (recreated.payment.region, recreated.new.region) == ("us-east-1", "us-east-2")
    assert report.changed == ()
    assert (report.compared, report.compared_new) == (3, 2)


def test_a_replay_is_not_answered_while_the_writer_is_unreachable(
    make_service: MakeService, unreachable_port: int, clean_payments: None
) -> None:
    make_service().handle(post_payment("key-fo-unconfirmed"))

    replay = make_service(port=unreachable_port).handle(post_payment("key-fo-unconfirmed"))

    assert replay["statusCode"] == 503
    assert error_code(replay) == "database_unavailable"
