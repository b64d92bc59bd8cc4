"""The operations on one Aurora global cluster: describe, switch over, fail over, wait.

Every call is retried on throttling only (:mod:`payment_service.failover.throttle`).
``RemoveFromGlobalCluster`` is never called: a detached old primary would keep accepting
writes when its region comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from payment_service.failover.clients import NoClientForRegionError, RegionalRds, describe_error
from payment_service.failover.plan import FailoverPlan, PlanResult, StepResult
from payment_service.failover.snapshots import (
    CopiedSnapshot,
    SnapshotApi,
    SnapshotCopy,
    StepNotReadyError,
    copy_failover_snapshots,
)
from payment_service.failover.throttle import with_throttle_retry
from payment_service.failover.topology import Member, Topology, TopologyError, parse_global_cluster
from payment_service.logging import get_logger

_log = get_logger("payment_service.failover")

ErrorSink = Callable[[str, str], None]
"""Receives ``(region, description)`` of every call that failed."""


def _ignore(_region: str, _error: str) -> None:
    return None


@dataclass(frozen=True)
class WaitResult:
    """The end of a wait for a new writer."""

    done: bool
    """True when the target writes, the cluster settled and the target is ``available``."""
    elapsed_seconds: float
    state: str
    """The last state seen, one line."""


class GlobalDatabase:
    """RDS operations on one global cluster, each sent to an explicit region."""

    def __init__(
        self,
        rds: RegionalRds,
        global_cluster_id: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        describe: Callable[[BaseException], str] = describe_error,
        on_error: ErrorSink = _ignore,
    ) -> None:
        self._rds = rds
        self.global_cluster_id = global_cluster_id
        self._sleep = sleep
        self._describe = describe
        self._on_error = on_error

    def describe(self, region: str) -> Topology:
        """The topology, read from ``region`` (raises on any failure)."""
        response = with_throttle_retry(
            "DescribeGlobalClusters",
            lambda: self._rds.rds(region).describe_global_clusters(
                GlobalClusterIdentifier=self.global_cluster_id
            ),
            sleep=self._sleep,
        )
        return parse_global_cluster(response, self.global_cluster_id, region)

    def describe_first(self, regions: Sequence[str]) -> Topology:
        """The topology from the first of ``regions`` whose RDS API answers.

        A region's failure goes to the error sink; :class:`TopologyError` when none answered
        or the cluster is not in an answer.
        """
        failures = []
        for region in regions:
            try:
                return self.describe(region)
            except TopologyError:
                raise
            except Exception as exc:
                self._on_error(region, self._describe(exc))
                failures.append(f"{region}: {self._describe(exc)}")
        raise TopologyError("cannot describe the global cluster: " + "; ".join(failures))

    def cluster_status(self, region: str, cluster: str) -> str:
        """``Status`` of a regional cluster (identifier or ARN) read in ``region``."""
        response = with_throttle_retry(
            "DescribeDBClusters",
            lambda: self._rds.rds(region).describe_db_clusters(DBClusterIdentifier=cluster),
            sleep=self._sleep,
        )
        clusters = response.get("DBClusters")
        if isinstance(clusters, list) and clusters and isinstance(clusters[0], Mapping):
            status = clusters[0].get("Status")
            if isinstance(status, str):
                return status
        raise TopologyError("DescribeDBClusters returned no cluster status")

    def cluster_status_or_none(self, region: str, cluster: str) -> str | None:
        """:meth:`cluster_status`, or ``None`` (error sent to the sink) when unreadable."""
        try:
            return self.cluster_status(region, cluster)
        except Exception as exc:
            self._on_error(region, self._describe(exc))
            return None

    def switchover(self, target_arn: str, source_arn: str | None = None) -> None:
        """``SwitchoverGlobalCluster`` to ``target_arn``, sent to the **current primary's**
        region: the region of ``source_arn`` (the writer when the plan was made), or, when the
        caller does not know it, of the writer read from the target's region first.

        AWS documents that region, and only that one: the Aurora User Guide ("Performing
        switchovers for Amazon Aurora global databases") says of ``switchover-global-cluster``
        "``--region`` - Specify the AWS Region where the primary DB cluster of the Aurora global
        database is running" (``aws rds --region region_of_primary switchover-global-cluster``),
        and the AWS CLI reference's example says "Run this command in the Region that hosts the
        current primary cluster". The RDS API Reference (``SwitchoverGlobalCluster``) names no
        region and documents no fault for another one. A switchover is for a healthy global
        database ("Switchovers are designed to be used on a an Aurora global database where all
        the Aurora clusters and other services they interact with are in a healthy state"), so
        the primary's region answers when it is the right call to make.
        """
        if source_arn is None:
            writer = self.describe(_region_of(target_arn)).writer_arn
            if writer is None:
                raise TopologyError("the global cluster reports no writer to switch over from")
            source_arn = writer
        with_throttle_retry(
            "SwitchoverGlobalCluster",
            lambda: self._rds.rds(_region_of(source_arn)).switchover_global_cluster(
                GlobalClusterIdentifier=self.global_cluster_id,
                TargetDbClusterIdentifier=target_arn,
            ),
            sleep=self._sleep,
        )

    def failover(self, target_arn: str) -> None:
        """``FailoverGlobalCluster`` with ``AllowDataLoss=True`` (and no ``Switchover``), sent
        to the **target's** region: the surviving one when the writer's region is down.

        AWS documents that region: the Aurora User Guide ("Performing managed failovers for
        Aurora global databases") says of ``failover-global-cluster`` "``--region`` - Specify
        the AWS Region where the secondary DB cluster that you want to be the new primary for
        the Aurora global database is running" (``aws rds --region region_of_selected_secondary
        failover-global-cluster ... --allow-data-loss``), and the AWS CLI reference's example
        says "Run this command in the Region that hosts the secondary cluster that you're
        promoting". The RDS API Reference (``FailoverGlobalCluster``) asks for the target's ARN
        "so that Aurora can locate the cluster in its Amazon Web Services Region" and names no
        endpoint region.
        """
        with_throttle_retry(
            "FailoverGlobalCluster",
            lambda: self._rds.rds(_region_of(target_arn)).failover_global_cluster(
                GlobalClusterIdentifier=self.global_cluster_id,
                TargetDbClusterIdentifier=target_arn,
                AllowDataLoss=True,
            ),
            sleep=self._sleep,
        )

    def copy_failover_snapshots(self, copy: SnapshotCopy) -> tuple[CopiedSnapshot, ...]:
        """Copy the old primary's ``rds:unplanned-global-failover-*`` snapshots to manual
        snapshots, with the RDS client of ``copy.region`` (the old primary's Region)."""
        try:
            client = self._rds.rds(copy.region)
        except NoClientForRegionError as exc:
            # The evaluation that fails over does not call the old primary's (failed) Region;
            # the copy waits for a later run that does.
            raise StepNotReadyError(f"{exc}: the copy waits for a run that calls it") from exc
        if not isinstance(client, SnapshotApi):
            raise TypeError(f"the RDS client for {copy.region} cannot copy snapshots")
        copies = copy_failover_snapshots(client, copy)
        for copied in copies:
            _log.warning(
                "failover_snapshot_copied" if copied.created else "failover_snapshot_kept",
                source=copied.source,
                target=copied.target,
            )
        return copies

    def execute(self, plan: FailoverPlan) -> PlanResult:
        """Run the steps of ``plan`` in order; stop at the first failed required step."""
        if plan.global_cluster_id != self.global_cluster_id:
            raise ValueError(
                f"plan for global cluster {plan.global_cluster_id!r} given to "
                f"{self.global_cluster_id!r}"
            )
        results: list[StepResult] = []
        for step in plan.steps:
            try:
                step.run(self, plan)
            except StepNotReadyError as exc:
                _log.info("failover_step_pending", step=step.name, reason=str(exc))
                results.append(StepResult(step.name, exc))
                if step.required:
                    break
            except Exception as exc:
                _log.error("failover_step_failed", step=step.name, reason=describe_error(exc))
                results.append(StepResult(step.name, exc))
                if step.required:
                    break
            else:
                _log.warning("failover_step_done", step=step.name, target=plan.target_arn)
                results.append(StepResult(step.name))
        return PlanResult(plan, tuple(results))

    def wait_for_writer(
        self,
        target: Member,
        regions: Sequence[str],
        *,
        timeout_seconds: float,
        poll_seconds: float,
        clock: Callable[[], float],
        report: Callable[[str], None] = lambda _state: None,
    ) -> WaitResult:
        """Poll (reading from ``regions`` in order) until ``target`` is the writer, the cluster
        settled and the target cluster ``available``, or until ``timeout_seconds``.

        No call starts once ``timeout_seconds`` have passed and the last sleep ends at that
        moment, so the wait ends within ``timeout_seconds`` plus one call in flight (bounded
        by the client's own timeouts). ``report`` receives the state after every poll that did
        not finish the wait.
        """
        started = clock()
        state = "waiting"

        def out_of_time() -> bool:
            return clock() - started >= timeout_seconds

        while True:
            try:
                topology = self.describe_first(regions)
                state = topology.describe_state()
                if topology.writer_arn == target.arn and not topology.in_transition:
                    if out_of_time():
                        return WaitResult(False, clock() - started, state)
                    status = self.cluster_status_or_none(target.region, target.cluster_id)
                    state = f"{state}, {target.region} cluster {status or 'unreadable'}"
                    if status == "available":
                        return WaitResult(True, clock() - started, state)
            except TopologyError as exc:
                state = str(exc)
            report(state)
            if out_of_time():
                return WaitResult(False, clock() - started, state)
            self._sleep(min(poll_seconds, timeout_seconds - (clock() - started)))
            if out_of_time():
                return WaitResult(False, clock() - started, state)


def _region_of(arn: str) -> str:
    return arn.split(":")[3]
