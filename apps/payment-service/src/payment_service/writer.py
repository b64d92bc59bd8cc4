"""Whether this region may write, from sources AWS documents, and the write fence.

**Where writes go.** To this region's own cluster endpoint (``aws_rds_cluster.endpoint``,
``DB_HOST``): "A cluster endpoint (or writer endpoint) for an Aurora DB cluster connects to the
current primary DB instance for that DB cluster" (Aurora User Guide, "Cluster endpoints for
Amazon Aurora"). A secondary cluster has one too, inactive until the cluster is promoted ("All
secondary Regions also have writer endpoints, but they're inactive", AWS Database Blog,
"Automate Amazon Aurora Global Database endpoint management"): it is only written to once the
sources below say this cluster writes. The API never writes across regions.

**Who writes.** Two sources, both documented:

1. ``DescribeGlobalClusters`` called through *this region's* RDS API endpoint
   (``rds.<region>.amazonaws.com``, reached through an interface VPC endpoint with private DNS:
   RDS User Guide, "Amazon RDS API and interface VPC endpoints (AWS PrivateLink)"), so it
   answers in either region while the other one is down. ``GlobalClusterMember.IsWriter``
   "indicates whether the Aurora DB cluster is the primary cluster (that is, has read-write
   capability) for the global cluster with which it is associated" (RDS API Reference,
   ``GlobalClusterMember``; ``DescribeGlobalClusters``). The member is this region's cluster
   when its ``DBClusterArn`` names this region and ``DB_CLUSTER_ID``.
2. The database itself, on every connection the fence approves before its first write:
   ``current_setting('transaction_read_only')`` and ``pg_is_in_recovery()`` (PostgreSQL
   documentation, "System Administration Functions"; an Aurora secondary cluster is read-only).
   A connection that is read-only is closed and the write refused (503). A write on a
   connection that became read-only later fails with SQLSTATE 25006 (:mod:`payment_service.db`).

The global writer endpoint ("always points to the writer DB instance in the current primary
cluster", RDS API Reference, ``GlobalCluster.Endpoint``; Aurora User Guide, "Connecting to
Amazon Aurora Global Database") is **not** consulted here: AWS does not document the shape of
its DNS records. :mod:`payment_service.writer_sources` compares its live DNS chain with (1) for
operators (``payment-dr status`` and ``preflight``), so a deployment shows whether the chain
names the writer's cluster endpoint; nothing here depends on it.

**IAM database authentication.** The token is signed for ``DB_HOST`` (this region's cluster
endpoint) and this region: ``RDS.Client.generate_db_auth_token(DBHostname, Port, DBUsername,
Region)``, "Region - The region the database is in" (boto3 reference; RDS User Guide,
"Connecting to your DB cluster using IAM authentication and the AWS SDK for Python"). See
:mod:`payment_service.db_auth`.

**Throttling.** RDS throttles its API per account and Region, for every caller together (by
default a burst of 300 and 12 requests a second sustained: RDS User Guide, "Request throttling
for the Amazon RDS API"); the orchestrator, the CLI and Terraform share that budget. Per
execution environment (:class:`GlobalWriterStatus`):

* at most one ``DescribeGlobalClusters`` call is in flight;
* an answer naming this cluster the writer is reused for ``WRITER_ANSWER_TTL_SECONDS`` (30 s),
  any other answer for ``STANDBY_ANSWER_TTL_SECONDS`` (5 s); a call starts only when a request
  needs an answer and none is current. An answer is dated from when its call started;
* after a failed call (throttled, denied, unreachable, an unknown answer) no call starts for
  ``ERROR_INTERVAL_SECONDS`` (10 s);
* a request waits for a call at most ``CALL_WAIT_SECONDS`` (0.5 s) after the call started, and
  never past its deadline (a call hung or trickling its answer costs the requests of its first
  0.5 s that wait, later ones none);
  the call itself is bounded by the client (``RDS_CALL_TIMEOUTS``: 1 s connect, 2 s read, one
  attempt) and then ends on its own.

So one environment makes at most one call every 5 s in a standby region, one every 30 s in the
writer region, one every 10 s while calls fail. While no answer is current (throttled,
unreachable, hung, or not yet answered in time) **the database decides**: a connection to this
region's cluster endpoint that is not read-only may write. A throttled or unreachable control
plane therefore never turns writes in the writer region into 503s.

**Bounds, with the defaults as deployed.**

* Promotion: once ``DescribeGlobalClusters`` in this region reports this cluster ``IsWriter``,
  the fence lets through every write that reaches it ``PROMOTION_BOUND_SECONDS`` (5 s) later or
  more. An earlier answer is at most 5 s old by then (answers are dated from the start of their
  call, so a call in flight during the promotion cannot extend it); a new call answers
  ``IsWriter``, and when it does not answer within the wait, the database (now writable)
  decides. The connection itself also needs the promoted cluster's endpoint to resolve.
* Demotion: a demoted cluster is read-only, so a write there is refused at once (a new
  connection fails the database check; an open one fails with 25006); ``/health``'s global role
  follows within 30 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import CallTimeouts
from payment_service.errors import DatabaseReadOnlyError, ServiceUnavailableError
from payment_service.failover.clients import describe_error
from payment_service.failover.topology import parse_global_cluster
from payment_service.logging import get_logger

if TYPE_CHECKING:
    from payment_service.connection import Connection
    from payment_service.deadline import Deadline

WRITER_ANSWER_TTL_SECONDS = 30.0
"""An answer naming this cluster the writer is reused this long. A stale one cannot let a write
through to a demoted cluster: the database refuses it (read-only)."""
STANDBY_ANSWER_TTL_SECONDS = 5.0
"""Any other answer is reused this long: the bound on noticing a promotion."""
ERROR_INTERVAL_SECONDS = 10.0
"""No call starts this long after a failed one (throttled, denied, unreachable, no answer)."""
CALL_WAIT_SECONDS = 0.5
"""The longest a request waits for a call (less when its deadline is nearer)."""
RDS_CALL_TIMEOUTS = CallTimeouts(connect_seconds=1.0, read_seconds=2.0)
"""botocore timeouts of the fence's RDS client (one attempt): a call ends within ~3 s."""
PROMOTION_BOUND_SECONDS = STANDBY_ANSWER_TTL_SECONDS
"""After this region's RDS API reports this cluster ``IsWriter``, writes reaching the fence
this much later are let through (see the module docstring)."""

RETRY_AFTER_NOT_WRITER_SECONDS = 30

READ_ONLY_CHECK = "SELECT current_setting('transaction_read_only'), pg_is_in_recovery()"
"""The database's own answer to "may this connection write?" (``off`` and ``false``)."""

_log = get_logger("payment_service.writer")


class NotWriterRegionError(ServiceUnavailableError):
    """This region is not the global cluster's writer: writes are refused here."""

    code = "not_writer_region"
    retry_after_seconds = RETRY_AFTER_NOT_WRITER_SECONDS

    def __init__(self, detail: str) -> None:
        super().__init__(f"this region does not hold the writer: {detail}")


class GlobalClusterApi(Protocol):
    """The RDS call the fence makes."""

    def describe_global_clusters(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
    ) -> Mapping[str, object]:
        """Describe one global cluster."""
        ...


@dataclass(frozen=True)
class WriterAnswer:
    """What ``DescribeGlobalClusters`` said, dated from when its call started."""

    this_cluster_writes: bool
    writer_region: str | None
    """Region of the member reported ``IsWriter`` (``None``: no member is)."""
    writer_cluster: str | None
    asked_at: float


class GlobalWriterStatus:
    """``DescribeGlobalClusters`` through this region's RDS API: cached, one call at a time,
    rate-bounded after failures, and never waited on past a request's deadline."""

    def __init__(
        self,
        rds: GlobalClusterApi,
        global_cluster_id: str,
        region: str,
        cluster_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rds = rds
        self.global_cluster_id = global_cluster_id
        self.region = region
        self.cluster_id = cluster_id
        self._clock = clock
        self._lock = threading.Lock()
        self._answer: WriterAnswer | None = None
        self._failed_at: float | None = None
        self._in_flight: Future[None] | None = None
        self._in_flight_since = 0.0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer-status")

    @property
    def call_in_flight(self) -> bool:
        """True while a ``DescribeGlobalClusters`` call has not answered."""
        with self._lock:
            return self._in_flight is not None

    def current(self, deadline: Deadline | None = None) -> WriterAnswer | None:
        """The current answer; ``None`` when there is none (the database decides).

        Starts a call when no answer is current, none is in flight and the last failure is
        ``ERROR_INTERVAL_SECONDS`` old, then waits for the call in flight until it is
        ``CALL_WAIT_SECONDS`` old, never past ``deadline``.
        """
        with self._lock:
            now = self._clock()
            if self._is_current(self._answer, now):
                return self._answer
            future = self._in_flight
            if future is None:
                if self._failed_at is not None and now - self._failed_at < ERROR_INTERVAL_SECONDS:
                    return None
                future = self._pool.submit(self._refresh, now)
                self._in_flight = future
                self._in_flight_since = now
            # Waited for already: a call in flight for CALL_WAIT_SECONDS (hung, or trickling
            # its answer) holds no further request.
            wait = max(0.0, self._in_flight_since + CALL_WAIT_SECONDS - now)
        if deadline is not None:
            wait = deadline.cap(wait)
        try:
            future.result(timeout=wait)
        except FutureTimeout:
            _log.warning("writer_status_pending")  # the database decides this time
            return None
        with self._lock:
            answer = self._answer
            return answer if self._is_current(answer, self._clock()) else None

    @staticmethod
    def _is_current(answer: WriterAnswer | None, now: float) -> bool:
        if answer is None:
            return False
        ttl = (
            WRITER_ANSWER_TTL_SECONDS if answer.this_cluster_writes else STANDBY_ANSWER_TTL_SECONDS
        )
        return now - answer.asked_at < ttl

    def _refresh(self, asked_at: float) -> None:
        """One call (in the worker thread); its outcome replaces the state."""
        try:
            answer = self._ask(asked_at)
        except Exception as exc:
            reason = describe_error(exc)
            with self._lock:
                self._failed_at = self._clock()
                self._in_flight = None
            _log.warning("writer_status_unavailable", reason=reason)
            return
        with self._lock:
            self._answer = answer
            self._failed_at = None
            self._in_flight = None
        _log.info(
            "writer_status",
            this_cluster_writes=answer.this_cluster_writes,
            writer_region=answer.writer_region,
        )

    def _ask(self, asked_at: float) -> WriterAnswer:
        response = self._rds.describe_global_clusters(
            GlobalClusterIdentifier=self.global_cluster_id
        )
        topology = parse_global_cluster(response, self.global_cluster_id)
        writer = topology.writer
        # A cluster that is not (or no longer) a member never writes for this global cluster.
        mine = (
            writer is not None
            and writer.region == self.region
            and writer.cluster_id == self.cluster_id
        )
        return WriterAnswer(
            this_cluster_writes=mine,
            writer_region=writer.region if writer else None,
            writer_cluster=writer.cluster_id if writer else None,
            asked_at=asked_at,
        )


class WriteFence:
    """Lets a write through only to this region's cluster endpoint, while this region's
    cluster is the writer (:class:`GlobalWriterStatus`, or the database when it has no
    answer), and checks each connection's read-only state before its first write.

    It is the :class:`payment_service.db.WriteGuard` of the API's database.
    """

    def __init__(self, region: str, cluster_id: str, host: str, status: GlobalWriterStatus) -> None:
        self.region = region
        self.cluster_id = cluster_id
        """This region's cluster identifier (``DB_CLUSTER_ID``)."""
        self.host = host
        """This region's cluster endpoint (``DB_HOST``): the only host writes go to."""
        self.status = status
        self._database_writable: bool | None = None

    def approve(self, deadline: Deadline | None = None) -> str:
        """The host a write may go to; :class:`NotWriterRegionError` when the RDS API says
        another cluster writes. Without a current answer the database decides (:meth:`confirm`)."""
        answer = self.status.current(deadline)
        if answer is None or answer.this_cluster_writes:
            return self.host
        writer = (
            f"the writer is {answer.writer_cluster} in {answer.writer_region}"
            if answer.writer_region is not None
            else "no cluster is the writer (a switchover or failover is in progress)"
        )
        raise NotWriterRegionError(writer)

    def confirm(self, connection: Connection) -> None:
        """The database's own answer, on a connection to :attr:`host` before its first write:
        :class:`~payment_service.errors.DatabaseReadOnlyError` when it is read-only."""
        rows = connection.run(READ_ONLY_CHECK)
        if not rows or len(rows[0]) != 2:
            raise RuntimeError("the read-only check returned no row")
        read_only, in_recovery = rows[0]
        writable = read_only == "off" and in_recovery is False
        self._database_writable = writable
        if not writable:
            _log.warning("write_fence_database_read_only")
            raise DatabaseReadOnlyError(
                "the database in this region is read-only (standby); retry later"
            )

    def role(self, deadline: Deadline | None = None) -> tuple[str, str | None]:
        """This region's role and the writer's region, for ``/health``'s ``global_role``.

        ``("writer", this region)`` or ``("standby", writer region or None)`` from the RDS API.
        Without a current answer the database decides, as for writes: ``("writer", this
        region)`` unless the last connection check found it read-only (``("standby", None)``).
        """
        answer = self.status.current(deadline)
        if answer is not None:
            if answer.this_cluster_writes:
                return "writer", self.region
            return "standby", answer.writer_region
        if self._database_writable is False:
            return "standby", None
        return "writer", self.region


__all__ = [
    "CALL_WAIT_SECONDS",
    "ERROR_INTERVAL_SECONDS",
    "PROMOTION_BOUND_SECONDS",
    "RDS_CALL_TIMEOUTS",
    "STANDBY_ANSWER_TTL_SECONDS",
    "WRITER_ANSWER_TTL_SECONDS",
    "GlobalClusterApi",
    "GlobalWriterStatus",
    "NotWriterRegionError",
    "WriteFence",
    "WriterAnswer",
]
