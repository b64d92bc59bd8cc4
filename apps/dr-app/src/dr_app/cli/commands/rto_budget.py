"""``payment-dr rto-budget``: worst-case RTO and RPO from the synthesized stacks."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from dr_app.cli.budget import (
    DEFAULT_PAGE_TO_ACTION_MINUTES,
    Budget,
    Defaults,
    RecoveryPath,
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
        "rto-budget",
        help="worst-case RTO per failover path and RPO from the synthesized config; exit 1 "
        "when over",
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


LABELS = (
    "labels: documented = a written source states it (the synthesized stacks, this kit's code, "
    "AWS documentation); measured = a benchmark or drill measured it; assumed = our figure"
)


def _figure(seconds: float) -> str:
    return "unbounded" if math.isinf(seconds) else f"{seconds:.0f} s"


def _line(term: Term) -> str:
    ranged = term.low is not None and term.low != term.seconds
    figure = f"{term.least:.0f}-{term.seconds:.0f} s" if ranged else _figure(term.seconds)
    return f"  {term.key:<17}{figure:>10}  {term.label}  [{term.basis.value}: {term.source}]"


def _verdict(ok: bool, verified: bool) -> str:
    if not verified:
        return "NOT VERIFIED (no synthesized stacks: assumed values)"
    return "OK" if ok else "OVER"


def _terms(budget: Budget) -> list[Term]:
    """Every term of every path, once, in order of first use."""
    seen: dict[str, Term] = {}
    for path in budget.paths:
        for term in (*path.clients, *path.writer, path.retry_after):
            seen.setdefault(term.key, term)
    return list(seen.values())


def _path_lines(budget: Budget, path: RecoveryPath, verified: bool) -> list[str]:
    rto, low = path.rto_seconds, path.low_rto_seconds
    return [
        f"  {path.key}: {path.title} -> {path.move}",
        f"    decides: {path.decides}",
        f"    RTO = {path.formula} = max({path.client_seconds:.0f}, "
        f"{path.writer_seconds:.0f} + {path.retry_after.seconds:.0f}) = {rto:.0f} s "
        f"({rto / 60:.1f} min; {low:.0f} s at the low end of the ranges): "
        f"{_verdict(budget.path_ok(path), verified)}",
    ]


def render(budget: Budget, stacks: list[str], outdir: Path) -> list[str]:
    """The budget as text."""
    verified = bool(stacks)
    found = ", ".join(stacks) if stacks else "none (every term below is an assumption)"
    rpo = budget.rpo_seconds
    lines = [
        f"synthesized stacks in {outdir}: {found}",
        LABELS,
        "RTO terms (worst case; low-high: a range)",
        *(_line(term) for term in _terms(budget)),
        f"RTO per path: max(clients, writer + retry_after); objective "
        f"{budget.rto_objective_seconds / 60:.0f} min",
    ]
    for path in budget.paths:
        lines += _path_lines(budget, path, verified)
    lines += [
        "RPO of a failover with AllowDataLoss (a switchover loses nothing)",
        _line(budget.database_lag),
        _line(budget.table_lag),
        _line(budget.objects),
        f"  RPO = max(database, table, objects) = {_figure(rpo)}"
        f"{'' if math.isinf(rpo) else f' ({rpo / 60:.1f} min)'}; objective "
        f"{budget.rpo_objective_seconds / 60:.0f} min: {_verdict(budget.rpo_ok, verified)}",
    ]
    if math.isinf(budget.database_lag.seconds):
        lines.append(
            "  the database's loss has no bound: aurora_global_db_rpo_seconds sets "
            "rds.global_db_rpo, which blocks commits while replication lags more "
            '(docs/deployment.md, "Bounding the RPO")'
        )
    return lines


def _defaults(ctx: CliContext) -> Defaults:
    """The orchestrator's schedule and N from the environment config, when loaded."""
    config = ctx.config
    if config is None:
        return Defaults()
    return Defaults(
        schedule_seconds=config.orchestrator_schedule_minutes * 60,
        consecutive_failures=config.failover_consecutive_checks,
        global_db_rpo_seconds=config.aurora_global_db_rpo_seconds,
        source=(
            f"environment config: orchestrator_schedule_minutes="
            f"{config.orchestrator_schedule_minutes}, failover_consecutive_checks="
            f"{config.failover_consecutive_checks}, aurora_global_db_rpo_seconds="
            f"{config.aurora_global_db_rpo_seconds}"
        ),
    )


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Print the budget; exit 1 when a path's RTO or the RPO is over its objective (an
    unbounded RPO is), 3 when no synthesized stack was found for the suffix (nothing was
    verified)."""
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
