"""Lambda entry point of the readiness evaluator (``payment_service.readiness.handler``).

Invoked every 5 minutes by an EventBridge schedule in the secondary region. Each invocation
evaluates every check within ``CHECKS_BUDGET_SECONDS``, prints the metric lines, and records
the evaluation in the decision table, itself bounded by ``RECORD_TIMEOUT_SECONDS``: the
function always returns before its timeout, whatever an AWS API does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TextIO

from payment_service.failover.clients import explain_error
from payment_service.logging import configure_logging, get_logger
from payment_service.readiness.clients import Boto3ReadinessClients, ReadinessClients
from payment_service.readiness.publish import write_metrics
from payment_service.readiness.runner import evaluate
from payment_service.readiness.settings import ReadinessSettings
from payment_service.readiness.store import record
from payment_service.readiness.threads import spawn

RECORD_TIMEOUT_SECONDS = 8.0
"""The record's own bound (inside the settings' recording reserve)."""

_log = get_logger("payment_service.readiness")
_state: tuple[ReadinessSettings, ReadinessClients] | None = None


def record_within(
    write: Callable[[], None], timeout_seconds: float = RECORD_TIMEOUT_SECONDS
) -> str | None:
    """Run ``write``; ``None`` when it succeeded, else why not (an error, or no answer in
    time: the thread is left behind)."""
    future = spawn(write, "readiness-record")
    try:
        future.result(timeout=timeout_seconds)
    except FutureTimeout:
        return f"no answer within {timeout_seconds:g} s"
    except Exception as exc:
        return explain_error(exc)
    return None


def run_once(
    settings: ReadinessSettings,
    clients: ReadinessClients,
    *,
    trigger: str,
    out: TextIO,
    record_timeout_seconds: float = RECORD_TIMEOUT_SECONDS,
) -> dict[str, object]:
    """Evaluate, publish the metrics, record; return the evaluation's JSON form."""
    evaluation = evaluate(settings, clients, trigger=trigger)
    write_metrics(evaluation, settings.environment_suffix, out)
    error = record_within(
        lambda: record(
            clients.dynamodb(settings.region),
            settings.decision_table_name,
            evaluation,
            settings.record_ttl_days * 86400,
        ),
        record_timeout_seconds,
    )
    if error is not None:
        _log.error("readiness_not_recorded", reason=error)
    result = evaluation.to_json()
    result["recorded"] = error is None
    if error is not None:
        result["record_error"] = error
    return result


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point: one evaluation per invocation.

    A configuration error is raised (the invocation fails; no ``Ready`` datapoint, so the
    readiness alarm pages); AWS failures are part of the evaluation.
    """
    global _state
    if _state is None:
        settings = ReadinessSettings.from_env(os.environ)
        configure_logging("INFO")
        _state = (settings, Boto3ReadinessClients())
    settings, clients = _state
    trigger = "schedule" if event.get("source") == "aws.events" else "manual"
    return run_once(settings, clients, trigger=trigger, out=sys.stdout)
