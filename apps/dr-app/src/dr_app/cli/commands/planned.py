"""``payment-dr switchover`` and ``payment-dr failback``: planned, no data loss."""

from __future__ import annotations

import argparse

from dr_app.cli.context import CliContext
from dr_app.cli.operations import (
    DEFAULT_MAX_LAG_MS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    OperationResult,
    WaitOptions,
    failback,
    switchover,
)
from dr_app.cli.output import emit
from payment_dr_core import RegionRole


def add_wait_options(
    parser: argparse.ArgumentParser,
    timeout_help: str = "seconds to wait for the new writer (default %(default)s)",
) -> None:
    """``--timeout`` and ``--poll-interval``."""
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help=timeout_help)
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=DEFAULT_POLL_SECONDS,
        help="seconds between status reads (default %(default)s)",
    )


def wait_options(args: argparse.Namespace) -> WaitOptions:
    """The wait options from parsed arguments."""
    return WaitOptions(float(args.timeout), float(args.poll_interval))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``switchover`` and ``failback``."""
    parser = subparsers.add_parser(
        "switchover", help="planned switchover (SwitchoverGlobalCluster, no data loss)"
    )
    parser.add_argument(
        "--to",
        choices=[role.value for role in RegionRole],
        default=RegionRole.SECONDARY.value,
        help="region role that becomes the writer (default %(default)s)",
    )
    add_wait_options(parser)
    parser.set_defaults(run=run_switchover)

    parser = subparsers.add_parser(
        "failback",
        help="switch back to the primary region once it has caught up",
    )
    parser.add_argument(
        "--max-lag-ms",
        type=float,
        default=DEFAULT_MAX_LAG_MS,
        help="highest AuroraGlobalDBRPOLag (ms, the Aurora PostgreSQL lag metric, read in the "
        "primary region for its cluster) of the last 5 minutes to accept (default %(default)s)",
    )
    add_wait_options(parser)
    parser.set_defaults(run=run_failback)


def report(ctx: CliContext, result: OperationResult) -> int:
    """Print an operation's result and return its exit code."""
    emit(ctx, result.to_json(), [f"{result.command}: {result.outcome}: {result.message}"])
    return int(result.exit)


def run_switchover(ctx: CliContext, args: argparse.Namespace) -> int:
    """Planned switchover to ``--to``."""
    return report(ctx, switchover(ctx, RegionRole(str(args.to)), wait_options(args)))


def run_failback(ctx: CliContext, args: argparse.Namespace) -> int:
    """Failback to the primary once caught up."""
    return report(ctx, failback(ctx, float(args.max_lag_ms), wait_options(args)))
