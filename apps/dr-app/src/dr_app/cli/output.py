"""Writing results: JSON (``--json``) or text for people."""

from __future__ import annotations

import json
from collections.abc import Iterable

from dr_app.cli.context import CliContext


def emit(ctx: CliContext, document: dict[str, object], lines: Iterable[str]) -> None:
    """Write ``document`` as JSON with ``--json``, else ``lines``; region errors included."""
    if ctx.errors:
        document = {**document, "region_errors": [error.to_json() for error in ctx.errors]}
    if ctx.json_output:
        ctx.out.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
        return
    for line in lines:
        ctx.out.write(line + "\n")
    for error in ctx.errors:
        ctx.out.write(f"warning: {error.region} {error.service} unavailable: {error.error}\n")
