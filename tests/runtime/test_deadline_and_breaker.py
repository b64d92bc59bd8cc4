"""The request deadline, the cache circuit breaker, and the new failure classes."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pg8000.exceptions import DatabaseError, InterfaceError  # type: ignore[import-untyped]

from payment_service.config import DatabaseSettings
from payment_service.connection import Connection, ConnectParams
from payment_service.db import Database, FailureKind, classify
from payment_service.deadline import Deadline
from payment_service.errors import DatabaseBusyError, SecretUnavailableError
from payment_service.idempotency_cache import CacheGuard, CircuitBreaker
from payment_service.retry import RetryPolicy
from payment_service.secrets import DbCredentials, SecretCache, StaticCredentials


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_deadline_is_the_remaining_time_minus_the_margin() -> None:
    clock = Clock()
    deadline = Deadline.from_context(
        Context(15000), margin_seconds=1.0, fallback_seconds=99.0, clock=clock
    )

    assert deadline.remaining() == 14.0
    clock.now += 13.5
    assert deadline.remaining() == 0.5
    assert deadline.allows(0.5)
    assert not deadline.allows(0.6)
    assert deadline.cap(5.0) == 0.5
    clock.now += 1
    assert deadline.remaining() == 0.0
    assert deadline.expired()


def test_without_a_context_the_fallback_stands_in_for_the_timeout() -> None:
    clock = Clock()
    deadline = Deadline.from_context(None, margin_seconds=1.0, fallback_seconds=15.0, clock=clock)

    assert deadline.remaining() == 14.0


def test_narrowed_takes_the_earlier_of_the_two() -> None:
    clock = Clock()
    deadline = Deadline.after(10.0, clock=clock)

    assert deadline.narrowed(1.5).remaining() == 1.5
    assert deadline.narrowed(30.0).remaining() == 10.0


def test_breaker_opens_after_the_threshold_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=30.0, clock=clock)

    breaker.record_failure()
    assert breaker.allow()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == "half_open"
    assert breaker.allow()
    assert not breaker.allow(), "only one trial call while half-open"
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow()


def test_guard_skips_a_call_the_deadline_cannot_fit_and_never_raises() -> None:
    clock = Clock()
    guard = CacheGuard(call_seconds=0.5, breaker=CircuitBreaker(clock=clock))
    calls: list[str] = []

    def fail() -> str:
        calls.append("x")
        raise TimeoutError("read timeout")

    skipped = guard.call("get_item", fail, Deadline.after(0.4, clock=clock))
    failed = guard.call("get_item", fail, Deadline.after(5.0, clock=clock))
    after = guard.call("get_item", fail, Deadline.after(5.0, clock=clock))

    assert skipped.error == "no_time_left"
    assert failed.error == "TimeoutError"
    assert after.error == "circuit_open"
    assert calls == ["x"]


@pytest.mark.parametrize(
    ("error", "kind", "lost"),
    [
        (DatabaseError({"C": "55P03", "M": "lock timeout"}), FailureKind.BUSY, False),
        (DatabaseError({"C": "57014", "M": "canceling statement"}), FailureKind.BUSY, False),
        (ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), FailureKind.TRANSIENT, True),
        (InterfaceError("network error"), FailureKind.TRANSIENT, True),
        (BrokenPipeError(32, "Broken pipe"), FailureKind.TRANSIENT, True),
        (ConnectionRefusedError(111, "refused"), FailureKind.TRANSIENT, False),
        (TimeoutError("timed out"), FailureKind.TRANSIENT, False),
        (ssl.SSLError(1, "wrong version number"), FailureKind.UNAVAILABLE, False),
    ],
)
def test_new_failure_classes(error: Exception, kind: FailureKind, lost: bool) -> None:
    failure = classify(error)

    assert failure.kind is kind
    assert failure.connection_lost is lost


def _wrapped(cause: BaseException) -> Exception:
    error: Exception = InterfaceError("network error")
    error.__cause__ = cause
    return error


def test_tls_eof_wrapped_by_pg8000_is_a_lost_connection() -> None:
    failure = classify(_wrapped(ssl.SSLEOFError(8, "EOF")))

    assert (failure.kind, failure.reason, failure.connection_lost) == (
        FailureKind.TRANSIENT,
        "tls_eof",
        True,
    )


class ScriptedConnection:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.statements: list[str] = []

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        self.statements.append(sql)
        if sql in ("BEGIN", "COMMIT", "ROLLBACK"):
            return None
        if self.failures:
            raise self.failures.pop(0)
        return [[1]]

    def close(self) -> None:
        return None


def _database(tmp_path: Path, connections: list[ScriptedConnection]) -> Database:
    pool = list(connections)

    def connect(params: ConnectParams) -> Connection:
        return pool.pop(0)

    return Database(
        DatabaseSettings(host="db", secret_arn="arn", ca_bundle=tmp_path / "x.pem"),
        StaticCredentials(DbCredentials("u", "p")),
        connect=connect,
        ssl_context=ssl.create_default_context(),
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda _s: None,
    )


def test_lock_timeout_is_busy_rolled_back_and_not_retried(tmp_path: Path) -> None:
    connection = ScriptedConnection([DatabaseError({"C": "55P03", "M": "lock"})])
    database = _database(tmp_path, [connection])

    with pytest.raises(DatabaseBusyError) as raised:
        database.transaction(lambda c: c.run("SELECT 1"))

    assert connection.statements == ["BEGIN", "SELECT 1", "ROLLBACK"]
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "1"


def test_a_lost_reused_connection_is_replaced_once_even_without_retries(tmp_path: Path) -> None:
    first = ScriptedConnection([])
    lost = _wrapped(ssl.SSLEOFError(8, "EOF"))
    second = ScriptedConnection([])
    database = _database(tmp_path, [first, second])
    database.session(lambda c: c.run("SELECT 1"))  # opens `first`
    first.failures.append(lost)

    result = database.transaction(lambda c: c.run("SELECT 1"))

    assert result == [[1]]
    assert first.statements == ["SELECT 1", "BEGIN", "SELECT 1"]
    assert second.statements == ["BEGIN", "SELECT 1", "COMMIT"]


def test_a_lost_fresh_connection_is_not_retried_past_the_policy(tmp_path: Path) -> None:
    fresh = ScriptedConnection([_wrapped(ssl.SSLEOFError(8, "EOF"))])
    database = _database(tmp_path, [fresh])

    with pytest.raises(Exception, match="unavailable"):
        database.transaction(lambda c: c.run("SELECT 1"))


class FlakySecrets:
    def __init__(self) -> None:
        self.fail = False
        self.calls = 0

    def get_secret_value(self, *, SecretId: str) -> dict[str, object]:  # noqa: N803
        self.calls += 1
        if self.fail:
            raise TimeoutError("read timeout")
        # Every GetSecretValue answer names the secret (API Reference, "Response Syntax").
        return {
            "ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{SecretId}-AbCdEf",
            "Name": SecretId,
            "SecretString": '{"username": "u", "password": "p"}',
        }


def test_expired_credentials_are_reused_while_secrets_manager_is_down() -> None:
    clock = Clock()
    client = FlakySecrets()
    cache = SecretCache(client, "arn", ttl_seconds=300, call_seconds=0.1, clock=clock)
    cache.get()
    client.fail = True
    clock.now += 301

    assert cache.get(deadline=Deadline.after(5.0)) == DbCredentials("u", "p")
    assert client.calls == 3  # one success, then two failed attempts
    with pytest.raises(SecretUnavailableError):
        cache.get(force_refresh=True, deadline=Deadline.after(5.0))


def test_no_secrets_call_starts_when_the_deadline_cannot_fit_it() -> None:
    client = FlakySecrets()
    cache = SecretCache(client, "arn", call_seconds=2.5)

    with pytest.raises(SecretUnavailableError):
        cache.get(deadline=Deadline.after(2.0))

    assert client.calls == 0
