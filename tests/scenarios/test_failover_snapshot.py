"""Keeping the ``rds:unplanned-global-failover-*`` snapshot: the failover plan's copy step.

RDS snapshots are moto's (us-east-1, the old primary's region). Aurora takes the failover
snapshot only once the old primary's region is back, so a scenario creates it after the
failover, as Aurora would.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from payment_service.failover import (
    SnapshotCopy,
    SnapshotNotYetTakenError,
    copy_failover_snapshots,
    copy_name,
)
from payment_service.logging import configure_logging
from payment_service.orchestrator.model import Action
from tests.scenarios.conftest import PRIMARY, World

OLD_PRIMARY = "payment-processing-aurora-use1-scn"
PREFIX = "payment-processing-failover-scn"
FAILOVER_SNAPSHOT = f"rds:unplanned-global-failover-{OLD_PRIMARY}-2026-11-29-07-00"
COPY = SnapshotCopy(PRIMARY, OLD_PRIMARY, PREFIX)


def primary_rds() -> Any:
    rds = boto3.client("rds", region_name=PRIMARY)
    rds.create_db_cluster(
        DBClusterIdentifier=OLD_PRIMARY,
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword="not-a-real-password",
        StorageEncrypted=True,
    )
    return rds


def take_failover_snapshot(rds: Any, identifier: str = FAILOVER_SNAPSHOT) -> None:
    """What Aurora does when the old primary's region is back."""
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=OLD_PRIMARY, DBClusterSnapshotIdentifier=identifier
    )


def snapshot_ids(rds: Any) -> set[str]:
    listed = rds.describe_db_cluster_snapshots(DBClusterIdentifier=OLD_PRIMARY)
    return {s["DBClusterSnapshotIdentifier"] for s in listed["DBClusterSnapshots"]}


def copies(rds: Any) -> list[str]:
    return sorted(i for i in snapshot_ids(rds) if i.startswith(PREFIX))


def test_the_copy_is_named_by_the_snapshot_time_in_utc() -> None:
    taken = datetime(2026, 11, 29, 2, 5, 9, tzinfo=timezone(timedelta(hours=-5)))
    assert copy_name(PREFIX, taken) == f"{PREFIX}-20261129070509"
    assert copy_name(PREFIX, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == (
        "payment-processing-failover-scn-20260102030405"
    )


@pytest.mark.parametrize("prefix", ["", "1starts-with-digit", "ends-", "double--hyphen", "x" * 49])
def test_a_copy_prefix_rds_would_refuse_is_rejected(prefix: str) -> None:
    with pytest.raises(ValueError, match="copy_prefix="):
        SnapshotCopy(PRIMARY, OLD_PRIMARY, prefix)


def test_the_longest_accepted_prefix_makes_a_63_character_copy_name() -> None:
    """CopyDBClusterSnapshot allows 63 characters; the copy appends 15."""
    prefix = "x" * 48
    SnapshotCopy(PRIMARY, OLD_PRIMARY, prefix)
    assert len(copy_name(prefix, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))) == 63


def test_no_failover_snapshot_yet_is_said_and_nothing_is_copied(world: World) -> None:
    rds = primary_rds()
    before = snapshot_ids(rds)

    with pytest.raises(SnapshotNotYetTakenError, match="rds:unplanned-global-failover-"):
        copy_failover_snapshots(rds, COPY)

    assert snapshot_ids(rds) == before


def test_the_failover_snapshot_is_copied_once_and_never_deleted(world: World) -> None:
    rds = primary_rds()
    take_failover_snapshot(rds)
    automated_before = snapshot_ids(rds)

    first = copy_failover_snapshots(rds, COPY)
    second = copy_failover_snapshots(rds, COPY)

    (made,) = first
    assert made.source == FAILOVER_SNAPSHOT
    assert made.created is True
    assert made.target.startswith(f"{PREFIX}-")
    assert len(made.target) == len(PREFIX) + 15
    assert made.target[len(PREFIX) + 1 :].isdigit()
    assert [(c.source, c.target, c.created) for c in second] == [
        (FAILOVER_SNAPSHOT, made.target, False)
    ]
    assert copies(rds) == [made.target]
    assert automated_before <= snapshot_ids(rds), "nothing is deleted"
    (described,) = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=made.target)[
        "DBClusterSnapshots"
    ]
    assert described["SnapshotType"] == "manual"
    assert described["DBClusterIdentifier"] == OLD_PRIMARY


def test_other_snapshots_of_the_cluster_are_not_copied(world: World) -> None:
    rds = primary_rds()
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=OLD_PRIMARY, DBClusterSnapshotIdentifier="operator-manual-one"
    )
    with pytest.raises(SnapshotNotYetTakenError):
        copy_failover_snapshots(rds, COPY)
    assert copies(rds) == []


def test_the_orchestrator_copies_the_snapshot_once_the_old_region_is_back(world: World) -> None:
    rds = primary_rds()
    orchestrator = world.orchestrator(rds_primary=rds)
    world.primary_down()

    actions = [world.evaluate(orchestrator).action for _ in range(3)]
    assert actions == [Action.NONE, Action.NONE, Action.FAIL_OVER]
    assert copies(rds) == [], "no snapshot while the old region is down"
    later = [world.evaluate(orchestrator).action for _ in range(3)]
    assert later == [Action.FAILOVER_IN_PROGRESS] * 2 + [Action.ALREADY_PROMOTED]
    assert copies(rds) == []

    take_failover_snapshot(rds)
    record = world.evaluate(orchestrator)
    world.evaluate(orchestrator)

    assert record.action is Action.ALREADY_PROMOTED
    (copied,) = copies(rds)
    assert copied.startswith(f"{PREFIX}-")
    assert FAILOVER_SNAPSHOT in snapshot_ids(rds)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The service's JSON log lines, written to a buffer for the test (stdout again after)."""
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    yield buffer
    configure_logging("INFO")


def _taken(buffer: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    buffer.seek(0)
    buffer.truncate()
    return lines


def test_a_snapshot_not_taken_yet_is_pending_not_a_failure(
    world: World, log_lines: io.StringIO
) -> None:
    """Until the old region is back (or after a planned switchover, which takes no failover
    snapshot) the copy step waits: logged as pending, never as failed."""
    rds = primary_rds()
    orchestrator = world.orchestrator(rds_primary=rds)
    world.primary_down()
    _taken(log_lines)
    for _ in range(3):  # the third down verdict fails over
        world.evaluate(orchestrator)
    failing_over = _taken(log_lines)
    world.evaluate(orchestrator)  # failover in progress (the fake's promotion runs 180 s)
    world.evaluate(orchestrator)
    _taken(log_lines)
    record = world.evaluate(orchestrator)
    later = _taken(log_lines)

    assert record.action is Action.ALREADY_PROMOTED
    # The failing-over run does not call the old primary's Region: the copy is pending there.
    for lines in (failing_over, later):
        events = [(line["event"], line.get("step")) for line in lines]
        assert ("failover_step_pending", "CopyDBClusterSnapshot") in events
        assert [e for e, _ in events if e == "failover_step_failed"] == []
    assert copies(rds) == []


def test_the_orchestrator_without_a_copy_prefix_copies_nothing(world: World) -> None:
    rds = primary_rds()
    take_failover_snapshot(rds)
    orchestrator = world.orchestrator(rds_primary=rds, FAILOVER_SNAPSHOT_PREFIX="")
    world.primary_down()

    actions = [world.evaluate(orchestrator).action for _ in range(7)]

    assert (
        actions[2:]
        == [Action.FAIL_OVER] + [Action.FAILOVER_IN_PROGRESS] * 2 + [Action.ALREADY_PROMOTED] * 2
    )
    assert copies(rds) == []
