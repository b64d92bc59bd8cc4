"""``payment-dr gameday --scenario <name>``: one game-day experiment with evidence.

Refused in production unless ``--allow-production`` (and ``database-failover`` always: it
fails over with ``AllowDataLoss``). Readiness first (:func:`check_readiness`: every check run
now, as ``payment-dr readiness --now`` does, and all must pass unless ``--waive-check`` names
them), then the fault, a bounded synthetic load through the failover name, the RTO and the
RPO, and a report in JSON and Markdown (``--out-dir``). docs/gameday.md has the procedure and
the report format.

Exit codes: 0 the kit did what the scenario expects; 1 it did not (or the experiment was
stopped by a stop condition); 2 bad arguments; 3 refused (production, not ready, no template).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, cast

from dr_app.cli import gameday
from dr_app.cli.commands.planned import add_wait_options, wait_options
from dr_app.cli.commands.readiness import NowEvaluation, evaluate_now
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.operations import DEFAULT_MAX_LAG_MS, failback, failover
from payment_dr_core import RegionRole, names
from payment_service.failover.clients import OPERATOR_LIMITS, boto3_client
from payment_service.readiness.checks import CHECK_NAMES
from payment_service.readiness.model import Outcome

TEMPLATE_NAMES = {
    "api-errors": names.GAMEDAY_API_ERRORS_EXPERIMENT,
    "dynamodb-pause": names.GAMEDAY_DYNAMODB_EXPERIMENT,
    "s3-pause": names.GAMEDAY_S3_EXPERIMENT,
}
"""The ``Name`` tag of each scenario's template in the stacks (``GameDayExperiments``)."""

TEMPLATE_SWITCHES = {"api-errors": "gameday_lambda_faults"}
"""The config switch that puts a scenario's template into the stacks, besides
``gameday_experiments``."""

CLIENT_KEY_ENV = "PAYMENT_DR_CLIENT_KEY"
"""``<client id>.<key>`` of the API client the synthetic load authenticates as."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``gameday``."""
    parser = subparsers.add_parser(
        "gameday",
        help="run one game-day experiment (FIS or a real failover) under load, with a report",
    )
    parser.add_argument("--scenario", required=True, choices=sorted(gameday.SCENARIOS))
    parser.add_argument(
        "--allow-production",
        action="store_true",
        help="run in a production environment (never database-failover)",
    )
    parser.add_argument("--url", help="the API's failover name (default https://<api domain>)")
    parser.add_argument(
        "--template-id",
        help="FIS experiment template (default: the stacks' template of the scenario)",
    )
    parser.add_argument(
        "--waive-check",
        action="append",
        default=[],
        choices=CHECK_NAMES,
        metavar="CHECK",
        help="start even if this readiness check does not pass (repeat for several); "
        "recorded in the report",
    )
    parser.add_argument("--warmup-seconds", type=float, default=60.0)
    parser.add_argument("--duration-seconds", type=float, default=900.0)
    parser.add_argument("--interval-seconds", type=float, default=1.0)
    parser.add_argument("--out-dir", default=".", help="where the report files are written")
    parser.add_argument("--old-host", help="reconcile: the old writer (or its restored copy)")
    parser.add_argument("--new-host", help="reconcile: the new writer")
    parser.add_argument("--db-user", default="payments_app")
    parser.add_argument("--database", default="payments")
    parser.add_argument("--ca-file", help="RDS CA bundle for reconcile")
    parser.add_argument("--no-failback", action="store_true", help="database-failover only")
    parser.add_argument("--max-lag-ms", type=float, default=DEFAULT_MAX_LAG_MS)
    add_wait_options(parser)
    parser.set_defaults(run=run)


def check_readiness(
    ctx: CliContext,
    waived: Collection[str] = (),
    *,
    now: Callable[[CliContext], NowEvaluation] = evaluate_now,
) -> gameday.Readiness:
    """Whether the DR pair is ready now: every readiness check run at this moment with the
    operator's credentials on the deployed evaluator's configuration (``now``, the code of
    ``payment-dr readiness --now``), not the last recorded evaluation, which may be minutes
    old. Ready only when every check passed, except those named in ``waived``; a waived check
    that did not pass is listed in the result."""
    result = now(ctx)
    if result.evaluation is None:
        return gameday.Readiness(False, f"readiness not evaluated: {result.problem}")
    evaluation = result.evaluation
    checks = tuple(check.to_json() for check in evaluation.results)
    blocking = [c.check for c in evaluation.results if c.outcome is not Outcome.PASS]
    waived_here = tuple(name for name in blocking if name in waived)
    summary = evaluation.lines()[0]
    if waived_here:
        summary += f"; waived by the operator: {', '.join(waived_here)}"
    ready = bool(evaluation.results) and all(name in waived for name in blocking)
    return gameday.Readiness(ready, summary, checks, waived_here)


def _poster(url: str, client_key: str | None) -> gameday.Post:
    endpoint = url.rstrip("/") + "/payments"
    context = ssl.create_default_context()

    def post(key: str) -> tuple[int | None, Mapping[str, Any]]:
        body = json.dumps(
            {
                "amount": "1.00",
                "currency": "USD",
                "merchant_reference": key,
                "customer_reference": "payment-dr-gameday",
            }
        )
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if client_key:
            headers["Authorization"] = f"Bearer {client_key}"
        request = urllib.request.Request(  # noqa: S310 - https only (checked by run)
            endpoint, data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310
                return int(response.status), json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, {}
        except (urllib.error.URLError, OSError, ValueError):
            return None, {}

    return post


def _reconcile(args: argparse.Namespace) -> Callable[[], gameday.Reconciled] | None:
    if not (args.old_host and args.new_host and args.ca_file):
        return None

    def reconcile() -> gameday.Reconciled:
        from dr_app.cli.reconcile import compare
        from payment_service.connection import ConnectParams, create_ssl_context, pg8000_connect

        password = os.environ.get("PAYMENT_DR_DB_PASSWORD", "")

        def connect(host: str) -> Any:
            return pg8000_connect(
                ConnectParams(
                    host=host,
                    port=5432,
                    database=str(args.database),
                    user=str(args.db_user),
                    password=password,
                    ssl_context=create_ssl_context(Path(args.ca_file)),
                    timeout_seconds=10.0,
                    statement_timeout_ms=300_000,
                    application_name="payment-dr-gameday",
                )
            )

        result = compare(connect(str(args.old_host)), connect(str(args.new_host)))
        return gameday.Reconciled(
            compared=result.compared,
            missing_keys=tuple(d.idempotency_key for d in result.missing),
            reprocessed=len(result.discrepancies) - len(result.missing),
            detail=result.to_json(),
        )

    return reconcile


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Refuse or run one scenario; write the report."""
    scenario = gameday.SCENARIOS[str(args.scenario)]
    if ctx.production and (not args.allow_production or scenario.driver == "cli"):
        why = (
            "database-failover fails over with AllowDataLoss: never in production"
            if scenario.driver == "cli"
            else "production environment: pass --allow-production to run it anyway"
        )
        ctx.err.write(f"payment-dr gameday: refused: {why}\n")
        return int(Exit.REFUSED)
    ctx.err.write(f"payment-dr gameday: run from {gameday.WHERE_TO_RUN}\n")
    url = str(args.url or f"https://{ctx.config.api_domain_name if ctx.config else ''}")
    if not url.startswith("https://") or url == "https://":
        ctx.err.write("payment-dr gameday: --url must be the API's https failover name\n")
        return int(Exit.USAGE)
    deps = build_deps(ctx, args, scenario, url)
    if scenario.driver != "cli" and deps.template_id is None:
        switches = " and ".join(
            ["gameday_experiments", *filter(None, [TEMPLATE_SWITCHES.get(scenario.name)])]
        )
        ctx.err.write(
            f"payment-dr gameday: no FIS template for {scenario.name}: deploy with "
            f"{switches} on, or pass --template-id (docs/gameday.md)\n"
        )
        return int(Exit.REFUSED)
    options = gameday.RunOptions(
        environment=ctx.names.suffix,
        secondary_region=ctx.names.secondary_region,
        warmup_seconds=float(args.warmup_seconds),
        duration_seconds=float(args.duration_seconds),
        interval_seconds=float(args.interval_seconds),
    )
    report = gameday.run_gameday(scenario, deps, options)
    return write_report(ctx, report, Path(str(args.out_dir)))


def build_deps(
    ctx: CliContext, args: argparse.Namespace, scenario: gameday.Scenario, url: str
) -> gameday.GameDayDeps:
    """AWS-backed dependencies of a run."""
    region = ctx.names.region_of(RegionRole(scenario.region_role))
    fis = (
        cast(gameday.FisApi, boto3_client("fis", region, OPERATOR_LIMITS))
        if scenario.driver != "cli"
        else None
    )
    template_id = args.template_id
    if fis is not None and template_id is None and scenario.template_tag:
        spec = TEMPLATE_NAMES[scenario.name]
        name = ctx.config.namer.of(spec, region=region) if ctx.config else None
        template_id = gameday.find_template(fis, name) if name else None
    waived = tuple(args.waive_check or ())
    deps = gameday.GameDayDeps(
        readiness=lambda: check_readiness(ctx, waived),
        post=_poster(url, os.environ.get(CLIENT_KEY_ENV)),
        fis=fis,
        template_id=template_id,
        reconcile=_reconcile(args),
        clock=ctx.clock,
        sleep=ctx.sleep,
        wall_clock=ctx.wall_clock,
    )
    if scenario.driver == "cli":
        options = wait_options(args)
        deps.fail_over = lambda: failover(ctx, RegionRole.SECONDARY, options).to_json()
        if not args.no_failback:
            deps.fail_back = lambda: failback(ctx, float(args.max_lag_ms), options).to_json()
    return deps


def write_report(ctx: CliContext, report: gameday.GameDayReport, out_dir: Path) -> int:
    """Write ``gameday-<scenario>-<time>.json`` and ``.md``; print the Markdown (or JSON)."""
    text, markdown = gameday.dump(report)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"gameday-{report.scenario.name}-{report.started_at.replace(':', '')}"
    (out_dir / f"{stem}.json").write_text(text, encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(markdown, encoding="utf-8")
    ctx.out.write(text if ctx.json_output else markdown)
    ctx.err.write(f"payment-dr gameday: report in {out_dir / stem}.json and .md\n")
    verdict = report.verdict
    if verdict == "pass":
        return int(Exit.OK)
    return int(Exit.REFUSED) if verdict == "not-run" else int(Exit.FAILED)
