"""A manual ``payment-dr failover`` and an automatic failover run the same code from the
decision onwards: the same plan of the failover core, the same AWS calls, in the same regions,
with the same parameters.

Both run against the same fake (one :class:`FakeRdsWorld`, copied before either acts), with
the primary region down: its RDS endpoint unreachable and its three signals unhealthy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pytest

from payment_service.failover import FailoverPlan, GlobalDatabase, PlanResult
from payment_service.orchestrator.model import Action
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import PRIMARY, SECONDARY, SUFFIX, World
from tests.scenarios.fakes import FakeRdsWorld

GLOBAL_CLUSTER = "payment-processing-aurora-global-scn"
PRIMARY_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:payment-processing-aurora-use1-scn"
SECONDARY_ARN = "arn:aws:rds:us-east-2:123456789012:cluster:payment-processing-aurora-use2-scn"
FAILOVER_CALL = (
    SECONDARY,
    "failover_global_cluster",
    {
        "GlobalClusterIdentifier": GLOBAL_CLUSTER,
        "TargetDbClusterIdentifier": SECONDARY_ARN,
        "AllowDataLoss": True,
    },
)

Call = tuple[str, str, Mapping[str, object]]


def changes(rds: FakeRdsWorld) -> list[Call]:
    """Every call that changes something (reads are where the two paths may differ: the
    orchestrator reads its gates, the CLI waits for the writer)."""
    return [
        (region, op, dict(params))
        for region, op, params in rds.calls
        if not op.startswith("describe_")
    ]


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[FailoverPlan]:
    """Every plan the failover core executes, whoever calls it."""
    executed: list[FailoverPlan] = []
    original = GlobalDatabase.execute

    def spy(self: GlobalDatabase, plan: FailoverPlan) -> PlanResult:
        executed.append(plan)
        return original(self, plan)

    monkeypatch.setattr(GlobalDatabase, "execute", spy)
    return executed


def test_manual_and_automatic_failover_make_the_same_calls(
    world: World, plans: list[FailoverPlan]
) -> None:
    world.rds.down_regions.add(PRIMARY)
    manual_rds = copy.deepcopy(world.rds)
    assert manual_rds is not world.rds
    assert manual_rds.calls == []

    world.primary_down()
    orchestrator = world.orchestrator()
    actions = [world.evaluate(orchestrator).action for _ in range(3)]
    assert actions == [Action.NONE, Action.NONE, Action.FAIL_OVER]

    manual = run(WorldClients(manual_rds, down={PRIMARY}), "--suffix", SUFFIX, "failover", "--yes")
    assert manual.code == 0, manual.out + manual.err
    assert "failover: completed" in manual.out

    assert changes(world.rds) == [FAILOVER_CALL]
    assert changes(manual_rds) == [FAILOVER_CALL]
    assert len(plans) == 2
    automatic_plan, manual_plan = plans
    assert automatic_plan == manual_plan
    assert [step.name for step in manual_plan.steps] == [
        "FailoverGlobalCluster",
        "CopyDBClusterSnapshot",
    ]
    assert manual_plan.snapshot_copy is not None
    assert (manual_plan.snapshot_copy.region, manual_plan.snapshot_copy.copy_prefix) == (
        "us-east-1",
        "payment-processing-failover-scn",
    )
    assert (manual_plan.global_cluster_id, manual_plan.target_arn) == (
        GLOBAL_CLUSTER,
        SECONDARY_ARN,
    )
    assert manual_rds.writer_arn == SECONDARY_ARN
    # the Lambda does not wait: its next evaluations (60 s apart) see the change run for
    # the fake's PROMOTION_SECONDS (180), then complete
    later = [world.evaluate(orchestrator).action for _ in range(3)]
    assert later == [Action.FAILOVER_IN_PROGRESS] * 2 + [Action.ALREADY_PROMOTED]
    assert world.rds.writer_arn == SECONDARY_ARN
    assert changes(world.rds) == [FAILOVER_CALL]


def test_a_refused_failover_fails_the_same_way_on_both_paths(
    world: World, plans: list[FailoverPlan]
) -> None:
    world.rds.refuse_with = "InvalidGlobalClusterStateFault"
    manual_rds = copy.deepcopy(world.rds)

    world.primary_down()
    orchestrator = world.orchestrator()
    records = [world.evaluate(orchestrator) for _ in range(3)]
    manual = run(WorldClients(manual_rds), "--suffix", SUFFIX, "--json", "failover", "--yes")

    assert records[-1].action is Action.FAILOVER_FAILED
    assert records[-1].error == "InvalidGlobalClusterStateFault"
    assert manual.code == 1
    assert manual.json()["message"] == (
        "FailoverGlobalCluster failed: InvalidGlobalClusterStateFault"
    )
    assert changes(world.rds) == changes(manual_rds) == [FAILOVER_CALL]
    assert len(plans) == 2
    assert plans[0] == plans[1]
    assert world.rds.writer_arn == manual_rds.writer_arn == PRIMARY_ARN
