"""The readiness checks, in the order they are reported.

Each check is a function of a :class:`~payment_service.readiness.context.CheckContext` that
returns a :class:`~payment_service.readiness.model.Finding`; its docstring names the AWS API
and the response fields it reads. A check may raise: the runner reports it unknown.
The names are the ``Check`` dimension of the ``PaymentDR/Readiness`` metrics and part of the
contract with the dashboard (packages/compute ``READINESS_CHECKS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from payment_service.readiness.checks.alarms import alarms_reporting
from payment_service.readiness.checks.automation import (
    auto_failover_switch,
    orchestrator_decisions,
    orchestrator_schedule,
    probes_publishing,
    standby_concurrency,
)
from payment_service.readiness.checks.credentials import certificates, client_keys_secret
from payment_service.readiness.checks.database import (
    cluster_instances,
    global_cluster,
    replication_lag,
    serverless_capacity,
    writer_dns,
)
from payment_service.readiness.checks.replication import dynamodb_replica, s3_replication
from payment_service.readiness.checks.routing import failover_record
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding


@dataclass(frozen=True)
class Check:
    """One named check."""

    name: str
    run: Callable[[CheckContext], Finding]


CHECKS: tuple[Check, ...] = (
    Check("global-cluster", global_cluster),
    Check("cluster-instances", cluster_instances),
    Check("serverless-capacity", serverless_capacity),
    Check("replication-lag", replication_lag),
    Check("writer-dns", writer_dns),
    Check("dynamodb-replica", dynamodb_replica),
    Check("s3-replication", s3_replication),
    Check("client-keys-secret", client_keys_secret),
    Check("certificates", certificates),
    Check("failover-record", failover_record),
    Check("auto-failover-switch", auto_failover_switch),
    Check("orchestrator-decisions", orchestrator_decisions),
    Check("orchestrator-schedule", orchestrator_schedule),
    Check("probes-publishing", probes_publishing),
    Check("standby-concurrency", standby_concurrency),
    Check("alarms-reporting", alarms_reporting),
)
"""Every check, in report order."""

CHECK_NAMES: tuple[str, ...] = tuple(check.name for check in CHECKS)

__all__ = ["CHECKS", "CHECK_NAMES", "Check"]
