"""Checks of the Aurora global database: membership, instances, capacity, lag, writer DNS."""

from __future__ import annotations

from collections.abc import Mapping

from payment_service.failover.topology import Member, Topology
from payment_service.readiness.checks._fields import code_of, mappings, number, text
from payment_service.readiness.checks._metrics import datapoints
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding, combine, failed, passed, unknown
from payment_service.readiness.settings import arn_region
from payment_service.writer_sources import AGREE, DISAGREE, read_writer_sources

RPO_LAG_METRIC = "AuroraGlobalDBRPOLag"
"""Milliseconds; published by a secondary cluster of an Aurora PostgreSQL global database in
its own region, namespace ``AWS/RDS``, dimension ``DBClusterIdentifier`` (Aurora User Guide,
"Amazon CloudWatch metrics for Amazon Aurora"; the metric of the ``aurora-rpo-lag`` alarms)."""

LAG_WINDOW_SECONDS = 600.0
"""How far back the newest lag datapoint is looked for."""
LAG_MAX_AGE_SECONDS = 180.0
"""A newest datapoint older than this says nothing about now (two periods and a minute of
publication delay): unknown."""


def _clusters(ctx: CheckContext) -> tuple[str, str]:
    return (ctx.settings.primary_cluster_arn, ctx.settings.secondary_cluster_arn)


def _cluster_label(arn: str) -> str:
    return f"{arn.split(':')[-1]} ({arn_region(arn)})"


def _db_cluster(ctx: CheckContext, arn: str) -> Mapping[str, object] | None:
    """The one ``DBClusters[]`` entry of ``arn``; ``None`` when RDS answers that it does not
    exist (``DBClusterNotFoundFault``, or no entry)."""
    try:
        response = ctx.reads.db_cluster(arn)
    except Exception as exc:
        if code_of(exc) == "DBClusterNotFoundFault":
            return None
        raise
    clusters = mappings(response, "DBClusters")
    return clusters[0] if clusters else None


def global_cluster(ctx: CheckContext) -> Finding:
    """Both regional clusters are members of the global cluster, one writes, the others are
    synchronized, and no failover or switchover is running.

    Source: RDS API Reference, ``DescribeGlobalClusters`` (``GlobalCluster`` and
    ``GlobalClusterMember`` data types): ``Status`` (``available``),
    ``FailoverState.Status`` (absent unless a failover or switchover runs),
    ``GlobalClusterMembers[].DBClusterArn``, ``.IsWriter`` and ``.SynchronizationStatus``
    (``connected`` or ``pending-resync``, reported for the secondaries). Asked through this
    region's RDS API, else the primary region's; unknown when neither answers, failed when one
    answers that the global cluster does not exist (``GlobalClusterNotFoundFault``).
    """
    read = ctx.reads.topology()
    topology = read.topology
    if topology is None:
        reason = read.error or "DescribeGlobalClusters unanswered"
        if read.missing:
            identifier = ctx.settings.global_cluster_id
            return failed(f"global cluster {identifier} does not exist ({reason})")
        return unknown(reason)
    problems = _topology_problems(ctx, topology)
    state = f"global cluster {topology.identifier} {topology.describe_state()}"
    if problems:
        return failed(f"{state}: " + "; ".join(problems))
    synced = ", ".join(
        f"{m.region} {m.synchronization_status}" for m in topology.members if not m.is_writer
    )
    return passed(f"{state}; secondaries {synced}")


def _topology_problems(ctx: CheckContext, topology: Topology) -> list[str]:
    problems: list[str] = []
    members = {member.arn: member for member in topology.members}
    for arn in _clusters(ctx):
        if arn not in members:
            problems.append(f"{_cluster_label(arn)} is not a member")
    if topology.status != "available":
        problems.append(f"status {topology.status} (expected available)")
    if topology.failover_status is not None:
        problems.append(f"a failover or switchover is {topology.failover_status}")
    writers = [member for member in topology.members if member.is_writer]
    if len(writers) != 1:
        problems.append(f"{len(writers)} members report IsWriter (expected 1)")
    for member in topology.members:
        if not member.is_writer and member.synchronization_status != "connected":
            problems.append(
                f"{member.cluster_id} ({member.region}) synchronization "
                f"{member.synchronization_status or 'not reported'} (expected connected)"
            )
    return problems


def cluster_instances(ctx: CheckContext) -> Finding:
    """Each regional cluster has at least one DB instance.

    Source: RDS API Reference, ``DescribeDBClusters``: ``DBClusters[].DBClusterMembers[]``
    (``DBInstanceIdentifier``, ``IsClusterWriter``), read in each cluster's own region. A
    cluster without an instance serves nothing: not its reader endpoint, and not writes after
    a promotion until an instance is added.
    """

    def read(arn: str) -> Finding:
        cluster = _db_cluster(ctx, arn)
        if cluster is None:
            return failed(f"{_cluster_label(arn)}: the cluster does not exist")
        instances = [text(m, "DBInstanceIdentifier") for m in mappings(cluster, "DBClusterMembers")]
        if not instances:
            return failed(f"{_cluster_label(arn)}: no DB instance (DBClusterMembers is empty)")
        return passed(f"{_cluster_label(arn)}: {len(instances)} instance(s)")

    return combine(ctx.each(_clusters(ctx), read, _cluster_label))


def serverless_capacity(ctx: CheckContext) -> Finding:
    """Both clusters have a Serverless v2 capacity range, and the secondary's maximum is at
    least the primary's (after a failover it takes the primary's whole load).

    Source: RDS API Reference, ``DescribeDBClusters``:
    ``DBClusters[].ServerlessV2ScalingConfiguration.MinCapacity`` and ``.MaxCapacity`` (Aurora
    capacity units), read in each cluster's own region.
    """
    ranges: dict[str, tuple[float, float]] = {}

    def read(arn: str) -> Finding:
        cluster = _db_cluster(ctx, arn)
        if cluster is None:
            return failed(f"{_cluster_label(arn)}: the cluster does not exist")
        scaling = cluster.get("ServerlessV2ScalingConfiguration")
        low, high = number(scaling, "MinCapacity"), number(scaling, "MaxCapacity")
        if low is None or high is None:
            return failed(f"{_cluster_label(arn)}: no ServerlessV2ScalingConfiguration")
        ranges[arn] = (low, high)
        return passed(f"{_cluster_label(arn)}: {low:g}-{high:g} ACUs")

    parts = ctx.each(_clusters(ctx), read, _cluster_label)
    primary, secondary = (ranges.get(arn) for arn in _clusters(ctx))
    if primary is not None and secondary is not None and secondary[1] < primary[1]:
        parts.append(
            failed(
                f"the secondary's MaxCapacity {secondary[1]:g} is below the primary's "
                f"{primary[1]:g}: it cannot take the primary's load after a failover"
            )
        )
    return combine(parts)


def _standby(ctx: CheckContext, topology: Topology | None) -> tuple[str, str]:
    """(region, cluster id) of the member that is not the writer: the one whose
    ``AuroraGlobalDBRPOLag`` counts; the configured secondary when the topology is unknown."""
    standby: Member | None = None
    if topology is not None and topology.writer is not None:
        standby = next((m for m in topology.members if not m.is_writer), None)
    if standby is not None:
        return standby.region, standby.cluster_id
    return ctx.settings.region, ctx.settings.secondary_cluster_id


def replication_lag(ctx: CheckContext) -> Finding:
    """The secondary's ``AuroraGlobalDBRPOLag`` is fresh and within the alarm threshold
    (``replication_lag_alarm_seconds``) and the 15-minute RPO.

    Source: CloudWatch ``GetMetricStatistics`` of ``AWS/RDS`` ``AuroraGlobalDBRPOLag``
    (milliseconds), dimension ``DBClusterIdentifier`` = the cluster that is not the writer
    (``GlobalClusterMembers[].IsWriter``), in that cluster's region, ``Maximum`` per minute
    over the last 10 minutes: the newest datapoint decides. No datapoint, or one older than 3
    minutes, is unknown.
    """
    region, cluster_id = _standby(ctx, ctx.reads.topology().topology)
    points = datapoints(
        ctx.clients.cloudwatch(region),
        namespace="AWS/RDS",
        metric=RPO_LAG_METRIC,
        dimensions={"DBClusterIdentifier": cluster_id},
        now=ctx.now,
        window_seconds=LAG_WINDOW_SECONDS,
        period=60,
        statistic="Maximum",
    )
    where = f"{RPO_LAG_METRIC} of {cluster_id} in {region}"
    if not points:
        return unknown(f"{where}: no datapoint in the last {LAG_WINDOW_SECONDS / 60:g} minutes")
    newest = points[-1]
    age, lag = ctx.now - newest.at, newest.value / 1000.0
    settings = ctx.settings
    if lag > settings.rpo_seconds:
        return failed(f"{where}: {lag:g} s, beyond the RPO of {settings.rpo_seconds:g} s")
    if lag > settings.lag_alarm_seconds:
        return failed(
            f"{where}: {lag:g} s, above the alarm threshold of {settings.lag_alarm_seconds:g} s "
            f"(RPO {settings.rpo_seconds:g} s)"
        )
    if age > LAG_MAX_AGE_SECONDS:
        return unknown(f"{where}: newest datapoint {age:.0f} s old")
    return passed(
        f"{where}: {lag:g} s ({age:.0f} s ago), threshold {settings.lag_alarm_seconds:g} s, "
        f"RPO {settings.rpo_seconds:g} s"
    )


class _SharedGlobalCluster:
    """The RDS client :func:`read_writer_sources` asks, answering from the shared read."""

    def __init__(self, ctx: CheckContext, region: str) -> None:
        self._ctx = ctx
        self._region = region

    def describe_global_clusters(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
    ) -> Mapping[str, object]:
        del GlobalClusterIdentifier  # always the environment's own
        return self._ctx.reads.global_cluster(self._region)


def writer_dns(ctx: CheckContext) -> Finding:
    """The global writer endpoint's DNS chain passes through the cluster endpoint of the
    member ``DescribeGlobalClusters`` reports ``IsWriter``.

    Source: RDS API Reference, ``DescribeGlobalClusters``: ``GlobalCluster.Endpoint`` and
    ``GlobalClusterMembers[].IsWriter``; the comparison is
    :func:`payment_service.writer_sources.read_writer_sources`, the one ``payment-dr status``
    and ``preflight`` print. ``disagree`` fails; a chain without a cluster endpoint, or a
    source that could not be read, is unknown.
    """
    settings = ctx.settings
    comparison = read_writer_sources(
        [
            (region, _SharedGlobalCluster(ctx, region))
            for region in (settings.region, settings.primary_region)
        ],
        settings.global_cluster_id,
        resolve=ctx.resolve,
        dns_timeout_seconds=settings.dns_timeout_seconds,
    )
    reason = "; ".join(line.strip() for line in comparison.lines())
    if comparison.verdict == AGREE:
        return passed(reason)
    if comparison.verdict == DISAGREE:
        return failed(reason)
    return unknown(reason)
