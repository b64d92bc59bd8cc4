"""Synth wall time of the default environment, next to the CDKTF floor.

The floor is an empty CDKTF Python app that imports the AWS provider bindings and
synthesizes one stack with one provider: loading the bindings through jsii is most
of any synth. Each measurement is a fresh process, as ``make synth`` is.

    python scripts/bench_synth.py [--runs N] [--write docs/benchmarks.md]
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
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_DIR = REPO / "apps" / "dr-app"
BEGIN, END = "<!-- bench-synth:begin -->", "<!-- bench-synth:end -->"

FLOOR = """
from dr_app.node import use_supported_node
use_supported_node()
import sys
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="us-east-1")
app.synth()
"""


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one run of ``argv``; fails loudly if the command fails."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)  # noqa: S603
    return time.perf_counter() - start


def measure(runs: int) -> tuple[list[float], list[float]]:
    """(floor times, full synth times), interleaved so drift hits both alike."""
    floor, full = [], []
    env = dict(os.environ, ENVIRONMENT_SUFFIX="dev")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            floor.append(timed([sys.executable, "-c", FLOOR, out], REPO, env))
        with tempfile.TemporaryDirectory() as out:
            full.append(timed([sys.executable, "main.py"], APP_DIR, dict(env, CDKTF_OUTDIR=out)))
    return floor, full


def report(floor: list[float], full: list[float]) -> str:
    """Markdown section with the medians, the ratio and the machine."""
    f, s = statistics.median(floor), statistics.median(full)
    return "\n".join(
        [
            BEGIN,
            f"Measured {datetime.now(UTC):%Y-%m-%d} by `make bench` "
            f"({len(full)} runs each, fresh process per run, median), "
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.",
            "",
            "| what | median wall time | runs |",
            "|---|---|---|",
            f"| floor: empty app + AWS provider | {f:.1f} s | {_runs(floor)} |",
            f"| `make synth` app (both stacks) | {s:.1f} s | {_runs(full)} |",
            f"| ratio synth / floor | {s / f:.2f} | |",
            END,
        ]
    )


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.1f}" for t in times)


def write(path: Path, section: str) -> None:
    """Replace the marked section of ``path`` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Synth time\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path, help="markdown file whose section to update")
    args = parser.parse_args()
    floor, full = measure(args.runs)
    section = report(floor, full)
    print(section)
    if args.write:
        write(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
