"""The write fence in the API, against the test server: writes refused or let through, only
over a connection to this region's cluster endpoint, the database's read-only state, and the
health role and standby reads that follow (the fence's own decisions:
``test_writer_status.py``). The defaults as deployed, on a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from payment_service.api import PaymentService
from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.db import Database
from payment_service.repository import PaymentRepository
from payment_service.secrets import StaticCredentials
from payment_service.writer import WriteFence
from tests.runtime.conftest import (
    PRIMARY_DB,
    STANDBY_DB,
    AwsResources,
    Databases,
    count_payments,
)
from tests.runtime.events import api_event, header, post_payment, response_json
from tests.runtime.global_cluster import (
    USE1_ARN,
    USE2_ARN,
    Clock,
    FakeRds,
    fence_in,
    throttled,
)

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
