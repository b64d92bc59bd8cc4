"""Where the global cluster's writer is, seen from this region, and the write fence.

Writes go through the Aurora **global writer endpoint** (``aws_rds_global_cluster.endpoint``:
"Writer endpoint for the new global database cluster. This endpoint always points to the
writer DB instance in the current primary cluster", Terraform AWS provider,
``rds_global_cluster`` attributes; Aurora User Guide, "Connecting to Amazon Aurora Global
Database": Aurora updates it after a switchover or failover). The name is a DNS alias (CNAME)
of the cluster endpoint of the current primary cluster, so a DNS lookup in *any* region tells
which cluster writes, without a call to a control plane in the region that may be down.

IAM database authentication signs a token for a host name and a region. The global endpoint
is not a cluster endpoint of one region: AWS's own drivers "resolve the Global Database
endpoint to the appropriate regional cluster for IAM token generation" (AWS Advanced JDBC
Wrapper, "Using IAM Authentication with Global Databases"). This module does the same with the
DNS alias chain: the token is signed for the resolved cluster endpoint, in the region named by
that endpoint (``<cluster>.cluster-<id>.<region>.rds.amazonaws.com``), and the connection is
opened to that same name, which the cluster's TLS certificate covers.

The fence: this region may write only when the writer the global endpoint resolves to is this
region's cluster. The API in a region that is not the writer refuses writes with 503 and
``Retry-After`` (it never writes across regions). The database then proves it again: a
connection to a cluster that is in recovery answers ``pg_is_in_recovery() = true`` and every
write fails read-only (see :mod:`payment_service.db`).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from payment_service.errors import ServiceUnavailableError

CLUSTER_ENDPOINT = re.compile(
    r"(?P<cluster>[a-z][a-z0-9-]{0,62})\.cluster-(?P<id>[a-z0-9]+)\."
    r"(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)\.rds\.amazonaws\.com\.?"
)
"""An Aurora cluster (writer) endpoint; reader endpoints are ``cluster-ro-``."""

RESOLVE_CACHE_SECONDS = 5.0
"""A resolution is reused this long: the global endpoint's alias changes only on a
switchover or failover, and a stale answer is caught by the database's own role."""

RETRY_AFTER_NOT_WRITER_SECONDS = 30


class NotWriterRegionError(ServiceUnavailableError):
    """This region is not the global cluster's writer: writes are refused here."""

    code = "not_writer_region"
    retry_after_seconds = RETRY_AFTER_NOT_WRITER_SECONDS

    def __init__(self, detail: str) -> None:
        super().__init__(f"this region does not hold the writer: {detail}")


@dataclass(frozen=True)
class WriterTarget:
    """The cluster endpoint the global writer endpoint points to."""

    host: str
    region: str
    cluster_id: str


Resolver = Callable[[str], Sequence[str]]
"""``resolve(name)``: the names in its DNS alias chain (the name itself included)."""


def dns_alias_chain(name: str) -> Sequence[str]:
    """The canonical name and aliases of ``name`` (``socket.gethostbyname_ex``)."""
    canonical, aliases, _addresses = socket.gethostbyname_ex(name)
    return (name, *aliases, canonical)


def parse_cluster_endpoint(name: str) -> WriterTarget | None:
    """The target when ``name`` is an Aurora cluster (writer) endpoint, else ``None``."""
    match = CLUSTER_ENDPOINT.fullmatch(name.lower())
    if match is None:
        return None
    return WriterTarget(name.lower().rstrip("."), match["region"], match["cluster"])


class WriterLocator:
    """Resolves the global writer endpoint to the writer's cluster endpoint, with a bound."""

    def __init__(
        self,
        global_host: str,
        *,
        resolve: Resolver = dns_alias_chain,
        timeout_seconds: float = 1.0,
        cache_seconds: float = RESOLVE_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.global_host = global_host
        self._resolve = resolve
        self._timeout = timeout_seconds
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, WriterTarget] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer-dns")

    def locate(self, *, refresh: bool = False) -> WriterTarget:
        """The writer's cluster endpoint; :class:`LookupError` when the name does not resolve
        to a cluster endpoint within the timeout."""
        with self._lock:
            now = self._clock()
            if not refresh and self._cached and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
        future = self._pool.submit(self._resolve, self.global_host)
        try:
            chain = future.result(timeout=self._timeout)
        except FutureTimeout:
            raise LookupError(
                f"{self.global_host} did not resolve within {self._timeout}s"
            ) from None
        except OSError as exc:
            raise LookupError(
                f"{self.global_host} does not resolve ({type(exc).__name__})"
            ) from exc
        for name in chain:
            target = parse_cluster_endpoint(name)
            if target is not None:
                with self._lock:
                    self._cached = (self._clock(), target)
                return target
        raise LookupError(f"{self.global_host} resolves to no Aurora cluster endpoint")

    def connect_host(self) -> str:
        """The host to connect to and sign for (the writer's cluster endpoint)."""
        return self.locate().host

    def signing_region(self) -> str:
        """The region the IAM authentication token is signed for."""
        return self.locate().region


@dataclass(frozen=True)
class WriteFence:
    """Refuses writes unless this region's cluster is the writer."""

    region: str
    cluster_id: str
    """This region's cluster identifier (``DB_CLUSTER_ID``)."""
    locator: WriterLocator

    def check(self) -> WriterTarget:
        """The writer when it is this region's cluster; else :class:`NotWriterRegionError`."""
        try:
            target = self.locator.locate()
        except LookupError as exc:
            raise NotWriterRegionError(
                f"the global writer endpoint is unresolvable ({exc})"
            ) from exc
        if target.region != self.region or target.cluster_id != self.cluster_id:
            raise NotWriterRegionError(f"the writer is {target.cluster_id} in {target.region}")
        return target

    def role(self) -> tuple[str, str | None]:
        """``("writer", None)``, ``("standby", writer region)`` or ``("unknown", None)``."""
        try:
            target = self.locator.locate()
        except LookupError:
            return "unknown", None
        if target.region == self.region and target.cluster_id == self.cluster_id:
            return "writer", target.region
        return "standby", target.region
