"""``payment-dr rto-budget``: worst-case RTO and RPO from the synthesized stacks."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dr_app.cli.budget import Budget, Defaults, Term, compute_budget
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
    parser.set_defaults(run=run)


def _line(term: Term) -> str:
    origin = f"[{term.origin.value}: {term.source}]"
    return f"  {term.key:<13}{term.seconds:>7.0f} s  {term.label}  {origin}"


def render(budget: Budget, stacks: list[str], outdir: Path) -> list[str]:
    """The budget as text."""
    found = ", ".join(stacks) if stacks else "none (every term uses its default)"
    rto, rpo = budget.rto_seconds, budget.rpo_seconds
    writer_path = budget.orchestrator.seconds + budget.promotion.seconds
    return [
        f"synthesized stacks in {outdir}: {found}",
        "RTO (worst case)",
        *(_line(t) for t in (budget.detection, budget.dns, budget.orchestrator, budget.promotion)),
        f"  RTO = detection + max(dns, orchestrator + promotion) = {budget.detection.seconds:.0f}"
        f" + max({budget.dns.seconds:.0f}, {writer_path:.0f}) = {rto:.0f} s ({rto / 60:.1f} min);"
        f" objective {budget.rto_objective_seconds / 60:.0f} min:"
        f" {'OK' if budget.rto_ok else 'OVER'}",
        "RPO (worst case)",
        _line(budget.database_lag),
        _line(budget.objects),
        f"  RPO = max(database, objects) = {rpo:.0f} s ({rpo / 60:.1f} min);"
        f" objective {budget.rpo_objective_seconds / 60:.0f} min:"
        f" {'OK' if budget.rpo_ok else 'OVER'}",
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
    """Print the budget; exit 1 when the RTO or the RPO is over its objective."""
    outdir = output_dir(args.synth_dir, os.environ)
    suffix = ctx.names.suffix
    app = load_app(outdir, (f"payment-dr-{suffix}-primary", f"payment-dr-{suffix}-secondary"))
    budget = compute_budget(
        app,
        rto_objective_seconds=float(args.rto_objective_minutes) * 60,
        rpo_objective_seconds=float(args.rpo_objective_minutes) * 60,
        defaults=_defaults(ctx),
    )
    stacks = sorted(app.stacks)
    document: dict[str, object] = {
        "environment": suffix,
        "synth_dir": str(outdir),
        "stacks": stacks,
        **budget.to_json(),
    }
    emit(ctx, document, render(budget, stacks, outdir))
    return int(Exit.OK if budget.rto_ok and budget.rpo_ok else Exit.FAILED)
