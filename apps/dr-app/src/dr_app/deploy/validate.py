"""``payment-dr-deploy validate``: ``terraform validate`` every stack of an environment.

Each stack is copied into a temporary directory (the synthesized output never gets a
``.terraform/`` or ``.terraform.lock.hcl``), with a temporary CLI configuration
(``TF_CLI_CONFIG_FILE``) whose ``provider_installation`` takes ``hashicorp/aws`` from a
filesystem mirror when one is found (``--mirror``, ``$TF_PLUGIN_MIRROR``, else
``/opt/tf-plugins``) and everything else ``direct`` (Terraform CLI docs, "CLI Configuration
File", Provider Installation: ``filesystem_mirror`` with ``include``, ``direct`` with
``exclude``). Then ``terraform init -backend=false`` ("To initialize a working directory for
validation without accessing any configured backend") and ``terraform validate -json``, whose
result is an object with ``valid``, ``error_count``, ``warning_count`` and ``diagnostics``
(each with ``severity``, ``summary``, ``detail``) (Terraform CLI docs, "terraform validate
command", JSON Output Format).

When the mirror holds the version the stacks pin, the check is against it and every error
fails. When it holds only other versions, the copy's version constraint is rewritten to the
newest of them and the run says so on a ``CROSS-VERSION`` line. Diagnostics that only say a
name is unknown to that version's schema (an argument, block, attribute, resource or data
source type) are then listed as "unknown to X", not failures: the pinned version may well
know them. Every other error still fails.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dr_app.deploy.checks import DeployError, require_terraform
from dr_app.deploy.stacks import stacks_of, synthesize
from dr_app.deploy.steps import Stack
from payment_dr_core import EnvironmentConfig

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
PROVIDER_NAME = "hashicorp/aws"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
MIRROR_VAR = "TF_PLUGIN_MIRROR"

SCHEMA_UNKNOWN_SUMMARIES = frozenset(
    {
        # JSON configuration syntax: an object property that names no argument or block type.
        "Extraneous JSON object property",
        # Native syntax: the same for an argument, a block; a reference to an attribute.
        "Unsupported argument",
        "Unsupported block type",
        "Unsupported attribute",
        # A resource or data source type the provider does not have.
        "Invalid resource type",
        "Invalid data source",
    }
)
"""Summaries of diagnostics that only say a name is unknown to the provider's schema."""

_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_PACKED = re.compile(r"^terraform-provider-aws_(\d+\.\d+\.\d+)_(\w+)\.zip$")
_COPY_IGNORE = shutil.ignore_patterns(
    ".terraform", ".terraform.lock.hcl", "*.tfplan", "*.tfstate", "*.tfstate.backup"
)


@dataclass(frozen=True)
class Diagnostic:
    """One entry of ``terraform validate -json``'s ``diagnostics``."""

    severity: str
    summary: str
    detail: str
    where: str
    """The ``snippet.context`` (e.g. ``resource.aws_vpc.network_vpc_4E8F0223``), or ``""``."""

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> Diagnostic:
        snippet = raw.get("snippet")
        where = snippet.get("context") if isinstance(snippet, Mapping) else None
        return cls(
            severity=str(raw.get("severity", "error")),
            summary=str(raw.get("summary", "")),
            detail=str(raw.get("detail", "")),
            where=where if isinstance(where, str) else "",
        )

    def line(self) -> str:
        place = f"{self.where}: " if self.where else ""
        detail = " ".join(self.detail.split())
        return f"{place}{self.summary}: {detail}" if detail else f"{place}{self.summary}"


@dataclass(frozen=True)
class Classified:
    """A validate result sorted into what fails and what is only listed."""

    errors: tuple[Diagnostic, ...]
    unknown: tuple[Diagnostic, ...]
    """Schema-unknown errors of a cross-version check (listed, not failed)."""
    warnings: tuple[Diagnostic, ...]

    @property
    def passed(self) -> bool:
        return not self.errors


def classify(result: Mapping[str, object], *, cross_version: bool) -> Classified:
    """Sort ``terraform validate -json`` output. Only a cross-version check lists
    schema-unknown errors apart; against the pinned version every error fails."""
    raw = result.get("diagnostics")
    diagnostics = [
        Diagnostic.parse(item)
        for item in (raw if isinstance(raw, list) else [])
        if isinstance(item, Mapping)
    ]
    errors = [d for d in diagnostics if d.severity == "error"]
    unknown = [d for d in errors if cross_version and d.summary in SCHEMA_UNKNOWN_SUMMARIES]
    failing = [d for d in errors if d not in unknown]
    if not failing and result.get("valid") is False and not errors:
        failing = [Diagnostic("error", "Invalid configuration", "valid is false", "")]
    return Classified(
        errors=tuple(failing),
        unknown=tuple(unknown),
        warnings=tuple(d for d in diagnostics if d.severity == "warning"),
    )


def cli_config(mirror: Path | None) -> str:
    """The temporary Terraform CLI configuration: the AWS provider from ``mirror`` when given,
    every provider from its registry otherwise."""
    lines = ["disable_checkpoint = true", "", "provider_installation {"]
    if mirror is not None:
        lines += [
            "  filesystem_mirror {",
            f"    path    = {json.dumps(str(mirror))}",
            f"    include = [{json.dumps(PROVIDER_ADDRESS)}]",
            "  }",
            "  direct {",
            f"    exclude = [{json.dumps(PROVIDER_ADDRESS)}]",
            "  }",
        ]
    else:
        lines += ["  direct {}"]
    lines += ["}", ""]
    return "\n".join(lines)


def find_mirror(flag: str | None, environ: Mapping[str, str]) -> Path | None:
    """``--mirror``, else ``$TF_PLUGIN_MIRROR``, else ``/opt/tf-plugins`` when it exists."""
    chosen = flag or environ.get(MIRROR_VAR)
    if chosen:
        path = Path(chosen)
        if not path.is_dir():
            raise DeployError(f"provider mirror {path}: not a directory")
        return path
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def mirror_versions(mirror: Path, platform: str) -> tuple[str, ...]:
    """The ``hashicorp/aws`` versions the mirror holds for ``platform``, oldest first.

    Both layouts of a filesystem mirror: unpacked
    (``HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/``) and packed
    (``HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip``).
    """
    base = mirror / PROVIDER_ADDRESS
    if not base.is_dir():
        return ()
    found: set[str] = set()
    for entry in base.iterdir():
        if entry.is_dir() and _VERSION.match(entry.name) and (entry / platform).is_dir():
            found.add(entry.name)
        packed = _PACKED.match(entry.name)
        if packed and packed.group(2) == platform:
            found.add(packed.group(1))
    return tuple(sorted(found, key=version_key))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def pinned_version(document: Mapping[str, object]) -> str:
    """The ``hashicorp/aws`` version constraint of a synthesized stack."""
    terraform = document.get("terraform")
    providers = terraform.get("required_providers") if isinstance(terraform, Mapping) else None
    aws = providers.get("aws") if isinstance(providers, Mapping) else None
    version = aws.get("version") if isinstance(aws, Mapping) else None
    if not isinstance(version, str):
        raise DeployError("the stack pins no terraform.required_providers.aws.version")
    return version


@dataclass(frozen=True)
class Target:
    """The provider version a stack is checked against."""

    version: str
    pinned: str
    source: str
    """``mirror <path>`` or ``registry``."""

    @property
    def cross_version(self) -> bool:
        return self.version != self.pinned


def choose_target(pinned: str, mirror: Path | None, available: Sequence[str]) -> Target:
    """The pinned version when the mirror has it (or there is no mirror); else the newest
    version the mirror has (a cross-version check)."""
    if mirror is None:
        return Target(pinned, pinned, "registry")
    if pinned in available:
        return Target(pinned, pinned, f"mirror {mirror}")
    if not available:
        raise DeployError(
            f"provider mirror {mirror} holds no {PROVIDER_NAME} for this platform "
            f"(stacks pin {pinned})"
        )
    return Target(available[-1], pinned, f"mirror {mirror}")


def cross_version_line(target: Target) -> str:
    return (
        f"CROSS-VERSION check against {PROVIDER_NAME} {target.version} (stacks pin "
        f"{target.pinned}): names unknown to {target.version} are listed, not failed"
    )


def copy_stack(stack: Stack, destination: Path, version: str) -> Path:
    """Copy a stack (without Terraform's working files) and set its provider version."""
    shutil.copytree(stack.directory, destination, ignore=_COPY_IGNORE)
    path = destination / "cdk.tf.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["terraform"]["required_providers"]["aws"]["version"] = version
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return destination


def terraform_platform(terraform: str, env: Mapping[str, str]) -> tuple[str, str]:
    """(terraform version, platform) from ``terraform version -json``."""
    result = subprocess.run(  # noqa: S603 - terraform with fixed arguments, no shell
        [terraform, "version", "-json"],
        check=False,
        capture_output=True,
        text=True,
        env=dict(env),
    )
    try:
        info = json.loads(result.stdout)
        return str(info["terraform_version"]), str(info["platform"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DeployError(f"`{terraform} version -json` printed no version: {exc}") from exc


def _terraform(
    terraform: str, args: Sequence[str], workdir: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - terraform with fixed arguments, no shell
        [terraform, f"-chdir={workdir}", *args],
        check=False,
        capture_output=True,
        text=True,
        env=dict(env),
    )


def validate_copy(terraform: str, workdir: Path, env: Mapping[str, str]) -> Mapping[str, object]:
    """``init -backend=false`` and ``validate -json`` in ``workdir``: the parsed result."""
    init = _terraform(
        terraform, ["init", "-backend=false", "-input=false", "-no-color"], workdir, env
    )
    if init.returncode != 0:
        tail = " ".join((init.stderr or init.stdout).split())[-600:]
        raise DeployError(f"terraform init -backend=false failed: {tail}")
    result = _terraform(terraform, ["validate", "-json", "-no-color"], workdir, env)
    try:
        parsed = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        tail = " ".join(result.stderr.split())[-600:]
        raise DeployError(f"terraform validate -json printed no JSON ({exc}): {tail}") from exc
    if not isinstance(parsed, dict):
        raise DeployError("terraform validate -json printed no JSON object")
    return parsed


def validate_stacks(
    terraform: str,
    stacks: Sequence[Stack],
    mirror: Path | None,
    out: TextIO,
    environ: Mapping[str, str],
) -> bool:
    """Validate each stack on a temporary copy; print the verdicts; True when all pass."""
    tf_version, platform = terraform_platform(terraform, environ)
    available = mirror_versions(mirror, platform) if mirror is not None else ()
    passed = True
    with tempfile.TemporaryDirectory(prefix="payment-dr-validate-") as tmp:
        config_file = Path(tmp) / "terraform.tfrc"
        config_file.write_text(cli_config(mirror), encoding="utf-8")
        env = {
            **environ,
            "TF_CLI_CONFIG_FILE": str(config_file),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        announced: set[str] = set()
        for stack in stacks:
            document = json.loads(stack.document.read_text(encoding="utf-8"))
            target = choose_target(pinned_version(document), mirror, available)
            header = (
                f"validate: terraform {tf_version} ({platform}), {PROVIDER_NAME} "
                f"{target.version} from {target.source}"
            )
            if header not in announced:
                announced.add(header)
                out.write(header + "\n")
                if target.cross_version:
                    out.write(cross_version_line(target) + "\n")
            workdir = copy_stack(stack, Path(tmp) / stack.name, target.version)
            verdict = classify(
                validate_copy(terraform, workdir, env), cross_version=target.cross_version
            )
            passed = passed and verdict.passed
            out.write(report(stack.name, target, verdict))
    return passed


def report(stack: str, target: Target, verdict: Classified) -> str:
    """The lines printed for one stack."""
    outcome = "valid" if verdict.passed else f"INVALID ({len(verdict.errors)} error(s))"
    lines = [
        f"{stack}: {outcome} against {PROVIDER_NAME} {target.version}"
        + (f"; {len(verdict.unknown)} unknown to {target.version}" if target.cross_version else "")
        + f"; {len(verdict.warnings)} warning(s)"
    ]
    lines += [f"  unknown to {target.version}: {d.line()}" for d in verdict.unknown]
    lines += [f"  error: {d.line()}" for d in verdict.errors]
    lines += [f"  warning: {d.line()}" for d in verdict.warnings]
    return "\n".join(lines) + "\n"


def run_cli(
    args: argparse.Namespace,
    config: EnvironmentConfig,
    outdir: Path,
    terraform: str,
    env: Mapping[str, str],
) -> int:
    """``payment-dr-deploy validate``: 0 when every stack passes, 1 otherwise."""
    try:
        require_terraform(terraform, env)
    except DeployError as exc:
        raise DeployError(f"validate not run: {exc}") from exc
    mirror = find_mirror(args.mirror, env)
    if not args.skip_synth:
        synthesize(config.suffix, args.environments_dir, outdir, env)
    stacks = stacks_of(config, outdir)
    if not validate_stacks(terraform, stacks, mirror, sys.stdout, dict(env)):
        print(f"validate: {config.suffix} FAILED")
        return 1
    print(f"validate: {config.suffix} passed")
    return 0
