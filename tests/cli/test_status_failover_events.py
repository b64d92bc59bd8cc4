"""``payment-dr status``: Aurora failover and write-fencing events from RDS DescribeEvents.

RDS is :class:`tests.scenarios.fakes.RdsEventLog`: moto 5.2's DescribeEvents records no DB
cluster event (its event map has DB instance and snapshot events only) and ignores
``Duration``, so it cannot produce a global failover event to surface.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from dr_app.cli.commands import status as status_command
from dr_app.cli.context import CliContext
from tests.scenarios.cli_support import WorldClients, fake_resolver, run
from tests.scenarios.conftest import PRIMARY, SECONDARY, SUFFIX, World
from tests.scenarios.fakes import HangingApi, RdsEventLog

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def logs(world: World) -> tuple[RdsEventLog, RdsEventLog]:
    primary = RdsEventLog(PRIMARY, NOW)
    secondary = RdsEventLog(SECONDARY, NOW)
    cluster = world.names.secondary_cluster
    # Recorded oldest first, as RDS may return them; the report must put the newest first.
    secondary.record(cluster, 50, ["global-failover"], "Global failover to DB cluster started.")
    secondary.record(cluster, 40, ["notification"], "DB cluster patched.")
    secondary.record(cluster, 30, ["global-failover"], "The old primary isn't accepting writes.")
    secondary.record(cluster, 20, ["notification"], "Switchover to the new writer completed.")
    secondary.record(cluster, 10, ["global-failover"], "Global failover finished.")
    secondary.record(cluster, 25 * 60, ["global-failover"], "Yesterday's failover.")
    secondary.record(world.names.primary_cluster, 5, ["failover"], "Another cluster's event.")
    return primary, secondary


def test_events_newest_first_at_most_three_within_24_hours(world: World) -> None:
    primary, secondary = logs(world)
    clients = WorldClients(world.rds, rds_events_by_region={PRIMARY: primary, SECONDARY: secondary})

    text = run(clients, "--suffix", SUFFIX, "status").out
    document = run(clients, "--suffix", SUFFIX, "--json", "status").json()

    lines = text.splitlines()
    start = lines.index("failover events (RDS, last 24 h, newest first):")
    assert lines[start + 1 : start + 6] == [
        f"  {PRIMARY} {world.names.primary_cluster}: none in the last 24 h",
        f"  {SECONDARY} {world.names.secondary_cluster}: 4 in the last 24 h, newest 3 shown",
        "    2025-03-01T11:50:00Z [global-failover] Global failover finished.",
        "    2025-03-01T11:40:00Z [notification] Switchover to the new writer completed.",
        "    2025-03-01T11:30:00Z [global-failover] The old primary isn't accepting writes.",
    ]
    assert lines[start + 6].startswith("health check ")
    assert secondary.calls[0] == {
        "SourceType": "db-cluster",
        "SourceIdentifier": world.names.secondary_cluster,
        "Duration": 1440,
        "MaxRecords": 100,
    }
    assert primary.calls[0]["SourceIdentifier"] == world.names.primary_cluster
    events = {entry["region"]: entry for entry in document["failover_events"]}
    assert events[PRIMARY]["events"] == []
    assert [e["message"] for e in events[SECONDARY]["events"]] == [
        "Global failover finished.",
        "Switchover to the new writer completed.",
        "The old primary isn't accepting writes.",
        "Global failover to DB cluster started.",
    ]
    assert events[SECONDARY]["events"][0]["date"] == "2025-03-01T11:50:00Z"


def test_a_region_whose_call_fails_is_unknown_not_none(world: World) -> None:
    world.rds.down_regions.add(PRIMARY)
    _primary, secondary = logs(world)
    clients = WorldClients(world.rds, down={PRIMARY}, rds_events_by_region={SECONDARY: secondary})

    result = run(clients, "--suffix", SUFFIX, "status")
    document = run(clients, "--suffix", SUFFIX, "--json", "status").json()

    assert (
        f"  {PRIMARY} {world.names.primary_cluster}: unknown (EndpointConnectionError: "
        'Could not connect to the endpoint URL: "https://rds.us-east-1.amazonaws.com/")'
    ) in result.out
    assert f"{PRIMARY} {world.names.primary_cluster}: none" not in result.out
    assert f"  {SECONDARY} {world.names.secondary_cluster}: 4 in the last 24 h" in result.out
    primary = next(e for e in document["failover_events"] if e["region"] == PRIMARY)
    assert primary["events"] is None
    assert primary["unknown"].startswith("EndpointConnectionError")
    assert {"region": PRIMARY, "service": "rds-events", "error": primary["unknown"]} in (
        document["region_errors"]
    )


@pytest.fixture
def hanging() -> Iterator[HangingApi]:
    api = HangingApi(("describe_events",), hang_seconds=30.0)
    yield api
    api.release()


def test_a_region_whose_call_hangs_is_unknown_after_the_timeout(
    world: World, hanging: HangingApi
) -> None:
    _primary, secondary = logs(world)
    clients = WorldClients(world.rds, rds_events_by_region={PRIMARY: hanging, SECONDARY: secondary})
    ctx = CliContext(
        names=world.names,
        clients=clients,
        out=io.StringIO(),
        err=io.StringIO(),
        stdin=io.StringIO(),
    )

    started = time.monotonic()
    document, lines, ok = status_command.gather(
        ctx, "api.example.test", fake_resolver, events_timeout=0.5
    )
    elapsed = time.monotonic() - started

    assert ok
    assert hanging.calls == ["describe_events"]
    assert elapsed < 10.0
    assert f"  {PRIMARY} {world.names.primary_cluster}: unknown (no answer within 0.5s)" in lines
    assert any(
        line.startswith(f"  {SECONDARY} {world.names.secondary_cluster}: 4 in") for line in lines
    )
    primary = next(
        e
        for e in document["failover_events"]  # type: ignore[attr-defined]
        if e["region"] == PRIMARY
    )
    assert primary == {
        "region": PRIMARY,
        "cluster": world.names.primary_cluster,
        "events": None,
        "unknown": "no answer within 0.5s",
        "truncated": False,
    }


def test_more_events_than_one_call_reads_is_said(world: World) -> None:
    secondary = RdsEventLog(SECONDARY, NOW)
    for minute in range(101):
        secondary.record(world.names.secondary_cluster, 500 - minute, ["maintenance"], "patch")
    clients = WorldClients(world.rds, rds_events_by_region={SECONDARY: secondary})

    result = run(clients, "--suffix", SUFFIX, "status")

    assert (
        f"  {SECONDARY} {world.names.secondary_cluster}: none in the last 24 h; more events in "
        "the window than one call reads, some not seen"
    ) in result.out


# The messages below are the documented ones (Aurora User Guide, "Amazon RDS event categories
# and event messages for Aurora", DB cluster events), with each ``name`` filled in.
SWITCHOVER_EVENTS = (
    "Global switchover to DB cluster {c} in Region us-east-1 started.",
    "Old primary DB cluster {c} in Region us-east-2 successfully shut down.",
    "New primary DB cluster {c} in Region us-east-1 was successfully promoted.",
    "Global switchover to DB cluster {c} in Region us-east-1 finished.",
)


def test_each_documented_global_event_is_named_by_its_id_and_operation() -> None:
    from dr_app.cli.rds_events import identify

    c = "payment-processing-aurora-use2-scn"
    cases = {
        f"Global switchover to DB cluster {c} in Region us-east-2 started.": (
            "RDS-EVENT-0181",
            "switchover",
        ),
        f"Old primary DB cluster {c} in Region us-east-1 successfully shut down.": (
            "RDS-EVENT-0182",
            "switchover",
        ),
        "Waiting for data synchronization across global cluster members. Current lags "
        "behind primary DB cluster: 1200 ms.": ("RDS-EVENT-0183", "switchover"),
        f"New primary DB cluster {c} in Region us-east-2 was successfully promoted.": (
            "RDS-EVENT-0184",
            "switchover",
        ),
        f"Global switchover to DB cluster {c} in Region us-east-2 finished.": (
            "RDS-EVENT-0185",
            "switchover",
        ),
        f"Global switchover to DB cluster {c} in Region us-east-2 is cancelled.": (
            "RDS-EVENT-0186",
            "switchover",
        ),
        f"Global switchover to DB cluster {c} in Region us-east-2 failed.": (
            "RDS-EVENT-0187",
            "switchover",
        ),
        "Waiting for data synchronization with the target DB cluster. Current target DB "
        "cluster lag behind the primary DB cluster: 800 ms.": ("RDS-EVENT-0423", "switchover"),
        f"Global failover to DB cluster {c} in Region us-east-2 completed.": (
            "RDS-EVENT-0238",
            "unplanned failover",
        ),
        f"Global failover to DB cluster {c} in Region us-east-2 failed.": (
            "RDS-EVENT-0239",
            "unplanned failover",
        ),
        f"Started resynchronizing members of DB cluster {c} in Region us-east-2 after global "
        "failover.": ("RDS-EVENT-0240", "unplanned failover"),
        f"Finished resynchronizing members of DB cluster {c} in Region us-east-2 after global "
        "failover.": ("RDS-EVENT-0241", "unplanned failover"),
        "Aurora finished changing the DNS name that the global writer endpoint resolves to.": (
            "RDS-EVENT-0397",
            "unplanned failover",
        ),
    }
    found = {}
    for message in cases:
        known = identify(message)
        found[message] = (known.event_id, known.operation) if known else None
    assert found == cases
    assert identify("DB cluster patched.") is None
    assert identify("Global failover finished.") is None


def test_unplanned_failover_events_are_shown_with_their_ids_behind_newer_switchovers(
    world: World,
) -> None:
    """A failover, its resynchronization and DNS change, then a failback switchover: the four
    newer switchover events must not push the failover out of the report."""
    cluster = world.names.secondary_cluster
    secondary = RdsEventLog(SECONDARY, NOW)
    secondary.record(
        cluster,
        300,
        ["global failover"],
        f"Global failover to DB cluster {cluster} in Region us-east-2 completed.",
    )
    # filed under another category: only its documented message says what it is
    secondary.record(
        cluster,
        290,
        ["notification"],
        "Aurora finished changing the DNS name that the global writer endpoint resolves to.",
    )
    secondary.record(
        cluster,
        200,
        ["global failover"],
        f"Started resynchronizing members of DB cluster {cluster} in Region us-east-2 after "
        "global failover.",
    )
    for minutes, message in zip((40, 30, 20, 10), SWITCHOVER_EVENTS, strict=True):
        secondary.record(cluster, minutes, ["global failover"], message.format(c=cluster))
    clients = WorldClients(world.rds, rds_events_by_region={SECONDARY: secondary})

    text = run(clients, "--suffix", SUFFIX, "status").out
    document = run(clients, "--suffix", SUFFIX, "--json", "status").json()

    lines = text.splitlines()
    start = lines.index(
        f"  {SECONDARY} {cluster}: 7 in the last 24 h, newest 3 shown and every "
        "unplanned-failover event"
    )
    assert lines[start + 1 : start + 8] == [
        "    2025-03-01T11:50:00Z RDS-EVENT-0185 switchover finished [global failover] "
        f"Global switchover to DB cluster {cluster} in Region us-east-1 finished.",
        "    2025-03-01T11:40:00Z RDS-EVENT-0184 switchover: new primary promoted "
        f"[global failover] New primary DB cluster {cluster} in Region us-east-1 was "
        "successfully promoted.",
        "    2025-03-01T11:30:00Z RDS-EVENT-0182 switchover: old primary shut down, no longer "
        f"accepting writes [global failover] Old primary DB cluster {cluster} in Region "
        "us-east-2 successfully shut down.",
        "    2025-03-01T08:40:00Z RDS-EVENT-0240 resynchronization after failover started "
        f"[global failover] Started resynchronizing members of DB cluster {cluster} in Region "
        "us-east-2 after global failover.",
        "    2025-03-01T07:10:00Z RDS-EVENT-0397 global writer endpoint DNS changed "
        "[notification] Aurora finished changing the DNS name that the global writer endpoint "
        "resolves to.",
        "    2025-03-01T07:00:00Z RDS-EVENT-0238 unplanned failover completed [global failover] "
        f"Global failover to DB cluster {cluster} in Region us-east-2 completed.",
        "  UNPLANNED FAILOVER events: RDS-EVENT-0238 (us-east-2), RDS-EVENT-0240 (us-east-2), "
        "RDS-EVENT-0397 (us-east-2); recent writes may be lost: see docs/runbook.md, "
        "'Failover events'",
    ]
    unplanned = document["unplanned_failover_events"]
    assert [(e["region"], e["event_id"], e["operation"], e["date"]) for e in unplanned] == [
        (SECONDARY, "RDS-EVENT-0240", "unplanned failover", "2025-03-01T08:40:00Z"),
        (SECONDARY, "RDS-EVENT-0397", "unplanned failover", "2025-03-01T07:10:00Z"),
        (SECONDARY, "RDS-EVENT-0238", "unplanned failover", "2025-03-01T07:00:00Z"),
    ]
    events = next(e for e in document["failover_events"] if e["region"] == SECONDARY)["events"]
    assert [e["event_id"] for e in events] == [
        "RDS-EVENT-0185",
        "RDS-EVENT-0184",
        "RDS-EVENT-0182",
        "RDS-EVENT-0181",
        "RDS-EVENT-0240",
        "RDS-EVENT-0397",
        "RDS-EVENT-0238",
    ]


def test_a_switchover_alone_raises_no_unplanned_failover_line(world: World) -> None:
    cluster = world.names.secondary_cluster
    secondary = RdsEventLog(SECONDARY, NOW)
    for minutes, message in zip((40, 30, 20, 10), SWITCHOVER_EVENTS, strict=True):
        secondary.record(cluster, minutes, ["global failover"], message.format(c=cluster))
    clients = WorldClients(world.rds, rds_events_by_region={SECONDARY: secondary})

    text = run(clients, "--suffix", SUFFIX, "status").out
    document = run(clients, "--suffix", SUFFIX, "--json", "status").json()

    assert f"  {SECONDARY} {cluster}: 4 in the last 24 h, newest 3 shown" in text
    assert "UNPLANNED FAILOVER" not in text
    assert document["unplanned_failover_events"] == []
