"""One evaluation: every check concurrently, within the checks' budget.

A check still running when the budget ends is reported unknown and left behind (a daemon
thread, never joined: :mod:`payment_service.readiness.threads`), so an API that hangs, in a
region that is down, cannot hold the evaluation past its budget, nor the operator's command
at exit; a check that raises is unknown with the error. Nothing here writes: the
evaluator records and publishes the result (:mod:`payment_service.readiness.entry`), the
operator's ``payment-dr readiness --now`` only prints it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import wait
from functools import partial

from payment_service.failover.clients import explain_error
from payment_service.readiness.checks import CHECKS, Check
from payment_service.readiness.clients import ReadinessClients
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import CheckResult, Evaluation, Outcome
from payment_service.readiness.settings import ReadinessSettings
from payment_service.readiness.threads import spawn
from payment_service.writer_sources import Resolver, dns_alias_chain


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def evaluate(
    settings: ReadinessSettings,
    clients: ReadinessClients,
    *,
    trigger: str = "manual",
    checks: Sequence[Check] = CHECKS,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    resolve: Resolver = dns_alias_chain,
    new_id: Callable[[], str] = _new_id,
) -> Evaluation:
    """Run every check and return the evaluation."""
    started = monotonic()
    budget = settings.checks_budget_seconds
    ctx = CheckContext(
        settings=settings,
        clients=clients,
        now=clock(),
        deadline=started + budget,
        monotonic=monotonic,
        resolve=resolve,
    )
    futures = [spawn(partial(check.run, ctx), f"readiness-{check.name}") for check in checks]
    wait(futures, timeout=max(0.0, ctx.deadline - monotonic()))
    results: list[CheckResult] = []
    for check, future in zip(checks, futures, strict=True):
        if not future.done():
            reason = f"no answer within the {budget:g} s budget"
            results.append(CheckResult(check.name, Outcome.UNKNOWN, reason))
            continue
        error = future.exception()
        if error is not None:
            results.append(CheckResult(check.name, Outcome.UNKNOWN, explain_error(error)))
            continue
        finding = future.result()
        results.append(CheckResult(check.name, finding.outcome, finding.reason))
    return Evaluation(
        evaluation_id=new_id(),
        evaluated_at=ctx.now,
        trigger=trigger,
        results=tuple(results),
        duration_seconds=monotonic() - started,
    )
