"""POST /payments and GET /payments/{id} against a real PostgreSQL server."""

from __future__ import annotations

import json
import threading
import time
import uuid
from decimal import Decimal

import pytest

from payment_service.api import REPLAY_HEADER, PaymentService
from payment_service.connection import Connection
from payment_service.idempotency_cache import NoIdempotencyStore, item_key, scoped_key
from tests.runtime.conftest import AwsResources, MakeService, count_payments
from tests.runtime.events import (
    CLIENT,
    api_event,
    error_code,
    header,
    payment_body,
    post_payment,
    response_json,
)


def test_create_returns_201_and_stores_the_payment(
    service: PaymentService, admin: Connection
) -> None:
    response = service.handle(post_payment("key-create-0001"))

    assert response["statusCode"] == 201
    payment = response_json(response)
    assert set(payment) == {
        "id",
        "amount",
        "currency",
        "merchant_reference",
        "customer_reference",
        "status",
        "created_at",
        "region",
    }
    assert uuid.UUID(str(payment["id"])).version == 8  # derived from the request
    assert payment["amount"] == "125.50"
    assert payment["currency"] == "USD"
    assert payment["merchant_reference"] == "order-1001"
    assert payment["customer_reference"] == "cust-42"
    assert payment["status"] == "pending"
    assert payment["region"] == "us-east-1"
    assert str(payment["created_at"]).endswith("Z")
    assert header(response, "Location") == f"/payments/{payment['id']}"
    assert header(response, REPLAY_HEADER) is None
    assert header(response, "Content-Type") == "application/json"

    rows = admin.run(
        "SELECT amount, currency, idempotency_key FROM payments WHERE id = :id",
        id=uuid.UUID(str(payment["id"])),
    )
    assert rows == [[Decimal("125.50"), "USD", "key-create-0001"]]


def test_amount_as_json_number_is_kept_exact(service: PaymentService, admin: Connection) -> None:
    raw = (
        '{"amount": 0.1, "currency": "EUR", "merchant_reference": "m-1", '
        '"customer_reference": "c-1"}'
    )
    event = api_event("POST", "/payments", raw_body=raw, headers={"Idempotency-Key": "key-num-01"})

    response = service.handle(event)

    assert response["statusCode"] == 201
    assert response_json(response)["amount"] == "0.10"
    rows = admin.run("SELECT amount::text FROM payments WHERE idempotency_key = 'key-num-01'")
    assert rows == [["0.10"]]


def test_zero_decimal_currency_is_formatted_without_minor_units(service: PaymentService) -> None:
    response = service.handle(
        post_payment("key-jpy-0001", payment_body(amount=1500, currency="JPY"))
    )

    assert response["statusCode"] == 201
    assert response_json(response)["amount"] == "1500"


def test_replay_with_same_body_returns_the_original_payment(
    service: PaymentService, admin: Connection
) -> None:
    first = service.handle(post_payment("key-replay-01"))
    second = service.handle(post_payment("key-replay-01"))

    assert first["statusCode"] == second["statusCode"] == 201
    assert response_json(second) == response_json(first)
    assert header(second, REPLAY_HEADER) == "true"
    assert header(first, REPLAY_HEADER) is None
    assert count_payments(admin, "key-replay-01") == 1


def test_replay_with_an_equivalent_amount_is_the_same_request(
    service: PaymentService, admin: Connection
) -> None:
    first = service.handle(post_payment("key-equiv-01", payment_body(amount="7.50")))
    second = service.handle(post_payment("key-equiv-01", payment_body(amount=7.5)))

    assert second["statusCode"] == 201
    assert response_json(second)["id"] == response_json(first)["id"]
    assert count_payments(admin, "key-equiv-01") == 1


def test_replay_is_answered_by_the_database_without_a_cache_record(
    make_service: MakeService, clean_payments: None, admin: Connection
) -> None:
    service = make_service(store=NoIdempotencyStore())
    first = service.handle(post_payment("key-dbreplay"))
    second = service.handle(post_payment("key-dbreplay"))

    assert response_json(second)["id"] == response_json(first)["id"]
    assert header(second, REPLAY_HEADER) == "true"
    assert count_payments(admin, "key-dbreplay") == 1


@pytest.mark.parametrize("cached", [True, False], ids=["dynamodb-record", "database-only"])
def test_same_key_with_a_different_body_is_409(
    make_service: MakeService, clean_payments: None, admin: Connection, cached: bool
) -> None:
    service = make_service() if cached else make_service(store=NoIdempotencyStore())
    first = service.handle(post_payment("key-conflict", payment_body(amount="10.00")))

    conflict = service.handle(post_payment("key-conflict", payment_body(amount="10.01")))

    assert conflict["statusCode"] == 409
    assert error_code(conflict) == "idempotency_key_reused"
    rows = admin.run("SELECT id, amount FROM payments WHERE idempotency_key = 'key-conflict'")
    assert rows == [[uuid.UUID(str(response_json(first)["id"])), Decimal("10.00")]]


def test_idempotency_record_is_written_to_dynamodb(
    service: PaymentService, aws: AwsResources
) -> None:
    before = int(time.time())
    response = service.handle(post_payment("key-ddb-0001"))

    item = aws.dynamodb.get_item(  # type: ignore[attr-defined]
        TableName=aws.table_name,
        Key=item_key(scoped_key(CLIENT, "key-ddb-0001")),
        ConsistentRead=True,
    )["Item"]
    assert item["pk"] == {"S": "IDEMPOTENCY#client-a#key-ddb-0001"}
    assert item["sk"] == {"S": "RESULT"}
    assert item["payment_id"] == {"S": response_json(response)["id"]}
    assert len(item["request_hash"]["S"]) == 64
    assert before + 3600 <= int(item["expires_at"]["N"]) <= int(time.time()) + 3600
    assert json.loads(item["response"]["S"]) == response_json(response)


def test_concurrent_duplicates_create_exactly_one_payment(
    make_service: MakeService, clean_payments: None, admin: Connection
) -> None:
    workers = 8
    services = [make_service(store=NoIdempotencyStore()) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    responses: list[dict[str, object]] = []
    lock = threading.Lock()

    def post(service: PaymentService) -> None:
        barrier.wait()
        response = service.handle(post_payment("key-concurrent"))
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=post, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(responses) == workers
    assert {r["statusCode"] for r in responses} == {201}
    assert len({response_json(r)["id"] for r in responses}) == 1
    assert sum(header(r, REPLAY_HEADER) is None for r in responses) == 1
    assert count_payments(admin, "key-concurrent") == 1


def test_concurrent_conflicting_bodies_create_one_payment(
    make_service: MakeService, clean_payments: None, admin: Connection
) -> None:
    workers = 6
    services = [make_service(store=NoIdempotencyStore()) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    lock = threading.Lock()

    def post(index: int) -> None:
        barrier.wait()
        body = payment_body(amount=f"{index + 1}.00")
        response = services[index].handle(post_payment("key-race-diff", body))
        with lock:
            statuses.append(int(str(response["statusCode"])))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [201] + [409] * (workers - 1)
    assert count_payments(admin, "key-race-diff") == 1


def test_get_returns_the_payment(service: PaymentService) -> None:
    created = response_json(service.handle(post_payment("key-get-0001")))

    response = service.handle(api_event("GET", f"/payments/{created['id']}"))

    assert response["statusCode"] == 200
    assert response_json(response) == created


def test_get_accepts_upper_case_hex_and_answers_the_canonical_id(
    service: PaymentService,
) -> None:
    created = response_json(service.handle(post_payment("key-get-upper")))

    response = service.handle(api_event("GET", f"/payments/{str(created['id']).upper()}"))

    assert response["statusCode"] == 200
    assert response_json(response)["id"] == created["id"]
    assert str(created["id"]) == str(created["id"]).lower()


def test_get_unknown_payment_is_404(service: PaymentService) -> None:
    response = service.handle(api_event("GET", f"/payments/{uuid.uuid4()}"))

    assert response["statusCode"] == 404
    assert error_code(response) == "payment_not_found"


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "1234",
        "%27%20OR%201%3D1",
        # forms uuid.UUID() would accept, but that are not canonical
        "6f1c0c9e3a7e4a439a522b8f1f0c9d11",
        "{6f1c0c9e-3a7e-4a43-9a52-2b8f1f0c9d11}",
        "urn:uuid:6f1c0c9e-3a7e-4a43-9a52-2b8f1f0c9d11",
        "6f1c0c9e-3a7e4a43-9a52-2b8f1f0c9d11-",
    ],
)
def test_get_with_a_malformed_id_is_400(service: PaymentService, bad_id: str) -> None:
    response = service.handle(api_event("GET", f"/payments/{bad_id}"))

    assert response["statusCode"] == 400
    assert error_code(response) == "invalid_payment_id"


@pytest.mark.parametrize(
    "path", ["/", "/payment", "/payments/a/b", "/admin", "/healthz"], ids=lambda p: p
)
def test_unknown_route_is_404(service: PaymentService, path: str) -> None:
    response = service.handle(api_event("GET", path))

    assert response["statusCode"] == 404
    assert error_code(response) == "route_not_found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/payments", "POST"),
        ("DELETE", "/payments", "POST"),
        ("POST", "/health", "GET"),
        ("PUT", "/payments/5f0c7c1e-8d2a-4b6e-9a41-3c2d1e0f9b7a", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    service: PaymentService, admin: Connection, method: str, path: str, allow: str
) -> None:
    response = service.handle(api_event(method, path, body=payment_body()))

    assert response["statusCode"] == 405
    assert error_code(response) == "method_not_allowed"
    assert header(response, "Allow") == allow
    assert count_payments(admin) == 0


def test_routing_uses_the_resource_template_not_the_base_path(service: PaymentService) -> None:
    create = post_payment("key-basepath1")
    create["path"] = "/v1/payments"
    created = response_json(service.handle(create))

    templated = api_event("GET", f"/v1/payments/{created['id']}")
    templated["resource"] = "/payments/{id}"
    templated["pathParameters"] = {"id": created["id"]}
    proxied = api_event("GET", f"/v1/payments/{created['id']}")
    proxied["resource"] = "/{proxy+}"
    proxied["pathParameters"] = {"proxy": f"payments/{created['id']}"}

    for event in (templated, proxied):
        response = service.handle(event)
        assert response["statusCode"] == 200
        assert response_json(response) == created
