"""Deep health check: can this region serve payments right now?

The answer is 200 when the database accepts writes (this region holds the writer), otherwise
503. The DynamoDB sessions table is an optional cache in front of the database: when it does
not answer DescribeTable with a serving status the answer stays 200 with status ``degraded``.
The body describes each check so that DNS failover health checks, operators and the failover
orchestrator see the same facts.

The check runs against its own short deadline (``HEALTH_BUDGET_MS``): Route 53 HTTP(S) health
checkers count a check as failed when no status code arrives within two seconds of connecting
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
so a slow dependency is reported as a 503 in time rather than as a timeout.

The contract (what the failover orchestrator and operators read; docs/runbook.md, "The
/health contract"). Every answer of this handler is JSON with a top-level ``database`` field:

========  ======  ==============================================================================
database  status  meaning
========  ======  ==============================================================================
writing   200     this region's database accepts writes and the region may write (``status``
                  ``ok``, or ``degraded`` when only the DynamoDB cache fails)
standby   503     the database answers, read-only: this region does not hold the writer
fenced    503     the database would write, but the global cluster names another writer
slow      503     the database did not answer within the health budget, or answered "busy"
                  (lock or statement timeout): alive but too slow to serve
down      503     the database could not be reached, or kept failing (refused, reset, TLS)
error     503     another dependency of the check failed (credentials, a bug)
========  ======  ==============================================================================

Any other answer (no JSON, no ``database`` field: an API Gateway 502/504, a Lambda error, a
WAF 403) is not from this handler: the API layer is broken, and the database's state is
unknown from that answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import error_code
from payment_service.errors import (
    DatabaseBusyError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    ServiceError,
)
from payment_service.logging import get_logger

if TYPE_CHECKING:
    from payment_service.db import DatabaseStatus
    from payment_service.deadline import Deadline
    from payment_service.idempotency_cache import CacheGuard

#: Table states in which DynamoDB serves reads and writes.
SERVING_TABLE_STATES = frozenset({"ACTIVE", "UPDATING"})

#: A probe that failed with less than this left of the health budget failed because the
#: budget ran out: the database is slow, not down.
SLOW_WHEN_REMAINING_BELOW_SECONDS = 0.1

#: The ``database`` field of the contract (module documentation).
DATABASE_STATES = ("writing", "standby", "fenced", "slow", "down", "error")

_log = get_logger("payment_service.health")


class DatabaseProbe(Protocol):
    """Reports the database's state."""

    def probe(self, *, deadline: Deadline | None = None) -> DatabaseStatus:
        """Run the probe queries, within ``deadline`` when given."""
        ...


class TableProbe(Protocol):
    """Reports the sessions table's state."""

    @property
    def table_name(self) -> str:
        """The table name."""
        ...

    def table_status(self) -> str:
        """The table status from DescribeTable."""
        ...


@dataclass(frozen=True)
class HealthReport:
    """HTTP status and JSON body of ``GET /health``."""

    status_code: int
    body: dict[str, object]


def _failed_state(exc: Exception, deadline: Deadline | None) -> str:
    """``slow``, ``down`` or ``error`` for a probe that raised ``exc``."""
    out_of_time = deadline is not None and deadline.remaining() < SLOW_WHEN_REMAINING_BELOW_SECONDS
    if isinstance(exc, DatabaseBusyError) or (
        out_of_time and isinstance(exc, DatabaseUnavailableError)
    ):
        return "slow"
    if isinstance(exc, DatabaseUnavailableError | DatabaseReadOnlyError):
        return "down"
    return "error"


def _database_check(
    database: DatabaseProbe, deadline: Deadline | None
) -> tuple[dict[str, object], str, str]:
    """The check's JSON, the role (``writer``, ``standby`` or ``unknown``) and the contract's
    ``database`` state."""
    try:
        status = database.probe(deadline=deadline)
    except ServiceError as exc:
        return {"ok": False, "error": exc.code}, "unknown", _failed_state(exc, deadline)
    except Exception as exc:
        _log.error("health_database_check_failed", error_type=type(exc).__name__)
        return {"ok": False, "error": "database_error"}, "unknown", "error"
    role = "writer" if status.writable else "standby"
    return (
        {
            "ok": True,
            "writable": status.writable,
            "transaction_read_only": status.transaction_read_only,
            "in_recovery": status.in_recovery,
            "replication_lag_seconds": status.replication_lag_seconds,
            # where the lag came from (aurora_global_db_status() rpo_lag_in_msec, or the
            # replay timestamp), or why there is none: a lag of null is never read as zero
            "replication_lag_source": status.replication_lag_source,
            "replication_lag_unavailable": status.replication_lag_unavailable,
            "latency_ms": status.latency_ms,
        },
        role,
        "writing" if status.writable else "standby",
    )


def _dynamodb_check(
    table: TableProbe, deadline: Deadline | None, guard: CacheGuard | None
) -> dict[str, object]:
    started = time.perf_counter()
    if guard is not None:
        outcome = guard.call("describe_table", table.table_status, deadline)
        table_status, reason = outcome.value, outcome.error
    else:
        try:
            table_status, reason = table.table_status(), None
        except Exception as exc:
            table_status, reason = None, error_code(exc) or type(exc).__name__
    if table_status is None:
        _log.warning("health_dynamodb_check_failed", reason=reason)
        return {"ok": False, "table": table.table_name, "error": reason}
    return {
        "ok": table_status in SERVING_TABLE_STATES,
        "table": table.table_name,
        "table_status": table_status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def check_health(
    database: DatabaseProbe,
    table: TableProbe,
    region: str,
    *,
    deadline: Deadline | None = None,
    cache_guard: CacheGuard | None = None,
    global_role: tuple[str, str | None] | None = None,
) -> HealthReport:
    """Run both checks and decide whether this region can serve payments.

    ``status`` is ``ok`` (200), ``degraded`` (200: the writer answers, the DynamoDB cache does
    not) or ``unavailable`` (503).

    ``global_role`` is this region's role in the global cluster as the global writer endpoint
    shows it (:meth:`payment_service.writer.WriteFence.role`), with the writer's region; a
    region serves only when that role and the database it probed both say ``writer``. A
    standby probes its reader endpoint: reachable, in recovery and its replication lag.
    """
    database_result, role, database_state = _database_check(database, deadline)
    dynamodb_result = _dynamodb_check(table, deadline, cache_guard)
    writer_region: str | None = None
    if global_role is not None:
        global_name, writer_region = global_role
        if global_name != "writer" and role == "writer":
            # The probed database writes but the global endpoint names another writer (a
            # detached or not yet rejoined old primary): never serve from it.
            role, database_state = "fenced", "fenced"
        elif global_name != "writer" and role != "unknown":
            role, database_state = "standby", "standby"
    can_serve = role == "writer"
    if not can_serve:
        status = "unavailable"
    elif dynamodb_result["ok"] is True:
        status = "ok"
    else:
        status = "degraded"
    body: dict[str, object] = {
        "status": status,
        "database": database_state,
        "region": region,
        "role": role,
        "writer_region": writer_region,
        "can_serve_payments": can_serve,
        "checks": {"database": database_result, "dynamodb": dynamodb_result},
    }
    return HealthReport(status_code=200 if can_serve else 503, body=body)
