"""``payment-dr failover``: unplanned failover (``AllowDataLoss``), after confirmation."""

from __future__ import annotations

import argparse

from dr_app.cli.commands.planned import add_wait_options, report, wait_options
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.operations import RDS_CALL_BOUND_SECONDS, OperationResult, failover
from payment_dr_core import RegionRole


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``failover``."""
    parser = subparsers.add_parser(
        "failover",
        help="unplanned failover (FailoverGlobalCluster, AllowDataLoss): may lose recent writes",
        description="Unplanned failover (FailoverGlobalCluster with AllowDataLoss): may lose "
        "the writes not yet replicated. Every RDS call goes to the target's region only (where "
        "AWS documents FailoverGlobalCluster); the old primary's region is not called while "
        "failing over, so a region that is down or hangs cannot delay it (a run that finds the "
        "target already writing tries the snapshot copy there, each call bounded the same "
        "way). Total wait: --timeout from the start plus the RDS call in flight at that moment "
        f"({RDS_CALL_BOUND_SECONDS:g} s per attempt: 5 s connect, 20 s read); with the "
        "default, 1825 s.",
    )
    parser.add_argument(
        "--to",
        choices=[role.value for role in RegionRole],
        default=RegionRole.SECONDARY.value,
        help="region role that becomes the writer (default %(default)s)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="do not ask for confirmation (required without a terminal)",
    )
    add_wait_options(
        parser,
        "seconds from the start after which no RDS call starts: the command ends within this "
        f"plus one call ({RDS_CALL_BOUND_SECONDS:g} s) (default %(default)s)",
    )
    parser.set_defaults(run=run)


def confirmed(ctx: CliContext, region: str) -> bool | None:
    """Ask the operator to type the global cluster id; ``None`` when no terminal to ask on."""
    if not ctx.interactive:
        return None
    ctx.err.write(
        f"Unplanned failover of {ctx.names.global_cluster} to {region}: transactions not yet "
        "replicated will be lost, and the old primary rejoins as a secondary.\n"
        f"Type the global cluster identifier ({ctx.names.global_cluster}) to confirm: "
    )
    ctx.err.flush()
    return ctx.stdin.readline().strip() == ctx.names.global_cluster


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Confirm, then fail over and wait."""
    role = RegionRole(str(args.to))
    region = ctx.names.region_of(role)
    if not args.yes:
        answer = confirmed(ctx, region)
        if answer is None:
            message = "no terminal to confirm on: run from a terminal or pass --yes"
            return report(ctx, OperationResult("failover", "refused", Exit.USAGE, message, region))
        if not answer:
            message = "not confirmed: nothing was changed"
            return report(
                ctx, OperationResult("failover", "refused", Exit.REFUSED, message, region)
            )
    return report(ctx, failover(ctx, role, wait_options(args)))
