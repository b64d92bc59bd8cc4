"""Payment handler benchmarks: request latency on a local PostgreSQL, cold import, bundle size.

Latency: the real handler (``PaymentService.handle``) over TLS to a local PostgreSQL 15
primary with an asynchronous streaming standby (as Aurora replicates), sequential requests
from one execution environment: ``POST /payments`` with a new idempotency key each time,
then ``GET /payments/{id}``. The idempotency cache is in memory, so the figures are the
handler and the database, without a DynamoDB round trip.

Cold import: ``import payment_service.api`` in a fresh interpreter, minus the interpreter's
own start-up, median of several runs (what a Lambda cold start adds for this module).

    python scripts/bench_handler.py [--requests 300] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from doc_sections import replace_section  # noqa: E402

from dr_app.bundles import service_requirements, service_source  # noqa: E402
from payment_dr_compute.bundle import build_bundle  # noqa: E402
from payment_service.logging import configure_logging  # noqa: E402
from tests.drill.pair import ReplicatedPair  # noqa: E402
from tests.drill.regions import Region, SharedIdempotencyStore, create_payment  # noqa: E402
from tests.runtime.events import api_event, response_json  # noqa: E402
from tests.runtime.postgres import PostgresUnavailableError  # noqa: E402

SECTION = "bench-handler"
HEADING = "Payment handler"
IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import payment_service.api; "
    "print(time.perf_counter() - t)"
)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (0 < share <= 1)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[rank - 1]


def latencies(requests: int) -> tuple[list[float], list[float]]:
    """(POST times, GET times) in milliseconds."""
    pair = ReplicatedPair.create()
    try:
        service = Region(
            "bench", pair.primary, pair.app_password, SharedIdempotencyStore()
        ).service()
        ids: list[str] = []
        for _ in range(10):  # warm the connection and the code paths
            create_payment(service, f"warm-{uuid.uuid4()}")
        posts: list[float] = []
        for _ in range(requests):
            start = time.perf_counter()
            response = create_payment(service, f"bench-{uuid.uuid4()}")
            posts.append((time.perf_counter() - start) * 1000)
            assert response["statusCode"] == 201, response
            ids.append(str(response_json(response)["id"]))
        gets: list[float] = []
        for payment_id in ids:
            event = api_event("GET", f"/payments/{payment_id}")
            start = time.perf_counter()
            response = service.handle(event)
            gets.append((time.perf_counter() - start) * 1000)
            assert response["statusCode"] == 200, response
        return posts, gets
    finally:
        pair.close()


def cold_import_ms(runs: int = 7) -> float:
    """Median import time of the handler module in a fresh interpreter, in ms."""
    times = []
    for _ in range(runs):
        out = subprocess.run(  # noqa: S603 - the running interpreter, a fixed probe
            [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip()) * 1000)
    return statistics.median(times)


def bundle_kib() -> float:
    """Size of the deterministic payment-service bundle."""
    with tempfile.TemporaryDirectory() as out:
        bundle = build_bundle(service_source(), service_requirements(), Path(out) / "b.zip")
        return bundle.size_bytes / 1024


def section(requests: int, posts: list[float], gets: list[float], cold: float, kib: float) -> str:
    """The markdown section."""

    def row(name: str, values: list[float]) -> str:
        return (
            f"| {name} | {percentile(values, 0.5):.2f} ms | {percentile(values, 0.99):.2f} ms "
            f"| {max(values):.2f} ms |"
        )

    return "\n".join(
        [
            f"Measured {datetime.now(UTC):%Y-%m-%d} by `python scripts/bench_handler.py` "
            f"({requests} sequential requests each, one execution environment, TLS to a local "
            f"PostgreSQL with a streaming standby), {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}.",
            "",
            "| request | p50 | p99 | max |",
            "|---|---|---|---|",
            row("`POST /payments` (new key, one transaction)", posts),
            row("`GET /payments/{id}`", gets),
            "",
            f"Cold import of `payment_service.api` (fresh interpreter, median of 7): "
            f"{cold:.0f} ms. Lambda bundle (`payment-service.zip`, deterministic): {kib:.0f} KiB.",
        ]
    )


def run(requests: int) -> str:
    """Measure; the Markdown section (PostgresUnavailableError without server binaries)."""
    posts, gets = latencies(requests)
    return section(requests, posts, gets, cold_import_ms(), bundle_kib())


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    try:
        text = run(args.requests)
    except PostgresUnavailableError as exc:
        print(f"skipped: {exc}")
        return 0
    print(text)
    if args.write:
        replace_section(args.write, SECTION, text, heading=HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
