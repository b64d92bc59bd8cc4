"""``payment-dr status``: writer region, replication lag, health checks, alarms, DNS.

It also prints the global writer endpoint's live DNS chain next to the writer per
``DescribeGlobalClusters`` and whether they agree (:func:`payment_service.writer_sources.
compare_writer_sources`): AWS does not document the shape of that chain, and the write fence
does not depend on it; the comparison shows what a deployment actually serves.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.dns import DnsAnswer, Resolver
from dr_app.cli.metrics import REPLICATION_LAG, RPO_LAG, Lag, read_lag
from dr_app.cli.observations import (
    HealthCheckStatus,
    read_alarms,
    read_health_checks,
    read_last_decision,
    read_switch,
)
from dr_app.cli.output import emit
from dr_app.cli.rds_events import (
    EVENT_WINDOW_MINUTES,
    EVENTS_TIMEOUT_SECONDS,
    read_failover_events,
)
from dr_app.cli.topology import Topology, TopologyError, cluster_status, read_topology
from payment_service.writer_sources import read_writer_sources

DOMAIN_ENV = "PAYMENT_DR_DOMAIN"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``status`` command."""
    parser = subparsers.add_parser(
        "status", help="writer region, replication lag, health checks, alarms, DNS answer"
    )
    parser.add_argument(
        "--domain",
        default=os.environ.get(DOMAIN_ENV),
        help=f"API domain name to resolve (default: ${DOMAIN_ENV}, else the environment's "
        "api_domain_name)",
    )
    parser.set_defaults(run=run)


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Gather and print the status; exit 1 only when no region could describe the cluster."""
    domain = args.domain if isinstance(args.domain, str) and args.domain else None
    domain = domain or ctx.names.api_domain or None
    document, lines, ok = gather(ctx, domain, ctx.resolver)
    emit(ctx, document, lines)
    return Exit.OK if ok else Exit.FAILED


def gather(
    ctx: CliContext,
    domain: str | None,
    resolver: Resolver,
    *,
    events_timeout: float = EVENTS_TIMEOUT_SECONDS,
) -> tuple[dict[str, object], list[str], bool]:
    """The status document, its text rendering, and whether the cluster could be read."""
    names = ctx.names
    lines = [
        f"environment {names.suffix}: primary {names.primary_region}, "
        f"secondary {names.secondary_region}"
    ]
    document: dict[str, object] = {
        "environment": names.suffix,
        "regions": {"primary": names.primary_region, "secondary": names.secondary_region},
    }
    topology: Topology | None = None
    try:
        topology = read_topology(ctx)
    except TopologyError as exc:
        lines.append(f"global cluster {names.global_cluster}: UNREADABLE ({exc})")
    if topology is not None:
        document["global_cluster"] = topology.to_json()
        document["writer_region"] = topology.writer.region if topology.writer else None
        lines.append(f"global cluster {topology.identifier}: {topology.describe_state()}")
        document["members"] = [
            _member_lines(ctx, topology, lines, m.region) for m in topology.members
        ]
    _writer_source_lines(ctx, document, lines, resolver)
    _event_lines(ctx, document, lines, events_timeout)
    errors_before = len(ctx.errors)
    checks = read_health_checks(ctx)
    # A failed Route 53 call is "unknown", not "none found": say only what was seen.
    checks_unknown = any(e.service == "route53" for e in ctx.errors[errors_before:])
    document["health_checks"] = None if checks_unknown else [c.to_json() for c in checks]
    if checks_unknown:
        lines.append("health checks: unknown (the Route 53 calls failed)")
    else:
        lines.extend(_health_check_lines(checks))
    alarms: list[dict[str, str]] = []
    unknown_regions: list[str] = []
    for region in (names.primary_region, names.secondary_region):
        found = read_alarms(ctx, region)
        if found is None:
            unknown_regions.append(region)
        else:
            alarms.extend(found)
    document["alarms"] = alarms
    document["alarms_unknown_regions"] = unknown_regions
    firing = [alarm for alarm in alarms if alarm["state"] == "ALARM"]
    if len(unknown_regions) == 2:
        lines.append(
            f"alarms: unknown (the CloudWatch calls failed in {', '.join(unknown_regions)})"
        )
    elif unknown_regions:
        lines.append(
            f"alarms: {len(alarms)} found, {len(firing)} in ALARM; {unknown_regions[0]}: unknown "
            "(the CloudWatch calls failed)"
        )
    else:
        lines.append(f"alarms: {len(alarms)} found, {len(firing)} in ALARM")
    lines.extend(f"  ALARM {alarm['region']} {alarm['name']}" for alarm in firing)
    answer = resolver(domain) if domain else None
    document["dns"] = answer.to_json() if answer else None
    lines.append(_dns_line(answer))
    switch = read_switch(ctx)
    decision = read_last_decision(ctx)
    document["auto_failover_switch"] = switch
    document["last_decision"] = decision
    lines.append(f"auto-failover switch ({names.switch_parameter}): {switch}")
    if decision is not None:
        lines.append(
            f"last orchestrator decision {decision.get('sk', '')}: "
            f"{decision.get('action')} ({decision.get('reason')})"
        )
    return document, lines, topology is not None


def _member_lines(
    ctx: CliContext, topology: Topology, lines: list[str], region: str
) -> dict[str, object]:
    member = topology.member_in(region)
    if member is None:
        return {}
    entry = member.to_json()
    status = cluster_status(ctx, region, member.cluster_id)
    entry["cluster_status"] = status
    role = "writer" if member.is_writer else "secondary"
    text = f"  {region} {member.cluster_id}: {role}, cluster {status or 'unreadable'}"
    if not member.is_writer:
        lags = [
            read_lag(ctx, region, member.cluster_id, metric)
            for metric in (REPLICATION_LAG, RPO_LAG)
        ]
        entry["lag"] = [lag.to_json() for lag in lags if isinstance(lag, Lag)]
        text += f", sync {member.synchronization_status or 'n/a'}"
        text += "".join(f"; {lag.describe()}" for lag in lags if isinstance(lag, Lag))
    lines.append(text)
    return entry


def _writer_source_lines(
    ctx: CliContext, document: dict[str, object], lines: list[str], resolver: Resolver
) -> None:
    """The global writer endpoint's DNS chain, the writer per DescribeGlobalClusters, and
    whether they agree (secondary region's RDS API first)."""
    names = ctx.names
    comparison = read_writer_sources(
        [
            (region, ctx.clients.rds(region))
            for region in (names.secondary_region, names.primary_region)
        ],
        names.global_cluster,
        resolve=alias_chain(resolver),
    )
    document["writer_sources"] = comparison.to_json()
    lines.extend(comparison.lines())


def alias_chain(resolver: Resolver) -> Callable[[str], tuple[str, ...]]:
    """``resolver``'s answer as a DNS alias chain: the name, its aliases, its canonical name
    (:class:`OSError` with the resolver's error when the name does not resolve)."""

    def chain(name: str) -> tuple[str, ...]:
        answer = resolver(name)
        if answer.error is not None:
            raise OSError(answer.error)
        canonical = (answer.canonical,) if answer.canonical else ()
        return (answer.name, *answer.aliases, *canonical)

    return chain


def _event_lines(
    ctx: CliContext, document: dict[str, object], lines: list[str], timeout: float
) -> None:
    """Failover, switchover and write-fencing events of each region's cluster (RDS events)."""
    names = ctx.names
    regions = read_failover_events(
        ctx.clients,
        [
            (names.primary_region, names.primary_cluster),
            (names.secondary_region, names.secondary_cluster),
        ],
        timeout_seconds=timeout,
    )
    for entry in regions:
        if entry.unknown is not None:
            ctx.record_error(entry.region, "rds-events", entry.unknown)
    document["failover_events"] = [entry.to_json() for entry in regions]
    lines.append(f"failover events (RDS, last {EVENT_WINDOW_MINUTES // 60} h, newest first):")
    for entry in regions:
        lines.extend(entry.lines())
    unplanned = [
        (entry.region, event) for entry in regions for event in entry.events if event.unplanned
    ]
    document["unplanned_failover_events"] = [
        {"region": region, **event.to_json()} for region, event in unplanned
    ]
    if unplanned:
        seen = ", ".join(
            sorted({f"{event.to_json()['event_id']} ({region})" for region, event in unplanned})
        )
        lines.append(
            f"  UNPLANNED FAILOVER events: {seen}; recent writes may be lost: "
            "see docs/runbook.md, 'Failover events'"
        )


def _health_check_lines(checks: list[HealthCheckStatus]) -> list[str]:
    if not checks:
        return ["health checks: none found (by Name tag)"]
    return [
        f"health check {check.name}: {'HEALTHY' if check.healthy else 'UNHEALTHY'} "
        f"({check.healthy_checkers}/{check.checkers} checkers report success)"
        for check in checks
    ]


def _dns_line(answer: DnsAnswer | None) -> str:
    if answer is None:
        return f"DNS: no domain given (--domain or ${DOMAIN_ENV})"
    if answer.error:
        return f"DNS {answer.name}: resolution failed ({answer.error})"
    where = f" -> {answer.region}" if answer.region else ""
    return f"DNS {answer.name}: {', '.join(answer.addresses)} via {answer.canonical}{where}"
