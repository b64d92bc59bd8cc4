"""How a unit of work spends its request deadline: connect timeout, socket timeouts, the
server-side statement timeout, backoff and the last moment a step may start.

Scripted connections on a fake clock (every statement costs a set time), so each figure
below is exact; no server is needed.
"""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pg8000.exceptions import DatabaseError  # type: ignore[import-untyped]

from payment_service.config import DatabaseSettings
from payment_service.connection import Connection, ConnectParams
from payment_service.db import Database, WriteGuard
from payment_service.deadline import Deadline
from payment_service.errors import (
    DatabaseBusyError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    IdempotencyConflictError,
    ServiceError,
)
from payment_service.logging import configure_logging
from payment_service.retry import RetryPolicy
from payment_service.secrets import DbCredentials, StaticCredentials

LAG_QUERY = "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TimedConnection:
    """Each statement advances the clock by ``cost``; records socket timeouts and params."""

    def __init__(self, clock: Clock, cost: float, rows: dict[str, list[list[object]]]) -> None:
        self.clock = clock
        self.cost = cost
        self.rows = rows
        self.statements: list[tuple[str, dict[str, object]]] = []
        self.timeouts: list[float] = []
        self.failures: list[Exception] = []
        self.closed = False
        self.close_error: Exception | None = None

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        self.statements.append((sql, params))
        self.clock.now += self.cost
        if self.failures:
            raise self.failures.pop(0)
        return self.rows.get(sql, [[1]])

    def set_timeout(self, seconds: float) -> None:
        self.timeouts.append(seconds)

    def close(self) -> None:
        self.closed = True
        if self.close_error is not None:
            raise self.close_error

    @property
    def sql(self) -> list[str]:
        return [sql for sql, _params in self.statements]


class Connector:
    def __init__(self, clock: Clock, cost: float = 0.5) -> None:
        self.clock = clock
        self.cost = cost
        self.rows: dict[str, list[list[object]]] = {}
        self.params: list[ConnectParams] = []
        self.connections: list[TimedConnection] = []
        self.failures: list[Exception] = []

    def __call__(self, params: ConnectParams) -> Connection:
        self.params.append(params)
        if self.failures:
            raise self.failures.pop(0)
        connection = TimedConnection(self.clock, self.cost, self.rows)
        self.connections.append(connection)
        return connection


def probe_answers(read_only: str, in_recovery: bool, lag: object = None) -> Connector:
    """A connector whose server answers the probe's queries (statements cost nothing)."""
    connector = Connector(Clock(), cost=0.0)
    connector.rows["SHOW transaction_read_only"] = [[wire(read_only)]]
    connector.rows["SELECT pg_is_in_recovery()"] = [[in_recovery]]
    connector.rows[LAG_QUERY] = [[lag]]
    return connector


class RotatingCredentials(StaticCredentials):
    """``old`` until a forced refresh, then ``new``; every fetch costs ``fetch_seconds`` and a
    refresh ``refresh_seconds`` on ``clock``."""

    def __init__(
        self, clock: Clock, fetch_seconds: float = 0.0, refresh_seconds: float = 0.0
    ) -> None:
        super().__init__(DbCredentials("app", "old"))
        self.clock = clock
        self.fetch_seconds = fetch_seconds
        self.refresh_seconds = refresh_seconds

    def get(
        self, *, force_refresh: bool = False, deadline: Deadline | None = None
    ) -> DbCredentials:
        self.clock.now += self.refresh_seconds if force_refresh else self.fetch_seconds
        return DbCredentials("app", "new" if force_refresh else "old")


def wire(text: str) -> str:
    """A string as pg8000 returns it: decoded from the wire, a new object (never the interned
    literal, so an ``is`` comparison in the code cannot pass by luck)."""
    return text.encode("ascii").decode("ascii")


def settings(tmp_path: Path, statement_timeout_ms: int = 1000) -> DatabaseSettings:
    return DatabaseSettings(
        host="writer.example.internal",
        secret_arn="arn:aws:secretsmanager:us-east-2:123456789012:secret:x",
        ca_bundle=tmp_path / "unused.pem",
        statement_timeout_ms=statement_timeout_ms,
    )


def database(
    tmp_path: Path,
    connector: Connector,
    *,
    retry: RetryPolicy | None = None,
    sleeps: list[float] | None = None,
    statement_timeout_ms: int = 1000,
    guard: WriteGuard | None = None,
    timer: Callable[[], float] | None = None,
    credentials: StaticCredentials | None = None,
    lag_region: str | None = None,
) -> Database:
    recorded = sleeps if sleeps is not None else []
    return Database(
        settings(tmp_path, statement_timeout_ms),
        credentials or StaticCredentials(DbCredentials("app", "pw")),
        connect=connector,
        ssl_context=ssl.create_default_context(),
        retry=retry or RetryPolicy(max_attempts=1),
        sleep=recorded.append,
        rand=lambda: 1.0,
        guard=guard,
        lag_region=lag_region,
        timer=timer or (lambda: 0.0),
    )


def select_one(connection: Connection) -> object:
    return connection.run("SELECT 1")


def test_a_transaction_gives_each_step_only_what_is_left_of_the_deadline(
    tmp_path: Path,
) -> None:
    """Deadline 3 s, every statement 0.5 s, statement_timeout 1500 ms: the socket timeout of
    each statement is min(time left, 1.5 s statement timeout + 1 s slack); the unit's
    server-side statement timeout is min(1500 ms, time left - 0.2 s)."""
    clock = Clock()
    connector = Connector(clock)

    result = database(tmp_path, connector, statement_timeout_ms=1500).transaction(
        select_one, deadline=Deadline.after(3.0, clock=clock)
    )

    assert result == [[1]]
    assert connector.params[0].timeout_seconds == 3.0
    assert connector.params[0].statement_timeout_ms == 1500
    connection = connector.connections[0]
    assert connection.statements == [
        ("BEGIN", {}),
        (
            "SELECT set_config('statement_timeout', :value, :local)",
            {"value": "1500", "local": True},
        ),
        ("SELECT 1", {}),
        ("COMMIT", {}),
    ]
    assert connection.timeouts == [2.5, 2.5, 2.0, 1.5]


def test_near_the_deadline_the_statement_timeout_shrinks_to_what_is_left(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.25)

    database(tmp_path, connector, statement_timeout_ms=5000).session(
        select_one, deadline=Deadline.after(2.0, clock=clock)
    )

    connection = connector.connections[0]
    assert connection.statements[0] == (
        "SELECT set_config('statement_timeout', :value, :local)",
        {"value": "1800", "local": False},
    )
    assert connection.sql == ["SELECT set_config('statement_timeout', :value, :local)", "SELECT 1"]
    assert connection.timeouts == [2.0, 1.75]
    assert connector.params[0].timeout_seconds == 2.0


def test_without_a_deadline_nothing_is_narrowed(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock)

    database(tmp_path, connector).transaction(select_one)

    assert connector.connections[0].sql == ["BEGIN", "SELECT 1", "COMMIT"]
    assert connector.connections[0].timeouts == []
    assert connector.params[0].timeout_seconds == 5


@pytest.mark.parametrize(("left", "connects"), [(0.05, 1), (0.049, 0)])
def test_no_connect_starts_with_less_than_50_ms_left(
    tmp_path: Path, left: float, connects: int
) -> None:
    """With 50 ms left the connection is opened (the unit then stops before its first
    statement: the statement timeout needs 200 ms of slack); with 49 ms nothing starts."""
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    deadline = Deadline.after(left, clock=clock)

    with pytest.raises(DatabaseUnavailableError, match="did not answer in time|unavailable"):
        database(tmp_path, connector).session(select_one, deadline=deadline)

    assert len(connector.params) == connects
    assert all(connection.sql == [] for connection in connector.connections)


def test_a_statement_due_after_the_deadline_is_not_sent_and_the_connection_is_dropped(
    tmp_path: Path,
) -> None:
    """Deadline 1.2 s, statements 0.5 s: BEGIN, set_config, then 0.2 s are left, so the
    work's statement still starts; COMMIT would start with 0 s left and is never sent. No
    ROLLBACK is attempted either: the connection is closed and the server rolls back."""
    clock = Clock()
    connector = Connector(clock)
    db = database(tmp_path, connector, retry=RetryPolicy(max_attempts=3, base_delay_seconds=0))

    with pytest.raises(DatabaseUnavailableError):
        db.transaction(select_one, deadline=Deadline.after(1.2, clock=clock))

    first = connector.connections[0]
    assert first.sql == [
        "BEGIN",
        "SELECT set_config('statement_timeout', :value, :local)",
        "SELECT 1",
    ]
    assert first.closed
    assert first.timeouts == pytest.approx([1.2, 0.7, 0.2, 0.05]), "the last: closing"
    assert len(connector.connections) == 1, "no retry starts after the deadline"

    db.session(select_one)
    assert len(connector.connections) == 2, "the next unit opens a fresh connection"


@pytest.mark.parametrize(("left", "ran"), [(0.201, True), (0.2, False)])
def test_the_work_needs_a_millisecond_of_statement_time_after_the_slack(
    tmp_path: Path, left: float, ran: bool
) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    db = database(tmp_path, connector)
    deadline = Deadline.after(left, clock=clock)

    if ran:
        db.transaction(select_one, deadline=deadline)
        assert connector.connections[0].statements[1][1] == {"value": "1", "local": True}
    else:
        with pytest.raises(DatabaseUnavailableError):
            db.transaction(select_one, deadline=deadline)
        assert connector.connections[0].sql == ["BEGIN"]


@pytest.mark.parametrize(("left", "sleeps_expected"), [(0.5, [0.45]), (0.499, [])])
def test_a_backoff_is_slept_only_when_an_attempt_still_fits_after_it(
    tmp_path: Path, left: float, sleeps_expected: list[float]
) -> None:
    """A serialization failure costs 2 s here and leaves ``left``; the backoff is 0.45 s and
    the next attempt needs 50 ms after it (0.5 s in all)."""
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    sleeps: list[float] = []
    db = database(
        tmp_path,
        connector,
        retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.45, max_delay_seconds=1.0),
        sleeps=sleeps,
    )
    deadline = Deadline(2.0 + left, clock=clock)

    def work(connection: Connection) -> object:
        if clock.now == 0.0:
            clock.now = 2.0
            raise DatabaseError({"C": "40001", "M": "could not serialize"})
        return connection.run("SELECT 1")

    if sleeps_expected:
        assert db.transaction(work, deadline=deadline) == [[1]]
    else:
        with pytest.raises(DatabaseUnavailableError, match="unavailable"):
            db.transaction(work, deadline=deadline)
    assert sleeps == sleeps_expected


def test_the_connect_timeout_is_what_is_left_and_no_connect_starts_too_late(
    tmp_path: Path,
) -> None:
    clock = Clock()
    connector = Connector(clock)
    db = database(tmp_path, connector, credentials=RotatingCredentials(clock, fetch_seconds=0.97))

    db.session(select_one, deadline=Deadline.after(2.0, clock=clock))
    assert connector.params[0].timeout_seconds == pytest.approx(1.03)

    db.close()
    with pytest.raises(DatabaseUnavailableError):
        db.session(select_one, deadline=Deadline.after(1.0, clock=clock))
    assert len(connector.params) == 1, "0.03 s left after the secret: no connect"


def test_a_refused_password_is_refreshed_but_not_past_the_deadline(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock)
    connector.failures.append(DatabaseError({"C": "28P01", "M": "password authentication"}))
    db = database(tmp_path, connector, credentials=RotatingCredentials(clock, refresh_seconds=0.96))

    with pytest.raises(DatabaseUnavailableError):
        db.session(select_one, deadline=Deadline.after(1.0, clock=clock))
    assert [params.password for params in connector.params] == ["old"]


def test_closing_a_connection_never_waits_on_a_silent_peer(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock)
    db = database(tmp_path, connector)
    db.session(select_one)
    connection = connector.connections[0]
    connection.close_error = TimeoutError("the peer is silent")

    db.close()
    db.close()

    assert connection.closed
    assert connection.timeouts == [0.05]
    db.session(select_one)
    assert len(connector.connections) == 2


def test_the_probe_of_a_standby_reports_recovery_and_the_replay_lag(tmp_path: Path) -> None:
    connector = probe_answers("on", True, lag="2.34567")

    status = database(tmp_path, connector).probe()

    assert (status.transaction_read_only, status.in_recovery) == (True, True)
    assert status.replication_lag_seconds == 2.346
    assert status.replication_lag_source == "pg_last_xact_replay_timestamp"
    assert status.replication_lag_unavailable is None
    assert not status.writable


def test_the_probe_of_a_writer_reports_no_lag(tmp_path: Path) -> None:
    connector = probe_answers("off", False)

    status = database(tmp_path, connector).probe()

    assert (status.transaction_read_only, status.in_recovery) == (False, False)
    assert status.replication_lag_seconds is None
    assert status.replication_lag_source is None
    assert status.replication_lag_unavailable == "not a replica (not in recovery)"
    assert status.writable
    assert connector.connections[0].sql == [
        "SELECT 1",
        "SHOW transaction_read_only",
        "SELECT pg_is_in_recovery()",
    ]


def test_a_standby_that_has_replayed_nothing_reports_an_unknown_lag(tmp_path: Path) -> None:
    connector = probe_answers("on", True, lag=None)

    status = database(tmp_path, connector).probe()

    assert status.in_recovery
    assert status.replication_lag_seconds is None
    assert status.replication_lag_source is None
    assert status.replication_lag_unavailable == (
        "aurora_global_db_status() does not exist; "
        "pg_last_xact_replay_timestamp() is null (nothing replayed yet)"
    )


@pytest.mark.parametrize("rows", [[], [[]]])
def test_a_probe_answer_without_a_value_is_an_error_not_a_status(
    tmp_path: Path, rows: list[list[object]]
) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SELECT 1"] = rows

    with pytest.raises(RuntimeError, match="expected one row with one column"):
        database(tmp_path, connector).probe()


@pytest.mark.parametrize("value", [0, 2])
def test_a_probe_whose_select_1_is_not_1_is_an_error(tmp_path: Path, value: int) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SELECT 1"] = [[value]]

    with pytest.raises(RuntimeError, match="SELECT 1 did not return 1"):
        database(tmp_path, connector).probe()


def test_a_statement_may_start_with_exactly_50_ms_left(tmp_path: Path) -> None:
    clock = Clock()
    clock.now = -0.3  # a monotonic clock has no fixed origin; 0.1 - 0.05 is exact in binary
    connector = Connector(clock, cost=0.0)

    def work(connection: Connection) -> object:
        clock.now = 0.05
        return connection.run("SELECT 1")

    assert database(tmp_path, connector).session(work, deadline=Deadline(0.1, clock=clock)) == [[1]]
    assert connector.connections[0].timeouts == [0.4, 0.05]


def test_the_probe_measures_its_latency_in_milliseconds(tmp_path: Path) -> None:
    readings = iter([0.01, 0.0223456])
    connector = probe_answers("off", False)

    status = database(tmp_path, connector, timer=lambda: next(readings)).probe()

    assert status.latency_ms == 12.35


def test_the_probe_retries_once_at_once(tmp_path: Path) -> None:
    connector = probe_answers("off", False)
    connector.failures.append(ConnectionRefusedError(111, "refused"))
    sleeps: list[float] = []

    status = database(tmp_path, connector, sleeps=sleeps).probe()

    assert status.writable
    assert sleeps == [0.0]
    assert len(connector.params) == 2


def test_a_probe_status_is_a_value_that_cannot_be_changed(tmp_path: Path) -> None:
    connector = probe_answers("off", False)
    status = database(tmp_path, connector).probe()

    with pytest.raises(FrozenInstanceError):
        status.in_recovery = True  # type: ignore[misc]


def test_a_lock_timeout_keeps_the_connection_it_rolled_back(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    db = database(tmp_path, connector)
    db.session(select_one)
    first = connector.connections[0]

    def work(connection: Connection) -> object:
        first.failures.append(DatabaseError({"C": "55P03", "M": "lock timeout"}))
        return connection.run("SELECT 1")

    with pytest.raises(DatabaseBusyError):
        db.transaction(work)
    db.transaction(select_one)

    assert len(connector.connections) == 1
    assert connector.connections[0].sql == [
        "SELECT 1",
        "BEGIN",
        "SELECT 1",
        "ROLLBACK",
        "BEGIN",
        "SELECT 1",
        "COMMIT",
    ]


def test_a_session_step_refused_for_time_keeps_the_connection(tmp_path: Path) -> None:
    """No statement was sent, so the connection is still in step with the server."""
    clock = Clock()
    connector = Connector(clock)
    db = database(tmp_path, connector)

    with pytest.raises(DatabaseUnavailableError):
        db.session(select_one, deadline=Deadline.after(0.54, clock=clock))
    db.session(select_one)

    assert len(connector.connections) == 1
    assert connector.connections[0].sql == [
        "SELECT set_config('statement_timeout', :value, :local)",
        "SELECT 1",
    ]
    assert not connector.connections[0].closed


@pytest.mark.parametrize(
    ("error", "connections"),
    [(ssl.SSLError(1, "bad record mac"), 1), (OSError(113, "no route to host"), 2)],
    ids=["tls-error-not-retried", "network-error-retried"],
)
def test_a_session_whose_connection_fails_drops_it(
    tmp_path: Path, error: Exception, connections: int
) -> None:
    connector = Connector(Clock(), cost=0.0)
    db = database(tmp_path, connector, retry=RetryPolicy(max_attempts=2, base_delay_seconds=0))
    db.session(select_one)
    connector.connections[0].failures.append(error)

    if connections == 1:
        with pytest.raises(DatabaseUnavailableError):
            db.session(select_one)
    else:
        db.session(select_one)

    assert connector.connections[0].closed
    assert len(connector.connections) == connections
    db.session(select_one)
    assert len(connector.connections) == 2


def test_a_failed_rollback_drops_the_connection_and_the_work_error_stands(
    tmp_path: Path,
) -> None:
    connector = Connector(Clock(), cost=0.0)
    db = database(tmp_path, connector)
    db.session(select_one)
    first = connector.connections[0]

    def work(connection: Connection) -> object:
        first.failures.append(BrokenPipeError(32, "pipe"))  # the ROLLBACK will fail
        raise IdempotencyConflictError

    with pytest.raises(IdempotencyConflictError):
        db.transaction(work)

    assert first.sql == ["SELECT 1", "BEGIN", "ROLLBACK"]
    assert first.closed
    db.session(select_one)
    assert len(connector.connections) == 2


def test_backoff_doubles_between_attempts(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    for _ in range(3):
        connector.failures.append(ConnectionRefusedError(111, "refused"))
    sleeps: list[float] = []
    db = database(
        tmp_path,
        connector,
        retry=RetryPolicy(max_attempts=4, base_delay_seconds=0.1, max_delay_seconds=1.0),
        sleeps=sleeps,
    )

    db.session(select_one)

    assert sleeps == pytest.approx([0.1, 0.2, 0.4])
    assert len(connector.params) == 4


def test_a_reused_connection_is_replaced_for_free_only_once_per_unit(tmp_path: Path) -> None:
    """Lost (free reconnect), serialization failure (attempt 1), lost again on the kept
    connection: that counts as attempt 2, the last the policy allows."""
    connector = Connector(Clock(), cost=0.0)
    db = database(tmp_path, connector, retry=RetryPolicy(max_attempts=2, base_delay_seconds=0))
    db.session(select_one)
    connector.connections[0].failures.append(ConnectionResetError(104, "reset"))
    outcomes: list[Exception] = [
        DatabaseError({"C": "40001", "M": "could not serialize"}),
        ConnectionResetError(104, "reset"),
    ]

    def work(connection: Connection) -> object:
        rows = connection.run("SELECT 1")
        if connection is not connector.connections[0] and outcomes:
            raise outcomes.pop(0)
        return rows

    with pytest.raises(DatabaseUnavailableError):
        db.session(work)

    assert len(connector.connections) == 2, "no third connection: the free reconnect is spent"


def test_each_retry_is_logged_with_its_reason_attempt_and_delay(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    connector.failures.append(ConnectionRefusedError(111, "refused"))
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    try:
        database(
            tmp_path,
            connector,
            retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.1234567),
        ).session(select_one)
    finally:
        configure_logging()

    (retry,) = [
        event
        for event in map(json.loads, stream.getvalue().splitlines())
        if event["event"] == "database_retry"
    ]
    assert (retry["reason"], retry["attempt"], retry["delay_ms"]) == (
        "connection_refused",
        1,
        123.5,
    )


def test_a_writer_set_read_only_is_not_writable(tmp_path: Path) -> None:
    """Not in recovery, but ``default_transaction_read_only`` is on: writes would fail."""
    connector = probe_answers("on", False)

    status = database(tmp_path, connector).probe()

    assert (status.transaction_read_only, status.in_recovery, status.writable) == (
        True,
        False,
        False,
    )


def test_the_probe_gives_up_after_its_second_attempt(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    connector.failures += [ConnectionRefusedError(111, "refused")] * 3

    with pytest.raises(DatabaseUnavailableError):
        database(tmp_path, connector, retry=RetryPolicy(max_attempts=5)).probe()

    assert len(connector.params) == 2


def test_a_refused_password_is_refreshed_and_retried_while_time_is_left(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock)
    connector.failures.append(DatabaseError({"C": "28P01", "M": "password authentication"}))
    db = database(tmp_path, connector, credentials=RotatingCredentials(clock))

    db.session(select_one, deadline=Deadline.after(2.0, clock=clock))

    assert [(params.password, params.timeout_seconds) for params in connector.params] == [
        ("old", 2.0),
        ("new", 2.0),
    ]


# Replication lag on Aurora PostgreSQL: aurora_global_db_status() where it exists.

HAS_AURORA = "SELECT to_regprocedure('aurora_global_db_status()') IS NOT NULL"
AURORA_LAG = "SELECT rpo_lag_in_msec FROM aurora_global_db_status() WHERE aws_region = :region"


def aurora_answers(rpo_rows: list[list[object]], replay: object = None) -> Connector:
    connector = probe_answers("on", True, lag=replay)
    connector.rows[HAS_AURORA] = [[True]]
    connector.rows[AURORA_LAG] = rpo_rows
    return connector


def test_the_lag_of_an_aurora_replica_is_its_regions_rpo_lag(tmp_path: Path) -> None:
    connector = aurora_answers([[1250]], replay="9.0")

    status = database(tmp_path, connector, lag_region="us-east-2").probe()

    assert status.replication_lag_seconds == 1.25
    assert status.replication_lag_source == "aurora_global_db_status"
    assert status.replication_lag_unavailable is None
    assert connector.connections[0].statements[-1] == (AURORA_LAG, {"region": "us-east-2"})
    assert LAG_QUERY not in connector.connections[0].sql


def test_a_zero_rpo_lag_is_a_lag_of_zero_not_a_missing_one(tmp_path: Path) -> None:
    status = database(tmp_path, aurora_answers([[0]]), lag_region="us-east-2").probe()

    assert (status.replication_lag_seconds, status.replication_lag_source) == (
        0.0,
        "aurora_global_db_status",
    )


def test_without_a_row_for_this_region_the_replay_lag_is_used(tmp_path: Path) -> None:
    status = database(tmp_path, aurora_answers([], replay="0.5"), lag_region="us-east-2").probe()

    assert status.replication_lag_seconds == 0.5
    assert status.replication_lag_source == "pg_last_xact_replay_timestamp"


def test_a_primary_row_and_no_replay_is_no_lag_with_both_reasons(tmp_path: Path) -> None:
    connector = aurora_answers([[-1]])

    status = database(tmp_path, connector, lag_region="us-east-1").probe()

    assert status.replication_lag_seconds is None
    assert status.replication_lag_source is None
    assert status.replication_lag_unavailable == (
        "aurora_global_db_status() reports us-east-1 as the primary; "
        "pg_last_xact_replay_timestamp() is null (nothing replayed yet)"
    )


def test_a_null_rpo_lag_is_no_lag_for_this_region(tmp_path: Path) -> None:
    status = database(tmp_path, aurora_answers([[None]]), lag_region="us-east-2").probe()

    assert status.replication_lag_unavailable == (
        "aurora_global_db_status() has no lag for us-east-2; "
        "pg_last_xact_replay_timestamp() is null (nothing replayed yet)"
    )


def test_a_lag_query_the_server_refuses_is_a_reason_not_a_failed_probe(tmp_path: Path) -> None:
    connector = aurora_answers([[5]])
    denied = DatabaseError({"C": "42501", "M": "permission denied for function"})
    failing = {AURORA_LAG: denied, LAG_QUERY: DatabaseError({"C": "XX000", "M": "internal"})}

    class Refusing(TimedConnection):
        def run(self, sql: str, **params: object) -> list[list[object]] | None:
            if sql in failing:
                self.statements.append((sql, params))
                raise failing[sql]
            return super().run(sql, **params)

    refusing = Refusing(connector.clock, 0.0, connector.rows)
    db = database(tmp_path, lambda params: refusing, lag_region="us-east-2")  # type: ignore[arg-type]

    status = db.probe()

    assert status.in_recovery
    assert status.replication_lag_seconds is None
    assert status.replication_lag_unavailable == (
        "aurora_global_db_status() failed (42501); pg_last_xact_replay_timestamp() failed (XX000)"
    )
    assert not refusing.closed


# Writes and the write guard: only over a connection to the approved host, checked first.

READ_ONLY_CHECK = "SELECT current_setting('transaction_read_only'), pg_is_in_recovery()"


class Guard:
    """Approves the hosts in ``hosts`` in turn (the last one again and again); ``refuse``
    makes the next approval fail; ``read_only`` makes the next confirmation fail."""

    def __init__(self, *hosts: str) -> None:
        self.hosts = list(hosts)
        self.approvals: list[float | None] = []
        self.confirmed: list[object] = []
        self.refuse: ServiceError | None = None
        self.read_only = False

    def approve(self, deadline: Deadline | None = None) -> str:
        self.approvals.append(deadline.remaining() if deadline is not None else None)
        if self.refuse is not None:
            raise self.refuse
        return self.hosts.pop(0) if len(self.hosts) > 1 else self.hosts[0]

    def confirm(self, connection: Connection) -> None:
        self.confirmed.append(connection)
        connection.run(READ_ONLY_CHECK)
        if self.read_only:
            self.read_only = False
            raise DatabaseReadOnlyError("read-only")


def write(connection: Connection) -> object:
    return connection.run("INSERT INTO t VALUES (1)")


def test_a_write_goes_only_to_the_approved_host_and_other_connections_are_closed_first(
    tmp_path: Path,
) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    guard = Guard("cluster-a.example.internal", "cluster-a.example.internal", "cluster-b")
    db = database(tmp_path, connector, guard=guard)

    db.session(select_one)  # a read: DB_HOST, never the guard
    assert guard.approvals == []
    db.transaction(write)
    db.transaction(write)
    db.transaction(write)

    hosts = [params.host for params in connector.params]
    assert hosts == ["writer.example.internal", "cluster-a.example.internal", "cluster-b"]
    reader, first, second = connector.connections
    assert [reader.closed, first.closed, second.closed] == [True, True, False]
    assert reader.sql == ["SELECT 1"]
    assert first.sql == [READ_ONLY_CHECK, *(["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"] * 2)]
    assert second.sql == [READ_ONLY_CHECK, "BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]
    assert len(guard.approvals) == 3


def test_a_read_after_a_write_returns_to_db_host(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    db = database(tmp_path, connector, guard=Guard("cluster-a.example.internal"))

    db.transaction(write)
    db.session(select_one)
    db.transaction(write)

    assert [params.host for params in connector.params] == [
        "cluster-a.example.internal",
        "writer.example.internal",
        "cluster-a.example.internal",
    ]
    assert [c.sql[0] for c in connector.connections] == [
        READ_ONLY_CHECK,
        "SELECT 1",
        READ_ONLY_CHECK,
    ]


def test_a_connection_the_guard_finds_read_only_is_closed_and_the_write_refused(
    tmp_path: Path,
) -> None:
    connector = Connector(Clock(), cost=0.0)
    guard = Guard("cluster-a.example.internal")
    guard.read_only = True
    db = database(tmp_path, connector, guard=guard)

    with pytest.raises(DatabaseReadOnlyError):
        db.transaction(write)
    (refused,) = connector.connections
    assert refused.closed
    assert refused.sql == [READ_ONLY_CHECK]

    db.transaction(write)  # the next write checks its new connection again
    assert connector.connections[1].sql[:2] == [READ_ONLY_CHECK, "BEGIN"]


def test_a_refused_approval_opens_no_connection(tmp_path: Path) -> None:
    connector = Connector(Clock(), cost=0.0)
    guard = Guard("cluster-a.example.internal")
    guard.refuse = ServiceError("not the writer", code="not_writer_region")
    db = database(tmp_path, connector, guard=guard)

    with pytest.raises(ServiceError, match="not the writer"):
        db.transaction(write)
    assert connector.params == []


def test_a_reconnect_within_a_write_goes_to_the_approved_host_and_is_checked_again(
    tmp_path: Path,
) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    guard = Guard("cluster-a.example.internal")
    db = database(tmp_path, connector, guard=guard, retry=RetryPolicy(max_attempts=2))
    db.transaction(write)
    connector.connections[0].failures.append(ConnectionResetError("reset by peer"))

    db.transaction(write)

    assert [params.host for params in connector.params] == ["cluster-a.example.internal"] * 2
    assert connector.connections[1].sql[0] == READ_ONLY_CHECK
    assert len(guard.approvals) == 2


def test_the_guard_and_its_check_get_the_request_deadline(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.25)
    guard = Guard("cluster-a.example.internal")
    db = database(tmp_path, connector, guard=guard)

    db.transaction(write, deadline=Deadline.after(3.0, clock=clock))

    assert guard.approvals == [3.0]
    # the check is the first statement: a socket timeout of what is left (3 s), capped at
    # the statement timeout plus its slack (1 s + 1 s)
    assert connector.connections[0].timeouts[0] == 2.0
