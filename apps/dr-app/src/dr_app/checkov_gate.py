"""Run checkov over synthesized stacks and fail on any finding not explicitly accepted.

``python -m dr_app.checkov_gate <stacks dir> [--profile default|production]`` prints the
summary and exits non-zero when a check fails outside ``security/checkov-exceptions.toml`` or
an exception of the profile matches nothing. The profile defaults to the one of the
environment named by ``ENVIRONMENT_SUFFIX`` (``production = true`` in its file: production).
An exception with ``profile = "default"`` holds only for dev/test environments (those whose
reason is that every such environment must be destroyable); production stacks must pass
those checks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dr_app.paths import DEFAULT_OUTDIR, ENVIRONMENTS_DIR, REPO_ROOT
from payment_dr_core import load_config

CONFIG = REPO_ROOT / "security" / "checkov.yaml"
EXCEPTIONS = REPO_ROOT / "security" / "checkov-exceptions.toml"
PROFILES = ("default", "production")
"""Data-protection profiles: ``production = true`` in the environment config, or not."""


@dataclass(frozen=True)
class Finding:
    """One failed check."""

    check: str
    resource: str
    file: str
    name: str


@dataclass(frozen=True)
class AcceptedFinding:
    """An accepted finding: a check ID on resources matching a pattern, with a reason."""

    check: str
    resource: str
    reason: str
    file: str = ".*"
    """Pattern for the synthesized file (stack) the finding must be in."""

    def matches(self, finding: Finding) -> bool:
        """True when this exception covers ``finding``."""
        return (
            finding.check == self.check
            and re.fullmatch(self.resource, finding.resource) is not None
            and re.fullmatch(self.file, finding.file) is not None
        )


@dataclass
class GateResult:
    """What checkov found and what the gate made of it."""

    passed: int = 0
    accepted: list[tuple[Finding, AcceptedFinding]] = field(default_factory=list)
    failed: list[Finding] = field(default_factory=list)
    unused: list[AcceptedFinding] = field(default_factory=list)
    parsing_errors: int = 0

    @property
    def ok(self) -> bool:
        """No unaccepted finding, no stale exception, nothing unparsed."""
        return not self.failed and not self.unused and self.parsing_errors == 0


def load_exceptions(path: Path = EXCEPTIONS, profile: str | None = None) -> list[AcceptedFinding]:
    """Read the exceptions file; every entry must have a check, a pattern and a reason.

    ``profile`` keeps the entries of that profile and those without one; None keeps all.
    """
    if profile is not None and profile not in PROFILES:
        raise ValueError(f"profile {profile!r}: allowed {PROFILES}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    exceptions = []
    for entry in data.get("exception", []):
        reason = str(entry.get("reason", "")).strip()
        if not entry.get("check") or not entry.get("resource") or len(reason) < 40:
            raise ValueError(
                f"{path}: every exception needs check, resource and a real reason: {entry}"
            )
        only = entry.get("profile")
        if only is not None and only not in PROFILES:
            raise ValueError(f"{path}: profile {only!r} of {entry['check']}: allowed {PROFILES}")
        if profile is not None and only is not None and only != profile:
            continue
        exceptions.append(
            AcceptedFinding(entry["check"], entry["resource"], reason, entry.get("file", ".*"))
        )
    return exceptions


def scannable_copy(stacks_dir: Path, into: Path) -> Path:
    """The stacks' ``*.tf.json`` files under ``into``, laid out as in ``stacks_dir``, without
    ``terraform.required_version``.

    checkov's terraform_json parser (3.2) cannot read a string attribute of the ``terraform``
    block: the file fails with "this method receives only dicts" and none of its checks run
    (https://github.com/bridgecrewio/checkov/issues/7454, open). The version constraint is no
    security setting, so the gate scans the stacks without it; everything else is unchanged.
    """
    for source in sorted(stacks_dir.rglob("*.tf.json")):
        doc = json.loads(source.read_text(encoding="utf-8"))
        terraform = doc.get("terraform")
        if isinstance(terraform, dict):
            terraform.pop("required_version", None)
        target = into / source.relative_to(stacks_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return into


def run_checkov(stacks_dir: Path) -> list[dict[str, object]]:
    """Run checkov with the project config and return its JSON reports."""
    with tempfile.TemporaryDirectory(prefix="checkov-stacks-") as scratch:
        return _run_checkov(scannable_copy(stacks_dir, Path(scratch)))


def _run_checkov(stacks_dir: Path) -> list[dict[str, object]]:
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "checkov.main",
            "--config-file",
            str(CONFIG),
            "-d",
            str(stacks_dir),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        raise RuntimeError(
            f"checkov failed to run ({completed.returncode}): {completed.stderr[-2000:]}"
        )
    output = json.loads(completed.stdout)
    reports: list[dict[str, object]] = output if isinstance(output, list) else [output]
    return reports


def evaluate(reports: list[dict[str, object]], exceptions: list[AcceptedFinding]) -> GateResult:
    """Split checkov's failures into accepted and unaccepted; find unused exceptions."""
    result = GateResult()
    used: set[int] = set()
    for report in reports:
        summary = report.get("summary", {})
        assert isinstance(summary, dict)
        result.passed += int(summary.get("passed", 0))
        result.parsing_errors += int(summary.get("parsing_errors", 0))
        results = report.get("results", {})
        assert isinstance(results, dict)
        for failed in results.get("failed_checks", []):
            finding = Finding(
                check=failed["check_id"],
                resource=failed["resource"],
                file=failed["file_path"],
                name=failed["check_name"],
            )
            for index, exception in enumerate(exceptions):
                if exception.matches(finding):
                    used.add(index)
                    result.accepted.append((finding, exception))
                    break
            else:
                result.failed.append(finding)
    result.unused = [e for i, e in enumerate(exceptions) if i not in used]
    return result


def gate(stacks_dir: Path, profile: str = "default") -> GateResult:
    """Run checkov over ``stacks_dir`` and evaluate it against the profile's exceptions."""
    return evaluate(run_checkov(stacks_dir), load_exceptions(profile=profile))


def configured_profile() -> str:
    """The profile of the environment named by ``ENVIRONMENT_SUFFIX``."""
    config = load_config(environments_dir=ENVIRONMENTS_DIR)
    return "production" if config.production else "default"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    profile: str | None = None
    if "--profile" in args:
        index = args.index("--profile")
        if index + 1 >= len(args) or args[index + 1] not in PROFILES:
            print(f"--profile needs one of {PROFILES}", file=sys.stderr)
            return 2
        profile = args[index + 1]
        del args[index : index + 2]
    stacks_dir = Path(args[0]) if args else DEFAULT_OUTDIR / "stacks"
    profile = profile or configured_profile()
    print(f"checkov gate, {profile} profile")
    result = gate(stacks_dir, profile)
    print(
        f"checkov: {result.passed} passed, {len(result.failed)} failed, "
        f"{len(result.accepted)} accepted by security/checkov-exceptions.toml"
    )
    for finding in result.failed:
        print(f"  FAILED {finding.check} {finding.resource} ({finding.file}): {finding.name}")
    for exception in result.unused:
        print(f"  STALE exception {exception.check} {exception.resource}: matches no finding")
    if result.parsing_errors:
        print(f"  {result.parsing_errors} file(s) could not be parsed")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
