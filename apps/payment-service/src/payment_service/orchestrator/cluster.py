"""The Aurora global cluster through RDS: topology, the secondary's status, the failover call.

Only ``FailoverGlobalCluster`` with ``AllowDataLoss`` promotes the secondary. The cluster is
never detached (``RemoveFromGlobalCluster``): a detached old primary would keep accepting
writes when its region comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from payment_service.orchestrator.clients import RdsClient
from payment_service.orchestrator.model import ClusterView
from payment_service.orchestrator.throttle import with_throttle_retry


class UnexpectedResponseError(Exception):
    """An RDS response lacks the fields this code relies on."""


def parse_global_cluster(response: Mapping[str, object], identifier: str) -> ClusterView:
    """The :class:`ClusterView` of ``identifier`` in a DescribeGlobalClusters response."""
    clusters = response.get("GlobalClusters")
    if not isinstance(clusters, list):
        raise UnexpectedResponseError("DescribeGlobalClusters returned no GlobalClusters list")
    for cluster in clusters:
        if not isinstance(cluster, Mapping):
            continue
        name = cluster.get("GlobalClusterIdentifier")
        if not isinstance(name, str) or name.lower() != identifier.lower():
            continue
        members: list[str] = []
        writer: str | None = None
        raw_members = cluster.get("GlobalClusterMembers")
        for member in raw_members if isinstance(raw_members, list) else []:
            if not isinstance(member, Mapping):
                continue
            arn = member.get("DBClusterArn")
            if isinstance(arn, str):
                members.append(arn)
                if member.get("IsWriter") is True:
                    writer = arn
        failover = cluster.get("FailoverState")
        failover_status = failover_target = None
        if isinstance(failover, Mapping):
            status = failover.get("Status")
            target = failover.get("ToDbClusterArn")
            failover_status = status if isinstance(status, str) else None
            failover_target = target if isinstance(target, str) else None
        status = cluster.get("Status")
        return ClusterView(
            identifier=name,
            status=status if isinstance(status, str) else "unknown",
            member_arns=tuple(members),
            writer_arn=writer,
            failover_status=failover_status,
            failover_target_arn=failover_target,
        )
    raise UnexpectedResponseError(f"global cluster {identifier!r} not in the response")


class GlobalDatabase:
    """RDS calls about one global cluster, each retried on throttling only."""

    def __init__(
        self,
        rds: RdsClient,
        global_cluster_id: str,
        *,
        sleep: Callable[[float], None],
    ) -> None:
        self._rds = rds
        self._id = global_cluster_id
        self._sleep = sleep

    def describe(self) -> ClusterView:
        """The current topology."""
        response = with_throttle_retry(
            "DescribeGlobalClusters",
            lambda: self._rds.describe_global_clusters(GlobalClusterIdentifier=self._id),
            sleep=self._sleep,
        )
        return parse_global_cluster(response, self._id)

    def cluster_status(self, cluster_arn: str) -> str:
        """``Status`` of one regional cluster (``available`` when it can be promoted)."""
        response = with_throttle_retry(
            "DescribeDBClusters",
            lambda: self._rds.describe_db_clusters(DBClusterIdentifier=cluster_arn),
            sleep=self._sleep,
        )
        clusters = response.get("DBClusters")
        if isinstance(clusters, list) and clusters and isinstance(clusters[0], Mapping):
            status = clusters[0].get("Status")
            if isinstance(status, str):
                return status
        raise UnexpectedResponseError("DescribeDBClusters returned no cluster status")

    def fail_over(self, target_cluster_arn: str) -> None:
        """Unplanned failover to ``target_cluster_arn`` (``AllowDataLoss=True``)."""
        with_throttle_retry(
            "FailoverGlobalCluster",
            lambda: self._rds.failover_global_cluster(
                GlobalClusterIdentifier=self._id,
                TargetDbClusterIdentifier=target_cluster_arn,
                AllowDataLoss=True,
            ),
            sleep=self._sleep,
        )
