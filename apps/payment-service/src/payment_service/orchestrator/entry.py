"""Lambda entry point of the failover orchestrator (``payment_service.orchestrator.handler``).

Invoked every minute by an EventBridge schedule and by the SNS notification of the primary
health alarm; both run the same evaluation. The orchestrator and its clients are built at the
first invocation and reused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from payment_service.logging import configure_logging, get_logger
from payment_service.orchestrator.clients import boto3_clients
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.settings import OrchestratorSettings

_log = get_logger("payment_service.orchestrator.entry")
_orchestrator: Orchestrator | None = None


def build_orchestrator(settings: OrchestratorSettings) -> Orchestrator:
    """Real boto3 clients, each in its region; RDS without botocore retries."""
    clients = boto3_clients(
        region=settings.region,
        rds_region=settings.secondary_cluster_region,
        alarm_region=settings.primary_region,
        topic_region=settings.topic_region,
        remote_probe_region=settings.remote_probe_region or None,
        # the primary region's RDS: the failover snapshot copy, and SwitchoverGlobalCluster
        # (sent to the current primary's region, payment_service.failover)
        primary_rds_region=settings.primary_region,
        local_probe=bool(settings.secondary_probe_alarm_name),
    )
    return Orchestrator(settings, clients)


def trigger_of(event: Mapping[str, object]) -> str:
    """``alarm`` for an SNS notification, ``schedule`` for EventBridge, else ``manual``."""
    records = event.get("Records")
    first = records[0] if isinstance(records, list) and records else None
    if isinstance(first, Mapping) and first.get("EventSource") == "aws:sns":
        return "alarm"
    if event.get("source") == "aws.events":
        return "schedule"
    return "manual"


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Run one evaluation and return its record.

    A configuration error is logged and raised (the invocation fails and the function's
    error metric shows it). AWS and network failures do not raise: they are part of the
    record.
    """
    global _orchestrator
    if _orchestrator is None:
        settings = OrchestratorSettings.from_env(os.environ)
        configure_logging(settings.log_level)
        _orchestrator = build_orchestrator(settings)
    return _orchestrator.evaluate(trigger_of(event)).to_json()
