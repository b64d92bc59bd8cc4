"""Fixtures for the runtime tests: a real PostgreSQL server with TLS, and AWS through moto."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
import structlog
from moto import mock_aws

from payment_service.api import PaymentService
from payment_service.config import DatabaseSettings
from payment_service.connection import Connection, ConnectionFactory, pg8000_connect
from payment_service.db import Database
from payment_service.idempotency_cache import DynamoDbIdempotencyStore, IdempotencyStore
from payment_service.logging import configure_logging
from payment_service.repository import PaymentRepository
from payment_service.retry import RetryPolicy
from payment_service.secrets import CredentialsProvider, DbCredentials, StaticCredentials
from tests.runtime.postgres import (
    PostgresServer,
    PostgresUnavailableError,
    create_migrated_databases,
    create_server,
    free_port,
    remove,
)

REGION = "us-east-1"
TABLE_NAME = "payment-processing-sessions-test"
APP_USER = "payments_app"
PRIMARY_DB = "payments"
STANDBY_DB = "payments_standby"
NO_WAIT = RetryPolicy(max_attempts=3, base_delay_seconds=0.0, max_delay_seconds=0.0)


@dataclass(frozen=True)
class Databases:
    """The session's server, its application role and its databases."""

    server: PostgresServer
    app_password: str

    @property
    def credentials(self) -> DbCredentials:
        return DbCredentials(username=APP_USER, password=self.app_password)

    def settings(
        self,
        name: str = PRIMARY_DB,
        *,
        port: int | None = None,
        host: str | None = None,
        ca_file: Path | None = None,
    ) -> DatabaseSettings:
        return DatabaseSettings(
            host=host or self.server.host,
            port=port or self.server.port,
            name=name,
            secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf",
            ca_bundle=ca_file or self.server.ca_file,
            connect_timeout_seconds=5,
        )


@dataclass(frozen=True)
class AwsResources:
    dynamodb: object
    secretsmanager: object
    table_name: str
    secret_arn: str
    store: DynamoDbIdempotencyStore


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        server = create_server()
    except PostgresUnavailableError as exc:
        pytest.skip(f"runtime tests need a PostgreSQL server: {exc}")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        remove(server)


@pytest.fixture(scope="session")
def databases(pg_server: PostgresServer) -> Databases:
    # Like Aurora's master user: may create roles and grant rds_iam (which RDS provides).
    app_password = create_migrated_databases(
        pg_server, APP_USER, (PRIMARY_DB, STANDBY_DB), rds_iam=True
    )
    admin = pg_server.connect()
    try:
        admin.run(f"ALTER DATABASE {STANDBY_DB} SET default_transaction_read_only = on")
    finally:
        admin.close()
    return Databases(server=pg_server, app_password=app_password)


@pytest.fixture(scope="session")
def admin(databases: Databases) -> Iterator[Connection]:
    """A superuser connection to the primary database (for assertions and cleanup)."""
    connection = databases.server.connect(PRIMARY_DB)
    yield connection
    connection.close()


@pytest.fixture
def clean_payments(admin: Connection) -> None:
    admin.run("TRUNCATE payments")


def count_payments(connection: Connection, key: str | None = None) -> int:
    if key is None:
        rows = connection.run("SELECT count(*) FROM payments")
    else:
        rows = connection.run("SELECT count(*) FROM payments WHERE idempotency_key = :k", k=key)
    assert rows is not None
    value = rows[0][0]
    assert isinstance(value, int)
    return value


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE_NAME,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=TABLE_NAME,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
        )
        secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        arn = secretsmanager.create_secret(
            Name="payments-db", SecretString=json.dumps({"username": "u", "password": "p"})
        )["ARN"]
        yield AwsResources(
            dynamodb=dynamodb,
            secretsmanager=secretsmanager,
            table_name=TABLE_NAME,
            secret_arn=arn,
            store=DynamoDbIdempotencyStore(dynamodb, TABLE_NAME, ttl_seconds=3600),
        )


MakeDatabase = Callable[..., Database]


@pytest.fixture
def make_database(databases: Databases) -> Iterator[MakeDatabase]:
    """Build :class:`Database` objects against the test server; all are closed afterwards."""
    created: list[Database] = []

    def make(
        name: str = PRIMARY_DB,
        *,
        port: int | None = None,
        host: str | None = None,
        ca_file: Path | None = None,
        credentials: CredentialsProvider | None = None,
        connect: ConnectionFactory = pg8000_connect,
        retry: RetryPolicy = NO_WAIT,
    ) -> Database:
        database = Database(
            databases.settings(name, port=port, host=host, ca_file=ca_file),
            credentials or StaticCredentials(databases.credentials),
            connect=connect,
            retry=retry,
            sleep=lambda _seconds: None,
        )
        created.append(database)
        return database

    yield make
    for database in created:
        database.close()


MakeService = Callable[..., PaymentService]


@pytest.fixture
def make_service(make_database: MakeDatabase, aws: AwsResources) -> MakeService:
    """Build a :class:`PaymentService` on a database of the test server and the moto table."""

    def make(
        name: str = PRIMARY_DB,
        *,
        port: int | None = None,
        store: IdempotencyStore | None = None,
        connect: ConnectionFactory = pg8000_connect,
    ) -> PaymentService:
        database = make_database(name, port=port, connect=connect)
        return PaymentService(
            region=REGION,
            repository=PaymentRepository(database),
            database=database,
            idempotency_store=store if store is not None else aws.store,
            sessions_table=aws.store,
        )

    return make


@pytest.fixture
def service(make_service: MakeService, clean_payments: None) -> PaymentService:
    return make_service()


@pytest.fixture
def unreachable_port() -> int:
    return free_port()


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    """Each test starts and ends with JSON logs to the current standard output, and with no
    log context left bound by another test (a client id, a request id)."""
    structlog.contextvars.clear_contextvars()
    configure_logging()
    yield
    configure_logging()
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    configure_logging()
