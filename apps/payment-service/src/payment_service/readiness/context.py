"""What every check receives: settings, clients, the clock, the deadline, and shared reads.

Checks run concurrently. A read two checks need (the global cluster, a regional cluster) is
made once (:class:`SharedReads`). A check with independent parts (one per region, one per
certificate) runs them concurrently with :meth:`CheckContext.each`, so one region that hangs
leaves the other parts' findings intact; a part still running at the deadline is unknown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from payment_service.failover.clients import Response, error_code, explain_error
from payment_service.failover.topology import Topology, TopologyError, parse_global_cluster
from payment_service.readiness.clients import ReadinessClients
from payment_service.readiness.model import Finding, unknown
from payment_service.readiness.settings import ReadinessSettings, arn_region
from payment_service.readiness.threads import spawn, spawn_in_order
from payment_service.writer_sources import Resolver, dns_alias_chain

T = TypeVar("T")
Item = TypeVar("Item")

GLOBAL_CLUSTER_NOT_FOUND = "GlobalClusterNotFoundFault"
"""``DescribeGlobalClusters`` error when the identifier names no global cluster."""

PART_MARGIN_SECONDS = 0.5
"""A check's parts are given up this long before the deadline, so the check can still
combine them into its own finding in time."""


@dataclass(frozen=True)
class TopologyRead:
    """The global cluster as read, or why not."""

    topology: Topology | None
    error: str | None
    missing: bool
    """True when an RDS API answered that the global cluster does not exist."""


class SharedReads:
    """Reads made at most once per evaluation, whichever check asks first.

    A failure is remembered as well, so every check that needs the read reports the same
    error; a read that hangs holds every check that waits for it until the runner gives them
    up at the deadline.
    """

    def __init__(self, settings: ReadinessSettings, clients: ReadinessClients) -> None:
        self._settings = settings
        self._clients = clients
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[object]] = {}

    def once(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()`` the first time ``key`` is asked for; its result (or error) afterwards."""
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._futures[key] = future
        if owner:
            try:
                future.set_result(read())
            except BaseException as exc:
                future.set_exception(exc)
        result: T = future.result()  # type: ignore[assignment]
        return result

    def global_cluster(self, region: str) -> Response:
        """DescribeGlobalClusters of the environment's global cluster through ``region``."""
        identifier = self._settings.global_cluster_id
        return self.once(
            ("global-cluster", region),
            lambda: self._clients.rds(region).describe_global_clusters(
                GlobalClusterIdentifier=identifier
            ),
        )

    def topology(self) -> TopologyRead:
        """The global cluster through this region's RDS API, else the primary region's."""
        failures: list[str] = []
        for region in (self._settings.region, self._settings.primary_region):
            try:
                response = self.global_cluster(region)
            except Exception as exc:
                if error_code(exc) == GLOBAL_CLUSTER_NOT_FOUND:
                    return TopologyRead(None, f"{region}: {GLOBAL_CLUSTER_NOT_FOUND}", True)
                failures.append(f"{region}: {explain_error(exc)}")
                continue
            try:
                topology = parse_global_cluster(response, self._settings.global_cluster_id, region)
            except TopologyError as exc:
                return TopologyRead(None, f"{region}: {exc}", True)
            return TopologyRead(topology, None, False)
        return TopologyRead(
            None, "DescribeGlobalClusters unanswered (" + "; ".join(failures) + ")", False
        )

    def db_cluster(self, cluster_arn: str) -> Response:
        """DescribeDBClusters of one cluster, in the cluster's own region."""
        region = arn_region(cluster_arn)
        return self.once(
            ("db-cluster", cluster_arn),
            lambda: self._clients.rds(region).describe_db_clusters(DBClusterIdentifier=cluster_arn),
        )


@dataclass
class CheckContext:
    """Shared by every check of one evaluation."""

    settings: ReadinessSettings
    clients: ReadinessClients
    now: float
    """Epoch seconds at the start of the evaluation."""
    deadline: float
    """``monotonic()`` value after which the runner reports an unfinished check as unknown."""
    monotonic: Callable[[], float]
    resolve: Resolver = dns_alias_chain
    """DNS alias chain of a name (the global writer endpoint)."""
    reads: SharedReads = field(init=False)

    def __post_init__(self) -> None:
        self.reads = SharedReads(self.settings, self.clients)

    def each(
        self,
        items: Sequence[Item],
        read: Callable[[Item], Finding],
        label: Callable[[Item], str],
        *,
        one_at_a_time: bool = False,
    ) -> list[Finding]:
        """``read(item)`` for every item, concurrently (``one_at_a_time``: in order, for calls
        on one client that must not interleave); an item that raised is unknown with the
        error, one not finished shortly before the deadline is unknown."""
        if not items:
            return []
        works = [partial(read, item) for item in items]
        futures = (
            spawn_in_order(works, "readiness-part")
            if one_at_a_time
            else [spawn(work, "readiness-part") for work in works]
        )
        wait(futures, timeout=max(0.0, self.deadline - PART_MARGIN_SECONDS - self.monotonic()))
        findings: list[Finding] = []
        for item, future in zip(items, futures, strict=True):
            if not future.done():
                findings.append(unknown(f"{label(item)}: no answer within the budget"))
                continue
            error = future.exception()
            if error is not None:
                findings.append(unknown(f"{label(item)}: {explain_error(error)}"))
            else:
                findings.append(future.result())
        return findings

    def parts(
        self, reads: Mapping[str, Callable[[], Finding]], *, one_at_a_time: bool = False
    ) -> list[Finding]:
        """Each of ``reads`` (label -> read), as :meth:`each`."""
        return self.each(
            list(reads.items()),
            lambda part: part[1](),
            lambda part: part[0],
            one_at_a_time=one_at_a_time,
        )
