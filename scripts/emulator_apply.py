"""Apply and destroy both stacks of an environment against a local moto server.

A measurement, not a test: which resource types an AWS emulator creates from the synthesized
stacks, and which it cannot handle (with terraform's error). Everything happens in a
throwaway directory; nothing in ``apps/dr-app/cdktf.out`` is touched:

1. moto's server mode (``moto[server]``, pinned below) is installed into
   ``.tools/moto-<version>`` when missing, and started on 127.0.0.1 only.
2. The environment is synthesized with the local backend into the throwaway directory.
3. Each stack's copy gets emulator settings on every ``aws`` provider block: static test
   credentials, ``skip_credentials_validation``, ``skip_requesting_account_id``,
   ``skip_metadata_api_check``, ``s3_use_path_style`` and an ``endpoints`` entry for every
   service the stacks use, all pointing at the moto server (AWS provider docs, "Custom
   Service Endpoints" guide and the provider's argument reference). Its local state path
   and the secondary's ``terraform_remote_state`` path are made absolute, so the secondary
   reads the primary's state wherever the copy lives.
4. The AWS provider comes from the filesystem mirror when there is one (as for
   ``make validate``); when it holds another version than the stacks pin, the copy's
   constraint is rewritten to it and the report says so.
5. The hosted zone the primary looks up is created in moto first (in an account it is a
   prerequisite, docs/deployment.md).
6. ``terraform apply -auto-approve -json``: primary, then secondary; then ``terraform
   destroy -auto-approve -json``: secondary, then primary. Each run has a time limit; a run
   that reaches it is stopped and reported with the resources still in progress.

Usage::

    python scripts/emulator_apply.py [--suffix dev] [--workdir DIR] [--write docs/emulator.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doc_sections import replace_section

from dr_app.deploy.stacks import stacks_of, synthesize
from dr_app.deploy.steps import Stack
from dr_app.deploy.validate import (
    choose_target,
    cli_config,
    find_mirror,
    mirror_versions,
    pinned_version,
    terraform_platform,
)
from dr_app.paths import REPO_ROOT
from payment_dr_core import EnvironmentConfig, load_config

MOTO_VERSION = "5.2.6"
MOTO_VENV = REPO_ROOT / ".tools" / f"moto-{MOTO_VERSION}"
HOST = "127.0.0.1"
SECTION = "emulator-apply"

SERVICES = (
    "acm",
    "apigateway",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "events",
    "fis",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
    "wafv2",
)
"""``endpoints`` keys of every service the stacks' resources and data sources call."""

_SERVICE_OF_PREFIX = (
    ("aws_acm_", "acm"),
    ("aws_api_gateway_", "apigateway"),
    ("aws_cloudwatch_log_", "logs"),
    ("aws_cloudwatch_event_", "events"),
    ("aws_cloudwatch_", "cloudwatch"),
    ("aws_db_", "rds"),
    ("aws_rds_", "rds"),
    ("aws_dynamodb_", "dynamodb"),
    ("aws_fis_", "fis"),
    ("aws_iam_policy_document", ""),  # computed locally, no API call
    ("aws_iam_", "iam"),
    ("aws_kms_", "kms"),
    ("aws_lambda_", "lambda"),
    ("aws_route53_", "route53"),
    ("aws_s3_", "s3"),
    ("aws_secretsmanager_", "secretsmanager"),
    ("aws_sns_", "sns"),
    ("aws_ssm_", "ssm"),
    ("aws_wafv2_", "wafv2"),
    ("aws_caller_identity", "sts"),
    ("aws_vpc", "ec2"),
    ("aws_subnet", "ec2"),
    ("aws_route", "ec2"),
    ("aws_security_group", "ec2"),
    ("aws_default_security_group", "ec2"),
    ("aws_flow_log", "ec2"),
)
"""Which ``endpoints`` key serves each resource or data source type (first match wins)."""


def uncovered_types(document: Mapping[str, Any]) -> list[str]:
    """Types of ``document`` whose service has no emulator endpoint in :data:`SERVICES`."""
    kinds = set(document.get("resource", {})) | set(document.get("data", {}))
    missing = []
    for kind in sorted(kinds - {"terraform_remote_state"}):
        service = next((svc for prefix, svc in _SERVICE_OF_PREFIX if kind.startswith(prefix)), None)
        if service is None or (service and service not in SERVICES):
            missing.append(kind)
    return missing


MOTO_ENV = {
    # Role policy attachments name AWS managed policies (e.g. AWSLambdaVPCAccessExecutionRole):
    # moto knows them only when it loads its copy of the managed policies.
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
}


def ensure_moto() -> Path:
    """The Python of the throwaway moto venv, installed on first use."""
    python = MOTO_VENV / "bin" / "python"
    probe = [str(python), "-c", f"import moto; assert moto.__version__ == {MOTO_VERSION!r}"]
    if python.exists() and subprocess.run(probe, check=False).returncode == 0:  # noqa: S603
        return python
    subprocess.run([sys.executable, "-m", "venv", str(MOTO_VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"moto[server]=={MOTO_VERSION}",
        ],
        check=True,
    )
    return python


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_moto(python: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """moto's server on 127.0.0.1:port, ready to answer."""
    process = subprocess.Popen(  # noqa: S603
        [str(python), "-m", "moto.server", "-H", HOST, "-p", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **MOTO_ENV},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/", timeout=2):
                return process
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"emulator_apply: moto did not answer on {HOST}:{port} (log {log})")


def emulate(document: dict[str, Any], endpoint: str, state_dir: Path, version: str) -> None:
    """Point every aws provider block at the emulator; absolute local state paths."""
    for provider in document["provider"]["aws"]:
        provider.update(
            access_key="testing",
            secret_key="testing",  # noqa: S106 - moto accepts any key
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            s3_use_path_style=True,
            endpoints=[dict.fromkeys(SERVICES, endpoint)],
        )
    terraform = document["terraform"]
    terraform["required_providers"]["aws"]["version"] = version
    name = document["//"]["metadata"]["stackName"]
    terraform["backend"] = {"local": {"path": str(state_dir / f"{name}.tfstate")}}
    for remote in document.get("data", {}).get("terraform_remote_state", {}).values():
        if remote.get("backend") != "local":
            raise SystemExit(
                "emulator_apply: the stacks must be synthesized with the local backend"
            )
        remote["config"]["path"] = str(state_dir / Path(remote["config"]["path"]).name)


@dataclass
class Run:
    """One terraform apply or destroy of one stack, from its ``-json`` messages."""

    stack: str
    verb: str
    done: list[tuple[str, str]] = field(default_factory=list)
    """(address, resource type) of each resource created or destroyed."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(address or "", "summary: detail") of each error."""
    in_progress: dict[str, str] = field(default_factory=dict)
    stalled: bool = False
    seconds: float = 0.0
    exit_status: int | None = None


def messages(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict):
            yield message


def read_run(run: Run, log: Path) -> Run:
    for message in messages(log):
        kind = message.get("type")
        hook = message.get("hook") or {}
        resource = hook.get("resource") or {}
        address = str(resource.get("addr", ""))
        if kind == "apply_start":
            run.in_progress[address] = str(resource.get("resource_type", ""))
        elif kind in {"apply_complete", "apply_errored"}:
            resource_type = run.in_progress.pop(address, str(resource.get("resource_type", "")))
            if kind == "apply_complete":
                run.done.append((address, resource_type))
        elif kind == "diagnostic":
            diagnostic = message.get("diagnostic") or {}
            # "execution halted": terraform's own note that it was stopped (SIGTERM).
            if diagnostic.get("severity") == "error" and diagnostic.get("summary") != (
                "execution halted"
            ):
                detail = " ".join(str(diagnostic.get("detail", "")).split())
                summary = str(diagnostic.get("summary", ""))
                run.errors.append(
                    (
                        str(diagnostic.get("address", "")),
                        f"{summary}: {detail}" if detail else summary,
                    )
                )
    return run


def terraform_run(
    terraform: str,
    stack_dir: Path,
    verb: str,
    env: Mapping[str, str],
    limit: float,
    logs: Path,
) -> Run:
    """``terraform apply|destroy -auto-approve -json`` with a time limit."""
    name = stack_dir.name
    log = logs / f"{name}.{verb}.jsonl"
    started = time.monotonic()
    run = Run(name, verb)
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603
            [terraform, f"-chdir={stack_dir}", verb, "-auto-approve", "-input=false", "-json"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
        try:
            run.exit_status = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            process.terminate()  # terraform cancels what is in flight and writes its state
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            run.stalled = True
    run.seconds = time.monotonic() - started
    return read_run(run, log)


def init(terraform: str, stack_dir: Path, env: Mapping[str, str]) -> None:
    result = subprocess.run(  # noqa: S603
        [terraform, f"-chdir={stack_dir}", "init", "-input=false", "-no-color"],
        check=False,
        capture_output=True,
        text=True,
        env=dict(env),
    )
    if result.returncode != 0:
        raise SystemExit(f"emulator_apply: terraform init failed in {stack_dir}:\n{result.stderr}")


def seed(endpoint: str, config: EnvironmentConfig) -> None:
    """Create the public hosted zone the primary looks up (an account prerequisite)."""
    if config.create_hosted_zone:
        return
    import boto3  # type: ignore[import-untyped]

    route53 = boto3.client(
        "route53",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
    )
    route53.create_hosted_zone(Name=config.hosted_zone_name, CallerReference="emulator-apply")


def report(
    runs: Sequence[Run],
    provider_line: str,
    limit: float,
    declared: Mapping[str, Counter[str]],
) -> str:
    lines = [
        f"moto {MOTO_VERSION} (server mode, 127.0.0.1), {provider_line}; "
        f"time limit {limit:.0f} s per run. Generated by `make emulator-apply`.",
        "",
    ]
    for run in runs:
        outcome = (
            "STALLED (stopped at the time limit)"
            if run.stalled
            else ("succeeded" if run.exit_status == 0 else f"failed (exit {run.exit_status})")
        )
        lines.append(
            f"### {run.verb} {run.stack}: {outcome}, {len(run.done)} resources, "
            f"{len(run.errors)} errors, {run.seconds:.0f} s"
        )
        lines.append("")
        if run.verb == "apply":
            created = Counter(kind for _, kind in run.done)
            wanted = declared.get(run.stack, Counter())
            failed_types = sorted({addr.split(".")[0] for addr, _ in run.errors if addr})
            lines.append("| resource type | declared | created |")
            lines.append("| --- | ---: | ---: |")
            for kind in sorted(wanted):
                mark = " (error)" if kind in failed_types else ""
                lines.append(f"| `{kind}`{mark} | {wanted[kind]} | {created.get(kind, 0)} |")
            lines.append("")
        if run.errors:
            lines.append("Errors:")
            lines.append("")
            for address, text in run.errors:
                place = f"`{address}`: " if address else ""
                lines.append(f"- {place}{text[:400]}")
            lines.append("")
        if run.in_progress:
            lines.append("Still in progress when stopped:")
            lines.append("")
            lines += [f"- `{address}`" for address in sorted(run.in_progress)]
            lines.append("")
    return "\n".join(lines)


def declared_types(stack: Path) -> Counter[str]:
    document = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))
    return Counter({kind: len(items) for kind, items in document.get("resource", {}).items()})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suffix", default=os.environ.get("ENVIRONMENT_SUFFIX", "dev"))
    parser.add_argument("--workdir", help="throwaway directory (default: a new temporary one)")
    parser.add_argument("--limit", type=float, default=600, help="seconds per apply or destroy")
    parser.add_argument("--write", help="Markdown file whose emulator-apply section is replaced")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway directory")
    args = parser.parse_args(argv)

    terraform = shutil.which(os.environ.get("TERRAFORM", "terraform"))
    if terraform is None:
        print("emulator_apply: terraform is not installed", file=sys.stderr)
        return 1
    work = Path(args.workdir or tempfile.mkdtemp(prefix="payment-dr-emulator-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PAYMENT_DR_BACKEND": "local", "ENVIRONMENT_SUFFIX": args.suffix}
    config = load_config(env)
    python = ensure_moto()
    port = free_port()
    endpoint = f"http://{HOST}:{port}"
    moto = start_moto(python, port, work / "moto.log")
    try:
        synthesize(args.suffix, None, work / "synth", env)
        primary, secondary = stacks_of(config, work / "synth")
        tf_version, platform = terraform_platform(terraform, env)
        mirror = find_mirror(None, env)
        pinned = pinned_version(json.loads(primary.document.read_text(encoding="utf-8")))
        target = choose_target(pinned, mirror, mirror_versions(mirror, platform) if mirror else ())
        provider_line = f"terraform {tf_version}, hashicorp/aws {target.version}" + (
            f" (stacks pin {pinned}: CROSS-VERSION)" if target.cross_version else ""
        )
        print(f"emulator_apply: {provider_line}, moto on {endpoint}, work in {work}")
        state_dir = work / "state"
        state_dir.mkdir(exist_ok=True)
        (work / "terraform.tfrc").write_text(cli_config(mirror), encoding="utf-8")
        tf_env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(work / "terraform.tfrc"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        copies: list[Stack] = []
        for stack in (primary, secondary):
            copy = work / "stacks" / stack.name
            shutil.copytree(stack.directory, copy)
            document = json.loads((copy / "cdk.tf.json").read_text(encoding="utf-8"))
            missing = uncovered_types(document)
            if missing:
                raise SystemExit(
                    f"emulator_apply: no emulator endpoint for {', '.join(missing)}: "
                    "add its service to SERVICES and _SERVICE_OF_PREFIX"
                )
            emulate(document, endpoint, state_dir, target.version)
            (copy / "cdk.tf.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
            init(terraform, copy, tf_env)
            copies.append(Stack(stack.name, copy))
        seed(endpoint, config)
        logs = work / "logs"
        logs.mkdir(exist_ok=True)
        runs: list[Run] = []
        for stack in copies:
            print(f"emulator_apply: apply {stack.name}")
            runs.append(
                terraform_run(terraform, stack.directory, "apply", tf_env, args.limit, logs)
            )
        for stack in reversed(copies):
            print(f"emulator_apply: destroy {stack.name}")
            runs.append(
                terraform_run(terraform, stack.directory, "destroy", tf_env, args.limit, logs)
            )
        declared = {stack.name: declared_types(stack.directory) for stack in copies}
        text = report(runs, provider_line, args.limit, declared)
        print(text)
        if args.write:
            replace_section(
                Path(args.write), SECTION, text, heading="Measured: apply and destroy on moto"
            )
    finally:
        moto.terminate()
        moto.wait(timeout=30)
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
