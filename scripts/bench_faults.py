"""Fault table: how the payment API answers when a dependency misbehaves, and how fast.

The real handler (``PaymentService.handle``) with the production settings (the defaults of
``payment_service.config``: DB connect timeout 5 s, statement timeout 5 s, deadline margin
1 s, DynamoDB timeouts 0.25 s, health budget 1.5 s; the production Secrets Manager client
timeouts) and a Lambda context that reports the production API function timeout (read from the
default environment's synthesized stacks) as the remaining time.
Faults come from real servers on 127.0.0.1 (tests/runtime/faults.py) and a local PostgreSQL
over TLS; moto stands in for a Secrets Manager that answers "not found" or a malformed secret.

    python scripts/bench_faults.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from doc_sections import replace_section  # noqa: E402

from payment_service import authorizer  # noqa: E402
from payment_service.api import PaymentService  # noqa: E402
from payment_service.aws import (  # noqa: E402
    SECRETS_MANAGER_TIMEOUTS,
    dynamodb_client,
    secrets_manager_client,
)
from payment_service.config import DatabaseSettings  # noqa: E402
from payment_service.connection import Connection, ConnectParams, pg8000_connect  # noqa: E402
from payment_service.db import Database  # noqa: E402
from payment_service.idempotency_cache import (  # noqa: E402
    DEFAULT_CACHE_TIMEOUTS,
    CacheGuard,
    DynamoDbIdempotencyStore,
)
from payment_service.logging import configure_logging  # noqa: E402
from payment_service.repository import PaymentRepository  # noqa: E402
from payment_service.resolver import AddressInfo, HostResolver  # noqa: E402
from payment_service.secrets import (  # noqa: E402
    CredentialsProvider,
    DbCredentials,
    SecretCache,
    StaticCredentials,
)
from tests.runtime.events import (  # noqa: E402
    api_event,
    error_code,
    post_payment,
    response_json,
)
from tests.runtime.faults import (  # noqa: E402
    CLEARTEXT,
    BlackHole,
    ErrorServer,
    FakePostgresAuth,
    FaultProxy,
    SilentServer,
    SlowHttpServer,
)
from tests.runtime.postgres import (  # noqa: E402
    PostgresServer,
    PostgresUnavailableError,
    create_migrated_databases,
    create_server,
    remove,
)

SECTION = "bench-faults"
HEADING = "Dependency faults"
APP_USER = "payments_app"
DATABASE = "payments"
REGION = "us-east-1"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf"  # noqa: S105


API_FUNCTION = "payment-processing-payment-api-"
AUTHORIZER_FUNCTION = "payment-processing-payment-auth-"


def deployed_timeouts() -> dict[str, int]:
    """The API and authorizer function timeouts of the default environment, read from its
    synthesized stacks (``payment-dr-synth`` into a temporary directory; both regions must
    agree). The other settings are the defaults of ``payment_service.config``: the stacks set
    none of them."""
    synth = Path(sys.executable).parent / "payment-dr-synth"
    with tempfile.TemporaryDirectory(prefix="bench-faults-synth-") as outdir:
        command = [str(synth), "--outdir", outdir]  # the workspace's own synth entry point
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
        found: dict[str, set[int]] = {API_FUNCTION: set(), AUTHORIZER_FUNCTION: set()}
        for path in sorted(Path(outdir, "stacks").glob("*/cdk.tf.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            functions = document.get("resource", {}).get("aws_lambda_function", {})
            for body in functions.values():
                name = str(body.get("function_name", ""))
                for prefix, timeouts in found.items():
                    if name.startswith(prefix):
                        timeouts.add(int(body["timeout"]))
    result: dict[str, int] = {}
    for prefix, timeouts in found.items():
        if len(timeouts) != 1:
            raise RuntimeError(f"{prefix}*: expected one timeout in both regions, got {timeouts}")
        result[prefix] = timeouts.pop()
    return result


def function_timeout_seconds() -> int:
    """The production API function timeout, from the synthesized stacks."""
    return deployed_timeouts()[API_FUNCTION]


class LambdaContext:
    def __init__(self, remaining_seconds: float) -> None:
        self._expires = time.monotonic() + remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._expires - time.monotonic()) * 1000))


@dataclasses.dataclass(frozen=True)
class Row:
    fault: str
    request: str
    status: str
    seconds: float
    expected: str | None = None
    """The status documented for this fault (``201``, ``503 `database_unavailable```...)."""
    within: float | None = None
    """The answer must come within this many seconds (the deadline, or /health's budget)."""

    @property
    def failure(self) -> str | None:
        """Why this row fails the benchmark, if it does."""
        if self.expected is not None and self.status != self.expected:
            return f"{self.fault}: {self.status}, expected {self.expected}"
        if self.within is not None and self.seconds > self.within:
            return f"{self.fault}: answered after {self.seconds:.2f} s (within {self.within} s)"
        return None


class Bench:
    def __init__(self, server: PostgresServer, password: str, timeout: int) -> None:
        self.server = server
        self.password = password
        self.timeout = timeout
        self.rows: list[Row] = []
        self._databases: list[Database] = []

    def database(
        self,
        port: int | None = None,
        credentials: CredentialsProvider | None = None,
        *,
        host: str | None = None,
        resolver: HostResolver | None = None,
    ) -> Database:
        def connect(params: ConnectParams) -> Connection:
            return pg8000_connect(dataclasses.replace(params, resolver=resolver))

        database = Database(
            DatabaseSettings(
                host=host or self.server.host,
                port=port or self.server.port,
                name=DATABASE,
                secret_arn=SECRET_ARN,
                ca_bundle=self.server.ca_file,
            ),
            credentials or StaticCredentials(DbCredentials(APP_USER, self.password)),
            connect=connect,
        )
        self._databases.append(database)
        return database

    def service(
        self,
        database: Database,
        *,
        dynamodb_url: str | None = None,
    ) -> PaymentService:
        store = _MemoryStore()
        guard = CacheGuard()
        if dynamodb_url is not None:
            client = dynamodb_client(REGION, DEFAULT_CACHE_TIMEOUTS, endpoint_url=dynamodb_url)
            ddb = DynamoDbIdempotencyStore(client, "payment-processing-sessions-bench")
            return PaymentService(
                region=REGION,
                repository=PaymentRepository(database),
                database=database,
                idempotency_store=ddb,
                sessions_table=ddb,
                cache_guard=guard,
            )
        return PaymentService(
            region=REGION,
            repository=PaymentRepository(database),
            database=database,
            idempotency_store=store,
            sessions_table=store,
            cache_guard=guard,
        )

    def measure(
        self,
        fault: str,
        service: PaymentService,
        event: dict[str, object],
        expected: str | None = None,
    ) -> None:
        started = time.monotonic()
        response = service.handle(event, LambdaContext(self.timeout))
        elapsed = time.monotonic() - started
        status = response["statusCode"]
        assert isinstance(status, int)
        body = response_json(response)
        label = str(status)
        if "error" in body:
            label += f" `{error_code(response)}`"
        elif "role" in body:  # GET /health
            label += f" `{body['status']}`"
        request = f"{event['httpMethod']} {event['path']}"
        # The request deadline (function timeout minus the 1 s margin) and 0.25 s to answer;
        # /health: its 1.5 s budget, under Route 53's 2 s.
        within = 1.75 if event["path"] == "/health" else self.timeout - 1 + 0.25
        self.rows.append(Row(fault, request, label, elapsed, expected, within))
        print(f"{fault:70} {request:15} {label:35} {elapsed:6.2f} s", flush=True)

    def close(self) -> None:
        for database in self._databases:
            database.close()


class _MemoryStore:
    table_name = "payment-processing-sessions-bench"

    def __init__(self) -> None:
        self._records: dict[str, object] = {}

    def get(self, key: str) -> None:
        return None

    def put(self, key: str, result: object) -> None:
        self._records[key] = result

    def table_status(self) -> str:
        return "ACTIVE"


@contextmanager
def postgres() -> Iterator[tuple[PostgresServer, str]]:
    server = create_server()
    server.start()
    try:
        # The same setup as the tests': the migrations create a role, so the role that runs
        # them may create roles, like Aurora's master user.
        yield server, create_migrated_databases(server, APP_USER, (DATABASE,))
    finally:
        server.stop()
        remove(server)


def run_faults(bench: Bench) -> None:
    key = iter(f"bench-fault-{n:04d}" for n in range(1000))
    post: Callable[[], dict[str, object]] = lambda: post_payment(next(key))  # noqa: E731
    health = api_event("GET", "/health")

    with SilentServer() as silent:
        service = bench.service(bench.database(), dynamodb_url=silent.url)  # type: ignore[attr-defined]
        ddb = "DynamoDB accepts connections, never answers"
        bench.measure(f"{ddb} (first request)", service, post())
        bench.measure(f"{ddb} (circuit open)", service, post())
        bench.measure(ddb, service, health)

    with BlackHole() as hole:
        service = bench.service(bench.database(port=hole.port))  # type: ignore[attr-defined]
        bench.measure("Database host black-holed", service, post())
        bench.measure("Database host black-holed", service, health)

    with FaultProxy(bench.server.port) as proxy:
        service = bench.service(bench.database(port=proxy.port))  # type: ignore[attr-defined]
        service.handle(post(), LambdaContext(bench.timeout))
        proxy.silent = True  # type: ignore[attr-defined]
        bench.measure("Database goes silent under an open pooled connection", service, post())

    with FaultProxy(bench.server.port, reset_idle_after=0.3) as proxy:
        service = bench.service(bench.database(port=proxy.port))  # type: ignore[attr-defined]
        service.handle(post(), LambdaContext(bench.timeout))
        time.sleep(0.6)
        bench.measure("TCP reset on the idle pooled connection", service, post())

    blocker = bench.server.connect(DATABASE)
    try:
        service = bench.service(bench.database())
        service.handle(post(), LambdaContext(bench.timeout))
        blocker.run("BEGIN")
        blocker.run(
            "INSERT INTO payments (id, client_id, idempotency_key, request_hash, amount, "
            "currency, merchant_reference, customer_reference, region) VALUES "
            "(gen_random_uuid(), 'client-a', 'bench-locked-key', repeat('a', 64), 1, 'USD', "
            "'m', 'c', 'x')"
        )
        bench.measure(
            "Row lock held elsewhere (statement timeout, 57014)",
            service,
            post_payment("bench-locked-key"),
        )
        blocker.run("ROLLBACK")
    finally:
        blocker.close()

    with SilentServer() as silent:
        client = secrets_manager_client(REGION, endpoint_url=silent.url)  # type: ignore[attr-defined]
        cache = SecretCache(client, SECRET_ARN)
        service = bench.service(bench.database(credentials=cache))
        bench.measure("Secrets Manager not answering at cold start", service, post())

    with ErrorServer(500, "InternalServiceError") as failing:
        client = secrets_manager_client(REGION, endpoint_url=failing.url)  # type: ignore[attr-defined]
        service = bench.service(bench.database(credentials=SecretCache(client, SECRET_ARN)))
        bench.measure("Secrets Manager answers 500 InternalServiceError", service, post())

    run_secret_misconfigurations(bench, post)
    run_slow_faults(bench, post, health)

    tls = bench.server.base_dir / "tls"
    with FakePostgresAuth(CLEARTEXT, tls / "server.crt", tls / "server.key") as fake:
        service = bench.service(bench.database(port=fake.port))  # type: ignore[attr-defined]
        bench.measure("Server asks for a cleartext password (password not sent)", service, health)


def _put_item_slowly(target: str) -> dict[str, object] | None:
    return {} if target.endswith(".PutItem") else None


def _get_item_slowly(target: str) -> dict[str, object] | None:
    return {} if target.endswith(".GetItem") else None


def _secret_slowly(target: str) -> dict[str, object] | None:
    return {"ARN": SECRET_ARN, "Name": "payments-db", "SecretString": "{}", "VersionId": "v1"}


def run_slow_faults(
    bench: Bench, post: Callable[[], dict[str, object]], health: dict[str, object]
) -> None:
    """Dependencies that answer slowly rather than not at all: each read comes within its
    socket timeout, the whole answer would not come before the function timeout."""
    unavailable = "503 `database_unavailable`"
    with SlowHttpServer(_put_item_slowly, delay=0.2) as slow:
        service = bench.service(bench.database(), dynamodb_url=slow.url)  # type: ignore[attr-defined]
        bench.measure(
            "DynamoDB trickles the PutItem after the commit (a byte every 0.2 s)",
            service,
            post(),
            "201",
        )
    with SlowHttpServer(_get_item_slowly, delay=0.2) as slow:
        service = bench.service(bench.database(), dynamodb_url=slow.url)  # type: ignore[attr-defined]
        bench.measure("DynamoDB trickles GetItem (a byte every 0.2 s)", service, post(), "201")
    with SlowHttpServer(_get_item_slowly, delay=0.2, chunk_size=8) as slow:
        service = bench.service(bench.database(), dynamodb_url=slow.url)  # type: ignore[attr-defined]
        bench.measure(
            "DynamoDB answers GetItem in slow chunks (8 bytes every 0.2 s)", service, post(), "201"
        )

    with FaultProxy(bench.server.port) as proxy:
        service = bench.service(bench.database(port=proxy.port))  # type: ignore[attr-defined]
        service.handle(post(), LambdaContext(bench.timeout))
        proxy.chunk_delay = 2.0  # type: ignore[attr-defined]
        bench.measure("Database network slow (2 s per server chunk)", service, post(), unavailable)
        bench.measure("Database network slow (2 s per server chunk)", service, health)
    with FaultProxy(bench.server.port) as proxy:
        service = bench.service(bench.database(port=proxy.port))  # type: ignore[attr-defined]
        service.handle(post(), LambdaContext(bench.timeout))
        proxy.trickle = 0.05  # type: ignore[attr-defined]
        bench.measure("Database trickles (a byte every 50 ms)", service, post(), unavailable)
    with (
        FaultProxy(bench.server.port) as proxy,
        SlowHttpServer(_get_item_slowly, delay=0.2) as slow,
    ):
        database = bench.database(port=proxy.port)  # type: ignore[attr-defined]
        service = bench.service(database, dynamodb_url=slow.url)  # type: ignore[attr-defined]
        service.handle(post(), LambdaContext(bench.timeout))
        proxy.chunk_delay = 2.0  # type: ignore[attr-defined]
        bench.measure(
            "Database slow (2 s per chunk) and DynamoDB trickling", service, post(), unavailable
        )

    with SlowHttpServer(_secret_slowly, delay=0.2) as slow:
        client = secrets_manager_client(REGION, endpoint_url=slow.url)  # type: ignore[attr-defined]
        service = bench.service(bench.database(credentials=SecretCache(client, SECRET_ARN)))
        bench.measure(
            "Secrets Manager trickles at cold start (a byte every 0.2 s)",
            service,
            post(),
            "503 `secret_unavailable`",
        )
    with SlowHttpServer(_secret_slowly, delay=0.0, cut_after_status=True) as cut:
        client = secrets_manager_client(REGION, endpoint_url=cut.url)  # type: ignore[attr-defined]
        service = bench.service(bench.database(credentials=SecretCache(client, SECRET_ARN)))
        bench.measure(
            "Secrets Manager connection cut after the status line",
            service,
            post(),
            "503 `secret_unavailable`",
        )

    run_dns_hang(bench, post, health)

    admin = bench.server.connect(DATABASE)
    try:
        admin.run(f"ALTER ROLE {APP_USER} CONNECTION LIMIT 0")
        service = bench.service(bench.database())
        bench.measure(
            "Connection slots taken (53300 too many connections)", service, post(), unavailable
        )
    finally:
        admin.run(f"ALTER ROLE {APP_USER} CONNECTION LIMIT -1")
        admin.close()


def run_dns_hang(
    bench: Bench, post: Callable[[], dict[str, object]], health: dict[str, object]
) -> None:
    """The database host's name stops resolving: lookups hang as glibc's do (no answer until
    its 5 s retransmission, EAI_AGAIN after two), then answer again."""
    recovered_at: list[float] = []
    address = (bench.server.host, bench.server.port)

    def lookup(host: str, port: int) -> list[AddressInfo]:
        began = time.monotonic()
        for attempt in (1, 2):
            if recovered_at:
                break
            time.sleep(max(0.0, began + attempt * 5.0 - time.monotonic()))
        else:
            if not recovered_at:
                raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    resolver = HostResolver(lookup)
    database = bench.database(host="localhost", resolver=resolver)
    service = bench.service(database)
    bench.measure(
        "DNS lookups of the database host hang", service, post(), "503 `database_unavailable`"
    )
    bench.measure("DNS lookups of the database host hang", service, health)
    recovered_at.append(time.monotonic())
    bench.measure("DNS answers again (first write after it)", service, post(), "201")


def run_secret_misconfigurations(bench: Bench, post: Callable[[], dict[str, object]]) -> None:
    import boto3  # type: ignore[import-untyped]
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        arn = client.create_secret(Name="bench-db", SecretString="not json")["ARN"]
        service = bench.service(bench.database(credentials=SecretCache(client, arn)))
        bench.measure("Secret is not JSON with username/password", service, post())
        client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        service = bench.service(bench.database(credentials=SecretCache(client, arn)))
        bench.measure("Secret not found", service, post())


def section(rows: list[Row], timeout: int, authorizer_timeout: int) -> str:
    today = datetime.now(UTC).date().isoformat()
    lines = [
        f"Measured {today} by `python scripts/bench_faults.py`, {platform.machine()}, "
        f"Python {platform.python_version()}. Production settings: API function timeout "
        f"{timeout} s (deadline {timeout - 1} s after the 1 s margin), authorizer function "
        f"timeout {authorizer_timeout} s (deadline 0.5 s earlier), health budget 1.5 s, "
        f"DynamoDB {DEFAULT_CACHE_TIMEOUTS.connect_seconds:g} s connect + "
        f"{DEFAULT_CACHE_TIMEOUTS.read_seconds:g} s read (one attempt), Secrets Manager "
        f"{SECRETS_MANAGER_TIMEOUTS.connect_seconds:g} s + "
        f"{SECRETS_MANAGER_TIMEOUTS.read_seconds:g} s (at most two attempts), database "
        "connect timeout 5 s, statement timeout 5 s.",
        "",
        "| fault | request | status | time to answer |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row.fault} | `{row.request}` | {row.status} | {row.seconds:.2f} s |")
    return "\n".join(lines)


AUTH_CLIENT = "bench-client"
AUTH_KEY = "k" * 43
AUTH_METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/payments"


def _client_keys(target: str) -> dict[str, object]:
    hashes = {AUTH_CLIENT: [authorizer.hash_key(AUTH_KEY)]}
    return {
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:client-keys-AbCdEf",
        "Name": "client-keys",
        "SecretString": json.dumps({"clients": hashes}),
        "VersionId": "v1",
    }


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_authorizer(bench: Bench, timeout: int) -> None:
    """The TOKEN authorizer with its deployed timeout as the context's remaining time.

    API Gateway answers 401 when the authorizer raises ``Unauthorized``; any other error is
    AUTHORIZER_FAILURE, which the stack answers 503 ``authorizer_unavailable`` with
    Retry-After; an allow policy passes the request on."""
    token = f"Bearer {AUTH_CLIENT}.{AUTH_KEY}"
    event = {"authorizationToken": token, "methodArn": AUTH_METHOD_ARN}

    def measure(fault: str, cache: authorizer.KeyCache, expected: str, token: str = token) -> None:
        authorizer._cache = cache  # the execution environment's key cache
        started = time.monotonic()
        try:
            authorizer.handler({**event, "authorizationToken": token}, LambdaContext(timeout))
        except Exception as exc:  # what API Gateway turns into a status
            unauthorized = str(exc) == "Unauthorized"
            label = "401 `UNAUTHORIZED`" if unauthorized else "503 `authorizer_unavailable`"
        else:
            label = "allowed"
        elapsed = time.monotonic() - started
        bench.rows.append(Row(fault, "authorizer", label, elapsed, expected, float(timeout)))
        print(f"{fault:70} {'authorizer':15} {label:35} {elapsed:6.2f} s", flush=True)

    with SlowHttpServer(_client_keys, delay=0.2) as slow:
        client = secrets_manager_client(REGION, endpoint_url=slow.url)  # type: ignore[attr-defined]
        measure(
            "Authorizer: Secrets Manager trickles, no keys held yet",
            authorizer.KeyCache(client, "client-keys"),
            "503 `authorizer_unavailable`",
        )
    with SlowHttpServer(_client_keys, delay=0.0) as server:
        client = secrets_manager_client(REGION, endpoint_url=server.url)  # type: ignore[attr-defined]
        clock = _Clock()
        cache = authorizer.KeyCache(client, "client-keys", clock=clock)
        measure("Authorizer: keys read", cache, "allowed")
        measure(
            "Authorizer: wrong key", cache, "401 `UNAUTHORIZED`", f"Bearer {AUTH_CLIENT}.{'x' * 43}"
        )
        server.delay = 0.2  # type: ignore[attr-defined]
        clock.now += authorizer.KEY_CACHE_TTL_SECONDS + 1
        measure(
            "Authorizer: Secrets Manager trickles, keys 61 s old (last known good)",
            cache,
            "allowed",
        )
    with SilentServer() as silent:
        client = secrets_manager_client(REGION, endpoint_url=silent.url)  # type: ignore[attr-defined]
        measure(
            "Authorizer: Secrets Manager not answering, no keys held yet",
            authorizer.KeyCache(client, "client-keys"),
            "503 `authorizer_unavailable`",
        )


def run() -> tuple[str, str | None]:
    """Measure; the Markdown section and, when a fault outlasted the function timeout, why
    that fails (PostgresUnavailableError without server binaries)."""
    timeouts = deployed_timeouts()
    timeout = timeouts[API_FUNCTION]
    with postgres() as (server, password):
        bench = Bench(server, password, timeout)
        try:
            run_faults(bench)
            run_authorizer(bench, timeouts[AUTHORIZER_FUNCTION])
        finally:
            bench.close()
    failures = [row.failure for row in bench.rows if row.failure is not None]
    slowest = max(row.seconds for row in bench.rows)
    if slowest >= timeout:
        failures.append(f"a fault took {slowest:.2f} s, the function timeout is {timeout} s")
    text = section(bench.rows, timeout, timeouts[AUTHORIZER_FUNCTION])
    return text, "; ".join(failures) or None


#: Credentials that let botocore sign and send its requests to the local fault servers (no
#: call leaves 127.0.0.1; without them botocore fails before sending, which measures nothing).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    configure_logging("ERROR", stream=io.StringIO())  # the table is the output
    try:
        text, failure = run()
    except PostgresUnavailableError as exc:
        print(f"skipped: {exc}")
        return 0
    if failure is not None:
        print(f"FAILED: {failure}")
        return 1
    print(text)
    if args.write:
        replace_section(args.write, SECTION, text, heading=HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
