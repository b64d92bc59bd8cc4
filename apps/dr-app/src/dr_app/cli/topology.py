"""The Aurora global cluster as the CLI sees it: members by region, writer, transitions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dr_app.cli.clients import describe_error
from dr_app.cli.context import CliContext
from dr_app.cli.throttle import retry_throttling


class TopologyError(Exception):
    """The global cluster could not be described from any region."""


@dataclass(frozen=True)
class Member:
    """One regional cluster of the global cluster."""

    arn: str
    is_writer: bool
    synchronization_status: str | None
    """``connected`` or ``pending-resync`` where RDS reports it."""

    @property
    def region(self) -> str:
        """Region field of the ARN."""
        return self.arn.split(":")[3]

    @property
    def cluster_id(self) -> str:
        """Cluster identifier (last field of the ARN)."""
        return self.arn.split(":")[-1]

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "region": self.region,
            "cluster_id": self.cluster_id,
            "arn": self.arn,
            "is_writer": self.is_writer,
            "synchronization_status": self.synchronization_status,
        }


@dataclass(frozen=True)
class Topology:
    """The global cluster."""

    identifier: str
    status: str
    members: tuple[Member, ...]
    failover_status: str | None
    failover_target: str | None
    read_from: str
    """Region whose RDS API answered."""

    @property
    def writer(self) -> Member | None:
        """The writer member, if any."""
        return next((member for member in self.members if member.is_writer), None)

    @property
    def in_transition(self) -> bool:
        """True while a switchover or failover is running."""
        return self.status != "available" or self.failover_status is not None

    def member_in(self, region: str) -> Member | None:
        """The member in ``region``."""
        return next((member for member in self.members if member.region == region), None)

    def describe_state(self) -> str:
        """One line: status, failover state and writer region."""
        writer = self.writer.region if self.writer else "none"
        failover = f", failover {self.failover_status}" if self.failover_status else ""
        return f"{self.status}{failover}, writer {writer}"

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "identifier": self.identifier,
            "status": self.status,
            "writer_region": self.writer.region if self.writer else None,
            "failover_status": self.failover_status,
            "failover_target": self.failover_target,
            "members": [member.to_json() for member in self.members],
            "read_from": self.read_from,
        }


def parse(response: Mapping[str, object], identifier: str, read_from: str) -> Topology:
    """The topology of ``identifier`` in a DescribeGlobalClusters response."""
    clusters = response.get("GlobalClusters")
    for cluster in clusters if isinstance(clusters, list) else []:
        if not isinstance(cluster, Mapping):
            continue
        name = cluster.get("GlobalClusterIdentifier")
        if not isinstance(name, str) or name.lower() != identifier.lower():
            continue
        members = []
        raw = cluster.get("GlobalClusterMembers")
        for member in raw if isinstance(raw, list) else []:
            if isinstance(member, Mapping) and isinstance(member.get("DBClusterArn"), str):
                sync = member.get("SynchronizationStatus")
                members.append(
                    Member(
                        arn=str(member["DBClusterArn"]),
                        is_writer=member.get("IsWriter") is True,
                        synchronization_status=sync if isinstance(sync, str) else None,
                    )
                )
        failover = cluster.get("FailoverState")
        failover_status = failover_target = None
        if isinstance(failover, Mapping):
            status, target = failover.get("Status"), failover.get("ToDbClusterArn")
            failover_status = status if isinstance(status, str) else None
            failover_target = target if isinstance(target, str) else None
        status = cluster.get("Status")
        return Topology(
            identifier=name,
            status=status if isinstance(status, str) else "unknown",
            members=tuple(members),
            failover_status=failover_status,
            failover_target=failover_target,
            read_from=read_from,
        )
    raise TopologyError(f"global cluster {identifier!r} not found")


def _describe(ctx: CliContext, region: str) -> Mapping[str, object]:
    rds = ctx.clients.rds(region)
    return retry_throttling(
        "DescribeGlobalClusters",
        lambda: rds.describe_global_clusters(GlobalClusterIdentifier=ctx.names.global_cluster),
        sleep=ctx.sleep,
    )


def read_topology(ctx: CliContext, regions: tuple[str, ...] | None = None) -> Topology:
    """Describe the global cluster from the first region whose RDS API answers.

    Regions default to secondary first: the region most likely up when this is needed.
    Failures are recorded in ``ctx.errors``; :class:`TopologyError` when none answered.
    """
    names = ctx.names
    order = regions or (names.secondary_region, names.primary_region)
    failures = []
    for region in order:
        try:
            return parse(_describe(ctx, region), names.global_cluster, region)
        except TopologyError:
            raise
        except Exception as exc:
            ctx.record_error(region, "rds", describe_error(exc))
            failures.append(f"{region}: {describe_error(exc)}")
    raise TopologyError("cannot describe the global cluster: " + "; ".join(failures))


def cluster_status(ctx: CliContext, region: str, cluster_id: str) -> str | None:
    """``Status`` of a regional cluster, or ``None`` (error recorded) when unreadable."""
    try:
        response = retry_throttling(
            "DescribeDBClusters",
            lambda: ctx.clients.rds(region).describe_db_clusters(DBClusterIdentifier=cluster_id),
            sleep=ctx.sleep,
        )
    except Exception as exc:
        ctx.record_error(region, "rds", describe_error(exc))
        return None
    clusters = response.get("DBClusters")
    if isinstance(clusters, list) and clusters and isinstance(clusters[0], Mapping):
        status = clusters[0].get("Status")
        return status if isinstance(status, str) else None
    return None
