"""The write fence: who writes, from DescribeGlobalClusters through this region's RDS API and
the database's own state; the API's writes, health role and reads that follow from it.

Every test uses the defaults as deployed (5 s and 30 s answers, 10 s after a failure, 0.5 s
wait); time moves on a fake clock, except where a call must really hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pytest

from payment_service.api import PaymentService
from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.db import Database
from payment_service.deadline import Deadline
from payment_service.errors import ServiceUnavailableError
from payment_service.repository import PaymentRepository
from payment_service.secrets import StaticCredentials
from payment_service.writer import (
    CALL_WAIT_SECONDS,
    ERROR_INTERVAL_SECONDS,
    PROMOTION_BOUND_SECONDS,
    RDS_CALL_TIMEOUTS,
    STANDBY_ANSWER_TTL_SECONDS,
    WRITER_ANSWER_TTL_SECONDS,
    NotWriterRegionError,
    WriteFence,
)
from tests.runtime.conftest import (
    PRIMARY_DB,
    STANDBY_DB,
    AwsResources,
    Databases,
    count_payments,
)
from tests.runtime.events import api_event, header, post_payment, response_json
from tests.runtime.global_cluster import (
    ACCOUNT,
    GLOBAL_ID,
    USE1_ARN,
    USE2_ARN,
    USE2_HOST,
    USE2_ID,
    Clock,
    FakeRds,
    fence_in,
    throttled,
)


@pytest.fixture
def hung() -> Iterator[FakeRds]:
    """An RDS API whose calls hang until the test ends."""
    rds = FakeRds()
    rds.gate = threading.Event()
    yield rds
    rds.gate.set()


def test_the_deployed_defaults() -> None:
    assert (STANDBY_ANSWER_TTL_SECONDS, WRITER_ANSWER_TTL_SECONDS) == (5.0, 30.0)
    assert (ERROR_INTERVAL_SECONDS, CALL_WAIT_SECONDS) == (10.0, 0.5)
    assert PROMOTION_BOUND_SECONDS == 5.0
    assert (RDS_CALL_TIMEOUTS.connect_seconds, RDS_CALL_TIMEOUTS.read_seconds) == (1.0, 2.0)


def test_the_region_whose_cluster_is_writer_writes_to_its_own_cluster_endpoint() -> None:
    rds = FakeRds(writer=USE2_ARN)
    fence = fence_in("us-east-2", rds, Clock())

    assert fence.approve() == USE2_HOST
    assert fence.role() == ("writer", "us-east-2")
    assert rds.asked == [GLOBAL_ID]


def test_another_regions_writer_is_refused_with_503_naming_it() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=USE1_ARN), Clock())

    with pytest.raises(NotWriterRegionError) as raised:
        fence.approve()
    assert isinstance(raised.value, ServiceUnavailableError)
    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "30"}
    assert str(raised.value) == (
        "this region does not hold the writer: "
        "the writer is payment-processing-aurora-use1-ci7 in us-east-1"
    )
    assert fence.role() == ("standby", "us-east-1")


def test_no_writer_member_while_a_failover_runs_is_refused() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=None), Clock())

    with pytest.raises(NotWriterRegionError, match="no cluster is the writer"):
        fence.approve()
    assert fence.role() == ("standby", None)


@pytest.mark.parametrize(
    "writer",
    [
        # the same identifier in another region is another cluster
        f"arn:aws:rds:us-west-2:{ACCOUNT}:cluster:{USE2_ID}",
        # another cluster of this region (this one detached, say) is not this cluster
        f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:payment-processing-aurora-use2-other",
    ],
)
def test_only_this_regions_own_cluster_counts_as_this_region_writing(writer: str) -> None:
    rds = FakeRds(writer=writer)
    rds.members = [writer, USE2_ARN]

    with pytest.raises(NotWriterRegionError):
        fence_in("us-east-2", rds, Clock()).approve()


def test_a_standby_answer_is_reused_for_5_seconds_then_asked_again() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)

    for elapsed in (0.0, 4.999):
        clock.now = 1000.0 + elapsed
        with pytest.raises(NotWriterRegionError):
            fence.approve()
    assert len(rds.asked) == 1
    clock.now = 1005.0
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    assert len(rds.asked) == 2


def test_a_writer_answer_is_reused_for_30_seconds_then_asked_again() -> None:
    rds, clock = FakeRds(writer=USE2_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)

    fence.approve()
    clock.now = 1029.999
    fence.approve()
    assert fence.role() == ("writer", "us-east-2")
    assert len(rds.asked) == 1
    clock.now = 1030.0
    fence.approve()
    assert len(rds.asked) == 2


def test_throttled_the_database_decides_and_no_call_starts_for_10_seconds() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    rds.failures.append(throttled())
    fence = fence_in("us-east-2", rds, clock)

    assert fence.approve() == USE2_HOST  # no answer: the connection check decides
    clock.now = 1009.999
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 1
    clock.now = 1010.0
    with pytest.raises(NotWriterRegionError):  # asked again: another cluster writes
        fence.approve()
    assert len(rds.asked) == 2


def test_an_answer_without_the_global_cluster_is_a_failed_call() -> None:
    class Empty(FakeRds):
        def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Mapping[str, object]:  # noqa: N803
            self.asked.append(GlobalClusterIdentifier)
            return {"GlobalClusters": []}

    rds, clock = Empty(), Clock()
    fence = fence_in("us-east-2", rds, clock)

    assert fence.approve() == USE2_HOST
    clock.now = 1009.0
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 1


def test_a_hung_call_is_waited_on_half_a_second_and_stays_the_only_call(hung: FakeRds) -> None:
    fence = fence_in("us-east-2", hung, Clock())

    for _request in range(2):
        started = time.monotonic()
        assert fence.approve() == USE2_HOST  # the database decides
        waited = time.monotonic() - started
        assert 0.45 <= waited < 1.0
    assert len(hung.asked) == 1


def test_a_hung_call_never_holds_a_request_past_its_deadline(hung: FakeRds) -> None:
    fence = fence_in("us-east-2", hung, Clock())

    started = time.monotonic()
    assert fence.approve(Deadline.after(0.1)) == USE2_HOST
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    assert fence.role(Deadline.after(0.0)) == ("writer", "us-east-2")
    assert time.monotonic() - started < 0.2


def test_after_a_promotion_writes_pass_the_fence_within_the_stated_bound() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)
    with pytest.raises(NotWriterRegionError):
        fence.approve()

    promoted_at = clock.now
    rds.writer = USE2_ARN  # FailoverGlobalCluster done: us-east-2's RDS API reports it
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS - 0.001
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS
    assert fence.approve() == USE2_HOST


def test_a_call_in_flight_during_the_promotion_does_not_extend_the_bound() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    rds.gate = threading.Event()
    fence = fence_in("us-east-2", rds, clock)
    try:
        assert fence.approve() == USE2_HOST  # asked at t0, answer held back: database decides
        promoted_at = clock.now
        rds.writer = USE2_ARN
        clock.now = promoted_at + 3.0
    finally:
        rds.gate.set()  # the stale answer (dated t0) arrives 3 s after the promotion
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 2


# The API: its database's guard is the fence, against the test server.


@dataclass
class RecordingConnect:
    """pg8000 connections, with the host each was opened to and when each was closed."""

    events: list[str] = field(default_factory=list)

    def __call__(self, params: ConnectParams) -> Connection:
        connection = pg8000_connect(params)
        self.events.append(f"open {params.host}")
        events = self.events

        class Recorded:
            def run(self, sql: str, **values: object) -> list[list[object]] | None:
                if "INSERT INTO payments" in sql:
                    events.append(f"write {params.host}")
                return connection.run(sql, **values)

            def close(self) -> None:
                events.append(f"close {params.host}")
                connection.close()

            def set_timeout(self, seconds: float) -> None:
                connection.set_timeout(seconds)  # type: ignore[attr-defined]

        return Recorded()


@dataclass
class Region:
    """One region's API on the test server."""

    service: PaymentService
    rds: FakeRds
    clock: Clock
    connect: RecordingConnect


MakeRegion = Callable[..., Region]


@pytest.fixture
def region_api(databases: Databases, aws: AwsResources) -> Iterator[MakeRegion]:
    opened: list[Database] = []

    def make(
        region: str = "us-east-2",
        *,
        writer: str | None = USE2_ARN,
        name: str = PRIMARY_DB,
        fence_host: str | None = None,
        reader: str | None = None,
        writer_port: int | None = None,
    ) -> Region:
        rds, clock, connect = FakeRds(writer=writer), Clock(), RecordingConnect()
        fence = fence_in(region, rds, clock, host=fence_host or databases.server.host)

        def database(db_name: str, guard: WriteFence | None, port: int | None = None) -> Database:
            built = Database(
                databases.settings(db_name, port=port),
                StaticCredentials(databases.credentials),
                connect=connect,
                guard=guard,
                sleep=lambda _seconds: None,
            )
            opened.append(built)
            return built

        writer_db = database(name, fence, writer_port)
        reader_db = database(reader, None) if reader is not None else None
        service = PaymentService(
            region=region,
            repository=PaymentRepository(writer_db),
            database=writer_db,
            idempotency_store=aws.store,
            sessions_table=aws.store,
            fence=fence,
            reader=reader_db,
            reader_repository=PaymentRepository(reader_db) if reader_db is not None else None,
        )
        return Region(service, rds, clock, connect)

    yield make
    for database in opened:
        database.close()


def test_a_region_that_is_not_the_writer_refuses_payments_with_503(
    region_api: MakeRegion, admin: object, clean_payments: None
) -> None:
    api = region_api(writer=USE1_ARN)
    response = api.service.handle(post_payment("fence-key-0001"))
    assert response["statusCode"] == 503
    assert response_json(response)["error"]["code"] == "not_writer_region"  # type: ignore[index]
    assert header(response, "Retry-After") == "30"
    assert count_payments(admin, "fence-key-0001") == 0  # type: ignore[arg-type]
    assert api.connect.events == []


def test_the_writer_region_writes_over_a_connection_to_its_cluster_endpoint_only(
    region_api: MakeRegion, admin: object, clean_payments: None, databases: Databases
) -> None:
    # Reads use DB_HOST (127.0.0.1); the fence approves "localhost" (the same server, another
    # name the certificate covers): the read's connection is closed before the write.
    api = region_api(fence_host="localhost")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.service.handle(api_event("GET", f"/payments/{unknown}"))["statusCode"] == 404

    response = api.service.handle(post_payment("fence-key-0002"))

    assert response["statusCode"] == 201
    assert count_payments(admin, "fence-key-0002") == 1  # type: ignore[arg-type]
    host = databases.server.host
    assert api.connect.events == [
        f"open {host}",
        f"close {host}",
        "open localhost",
        "write localhost",
    ]


def test_a_read_only_database_refuses_the_write_even_when_rds_says_writer(
    region_api: MakeRegion, admin: object, clean_payments: None
) -> None:
    api = region_api(name=STANDBY_DB)
    response = api.service.handle(post_payment("fence-key-0003"))
    assert response["statusCode"] == 503
    assert response_json(response)["error"]["code"] == "database_read_only"  # type: ignore[index]
    assert header(response, "Retry-After") == "30"
    assert api.connect.events[-1].startswith("close ")


def test_a_throttled_control_plane_does_not_stop_the_writer_regions_writes(
    region_api: MakeRegion, admin: object, clean_payments: None
) -> None:
    api = region_api()
    api.rds.failures.append(throttled())

    for index in range(3):
        response = api.service.handle(post_payment(f"fence-key-010{index}"))
        assert response["statusCode"] == 201
    assert len(api.rds.asked) == 1
    health = api.service.handle(api_event("GET", "/health"))
    assert health["statusCode"] == 200
    assert response_json(health)["role"] == "writer"


def test_a_throttled_control_plane_in_a_standby_leaves_the_refusal_to_the_database(
    region_api: MakeRegion, admin: object, clean_payments: None
) -> None:
    api = region_api(writer=USE1_ARN, name=STANDBY_DB)
    api.rds.failures.append(throttled())

    response = api.service.handle(post_payment("fence-key-0201"))

    assert response["statusCode"] == 503
    assert response_json(response)["error"]["code"] == "database_read_only"  # type: ignore[index]
    assert api.service.fence is not None
    assert api.service.fence.role() == ("standby", None)  # the database said read-only


def test_a_standby_reports_its_role_and_the_writer_region_from_its_reader(
    region_api: MakeRegion,
) -> None:
    api = region_api(writer=USE1_ARN, reader=STANDBY_DB)
    response = api.service.handle(api_event("GET", "/health"))
    body = response_json(response)
    assert response["statusCode"] == 503
    assert body["role"] == "standby"
    assert body["writer_region"] == "us-east-1"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"]["ok"] is True
    assert checks["database"]["transaction_read_only"] is True


def test_a_writable_database_behind_a_foreign_writer_is_fenced_not_served(
    region_api: MakeRegion,
) -> None:
    # The old primary came back writable but RDS names the new writer.
    api = region_api(writer=USE1_ARN)
    body = response_json(api.service.handle(api_event("GET", "/health")))
    assert body["role"] == "fenced"
    assert body["can_serve_payments"] is False


def test_a_standby_reads_payments_through_its_own_reader(
    region_api: MakeRegion, clean_payments: None, unreachable_port: int
) -> None:
    writer = region_api(region="us-east-1", writer=USE1_ARN)
    created = response_json(writer.service.handle(post_payment("fence-key-0301")))
    # The standby's cluster endpoint does not answer; its reader holds the replicated row.
    standby = region_api(writer=USE1_ARN, reader=PRIMARY_DB, writer_port=unreachable_port)

    response = standby.service.handle(api_event("GET", f"/payments/{created['id']}"))

    assert response["statusCode"] == 200
    assert response_json(response)["id"] == created["id"]
