"""``payment-dr drill``: a game day in a non-production environment.

Steps: check the primary writes; switch over to the secondary and wait; verify; wait until
the primary has caught up; switch back and wait; verify. Every step is timed. Refused in a
production environment.
"""

from __future__ import annotations

import argparse
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from dr_app.cli.commands.planned import add_wait_options, wait_options
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.operations import (
    DEFAULT_MAX_LAG_MS,
    OperationResult,
    WaitOptions,
    caught_up,
    switchover,
)
from dr_app.cli.output import emit
from dr_app.cli.progress import Progress
from dr_app.cli.topology import TopologyError, cluster_status, read_topology
from payment_dr_core import RegionRole

HttpGet = Callable[[str], int | None]
"""``get(url)``: the HTTP status, or ``None`` without a response."""


def https_status(url: str) -> int | None:
    """Status of ``GET url`` (certificate verified, 10 s timeout), ``None`` on no response."""
    if not url.startswith("https://"):
        return None
    try:
        with urllib.request.urlopen(  # noqa: S310 - https only, checked above
            url, timeout=10, context=ssl.create_default_context()
        ) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


@dataclass(frozen=True)
class Step:
    """One timed step of the drill."""

    name: str
    ok: bool
    seconds: float
    detail: str

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "step": self.name,
            "ok": self.ok,
            "seconds": round(self.seconds, 1),
            "detail": self.detail,
        }


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``drill``."""
    parser = subparsers.add_parser(
        "drill", help="game day (non-production only): switchover, verify, switch back, timings"
    )
    parser.add_argument("--max-lag-ms", type=float, default=DEFAULT_MAX_LAG_MS)
    parser.add_argument(
        "--catch-up-timeout",
        type=float,
        default=900.0,
        help="seconds to wait for the primary to catch up before switching back",
    )
    parser.add_argument("--primary-health-url", help="https URL expected to answer 200 at the end")
    parser.add_argument(
        "--secondary-health-url", help="https URL expected to answer 200 while it writes"
    )
    add_wait_options(parser)
    parser.set_defaults(run=run)


def run(ctx: CliContext, args: argparse.Namespace, http_get: HttpGet = https_status) -> int:
    """Run the drill and print each step; refused in production."""
    if ctx.production:
        message = f"environment {ctx.names.suffix!r} is production: drills are refused"
        emit(ctx, {"command": "drill", "outcome": "refused", "message": message}, [message])
        return int(Exit.REFUSED)
    options = wait_options(args)
    steps = _run_steps(ctx, args, options, http_get)
    ok = all(step.ok for step in steps)
    document: dict[str, object] = {
        "command": "drill",
        "outcome": "passed" if ok else "failed",
        "steps": [step.to_json() for step in steps],
        "total_seconds": round(sum(step.seconds for step in steps), 1),
    }
    lines = [f"{'step':<28} {'result':<7} {'seconds':>8}  detail"]
    lines += [
        f"{step.name:<28} {'ok' if step.ok else 'FAILED':<7} {step.seconds:>8.1f}  {step.detail}"
        for step in steps
    ]
    lines.append(f"drill {document['outcome']} in {document['total_seconds']} s")
    emit(ctx, document, lines)
    return int(Exit.OK if ok else Exit.FAILED)


def _run_steps(
    ctx: CliContext, args: argparse.Namespace, options: WaitOptions, http_get: HttpGet
) -> list[Step]:
    """Run the steps in order; stop after a failed step that makes the next ones unsafe.

    A failed verification of the secondary does not stop the drill: switching back is still
    the right thing to do.
    """
    names = ctx.names
    secondary_url = (
        args.secondary_health_url if isinstance(args.secondary_health_url, str) else None
    )
    primary_url = args.primary_health_url if isinstance(args.primary_health_url, str) else None
    plan: list[tuple[Callable[[], Step], bool]] = [
        (lambda: _verify(ctx, "check primary writes", names.primary_region, None, http_get), True),
        (
            lambda: _operation_step(
                "switchover to secondary", switchover(ctx, RegionRole.SECONDARY, options)
            ),
            True,
        ),
        (
            lambda: _verify(
                ctx, "verify secondary writes", names.secondary_region, secondary_url, http_get
            ),
            False,
        ),
        (
            lambda: _wait_catch_up(
                ctx, float(args.max_lag_ms), float(args.catch_up_timeout), options
            ),
            True,
        ),
        (
            lambda: _operation_step(
                "switch back to primary", switchover(ctx, RegionRole.PRIMARY, options)
            ),
            True,
        ),
        (
            lambda: _verify(
                ctx, "verify primary writes", names.primary_region, primary_url, http_get
            ),
            False,
        ),
    ]
    steps: list[Step] = []
    for action, stop_on_failure in plan:
        step = action()
        steps.append(step)
        if stop_on_failure and not step.ok:
            break
    return steps


def _operation_step(name: str, result: OperationResult) -> Step:
    ok = result.exit is Exit.OK
    return Step(name, ok, result.elapsed_seconds or 0.0, f"{result.outcome}: {result.message}")


def _verify(ctx: CliContext, name: str, region: str, url: str | None, http_get: HttpGet) -> Step:
    started = ctx.clock()
    try:
        topology = read_topology(ctx)
    except TopologyError as exc:
        return Step(name, False, ctx.clock() - started, str(exc))
    writer = topology.writer
    if writer is None or writer.region != region or topology.in_transition:
        return Step(
            name,
            False,
            ctx.clock() - started,
            f"expected writer {region}: {topology.describe_state()}",
        )
    status = cluster_status(ctx, region, writer.cluster_id)
    detail = f"writer {region}, cluster {status or 'unreadable'}"
    ok = status == "available"
    if url:
        code = http_get(url)
        detail += f", {url} -> {code if code is not None else 'no response'}"
        ok = ok and code == 200
    return Step(name, ok, ctx.clock() - started, detail)


def _wait_catch_up(
    ctx: CliContext, max_lag_ms: float, timeout: float, options: WaitOptions
) -> Step:
    progress = Progress(ctx.err, "catch-up", tty=ctx.progress_tty, clock=ctx.clock)
    reason = "not checked"
    while True:
        try:
            ready, reason = caught_up(ctx, read_topology(ctx), ctx.names.primary_region, max_lag_ms)
        except TopologyError as exc:
            ready, reason = False, str(exc)
        if ready:
            return Step("wait for primary catch-up", True, progress.finish(reason), reason)
        progress.update(reason)
        if progress.elapsed >= timeout:
            elapsed = progress.finish(f"timed out: {reason}")
            return Step("wait for primary catch-up", False, elapsed, f"timed out: {reason}")
        ctx.sleep(options.poll_seconds)
