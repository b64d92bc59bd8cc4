"""``payment-dr failover``: unplanned failover (``AllowDataLoss``), after confirmation."""

from __future__ import annotations

import argparse

from dr_app.cli.commands.planned import add_wait_options, report, wait_options
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.operations import OperationResult, failover
from payment_dr_core import RegionRole


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``failover``."""
    parser = subparsers.add_parser(
        "failover",
        help="unplanned failover (FailoverGlobalCluster, AllowDataLoss): may lose recent writes",
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
    add_wait_options(parser)
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
