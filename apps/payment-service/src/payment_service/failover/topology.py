"""The Aurora global cluster as DescribeGlobalClusters reports it, and its parser.

Fields read (RDS API Reference, ``GlobalCluster`` and ``GlobalClusterMember`` data types):
``Status``; ``GlobalClusterMembers[].DBClusterArn``, ``.IsWriter`` and
``.SynchronizationStatus`` (``connected`` or ``pending-resync``; reported for secondaries);
``FailoverState.Status`` (``pending``, ``failing-over``, ``cancelling``) and
``FailoverState.ToDbClusterArn`` while a switchover or failover runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class TopologyError(Exception):
    """The global cluster could not be described, or the response lacks it."""


@dataclass(frozen=True)
class Member:
    """One regional cluster of the global cluster."""

    arn: str
    is_writer: bool
    synchronization_status: str | None = None
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
    """``available`` in steady state; ``failing-over``/``switching-over`` during a change."""
    members: tuple[Member, ...]
    failover_status: str | None = None
    """``FailoverState.Status`` or ``None`` when no change is running."""
    failover_target_arn: str | None = None
    read_from: str | None = None
    """Region whose RDS API answered."""

    @property
    def writer(self) -> Member | None:
        """The writer member, if any."""
        return next((member for member in self.members if member.is_writer), None)

    @property
    def writer_arn(self) -> str | None:
        """ARN of the writer member, if any."""
        writer = self.writer
        return writer.arn if writer else None

    @property
    def member_arns(self) -> tuple[str, ...]:
        """ARNs of every member."""
        return tuple(member.arn for member in self.members)

    @property
    def in_transition(self) -> bool:
        """True while a failover or switchover runs (or the cluster is not available)."""
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
            "failover_target": self.failover_target_arn,
            "members": [member.to_json() for member in self.members],
            "read_from": self.read_from,
        }


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _members(raw: object) -> tuple[Member, ...]:
    members = []
    for member in raw if isinstance(raw, list) else []:
        if isinstance(member, Mapping) and isinstance(member.get("DBClusterArn"), str):
            members.append(
                Member(
                    arn=str(member["DBClusterArn"]),
                    is_writer=member.get("IsWriter") is True,
                    synchronization_status=_optional_str(member.get("SynchronizationStatus")),
                )
            )
    return tuple(members)


def parse_global_cluster(
    response: Mapping[str, object], identifier: str, read_from: str | None = None
) -> Topology:
    """The topology of ``identifier`` (case-insensitive) in a DescribeGlobalClusters response.

    Raises :class:`TopologyError` when the response has no such cluster.
    """
    clusters = response.get("GlobalClusters")
    if not isinstance(clusters, list):
        raise TopologyError("DescribeGlobalClusters returned no GlobalClusters list")
    for cluster in clusters:
        if not isinstance(cluster, Mapping):
            continue
        name = cluster.get("GlobalClusterIdentifier")
        if not isinstance(name, str) or name.lower() != identifier.lower():
            continue
        failover = cluster.get("FailoverState")
        state = failover if isinstance(failover, Mapping) else {}
        status = cluster.get("Status")
        return Topology(
            identifier=name,
            status=status if isinstance(status, str) else "unknown",
            members=_members(cluster.get("GlobalClusterMembers")),
            failover_status=_optional_str(state.get("Status")),
            failover_target_arn=_optional_str(state.get("ToDbClusterArn")),
            read_from=read_from,
        )
    raise TopologyError(f"global cluster {identifier!r} not found")
