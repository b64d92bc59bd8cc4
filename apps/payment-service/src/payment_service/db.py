"""PostgreSQL units of work: connection reuse, transactions, failure classification, retries.

One connection per execution environment, opened lazily, reused across invocations and
replaced when it breaks. Units of work run inside one transaction and are retried, with
capped exponential backoff and full jitter, on transient errors only:

* connection refused, reset or lost, timeouts; SQLSTATE class 08; ``57P01`` admin shutdown,
  ``57P02`` crash shutdown, ``57P03`` cannot connect now, ``53300`` too many connections and
  ``53400`` configuration limit exceeded (the server's connection slots are taken, as when
  many execution environments start at once: PostgreSQL documentation, "PostgreSQL Error
  Codes", class 53) (the connection is replaced);
* ``40001`` serialization failure and ``40P01`` deadlock (the transaction is re-run).

A TLS EOF or a reset on a connection reused from an earlier invocation (an idle connection a
NAT, a load balancer or the server closed meanwhile) is retried once at once on a fresh
connection, without backoff and without using up a retry.

``25006`` (read-only transaction: this region's database is a standby) is never retried; it
becomes :class:`DatabaseReadOnlyError` (HTTP 503). ``55P03`` lock timeout and ``57014``
statement timeout are not retried either (the deadline is spent); they become
:class:`DatabaseBusyError` (HTTP 503). Authentication failures fetch the secret once more and
reconnect, which covers a rotation. TLS verification failures are not retried.
Re-running a unit of work is safe because every write is idempotent by construction (the
payment insert is keyed by the idempotency key).

Every unit of work can run against a request :class:`~payment_service.deadline.Deadline`: the
connect timeout, the socket timeout of each statement, the server-side ``statement_timeout``
of the unit and every retry and backoff get only what is left, so the unit ends (committed,
rolled back or abandoned with its connection) before the deadline.

A database built with a :class:`WriteGuard` (the API's: :class:`payment_service.writer.WriteFence`)
runs every :meth:`Database.transaction` (a write) only over a connection to the host the guard
approves for that unit, checked by the guard before its first write; any other open connection
is closed first. Reads (:meth:`Database.session`, :meth:`Database.probe`) use ``DB_HOST``.

Connections are opened by :mod:`payment_service.connection` (verified TLS, SCRAM only);
this module decides what a failure means and what happens next.
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol, TypeVar

from pg8000.exceptions import (  # type: ignore[import-untyped]
    DatabaseError as PgDatabaseError,
)
from pg8000.exceptions import (
    InterfaceError as PgInterfaceError,
)

from payment_service.bounded import call_within
from payment_service.connection import (
    AuthenticationMethodRefusedError,
    Connection,
    ConnectionFactory,
    ConnectParams,
    SupportsTimeout,
    create_ssl_context,
    pg8000_connect,
)
from payment_service.errors import (
    DatabaseBusyError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    ServiceError,
)
from payment_service.logging import get_logger
from payment_service.retry import RetryPolicy

if TYPE_CHECKING:
    from payment_service.config import DatabaseSettings
    from payment_service.deadline import Deadline
    from payment_service.secrets import CredentialsProvider, DbCredentials

T = TypeVar("T")
Row = Sequence[object]

READ_ONLY_SQLSTATE = "25006"
AUTH_SQLSTATES = frozenset({"28000", "28P01"})
#: Errors after which the transaction is re-run on the same connection.
RETRYABLE_TRANSACTION_SQLSTATES = frozenset({"40001", "40P01"})
#: Errors after which the connection is replaced and the work re-run.
RETRYABLE_CONNECTION_SQLSTATES = frozenset(
    {"08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "53300", "53400"}
)
#: Lock timeout and statement timeout (query canceled): the work was rolled back.
BUSY_SQLSTATES = frozenset({"55P03", "57014"})

#: An attempt (connect or statement) starts only with at least this much time left.
MIN_ATTEMPT_SECONDS = 0.05
#: The server-side statement timeout ends this long before the deadline, so that the
#: cancellation reaches the function while the request can still answer.
STATEMENT_SLACK_SECONDS = 0.2
#: Client socket timeout of a statement beyond its server-side statement timeout; after it a
#: silent connection is abandoned and, when time is left, replaced.
SOCKET_SLACK_SECONDS = 1.0

_log = get_logger("payment_service.db")


class FailureKind(Enum):
    """How a database error is handled."""

    TRANSIENT = "transient"
    """Retried (after replacing the connection when it is connection-level)."""
    READ_ONLY = "read_only"
    """The database refuses writes: mapped to 503, never retried."""
    BUSY = "busy"
    """Lock or statement timeout: rolled back, mapped to 503, not retried."""
    AUTHENTICATION = "authentication"
    """Credentials were refused even after a refresh."""
    UNAVAILABLE = "unavailable"
    """A connectivity failure that retrying will not fix (TLS verification, TLS refused,
    an authentication method other than SCRAM)."""
    OTHER = "other"
    """Anything else (a bug, a constraint violation): propagated unchanged."""


@dataclass(frozen=True)
class Failure:
    """The classification of one exception."""

    kind: FailureKind
    reason: str
    """Short, log-safe reason: a SQLSTATE or a word such as ``connection_refused``."""
    drop_connection: bool
    connection_lost: bool = False
    """The peer closed or reset the connection (TLS EOF, reset, broken pipe, end of stream):
    on a connection reused from an earlier invocation, a fresh connection is tried at once."""


class DeadlineReachedError(Exception):
    """Too little of the request deadline is left to start the next database step."""


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a pg8000 ``DatabaseError`` (``None`` for anything else)."""
    if isinstance(exc, PgDatabaseError) and exc.args and isinstance(exc.args[0], dict):
        code = exc.args[0].get("C")
        if isinstance(code, str):
            return code
    return None


_LOST = (
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return "tls_eof"
    if isinstance(exc, ConnectionResetError | ConnectionAbortedError):
        return "connection_reset"
    if isinstance(exc, BrokenPipeError):
        return "broken_pipe"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "network_error"


def classify(exc: BaseException) -> Failure:
    """Decide how ``exc`` is handled (see :class:`FailureKind`)."""
    code = sqlstate(exc)
    if code is not None:
        if code == READ_ONLY_SQLSTATE:
            return Failure(FailureKind.READ_ONLY, code, drop_connection=True)
        if code in AUTH_SQLSTATES:
            return Failure(FailureKind.AUTHENTICATION, code, drop_connection=True)
        if code in BUSY_SQLSTATES:
            return Failure(FailureKind.BUSY, code, drop_connection=False)
        if code in RETRYABLE_TRANSACTION_SQLSTATES:
            return Failure(FailureKind.TRANSIENT, code, drop_connection=False)
        if code in RETRYABLE_CONNECTION_SQLSTATES:
            return Failure(FailureKind.TRANSIENT, code, drop_connection=True)
        if code.startswith("53"):  # insufficient resources (disk, memory): 503, not retried
            return Failure(FailureKind.UNAVAILABLE, code, drop_connection=True)
        return Failure(FailureKind.OTHER, code, drop_connection=False)
    if isinstance(exc, DeadlineReachedError):
        return Failure(FailureKind.UNAVAILABLE, "deadline", drop_connection=False)
    if isinstance(exc, AuthenticationMethodRefusedError):
        return Failure(FailureKind.UNAVAILABLE, "auth_method_refused", drop_connection=True)
    cause = exc.__cause__
    for candidate in (exc, cause):
        if candidate is None:
            continue
        if type(candidate).__name__ == "ScramException":  # scramp: server proof did not match
            return Failure(FailureKind.UNAVAILABLE, "scram_failed", True)
        if isinstance(candidate, _LOST):
            return Failure(
                FailureKind.TRANSIENT, _network_reason(candidate), True, connection_lost=True
            )
        if isinstance(candidate, ssl.SSLCertVerificationError):
            return Failure(FailureKind.UNAVAILABLE, "tls_verification_failed", True)
        if isinstance(candidate, ssl.SSLError):
            return Failure(FailureKind.UNAVAILABLE, "tls_error", True)
    if isinstance(exc, PgInterfaceError):
        if "refuses SSL" in str(exc):
            return Failure(FailureKind.UNAVAILABLE, "tls_refused", True)
        if cause is None and str(exc) == "network error":  # pg8000: end of stream
            return Failure(FailureKind.TRANSIENT, "connection_closed", True, connection_lost=True)
        reason = _network_reason(cause) if cause is not None else "network_error"
        return Failure(FailureKind.TRANSIENT, reason, drop_connection=True)
    if isinstance(exc, OSError):
        return Failure(FailureKind.TRANSIENT, _network_reason(exc), drop_connection=True)
    return Failure(FailureKind.OTHER, type(exc).__name__, drop_connection=False)


class WriteGuard(Protocol):
    """Decides where a write may go, and checks a connection before its first write."""

    def approve(self, deadline: Deadline | None = None) -> str:
        """The host the next write may go to; a :class:`ServiceError` when none may."""
        ...

    def confirm(self, connection: Connection) -> None:
        """Check a connection to the approved host before its first write; a
        :class:`ServiceError` when it must not write."""
        ...


def _connection_broken(exc: BaseException) -> bool:
    """True when ``exc`` leaves the connection unusable (no ROLLBACK is attempted on it)."""
    if sqlstate(exc) is not None:
        return False
    return isinstance(exc, DeadlineReachedError | PgInterfaceError | OSError)


#: Replication lag sources, in the order they are tried on a replica.
LAG_SOURCE_AURORA = "aurora_global_db_status"
LAG_SOURCE_REPLAY = "pg_last_xact_replay_timestamp"
_HAS_AURORA_STATUS = "SELECT to_regprocedure('aurora_global_db_status()') IS NOT NULL"
# Aurora User Guide, "aurora_global_db_status" (and "Monitoring Aurora PostgreSQL-based global
# databases"): one row per cluster of the global database; rpo_lag_in_msec is the time until
# the latest commit on the primary is stored on that secondary, -1 for the primary.
_AURORA_LAG = "SELECT rpo_lag_in_msec FROM aurora_global_db_status() WHERE aws_region = :region"
_REPLAY_LAG = "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
#: Why a database that is not in recovery has no replication lag.
NOT_A_REPLICA = "not a replica (not in recovery)"


@dataclass(frozen=True)
class ReplicationLag:
    """This region's replication lag as one connection to a replica read it."""

    seconds: float | None
    """``rpo_lag_in_msec`` of this region in ``aurora_global_db_status()``, else
    ``now() - pg_last_xact_replay_timestamp()``; ``None`` when neither can be read or the
    database is not a replica (:attr:`unavailable` says why)."""
    source: str | None = None
    """:data:`LAG_SOURCE_AURORA` or :data:`LAG_SOURCE_REPLAY`."""
    unavailable: str | None = None
    """Why :attr:`seconds` is ``None`` (``None`` when it has a value)."""


@dataclass(frozen=True)
class DatabaseStatus:
    """What the health probe learned about the database."""

    transaction_read_only: bool
    in_recovery: bool
    latency_ms: float
    replication_lag_seconds: float | None = None
    """On a replica: ``rpo_lag_in_msec`` of this region in ``aurora_global_db_status()`` (Aurora
    PostgreSQL), else ``now() - pg_last_xact_replay_timestamp()``; ``None`` on a writer or when
    neither can be read (:attr:`replication_lag_unavailable` says why)."""
    replication_lag_source: str | None = None
    """:data:`LAG_SOURCE_AURORA` or :data:`LAG_SOURCE_REPLAY`: where the lag came from."""
    replication_lag_unavailable: str | None = None
    """Why :attr:`replication_lag_seconds` is ``None`` (``None`` when it has a value)."""

    @property
    def writable(self) -> bool:
        """True when this database accepts writes (it is the writer)."""
        return not self.transaction_read_only and not self.in_recovery


_PROBE_POLICY = RetryPolicy(max_attempts=2, base_delay_seconds=0.0, max_delay_seconds=0.0)


def _scalar(rows: list[list[object]] | None) -> object:
    if not rows or not rows[0]:
        raise RuntimeError("expected one row with one column")
    return rows[0][0]


class _BoundedConnection:
    """Runs each statement with a socket timeout that ends no later than the deadline."""

    def __init__(self, connection: Connection, deadline: Deadline, cap_seconds: float) -> None:
        self._connection = connection
        self._deadline = deadline
        self._cap = cap_seconds

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        remaining = self._deadline.remaining()
        if remaining < MIN_ATTEMPT_SECONDS:
            raise DeadlineReachedError("no time left for the next statement")
        if isinstance(self._connection, SupportsTimeout):
            self._connection.set_timeout(min(remaining, self._cap))
        # The socket timeout bounds each read; this bounds the statement as a whole (a server
        # answering in slow chunks). An interrupted statement leaves the connection broken:
        # DependencyTimeoutError is an OSError, so the unit discards it.
        return call_within(
            self._deadline, "database statement", lambda: self._connection.run(sql, **params)
        )

    def close(self) -> None:
        self._connection.close()


class Database:
    """A lazily opened, reused connection with transactions and transient-error retries."""

    def __init__(
        self,
        settings: DatabaseSettings,
        credentials: CredentialsProvider,
        *,
        connect: ConnectionFactory = pg8000_connect,
        ssl_context: ssl.SSLContext | None = None,
        guard: WriteGuard | None = None,
        lag_region: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._connect = connect
        self._ssl_context = ssl_context or create_ssl_context(settings.ca_bundle)
        self._guard = guard
        self._lag_region = lag_region
        """This region: its row of ``aurora_global_db_status()`` is the replication lag."""
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rand = rand
        self._timer = timer
        self._lock = threading.RLock()
        self._connection: Connection | None = None
        self._connection_host: str | None = None
        self._write_checked = False
        """The guard confirmed the open connection for writes."""

    def transaction(
        self, work: Callable[[Connection], T], *, deadline: Deadline | None = None
    ) -> T:
        """Run ``work`` inside one transaction (committed on return, rolled back on error).

        ``COMMIT`` is the last statement; when it cannot be confirmed (the connection broke or
        the deadline came), the work is either re-run (it is idempotent) or reported as
        unavailable, never as done. With a guard, the unit runs only on a connection to the
        host the guard approves (approval refused: its :class:`ServiceError`).
        """
        return self._execute(work, transactional=True, policy=self._retry, deadline=deadline)

    def session(
        self,
        work: Callable[[Connection], T],
        *,
        policy: RetryPolicy | None = None,
        deadline: Deadline | None = None,
    ) -> T:
        """Run ``work`` on the connection without an enclosing transaction."""
        return self._execute(
            work, transactional=False, policy=policy or self._retry, deadline=deadline
        )

    def probe(self, *, deadline: Deadline | None = None) -> DatabaseStatus:
        """``SELECT 1``, ``SHOW transaction_read_only``, ``pg_is_in_recovery()`` and, on a
        replica, the replication lag (:class:`DatabaseStatus`).

        Tries twice without delay, so a connection that went stale between invocations
        is replaced instead of reported as an outage.
        """

        def work(connection: Connection) -> DatabaseStatus:
            started = self._timer()
            if _scalar(connection.run("SELECT 1")) != 1:
                raise RuntimeError("SELECT 1 did not return 1")
            read_only = _scalar(connection.run("SHOW transaction_read_only"))
            in_recovery = _scalar(connection.run("SELECT pg_is_in_recovery()"))
            lag, source, unavailable = (
                self._replication_lag(connection)
                if in_recovery is True
                else (None, None, NOT_A_REPLICA)
            )
            return DatabaseStatus(
                transaction_read_only=read_only == "on",
                in_recovery=in_recovery is True,
                latency_ms=round((self._timer() - started) * 1000, 2),
                replication_lag_seconds=lag,
                replication_lag_source=source,
                replication_lag_unavailable=unavailable,
            )

        return self._execute(work, transactional=False, policy=_PROBE_POLICY, deadline=deadline)

    def replication_lag(self, connection: Connection) -> ReplicationLag:
        """This region's replication lag, read on ``connection`` (inside a unit of work, so on
        the same connection as the unit's other statements), as :meth:`probe` reads it.

        ``pg_is_in_recovery()`` first (PostgreSQL documentation, "System Administration
        Functions", "Recovery Information Functions": true while recovery is still in
        progress, as on a standby): a database that is not in recovery has no lag
        (:data:`NOT_A_REPLICA`), whatever ``aurora_global_db_status()`` says.
        """
        if _scalar(connection.run("SELECT pg_is_in_recovery()")) is not True:
            return ReplicationLag(None, None, NOT_A_REPLICA)
        seconds, source, unavailable = self._replication_lag(connection)
        return ReplicationLag(seconds, source, unavailable)

    def _replication_lag(
        self, connection: Connection
    ) -> tuple[float | None, str | None, str | None]:
        """``(seconds, source, None)``, or ``(None, None, reason)`` when no source answers.

        ``aurora_global_db_status()`` where the server has it, else (or when it gives no
        value) ``pg_last_xact_replay_timestamp()``. A server-side error of either query is a
        reason, not a probe failure.
        """
        reasons: list[str] = []
        if _scalar(connection.run(_HAS_AURORA_STATUS)) is True:
            lag, reason = self._aurora_lag(connection)
            if lag is not None:
                return lag, LAG_SOURCE_AURORA, None
            reasons.append(reason)
        else:
            reasons.append(f"{LAG_SOURCE_AURORA}() does not exist")
        try:
            value = _scalar(connection.run(_REPLAY_LAG))
        except PgDatabaseError as exc:
            reasons.append(f"{LAG_SOURCE_REPLAY}() failed ({sqlstate(exc)})")
        else:
            if value is not None:
                return round(float(str(value)), 3), LAG_SOURCE_REPLAY, None
            reasons.append(f"{LAG_SOURCE_REPLAY}() is null (nothing replayed yet)")
        return None, None, "; ".join(reasons)

    def _aurora_lag(self, connection: Connection) -> tuple[float | None, str]:
        """This region's ``rpo_lag_in_msec`` in seconds, or ``None`` and why not."""
        try:
            rows = connection.run(_AURORA_LAG, region=self._lag_region)
        except PgDatabaseError as exc:
            return None, f"{LAG_SOURCE_AURORA}() failed ({sqlstate(exc)})"
        value = rows[0][0] if rows and rows[0] else None
        if not isinstance(value, int | float):
            return None, f"{LAG_SOURCE_AURORA}() has no lag for {self._lag_region}"
        if value < 0:
            return None, f"{LAG_SOURCE_AURORA}() reports {self._lag_region} as the primary"
        return round(float(value) / 1000, 3), ""

    def close(self) -> None:
        """Close the connection, if one is open."""
        with self._lock:
            self._discard()

    def _execute(
        self,
        work: Callable[[Connection], T],
        *,
        transactional: bool,
        policy: RetryPolicy,
        deadline: Deadline | None,
    ) -> T:
        with self._lock:
            write_host = (
                self._guard.approve(deadline) if transactional and self._guard is not None else None
            )
            attempt = 0
            replaced_lost_connection = False
            last_error: Exception | None = None
            while True:
                if deadline is not None and not deadline.allows(MIN_ATTEMPT_SECONDS):
                    self._give_up("deadline", attempt, last_error)
                reused = self._connection is not None
                try:
                    connection = self._open_connection(deadline, write_host)
                    if transactional:
                        return self._in_transaction(connection, work, deadline)
                    return self._in_session(connection, work, deadline)
                except ServiceError:
                    raise
                except Exception as exc:
                    last_error = exc
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
                    if failure.kind is FailureKind.BUSY:
                        _log.warning("database_busy", reason=failure.reason)
                        raise DatabaseBusyError(
                            "the database did not finish in time (lock or statement timeout); "
                            "retry later"
                        ) from exc
                    if failure.connection_lost and reused and not replaced_lost_connection:
                        replaced_lost_connection = True
                        _log.warning("database_connection_lost_reconnecting", reason=failure.reason)
                        continue
                    attempt += 1
                    if failure.kind is FailureKind.TRANSIENT and attempt < policy.max_attempts:
                        delay = policy.delay(attempt - 1, self._rand)
                        if deadline is None or deadline.allows(delay + MIN_ATTEMPT_SECONDS):
                            _log.warning(
                                "database_retry",
                                reason=failure.reason,
                                attempt=attempt,
                                delay_ms=round(delay * 1000, 1),
                            )
                            self._sleep(delay)
                            continue
                    _log.error(
                        "database_unavailable",
                        reason=failure.reason,
                        kind=failure.kind.value,
                        attempts=attempt,
                    )
                    raise DatabaseUnavailableError(
                        "the database is unavailable; retry later"
                    ) from exc

    def _give_up(self, reason: str, attempts: int, last_error: Exception | None) -> None:
        _log.error("database_unavailable", reason=reason, kind="deadline", attempts=attempts)
        raise DatabaseUnavailableError(
            "the database did not answer in time; retry later"
        ) from last_error

    def _bounded(self, connection: Connection, deadline: Deadline | None) -> Connection:
        if deadline is None:
            return connection
        cap = self._settings.statement_timeout_ms / 1000 + SOCKET_SLACK_SECONDS
        return _BoundedConnection(connection, deadline, cap)

    def _limit_statements(
        self, connection: Connection, deadline: Deadline | None, *, local: bool
    ) -> None:
        """Server-side ``statement_timeout`` for this unit: the setting, or less when the
        deadline is nearer, so a lock wait ends with 57014 while the request can answer."""
        if deadline is None:
            return
        budget_ms = int((deadline.remaining() - STATEMENT_SLACK_SECONDS) * 1000)
        if budget_ms < 1:
            raise DeadlineReachedError("no time left for a statement")
        timeout_ms = min(self._settings.statement_timeout_ms, budget_ms)
        connection.run(
            "SELECT set_config('statement_timeout', :value, :local)",
            value=str(timeout_ms),
            local=local,
        )

    def _in_session(
        self, connection: Connection, work: Callable[[Connection], T], deadline: Deadline | None
    ) -> T:
        bounded = self._bounded(connection, deadline)
        self._limit_statements(bounded, deadline, local=False)
        return work(bounded)

    def _in_transaction(
        self, connection: Connection, work: Callable[[Connection], T], deadline: Deadline | None
    ) -> T:
        bounded = self._bounded(connection, deadline)
        bounded.run("BEGIN")
        try:
            self._limit_statements(bounded, deadline, local=True)
            result = work(bounded)
            bounded.run("COMMIT")  # the last step: nothing after it can fail the request
        except BaseException as exc:
            if _connection_broken(exc):
                self._discard()  # the server rolls back an open transaction when it goes
            else:
                self._rollback(bounded)
            raise
        return result

    def _rollback(self, connection: Connection) -> None:
        try:
            connection.run("ROLLBACK")
        except Exception:  # the connection is broken; a new one will be opened
            self._discard()

    def _open_connection(self, deadline: Deadline | None, write_host: str | None) -> Connection:
        """The connection for this unit: to ``write_host`` (confirmed by the guard) for a
        write, to ``DB_HOST`` otherwise; an open connection to another host is closed first."""
        host = self._settings.host if write_host is None else write_host
        if self._connection is not None and self._connection_host != host:
            _log.info("database_connection_closed", reason="another_host")
            self._discard()
        if self._connection is None:
            self._connection = self._authenticated_connect(deadline, host)
            self._connection_host = host
        if write_host is not None and self._guard is not None and not self._write_checked:
            try:
                self._guard.confirm(self._bounded(self._connection, deadline))
            except ServiceError:
                self._discard()
                raise
            self._write_checked = True
        return self._connection

    def _connect_within(self, params: ConnectParams, deadline: Deadline | None) -> Connection:
        """Open a connection; with a deadline, the whole connect (TCP, TLS, SCRAM) ends by it."""
        if deadline is None:
            return self._connect(params)
        return call_within(deadline, "database connect", lambda: self._connect(params))

    def _authenticated_connect(self, deadline: Deadline | None, host: str) -> Connection:
        try:
            return self._connect_within(
                self._params(self._credentials.get(deadline=deadline), deadline, host), deadline
            )
        except Exception as exc:
            if sqlstate(exc) not in AUTH_SQLSTATES:
                raise
            _log.warning("database_auth_failed_refreshing_secret", reason=sqlstate(exc))
        credentials = self._credentials.get(force_refresh=True, deadline=deadline)
        # _params refuses to connect with less than MIN_ATTEMPT_SECONDS left.
        return self._connect_within(self._params(credentials, deadline, host), deadline)

    def _params(
        self, credentials: DbCredentials, deadline: Deadline | None, host: str
    ) -> ConnectParams:
        timeout: float = self._settings.connect_timeout_seconds
        if deadline is not None:
            timeout = deadline.cap(timeout)
            if timeout < MIN_ATTEMPT_SECONDS:
                raise DeadlineReachedError("no time left to connect")
        return ConnectParams(
            host=host,
            port=self._settings.port,
            database=self._settings.name,
            user=credentials.username,
            password=credentials.password,
            ssl_context=self._ssl_context,
            timeout_seconds=timeout,
            statement_timeout_ms=self._settings.statement_timeout_ms,
        )

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        self._connection_host = None
        self._write_checked = False
        if connection is None:
            return
        if isinstance(connection, SupportsTimeout):
            connection.set_timeout(0.05)  # closing must not wait on a silent peer
        try:
            connection.close()
        except Exception:  # already broken; nothing else to release
            _log.debug("database_close_failed")
