"""``payment-dr rto-budget``: worst-case RTO and RPO from the synthesized stacks."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dr_app.cli.budget import (
    DEFAULT_PAGE_TO_ACTION_MINUTES,
    Budget,
    Defaults,
    Term,
    compute_budget,
)
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.output import emit
from dr_app.cli.synthesized import load_app
from dr_app.paths import output_dir


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rto-budget``."""
    parser = subparsers.add_parser(
        "rto-budget", help="worst-case RTO/RPO from the synthesized config; exit 1 when over"
    )
    parser.add_argument(
        "--synth-dir",
        type=Path,
        default=None,
        help="cdktf output directory (default $PAYMENT_DR_OUTDIR, the checkout's "
        "apps/dr-app/cdktf.out, or ./cdktf.out)",
    )
    parser.add_argument("--rto-objective-minutes", type=float, default=30.0)
    parser.add_argument("--rpo-objective-minutes", type=float, default=15.0)
    parser.add_argument(
        "--page-to-action-minutes",
        type=float,
        default=DEFAULT_PAGE_TO_ACTION_MINUTES,
        help="page -> a person runs payment-dr failover, for the manual path "
        f"(default {DEFAULT_PAGE_TO_ACTION_MINUTES:g}, an assumption)",
    )
    parser.set_defaults(run=run)


def _line(term: Term) -> str:
    origin = f"[{term.origin.value}: {term.source}]"
    return f"  {term.key:<13}{term.seconds:>7.0f} s  {term.label}  {origin}"


def _verdict(ok: bool, verified: bool) -> str:
    if not verified:
        return "NOT VERIFIED (no synthesized stacks: assumed values)"
    return "OK" if ok else "OVER"


def render(budget: Budget, stacks: list[str], outdir: Path) -> list[str]:
    """The budget as text."""
    verified = bool(stacks)
    found = ", ".join(stacks) if stacks else "none (every term below is an assumption)"
    rto, manual, rpo = budget.rto_seconds, budget.manual_rto_seconds, budget.rpo_seconds
    writer_path, manual_path = budget.writer_path_seconds, budget.manual_writer_path_seconds
    objective = budget.rto_objective_seconds
    return [
        f"synthesized stacks in {outdir}: {found}",
        "RTO (worst case)",
        *(
            _line(t)
            for t in (
                budget.detection,
                budget.dns,
                budget.orchestrator,
                budget.promotion,
                budget.page_to_action,
            )
        ),
        f"  automatic: RTO = detection + max(dns, orchestrator + promotion) ="
        f" {budget.detection.seconds:.0f} + max({budget.dns.seconds:.0f}, {writer_path:.0f})"
        f" = {rto:.0f} s ({rto / 60:.1f} min); objective {objective / 60:.0f} min:"
        f" {_verdict(budget.automatic_ok, verified)}",
        f"  manual:    RTO = detection + max(dns, orchestrator + page_to_action + promotion) ="
        f" {budget.detection.seconds:.0f} + max({budget.dns.seconds:.0f}, {manual_path:.0f})"
        f" = {manual:.0f} s ({manual / 60:.1f} min); objective {objective / 60:.0f} min:"
        f" {_verdict(budget.manual_ok, verified)}",
        "RPO (worst case)",
        _line(budget.database_lag),
        _line(budget.table_lag),
        _line(budget.objects),
        f"  RPO = max(database, table, objects) = {rpo:.0f} s ({rpo / 60:.1f} min);"
        f" objective {budget.rpo_objective_seconds / 60:.0f} min:"
        f" {_verdict(budget.rpo_ok, verified)}",
    ]


def _defaults(ctx: CliContext) -> Defaults:
    """The orchestrator's schedule and N from the environment config, when loaded."""
    config = ctx.config
    if config is None:
        return Defaults()
    return Defaults(
        schedule_seconds=config.orchestrator_schedule_minutes * 60,
        consecutive_failures=config.failover_consecutive_checks,
        source=(
            f"environment config: orchestrator_schedule_minutes="
            f"{config.orchestrator_schedule_minutes}, failover_consecutive_checks="
            f"{config.failover_consecutive_checks}"
        ),
    )


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Print the budget; exit 1 when an RTO or the RPO is over its objective, 3 when no
    synthesized stack was found for the suffix (nothing was verified)."""
    outdir = output_dir(args.synth_dir, os.environ)
    suffix = ctx.names.suffix
    app = load_app(outdir, (f"payment-dr-{suffix}-primary", f"payment-dr-{suffix}-secondary"))
    budget = compute_budget(
        app,
        rto_objective_seconds=float(args.rto_objective_minutes) * 60,
        rpo_objective_seconds=float(args.rpo_objective_minutes) * 60,
        defaults=_defaults(ctx),
        page_to_action_minutes=float(args.page_to_action_minutes),
    )
    stacks = sorted(app.stacks)
    document: dict[str, object] = {
        "environment": suffix,
        "synth_dir": str(outdir),
        "stacks": stacks,
        "verified": bool(stacks),
        **budget.to_json(),
    }
    emit(ctx, document, render(budget, stacks, outdir))
    if not stacks:
        ctx.err.write(
            f"rto-budget: no synthesized stacks for suffix {suffix!r} in {outdir}; "
            "run 'make synth' (ENVIRONMENT_SUFFIX) first: the figures above are assumptions\n"
        )
        return int(Exit.REFUSED)
    return int(Exit.OK if budget.rto_ok and budget.rpo_ok else Exit.FAILED)
