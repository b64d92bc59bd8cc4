"""What is done once a promotion is decided: a :class:`FailoverPlan`, an ordered list of steps.

:func:`plan_promotion` is the one place that lists the steps of a switchover and of a failover.
The orchestrator Lambda and ``payment-dr`` both build their plan with it and run it with
:meth:`payment_service.failover.operations.GlobalDatabase.execute`, so a manual and an
automatic promotion make the same AWS calls from the decision onwards. A step added here
(fencing the old primary before the promotion, unfencing it after a switchover, copying the
``rds:unplanned-global-failover-*`` snapshot after a failover) runs on both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from payment_service.failover.snapshots import SnapshotCopy

if TYPE_CHECKING:
    from payment_service.failover.operations import GlobalDatabase


class Promotion(StrEnum):
    """The two ways of making a secondary cluster the writer."""

    SWITCHOVER = "switchover"
    """``SwitchoverGlobalCluster``: planned, Aurora synchronizes first, no data loss."""
    FAILOVER = "failover"
    """``FailoverGlobalCluster`` with ``AllowDataLoss``: unplanned, may lose recent writes."""


@dataclass(frozen=True)
class FailoverPlan:
    """One promotion of ``target_arn`` and everything done with it, in order."""

    promotion: Promotion
    global_cluster_id: str
    target_arn: str
    """ARN of the secondary cluster that becomes the writer."""
    steps: tuple[Step, ...]
    snapshot_copy: SnapshotCopy | None = None
    """Where the old primary's ``rds:unplanned-global-failover-*`` snapshot is taken and what
    its manual copy is called (failover only; ``None``: the copy step fails, recorded)."""
    source_arn: str | None = None
    """The writer when the plan was made (switchover only): ``SwitchoverGlobalCluster`` is sent
    to its region. ``None``: the writer is read from the target's region at the call."""

    @property
    def target_region(self) -> str:
        """Region of the target cluster (region field of its ARN)."""
        return self.target_arn.split(":")[3]


@dataclass(frozen=True)
class Step:
    """One action of a plan."""

    name: str
    """Shown in results and logs (the AWS operation for single-call steps)."""
    run: Callable[[GlobalDatabase, FailoverPlan], None]
    """Does the step; raises when it failed."""
    required: bool = True
    """When a required step fails the plan stops there; an optional step's failure is
    recorded and the plan goes on."""


def _promote(database: GlobalDatabase, plan: FailoverPlan) -> None:
    if plan.promotion is Promotion.SWITCHOVER:
        database.switchover(plan.target_arn, plan.source_arn)
    else:
        database.failover(plan.target_arn)


def _copy_failover_snapshot(database: GlobalDatabase, plan: FailoverPlan) -> None:
    if plan.snapshot_copy is None:
        raise ValueError("no snapshot copy configured for this plan")
    database.copy_failover_snapshots(plan.snapshot_copy)


PROMOTE_SWITCHOVER = Step("SwitchoverGlobalCluster", _promote)
PROMOTE_FAILOVER = Step("FailoverGlobalCluster", _promote)
COPY_FAILOVER_SNAPSHOT = Step("CopyDBClusterSnapshot", _copy_failover_snapshot, required=False)
"""Optional: the snapshot exists only once the old primary's Region is back (see
:mod:`payment_service.failover.snapshots`), so at failover time this step usually fails and
is run again, alone, by :func:`plan_after_failover` on a later run."""

_AFTER_FAILOVER: tuple[Step, ...] = (COPY_FAILOVER_SNAPSHOT,)
"""Steps done after a failover's promotion, and again on later runs until they succeed."""

_STEPS: dict[Promotion, tuple[Step, ...]] = {
    Promotion.SWITCHOVER: (PROMOTE_SWITCHOVER,),
    Promotion.FAILOVER: (PROMOTE_FAILOVER, *_AFTER_FAILOVER),
}
"""The steps of each promotion, in order. Extend here, and only here."""


def _check_target(target_arn: str) -> None:
    if target_arn.count(":") < 5 or not target_arn.startswith("arn:"):
        raise ValueError(
            f"target_arn={target_arn!r} is invalid; expected a DB cluster ARN "
            "(arn:<partition>:rds:<region>:<account>:cluster:<id>)"
        )


def plan_promotion(
    promotion: Promotion,
    global_cluster_id: str,
    target_arn: str,
    *,
    snapshot_copy: SnapshotCopy | None = None,
    source_arn: str | None = None,
) -> FailoverPlan:
    """The plan that makes ``target_arn`` the writer of ``global_cluster_id`` (``source_arn``:
    the current writer, where a switchover is sent; see :attr:`FailoverPlan.source_arn`)."""
    _check_target(target_arn)
    if source_arn is not None:
        _check_target(source_arn)
    return FailoverPlan(
        promotion, global_cluster_id, target_arn, _STEPS[promotion], snapshot_copy, source_arn
    )


def plan_after_failover(
    global_cluster_id: str, target_arn: str, snapshot_copy: SnapshotCopy
) -> FailoverPlan:
    """The failover plan without its promotion: for a run that finds ``target_arn`` already
    the writer (the snapshot copy is retried until the old primary's Region is back)."""
    _check_target(target_arn)
    return FailoverPlan(
        Promotion.FAILOVER, global_cluster_id, target_arn, _AFTER_FAILOVER, snapshot_copy
    )


@dataclass(frozen=True)
class StepResult:
    """How one step ended."""

    name: str
    error: Exception | None = None
    """The exception the step raised, or ``None`` when it succeeded."""

    @property
    def ok(self) -> bool:
        """True when the step succeeded."""
        return self.error is None


@dataclass(frozen=True)
class PlanResult:
    """The steps run, in order (a failed required step is the last)."""

    plan: FailoverPlan
    steps: tuple[StepResult, ...]

    @property
    def failed(self) -> StepResult | None:
        """The first failed required step, or ``None`` when the plan completed."""
        required = {step.name for step in self.plan.steps if step.required}
        return next((s for s in self.steps if not s.ok and s.name in required), None)
