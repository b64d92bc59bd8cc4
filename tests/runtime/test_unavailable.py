"""Writes while the database is a read-only standby, unreachable, or its connection broke."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.errors import (
    RETRY_AFTER_READ_ONLY_SECONDS,
    RETRY_AFTER_UNAVAILABLE_SECONDS,
)
from payment_service.idempotency_cache import item_key, scoped_key
from tests.runtime.conftest import (
    APP_USER,
    STANDBY_DB,
    AwsResources,
    Databases,
    MakeService,
    count_payments,
)
from tests.runtime.events import CLIENT, api_event, error_code, header, post_payment


@pytest.fixture
def standby_admin(databases: Databases) -> Iterator[Connection]:
    connection = databases.server.connect(STANDBY_DB)
    yield connection
    connection.close()


def test_write_to_a_read_only_standby_is_503_and_writes_nothing(
    make_service: MakeService, standby_admin: Connection, aws: AwsResources
) -> None:
    service = make_service(STANDBY_DB)

    response = service.handle(post_payment("key-standby-1"))

    assert response["statusCode"] == 503
    assert error_code(response) == "database_read_only"
    assert header(response, "Retry-After") == str(RETRY_AFTER_READ_ONLY_SECONDS)
    assert count_payments(standby_admin) == 0
    item = aws.dynamodb.get_item(  # type: ignore[attr-defined]
        TableName=aws.table_name,
        Key=item_key(scoped_key(CLIENT, "key-standby-1")),
        ConsistentRead=True,
    )
    assert "Item" not in item


def test_write_with_the_database_unreachable_is_503_after_retries(
    make_service: MakeService, unreachable_port: int, admin: Connection, clean_payments: None
) -> None:
    service = make_service(port=unreachable_port)

    response = service.handle(post_payment("key-unreach-1"))

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"
    assert header(response, "Retry-After") == str(RETRY_AFTER_UNAVAILABLE_SECONDS)
    assert count_payments(admin) == 0


def test_read_with_the_database_unreachable_is_503(
    make_service: MakeService, unreachable_port: int
) -> None:
    response = make_service(port=unreachable_port).handle(
        api_event("GET", f"/payments/{uuid.uuid4()}")
    )

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"


def test_replay_waits_for_the_database_but_a_conflict_is_answered_from_dynamodb(
    make_service: MakeService, unreachable_port: int, clean_payments: None
) -> None:
    created = make_service().handle(post_payment("key-fastpath"))
    cut_off = make_service(port=unreachable_port)

    replay = cut_off.handle(post_payment("key-fastpath"))
    conflict = cut_off.handle(
        post_payment(
            "key-fastpath",
            {
                "amount": "1.00",
                "currency": "USD",
                "merchant_reference": "order-1001",
                "customer_reference": "cust-42",
            },
        )
    )

    assert created["statusCode"] == 201
    assert replay["statusCode"] == 503, "a replay is confirmed in the writer first"
    assert error_code(replay) == "database_unavailable"
    assert conflict["statusCode"] == 409
    assert error_code(conflict) == "idempotency_key_reused"


def test_a_broken_connection_is_replaced(
    make_service: MakeService, admin: Connection, clean_payments: None
) -> None:
    service = make_service()
    assert service.handle(post_payment("key-broken-01"))["statusCode"] == 201

    admin.run(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE usename = :user AND pid <> pg_backend_pid()",
        user=APP_USER,
    )
    response = service.handle(post_payment("key-broken-02"))

    assert response["statusCode"] == 201
    assert count_payments(admin) == 2


class CountingConnect:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, params: ConnectParams) -> Connection:
        self.calls += 1
        return pg8000_connect(params)


def test_one_connection_is_reused_across_invocations(
    make_service: MakeService, clean_payments: None
) -> None:
    connect = CountingConnect()
    service = make_service(connect=connect)
    for index in range(3):
        assert service.handle(post_payment(f"key-reuse-{index:04d}"))["statusCode"] == 201
        assert service.handle(api_event("GET", "/health"))["statusCode"] == 200

    assert connect.calls == 1


def test_unreachable_database_is_tried_three_times(
    make_service: MakeService, unreachable_port: int
) -> None:
    connect = CountingConnect()
    service = make_service(port=unreachable_port, connect=connect)

    response = service.handle(post_payment("key-unreach-2"))

    assert response["statusCode"] == 503
    assert connect.calls == 3
