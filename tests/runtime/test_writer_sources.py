"""The global writer endpoint's DNS chain next to DescribeGlobalClusters: one comparison for
``payment-dr status``, ``payment-dr preflight`` and any readiness check."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from payment_service.failover.topology import Member, Topology
from payment_service.writer_sources import (
    AGREE,
    DISAGREE,
    DNS_TIMEOUT_SECONDS,
    NO_CLUSTER_ENDPOINT,
    UNKNOWN,
    ClusterEndpoint,
    compare_writer_sources,
    parse_cluster_endpoint,
    read_writer_sources,
)
from tests.runtime.global_cluster import (
    GLOBAL_ID,
    USE1_ARN,
    USE1_ID,
    USE2_ARN,
    USE2_HOST,
    FakeRds,
    throttled,
)

GLOBAL = "payment-processing-aurora-global-ci7.global-abcdef123456.global.rds.amazonaws.com"
USE1_HOST = f"{USE1_ID}.cluster-c9akciq32.us-east-1.rds.amazonaws.com"


def topology(writer: str | None = USE1_ARN, read_from: str = "us-east-2") -> Topology:
    return Topology(
        identifier=GLOBAL_ID,
        status="available",
        members=tuple(Member(arn, arn == writer) for arn in (USE1_ARN, USE2_ARN)),
        read_from=read_from,
    )


def test_cluster_endpoints_are_recognised_and_readers_are_not() -> None:
    assert parse_cluster_endpoint(USE1_HOST) == ClusterEndpoint(USE1_HOST, "us-east-1", USE1_ID)
    assert parse_cluster_endpoint(USE2_HOST.upper() + ".") == ClusterEndpoint(
        USE2_HOST, "us-east-2", "payment-processing-aurora-use2-ci7"
    )
    assert parse_cluster_endpoint(USE1_HOST.replace(".cluster-", ".cluster-ro-")) is None
    assert parse_cluster_endpoint(GLOBAL) is None


def test_a_chain_through_the_writers_cluster_endpoint_agrees() -> None:
    comparison = compare_writer_sources(
        GLOBAL, (GLOBAL, GLOBAL, USE1_HOST + ".", "ip-10-0-1-17.ec2.internal"), topology()
    )

    assert comparison.verdict == AGREE
    assert comparison.agree
    assert comparison.lines() == [
        f"global writer endpoint {GLOBAL}: DNS {GLOBAL} -> {USE1_HOST} -> "
        "ip-10-0-1-17.ec2.internal",
        f"  writer per DescribeGlobalClusters: {USE1_ID} in us-east-1",
        "  DNS and DescribeGlobalClusters: agree",
    ]
    assert comparison.to_json() == {
        "global_endpoint": GLOBAL,
        "dns_chain": [GLOBAL, USE1_HOST, "ip-10-0-1-17.ec2.internal"],
        "dns_error": None,
        "dns_writer": {"host": USE1_HOST, "region": "us-east-1", "cluster_id": USE1_ID},
        "api_writer": {"region": "us-east-1", "cluster_id": USE1_ID},
        "api_error": None,
        "read_from": "us-east-2",
        "verdict": "agree",
    }


def test_a_chain_through_another_clusters_endpoint_disagrees() -> None:
    comparison = compare_writer_sources(GLOBAL, (GLOBAL, USE2_HOST), topology())

    assert comparison.verdict == DISAGREE
    assert not comparison.agree
    assert comparison.lines()[2] == "  DNS and DescribeGlobalClusters: DISAGREE"


def test_a_chain_without_a_cluster_endpoint_says_so() -> None:
    reader = USE1_HOST.replace(".cluster-", ".cluster-ro-")
    comparison = compare_writer_sources(GLOBAL, (GLOBAL, reader, "ec2-3-5-7-9.aws"), topology())

    assert comparison.verdict == NO_CLUSTER_ENDPOINT
    assert comparison.dns_writer is None
    assert comparison.lines()[2] == (
        "  DNS and DescribeGlobalClusters: the DNS chain holds no cluster endpoint"
    )


def test_an_unresolved_name_or_an_unreadable_api_is_unknown_with_the_reason() -> None:
    unresolved = compare_writer_sources(GLOBAL, None, topology(), dns_error="gaierror: no name")
    unreadable = compare_writer_sources(
        GLOBAL, (GLOBAL, USE1_HOST), None, api_error="us-east-2: Throttling"
    )
    no_writer = compare_writer_sources(GLOBAL, (GLOBAL, USE1_HOST), topology(writer=None))

    assert [c.verdict for c in (unresolved, unreadable, no_writer)] == [UNKNOWN] * 3
    assert (
        unresolved.lines()[0]
        == f"global writer endpoint {GLOBAL}: DNS unresolved (gaierror: no name)"
    )
    assert (
        unreadable.lines()[1]
        == "  writer per DescribeGlobalClusters: unknown (us-east-2: Throttling)"
    )
    assert unreadable.dns_writer == ClusterEndpoint(USE1_HOST, "us-east-1", USE1_ID)
    assert no_writer.lines()[1] == "  writer per DescribeGlobalClusters: no member is the writer"


def chain_of(mapping: dict[str, Sequence[str]]) -> object:
    def resolve(name: str) -> Sequence[str]:
        return mapping[name]

    return resolve


def test_reading_both_sources_asks_the_first_region_that_answers() -> None:
    failing, answering = FakeRds(), FakeRds(writer=USE1_ARN)
    failing.failures.append(throttled())
    answering.endpoint = GLOBAL

    comparison = read_writer_sources(
        [("us-east-2", failing), ("us-east-1", answering)],
        GLOBAL_ID,
        resolve=chain_of({GLOBAL: (GLOBAL, USE1_HOST)}),  # type: ignore[arg-type]
    )

    assert comparison.verdict == AGREE
    assert comparison.read_from == "us-east-1"
    assert (failing.asked, answering.asked) == ([GLOBAL_ID], [GLOBAL_ID])


def test_no_region_answering_is_unknown_naming_each_failure() -> None:
    first, second = FakeRds(), FakeRds()
    first.failures.append(throttled())
    second.failures.append(ConnectionError("no route"))

    comparison = read_writer_sources([("us-east-2", first), ("us-east-1", second)], GLOBAL_ID)

    assert comparison.verdict == UNKNOWN
    assert comparison.api_error == "us-east-2: Throttling; us-east-1: ConnectionError"


def test_an_answer_without_an_endpoint_is_unknown_on_the_dns_side() -> None:
    comparison = read_writer_sources([("us-east-2", FakeRds())], GLOBAL_ID)

    assert comparison.verdict == UNKNOWN
    assert comparison.dns_error == "DescribeGlobalClusters returned no Endpoint"
    assert comparison.api_writer_cluster == USE1_ID


def test_a_name_that_does_not_resolve_is_reported_with_the_error() -> None:
    rds = FakeRds()
    rds.endpoint = GLOBAL

    def nxdomain(name: str) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    comparison = read_writer_sources([("us-east-2", rds)], GLOBAL_ID, resolve=nxdomain)

    assert comparison.verdict == UNKNOWN
    assert comparison.dns_error == "gaierror: [Errno -2] Name or service not known"


@pytest.fixture
def hanging_resolver() -> Iterator[object]:
    release = threading.Event()

    def hangs(name: str) -> Sequence[str]:
        release.wait(30)
        return (name,)

    yield hangs
    release.set()


def test_a_resolver_that_hangs_is_cut_off_at_the_dns_timeout(hanging_resolver: object) -> None:
    rds = FakeRds()
    rds.endpoint = GLOBAL

    started = time.monotonic()
    comparison = read_writer_sources(
        [("us-east-2", rds)],
        GLOBAL_ID,
        resolve=hanging_resolver,  # type: ignore[arg-type]
    )

    assert DNS_TIMEOUT_SECONDS == 3.0
    assert DNS_TIMEOUT_SECONDS <= time.monotonic() - started < DNS_TIMEOUT_SECONDS + 1.0
    assert comparison.dns_error == "no answer within 3 s"
    assert comparison.verdict == UNKNOWN


def test_any_failure_of_the_resolver_is_reported_not_raised() -> None:
    rds = FakeRds()
    rds.endpoint = GLOBAL

    def label_too_long(name: str) -> Sequence[str]:
        raise UnicodeError("encoding with 'idna' codec failed (label too long)")

    comparison = read_writer_sources([("us-east-2", rds)], GLOBAL_ID, resolve=label_too_long)

    assert (
        comparison.dns_error == "UnicodeError: encoding with 'idna' codec failed (label too long)"
    )
    assert comparison.verdict == UNKNOWN
