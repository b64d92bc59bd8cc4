"""The ``/health`` contract's ``database`` field: what each database fault answers, so that
the failover orchestrator can tell a broken API from a database that is down or slow."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from payment_service.db import DatabaseStatus
from payment_service.deadline import Deadline
from payment_service.errors import (
    DatabaseBusyError,
    DatabaseUnavailableError,
    SecretUnavailableError,
)
from payment_service.health import check_health


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeDatabase:
    """Answers with ``status`` or raises ``error``; ``spend`` seconds pass on the clock."""

    clock: FakeClock
    status: DatabaseStatus | None = None
    error: Exception | None = None
    spend: float = 0.0

    def probe(self, *, deadline: Deadline | None = None) -> DatabaseStatus:
        self.clock.now += self.spend
        if self.error is not None:
            raise self.error
        assert self.status is not None
        return self.status


class Table:
    table_name = "payment-processing-sessions-dev"

    def table_status(self) -> str:
        return "ACTIVE"


WRITER = DatabaseStatus(transaction_read_only=False, in_recovery=False, latency_ms=3.0)
STANDBY = DatabaseStatus(transaction_read_only=True, in_recovery=True, latency_ms=3.0)
BUDGET = 1.5
"""The deployed HEALTH_BUDGET_MS (1500) in seconds."""


def health(
    database: FakeDatabase, global_role: tuple[str, str | None] | None = None
) -> tuple[int, str, str]:
    report = check_health(
        database,
        Table(),
        "us-east-1",
        deadline=Deadline.after(BUDGET, clock=database.clock),
        global_role=global_role,
    )
    return report.status_code, str(report.body["database"]), str(report.body["status"])


@pytest.mark.parametrize(
    ("database", "global_role", "expected"),
    [
        (dict(status=WRITER), None, (200, "writing", "ok")),
        (dict(status=WRITER), ("writer", "us-east-1"), (200, "writing", "ok")),
        (dict(status=STANDBY), None, (503, "standby", "unavailable")),
        (dict(status=WRITER), ("standby", "us-east-2"), (503, "fenced", "unavailable")),
        (dict(status=STANDBY), ("standby", "us-east-2"), (503, "standby", "unavailable")),
        (
            dict(error=DatabaseUnavailableError("refused"), spend=0.2),
            None,
            (503, "down", "unavailable"),
        ),
        (
            dict(error=DatabaseUnavailableError("no answer in time"), spend=BUDGET),
            None,
            (503, "slow", "unavailable"),
        ),
        (dict(error=DatabaseBusyError("statement timeout")), None, (503, "slow", "unavailable")),
        (dict(error=SecretUnavailableError("no secret")), None, (503, "error", "unavailable")),
        (dict(error=RuntimeError("bug")), None, (503, "error", "unavailable")),
    ],
)
def test_each_database_fault_has_its_own_answer(
    database: dict[str, object],
    global_role: tuple[str, str | None] | None,
    expected: tuple[int, str, str],
) -> None:
    fake = FakeDatabase(FakeClock(), **database)  # type: ignore[arg-type]
    assert health(fake, global_role) == expected


def test_a_database_that_fails_just_before_the_budget_runs_out_is_down_not_slow() -> None:
    fake = FakeDatabase(FakeClock(), error=DatabaseUnavailableError("reset"), spend=BUDGET - 0.2)
    assert health(fake) == (503, "down", "unavailable")


def test_the_lag_says_where_it_came_from_or_why_there_is_none() -> None:
    clock = FakeClock()
    measured = DatabaseStatus(
        transaction_read_only=True,
        in_recovery=True,
        latency_ms=2.0,
        replication_lag_seconds=0.4,
        replication_lag_source="aurora_global_db_status",
    )
    unread = DatabaseStatus(
        transaction_read_only=True,
        in_recovery=True,
        latency_ms=2.0,
        replication_lag_unavailable="permission denied for function aurora_global_db_status",
    )
    for status, expected in (
        (measured, (0.4, "aurora_global_db_status", None)),
        (unread, (None, None, "permission denied for function aurora_global_db_status")),
    ):
        report = check_health(
            FakeDatabase(clock, status=status),
            Table(),
            "us-east-2",
            deadline=Deadline.after(BUDGET, clock=clock),
        )
        checks = report.body["checks"]
        assert isinstance(checks, dict)
        database = checks["database"]
        assert (
            database["replication_lag_seconds"],
            database["replication_lag_source"],
            database["replication_lag_unavailable"],
        ) == expected
