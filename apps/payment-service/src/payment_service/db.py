"""PostgreSQL access with pg8000 over verified TLS.

One connection per execution environment, opened lazily, reused across invocations and
replaced when it breaks. Units of work run inside one transaction and are retried, with
capped exponential backoff and full jitter, on transient errors only:

* connection refused, reset or lost, timeouts; SQLSTATE class 08; ``57P01`` admin shutdown,
  ``57P02`` crash shutdown, ``57P03`` cannot connect now (the connection is replaced);
* ``40001`` serialization failure and ``40P01`` deadlock (the transaction is re-run).

``25006`` (read-only transaction: this region's database is a standby) is never retried; it
becomes :class:`DatabaseReadOnlyError` (HTTP 503). Authentication failures fetch the secret
once more and reconnect, which covers a rotation. TLS verification failures are not retried.
Re-running a unit of work is safe because every write is idempotent by construction (the
payment insert is keyed by the idempotency key).
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol, TypeVar

from pg8000 import native as pg_native  # type: ignore[import-untyped]
from pg8000.exceptions import (  # type: ignore[import-untyped]
    DatabaseError as PgDatabaseError,
)
from pg8000.exceptions import (
    InterfaceError as PgInterfaceError,
)

from payment_service.errors import (
    ConfigError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    ServiceError,
)
from payment_service.logging import get_logger
from payment_service.retry import RetryPolicy

if TYPE_CHECKING:
    from pathlib import Path

    from payment_service.config import DatabaseSettings
    from payment_service.secrets import CredentialsProvider, DbCredentials

T = TypeVar("T")
Row = Sequence[object]

READ_ONLY_SQLSTATE = "25006"
AUTH_SQLSTATES = frozenset({"28000", "28P01"})
#: Errors after which the transaction is re-run on the same connection.
RETRYABLE_TRANSACTION_SQLSTATES = frozenset({"40001", "40P01"})
#: Errors after which the connection is replaced and the work re-run.
RETRYABLE_CONNECTION_SQLSTATES = frozenset(
    {"08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03"}
)

_log = get_logger("payment_service.db")


class Connection(Protocol):
    """The part of ``pg8000.native.Connection`` used here."""

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        """Execute ``sql`` with ``:name`` placeholders; rows for statements that return rows."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@dataclass(frozen=True)
class ConnectParams:
    """Everything needed to open one connection."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ssl_context: ssl.SSLContext = field(repr=False)
    timeout_seconds: int
    statement_timeout_ms: int
    application_name: str = "payment-service"


ConnectionFactory = Callable[[ConnectParams], Connection]


def pg8000_connect(params: ConnectParams) -> Connection:
    """Open a pg8000 connection over TLS with the given (verifying) SSL context."""
    connection: Connection = pg_native.Connection(
        user=params.user,
        password=params.password,
        host=params.host,
        port=params.port,
        database=params.database,
        ssl_context=params.ssl_context,
        timeout=params.timeout_seconds,
        application_name=params.application_name,
        startup_params={"statement_timeout": str(params.statement_timeout_ms)},
    )
    return connection


def create_ssl_context(ca_file: Path) -> ssl.SSLContext:
    """A client TLS context that trusts only ``ca_file`` and checks the host name.

    TLS 1.2 is the minimum; certificate verification and host-name checking are on.
    """
    if not ca_file.is_file():
        raise ConfigError(f"CA bundle {str(ca_file)!r} does not exist; set DB_CA_BUNDLE")
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_file))
    except ssl.SSLError as exc:
        raise ConfigError(f"CA bundle {str(ca_file)!r} holds no valid PEM certificate") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class FailureKind(Enum):
    """How a database error is handled."""

    TRANSIENT = "transient"
    """Retried (after replacing the connection when it is connection-level)."""
    READ_ONLY = "read_only"
    """The database refuses writes: mapped to 503, never retried."""
    AUTHENTICATION = "authentication"
    """Credentials were refused even after a refresh."""
    UNAVAILABLE = "unavailable"
    """A connectivity failure that retrying will not fix (TLS verification, TLS refused)."""
    OTHER = "other"
    """Anything else (a bug, a constraint violation): propagated unchanged."""


@dataclass(frozen=True)
class Failure:
    """The classification of one exception."""

    kind: FailureKind
    reason: str
    """Short, log-safe reason: a SQLSTATE or a word such as ``connection_refused``."""
    drop_connection: bool


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a pg8000 ``DatabaseError`` (``None`` for anything else)."""
    if isinstance(exc, PgDatabaseError) and exc.args and isinstance(exc.args[0], dict):
        code = exc.args[0].get("C")
        if isinstance(code, str):
            return code
    return None


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ConnectionResetError):
        return "connection_reset"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "network_error"


def classify(exc: BaseException) -> Failure:
    """Decide whether ``exc`` is transient, read-only, authentication, unavailable or other."""
    code = sqlstate(exc)
    if code is not None:
        if code == READ_ONLY_SQLSTATE:
            return Failure(FailureKind.READ_ONLY, code, drop_connection=True)
        if code in AUTH_SQLSTATES:
            return Failure(FailureKind.AUTHENTICATION, code, drop_connection=True)
        if code in RETRYABLE_TRANSACTION_SQLSTATES:
            return Failure(FailureKind.TRANSIENT, code, drop_connection=False)
        if code in RETRYABLE_CONNECTION_SQLSTATES:
            return Failure(FailureKind.TRANSIENT, code, drop_connection=True)
        return Failure(FailureKind.OTHER, code, drop_connection=False)
    cause = exc.__cause__
    for candidate in (exc, cause):
        if isinstance(candidate, ssl.SSLCertVerificationError):
            return Failure(FailureKind.UNAVAILABLE, "tls_verification_failed", True)
        if isinstance(candidate, ssl.SSLError):
            return Failure(FailureKind.UNAVAILABLE, "tls_error", True)
    if isinstance(exc, PgInterfaceError):
        if "refuses SSL" in str(exc):
            return Failure(FailureKind.UNAVAILABLE, "tls_refused", True)
        reason = _network_reason(cause) if cause is not None else "network_error"
        return Failure(FailureKind.TRANSIENT, reason, drop_connection=True)
    if isinstance(exc, OSError):
        return Failure(FailureKind.TRANSIENT, _network_reason(exc), drop_connection=True)
    return Failure(FailureKind.OTHER, type(exc).__name__, drop_connection=False)


@dataclass(frozen=True)
class DatabaseStatus:
    """What the health probe learned about the database."""

    transaction_read_only: bool
    in_recovery: bool
    latency_ms: float

    @property
    def writable(self) -> bool:
        """True when this database accepts writes (it is the writer)."""
        return not self.transaction_read_only and not self.in_recovery


_PROBE_POLICY = RetryPolicy(max_attempts=2, base_delay_seconds=0.0, max_delay_seconds=0.0)


def _scalar(rows: list[list[object]] | None) -> object:
    if not rows or not rows[0]:
        raise RuntimeError("expected one row with one column")
    return rows[0][0]


class Database:
    """A lazily opened, reused connection with transactions and transient-error retries."""

    def __init__(
        self,
        settings: DatabaseSettings,
        credentials: CredentialsProvider,
        *,
        connect: ConnectionFactory = pg8000_connect,
        ssl_context: ssl.SSLContext | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._connect = connect
        self._ssl_context = ssl_context or create_ssl_context(settings.ca_bundle)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rand = rand
        self._lock = threading.RLock()
        self._connection: Connection | None = None

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` inside one transaction (committed on return, rolled back on error)."""
        return self._execute(work, transactional=True, policy=self._retry)

    def session(self, work: Callable[[Connection], T], *, policy: RetryPolicy | None = None) -> T:
        """Run ``work`` on the connection without an enclosing transaction."""
        return self._execute(work, transactional=False, policy=policy or self._retry)

    def probe(self) -> DatabaseStatus:
        """``SELECT 1``, ``SHOW transaction_read_only`` and ``pg_is_in_recovery()``.

        Tries twice without delay, so a connection that went stale between invocations
        is replaced instead of reported as an outage.
        """

        def work(connection: Connection) -> DatabaseStatus:
            started = time.perf_counter()
            if _scalar(connection.run("SELECT 1")) != 1:
                raise RuntimeError("SELECT 1 did not return 1")
            read_only = _scalar(connection.run("SHOW transaction_read_only"))
            in_recovery = _scalar(connection.run("SELECT pg_is_in_recovery()"))
            return DatabaseStatus(
                transaction_read_only=read_only == "on",
                in_recovery=in_recovery is True,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
            )

        return self._execute(work, transactional=False, policy=_PROBE_POLICY)

    def close(self) -> None:
        """Close the connection, if one is open."""
        with self._lock:
            self._discard()

    def _execute(
        self, work: Callable[[Connection], T], *, transactional: bool, policy: RetryPolicy
    ) -> T:
        with self._lock:
            for attempt in range(policy.max_attempts):
                try:
                    connection = self._open_connection()
                    if transactional:
                        return self._in_transaction(connection, work)
                    return work(connection)
                except ServiceError:
                    raise
                except Exception as exc:
                    failure = classify(exc)
                    if failure.drop_connection:
                        self._discard()
                    if failure.kind is FailureKind.OTHER:
                        raise
                    if failure.kind is FailureKind.READ_ONLY:
                        _log.warning("database_read_only", reason=failure.reason)
                        raise DatabaseReadOnlyError(
                            "the database in this region is read-only (standby); retry later"
                        ) from exc
                    last_attempt = attempt + 1 >= policy.max_attempts
                    if failure.kind is FailureKind.TRANSIENT and not last_attempt:
                        delay = policy.delay(attempt, self._rand)
                        _log.warning(
                            "database_retry",
                            reason=failure.reason,
                            attempt=attempt + 1,
                            delay_ms=round(delay * 1000, 1),
                        )
                        self._sleep(delay)
                        continue
                    _log.error(
                        "database_unavailable",
                        reason=failure.reason,
                        kind=failure.kind.value,
                        attempts=attempt + 1,
                    )
                    raise DatabaseUnavailableError(
                        "the database is unavailable; retry later"
                    ) from exc
            raise DatabaseUnavailableError("the database is unavailable; retry later")

    def _in_transaction(self, connection: Connection, work: Callable[[Connection], T]) -> T:
        connection.run("BEGIN")
        try:
            result = work(connection)
        except BaseException:
            self._rollback(connection)
            raise
        connection.run("COMMIT")
        return result

    def _rollback(self, connection: Connection) -> None:
        try:
            connection.run("ROLLBACK")
        except Exception:  # the connection is broken; a new one will be opened
            self._discard()

    def _open_connection(self) -> Connection:
        if self._connection is None:
            self._connection = self._authenticated_connect()
        return self._connection

    def _authenticated_connect(self) -> Connection:
        try:
            return self._connect(self._params(self._credentials.get()))
        except Exception as exc:
            if sqlstate(exc) not in AUTH_SQLSTATES:
                raise
            _log.warning("database_auth_failed_refreshing_secret", reason=sqlstate(exc))
        return self._connect(self._params(self._credentials.get(force_refresh=True)))

    def _params(self, credentials: DbCredentials) -> ConnectParams:
        return ConnectParams(
            host=self._settings.host,
            port=self._settings.port,
            database=self._settings.name,
            user=credentials.username,
            password=credentials.password,
            ssl_context=self._ssl_context,
            timeout_seconds=self._settings.connect_timeout_seconds,
            statement_timeout_ms=self._settings.statement_timeout_ms,
        )

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.close()
        except Exception:  # already broken; nothing else to release
            _log.debug("database_close_failed")
