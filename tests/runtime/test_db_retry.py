"""Retry and reconnect rules, with a scripted fake connection factory (no server needed)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pg8000.exceptions import DatabaseError, InterfaceError  # type: ignore[import-untyped]

from payment_service.config import DatabaseSettings
from payment_service.connection import AuthenticationMethodRefusedError, Connection, ConnectParams
from payment_service.db import Database, DeadlineReachedError, FailureKind, classify
from payment_service.deadline import Deadline
from payment_service.errors import (
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    IdempotencyConflictError,
)
from payment_service.retry import RetryPolicy
from payment_service.secrets import DbCredentials, StaticCredentials


def pg_error(code: str) -> Exception:
    """As pg8000 raises it: the server's fields, decoded from the wire (a new str object,
    never the interned literal of the code, so ``is`` comparisons cannot pass by luck)."""
    wire = code.encode("ascii").decode("ascii")
    error: Exception = DatabaseError({"S": "ERROR", "C": wire, "M": f"error {code}"})
    return error


def wrapped(message: str, cause: BaseException | None) -> Exception:
    """pg8000's InterfaceError, raised from ``cause`` as pg8000 does."""
    error: Exception = InterfaceError(message)
    error.__cause__ = cause
    return error


def refused() -> Exception:
    return wrapped("Can't create a connection to host", ConnectionRefusedError(111, "refused"))


class FakeConnection:
    def __init__(self, factory: FakeFactory) -> None:
        self._factory = factory
        self.closed = False

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        self._factory.statements.append(sql)
        if sql in ("BEGIN", "COMMIT", "ROLLBACK"):
            return None
        if self._factory.query_failures:
            raise self._factory.query_failures.pop(0)
        return [[1]]

    def close(self) -> None:
        self.closed = True


class FakeFactory:
    """Connection factory whose connects and queries fail as scripted, then succeed."""

    def __init__(
        self,
        *,
        connect_failures: list[Exception] | None = None,
        query_failures: list[Exception] | None = None,
    ) -> None:
        self.connect_failures = list(connect_failures or [])
        self.query_failures = list(query_failures or [])
        self.connects = 0
        self.statements: list[str] = []
        self.connections: list[FakeConnection] = []

    def __call__(self, params: ConnectParams) -> Connection:
        self.connects += 1
        if self.connect_failures:
            raise self.connect_failures.pop(0)
        connection = FakeConnection(self)
        self.connections.append(connection)
        return connection


@pytest.fixture
def settings(tmp_path: Path) -> DatabaseSettings:
    return DatabaseSettings(
        host="db.example.internal",
        secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        ca_bundle=tmp_path / "unused.pem",
    )


MakeFakeDatabase = Callable[[FakeFactory], Database]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_fake_database(settings: DatabaseSettings, sleeps: list[float]) -> MakeFakeDatabase:
    def make(factory: FakeFactory) -> Database:
        return Database(
            settings,
            StaticCredentials(DbCredentials("app", "pw")),
            connect=factory,
            ssl_context=ssl.create_default_context(),
            retry=RetryPolicy(max_attempts=3, base_delay_seconds=0.1, max_delay_seconds=0.15),
            sleep=sleeps.append,
            rand=lambda: 0.5,
        )

    return make


def _select(connection: Connection) -> object:
    rows = connection.run("SELECT 1")
    assert rows is not None
    return rows[0][0]


@pytest.mark.parametrize("code", ["40001", "40P01"])
def test_serialization_failures_and_deadlocks_are_retried_on_the_same_connection(
    make_fake_database: MakeFakeDatabase, sleeps: list[float], code: str
) -> None:
    factory = FakeFactory(query_failures=[pg_error(code)])

    result = make_fake_database(factory).transaction(_select)

    assert result == 1
    assert factory.connects == 1
    assert factory.statements == ["BEGIN", "SELECT 1", "ROLLBACK", "BEGIN", "SELECT 1", "COMMIT"]
    assert sleeps == [0.05]


@pytest.mark.parametrize("code", ["57P01", "57P02", "57P03", "08006"])
def test_connection_level_errors_reconnect_and_retry(
    make_fake_database: MakeFakeDatabase, code: str
) -> None:
    factory = FakeFactory(query_failures=[pg_error(code)])

    assert make_fake_database(factory).transaction(_select) == 1
    assert factory.connects == 2
    assert factory.connections[0].closed is True


def test_connection_refused_is_retried_with_backoff_then_503(
    make_fake_database: MakeFakeDatabase, sleeps: list[float]
) -> None:
    factory = FakeFactory(connect_failures=[refused(), refused(), refused()])

    with pytest.raises(DatabaseUnavailableError) as raised:
        make_fake_database(factory).transaction(_select)

    assert factory.connects == 3
    assert sleeps == [0.05, 0.075]  # full jitter (rand=0.5) of 0.1 and min(0.15, 0.2)
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "5"


def test_connection_refused_then_success(
    make_fake_database: MakeFakeDatabase, sleeps: list[float]
) -> None:
    factory = FakeFactory(connect_failures=[refused()])

    assert make_fake_database(factory).transaction(_select) == 1
    assert factory.connects == 2
    assert len(sleeps) == 1


def test_read_only_is_not_retried_and_maps_to_503(
    make_fake_database: MakeFakeDatabase, sleeps: list[float]
) -> None:
    factory = FakeFactory(query_failures=[pg_error("25006")])

    with pytest.raises(DatabaseReadOnlyError) as raised:
        make_fake_database(factory).transaction(_select)

    assert factory.statements == ["BEGIN", "SELECT 1", "ROLLBACK"]
    assert sleeps == []
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "30"
    assert factory.connections[0].closed is True, "a standby connection is not kept"


@pytest.mark.parametrize("code", ["23505", "42P01", "22003", "42501"])
def test_other_database_errors_propagate_without_retry(
    make_fake_database: MakeFakeDatabase, sleeps: list[float], code: str
) -> None:
    factory = FakeFactory(query_failures=[pg_error(code)])

    with pytest.raises(DatabaseError):
        make_fake_database(factory).transaction(_select)

    assert sleeps == []
    assert factory.statements.count("BEGIN") == 1
    assert factory.statements[-1] == "ROLLBACK"


def test_tls_verification_failure_is_not_retried(
    make_fake_database: MakeFakeDatabase, sleeps: list[float]
) -> None:
    factory = FakeFactory(connect_failures=[ssl.SSLCertVerificationError("bad certificate")])

    with pytest.raises(DatabaseUnavailableError):
        make_fake_database(factory).transaction(_select)

    assert factory.connects == 1
    assert sleeps == []


def test_service_errors_from_the_work_roll_back_and_propagate(
    make_fake_database: MakeFakeDatabase, sleeps: list[float]
) -> None:
    factory = FakeFactory()

    def conflict(connection: Connection) -> None:
        connection.run("SELECT 1")
        raise IdempotencyConflictError()

    with pytest.raises(IdempotencyConflictError):
        make_fake_database(factory).transaction(conflict)

    assert factory.statements == ["BEGIN", "SELECT 1", "ROLLBACK"]
    assert sleeps == []


def test_auth_failure_refreshes_credentials_once(settings: DatabaseSettings) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.refreshes = 0

        def get(
            self, *, force_refresh: bool = False, deadline: Deadline | None = None
        ) -> DbCredentials:
            if force_refresh:
                self.refreshes += 1
                return DbCredentials("app", "new")
            return DbCredentials("app", "old")

    passwords: list[str] = []
    factory = FakeFactory()

    def connect(params: ConnectParams) -> Connection:
        passwords.append(params.password)
        if params.password == "old":
            raise pg_error("28P01")
        return factory(params)

    provider = Rotating()
    database = Database(
        settings, provider, connect=connect, ssl_context=ssl.create_default_context()
    )

    assert database.transaction(_select) == 1
    assert passwords == ["old", "new"]
    assert provider.refreshes == 1


@pytest.mark.parametrize(
    ("error", "kind", "drop"),
    [
        (pg_error("40001"), FailureKind.TRANSIENT, False),
        (pg_error("40P01"), FailureKind.TRANSIENT, False),
        (pg_error("57P01"), FailureKind.TRANSIENT, True),
        (pg_error("25006"), FailureKind.READ_ONLY, True),
        (pg_error("28P01"), FailureKind.AUTHENTICATION, True),
        (pg_error("23505"), FailureKind.OTHER, False),
        (refused(), FailureKind.TRANSIENT, True),
        (InterfaceError("network error"), FailureKind.TRANSIENT, True),
        (InterfaceError("Server refuses SSL"), FailureKind.UNAVAILABLE, True),
        (ConnectionResetError(104, "reset"), FailureKind.TRANSIENT, True),
        (ssl.SSLCertVerificationError("x"), FailureKind.UNAVAILABLE, True),
        (ValueError("bug"), FailureKind.OTHER, False),
    ],
)
def test_classification(error: Exception, kind: FailureKind, drop: bool) -> None:
    failure = classify(error)

    assert failure.kind is kind
    assert failure.drop_connection is drop


def test_full_jitter_delays_are_bounded_and_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_seconds=0.1, max_delay_seconds=0.5)

    assert [policy.delay(n, lambda: 0.999999) for n in range(5)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.5, 0.5], rel=1e-5
    )
    assert [policy.delay(n, lambda: 0.0) for n in range(5)] == [0.0] * 5
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


class ScramException(Exception):  # noqa: N818 - the name scramp gives its exception
    """Stands in for scramp's exception (classified by its type name)."""


@pytest.mark.parametrize(
    ("error", "kind", "reason", "drop", "lost"),
    [
        (
            ConnectionRefusedError(111, "refused"),
            FailureKind.TRANSIENT,
            "connection_refused",
            True,
            False,
        ),
        (ssl.SSLEOFError(8, "EOF"), FailureKind.TRANSIENT, "tls_eof", True, True),
        (ssl.SSLZeroReturnError(6, "closed"), FailureKind.TRANSIENT, "tls_eof", True, True),
        (ConnectionResetError(104, "reset"), FailureKind.TRANSIENT, "connection_reset", True, True),
        (
            ConnectionAbortedError(103, "aborted"),
            FailureKind.TRANSIENT,
            "connection_reset",
            True,
            True,
        ),
        (BrokenPipeError(32, "pipe"), FailureKind.TRANSIENT, "broken_pipe", True, True),
        (TimeoutError("timed out"), FailureKind.TRANSIENT, "timeout", True, False),
        (OSError(113, "no route to host"), FailureKind.TRANSIENT, "network_error", True, False),
        (
            wrapped("Can't create a connection", None),
            FailureKind.TRANSIENT,
            "network_error",
            True,
            False,
        ),
        (
            wrapped("Can't create a connection", TimeoutError()),
            FailureKind.TRANSIENT,
            "timeout",
            True,
            False,
        ),
        (wrapped("network error", None), FailureKind.TRANSIENT, "connection_closed", True, True),
        (wrapped("unexpected message", None), FailureKind.TRANSIENT, "network_error", True, False),
        (wrapped("network error", TimeoutError()), FailureKind.TRANSIENT, "timeout", True, False),
        (
            wrapped("network error", BrokenPipeError()),
            FailureKind.TRANSIENT,
            "broken_pipe",
            True,
            True,
        ),
        (wrapped("Server refuses SSL", None), FailureKind.UNAVAILABLE, "tls_refused", True, False),
        (ssl.SSLError(1, "handshake failure"), FailureKind.UNAVAILABLE, "tls_error", True, False),
        (
            ssl.SSLCertVerificationError(1, "bad"),
            FailureKind.UNAVAILABLE,
            "tls_verification_failed",
            True,
            False,
        ),
        (
            wrapped("authentication", ScramException()),
            FailureKind.UNAVAILABLE,
            "scram_failed",
            True,
            False,
        ),
        (
            AuthenticationMethodRefusedError("md5"),
            FailureKind.UNAVAILABLE,
            "auth_method_refused",
            True,
            False,
        ),
        (DeadlineReachedError("late"), FailureKind.UNAVAILABLE, "deadline", False, False),
        (pg_error("55P03"), FailureKind.BUSY, "55P03", False, False),
        (pg_error("57014"), FailureKind.BUSY, "57014", False, False),
        (pg_error("08006"), FailureKind.TRANSIENT, "08006", True, False),
        (pg_error("28000"), FailureKind.AUTHENTICATION, "28000", True, False),
        (
            DatabaseError("a message, not the server's fields"),
            FailureKind.OTHER,
            "DatabaseError",
            False,
            False,
        ),
        (ValueError({"C": "40001"}), FailureKind.OTHER, "ValueError", False, False),
    ],
)
def test_every_failure_class_has_its_reason_and_connection_handling(
    error: Exception, kind: FailureKind, reason: str, drop: bool, lost: bool
) -> None:
    """The reason is what the logs and the 503 carry; ``lost`` allows one immediate
    reconnect of a reused connection; ``drop`` closes the connection."""
    failure = classify(error)

    assert (failure.kind, failure.reason, failure.drop_connection, failure.connection_lost) == (
        kind,
        reason,
        drop,
        lost,
    )


def test_a_classification_is_a_value_that_cannot_be_changed() -> None:
    failure = classify(pg_error("40001"))

    with pytest.raises(FrozenInstanceError):
        failure.drop_connection = True  # type: ignore[misc]


def test_the_default_policy_is_three_attempts_50_ms_doubling_capped_at_1_s() -> None:
    policy = RetryPolicy()

    assert policy.max_attempts == 3
    assert [policy.delay(n, lambda: 1.0) for n in range(6)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"max_attempts": 0}, "max_attempts=0 must be at least 1"),
        ({"base_delay_seconds": -0.5}, "retry delays must not be negative"),
        ({"max_delay_seconds": -0.5}, "retry delays must not be negative"),
    ],
)
def test_a_policy_that_cannot_work_is_refused(arguments: dict[str, float], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_one_attempt_and_zero_delays_are_valid() -> None:
    policy = RetryPolicy(max_attempts=1, base_delay_seconds=0.0, max_delay_seconds=0.0)

    assert (policy.max_attempts, policy.delay(3, lambda: 1.0)) == (1, 0.0)
    with pytest.raises(FrozenInstanceError):
        policy.max_attempts = 5  # type: ignore[misc]
