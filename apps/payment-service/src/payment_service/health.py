"""Deep health check: can this region serve payments right now?

The answer is 200 only when the database accepts writes (this region holds the writer) and
the DynamoDB sessions table answers DescribeTable with an active status; otherwise 503. The
body describes each check so that DNS failover health checks, operators and the failover
orchestrator see the same facts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import error_code
from payment_service.errors import ServiceError
from payment_service.logging import get_logger

if TYPE_CHECKING:
    from payment_service.db import DatabaseStatus

#: Table states in which DynamoDB serves reads and writes.
SERVING_TABLE_STATES = frozenset({"ACTIVE", "UPDATING"})

_log = get_logger("payment_service.health")


class DatabaseProbe(Protocol):
    """Reports the database's state."""

    def probe(self) -> DatabaseStatus:
        """Run the probe queries."""
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


def _database_check(database: DatabaseProbe) -> tuple[dict[str, object], str]:
    try:
        status = database.probe()
    except ServiceError as exc:
        return {"ok": False, "error": exc.code}, "unknown"
    except Exception as exc:
        _log.error("health_database_check_failed", error_type=type(exc).__name__)
        return {"ok": False, "error": "database_error"}, "unknown"
    role = "writer" if status.writable else "standby"
    return (
        {
            "ok": True,
            "writable": status.writable,
            "transaction_read_only": status.transaction_read_only,
            "in_recovery": status.in_recovery,
            "latency_ms": status.latency_ms,
        },
        role,
    )


def _dynamodb_check(table: TableProbe) -> dict[str, object]:
    started = time.perf_counter()
    try:
        table_status = table.table_status()
    except Exception as exc:
        reason = error_code(exc) or type(exc).__name__
        _log.error("health_dynamodb_check_failed", reason=reason)
        return {"ok": False, "table": table.table_name, "error": reason}
    return {
        "ok": table_status in SERVING_TABLE_STATES,
        "table": table.table_name,
        "table_status": table_status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def check_health(database: DatabaseProbe, table: TableProbe, region: str) -> HealthReport:
    """Run both checks and decide whether this region can serve payments."""
    database_result, role = _database_check(database)
    dynamodb_result = _dynamodb_check(table)
    can_serve = role == "writer" and dynamodb_result["ok"] is True
    body: dict[str, object] = {
        "status": "ok" if can_serve else "unavailable",
        "region": region,
        "role": role,
        "can_serve_payments": can_serve,
        "checks": {"database": database_result, "dynamodb": dynamodb_result},
    }
    return HealthReport(status_code=200 if can_serve else 503, body=body)
