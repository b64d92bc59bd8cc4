"""Each drill "region": the real payment handler on a Database pointed at one server.

Every caller (the client, the DNS health checker, the orchestrator) gets its own
:class:`PaymentService`, as concurrent Lambda invocations get their own execution environment.
The idempotency cache is one in-memory store shared by both regions: a DynamoDB global table
with no replication delay.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from payment_service.api import PaymentService
from payment_service.config import DatabaseSettings
from payment_service.db import Database
from payment_service.idempotency_cache import CachedResult
from payment_service.repository import PaymentRepository
from payment_service.secrets import DbCredentials, StaticCredentials
from tests.drill.pair import APP_USER, DATABASE
from tests.runtime.events import api_event, payment_body, post_payment
from tests.runtime.postgres import PostgresServer

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:drill-db-AbCdEf"


class SharedIdempotencyStore:
    """Thread-safe in-memory idempotency records (the sessions table of both regions)."""

    table_name = "payment-processing-sessions-drill"

    def __init__(self) -> None:
        self._records: dict[str, CachedResult] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResult | None:
        with self._lock:
            return self._records.get(key)

    def put(self, key: str, result: CachedResult) -> None:
        with self._lock:
            self._records.setdefault(key, result)

    def table_status(self) -> str:
        return "ACTIVE"


class Region:
    """One region: a name and the server its handler uses."""

    def __init__(
        self,
        name: str,
        server: PostgresServer,
        password: str,
        store: SharedIdempotencyStore,
        address: tuple[str, int] | None = None,
    ) -> None:
        self.name = name
        self.server = server
        self.address = address or (server.host, server.port)
        """Where the handler connects: the server, or a proxy in front of it."""
        self._password = password
        self._store = store
        self._databases: list[Database] = []
        self.api_broken = threading.Event()
        """Set: the region's API layer fails (API Gateway answers 502 before any handler runs),
        whatever its database does."""

    def service(self) -> PaymentService:
        """A new handler instance with its own connection (one execution environment)."""
        database = Database(
            DatabaseSettings(
                host=self.address[0],
                port=self.address[1],
                name=DATABASE,
                secret_arn=SECRET_ARN,
                ca_bundle=self.server.ca_file,
                connect_timeout_seconds=2,
            ),
            StaticCredentials(DbCredentials(APP_USER, self._password)),
        )
        self._databases.append(database)
        return PaymentService(
            region=self.name,
            repository=PaymentRepository(database),
            database=database,
            idempotency_store=self._store,
            sessions_table=self._store,
        )

    def close(self) -> None:
        for database in self._databases:
            database.close()


HEALTH_EVENT = api_event("GET", "/health")


def health(service: PaymentService) -> tuple[int, str]:
    """``GET /health`` through the handler: status and body."""
    response = service.handle(HEALTH_EVENT)
    status, body = response["statusCode"], response["body"]
    assert isinstance(status, int)
    assert isinstance(body, str)
    return status, body


def create_payment(service: PaymentService, key: str) -> Mapping[str, object]:
    """``POST /payments`` with ``key`` through the handler."""
    return service.handle(post_payment(key, payment_body(merchant_reference=f"drill-{key[-6:]}")))
