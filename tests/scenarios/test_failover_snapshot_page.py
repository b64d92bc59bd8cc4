"""A failover snapshot that never appears pages a person, once, 2 hours after the old primary's
region answers again (payment_service.failover.snapshot_watch; docs/runbook.md, section 7).

The RDS fake attempts the ``rds:unplanned-global-failover-*`` snapshot when the old region is
back (``region_back``), as Aurora does, and the attempt can fail
(``failover_snapshot_attempt_succeeds``); time is the world's virtual clock.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from payment_service.failover.snapshot_watch import (
    PAGE_AFTER_SECONDS,
    SnapshotVerdict,
    failover_snapshot_verdict,
    page_due_at,
)
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.model import Action
from tests.scenarios.conftest import PRIMARY, World

T0 = 1_800_000_000.0
HOUR = 3600.0
SUBJECT = (
    "[payment-dr scn] PAGE failover snapshot missing: the writes the failover lost may be "
    "unrecoverable"
)[:100]


def test_the_bound_is_two_hours() -> None:
    assert PAGE_AFTER_SECONDS == 7200.0


@pytest.mark.parametrize(
    ("now", "exists", "paged", "back", "expected"),
    [
        (T0 + 10 * 24 * HOUR, False, False, None, SnapshotVerdict.REGION_UNREACHABLE),
        (T0 + 5 * HOUR + 7199, False, False, T0 + 5 * HOUR, SnapshotVerdict.WAITING),
        (T0 + 5 * HOUR + 7200, False, False, T0 + 5 * HOUR, SnapshotVerdict.PAGE),
        (T0 + 5 * HOUR + 7200, True, False, T0 + 5 * HOUR, SnapshotVerdict.TAKEN),
        (T0 + 5 * HOUR + 7200, False, True, T0 + 5 * HOUR, SnapshotVerdict.ALREADY_PAGED),
        (T0 + 7199, False, False, T0 - HOUR, SnapshotVerdict.WAITING),
        (T0 + 7200, False, False, T0 - HOUR, SnapshotVerdict.PAGE),
        (T0 + 30 * 24 * HOUR, True, True, None, SnapshotVerdict.TAKEN),
    ],
)
def test_the_verdict(
    now: float, exists: bool, paged: bool, back: float | None, expected: SnapshotVerdict
) -> None:
    verdict = failover_snapshot_verdict(
        failover_at=T0, now=now, snapshot_exists=exists, paged=paged, region_back_at=back
    )
    assert verdict is expected


def test_page_due_at() -> None:
    assert page_due_at(T0, None) is None
    assert page_due_at(T0, T0 + HOUR) == T0 + HOUR + 7200
    assert page_due_at(T0, T0 - HOUR) == T0 + 7200


def pages(world: World) -> list[tuple[str, dict[str, object], dict[str, str]]]:
    return [
        (subject, json.loads(message), attributes)
        for subject, message, attributes in world.notifications()
        if attributes.get("action") == "failover_snapshot_missing"
    ]


def fail_over_with_the_primary_region_down(world: World) -> tuple[Orchestrator, float]:
    world.rds.down_regions.add(PRIMARY)
    world.primary_down()
    orchestrator = world.orchestrator()
    actions = [world.evaluate(orchestrator).action for _ in range(6)]
    assert actions[2:] == [Action.FAIL_OVER] + [Action.FAILOVER_IN_PROGRESS] * 2 + [
        Action.ALREADY_PROMOTED
    ]
    return orchestrator, world.clock.now - 3 * 60.0


def test_a_snapshot_that_never_appears_pages_once_two_hours_after_the_region_is_back(
    world: World,
) -> None:
    world.rds.failover_snapshot_attempt_succeeds = False
    orchestrator, failover_at = fail_over_with_the_primary_region_down(world)

    # a long regional outage: no snapshot can exist, nobody is paged about it
    world.clock.advance(5 * HOUR)
    assert world.evaluate(orchestrator).action is Action.ALREADY_PROMOTED
    assert pages(world) == []

    world.rds.region_back(PRIMARY)
    world.evaluate(orchestrator)
    back_at = world.clock.now
    world.clock.advance(PAGE_AFTER_SECONDS - 120)
    world.evaluate(orchestrator)  # (1 min before the bound)
    assert pages(world) == []
    world.evaluate(orchestrator)  # (at the bound)
    for _ in range(3):
        world.evaluate(orchestrator)

    (page,) = pages(world)
    subject, details, attributes = page
    assert subject == SUBJECT
    assert attributes == {"severity": "page", "action": "failover_snapshot_missing"}
    assert details["failover_at"] == "2027-01-15T08:03:00.000Z"
    assert failover_at == T0 + 180.0
    assert details["old_primary_region"] == PRIMARY
    assert details["old_primary_region_answering_since"] == "2027-01-15T13:08:00.000Z"
    assert back_at == failover_at + 5 * HOUR + 300.0
    assert details["hours_without_snapshot"] == 2.0
    assert details["expected_snapshot"] == (
        "rds:unplanned-global-failover-payment-processing-aurora-use1-scn-<timestamp>"
    )
    assert details["what_to_do"] == "docs/runbook.md, section 7, 'Failover snapshot missing'"
    assert world.rds.snapshots == {}


def test_a_snapshot_taken_when_the_region_is_back_is_copied_and_never_paged(
    world: World,
) -> None:
    orchestrator, _ = fail_over_with_the_primary_region_down(world)
    world.clock.advance(5 * HOUR)
    world.rds.region_back(PRIMARY)
    world.evaluate(orchestrator)
    world.clock.advance(3 * PAGE_AFTER_SECONDS)
    world.evaluate(orchestrator)

    assert pages(world) == []
    assert sorted(world.rds.snapshots) == [
        "payment-processing-failover-scn-20270115130600",
        "rds:unplanned-global-failover-payment-processing-aurora-use1-scn-2027-01-15-13-06",
    ]


def test_a_planned_switchover_arms_nothing(world: World) -> None:
    """A switchover takes no failover snapshot: the region answers, none is listed, and that
    is no reason to page."""
    world.rds.client(PRIMARY).switchover_global_cluster(
        GlobalClusterIdentifier=world.names.global_cluster,
        TargetDbClusterIdentifier=world.rds.secondary_arn,
    )
    world.clock.advance(180)
    orchestrator = world.orchestrator()
    assert world.evaluate(orchestrator).action is Action.ALREADY_PROMOTED
    world.clock.advance(3 * PAGE_AFTER_SECONDS)
    assert world.evaluate(orchestrator).action is Action.ALREADY_PROMOTED

    assert pages(world) == []
    assert world.notifications() == []


class SnsRefusingOnePage:
    """moto's SNS, except that the first failover-snapshot page is refused."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.refused = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def publish(self, **kwargs: object) -> object:
        attributes = kwargs["MessageAttributes"]
        assert isinstance(attributes, dict)
        if attributes["action"]["StringValue"] == "failover_snapshot_missing" and not self.refused:
            self.refused += 1
            raise RuntimeError("SNS unavailable")
        return self._client.publish(**kwargs)


def test_a_page_that_could_not_be_sent_is_sent_at_the_next_evaluation(world: World) -> None:
    world.rds.failover_snapshot_attempt_succeeds = False
    sns = SnsRefusingOnePage(world.sns)
    world.sns = sns
    orchestrator, _ = fail_over_with_the_primary_region_down(world)
    world.rds.region_back(PRIMARY)
    world.evaluate(orchestrator)
    world.clock.advance(PAGE_AFTER_SECONDS - 60)

    world.evaluate(orchestrator)  # (the bound: refused)
    assert (sns.refused, pages(world)) == (1, [])
    for _ in range(3):
        world.evaluate(orchestrator)

    assert len(pages(world)) == 1
