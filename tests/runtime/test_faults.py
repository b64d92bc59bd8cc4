"""Every dependency fault answers within the request deadline, with the right status, and no
payment is acknowledged that was not committed.

Real fault servers on 127.0.0.1 (tests/runtime/faults.py) stand in for a black-holed
database host, a database that goes silent or resets idle connections, and DynamoDB and
Secrets Manager endpoints that accept connections and never answer. The Lambda context of
each request says 2.5 s remain; with the service's 1 s margin the deadline is 1.5 s.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator

import pytest

from payment_service.api import PaymentService
from payment_service.aws import CallTimeouts, dynamodb_client, secrets_manager_client
from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.db import Database
from payment_service.idempotency_cache import CacheGuard, DynamoDbIdempotencyStore
from payment_service.repository import PaymentRepository
from payment_service.retry import RetryPolicy
from payment_service.secrets import SecretCache
from tests.runtime.conftest import (
    APP_USER,
    PRIMARY_DB,
    REGION,
    TABLE_NAME,
    AwsResources,
    Databases,
    MakeDatabase,
    MakeService,
    count_payments,
)
from tests.runtime.events import api_event, error_code, header, post_payment, response_json
from tests.runtime.faults import BlackHole, ErrorServer, FaultProxy, SilentServer

FUNCTION_TIMEOUT_MS = 2500
#: The deadline: 2.5 s remaining minus the 1 s margin.
DEADLINE_SECONDS = 1.5
#: Building the response and the last log lines after the deadline.
ANSWER_SLACK_SECONDS = 0.25


class LambdaContext:
    """The one method of the Lambda context object the handler uses."""

    def __init__(self, remaining_ms: int) -> None:
        self._expires = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._expires - time.monotonic()) * 1000))


def timed(service: PaymentService, event: dict[str, object]) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    response = service.handle(event, LambdaContext(FUNCTION_TIMEOUT_MS))
    return response, time.monotonic() - started


def assert_within_deadline(elapsed: float) -> None:
    assert elapsed < DEADLINE_SECONDS + ANSWER_SLACK_SECONDS, f"answered after {elapsed:.2f} s"


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


class CountingConnect:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, params: ConnectParams) -> Connection:
        self.calls += 1
        return pg8000_connect(params)


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    with BlackHole() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server  # type: ignore[misc]


# --- database host black-holed -------------------------------------------------------------


def test_black_holed_database_host_answers_503_within_the_deadline(
    make_service: MakeService, black_hole: BlackHole, admin: Connection, clean_payments: None
) -> None:
    service = make_service(port=black_hole.port)

    response, elapsed = timed(service, post_payment("key-blackhole-1"))

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"
    assert header(response, "Retry-After") == "5"
    assert_within_deadline(elapsed)
    assert elapsed > 1.0, "the connect attempts used the budget, not a fast failure"
    assert count_payments(admin) == 0


def test_health_with_the_database_black_holed_answers_503_within_its_budget(
    make_service: MakeService, black_hole: BlackHole
) -> None:
    service = make_service(port=black_hole.port)

    response, elapsed = timed(service, api_event("GET", "/health"))

    assert response["statusCode"] == 503
    body = response_json(response)
    assert body["checks"] == {
        "database": {"ok": False, "error": "database_unavailable"},
        "dynamodb": body["checks"]["dynamodb"],  # type: ignore[index]
    }
    assert elapsed < 1.5 + ANSWER_SLACK_SECONDS  # HEALTH_BUDGET_MS default: 1500


# --- database goes silent with a pooled connection open --------------------------------------


def test_database_going_silent_mid_connection_answers_503_and_commits_nothing(
    make_service: MakeService, databases: Databases, admin: Connection, clean_payments: None
) -> None:
    with FaultProxy(databases.server.port) as proxy:
        service = make_service(port=proxy.port)  # type: ignore[attr-defined]
        created, _ = timed(service, post_payment("key-silent-001"))
        proxy.silent = True  # type: ignore[attr-defined]

        response, elapsed = timed(service, post_payment("key-silent-002"))

        assert created["statusCode"] == 201
        assert response["statusCode"] == 503
        assert error_code(response) == "database_unavailable"
        assert_within_deadline(elapsed)
        assert count_payments(admin, "key-silent-002") == 0

        proxy.silent = False  # type: ignore[attr-defined]
        retried, _ = timed(service, post_payment("key-silent-002"))

    assert retried["statusCode"] == 201
    assert count_payments(admin, "key-silent-002") == 1


# --- idle pooled connection reset -------------------------------------------------------------


def test_a_reset_idle_connection_is_replaced_once_without_a_retry_budget(
    make_database: MakeDatabase,
    databases: Databases,
    admin: Connection,
    clean_payments: None,
    log_stream: io.StringIO,
) -> None:
    connect = CountingConnect()
    with FaultProxy(databases.server.port, reset_idle_after=0.3) as proxy:
        database = make_database(
            port=proxy.port,  # type: ignore[attr-defined]
            connect=connect,
            retry=RetryPolicy(max_attempts=1),  # no retries: only the lost-connection rule
        )
        service = service_without_cache(database)
        first, _ = timed(service, post_payment("key-idle-reset-1"))
        time.sleep(0.6)  # the proxy resets the idle connection
        second, elapsed = timed(service, post_payment("key-idle-reset-2"))
        resets = proxy.resets  # type: ignore[attr-defined]

    assert first["statusCode"] == 201
    assert second["statusCode"] == 201
    assert elapsed < 0.5
    assert resets >= 1
    assert connect.calls == 2
    assert count_payments(admin) == 2
    events = [line["event"] for line in _lines(log_stream)]
    assert "database_connection_lost_reconnecting" in events


def test_a_connection_lost_twice_is_503_not_a_loop(
    make_database: MakeDatabase, databases: Databases, admin: Connection, clean_payments: None
) -> None:
    connect = CountingConnect()
    with FaultProxy(databases.server.port, reset_idle_after=0.0) as proxy:
        database = make_database(
            port=proxy.port,  # type: ignore[attr-defined]
            connect=connect,
            retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.0),
        )
        service = service_without_cache(database)

        response, elapsed = timed(service, post_payment("key-reset-always"))

    assert response["statusCode"] == 503
    assert_within_deadline(elapsed)
    assert 1 <= connect.calls <= 2
    assert count_payments(admin) == 0


# --- lock contention --------------------------------------------------------------------------


def test_a_row_lock_held_elsewhere_is_503_busy_within_the_deadline(
    make_service: MakeService, databases: Databases, admin: Connection, clean_payments: None
) -> None:
    service = make_service()
    warm, _ = timed(service, post_payment("key-lock-warm"))  # open the pooled connection
    blocker = databases.server.connect(PRIMARY_DB)
    try:
        blocker.run("BEGIN")
        blocker.run(
            "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, "
            "currency, merchant_reference, customer_reference, region) VALUES "
            "(gen_random_uuid(), 'client-a', 'key-lock-held', repeat('a', 64), 1, 'USD', 'm', "
            "'c', 'x')"
        )

        response, elapsed = timed(service, post_payment("key-lock-held"))

        blocker.run("ROLLBACK")
    finally:
        blocker.close()

    assert warm["statusCode"] == 201
    assert response["statusCode"] == 503
    assert error_code(response) == "database_busy"
    assert header(response, "Retry-After") == "1"
    assert_within_deadline(elapsed)
    assert elapsed > 1.0, "the statement waited for the lock until the deadline's timeout"
    assert count_payments(admin, "key-lock-held") == 0

    after, _ = timed(service, post_payment("key-lock-held"))
    assert after["statusCode"] == 201, "the connection is still usable after the cancel"
    assert count_payments(admin, "key-lock-held") == 1


# --- DynamoDB accepts and never answers -------------------------------------------------------


class NoStore:
    table_name = "none"

    def get(self, key: str) -> None:
        return None

    def put(self, key: str, result: object) -> None:
        return None

    def table_status(self) -> str:
        return "ACTIVE"


def service_without_cache(database: Database) -> PaymentService:
    """The payment service on ``database`` with no idempotency cache or session table."""
    return PaymentService(
        region=REGION,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=NoStore(),
        sessions_table=NoStore(),
    )


def _silent_dynamodb_service(make_database: MakeDatabase, silent: SilentServer) -> PaymentService:
    timeouts = CallTimeouts(connect_seconds=0.2, read_seconds=0.2)
    store = DynamoDbIdempotencyStore(
        dynamodb_client(REGION, timeouts, endpoint_url=silent.url), TABLE_NAME
    )
    database = make_database()
    return PaymentService(
        region=REGION,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=store,
        sessions_table=store,
        cache_guard=CacheGuard(call_seconds=timeouts.worst_case_seconds),
    )


def test_silent_dynamodb_costs_one_short_timeout_then_is_skipped(
    make_database: MakeDatabase, silent: SilentServer, admin: Connection, clean_payments: None
) -> None:
    service = _silent_dynamodb_service(make_database, silent)

    first, first_elapsed = timed(service, post_payment("key-ddb-silent-1"))
    second, second_elapsed = timed(service, post_payment("key-ddb-silent-2"))
    replay, _ = timed(service, post_payment("key-ddb-silent-1"))

    assert [first["statusCode"], second["statusCode"], replay["statusCode"]] == [201, 201, 201]
    assert header(replay, "Idempotent-Replayed") == "true"
    assert response_json(replay)["id"] == response_json(first)["id"]
    assert 0.2 <= first_elapsed < 0.6, "one GetItem read timeout (0.2 s), no retries"
    assert second_elapsed < 0.15, "the open circuit skips DynamoDB"
    assert silent.connections == 1
    assert count_payments(admin) == 2


def test_health_with_silent_dynamodb_is_200_degraded_and_fast(
    make_database: MakeDatabase, silent: SilentServer
) -> None:
    service = _silent_dynamodb_service(make_database, silent)

    first, first_elapsed = timed(service, api_event("GET", "/health"))
    again, again_elapsed = timed(service, api_event("GET", "/health"))

    assert first["statusCode"] == 200
    body = response_json(first)
    assert body["status"] == "degraded"
    assert body["can_serve_payments"] is True
    assert body["checks"]["dynamodb"] == {  # type: ignore[index]
        "ok": False,
        "table": TABLE_NAME,
        "error": "ReadTimeoutError",
    }
    assert first_elapsed < 0.6
    assert again["statusCode"] == 200
    assert response_json(again)["checks"]["dynamodb"]["error"] == "circuit_open"  # type: ignore[index]
    assert again_elapsed < 0.15


# --- Secrets Manager --------------------------------------------------------------------------


def _service_with_secrets(
    make_database: MakeDatabase, client_url: str, *, aws: AwsResources | None = None
) -> PaymentService:
    timeouts = CallTimeouts(connect_seconds=0.2, read_seconds=0.3)
    client = (
        secrets_manager_client(REGION, timeouts, endpoint_url=client_url)
        if aws is None
        else aws.secretsmanager
    )
    credentials = SecretCache(
        client,  # type: ignore[arg-type]
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf",
        call_seconds=timeouts.worst_case_seconds,
    )
    database = make_database(credentials=credentials)
    return service_without_cache(database)


def test_silent_secrets_manager_at_cold_start_is_503_secret_unavailable(
    make_database: MakeDatabase,
    silent: SilentServer,
    admin: Connection,
    clean_payments: None,
    log_stream: io.StringIO,
) -> None:
    service = _service_with_secrets(make_database, silent.url)

    response, elapsed = timed(service, post_payment("key-secret-silent"))

    assert response["statusCode"] == 503
    assert error_code(response) == "secret_unavailable"
    assert header(response, "Retry-After") == "5"
    assert_within_deadline(elapsed)
    assert silent.connections == 2, "two single attempts, each bounded by its timeouts"
    assert count_payments(admin) == 0
    lines = _lines(log_stream)
    unavailable = [line for line in lines if line["event"] == "secret_unavailable"]
    assert [line["component"] for line in unavailable] == ["payment_service.secrets"]
    assert not [line for line in lines if line["event"] == "database_unavailable"]


def test_secrets_manager_5xx_is_503_secret_unavailable(
    make_database: MakeDatabase, admin: Connection, clean_payments: None
) -> None:
    with ErrorServer(500, "InternalServiceError") as server:
        service = _service_with_secrets(make_database, server.url)  # type: ignore[attr-defined]
        response, elapsed = timed(service, post_payment("key-secret-5xx"))

    assert response["statusCode"] == 503
    assert error_code(response) == "secret_unavailable"
    assert elapsed < 0.5
    assert count_payments(admin) == 0


@pytest.mark.parametrize(
    ("secret", "code"),
    [
        (None, "secret_not_found"),
        ("not json at all s3cr3t", "secret_malformed"),
        ('{"username": "payments_app"}', "secret_malformed"),
    ],
)
def test_a_missing_or_malformed_secret_is_a_clear_500_without_traceback(
    make_database: MakeDatabase,
    aws: AwsResources,
    admin: Connection,
    clean_payments: None,
    log_stream: io.StringIO,
    secret: str | None,
    code: str,
) -> None:
    if secret is None:
        aws.secretsmanager.delete_secret(  # type: ignore[attr-defined]
            SecretId=aws.secret_arn, ForceDeleteWithoutRecovery=True
        )
    else:
        aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
            SecretId=aws.secret_arn, SecretString=secret
        )
    credentials = SecretCache(
        aws.secretsmanager,  # type: ignore[arg-type]
        aws.secret_arn,
        call_seconds=0.5,  # moto answers in-process; 0.5 s fits the 1.5 s deadline
    )
    database = make_database(credentials=credentials)
    service = service_without_cache(database)

    response, elapsed = timed(service, post_payment("key-secret-bad"))

    assert response["statusCode"] == 500
    assert error_code(response) == code
    assert "Traceback" not in str(response["body"])
    assert "s3cr3t" not in str(response["body"])
    assert "Traceback" not in log_stream.getvalue()
    assert "s3cr3t" not in log_stream.getvalue()
    assert elapsed < 0.5
    assert count_payments(admin) == 0


def test_a_working_secret_still_connects(
    make_database: MakeDatabase, aws: AwsResources, databases: Databases, clean_payments: None
) -> None:
    aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
        SecretId=aws.secret_arn,
        SecretString=json.dumps({"username": APP_USER, "password": databases.app_password}),
    )
    credentials = SecretCache(
        aws.secretsmanager,  # type: ignore[arg-type]
        aws.secret_arn,
        call_seconds=0.5,  # moto answers in-process; 0.5 s fits the 1.5 s deadline
    )
    database = make_database(credentials=credentials)
    service = service_without_cache(database)

    response, _ = timed(service, post_payment("key-secret-good"))

    assert response["statusCode"] == 201
