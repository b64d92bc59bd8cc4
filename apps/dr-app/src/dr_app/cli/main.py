"""``payment-dr`` entry point: global options, configuration, dispatch.

Global options: ``--suffix`` (default ``$ENVIRONMENT_SUFFIX`` or ``dev``), ``--region-primary``
and ``--region-secondary`` (default: the environment's config), ``--json``, ``-v``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
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
OFFLINE_COMMANDS = frozenset({"rto-budget"})
"""Commands that read only the synthesized stacks, never an AWS API."""
FIRST_PROGRESS_SECONDS = 5.0
"""A command still running after this says so on stderr (an AWS endpoint that does not
answer costs each call its client timeouts, bounded in dr_app.cli.clients)."""
PROGRESS_EVERY_SECONDS = 10.0


def credentials_problem() -> str | None:
    """Why botocore finds no credentials (one line), or ``None``; reads only the local chain
    (environment, profile files, SSO cache), sends nothing."""
    import botocore.session  # type: ignore[import-untyped]  # imported here: fast start

    try:
        found = botocore.session.Session().get_credentials()
    except Exception as exc:  # a named profile that does not exist, a broken config file
        return f"AWS credentials: {exc}"
    if found is None:
        return (
            "no AWS credentials found (set AWS_PROFILE, run aws sso login, or export "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
        )
    return None


class Watchdog:
    """Says on ``stream`` that a command is still waiting: first after
    :data:`FIRST_PROGRESS_SECONDS`, then every :data:`PROGRESS_EVERY_SECONDS`."""

    def __init__(self, stream: TextIO, command: str, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._command = command
        self._clock = clock
        self._started = clock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()

    def _run(self) -> None:
        wait = FIRST_PROGRESS_SECONDS
        while not self._done.wait(wait):
            elapsed = self._clock() - self._started
            self._stream.write(
                f"payment-dr {self._command}: still waiting for AWS answers after "
                f"{elapsed:.0f} s (each call is bounded by its client timeouts)\n"
            )
            self._stream.flush()
            wait = PROGRESS_EVERY_SECONDS


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


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already names one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text.lower()
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def _global_options(parser: argparse.ArgumentParser, environ: dict[str, str], *, top: bool) -> None:
    """The global options; on a command's parser they default to SUPPRESS, so one given after
    the command replaces the value given (or defaulted) before it."""

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--suffix",
        default=default(environ.get("ENVIRONMENT_SUFFIX") or "dev"),
        help="environment suffix (default $ENVIRONMENT_SUFFIX or dev)",
    )
    parser.add_argument(
        "--environments-dir",
        default=default(None),
        help="directory of <suffix>.toml files (default $PAYMENT_DR_ENVIRONMENTS_DIR, the "
        "checkout's apps/dr-app/environments, or ./environments)",
    )
    parser.add_argument(
        "--region-primary", default=default(None), help="primary region (default from config)"
    )
    parser.add_argument(
        "--region-secondary", default=default(None), help="secondary region (default from config)"
    )
    parser.add_argument(
        "--json", action="store_true", default=default(False), help="print results as JSON"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="more logs on stderr (default: warnings only)",
    )


def build_parser(environ: dict[str, str]) -> argparse.ArgumentParser:
    """The argument parser with every command; global options go before or after the command."""
    parser = argparse.ArgumentParser(
        prog="payment-dr",
        description="Operate the payment DR pair: status, switchover, failover, failback, "
        "drills and the RTO/RPO budget.",
        formatter_class=DefaultsHelpFormatter,
    )
    _global_options(parser, environ, top=True)
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
    for command in subparsers.choices.values():
        command.formatter_class = DefaultsHelpFormatter
        for action in command._actions:  # an option without help still shows its default
            if action.help is None and action.option_strings and action.default is not None:
                action.help = "(default: %(default)s)"
        _global_options(command, environ, top=False)
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
    if runtime.clients is None and args.command not in OFFLINE_COMMANDS:
        problem = credentials_problem()
        if problem is not None:
            runtime.err.write(f"payment-dr {args.command}: {problem}\n")
            return int(Exit.USAGE)
    command: Callable[[CliContext, argparse.Namespace], int] = args.run
    watch = Watchdog(runtime.err, str(args.command), runtime.clock)
    watch.start()
    try:
        return int(command(ctx, args))
    except KeyboardInterrupt:
        runtime.err.write("\npayment-dr: interrupted; the AWS operation, if started, goes on\n")
        return 130
    finally:
        watch.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``payment-dr``)."""
    try:
        return run_cli(argv, Runtime())
    except BrokenPipeError:  # output piped into a command that stopped reading (head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())
