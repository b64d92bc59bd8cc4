"""The Aurora global cluster as the CLI reads it: the failover core's model, read through the
invocation's clients, with each region's failure recorded for the report."""

from __future__ import annotations

from dr_app.cli.context import CliContext
from payment_service.failover import Member, Topology, TopologyError

__all__ = ["Member", "Topology", "TopologyError", "cluster_status", "read_topology"]


def read_topology(ctx: CliContext, regions: tuple[str, ...] | None = None) -> Topology:
    """Describe the global cluster from the first region whose RDS API answers.

    Regions default to secondary first: the region most likely up when this is needed.
    Failures are recorded in ``ctx.errors``; :class:`TopologyError` when none answered.
    """
    names = ctx.names
    return ctx.database.describe_first(regions or (names.secondary_region, names.primary_region))


def cluster_status(ctx: CliContext, region: str, cluster_id: str) -> str | None:
    """``Status`` of a regional cluster, or ``None`` (error recorded) when unreadable."""
    return ctx.database.cluster_status_or_none(region, cluster_id)
