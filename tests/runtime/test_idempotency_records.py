"""DynamoDB idempotency records: first writer wins, so a record always describes the first
outcome of its client's key, never a later request's."""

from __future__ import annotations

import dataclasses

from payment_service.api import PaymentService
from payment_service.connection import Connection
from payment_service.idempotency_cache import (
    CachedResult,
    CacheGuard,
    CircuitBreaker,
    DynamoDbIdempotencyStore,
    scoped_key,
)
from tests.runtime.conftest import AwsResources, MakeService
from tests.runtime.events import CLIENT, payment_body, post_payment, request_hash_of, response_json

SCOPE = scoped_key(CLIENT, "key-first-wins")


def test_a_second_put_never_replaces_the_first_record(aws: AwsResources) -> None:
    first = CachedResult("a" * 64, "11111111-1111-8111-8111-111111111111", 201, "{}")
    second = CachedResult("b" * 64, "22222222-2222-8222-8222-222222222222", 201, "{}")

    aws.store.put(SCOPE, first)
    aws.store.put(SCOPE, second)  # ConditionalCheckFailedException, swallowed

    assert aws.store.get(SCOPE) == first


class ReadFault:
    """The sessions table whose reads fail (a timeout) while writes go through."""

    def __init__(self, store: DynamoDbIdempotencyStore) -> None:
        self._store = store
        self.table_name = store.table_name

    def get(self, key: str) -> CachedResult | None:
        raise TimeoutError("read timed out")

    def put(self, key: str, result: CachedResult) -> None:
        self._store.put(key, result)

    def table_status(self) -> str:
        return self._store.table_status()


def test_a_request_that_could_not_read_the_record_does_not_overwrite_it(
    make_service: MakeService, clean_payments: None, aws: AwsResources, admin: Connection
) -> None:
    """The first payment's row was lost (a failover) and its record could not be read: the
    other body is accepted under its own id, and the record keeps the first payment."""
    original = make_service().handle(post_payment("key-first-wins"))
    admin.run("TRUNCATE payments")  # the row lost with the old writer's tail
    reads_fail: PaymentService = dataclasses.replace(
        make_service(),
        idempotency_store=ReadFault(aws.store),
        cache_guard=CacheGuard(breaker=CircuitBreaker(failure_threshold=2)),
    )

    other = reads_fail.handle(post_payment("key-first-wins", payment_body(amount="3.00")))

    assert other["statusCode"] == 201
    assert response_json(other)["id"] != response_json(original)["id"]
    record = aws.store.get(SCOPE)
    assert record is not None
    assert record.payment_id == response_json(original)["id"]
    assert record.request_hash == request_hash_of(payment_body())
