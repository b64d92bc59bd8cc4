"""How a unit of work spends its request deadline: connect timeout, socket timeouts, the
server-side statement timeout, backoff and the last moment a step may start.

Scripted connections on a fake clock (every statement costs a set time), so each figure
below is exact; no server is needed.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pg8000.exceptions import DatabaseError  # type: ignore[import-untyped]

from payment_service.config import DatabaseSettings
from payment_service.connection import Connection, ConnectParams
from payment_service.db import Database
from payment_service.deadline import Deadline
from payment_service.errors import DatabaseUnavailableError
from payment_service.retry import RetryPolicy
from payment_service.secrets import DbCredentials, StaticCredentials


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
    host_source: object = None,
) -> Database:
    recorded = sleeps if sleeps is not None else []
    return Database(
        settings(tmp_path, statement_timeout_ms),
        StaticCredentials(DbCredentials("app", "pw")),
        connect=connector,
        ssl_context=ssl.create_default_context(),
        retry=retry or RetryPolicy(max_attempts=1),
        sleep=recorded.append,
        rand=lambda: 1.0,
        host_source=host_source,  # type: ignore[arg-type]
    )


def select_one(connection: Connection) -> object:
    return connection.run("SELECT 1")


def test_a_transaction_gives_each_step_only_what_is_left_of_the_deadline(
    tmp_path: Path,
) -> None:
    """Deadline 3 s, every statement 0.5 s, statement_timeout 1000 ms: the socket timeout of
    each statement is min(time left, 1 s statement timeout + 1 s slack); the unit's
    server-side statement timeout is min(1000 ms, time left - 0.2 s)."""
    clock = Clock()
    connector = Connector(clock)

    result = database(tmp_path, connector).transaction(
        select_one, deadline=Deadline.after(3.0, clock=clock)
    )

    assert result == [[1]]
    assert connector.params[0].timeout_seconds == 3.0
    assert connector.params[0].statement_timeout_ms == 1000
    connection = connector.connections[0]
    assert connection.statements == [
        ("BEGIN", {}),
        (
            "SELECT set_config('statement_timeout', :value, :local)",
            {"value": "1000", "local": True},
        ),
        ("SELECT 1", {}),
        ("COMMIT", {}),
    ]
    assert connection.timeouts == [2.0, 2.0, 2.0, 1.5]


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

    class SlowCredentials(StaticCredentials):
        def get(
            self, *, force_refresh: bool = False, deadline: Deadline | None = None
        ) -> DbCredentials:
            clock.now += 0.97
            return DbCredentials("app", "pw")

    connector = Connector(clock)
    db = Database(
        settings(tmp_path),
        SlowCredentials(DbCredentials("app", "pw")),
        connect=connector,
        ssl_context=ssl.create_default_context(),
        retry=RetryPolicy(max_attempts=1),
    )

    db.session(select_one, deadline=Deadline.after(2.0, clock=clock))
    assert connector.params[0].timeout_seconds == pytest.approx(1.03)

    db.close()
    with pytest.raises(DatabaseUnavailableError):
        db.session(select_one, deadline=Deadline.after(1.0, clock=clock))
    assert len(connector.params) == 1, "0.03 s left after the secret: no connect"


def test_the_host_comes_from_the_host_source_and_a_name_that_does_not_resolve_is_retried(
    tmp_path: Path,
) -> None:
    clock = Clock()
    connector = Connector(clock)
    answers: list[str | Exception] = [LookupError("no such name"), "cluster-2.example.internal"]

    def host_source() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps: list[float] = []
    db = database(
        tmp_path,
        connector,
        retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.25),
        sleeps=sleeps,
        host_source=host_source,
    )

    db.session(select_one)

    assert [params.host for params in connector.params] == ["cluster-2.example.internal"]
    assert sleeps == [0.25]


def test_a_refused_password_is_refreshed_but_not_past_the_deadline(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock)
    connector.failures.append(DatabaseError({"C": "28P01", "M": "password authentication"}))

    class Rotating(StaticCredentials):
        def get(
            self, *, force_refresh: bool = False, deadline: Deadline | None = None
        ) -> DbCredentials:
            if force_refresh:
                clock.now += 0.96
            return DbCredentials("app", "new" if force_refresh else "old")

    db = Database(
        settings(tmp_path),
        Rotating(DbCredentials("app", "old")),
        connect=connector,
        ssl_context=ssl.create_default_context(),
        retry=RetryPolicy(max_attempts=1),
    )

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
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SHOW transaction_read_only"] = [["on"]]
    connector.rows["SELECT pg_is_in_recovery()"] = [[True]]
    connector.rows["SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())"] = [
        ["2.34567"]
    ]

    status = database(tmp_path, connector).probe()

    assert (status.transaction_read_only, status.in_recovery) == (True, True)
    assert status.replication_lag_seconds == 2.346
    assert not status.writable


def test_the_probe_of_a_writer_reports_no_lag(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SHOW transaction_read_only"] = [["off"]]
    connector.rows["SELECT pg_is_in_recovery()"] = [[False]]

    status = database(tmp_path, connector).probe()

    assert (status.transaction_read_only, status.in_recovery) == (False, False)
    assert status.replication_lag_seconds is None
    assert status.writable
    assert connector.connections[0].sql == [
        "SELECT 1",
        "SHOW transaction_read_only",
        "SELECT pg_is_in_recovery()",
    ]


def test_a_standby_that_has_replayed_nothing_reports_an_unknown_lag(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SHOW transaction_read_only"] = [["on"]]
    connector.rows["SELECT pg_is_in_recovery()"] = [[True]]
    connector.rows["SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())"] = [[None]]

    status = database(tmp_path, connector).probe()

    assert status.in_recovery
    assert status.replication_lag_seconds is None


@pytest.mark.parametrize("rows", [[], [[]]])
def test_a_probe_answer_without_a_value_is_an_error_not_a_status(
    tmp_path: Path, rows: list[list[object]]
) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SELECT 1"] = rows

    with pytest.raises(RuntimeError, match="expected one row with one column"):
        database(tmp_path, connector).probe()


def test_a_probe_whose_select_1_is_not_1_is_an_error(tmp_path: Path) -> None:
    clock = Clock()
    connector = Connector(clock, cost=0.0)
    connector.rows["SELECT 1"] = [[2]]

    with pytest.raises(RuntimeError, match="SELECT 1 did not return 1"):
        database(tmp_path, connector).probe()
