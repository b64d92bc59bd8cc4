"""Synth time: the floor, the full app through the lazy and the eager provider import, and more.

Every figure is a fresh process, as ``make synth`` is, measured within one run so the
ratios compare like with like:

- floor: a CDKTF app with the AWS provider and one S3 bucket, through the lazy path
  (``payment_dr_core.aws_bindings``): starting Node.js and loading the provider's jsii
  assembly, which no app can avoid;
- the full default app (both stacks, ``python main.py``), lazy;
- the same app with ``PAYMENT_DR_EAGER_AWS_BINDINGS=1``: the provider package's own
  ``__init__``, which imports all ~2,200 submodules;
- ``make synth`` on the installed workspace (synth, then the report);
- ``pytest packages/network/tests`` (one package's tests), lazy and eager;
- ``--mypy``: mypy over the tree with a cold cache, wall time and peak memory, with the
  project's settings and without the provider ``__init__`` override (the "before");
- ``--suite``: the whole pytest suite, lazy and eager (minutes; the "before and after").

    python scripts/bench_synth.py [--runs N] [--mypy] [--suite] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from doc_sections import replace_section

REPO = Path(__file__).resolve().parents[1]
APP_DIR = REPO / "apps" / "dr-app"
EAGER_ENV = "PAYMENT_DR_EAGER_AWS_BINDINGS"
SECTION = "bench-synth"
HEADING = "Synth time"

FLOOR = """
import sys
import payment_dr_core  # the lazy hook and a supported Node.js
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="us-east-1")
S3Bucket(stack, "bucket", bucket="payment-processing-floor-bench")
app.synth()
"""

TARGET_FULL_OVER_FLOOR = 2.5
TARGET_EAGER_OVER_LAZY = 5.0


@dataclass(frozen=True)
class Run:
    """One timed process: wall seconds, CPU seconds (user + system, the process and its
    children, Node.js included) and the peak resident memory of its largest process."""

    seconds: float
    cpu_seconds: float
    peak_mib: float


@dataclass
class Results:
    """Everything measured in one run of the script."""

    floor: list[Run] = field(default_factory=list)
    lazy: list[Run] = field(default_factory=list)
    eager: list[Run] = field(default_factory=list)
    make_synth: list[Run] = field(default_factory=list)
    network_tests: list[Run] = field(default_factory=list)
    network_tests_eager: list[Run] = field(default_factory=list)
    mypy: dict[str, Run] = field(default_factory=dict)
    suite: dict[str, Run] = field(default_factory=dict)


PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Wall time, CPU time and peak RSS of ``argv``; fails loudly if it fails."""
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PEAK, *argv], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    peak_kib, cpu = result.stderr.strip().splitlines()[-1].split()
    return Run(seconds=seconds, cpu_seconds=float(cpu), peak_mib=int(peak_kib) / 1024)


def measure(runs: int, eager_runs: int, with_mypy: bool, with_suite: bool) -> Results:
    """All measurements; floor, lazy and eager interleaved so drift hits each alike."""
    results = Results()
    env = dict(os.environ, ENVIRONMENT_SUFFIX="dev")
    env.pop(EAGER_ENV, None)
    eager_env = dict(env, **{EAGER_ENV: "1"})
    for index in range(runs):
        with tempfile.TemporaryDirectory() as out:
            results.floor.append(timed([sys.executable, "-c", FLOOR, out], REPO, env))
        with tempfile.TemporaryDirectory() as out:
            app_env = dict(env, CDKTF_OUTDIR=out)
            results.lazy.append(timed([sys.executable, "main.py"], APP_DIR, app_env))
        if index < eager_runs:
            with tempfile.TemporaryDirectory() as out:
                app_env = dict(eager_env, CDKTF_OUTDIR=out)
                results.eager.append(timed([sys.executable, "main.py"], APP_DIR, app_env))
    results.make_synth.append(timed(["make", "--no-print-directory", "synth"], REPO, env))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    results.network_tests.append(timed([*pytest, "packages/network/tests"], REPO, env))
    results.network_tests_eager.append(timed([*pytest, "packages/network/tests"], REPO, eager_env))
    if with_mypy:
        results.mypy = measure_mypy(env)
    if with_suite:
        results.suite = {
            "lazy": timed(pytest, REPO, env),
            "eager": timed(pytest, REPO, eager_env),
        }
    return results


def measure_mypy(env: dict[str, str]) -> dict[str, Run]:
    """mypy with a cold cache, with and without the provider ``__init__`` override."""
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    without = re.sub(
        r'\[\[tool\.mypy\.overrides\]\]\nmodule = \["cdktf_cdktf_provider_aws"\]\n'
        r'follow_imports = "skip"\n',
        "",
        config,
    )
    if without == config:
        raise SystemExit("pyproject.toml has no provider __init__ override for mypy")
    measured: dict[str, Run] = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "pyproject.toml"
        before.write_text(without, encoding="utf-8")
        for name, config_file in (
            ("with the", REPO / "pyproject.toml"),
            ("without the", before),
        ):
            cache = Path(tmp) / f"cache-{len(measured)}"
            argv = [sys.executable, "-m", "mypy", "--config-file", str(config_file)]
            measured[name] = timed([*argv, "--cache-dir", str(cache)], REPO, env)
    return measured


def _median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def _cpu(runs: list[Run]) -> str:
    return f"{statistics.median(run.cpu_seconds for run in runs):.1f} s"


def _times(runs: list[Run]) -> str:
    return ", ".join(f"{run.seconds:.1f}" for run in runs)


def table_row(what: str, runs: list[Run]) -> str:
    peak = max(run.peak_mib for run in runs)
    return f"| {what} | {_median(runs):.1f} s | {_cpu(runs)} | {peak:.0f} MiB | {_times(runs)} |"


def report(results: Results) -> str:
    """The Markdown section: medians, each run, the ratios and whether the targets hold."""
    floor, lazy, eager = _median(results.floor), _median(results.lazy), _median(results.eager)
    full_over_floor, eager_over_lazy = lazy / floor, eager / lazy
    met = "met" if full_over_floor <= TARGET_FULL_OVER_FLOOR else "NOT met"
    met_eager = "met" if eager_over_lazy >= TARGET_EAGER_OVER_LAZY else "NOT met"
    load = os.getloadavg()[0]
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `make bench` (scripts/bench_synth.py): "
        f"fresh process per run, median; {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; 1-minute load average {load:.1f} at the end.",
        "",
        "| what | median wall time | median CPU time | peak memory | wall time of each run |",
        "|---|---|---|---|---|",
        table_row("floor: provider + one S3 bucket, lazy bindings", results.floor),
        table_row("full default app (both stacks), lazy bindings", results.lazy),
        table_row("full default app, eager bindings (the package's own `__init__`)", results.eager),
        table_row("`make synth` (installed workspace: synth + report)", results.make_synth),
        table_row("`pytest packages/network/tests`, lazy bindings", results.network_tests),
        table_row("`pytest packages/network/tests`, eager bindings", results.network_tests_eager),
    ]
    for name, run in results.mypy.items():
        what = f"mypy --strict, whole tree, cold cache, {name} provider `__init__` override"
        lines.append(table_row(what, [run]))
    for name, run in results.suite.items():
        lines.append(table_row(f"whole pytest suite, {name} bindings", [run]))
    lines += [
        "",
        f"Full app / floor: **{full_over_floor:.2f}** (target at most "
        f"{TARGET_FULL_OVER_FLOOR}: {met}). Eager / lazy full app: **{eager_over_lazy:.1f}x** "
        f"(target at least {TARGET_EAGER_OVER_LAZY:.0f}x: {met_eager}).",
    ]
    return "\n".join(lines)


def run(runs: int, eager_runs: int, with_mypy: bool, with_suite: bool) -> tuple[str, bool]:
    """Measure; the Markdown section and whether both ratio targets hold."""
    results = measure(max(runs, 1), max(eager_runs, 1), with_mypy, with_suite)
    floor, lazy, eager = _median(results.floor), _median(results.lazy), _median(results.eager)
    ok = lazy / floor <= TARGET_FULL_OVER_FLOOR and eager / lazy >= TARGET_EAGER_OVER_LAZY
    return report(results), ok


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; exits 1 when a ratio target is missed (then nothing is written)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="floor and lazy runs (default 3)")
    parser.add_argument("--eager-runs", type=int, default=2, help="eager runs (default 2)")
    parser.add_argument("--mypy", action="store_true", help="also mypy, cold cache (~3 min)")
    parser.add_argument("--suite", action="store_true", help="also the whole suite, both ways")
    parser.add_argument("--write", type=Path, help="markdown file whose section to update")
    args = parser.parse_args(argv)
    section, ok = run(args.runs, args.eager_runs, args.mypy, args.suite)
    print(section)
    if args.write and ok:
        replace_section(args.write, SECTION, section, heading=HEADING)
    elif args.write:
        print(f"{args.write} not written: a ratio target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
