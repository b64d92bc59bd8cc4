"""Render docs/architecture.png: both regions, the data flows and the failover path.

The graph is written as Graphviz DOT (docs/architecture.dot, checked by a test so it
cannot drift from the code) from the default environment's config and names, then
rendered with ``dot``. ``make diagram`` installs Graphviz when it is missing.

    python scripts/diagram.py [--dot-only]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from payment_dr_core import EnvironmentConfig, RegionRole, ResourceKind, region_code

DOCS = Path(__file__).resolve().parents[1] / "docs"
DOT_FILE = DOCS / "architecture.dot"
PNG_FILE = DOCS / "architecture.png"


def _region(config: EnvironmentConfig, role: RegionRole) -> list[str]:
    region = config.regions.region_for(role)
    code = region_code(region)
    namer = config.namer
    api = namer.name(ResourceKind.LAMBDA_FUNCTION, "payment-api", region=region)
    cluster = namer.name(ResourceKind.RDS_CLUSTER, "aurora", region=region)
    writer = "writer" if role is RegionRole.PRIMARY else "standby (read-only until promoted)"
    color = "#e8f1fb" if role is RegionRole.PRIMARY else "#fdf3e6"
    lines = [
        f'  subgraph "cluster_{code}" {{',
        f'    label="{role.value}: {region}  (VPC {config.cidr_for(role)}, 3 AZs, private subnets)";',
        f'    style="rounded,filled"; fillcolor="{color}"; fontsize=14;',
        f'    {code}_waf [label="WAF web ACL\\nmanaged rules + rate limit"];',
        f'    {code}_api [label="API Gateway (REST, REGIONAL)\\nTLS 1.2 custom domain\\n/payments /payments/{{id}} /health"];',
        f'    {code}_fn [label="Lambda python3.11 (VPC)\\n{api}"];',
        f'    {code}_db [label="Aurora PostgreSQL 14 Serverless v2\\n{cluster}\\n{writer}", shape=cylinder];',
        f'    {code}_ddb [label="DynamoDB sessions\\n(global table {"table" if role is RegionRole.PRIMARY else "replica"})", shape=cylinder];',
        f'    {code}_s3 [label="S3 data bucket\\n(SSE-KMS, versioned)", shape=folder];',
        f'    {code}_sm [label="Secrets Manager\\nmaster secret{"" if role is RegionRole.PRIMARY else " (replica)"}"];',
        f'    {code}_kms [label="KMS key ({code})", shape=hexagon];',
        f'    {code}_sns [label="SNS alerts ({code})", shape=note];',
        f"    {code}_waf -> {code}_api -> {code}_fn;",
        f'    {code}_fn -> {code}_db [label="TLS (verified)"];',
        f"    {code}_fn -> {code}_ddb; {code}_fn -> {code}_sm;",
        "  }",
    ]
    return lines


def render_dot(config: EnvironmentConfig) -> str:
    """The DOT source of the diagram."""
    p = region_code(config.regions.primary)
    s = region_code(config.regions.secondary)
    lines = [
        "digraph payment_dr {",
        '  graph [rankdir=LR, fontname="Helvetica", newrank=true, nodesep=0.3, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  clients [label="Payment clients\\n(idempotency keys, retries)", shape=oval];',
        f'  dns [label="Route 53 failover records\\n{config.api_domain_name}\\nPRIMARY (health check) / SECONDARY"];',
        '  hc [label="Route 53 health check\\nHTTPS /health on the primary\'s own\\nregional endpoint (checkers outside us-east-2)"];',
        '  alarm [label="CloudWatch alarm\\nHealthCheckStatus (us-east-1)"];',
        '  orch [label="Failover orchestrator (us-east-2)\\nN consecutive unhealthy + switch on\\n-> FailoverGlobalCluster (AllowDataLoss)"];',
        '  dash [label="DR dashboard\\n(served from us-east-2)", shape=note];',
        "  clients -> dns;",
    ]
    lines += _region(config, RegionRole.PRIMARY)
    lines += _region(config, RegionRole.SECONDARY)
    lines += [
        f'  dns -> {p}_waf [label="normal"];',
        f'  dns -> {s}_waf [label="after failover", style=dashed];',
        f"  hc -> {p}_api [style=dotted, arrowhead=none];",
        "  hc -> dns [style=dotted];",
        f"  hc -> alarm -> {p}_sns;",
        f'  {p}_sns -> orch [label="cross-region subscription"];',
        f'  orch -> {s}_db [label="promote", color="#c0392b", fontcolor="#c0392b"];',
        f"  orch -> {s}_sns;",
        f'  {p}_db -> {s}_db [label="global database\\nstorage replication (~1 s)", color="#2e86c1", fontcolor="#2e86c1"];',
        f'  {p}_ddb -> {s}_ddb [label="global table replication", color="#2e86c1", fontcolor="#2e86c1"];',
        f'  {p}_s3 -> {s}_s3 [label="CRR with RTC (15 min SLA)", color="#2e86c1", fontcolor="#2e86c1"];',
        f'  {p}_sm -> {s}_sm [label="secret replica", color="#2e86c1", fontcolor="#2e86c1"];',
        f'  {p}_fn -> {s}_fn [label="VPC peering (CIDR rules)", style=invis];',
        f"  dash -> {s}_sns [style=invis];",
        "}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the DOT file and render the PNG."""
    args = sys.argv[1:] if argv is None else argv
    DOT_FILE.write_text(render_dot(EnvironmentConfig()), encoding="utf-8")
    if "--dot-only" in args:
        return 0
    dot = shutil.which("dot")
    if dot is None:
        print("Graphviz 'dot' not found (make diagram installs it)", file=sys.stderr)
        return 1
    subprocess.run([dot, "-Tpng", "-Gdpi=110", str(DOT_FILE), "-o", str(PNG_FILE)], check=True)  # noqa: S603
    print(f"wrote {PNG_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
