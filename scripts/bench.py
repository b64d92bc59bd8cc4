"""Every benchmark of docs/benchmarks.md (``make bench``), written only when all succeeded.

Runs, in order, the synth benchmark (scripts/bench_synth.py, with ``--mypy``), the payment
handler (scripts/bench_handler.py) and the dependency faults (scripts/bench_faults.py), and
prints each one's section. With ``--write`` the three sections of docs/benchmarks.md are
replaced after all three were measured and passed their checks; a failure, a missing
PostgreSQL or an interruption leaves the file as it was.

    python scripts/bench.py [--write [docs/benchmarks.md]] [--no-mypy] [--runs N]
                            [--eager-runs N] [--requests N]

Exit 0 when every benchmark succeeded, 1 when one failed (nothing is written then).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import bench_faults  # noqa: E402
import bench_handler  # noqa: E402
import bench_synth  # noqa: E402
from doc_sections import replace_section  # noqa: E402

from payment_service.logging import configure_logging  # noqa: E402
from tests.runtime.postgres import PostgresUnavailableError  # noqa: E402

BENCHMARKS = REPO_ROOT / "docs" / "benchmarks.md"

Measure = Callable[[argparse.Namespace], tuple[str, str | None]]
"""One benchmark: its section and, when it failed its own check, why."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    section: str
    heading: str
    measure: Measure


def _synth(args: argparse.Namespace) -> tuple[str, str | None]:
    text, ok = bench_synth.run(args.runs, args.eager_runs, args.mypy, False)
    return text, None if ok else "a synth time ratio target was missed"


def _handler(args: argparse.Namespace) -> tuple[str, str | None]:
    configure_logging("WARNING")
    return bench_handler.run(args.requests), None


def _faults(_args: argparse.Namespace) -> tuple[str, str | None]:
    configure_logging("ERROR", stream=io.StringIO())  # the table is the output
    return bench_faults.run()


BENCHMARKS_RUN = (
    Benchmark("synth", bench_synth.SECTION, bench_synth.HEADING, _synth),
    Benchmark("handler", bench_handler.SECTION, bench_handler.HEADING, _handler),
    Benchmark("faults", bench_faults.SECTION, bench_faults.HEADING, _faults),
)


def _failure(benchmark: Benchmark, args: argparse.Namespace) -> tuple[str, str | None]:
    """Run one benchmark; a failure of any kind becomes its reason."""
    try:
        return benchmark.measure(args)
    except PostgresUnavailableError as exc:
        return "", f"PostgreSQL server binaries or openssl missing: {exc}"
    except SystemExit as exc:  # bench_synth stops with the output of a failed command
        return "", str(exc.code)
    except Exception as exc:
        return "", f"{type(exc).__name__}: {exc}"


def main(
    argv: Sequence[str] | None = None, benchmarks: Sequence[Benchmark] = BENCHMARKS_RUN
) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--write",
        nargs="?",
        type=Path,
        const=BENCHMARKS,
        metavar="PATH",
        help="replace the sections of PATH (docs/benchmarks.md) once every benchmark succeeded",
    )
    parser.add_argument("--no-mypy", dest="mypy", action="store_false", help="skip mypy timing")
    parser.add_argument("--runs", type=int, default=3, help="synth floor and lazy runs")
    parser.add_argument("--eager-runs", type=int, default=2, help="synth eager runs")
    parser.add_argument("--requests", type=int, default=300, help="handler requests")
    args = parser.parse_args(argv)
    measured: list[tuple[Benchmark, str]] = []
    for benchmark in benchmarks:
        print(f"bench: {benchmark.name}", flush=True)
        text, failure = _failure(benchmark, args)
        if text:
            print(text, flush=True)
        if failure is not None:
            print(f"bench: {benchmark.name} FAILED: {failure}")
            if args.write is not None:
                print(f"bench: {args.write} not written (every benchmark must succeed first)")
            return 1
        measured.append((benchmark, text))
    if args.write is None:
        print(f"bench: figures not written; `make bench WRITE=1` writes them into {BENCHMARKS}")
        return 0
    for benchmark, text in measured:
        replace_section(args.write, benchmark.section, text, heading=benchmark.heading)
    print(f"bench: wrote {len(measured)} sections of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
