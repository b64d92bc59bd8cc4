"""The writer as two sources tell it: the global writer endpoint's live DNS chain and
``DescribeGlobalClusters``; and whether they agree.

AWS documents that the global writer endpoint "always points to the writer DB instance in the
current primary cluster" (RDS API Reference, ``GlobalCluster.Endpoint``; Aurora User Guide,
"Connecting to Amazon Aurora Global Database"), not how: whether its DNS chain passes through
the writer cluster's endpoint (``<cluster>.cluster-<id>.<region>.rds.amazonaws.com``) is an
observation, not a contract. The write fence (:mod:`payment_service.writer`) does not rely on
it. :func:`compare_writer_sources` is the one comparison the operator commands
(``payment-dr status``, ``payment-dr preflight``) and any readiness check use, so that a
deployment proves or disproves the DNS observation.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from payment_service.failover.clients import describe_error
from payment_service.failover.topology import Topology, TopologyError, parse_global_cluster

if TYPE_CHECKING:
    from payment_service.writer import GlobalClusterApi

CLUSTER_ENDPOINT = re.compile(
    r"(?P<cluster>[a-z][a-z0-9-]{0,62})\.cluster-(?P<id>[a-z0-9]+)\."
    r"(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)\.rds\.amazonaws\.com\.?"
)
"""An Aurora cluster (writer) endpoint; reader endpoints are ``cluster-ro-``."""

DNS_TIMEOUT_SECONDS = 3.0
"""The longest a DNS lookup of the global endpoint may take before it is reported unknown."""

AGREE = "agree"
"""The chain passes through the cluster endpoint of the member reported ``IsWriter``."""
DISAGREE = "disagree"
"""The chain names another cluster's endpoint than the member reported ``IsWriter``."""
NO_CLUSTER_ENDPOINT = "dns_without_cluster_endpoint"
"""The chain resolved but holds no Aurora cluster endpoint (the DNS observation fails)."""
UNKNOWN = "unknown"
"""A source could not be read, or no member is the writer."""

Resolver = Callable[[str], Sequence[str]]
"""``resolve(name)``: the names in its DNS alias chain (the name itself included)."""


@dataclass(frozen=True)
class ClusterEndpoint:
    """An Aurora cluster endpoint named in a DNS chain."""

    host: str
    region: str
    cluster_id: str


def parse_cluster_endpoint(name: str) -> ClusterEndpoint | None:
    """The cluster endpoint ``name`` is, or ``None``."""
    match = CLUSTER_ENDPOINT.fullmatch(name.lower())
    if match is None:
        return None
    return ClusterEndpoint(name.lower().rstrip("."), match["region"], match["cluster"])


def dns_alias_chain(name: str) -> tuple[str, ...]:
    """``name``, its aliases and its canonical name (``socket.gethostbyname_ex``)."""
    canonical, aliases, _addresses = socket.gethostbyname_ex(name)
    return (name, *aliases, canonical)


@dataclass(frozen=True)
class WriterComparison:
    """The global endpoint's DNS chain next to ``DescribeGlobalClusters``."""

    global_endpoint: str | None
    dns_chain: tuple[str, ...]
    dns_error: str | None
    dns_writer: ClusterEndpoint | None
    """The first cluster endpoint in the chain."""
    api_writer_region: str | None
    api_writer_cluster: str | None
    api_error: str | None
    read_from: str | None
    """Region whose RDS API answered."""
    verdict: str
    """:data:`AGREE`, :data:`DISAGREE`, :data:`NO_CLUSTER_ENDPOINT` or :data:`UNKNOWN`."""

    @property
    def agree(self) -> bool:
        """True when both sources name the same writer cluster."""
        return self.verdict == AGREE

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        writer = self.dns_writer
        return {
            "global_endpoint": self.global_endpoint,
            "dns_chain": list(self.dns_chain),
            "dns_error": self.dns_error,
            "dns_writer": None
            if writer is None
            else {"host": writer.host, "region": writer.region, "cluster_id": writer.cluster_id},
            "api_writer": None
            if self.api_writer_cluster is None
            else {"region": self.api_writer_region, "cluster_id": self.api_writer_cluster},
            "api_error": self.api_error,
            "read_from": self.read_from,
            "verdict": self.verdict,
        }

    def lines(self) -> list[str]:
        """Text for operators: the chain, the API's writer and the verdict."""
        endpoint = self.global_endpoint or "(unknown)"
        if self.dns_error is not None:
            chain = f"unresolved ({self.dns_error})"
        else:
            chain = " -> ".join(self.dns_chain) or "(none)"
        if self.api_error is not None:
            api = f"unknown ({self.api_error})"
        elif self.api_writer_cluster is None:
            api = "no member is the writer"
        else:
            api = f"{self.api_writer_cluster} in {self.api_writer_region}"
        verdicts = {
            AGREE: "agree",
            DISAGREE: "DISAGREE",
            NO_CLUSTER_ENDPOINT: "the DNS chain holds no cluster endpoint",
            UNKNOWN: "unknown",
        }
        return [
            f"global writer endpoint {endpoint}: DNS {chain}",
            f"  writer per DescribeGlobalClusters: {api}",
            f"  DNS and DescribeGlobalClusters: {verdicts[self.verdict]}",
        ]


def compare_writer_sources(
    global_endpoint: str | None,
    dns_chain: Sequence[str] | None,
    topology: Topology | None,
    *,
    dns_error: str | None = None,
    api_error: str | None = None,
) -> WriterComparison:
    """Compare the global endpoint's DNS chain with the writer ``topology`` reports.

    ``dns_chain`` ``None`` (with ``dns_error``) when the name did not resolve; ``topology``
    ``None`` (with ``api_error``) when ``DescribeGlobalClusters`` could not be read.
    """
    # Each name once, in order (gethostbyname_ex lists the queried name among the aliases).
    chain = tuple(dict.fromkeys(name.lower().rstrip(".") for name in dns_chain or ()))
    dns_writer = next(
        (found for found in map(parse_cluster_endpoint, chain) if found is not None), None
    )
    writer = topology.writer if topology is not None else None
    if dns_chain is None or topology is None or writer is None:
        verdict = UNKNOWN
    elif dns_writer is None:
        verdict = NO_CLUSTER_ENDPOINT
    elif (dns_writer.region, dns_writer.cluster_id) == (writer.region, writer.cluster_id):
        verdict = AGREE
    else:
        verdict = DISAGREE
    return WriterComparison(
        global_endpoint=global_endpoint,
        dns_chain=chain,
        dns_error=dns_error if dns_chain is None else None,
        dns_writer=dns_writer,
        api_writer_region=writer.region if writer else None,
        api_writer_cluster=writer.cluster_id if writer else None,
        api_error=api_error if topology is None else None,
        read_from=topology.read_from if topology is not None else None,
        verdict=verdict,
    )


def _global_endpoint(response: Mapping[str, object], identifier: str) -> str | None:
    """``GlobalCluster.Endpoint`` of ``identifier`` in a DescribeGlobalClusters response."""
    clusters = response.get("GlobalClusters")
    for cluster in clusters if isinstance(clusters, list) else []:
        if (
            isinstance(cluster, Mapping)
            and str(cluster.get("GlobalClusterIdentifier", "")).lower() == identifier.lower()
        ):
            endpoint = cluster.get("Endpoint")
            return endpoint if isinstance(endpoint, str) and endpoint else None
    return None


def _resolve_within(
    resolve: Resolver, name: str, timeout_seconds: float
) -> tuple[Sequence[str] | None, str | None]:
    """``resolve(name)`` in a daemon thread (a lookup that hangs neither holds the caller past
    ``timeout_seconds`` nor its process at exit): the chain, or ``None`` and why."""
    outcome: list[Sequence[str] | Exception] = []

    def lookup() -> None:
        try:
            outcome.append(resolve(name))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=lookup, name="writer-dns", daemon=True)
    thread.start()
    thread.join(timeout_seconds)
    if not outcome:
        return None, f"no answer within {timeout_seconds:g} s"
    answer = outcome[0]
    if isinstance(answer, Exception):
        return None, f"{type(answer).__name__}: {answer}"
    return answer, None


def read_writer_sources(
    clients: Sequence[tuple[str, GlobalClusterApi]],
    global_cluster_id: str,
    *,
    resolve: Resolver = dns_alias_chain,
    dns_timeout_seconds: float = DNS_TIMEOUT_SECONDS,
) -> WriterComparison:
    """Describe the global cluster through the first of ``clients`` (region, RDS client) that
    answers, resolve its ``Endpoint`` and compare (:func:`compare_writer_sources`)."""
    failures: list[str] = []
    for region, rds in clients:
        try:
            response = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)
            topology = parse_global_cluster(response, global_cluster_id, read_from=region)
        except TopologyError as exc:  # answered, without this global cluster
            failures.append(f"{region}: {exc}")
            continue
        except Exception as exc:
            failures.append(f"{region}: {describe_error(exc)}")
            continue
        endpoint = _global_endpoint(response, global_cluster_id)
        if endpoint is None:
            return compare_writer_sources(
                None,
                None,
                topology,
                dns_error="DescribeGlobalClusters returned no Endpoint",
            )
        chain, dns_error = _resolve_within(resolve, endpoint, dns_timeout_seconds)
        return compare_writer_sources(endpoint, chain, topology, dns_error=dns_error)
    return compare_writer_sources(
        None, None, None, api_error="; ".join(failures) or "no region to ask"
    )


__all__ = [
    "AGREE",
    "DISAGREE",
    "NO_CLUSTER_ENDPOINT",
    "UNKNOWN",
    "ClusterEndpoint",
    "WriterComparison",
    "compare_writer_sources",
    "dns_alias_chain",
    "parse_cluster_endpoint",
    "read_writer_sources",
]
