"""``payment-dr reconcile``: the old primary (or a restore of its failover snapshot) against the
new writer, by payment id (:mod:`dr_app.cli.reconcile`).

Both databases are read over verified TLS with the same database user; the password comes
from the environment variable ``PAYMENT_DR_DB_PASSWORD`` (never from the command line).
``--since`` is required and must carry its offset. The report is a table, or JSON with
``--json``; ``--out`` also writes the JSON, ``--csv`` the CSV (schema in docs/runbook.md,
section 3a). Exit 0 when nothing is listed, 1 when something is, 2 on bad input or a
database that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.output import emit
from dr_app.cli.reconcile import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, compare, parse_since
from payment_service.connection import Connection, ConnectParams, create_ssl_context, pg8000_connect

PASSWORD_VARIABLE = "PAYMENT_DR_DB_PASSWORD"  # noqa: S105 - the variable's name, not a secret


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``reconcile``."""
    parser = subparsers.add_parser(
        "reconcile",
        help="compare the old primary with the new writer by payment id (after a failover)",
    )
    parser.add_argument("--old-host", required=True, help="old primary (or its restore)")
    parser.add_argument("--new-host", required=True, help="the new writer")
    parser.add_argument("--old-port", type=int, default=5432)
    parser.add_argument("--new-port", type=int, default=5432)
    parser.add_argument("--database", default="payments")
    parser.add_argument("--user", required=True, help=f"password in ${PASSWORD_VARIABLE}")
    parser.add_argument("--ca-file", type=Path, required=True, help="CA bundle (PEM)")
    parser.add_argument(
        "--since",
        required=True,
        help="payments created at or after this time: ISO 8601 with an offset (...Z, +02:00)",
    )
    parser.add_argument("--out", type=Path, help="also write the JSON report to this file")
    parser.add_argument("--csv", type=Path, help="also write the CSV report to this file")
    parser.add_argument(
        "--page-size",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        help=f"rows per query on each side (1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})",
    )
    parser.set_defaults(run=run)


def _connect(args: argparse.Namespace, host: str, port: int, password: str) -> Connection:
    return pg8000_connect(
        ConnectParams(
            host=host,
            port=port,
            database=str(args.database),
            user=str(args.user),
            password=password,
            ssl_context=create_ssl_context(Path(args.ca_file)),
            timeout_seconds=10.0,
            statement_timeout_ms=300_000,
            application_name="payment-dr-reconcile",
        )
    )


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Compare, print the report; see the module docstring for exit codes."""
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        ctx.err.write(f"error: set {PASSWORD_VARIABLE} to the password of --user\n")
        return int(Exit.USAGE)
    try:
        since = parse_since(str(args.since))
    except ValueError as exc:
        ctx.err.write(f"error: {exc}\n")
        return int(Exit.USAGE)
    page_size = int(args.page_size)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        ctx.err.write(f"error: --page-size={page_size}; expected 1 to {MAX_PAGE_SIZE}\n")
        return int(Exit.USAGE)
    connections: list[Connection] = []
    try:
        for host, port in ((args.old_host, args.old_port), (args.new_host, args.new_port)):
            connections.append(_connect(args, str(host), int(port), password))
        report = compare(connections[0], connections[1], since=since, page_size=page_size)
    except Exception as exc:  # reported with its type, never a traceback
        ctx.err.write(f"error: cannot read the databases: {type(exc).__name__}: {exc}\n")
        return int(Exit.USAGE)
    finally:
        for connection in connections:
            connection.close()
    document = report.to_json()
    if args.out is not None:
        Path(args.out).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    if args.csv is not None:
        with Path(args.csv).open("w", encoding="utf-8", newline="") as stream:
            report.write_csv(stream)
    emit(ctx, document, report.table())
    return int(Exit.OK if not report.discrepancies else Exit.FAILED)
