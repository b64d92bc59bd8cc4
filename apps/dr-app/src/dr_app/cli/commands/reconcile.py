"""``payment-dr reconcile``: payments the old primary acknowledged that the new writer lacks.

Both databases are read over verified TLS with the same database user; the password comes
from the environment variable ``PAYMENT_DR_DB_PASSWORD`` (never from the command line). The
report is a table, or JSON with ``--json``; ``--out`` also writes the JSON to a file. Exit 0
when nothing is missing or reprocessed, 1 when something is (the report lists it), 2 on bad
input or a database that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.output import emit
from dr_app.cli.reconcile import EPOCH, compare, parse_since
from payment_service.connection import Connection, ConnectParams, create_ssl_context, pg8000_connect

PASSWORD_VARIABLE = "PAYMENT_DR_DB_PASSWORD"  # noqa: S105 - the variable's name, not a secret


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``reconcile``."""
    parser = subparsers.add_parser(
        "reconcile",
        help="list payments the old primary acknowledged that the new writer lacks",
    )
    parser.add_argument("--old-host", required=True, help="old primary (or its restore)")
    parser.add_argument("--new-host", required=True, help="the new writer")
    parser.add_argument("--old-port", type=int, default=5432)
    parser.add_argument("--new-port", type=int, default=5432)
    parser.add_argument("--database", default="payments")
    parser.add_argument("--user", required=True, help=f"password in ${PASSWORD_VARIABLE}")
    parser.add_argument("--ca-file", type=Path, required=True, help="CA bundle (PEM)")
    parser.add_argument("--since", help="only payments created at or after (ISO 8601)")
    parser.add_argument("--out", type=Path, help="also write the JSON report to this file")
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
        since = parse_since(args.since) if args.since else EPOCH
    except ValueError as exc:
        ctx.err.write(f"error: {exc}\n")
        return int(Exit.USAGE)
    connections: list[Connection] = []
    try:
        for host, port in ((args.old_host, args.old_port), (args.new_host, args.new_port)):
            connections.append(_connect(args, str(host), int(port), password))
        report = compare(connections[0], connections[1], since=since)
    except Exception as exc:  # reported with its type, never a traceback
        ctx.err.write(f"error: cannot read the databases: {type(exc).__name__}: {exc}\n")
        return int(Exit.USAGE)
    finally:
        for connection in connections:
            connection.close()
    document = report.to_json()
    if args.out is not None:
        Path(args.out).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    emit(ctx, document, report.table())
    return int(Exit.OK if not report.discrepancies else Exit.FAILED)
