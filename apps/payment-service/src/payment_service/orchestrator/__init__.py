"""Failover orchestrator: a Lambda in the secondary region that promotes the secondary
Aurora cluster when the primary region is down, once N consecutive evaluations agree, the
secondary is ready and the auto-failover switch is on.

Lambda handler: ``payment_service.orchestrator.handler``. The decision rules are in
:mod:`payment_service.orchestrator.rules` (pure), the AWS I/O in
:mod:`payment_service.orchestrator.engine`.
"""

from __future__ import annotations

from payment_service.orchestrator.entry import handler

__all__ = ["handler"]
