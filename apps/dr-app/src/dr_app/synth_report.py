"""Print where the synthesized stacks are and what they contain (no CDKTF import: fast)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dr_app.paths import DEFAULT_OUTDIR


@dataclass(frozen=True)
class StackSummary:
    """What one synthesized stack holds."""

    name: str
    path: Path
    regions: tuple[str, ...]
    backend: str
    resources: Counter[str]
    data_sources: int
    outputs: int
    assets: tuple[tuple[str, int], ...]
    """(file name, size in bytes) of each file asset, such as a Lambda bundle."""

    pagers: tuple[str, ...] = ()
    """``protocol:endpoint`` of every person-facing subscription (e-mail, HTTPS) of the
    stack's own alert topic. Empty: this region's alarms page no one."""

    domains: tuple[str, ...] = ()
    """Custom domain names of the stack's API (the failover name and the region's own)."""

    protected: bool = False
    """True when the stack's Aurora cluster has deletion protection (the production profile,
    unless ``allow_destroy`` is set)."""

    @property
    def resource_count(self) -> int:
        """Number of managed resources."""
        return sum(self.resources.values())


def summarize(outdir: Path) -> list[StackSummary]:
    """One summary per stack listed in ``outdir/manifest.json``."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    summaries = []
    for name, stack in sorted(manifest["stacks"].items()):
        path = outdir / stack["synthesizedStackPath"]
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        providers = doc.get("provider", {}).get("aws", [])
        backend_kind, backend = next(iter(doc["terraform"]["backend"].items()))
        if backend_kind == "s3":
            where = f"s3://{backend['bucket']}/{backend['key']} ({backend['region']})"
        else:
            where = f"{backend_kind}:{backend.get('path', '')}"
        summaries.append(
            StackSummary(
                name=name,
                path=path,
                regions=tuple(p["region"] for p in providers),
                backend=where,
                resources=Counter(
                    {kind: len(items) for kind, items in doc.get("resource", {}).items()}
                ),
                data_sources=sum(len(items) for items in doc.get("data", {}).values()),
                outputs=len(doc.get("output", {})),
                assets=tuple(
                    sorted(
                        (f"{p.parent.parent.name}/{p.name}", p.stat().st_size)
                        for p in (path.parent / "assets").rglob("*")
                        if p.is_file()
                    )
                ),
                pagers=_pagers(doc),
                domains=tuple(
                    sorted(
                        d["domain_name"]
                        for d in doc.get("resource", {})
                        .get("aws_api_gateway_domain_name", {})
                        .values()
                    )
                ),
                protected=any(
                    c.get("deletion_protection") is True
                    for c in doc.get("resource", {}).get("aws_rds_cluster", {}).values()
                ),
            )
        )
    return summaries


PERSON_PROTOCOLS = ("email", "email-json", "https", "http", "sms")
"""SNS protocols that reach a person (or an incident-management service), not automation."""


def _pagers(doc: dict[str, Any]) -> tuple[str, ...]:
    """Person-facing subscriptions of the stack's own alert topic(s)."""
    resources = doc.get("resource", {})
    topics = {f"${{aws_sns_topic.{name}.arn}}" for name in resources.get("aws_sns_topic", {})}
    return tuple(
        sorted(
            f"{body['protocol']}:{body['endpoint']}"
            for body in resources.get("aws_sns_topic_subscription", {}).values()
            if body.get("protocol") in PERSON_PROTOCOLS and body.get("topic_arn") in topics
        )
    )


def render(
    outdir: Path,
    summaries: list[StackSummary],
    *,
    verbose: bool = False,
    suffix: str = "",
    config_source: str = "",
) -> str:
    """The text ``make synth`` prints: a few lines per stack, the per-type resource counts
    and the files only with ``verbose``, then the next command to run."""
    lines = [f"Synthesized {len(summaries)} stacks into {outdir}"]
    for summary in summaries:
        profile = "production: data protected" if summary.protected else "dev/test: destroyable"
        bundle_kib = sum(size for _, size in summary.assets) / 1024
        lines.append(f"  {summary.name} ({', '.join(summary.regions)}; {profile})")
        lines.append(
            f"    {summary.resource_count} resources, {summary.data_sources} data sources, "
            f"{summary.outputs} outputs, {len(summary.assets)} assets ({bundle_kib:.0f} KiB)"
        )
        if summary.domains:
            lines.append(f"    API: {', '.join(f'https://{d}' for d in summary.domains)}")
        lines.append(f"    state: {summary.backend}")
        if summary.pagers:
            lines.append(f"    alerts page: {', '.join(summary.pagers)}")
        else:
            lines.append(
                f"    WARNING: no one will be paged: the alert topic of {summary.name} has no "
                "e-mail or HTTPS subscriber (set alert_email or alert_https_url; production "
                "environments must)"
            )
        if verbose:
            lines.append(f"    {summary.path}")
            for name, size in summary.assets:
                lines.append(f"    asset {name}: {size / 1024:.0f} KiB")
            for kind, count in sorted(summary.resources.items()):
                lines.append(f"      {count:3d}  {kind}")
    if config_source:
        lines.append(config_source)
    env = f"ENVIRONMENT_SUFFIX={suffix} " if suffix else ""
    lines.append(
        f"next: {env}make validate (offline), {env}make plan (AWS credentials), or "
        "payment-dr preflight; --verbose lists every resource type (docs/deployment.md)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m dr_app.synth_report [--verbose] [outdir]``."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args
    args = [a for a in args if a != "--verbose"]
    outdir = Path(args[0]) if args else DEFAULT_OUTDIR
    if not (outdir / "manifest.json").is_file():
        print(f"no synthesized app in {outdir} (run make synth)", file=sys.stderr)
        return 1
    print(render(outdir.resolve(), summarize(outdir), verbose=verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
