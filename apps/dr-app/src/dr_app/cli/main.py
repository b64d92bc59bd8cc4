"""``payment-dr`` entry point: global options, configuration, dispatch.

Global options: ``--suffix`` (default ``$ENVIRONMENT_SUFFIX`` or ``dev``), ``--region-primary``
and ``--region-secondary`` (default: the environment's config), ``--json``, ``-v``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

import structlog

from dr_app.cli.clients import Boto3Clients, ClientFactory
from dr_app.cli.commands import (
    drill,
    failover,
    gameday,
    planned,
    preflight,
    readiness,
    reconcile,
    rto_budget,
    status,
)
from dr_app.cli.context import CliContext, Exit
from dr_app.cli.dns import Resolver, socket_resolver
from dr_app.cli.names import ResourceNames
from dr_app.paths import environments_dir
from payment_dr_core import ConfigError, EnvironmentConfig, RegionPair, load_config

PRODUCTION_WORDS = frozenset({"prod", "production", "prd", "live"})
"""A suffix with one of these hyphen-separated parts names a production environment."""


@dataclass
class Runtime:
    """What the CLI takes from the process; replaced in tests."""

    clients: ClientFactory | None = None
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    resolver: Resolver = socket_resolver
    interactive: bool | None = None
    """Default: stdin is a terminal."""
    progress_tty: bool | None = None
    """Default: stderr is a terminal."""


def build_parser(environ: dict[str, str]) -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="payment-dr",
        description="Operate the payment DR pair: status, switchover, failover, failback, "
        "drills and the RTO/RPO budget.",
    )
    parser.add_argument(
        "--suffix",
        default=environ.get("ENVIRONMENT_SUFFIX") or "dev",
        help="environment suffix (default $ENVIRONMENT_SUFFIX or dev)",
    )
    parser.add_argument(
        "--environments-dir",
        help="directory of <suffix>.toml files (default $PAYMENT_DR_ENVIRONMENTS_DIR, the "
        "checkout's apps/dr-app/environments, or ./environments)",
    )
    parser.add_argument("--region-primary", help="primary region (default from config)")
    parser.add_argument("--region-secondary", help="secondary region (default from config)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logs on stderr")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        status,
        readiness,
        planned,
        failover,
        drill,
        rto_budget,
        preflight,
        reconcile,
        gameday,
    ):
        module.register(subparsers)
    return parser


def is_production(config: EnvironmentConfig) -> bool:
    """True for a production environment: its config marks it, or its suffix says so."""
    return config.production or bool(PRODUCTION_WORDS.intersection(config.suffix.split("-")))


def configure_logs(verbosity: int, json_logs: bool, stream: TextIO) -> None:
    """structlog to ``stream``: warnings by default, ``-v`` info, ``-vv`` debug."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    renderer = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def _context(args: argparse.Namespace, runtime: Runtime) -> CliContext:
    directory = environments_dir(args.environments_dir, runtime.environ)
    try:
        config = load_config({**runtime.environ, "ENVIRONMENT_SUFFIX": str(args.suffix)}, directory)
    except ConfigError as exc:
        source = directory / f"{args.suffix}.toml"
        if not source.is_file():
            raise
        raise ConfigError(f"{source}: {exc.field}", exc.value, exc.allowed) from exc
    regions = RegionPair(
        primary=str(args.region_primary or config.regions.primary),
        secondary=str(args.region_secondary or config.regions.secondary),
    )
    names = ResourceNames.for_environment(config, regions.primary, regions.secondary)
    return CliContext(
        names=names,
        clients=runtime.clients or Boto3Clients(),
        out=runtime.out,
        err=runtime.err,
        stdin=runtime.stdin,
        json_output=bool(args.json),
        interactive=runtime.stdin.isatty() if runtime.interactive is None else runtime.interactive,
        progress_tty=runtime.err.isatty() if runtime.progress_tty is None else runtime.progress_tty,
        production=is_production(config),
        clock=runtime.clock,
        sleep=runtime.sleep,
        wall_clock=runtime.wall_clock,
        resolver=runtime.resolver,
        config=config,
    )


def run_cli(argv: Sequence[str] | None, runtime: Runtime) -> int:
    """Parse ``argv``, build the context and run the command; return the exit code."""
    parser = build_parser(runtime.environ)
    args = parser.parse_args(argv)
    configure_logs(int(args.verbose), bool(args.json), runtime.err)
    try:
        ctx = _context(args, runtime)
    except ConfigError as exc:
        runtime.err.write(f"payment-dr: configuration error: {exc}\n")
        return int(Exit.USAGE)
    command: Callable[[CliContext, argparse.Namespace], int] = args.run
    try:
        return int(command(ctx, args))
    except KeyboardInterrupt:
        runtime.err.write("\npayment-dr: interrupted; the AWS operation, if started, goes on\n")
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``payment-dr``)."""
    try:
        return run_cli(argv, Runtime())
    except BrokenPipeError:  # output piped into a command that stopped reading (head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())
