"""Switchover, failover and failback of the Aurora global cluster, with waits.

* Switchover (planned, ``SwitchoverGlobalCluster``): Aurora synchronizes the target before it
  changes roles, so no committed transaction is lost.
* Failover (unplanned, ``FailoverGlobalCluster`` with ``AllowDataLoss``): for when the writer's
  region is down; transactions not yet replicated are lost (the RPO).
* Failback: a switchover back to the original primary, refused until that cluster has caught
  up (member synchronized, ``AuroraGlobalDBRPOLag`` below a threshold:
  :mod:`dr_app.cli.metrics` says why that metric).

The decisions (preconditions, confirmation, catch-up) are the CLI's; from the decision onwards
each command runs the failover core's plan (:mod:`payment_service.failover`), the same code as
the orchestrator Lambda. The cluster is never detached from the global cluster. A failover is
sent to the target's region (the other region may be down), a switchover to the current
primary's region, as AWS documents each (:mod:`payment_service.failover`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.metrics import CATCH_UP_METRIC, DIMENSION, NAMESPACE, read_lag
from dr_app.cli.progress import Progress
from dr_app.cli.topology import Member, Topology, TopologyError, cluster_status, read_topology
from payment_dr_core import RegionRole
from payment_service.failover import (
    GlobalDatabase,
    PlanResult,
    Promotion,
    SnapshotCopy,
    StepNotReadyError,
    explain_error,
    plan_after_failover,
    plan_promotion,
)
from payment_service.failover.clients import OPERATOR_LIMITS, NoClientForRegionError

DEFAULT_TIMEOUT_SECONDS = 1800.0
DEFAULT_POLL_SECONDS = 10.0
RDS_CALL_BOUND_SECONDS = OPERATOR_LIMITS.connect_timeout + OPERATOR_LIMITS.read_timeout
"""25 s: one RDS call of ``payment-dr`` (5 s connect, 20 s read, one attempt)."""
DEFAULT_MAX_LAG_MS = 1000.0
LAG_WINDOW_MINUTES = 5


@dataclass(frozen=True)
class WaitOptions:
    """How long and how often to poll."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    poll_seconds: float = DEFAULT_POLL_SECONDS


@dataclass(frozen=True)
class Reach:
    """Where a command's RDS calls go and until when (``failover``: the target's region only,
    ``deadline`` from the command's start)."""

    database: GlobalDatabase
    regions: tuple[str, ...]
    """The regions the wait reads the topology from, in order."""
    deadline: float | None = None
    """``ctx.clock()`` value after which no call starts; ``None``: the wait's own timeout."""


@dataclass(frozen=True)
class OperationResult:
    """The outcome of one operation."""

    command: str
    outcome: str
    """``completed``, ``already``, ``refused``, ``failed`` or ``timeout``."""
    exit: Exit
    message: str
    target_region: str | None = None
    elapsed_seconds: float | None = None
    details: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "command": self.command,
            "outcome": self.outcome,
            "exit_code": int(self.exit),
            "message": self.message,
            "target_region": self.target_region,
            "elapsed_seconds": None
            if self.elapsed_seconds is None
            else round(self.elapsed_seconds, 1),
            "details": self.details,
        }


def _regions_from(ctx: CliContext, region: str) -> tuple[str, ...]:
    other = (
        ctx.names.primary_region
        if region == ctx.names.secondary_region
        else ctx.names.secondary_region
    )
    return (region, other)


def _target(topology: Topology, region: str) -> Member | None:
    return topology.member_in(region)


def planned_blocker(topology: Topology, target: Member | None) -> str | None:
    """Why a planned switchover to ``target`` cannot start now, or ``None``."""
    if target is None:
        return "the target region has no member in the global cluster"
    if topology.in_transition:
        return f"a switchover or failover is already running ({topology.describe_state()})"
    if target.synchronization_status not in (None, "connected"):
        return f"the target is not synchronized ({target.synchronization_status})"
    if topology.writer is None:
        return "the global cluster reports no writer"
    return None


def caught_up(
    ctx: CliContext, topology: Topology, region: str, max_lag_ms: float
) -> tuple[bool, str]:
    """Whether the cluster in ``region`` has caught up enough to become the writer again."""
    member = topology.member_in(region)
    if member is None:
        return False, f"no member of the global cluster in {region}"
    if member.is_writer:
        return True, f"{region} is already the writer"
    if member.synchronization_status not in (None, "connected"):
        return False, f"{region} member synchronization is {member.synchronization_status}"
    status = cluster_status(ctx, region, member.cluster_id)
    if status != "available":
        return False, f"{region} cluster status is {status or 'unreadable'}"
    metric = f"{NAMESPACE} {CATCH_UP_METRIC} ({DIMENSION}={member.cluster_id}) in {region}"
    lag = read_lag(ctx, region, member.cluster_id, CATCH_UP_METRIC, LAG_WINDOW_MINUTES)
    if lag is None:
        return False, f"{metric} is unreadable"
    if lag.datapoints == 0 or lag.max_ms is None:
        return False, f"no data for {metric} in the last {LAG_WINDOW_MINUTES} min"
    if lag.max_ms > max_lag_ms:
        return (
            False,
            f"{CATCH_UP_METRIC} {lag.max_ms:.0f} ms exceeds {max_lag_ms:.0f} ms (read: {metric})",
        )
    return (
        True,
        f"caught up: {lag.describe()} (read: {metric}), synchronization "
        f"{member.synchronization_status}",
    )


def wait_for_writer(
    ctx: CliContext,
    target: Member,
    options: WaitOptions,
    label: str,
    reach: Reach | None = None,
) -> tuple[bool, float, str]:
    """Poll until ``target`` is the writer, the cluster settled and ``available`` (reading
    the target's region first, then the other, unless ``reach`` says otherwise)."""
    progress = Progress(ctx.err, label, tty=ctx.progress_tty, clock=ctx.clock)
    reach = reach or Reach(ctx.database, _regions_from(ctx, target.region))
    timeout = options.timeout_seconds
    if reach.deadline is not None:
        timeout = max(0.0, reach.deadline - ctx.clock())
    result = reach.database.wait_for_writer(
        target,
        reach.regions,
        timeout_seconds=timeout,
        poll_seconds=options.poll_seconds,
        clock=ctx.clock,
        report=progress.update,
    )
    final = f"done: {result.state}" if result.done else f"timed out: {result.state}"
    return result.done, progress.finish(final), result.state


def promote(
    ctx: CliContext,
    promotion: Promotion,
    command: str,
    target: Member,
    options: WaitOptions,
    *,
    source: Member | None = None,
    reach: Reach | None = None,
) -> OperationResult:
    """Run the failover core's plan for ``promotion`` to ``target``, then wait for it.

    The plan is the one the orchestrator Lambda runs for the same promotion
    (:func:`payment_service.failover.plan_promotion`); ``source`` (the writer, switchover only)
    is where ``SwitchoverGlobalCluster`` is sent; ``reach`` bounds where and until when.
    """
    copy = _snapshot_copy(ctx, target) if promotion is Promotion.FAILOVER else None
    plan = plan_promotion(
        promotion,
        ctx.names.global_cluster,
        target.arn,
        snapshot_copy=copy,
        source_arn=source.arn if source is not None else None,
    )
    result = (reach.database if reach else ctx.database).execute(plan)
    _report_optional_steps(ctx, result)
    failed = result.failed
    if failed is not None and failed.error is not None:
        message = f"{failed.name} failed: {explain_error(failed.error)}"
        return OperationResult(command, "failed", Exit.FAILED, message, target.region)
    return _finish_wait(ctx, command, target, options, reach)


def switchover(
    ctx: CliContext, role: RegionRole, options: WaitOptions, command: str = "switchover"
) -> OperationResult:
    """Planned switchover making ``role``'s cluster the writer, then wait for it."""
    region = ctx.names.region_of(role)
    try:
        topology = read_topology(ctx, _regions_from(ctx, region))
    except TopologyError as exc:
        return OperationResult(command, "failed", Exit.FAILED, str(exc), region)
    target = _target(topology, region)
    if target is not None and target.is_writer and not topology.in_transition:
        return OperationResult(
            command, "already", Exit.OK, f"{region} is already the writer", region
        )
    blocker = planned_blocker(topology, target)
    if blocker is not None or target is None:
        return OperationResult(command, "refused", Exit.REFUSED, blocker or "no target", region)
    return promote(ctx, Promotion.SWITCHOVER, command, target, options, source=topology.writer)


def failback(ctx: CliContext, max_lag_ms: float, options: WaitOptions) -> OperationResult:
    """Switch back to the primary region once its cluster has caught up."""
    region = ctx.names.primary_region
    try:
        topology = read_topology(ctx, _regions_from(ctx, region))
    except TopologyError as exc:
        return OperationResult("failback", "failed", Exit.FAILED, str(exc), region)
    ready, reason = caught_up(ctx, topology, region, max_lag_ms)
    if not ready:
        return OperationResult("failback", "refused", Exit.REFUSED, f"not yet: {reason}", region)
    result = switchover(ctx, RegionRole.PRIMARY, options, command="failback")
    return OperationResult(
        result.command,
        result.outcome,
        result.exit,
        f"{result.message}; before it: {reason}",
        result.target_region,
        result.elapsed_seconds,
        {**result.details, "catch_up": reason, "lag_metric": CATCH_UP_METRIC},
    )


def failover(ctx: CliContext, role: RegionRole, options: WaitOptions) -> OperationResult:
    """Unplanned failover (``AllowDataLoss``) to ``role``'s cluster, then wait for it.

    Every call of the promotion and of the wait goes to the **target's region only**: it is
    where ``FailoverGlobalCluster`` must be sent (:mod:`payment_service.failover`), so when its
    RDS API does not answer no failover can be made, and the old primary's region, down or
    hanging in an unplanned failover, has nothing to add but waiting. The plan's snapshot copy
    (old primary's region) therefore waits for a later run, as in the orchestrator: Aurora
    takes that snapshot only once the old region is back. ``options.timeout_seconds`` counts
    from the command's start; no call starts after it, so the command ends within it plus one
    RDS call in flight (:data:`RDS_CALL_BOUND_SECONDS`), whatever the old region does.

    Confirmation is the caller's job (see :mod:`dr_app.cli.commands.failover`).
    """
    region = ctx.names.region_of(role)
    reach = Reach(ctx.database_in(region), (region,), ctx.clock() + options.timeout_seconds)
    try:
        topology = reach.database.describe_first(reach.regions)
    except TopologyError as exc:
        return OperationResult("failover", "failed", Exit.FAILED, str(exc), region)
    target = _target(topology, region)
    if target is None:
        message = f"no member of the global cluster in {region}"
        return OperationResult("failover", "refused", Exit.REFUSED, message, region)
    if target.is_writer and not topology.in_transition:
        # the one call to the old primary's region: the snapshot copy, once it is back
        # (bounded by the client's timeouts, RDS_CALL_BOUND_SECONDS per call)
        after = ctx.database.execute(
            plan_after_failover(ctx.names.global_cluster, target.arn, _snapshot_copy(ctx, target))
        )
        _report_optional_steps(ctx, after)
        return OperationResult(
            "failover", "already", Exit.OK, f"{region} is already the writer", region
        )
    if topology.in_transition:
        ctx.err.write(f"a change is already running ({topology.describe_state()}); waiting\n")
        return _finish_wait(ctx, "failover", target, options, reach)
    return promote(ctx, Promotion.FAILOVER, "failover", target, options, reach=reach)


def _snapshot_copy(ctx: CliContext, target: Member) -> SnapshotCopy:
    """The copy of the old primary's failover snapshot: the old primary is the other role."""
    old = RegionRole.SECONDARY if target.region == ctx.names.primary_region else RegionRole.PRIMARY
    return SnapshotCopy(
        ctx.names.region_of(old), ctx.names.cluster_of(old), ctx.names.snapshot_copy_of(old)
    )


def _report_optional_steps(ctx: CliContext, result: PlanResult) -> None:
    """Say on stderr what each optional step did (the snapshot copy usually waits for the
    old primary's region to come back: run ``payment-dr failover`` again then)."""
    required = {step.name for step in result.plan.steps if step.required}
    for step in result.steps:
        if step.name in required:
            continue
        if step.ok:
            ctx.err.write(f"{step.name}: done\n")
        elif isinstance(step.error, StepNotReadyError) and isinstance(
            step.error.__cause__, NoClientForRegionError
        ):
            ctx.err.write(
                f"{step.name}: not attempted while failing over (the old primary's region is "
                "not called; Aurora takes its rds:unplanned-global-failover-* snapshot only once "
                "that region is back); run 'payment-dr failover' again then\n"
            )
        else:
            assert step.error is not None
            ctx.err.write(
                f"{step.name}: not done ({explain_error(step.error)}); "
                "run 'payment-dr failover' again once the old primary's region is back\n"
            )


def _finish_wait(
    ctx: CliContext,
    command: str,
    target: Member,
    options: WaitOptions,
    reach: Reach | None = None,
) -> OperationResult:
    done, elapsed, state = wait_for_writer(ctx, target, options, command, reach)
    if done:
        message = f"{target.region} is the writer ({state})"
        return OperationResult(command, "completed", Exit.OK, message, target.region, elapsed)
    message = f"timed out after {elapsed:.0f}s: {state}"
    return OperationResult(command, "timeout", Exit.FAILED, message, target.region, elapsed)
