"""``/health``'s replication lag on a real streaming standby: Aurora's
``aurora_global_db_status()`` where the server has it, ``pg_last_xact_replay_timestamp()``
where it does not, and the source (or the reason for none) in the probe result.

Local PostgreSQL has no ``aurora_global_db_status()``: one database of the pair defines a fake
with the documented columns (Aurora User Guide, "aurora_global_db_status"), reading its rows
from a table the test fills; the function and its rows reach the standby by replication.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payment_service.config import DatabaseSettings
from payment_service.db import Database, DatabaseStatus
from payment_service.secrets import DbCredentials, StaticCredentials
from tests.drill.pair import ReplicatedPair
from tests.runtime.postgres import SUPERUSER, PostgresServer, PostgresUnavailableError

AURORA_DB = "aurora_like"
PLAIN_DB = "plain"
FAKE_AURORA_STATUS = """
CREATE TABLE fake_global_db_status (
    aws_region text, highest_lsn_written bigint, durability_lag_in_msec bigint,
    rpo_lag_in_msec bigint, last_lag_calculation_time timestamptz,
    feedback_epoch integer, feedback_xmin bigint
);
CREATE FUNCTION aurora_global_db_status(
    OUT aws_region text, OUT highest_lsn_written bigint, OUT durability_lag_in_msec bigint,
    OUT rpo_lag_in_msec bigint, OUT last_lag_calculation_time timestamptz,
    OUT feedback_epoch integer, OUT feedback_xmin bigint
) RETURNS SETOF record LANGUAGE sql STABLE AS 'SELECT * FROM fake_global_db_status';
"""


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    try:
        created = ReplicatedPair.create()
    except PostgresUnavailableError as exc:
        pytest.skip(f"needs PostgreSQL: {exc}")
    try:
        admin = created.primary.connect()
        try:
            for name in (AURORA_DB, PLAIN_DB):
                admin.run(f"CREATE DATABASE {name}")
        finally:
            admin.close()
        aurora = created.primary.connect(AURORA_DB)
        try:
            for statement in FAKE_AURORA_STATUS.split(";"):
                if statement.strip():
                    aurora.run(statement)
            aurora.run(
                "INSERT INTO fake_global_db_status VALUES "
                "('us-east-1', 1000, -1, -1, 'epoch', 0, 0), "
                "('us-east-2', 990, 1250, 1250, now(), 0, 0)"
            )
        finally:
            aurora.close()
        created.replay_caught_up()
        yield created
    finally:
        created.close()


def probe(server: PostgresServer, name: str, region: str) -> DatabaseStatus:
    database = Database(
        DatabaseSettings(
            host=server.host,
            port=server.port,
            name=name,
            secret_arn="",
            ca_bundle=server.ca_file,
        ),
        StaticCredentials(DbCredentials(SUPERUSER, server.superuser_password)),
        lag_region=region,
    )
    try:
        return database.probe()
    finally:
        database.close()


def test_on_aurora_the_lag_is_this_regions_rpo_lag(pair: ReplicatedPair) -> None:
    status = probe(pair.standby, AURORA_DB, "us-east-2")

    assert status.in_recovery
    assert status.replication_lag_seconds == 1.25
    assert status.replication_lag_source == "aurora_global_db_status"
    assert status.replication_lag_unavailable is None


def test_without_the_aurora_function_the_replay_lag_is_used(pair: ReplicatedPair) -> None:
    status = probe(pair.standby, PLAIN_DB, "us-east-2")

    assert status.in_recovery
    assert status.replication_lag_source == "pg_last_xact_replay_timestamp"
    assert status.replication_lag_seconds is not None
    assert 0 <= status.replication_lag_seconds < 60
    assert status.replication_lag_unavailable is None


def test_a_region_aurora_reports_as_primary_falls_back_to_the_replay_lag(
    pair: ReplicatedPair,
) -> None:
    status = probe(pair.standby, AURORA_DB, "us-east-1")

    assert status.replication_lag_source == "pg_last_xact_replay_timestamp"
    assert status.replication_lag_seconds is not None


def test_the_writer_has_no_lag_and_says_why(pair: ReplicatedPair) -> None:
    status = probe(pair.primary, AURORA_DB, "us-east-1")

    assert not status.in_recovery
    assert status.replication_lag_seconds is None
    assert status.replication_lag_source is None
    assert status.replication_lag_unavailable == "not a replica (not in recovery)"
