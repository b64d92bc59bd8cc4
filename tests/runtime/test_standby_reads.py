"""``GET /payments/{id}`` in a standby region, on a real streaming standby: its reader answers,
and a missing row is ``404`` only once the replication lag rules out a payment still on its way
(``503 payment_may_be_replicating`` with ``Retry-After`` otherwise). The writer region is
unchanged. Waits go through the service's injected sleep and clock: nothing really waits.

The pair's database defines a fake ``aurora_global_db_status()`` with the documented columns
(Aurora User Guide, "aurora_global_db_status": one row per cluster, ``rpo_lag_in_msec`` -1 for
the primary), reading a table the test fills on the primary; the rows reach the standby by
replication, as the lag a real secondary reports does. Replay on the standby is paused with
``pg_wal_replay_pause()`` (PostgreSQL documentation, "Recovery Control Functions") to hold a
committed payment back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from payment_service.api import PaymentService
from payment_service.config import DatabaseSettings
from payment_service.connection import Connection, ConnectParams, pg8000_connect
from payment_service.db import Database
from payment_service.repository import PaymentRepository
from payment_service.secrets import DbCredentials, StaticCredentials
from payment_service.writer import WriteFence
from tests.drill.pair import APP_USER, DATABASE, ReplicatedPair, scalar
from tests.runtime.conftest import AwsResources
from tests.runtime.events import api_event, error_code, header, post_payment, response_json
from tests.runtime.global_cluster import USE1_ARN, Clock, FakeRds, fence_in
from tests.runtime.postgres import PostgresServer, PostgresUnavailableError, free_port

FAKE_AURORA_STATUS = (
    """
    CREATE TABLE fake_global_db_status (
        aws_region text, highest_lsn_written bigint, durability_lag_in_msec bigint,
        rpo_lag_in_msec bigint, last_lag_calculation_time timestamptz,
        feedback_epoch integer, feedback_xmin bigint
    )""",
    """
    CREATE FUNCTION aurora_global_db_status(
        OUT aws_region text, OUT highest_lsn_written bigint, OUT durability_lag_in_msec bigint,
        OUT rpo_lag_in_msec bigint, OUT last_lag_calculation_time timestamptz,
        OUT feedback_epoch integer, OUT feedback_xmin bigint
    ) RETURNS SETOF record LANGUAGE sql STABLE AS 'SELECT * FROM fake_global_db_status'""",
    "GRANT SELECT ON fake_global_db_status TO PUBLIC",
    "INSERT INTO fake_global_db_status VALUES "
    "('us-east-1', 1000, -1, -1, now(), 0, 0), ('us-east-2', 990, 250, 250, now(), 0, 0)",
)
OTHER_CLIENT = "client-b"


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    try:
        created = ReplicatedPair.create()
    except PostgresUnavailableError as exc:
        pytest.skip(f"needs PostgreSQL: {exc}")
    try:
        admin = created.primary.connect(DATABASE)
        try:
            for statement in FAKE_AURORA_STATUS:
                admin.run(statement)
        finally:
            admin.close()
        created.replay_caught_up()
        yield created
    finally:
        created.close()


def on_primary(pair: ReplicatedPair, sql: str, **params: object) -> None:
    admin = pair.primary.connect(DATABASE)
    try:
        admin.run(sql, **params)
    finally:
        admin.close()


def set_lag(pair: ReplicatedPair, msec: int | None, *, replicate: bool = True) -> None:
    """us-east-2's ``rpo_lag_in_msec`` as the fake reports it; by default replicated before
    returning (not while replay is paused)."""
    on_primary(
        pair,
        "UPDATE fake_global_db_status SET rpo_lag_in_msec = :lag, durability_lag_in_msec = :lag "
        "WHERE aws_region = 'us-east-2'",
        lag=msec,
    )
    if replicate:
        pair.replay_caught_up()


def pause_replay(pair: ReplicatedPair) -> None:
    standby = pair.standby.connect()
    try:
        standby.run("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while scalar(standby, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.01)
    finally:
        standby.close()


def resume_replay(pair: ReplicatedPair) -> None:
    standby = pair.standby.connect()
    try:
        standby.run("SELECT pg_wal_replay_resume()")
    finally:
        standby.close()
    pair.replay_caught_up()


@pytest.fixture
def lag_250ms(pair: ReplicatedPair) -> Iterator[None]:
    """Every test starts from a 250 ms lag, replay running, no payments; and leaves it so."""
    on_primary(pair, "TRUNCATE payments")
    set_lag(pair, 250)
    yield
    standby = pair.standby.connect()
    try:
        paused = scalar(standby, "SELECT pg_get_wal_replay_pause_state()") != "not paused"
    finally:
        standby.close()
    if paused:
        resume_replay(pair)


@dataclass
class FakeTime:
    """The service's clock and sleep: a sleep advances the clock and runs ``during_sleep``
    (what happens in the world while the request waits)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    during_sleep: Callable[[], None] | None = None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.during_sleep is not None:
            self.during_sleep()


@dataclass
class RecordingConnect:
    """pg8000 connections, recording the address each was opened to and every statement."""

    opened: list[tuple[str, int]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    def __call__(self, params: ConnectParams) -> Connection:
        connection = pg8000_connect(params)
        self.opened.append((params.host, params.port))
        statements = self.statements

        class Recorded:
            def run(self, sql: str, **values: object) -> list[list[object]] | None:
                statements.append(sql)
                return connection.run(sql, **values)

            def close(self) -> None:
                connection.close()

            def set_timeout(self, seconds: float) -> None:
                connection.set_timeout(seconds)  # type: ignore[attr-defined]

        return Recorded()


@dataclass
class Region:
    service: PaymentService
    fake_time: FakeTime
    connect: RecordingConnect


MakeRegion = Callable[..., Region]


@pytest.fixture
def region(pair: ReplicatedPair, aws: AwsResources) -> Iterator[MakeRegion]:
    """One region's API; RDS reports us-east-1's cluster as the writer.

    us-east-1: the primary is its cluster endpoint and its reader. us-east-2: its cluster
    endpoint does not answer (inactive until promotion), its reader is the standby.
    """
    opened: list[Database] = []

    def database(
        server: PostgresServer,
        connect: RecordingConnect,
        lag_region: str,
        *,
        port: int | None = None,
        guard: WriteFence | None = None,
    ) -> Database:
        built = Database(
            DatabaseSettings(
                host=server.host,
                port=port or server.port,
                name=DATABASE,
                secret_arn="",
                ca_bundle=server.ca_file,
                connect_timeout_seconds=2,
            ),
            StaticCredentials(DbCredentials(APP_USER, pair.app_password)),
            connect=connect,
            guard=guard,
            lag_region=lag_region,
            sleep=lambda _seconds: None,
        )
        opened.append(built)
        return built

    def make(
        name: str = "us-east-2",
        *,
        standby_read_wait_seconds: float = 1.0,
        reader_server: PostgresServer | None = None,
    ) -> Region:
        fake_time, connect = FakeTime(), RecordingConnect()
        if name == "us-east-1":
            fence = fence_in(name, FakeRds(writer=USE1_ARN), Clock(), host=pair.primary.host)
            writer = database(pair.primary, connect, name, guard=fence)
            reader = database(pair.primary, connect, name)
        else:
            fence = fence_in(name, FakeRds(writer=USE1_ARN), Clock(), host=pair.standby.host)
            writer = database(pair.standby, connect, name, port=free_port(), guard=fence)
            reader = database(reader_server or pair.standby, connect, name)
        service = PaymentService(
            region=name,
            repository=PaymentRepository(writer),
            database=writer,
            idempotency_store=aws.store,
            sessions_table=aws.store,
            fence=fence,
            reader=reader,
            reader_repository=PaymentRepository(reader),
            standby_read_wait_seconds=standby_read_wait_seconds,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
        )
        return Region(service, fake_time, connect)

    yield make
    for built in opened:
        built.close()


def get_payment(
    api: Region, payment_id: str, *, client_id: str = "client-a", context: object = None
) -> dict[str, object]:
    return api.service.handle(
        api_event("GET", f"/payments/{payment_id}", client_id=client_id), context
    )


def create_in_us_east_1(region: MakeRegion, key: str) -> str:
    created = region("us-east-1").service.handle(post_payment(key))
    assert created["statusCode"] == 201, response_json(created)
    return str(response_json(created)["id"])


class LambdaContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_standby_answers_a_replicated_payment_from_its_own_reader(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    payment_id = create_in_us_east_1(region, "standby-read-0001")
    pair.replay_caught_up()
    standby = region()

    response = get_payment(standby, payment_id)

    assert response["statusCode"] == 200
    assert response_json(response)["id"] == payment_id
    assert response_json(response)["region"] == "us-east-1"
    assert standby.fake_time.sleeps == []
    assert set(standby.connect.opened) == {(pair.standby.host, pair.standby.port)}


@pytest.mark.parametrize("whose", ["no payment", "another client's payment"])
def test_a_missing_id_with_a_small_lag_waits_the_lag_out_then_answers_404(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None, whose: str
) -> None:
    payment_id = str(uuid.uuid4())
    if whose == "another client's payment":
        payment_id = create_in_us_east_1(region, "standby-read-0002")
        pair.replay_caught_up()
    standby = region()

    response = get_payment(standby, payment_id, client_id=OTHER_CLIENT)

    assert response["statusCode"] == 404
    assert error_code(response) == "payment_not_found"
    assert standby.fake_time.sleeps == [pytest.approx(0.35)]  # 250 ms lag + 100 ms margin
    assert set(standby.connect.opened) == {(pair.standby.host, pair.standby.port)}
    assert sum("aurora_global_db_status() WHERE" in sql for sql in standby.connect.statements) == 2


def test_a_payment_held_back_by_a_large_lag_is_503_until_it_replicates(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    set_lag(pair, 12_000)
    pause_replay(pair)
    payment_id = create_in_us_east_1(region, "standby-read-0003")
    standby = region()

    held_back = get_payment(standby, payment_id)

    assert held_back["statusCode"] == 503
    assert error_code(held_back) == "payment_may_be_replicating"
    assert header(held_back, "Retry-After") == "12"
    assert standby.fake_time.sleeps == []

    set_lag(pair, 250, replicate=False)
    resume_replay(pair)
    replicated = get_payment(standby, payment_id)

    assert replicated["statusCode"] == 200
    assert response_json(replicated)["id"] == payment_id
    assert set(standby.connect.opened) == {(pair.standby.host, pair.standby.port)}


def test_a_payment_that_arrives_during_the_wait_is_answered_200(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    pause_replay(pair)
    payment_id = create_in_us_east_1(region, "standby-read-0004")
    standby = region()
    standby.fake_time.during_sleep = lambda: resume_replay(pair)

    response = get_payment(standby, payment_id)

    assert response["statusCode"] == 200
    assert response_json(response)["id"] == payment_id
    assert standby.fake_time.sleeps == [pytest.approx(0.35)]


def test_a_lag_that_grows_during_the_wait_is_503_not_404(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    standby = region()
    standby.fake_time.during_sleep = lambda: set_lag(pair, 900)  # more than the 350 ms waited

    response = get_payment(standby, str(uuid.uuid4()))

    assert response["statusCode"] == 503
    assert error_code(response) == "payment_may_be_replicating"
    assert header(response, "Retry-After") == "1"
    assert standby.fake_time.sleeps == [pytest.approx(0.35)]


@pytest.mark.parametrize(("lag_ms", "retry_after"), [(1_000, "1"), (45_000, "30")])
def test_a_lag_above_the_wait_cap_is_503_with_the_lag_bounded_as_retry_after(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None, lag_ms: int, retry_after: str
) -> None:
    set_lag(pair, lag_ms)
    standby = region()

    response = get_payment(standby, str(uuid.uuid4()))

    assert response["statusCode"] == 503
    assert error_code(response) == "payment_may_be_replicating"
    assert header(response, "Retry-After") == retry_after
    assert standby.fake_time.sleeps == []


def test_an_unknown_lag_is_503_with_retry_after_5(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    # Neither source answers: no lag for us-east-2 in aurora_global_db_status(), and the
    # replay time stamp refused (SQLSTATE 42501) to the application's role.
    set_lag(pair, None, replicate=False)
    on_primary(pair, "REVOKE EXECUTE ON FUNCTION pg_last_xact_replay_timestamp() FROM PUBLIC")
    pair.replay_caught_up()
    try:
        standby = region()
        response = get_payment(standby, str(uuid.uuid4()))
    finally:
        on_primary(pair, "GRANT EXECUTE ON FUNCTION pg_last_xact_replay_timestamp() TO PUBLIC")

    assert response["statusCode"] == 503
    assert error_code(response) == "payment_may_be_replicating"
    assert header(response, "Retry-After") == "5"
    assert standby.fake_time.sleeps == []


def test_a_reader_that_is_not_in_recovery_gives_no_lag_and_no_404(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    # RDS still names us-east-1 the writer, but this region's reader is not a replica (here
    # the primary, whose fake status reports 250 ms for us-east-2): its lag is not trusted.
    standby = region(reader_server=pair.primary)

    response = get_payment(standby, str(uuid.uuid4()))

    assert response["statusCode"] == 503
    assert error_code(response) == "payment_may_be_replicating"
    assert header(response, "Retry-After") == "5"
    assert standby.fake_time.sleeps == []


@pytest.mark.parametrize(("remaining_ms", "status"), [(1_840, 503), (1_860, 404)])
def test_the_wait_and_a_second_read_must_fit_the_request_deadline(
    region: MakeRegion, lag_250ms: None, remaining_ms: int, status: int
) -> None:
    # 1 s deadline margin; the 350 ms wait and the 500 ms kept for the second read need 850 ms.
    standby = region()

    response = get_payment(standby, str(uuid.uuid4()), context=LambdaContext(remaining_ms))

    assert response["statusCode"] == status
    assert standby.fake_time.sleeps == ([pytest.approx(0.35)] if status == 404 else [])


def test_a_smaller_wait_cap_turns_the_same_lag_into_a_503(
    region: MakeRegion, lag_250ms: None
) -> None:
    standby = region(standby_read_wait_seconds=0.3)

    response = get_payment(standby, str(uuid.uuid4()))

    assert response["statusCode"] == 503
    assert header(response, "Retry-After") == "1"
    assert standby.fake_time.sleeps == []


def test_the_writer_region_answers_404_at_once(
    pair: ReplicatedPair, region: MakeRegion, lag_250ms: None
) -> None:
    set_lag(pair, 12_000)
    writer = region("us-east-1")

    response = get_payment(writer, str(uuid.uuid4()))

    assert response["statusCode"] == 404
    assert error_code(response) == "payment_not_found"
    assert writer.fake_time.sleeps == []
    assert not any("aurora_global_db_status" in sql for sql in writer.connect.statements)
    assert set(writer.connect.opened) == {(pair.primary.host, pair.primary.port)}


def test_a_write_in_the_standby_is_still_refused_by_the_fence(
    region: MakeRegion, lag_250ms: None
) -> None:
    standby = region()

    response = standby.service.handle(post_payment("standby-read-0005"))

    assert response["statusCode"] == 503
    assert error_code(response) == "not_writer_region"
    assert header(response, "Retry-After") == "30"
    assert standby.connect.opened == []
