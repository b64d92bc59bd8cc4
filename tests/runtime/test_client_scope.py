"""Idempotency keys and payments belong to the client the authorizer identified: keys are
scoped to (client id, key) in PostgreSQL and in DynamoDB, ``GET /payments/{id}`` answers only
the creator, and the client id comes from ``requestContext.authorizer.clientId`` only. Rows
written before migration 0003 keep their key for ever."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pg8000.exceptions import DatabaseError  # type: ignore[import-untyped]

from payment_service.api import REPLAY_HEADER, PaymentService
from payment_service.connection import Connection
from payment_service.db import sqlstate
from payment_service.idempotency_cache import item_key, scoped_key
from payment_service.migrations import apply_migrations, load_migrations
from payment_service.repository import PaymentRepository
from payment_service.validation import PaymentRequest
from tests.runtime.conftest import (
    APP_USER,
    AwsResources,
    Databases,
    MakeDatabase,
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

OTHER = "client-b"


def test_two_clients_may_use_one_key_for_different_payments(
    service: PaymentService, admin: Connection
) -> None:
    a = service.handle(post_payment("key-shared-01", payment_body(amount="10.00")))
    b = service.handle(post_payment("key-shared-01", payment_body(amount="20.00"), client_id=OTHER))
    a_again = service.handle(post_payment("key-shared-01", payment_body(amount="10.00")))
    b_again = service.handle(
        post_payment("key-shared-01", payment_body(amount="20.00"), client_id=OTHER)
    )

    assert [r["statusCode"] for r in (a, b, a_again, b_again)] == [201] * 4
    assert response_json(a)["id"] != response_json(b)["id"]
    assert response_json(a_again) == response_json(a)
    assert response_json(b_again) == response_json(b)
    assert header(a_again, REPLAY_HEADER) == header(b_again, REPLAY_HEADER) == "true"
    rows = admin.run(
        "SELECT client_id, amount FROM payments WHERE idempotency_key = 'key-shared-01' "
        "ORDER BY client_id"
    )
    assert rows == [["client-a", Decimal("10.00")], ["client-b", Decimal("20.00")]]


@pytest.mark.parametrize("same_body", [True, False], ids=["same-body", "other-body"])
def test_another_clients_key_never_replays_or_refuses_its_payment(
    service: PaymentService, admin: Connection, same_body: bool
) -> None:
    """Client B sending a key client A used gets its own new payment: not A's replayed (which
    would show B A's payment), not a 409 (which would tell B the key is in use)."""
    a = service.handle(post_payment("key-mine-0001"))
    body = payment_body() if same_body else payment_body(amount="1.00")

    b = service.handle(post_payment("key-mine-0001", body, client_id=OTHER))

    assert b["statusCode"] == 201
    assert header(b, REPLAY_HEADER) is None
    assert response_json(b)["id"] != response_json(a)["id"]
    assert count_payments(admin, "key-mine-0001") == 2


def test_get_answers_only_the_client_that_created_the_payment(
    service: PaymentService,
) -> None:
    created = response_json(service.handle(post_payment("key-owner-01")))

    mine = service.handle(api_event("GET", f"/payments/{created['id']}"))
    theirs = service.handle(api_event("GET", f"/payments/{created['id']}", client_id=OTHER))
    unknown = service.handle(api_event("GET", f"/payments/{uuid.uuid4()}", client_id=OTHER))

    assert mine["statusCode"] == 200
    assert response_json(mine) == created
    assert theirs["statusCode"] == 404
    # the same answer as for an id that does not exist: nothing tells B the payment exists
    assert response_json(theirs)["error"] == response_json(unknown)["error"]
    assert error_code(theirs) == "payment_not_found"


def test_without_the_authorizers_client_id_payments_are_refused(
    service: PaymentService, admin: Connection
) -> None:
    created = response_json(service.handle(post_payment("key-anon-0001")))

    post = service.handle(post_payment("key-anon-0002", client_id=None))
    get = service.handle(api_event("GET", f"/payments/{created['id']}", client_id=None))
    health = service.handle(api_event("GET", "/health", client_id=None))

    assert (post["statusCode"], error_code(post)) == (401, "client_not_identified")
    assert (get["statusCode"], error_code(get)) == (401, "client_not_identified")
    assert health["statusCode"] == 200
    assert count_payments(admin, "key-anon-0002") == 0


def _with_authorizer(event: dict[str, object], authorizer: object) -> dict[str, object]:
    context = event["requestContext"]
    assert isinstance(context, dict)
    context["authorizer"] = authorizer
    return event


@pytest.mark.parametrize(
    "authorizer",
    [
        {"principalId": "client-a"},  # the context key is clientId, not the principal
        {"clientId": "Client A!"},  # not a client id the authorizer accepts
        {"clientId": "c" * 33},
        {"clientId": ["client-a"]},
        "client-a",
        None,
    ],
)
def test_only_a_client_id_in_the_authorizers_context_identifies_the_client(
    service: PaymentService, admin: Connection, authorizer: object
) -> None:
    event = _with_authorizer(post_payment("key-ctx-00001", client_id=None), authorizer)

    response = service.handle(event)

    assert response["statusCode"] == 401
    assert count_payments(admin) == 0


def test_the_request_cannot_name_its_client(service: PaymentService, admin: Connection) -> None:
    """A client id in the body is an unknown field; in a header or a query it is ignored:
    the payment is the authorizer's client's."""
    in_body = service.handle(post_payment("key-spoof-001", payment_body(client_id=OTHER)))
    event = post_payment("key-spoof-002", headers={"X-Client-Id": OTHER, "clientId": OTHER})
    event["queryStringParameters"] = {"clientId": OTHER}
    in_header = service.handle(event)

    assert (in_body["statusCode"], error_code(in_body)) == (400, "unknown_field")
    assert in_header["statusCode"] == 201
    rows = admin.run("SELECT client_id FROM payments WHERE idempotency_key = 'key-spoof-002'")
    assert rows == [["client-a"]]


def test_dynamodb_records_are_per_client(service: PaymentService, aws: AwsResources) -> None:
    """A's record never answers B: B's other body under A's key is B's own new payment (a
    record keyed by the key alone would answer it 409), and B's record is its own item."""
    a = service.handle(post_payment("key-ddb-scope1", payment_body(amount="10.00")))
    b = service.handle(
        post_payment("key-ddb-scope1", payment_body(amount="99.00"), client_id=OTHER)
    )

    assert b["statusCode"] == 201
    items = {}
    for client in ("client-a", OTHER):
        item = aws.dynamodb.get_item(  # type: ignore[attr-defined]
            TableName=aws.table_name,
            Key=item_key(scoped_key(client, "key-ddb-scope1")),
            ConsistentRead=True,
        )["Item"]
        items[client] = item["payment_id"]["S"]
    assert items == {"client-a": response_json(a)["id"], OTHER: response_json(b)["id"]}


# --- rows written before migration 0003 -------------------------------------------------------

LEGACY_DB = "payments_legacy"
LEGACY_ID = uuid.UUID("2f9d1c4e-7b3a-4e5f-9a1b-3c4d5e6f7a8b")


@pytest.fixture(scope="module")
def legacy_db(databases: Databases) -> str:
    """A database migrated to 0002, holding a payment made then, then migrated to the end."""
    admin = databases.server.connect()
    try:
        admin.run(f"CREATE DATABASE {LEGACY_DB} OWNER {APP_USER}")
    finally:
        admin.close()
    app = databases.server.connect(LEGACY_DB, user=APP_USER, password=databases.app_password)
    try:
        apply_migrations(app, load_migrations()[:2])
        request = PaymentRequest(Decimal("125.50"), "USD", "order-1001", "cust-42")
        app.run(
            "INSERT INTO payments (id, idempotency_key, request_hash, amount, currency, "
            "merchant_reference, customer_reference, region) VALUES (:id, 'key-legacy-01', "
            ":hash, 125.50, 'USD', 'order-1001', 'cust-42', 'us-east-1')",
            id=LEGACY_ID,
            hash=request.request_hash(),
        )
        result = apply_migrations(app)
        assert result.applied == ("0003_client_scoped_keys",)
    finally:
        app.close()
    return LEGACY_DB


@pytest.fixture
def legacy_admin(databases: Databases, legacy_db: str) -> Iterator[Connection]:
    connection = databases.server.connect(legacy_db)
    connection.run("DELETE FROM payments WHERE id <> :id", id=LEGACY_ID)
    yield connection
    connection.close()


@pytest.fixture
def legacy(make_database: MakeDatabase, aws: AwsResources, legacy_db: str) -> PaymentService:
    database = make_database(legacy_db)
    return PaymentService(
        region="us-east-1",
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=aws.store,
        sessions_table=aws.store,
    )


def test_the_migration_keeps_existing_rows_without_a_recorded_client(
    legacy_admin: Connection,
) -> None:
    rows = legacy_admin.run("SELECT id, client_id, idempotency_key FROM payments")
    assert rows == [[LEGACY_ID, None, "key-legacy-01"]]


@pytest.mark.parametrize("client", ["client-a", OTHER])
def test_a_retry_of_a_key_used_before_the_migration_returns_its_original_id(
    legacy: PaymentService, legacy_admin: Connection, client: str
) -> None:
    """An id issued before this change is kept: a retry of its key with the same body (from
    any client, as before) replays it; no second payment is made for the key."""
    retry = legacy.handle(post_payment("key-legacy-01", client_id=client))
    other = legacy.handle(
        post_payment("key-legacy-01", payment_body(amount="1.00"), client_id=client)
    )

    assert retry["statusCode"] == 201
    assert header(retry, REPLAY_HEADER) == "true"
    assert response_json(retry)["id"] == str(LEGACY_ID)
    assert (other["statusCode"], error_code(other)) == (409, "idempotency_key_reused")
    assert count_payments(legacy_admin, "key-legacy-01") == 1


def test_a_payment_without_a_recorded_client_is_read_by_nobody_until_one_is_recorded(
    legacy: PaymentService, legacy_admin: Connection
) -> None:
    before = legacy.handle(api_event("GET", f"/payments/{LEGACY_ID}"))
    legacy_admin.run("UPDATE payments SET client_id = 'client-a' WHERE id = :id", id=LEGACY_ID)
    try:
        owner = legacy.handle(api_event("GET", f"/payments/{LEGACY_ID}"))
        other = legacy.handle(api_event("GET", f"/payments/{LEGACY_ID}", client_id=OTHER))
        replay = legacy.handle(post_payment("key-legacy-01"))
        not_theirs = legacy.handle(post_payment("key-legacy-01", client_id=OTHER))
    finally:
        legacy_admin.run("UPDATE payments SET client_id = NULL WHERE id = :id", id=LEGACY_ID)

    assert before["statusCode"] == 404
    assert owner["statusCode"] == 200
    assert response_json(owner)["id"] == str(LEGACY_ID)
    assert other["statusCode"] == 404
    assert response_json(replay)["id"] == str(LEGACY_ID)
    # once the row records client-a, the key is client-a's alone
    assert response_json(not_theirs)["id"] != str(LEGACY_ID)


def _unique_violation(connection: Connection, sql: str, **values: object) -> str | None:
    try:
        connection.run(sql, **values)
    except DatabaseError as exc:
        return sqlstate(exc)
    return None


def test_the_database_enforces_one_payment_per_client_key_and_per_unrecorded_key(
    legacy_admin: Connection,
) -> None:
    insert = (
        "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, currency, "
        "merchant_reference, customer_reference, region) VALUES (gen_random_uuid(), :client, "
        ":key, repeat('a', 64), 1, 'USD', 'm', 'c', 'us-east-1')"
    )
    legacy_admin.run(insert, client="client-a", key="key-unique-01")

    assert _unique_violation(legacy_admin, insert, client="client-a", key="key-unique-01") == (
        "23505"
    )
    assert _unique_violation(legacy_admin, insert, client=None, key="key-legacy-01") == "23505"
    assert _unique_violation(legacy_admin, insert, client="client-b", key="key-unique-01") is None
    assert _unique_violation(legacy_admin, insert, client="Client_A", key="key-unique-02") == (
        "23514"
    )
