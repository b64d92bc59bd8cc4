"""Dependencies that are slow rather than silent: every answer still comes by the deadline.

A socket timeout bounds each wait for data; a peer that answers in slow chunks or a byte at a
time keeps every wait short and the call long. Real fault servers on 127.0.0.1
(tests/runtime/faults.py: :class:`SlowHttpServer`, :class:`FaultProxy` with ``chunk_delay`` or
``trickle``) and a resolver whose lookups hang as the C library's do stand in for DynamoDB,
Secrets Manager, the database and DNS. As in tests/runtime/test_faults.py the Lambda context
says 2.5 s remain (deadline 1.5 s after the 1 s margin): the clock is scaled, the logic is the
one deployed. ``make bench`` runs the same faults against the production timeouts.

Each test also checks that what the request opened is gone when it has answered: the
connections to the slow peer (from ``/proc``) and the threads (other than the fault servers').
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from pg8000.exceptions import DatabaseError as PgDatabaseError  # type: ignore[import-untyped]

from payment_service import resolver
from payment_service.api import PaymentService
from payment_service.aws import CallTimeouts, dynamodb_client, secrets_manager_client
from payment_service.connection import (
    Connection,
    ConnectionFactory,
    ConnectParams,
    pg8000_connect,
)
from payment_service.db import Database
from payment_service.deadline import Deadline
from payment_service.failover.clients import boto3_client
from payment_service.idempotency_cache import CacheGuard, DynamoDbIdempotencyStore
from payment_service.repository import PaymentRepository
from payment_service.resolver import AddressInfo, EndpointNames, HostResolver
from payment_service.secrets import SecretCache
from payment_service.writer import RDS_CALL_TIMEOUTS, GlobalWriterStatus, WriteFence
from tests.runtime.conftest import (
    REGION,
    TABLE_NAME,
    AwsResources,
    Databases,
    MakeDatabase,
    count_payments,
)
from tests.runtime.events import api_event, error_code, header, post_payment, response_json
from tests.runtime.faults import (
    BlackHole,
    ErrorServer,
    FaultProxy,
    SlowHttpServer,
    client_sockets_to,
)
from tests.runtime.postgres import free_port
from tests.runtime.test_faults import (
    DEADLINE_SECONDS,
    assert_within_deadline,
    service_without_cache,
    timed,
)

#: The client timeouts of the scaled tests: each read waits at most 0.25 s, so a peer sending
#: something every 0.05 s or 0.2 s never trips them.
DDB_TIMEOUTS = CallTimeouts(connect_seconds=0.25, read_seconds=0.25)
SECRET_TIMEOUTS = CallTimeouts(connect_seconds=0.2, read_seconds=0.3)


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name != "fault-server"]


@pytest.fixture
def threads_at_baseline() -> Iterator[None]:
    """Fails the test when it ends with more threads than it started with."""
    before = {t.ident for t in _request_threads()}
    yield
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        extra = [t for t in _request_threads() if t.ident not in before]
        if not extra:
            return
        time.sleep(0.05)
    pytest.fail(f"threads left behind: {[t.name for t in extra]}")


def _dynamodb_service(database: Database, endpoint_url: str | None) -> PaymentService:
    """The service on ``database`` with the DynamoDB store at ``endpoint_url`` (``None``: the
    region's real endpoint name), with the scaled client timeouts."""
    store = DynamoDbIdempotencyStore(
        dynamodb_client(REGION, DDB_TIMEOUTS, endpoint_url=endpoint_url), TABLE_NAME
    )
    return PaymentService(
        region=REGION,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=store,
        sessions_table=store,
        cache_guard=CacheGuard(call_seconds=DDB_TIMEOUTS.worst_case_seconds),
    )


def _put_item_only(target: str) -> dict[str, object] | None:
    """GetItem answers at once (no record); PutItem's answer comes slowly."""
    return {} if target.endswith(".PutItem") else None


def _get_item_only(target: str) -> dict[str, object] | None:
    return {} if target.endswith(".GetItem") else None


# --- DynamoDB ----------------------------------------------------------------------------------


def test_dynamodb_trickling_the_put_after_the_commit_never_turns_the_201_into_an_error(
    make_database: MakeDatabase, admin: Connection, clean_payments: None, threads_at_baseline: None
) -> None:
    """The record write follows the commit: it is cut at its bound and the client gets 201."""
    server = SlowHttpServer(_put_item_only, delay=0.05)  # a byte every 50 ms
    with server:
        service = _dynamodb_service(make_database(), server.url)

        response, elapsed = timed(service, post_payment("key-ddb-trickle-put"))

        assert response["statusCode"] == 201
        assert_within_deadline(elapsed)
        assert elapsed < 1.0, "the PutItem was cut at its 0.5 s bound"
        assert server.requests == ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.PutItem"]
        assert client_sockets_to(server.port) == 0, "the interrupted connection was closed"
    assert count_payments(admin, "key-ddb-trickle-put") == 1


def test_dynamodb_answering_get_item_in_slow_chunks_costs_at_most_the_call_bound(
    make_database: MakeDatabase, admin: Connection, clean_payments: None, threads_at_baseline: None
) -> None:
    # 8 bytes every 0.2 s: each read is answered within its 0.25 s timeout, the whole answer
    # would take about 4 s.
    server = SlowHttpServer(_get_item_only, delay=0.2, chunk_size=8)
    with server:
        service = _dynamodb_service(make_database(), server.url)

        response, elapsed = timed(service, post_payment("key-ddb-slow-get"))

        assert response["statusCode"] == 201
        assert elapsed < 1.0, f"answered after {elapsed:.2f} s"
        assert client_sockets_to(server.port) == 0
    assert count_payments(admin, "key-ddb-slow-get") == 1


# --- Secrets Manager ---------------------------------------------------------------------------


def _secret_answer(target: str) -> dict[str, object] | None:
    if not target.endswith(".GetSecretValue"):
        return None
    return {
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf",
        "Name": "payments-db",
        "SecretString": '{"username": "payments_app", "password": "never-used"}',
        "VersionId": "v1",
    }


def _secret_service(make_database: MakeDatabase, server: SlowHttpServer) -> PaymentService:
    client = secrets_manager_client(REGION, SECRET_TIMEOUTS, endpoint_url=server.url)
    credentials = SecretCache(
        client,
        "payments-db",
        call_seconds=SECRET_TIMEOUTS.worst_case_seconds,
    )
    return service_without_cache(make_database(credentials=credentials))


def test_secrets_manager_trickling_at_a_cold_start_answers_503_by_the_deadline(
    make_database: MakeDatabase, admin: Connection, clean_payments: None, threads_at_baseline: None
) -> None:
    server = SlowHttpServer(_secret_answer, delay=0.05)
    with server:
        service = _secret_service(make_database, server)

        response, elapsed = timed(service, post_payment("key-secret-trickle"))

        assert response["statusCode"] == 503
        assert error_code(response) == "secret_unavailable"
        assert header(response, "Retry-After") == "5"
        assert_within_deadline(elapsed)
        assert server.requests == ["secretsmanager.GetSecretValue"] * 2, "two bounded attempts"
        assert client_sockets_to(server.port) == 0
    assert count_payments(admin) == 0


def test_a_secrets_manager_answer_cut_after_the_status_line_is_unavailable_not_malformed(
    make_database: MakeDatabase, threads_at_baseline: None
) -> None:
    """The cut answer reaches botocore as an empty 200; it has no ARN, so it is retried and
    then reported as unavailable (503), never as a broken secret (500 secret_malformed)."""
    server = SlowHttpServer(_secret_answer, delay=0.0, cut_after_status=True)
    with server:
        service = _secret_service(make_database, server)

        response, elapsed = timed(service, post_payment("key-secret-cut"))

        assert response["statusCode"] == 503
        assert error_code(response) == "secret_unavailable"
        assert_within_deadline(elapsed)
        assert len(server.requests) == 2


# --- the database ----------------------------------------------------------------------------


@pytest.fixture
def proxy(databases: Databases) -> Iterator[FaultProxy]:
    with FaultProxy(databases.server.port) as relay:
        yield relay  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fault", "setting"),
    [("chunk_delay", 0.3), ("trickle", 0.01)],
    ids=["slow-chunks", "trickle"],
)
def test_a_slow_database_answers_503_by_the_deadline_and_the_connection_is_replaced(
    make_database: MakeDatabase,
    proxy: FaultProxy,
    admin: Connection,
    clean_payments: None,
    threads_at_baseline: None,
    fault: str,
    setting: float,
) -> None:
    """Each chunk comes within the statement's socket timeout; the transaction would take
    seconds. It is cut at the deadline: 503, and nothing acknowledged that was not committed."""
    service = service_without_cache(make_database(port=proxy.port))
    warm, _ = timed(service, post_payment("key-slow-db-warm"))
    assert warm["statusCode"] == 201

    setattr(proxy, fault, setting)
    response, elapsed = timed(service, post_payment("key-slow-db"))

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"
    assert header(response, "Retry-After") == "5"
    assert_within_deadline(elapsed)
    assert elapsed > DEADLINE_SECONDS - 0.3, "the statements used the budget"
    assert client_sockets_to(proxy.port) == 0, "the interrupted connection was closed"

    setattr(proxy, fault, None)
    after, _ = timed(service, post_payment("key-slow-db"))
    assert after["statusCode"] == 201, "a new connection serves the retry"
    assert count_payments(admin, "key-slow-db") == 1


# --- the server's connection slots are taken (SQLSTATE 53300) ------------------------------


def test_too_many_connections_is_retried_then_503_with_retry_after(
    make_database: MakeDatabase,
) -> None:
    attempts: list[str] = []

    def full(params: ConnectParams) -> Connection:
        attempts.append(params.host)
        raise PgDatabaseError({"S": "FATAL", "C": "53300", "M": "sorry, too many clients already"})

    service = service_without_cache(make_database(connect=full))

    response, elapsed = timed(service, post_payment("key-slots-taken"))

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"
    assert header(response, "Retry-After") == "5"
    assert len(attempts) == 3, "retried with backoff (3 attempts), not given up at once"
    assert_within_deadline(elapsed)


def test_a_server_out_of_memory_answers_503_without_a_retry(
    make_database: MakeDatabase,
) -> None:
    attempts: list[str] = []

    def out_of_memory(params: ConnectParams) -> Connection:
        attempts.append(params.host)
        raise PgDatabaseError({"S": "FATAL", "C": "53200", "M": "out of memory"})

    response, _ = timed(
        service_without_cache(make_database(connect=out_of_memory)),
        post_payment("key-out-of-memory"),
    )

    assert response["statusCode"] == 503
    assert error_code(response) == "database_unavailable"
    assert len(attempts) == 1


# --- DNS ----------------------------------------------------------------------------------------

#: The fake resolver's retransmission interval and attempts, scaled down from glibc's 5 s and 2.
RETRANSMIT_SECONDS = 0.6
ATTEMPTS = 2


class HangingDns:
    """Lookups of a resolver that stops answering, as the C library sees it.

    While ``down``, a lookup gets no answer: it waits for its next retransmission, and fails
    with ``EAI_AGAIN`` after ``ATTEMPTS`` of them. A lookup in progress when the resolver
    recovers is answered at its next retransmission, not at once: it is not woken up.
    """

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.recovered_at: float | None = None
        self.started = 0

    @property
    def down(self) -> bool:
        return self.recovered_at is None

    def go_down(self) -> None:
        self.recovered_at = None

    def recover(self) -> None:
        self.recovered_at = time.monotonic()

    def lookup(self, host: str, port: int) -> list[AddressInfo]:
        self.started += 1
        began = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            if self.recovered_at is not None and self.recovered_at <= time.monotonic():
                break
            time.sleep(max(0.0, began + attempt * RETRANSMIT_SECONDS - time.monotonic()))
        else:
            if self.recovered_at is None or self.recovered_at > time.monotonic():
                raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", self.address)]


def _resolving_connect(resolver: HostResolver) -> ConnectionFactory:
    def connect(params: ConnectParams) -> Connection:
        return pg8000_connect(replace(params, resolver=resolver))

    return connect


def test_a_hung_resolver_never_holds_a_request_and_writes_resume_within_a_second_of_recovery(
    make_database: MakeDatabase, databases: Databases, admin: Connection, clean_payments: None
) -> None:
    dns = HangingDns(("127.0.0.1", databases.server.port))
    resolver = HostResolver(dns.lookup)
    # "localhost": the name the test server's certificate holds; TLS still checks it.
    service = service_without_cache(
        make_database(host="localhost", connect=_resolving_connect(resolver))
    )
    before = len(_request_threads())

    during, elapsed = timed(service, post_payment("key-dns-hung"))

    assert during["statusCode"] == 503
    assert error_code(during) == "database_unavailable"
    assert_within_deadline(elapsed)
    assert resolver.in_flight("localhost", databases.server.port) >= 1, "lookups still hang"

    dns.recover()
    after, _ = timed(service, post_payment("key-dns-hung"))
    resumed_after = time.monotonic() - (dns.recovered_at or 0.0)

    assert after["statusCode"] == 201
    assert resumed_after < 1.0, f"writes resumed {resumed_after:.2f} s after DNS answered"
    assert count_payments(admin, "key-dns-hung") == 1
    # The hung lookups end at their next retransmission; then no thread is left.
    end = time.monotonic() + ATTEMPTS * RETRANSMIT_SECONDS + 1.0
    while len(_request_threads()) > before and time.monotonic() < end:
        time.sleep(0.05)
    assert len(_request_threads()) == before


def test_lookups_in_flight_are_bounded_while_the_resolver_hangs() -> None:
    release = threading.Event()

    def hang(host: str, port: int) -> list[AddressInfo]:
        release.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    resolver = HostResolver(hang, restart_after_seconds=0.0, max_lookups=3)
    try:
        for _ in range(6):
            with pytest.raises(TimeoutError):
                resolver.resolve("db.example.internal", 5432, 0.02)
        assert resolver.in_flight("db.example.internal", 5432) == 3
    finally:
        release.set()


def test_a_lookup_that_started_recently_is_joined_not_repeated() -> None:
    calls: list[str] = []
    gate = threading.Event()

    def slow(host: str, port: int) -> list[AddressInfo]:
        calls.append(host)
        gate.wait(1)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    resolver = HostResolver(slow)
    with pytest.raises(TimeoutError):
        resolver.resolve("db.example.internal", 5432, 0.05)
    threading.Timer(0.05, gate.set).start()
    answer = resolver.resolve("db.example.internal", 5432, 1.0)

    assert answer[0][4] == ("127.0.0.1", 5432)
    assert calls == ["db.example.internal"], "the second request joined the lookup in flight"


# --- GET /health within Route 53's 2 s, whatever is slow ----------------------------------


@pytest.mark.parametrize(
    "faults",
    [("dns",), ("database",), ("dynamodb",), ("dns", "database", "dynamodb")],
    ids=["dns-hung", "database-trickles", "dynamodb-trickles", "all-three"],
)
def test_health_answers_within_route53s_two_seconds_whatever_is_slow(
    make_database: MakeDatabase,
    databases: Databases,
    proxy: FaultProxy,
    aws: AwsResources,
    faults: tuple[str, ...],
) -> None:
    """Route 53 expects the status "within two seconds after connecting" (Route 53 Developer
    Guide, "How Route 53 determines whether a health check is healthy"). The health budget is
    1.5 s; here the request's own deadline is larger (2.5 s context), so the budget decides."""
    dns = HangingDns(("127.0.0.1", proxy.port))
    if "dns" not in faults:
        dns.recover()
    resolver = HostResolver(dns.lookup)
    if "database" in faults:
        proxy.trickle = 0.01
    server = SlowHttpServer(
        lambda target: {"Table": {"TableStatus": "ACTIVE"}} if "dynamodb" in faults else None,
        delay=0.05,
    )
    with server:
        database = make_database(
            host="localhost",
            port=proxy.port,
            connect=_resolving_connect(resolver),
        )
        service = _dynamodb_service(database, server.url)

        response, elapsed = timed(service, api_event("GET", "/health"))

    assert elapsed < 1.5 + 0.25, f"answered after {elapsed:.2f} s"
    body = response_json(response)
    if "dns" in faults or "database" in faults:
        assert response["statusCode"] == 503
        # The /health contract (payment_service.health): a database that did not answer
        # within the budget is "slow", which the orchestrator never reads as a broken API.
        assert body["database"] == "slow"
    else:
        assert response["statusCode"] == 200
        assert body["status"] == "degraded"


# --- the RDS API the write fence asks -------------------------------------------------------


def test_a_trickling_rds_api_never_holds_a_write_past_the_fences_wait() -> None:
    """DescribeGlobalClusters runs in the fence's one worker thread; a request waits for it at
    most until the call is CALL_WAIT_SECONDS (0.5 s) old and then lets the database decide.
    While that call trickles on, no second call starts and later requests do not wait."""
    server = SlowHttpServer(lambda target: {"trickled": True}, delay=0.05)
    with server:
        rds = boto3_client("rds", REGION, RDS_CALL_TIMEOUTS.limits(), endpoint_url=server.url)
        status = GlobalWriterStatus(rds, "payments-global", REGION, "payments-use1")
        fence = WriteFence(REGION, "payments-use1", "writer.example.internal", status)

        started = time.monotonic()
        first = fence.approve(Deadline.after(DEADLINE_SECONDS))
        first_elapsed = time.monotonic() - started
        started = time.monotonic()
        second = fence.approve(Deadline.after(DEADLINE_SECONDS))
        second_elapsed = time.monotonic() - started

        assert first == second == "writer.example.internal", "the database decides meanwhile"
        assert 0.45 <= first_elapsed < 0.7
        assert second_elapsed < 0.05
        assert len(server.requests) == 1, "one call in flight at a time"


# --- every AWS dependency x every fault --------------------------------------------------------

FAULTS = ("black-hole", "slow-chunks", "trickle", "500", "reset", "cut-mid-headers")


def _answer_everything(target: str) -> dict[str, object]:
    """A valid answer for each operation the API calls (sent slowly, or cut)."""
    if target.endswith(".GetSecretValue"):
        secret = _secret_answer(target)
        assert secret is not None
        return secret
    return {}  # GetItem without an item, PutItem, DescribeGlobalClusters (unparsed)


@contextmanager
def _faulty_endpoint(fault: str) -> Iterator[str]:
    """The URL of a local endpoint that misbehaves as ``fault`` says."""
    server: BlackHole | SlowHttpServer | ErrorServer | FaultProxy
    if fault == "black-hole":
        server = BlackHole()
    elif fault == "slow-chunks":
        server = SlowHttpServer(_answer_everything, delay=0.2, chunk_size=8)
    elif fault == "trickle":
        server = SlowHttpServer(_answer_everything, delay=0.05)
    elif fault == "500":
        server = ErrorServer(500, "InternalServerError")
    elif fault == "reset":
        server = FaultProxy(free_port())  # nothing listens upstream: every connection is reset
    else:
        server = SlowHttpServer(_answer_everything, delay=0.0, cut_after_status=True)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.close()


@pytest.mark.parametrize("fault", FAULTS)
def test_dynamodb_faults_never_cost_the_client_its_201(
    make_database: MakeDatabase,
    admin: Connection,
    clean_payments: None,
    threads_at_baseline: None,
    fault: str,
) -> None:
    key = f"key-ddb-{fault}"
    with _faulty_endpoint(fault) as url:
        database = make_database()
        service = _dynamodb_service(database, url)

        response, elapsed = timed(service, post_payment(key))

    assert response["statusCode"] == 201
    assert elapsed < DDB_TIMEOUTS.worst_case_seconds + 0.3, f"answered after {elapsed:.2f} s"
    assert count_payments(admin, key) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_secrets_manager_faults_answer_503_secret_unavailable_by_the_deadline(
    make_database: MakeDatabase, threads_at_baseline: None, fault: str
) -> None:
    with _faulty_endpoint(fault) as url:
        client = secrets_manager_client(REGION, SECRET_TIMEOUTS, endpoint_url=url)
        database = make_database(
            credentials=SecretCache(
                client, "payments-db", call_seconds=SECRET_TIMEOUTS.worst_case_seconds
            )
        )

        response, elapsed = timed(
            service_without_cache(database), post_payment(f"key-secret-{fault}")
        )

    assert response["statusCode"] == 503
    assert error_code(response) == "secret_unavailable"
    assert header(response, "Retry-After") == "5"
    assert_within_deadline(elapsed)


@pytest.mark.parametrize("fault", FAULTS)
def test_rds_api_faults_never_hold_a_write_past_the_fences_wait(fault: str) -> None:
    with _faulty_endpoint(fault) as url:
        rds = boto3_client("rds", REGION, RDS_CALL_TIMEOUTS.limits(), endpoint_url=url)
        status = GlobalWriterStatus(rds, "payments-global", REGION, "payments-use1")
        fence = WriteFence(REGION, "payments-use1", "writer.example.internal", status)

        started = time.monotonic()
        host = fence.approve(Deadline.after(DEADLINE_SECONDS))
        elapsed = time.monotonic() - started

    assert host == "writer.example.internal", "no answer: the database decides"
    assert elapsed < 0.7, f"waited {elapsed:.2f} s"


# --- DNS of the AWS endpoints ------------------------------------------------------------------


class HungNames:
    """Every lookup of ``hung`` hangs until released; other names resolve to 127.0.0.1."""

    def __init__(self, hung: str, port: int) -> None:
        self.hung = hung
        self.port = port
        self.release = threading.Event()
        self.asked: list[str] = []

    def lookup(self, host: str, port: int) -> list[AddressInfo]:
        self.asked.append(host)
        if host == self.hung:
            self.release.wait(10)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", self.port))]


def test_a_hung_lookup_of_the_dynamodb_endpoint_never_holds_the_payment(
    make_database: MakeDatabase,
    admin: Connection,
    clean_payments: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's own getaddrinfo cannot be interrupted: the endpoint's name is looked up first,
    within the call's bound, and the call is skipped when it does not answer."""
    names = HungNames("dynamodb.us-east-1.amazonaws.com", 443)
    monkeypatch.setattr(resolver, "ENDPOINT_NAMES", EndpointNames(HostResolver(names.lookup)))
    service = _dynamodb_service(make_database(), None)  # the real endpoint name
    try:
        response, elapsed = timed(service, post_payment("key-ddb-dns-hung"))
    finally:
        names.release.set()

    assert response["statusCode"] == 201
    assert elapsed < DDB_TIMEOUTS.connect_seconds + 0.3, f"answered after {elapsed:.2f} s"
    assert names.asked == ["dynamodb.us-east-1.amazonaws.com"], "one lookup, then the breaker"
    assert count_payments(admin, "key-ddb-dns-hung") == 1


def test_a_hung_lookup_of_the_secrets_manager_endpoint_is_503_by_the_deadline(
    make_database: MakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = HungNames("secretsmanager.us-east-1.amazonaws.com", 443)
    monkeypatch.setattr(resolver, "ENDPOINT_NAMES", EndpointNames(HostResolver(names.lookup)))
    client = secrets_manager_client(REGION, SECRET_TIMEOUTS)
    database = make_database(
        credentials=SecretCache(
            client, "payments-db", call_seconds=SECRET_TIMEOUTS.worst_case_seconds
        )
    )
    try:
        response, elapsed = timed(service_without_cache(database), post_payment("key-sm-dns"))
    finally:
        names.release.set()

    assert response["statusCode"] == 503
    assert error_code(response) == "secret_unavailable"
    assert_within_deadline(elapsed)
    assert set(names.asked) == {"secretsmanager.us-east-1.amazonaws.com"}


def test_an_endpoint_name_that_answered_is_not_looked_up_again_for_five_seconds() -> None:
    asked: list[str] = []
    now = [100.0]

    def lookup(host: str, port: int) -> list[AddressInfo]:
        asked.append(f"{host}:{port}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    names = EndpointNames(HostResolver(lookup), clock=lambda: now[0])
    names.check("https://dynamodb.us-east-2.amazonaws.com", 0.5)
    now[0] += 4.9
    names.check("https://dynamodb.us-east-2.amazonaws.com", 0.5)
    names.check("http://127.0.0.1:8000", 0.5)  # an address: nothing to look up
    now[0] += 0.1
    names.check("https://dynamodb.us-east-2.amazonaws.com", 0.5)

    assert asked == ["dynamodb.us-east-2.amazonaws.com:443"] * 2
