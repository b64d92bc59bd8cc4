"""The failover core's own rules: regions, plans, steps and client bounds."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from payment_service.failover import (
    FailoverPlan,
    FixedRegionRds,
    GlobalDatabase,
    Promotion,
    RdsByRegion,
    Step,
    plan_promotion,
)
from payment_service.failover.clients import LAMBDA_LIMITS, OPERATOR_LIMITS, boto3_rds
from tests.scenarios.fakes import (
    PROMOTION_SECONDS,
    RESYNC_SECONDS,
    FakeClock,
    FakeRdsWorld,
    Sleeps,
    UndocumentedCallError,
    client_error,
    cluster_arn,
)

TARGET = "arn:aws:rds:us-east-2:123456789012:cluster:standby"
SOURCE = "arn:aws:rds:us-east-1:123456789012:cluster:writer"


def database(world: FakeRdsWorld, region: str = "us-east-2") -> GlobalDatabase:
    return GlobalDatabase(FixedRegionRds(world.client(region), region), "g", sleep=Sleeps())


def test_a_single_region_client_refuses_another_region() -> None:
    rds = FixedRegionRds(FakeRdsWorld("g", SOURCE, TARGET).client("us-east-2"), "us-east-2")
    with pytest.raises(ValueError, match="no RDS client for region 'us-east-1'"):
        rds.rds("us-east-1")


def test_plan_refuses_a_target_that_is_not_a_cluster_arn() -> None:
    with pytest.raises(ValueError, match=r"target_arn='standby' is invalid; expected a DB"):
        plan_promotion(Promotion.FAILOVER, "g", "standby")


def test_plans_name_their_promotion_call_and_target_region() -> None:
    failover = plan_promotion(Promotion.FAILOVER, "g", TARGET)
    switchover = plan_promotion(Promotion.SWITCHOVER, "g", TARGET)
    assert [step.name for step in failover.steps] == [
        "FailoverGlobalCluster",
        "CopyDBClusterSnapshot",
    ]
    assert [step.required for step in failover.steps] == [True, False]
    assert [step.name for step in switchover.steps] == ["SwitchoverGlobalCluster"]
    assert failover.target_region == "us-east-2"


def both_regions(world: FakeRdsWorld) -> GlobalDatabase:
    rds = RdsByRegion({r: world.client(r) for r in ("us-east-1", "us-east-2")})
    return GlobalDatabase(rds, "g", sleep=Sleeps())


def test_switchover_is_sent_to_the_current_primarys_region() -> None:
    """AWS documents ``switchover-global-cluster --region <region of the primary>``."""
    world = FakeRdsWorld("g", SOURCE, TARGET)
    plan = plan_promotion(Promotion.SWITCHOVER, "g", TARGET, source_arn=SOURCE)
    result = both_regions(world).execute(plan)
    assert result.failed is None
    assert [(r, op) for r, op, _ in world.calls] == [("us-east-1", "switchover_global_cluster")]


def test_a_switchover_without_a_known_writer_reads_it_from_the_targets_region_first() -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    result = both_regions(world).execute(plan_promotion(Promotion.SWITCHOVER, "g", TARGET))
    assert result.failed is None
    assert [(r, op) for r, op, _ in world.calls] == [
        ("us-east-2", "describe_global_clusters"),
        ("us-east-1", "switchover_global_cluster"),
    ]


def test_the_fake_refuses_a_promotion_sent_where_aws_does_not_document_it() -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    with pytest.raises(UndocumentedCallError, match="current primary's Region"):
        world.client("us-east-2").switchover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET
        )
    with pytest.raises(UndocumentedCallError, match="target's Region"):
        world.client("us-east-1").failover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET, AllowDataLoss=True
        )
    assert len(world.undocumented) == 2
    assert world.writer_arn == SOURCE


def test_a_promotion_moves_with_time_not_with_reads() -> None:
    """Repeated reads at one virtual time never finish a change; PROMOTION_SECONDS do."""
    clock = FakeClock()
    world = FakeRdsWorld("g", SOURCE, TARGET, clock=clock)
    rds = world.client("us-east-2")
    rds.failover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET, AllowDataLoss=True
    )

    def state() -> tuple[str, str | None, str | None]:
        (cluster,) = rds.describe_global_clusters(GlobalClusterIdentifier="g")["GlobalClusters"]
        writer = next(m["DBClusterArn"] for m in cluster["GlobalClusterMembers"] if m["IsWriter"])
        return cluster["Status"], cluster.get("FailoverState", {}).get("Status"), writer

    assert [state() for _ in range(50)] == [("failing-over", "pending", SOURCE)] * 50
    clock.advance(1)
    assert state() == ("failing-over", "failing-over", SOURCE)
    clock.advance(PROMOTION_SECONDS - 2)
    assert [state() for _ in range(20)] == [("failing-over", "failing-over", SOURCE)] * 20
    clock.advance(1)
    assert state() == ("available", None, TARGET)
    assert PROMOTION_SECONDS == 180.0


@pytest.mark.parametrize(
    ("member", "field", "value", "fault"),
    [
        ("target", "synchronization", "pending-resync", "InvalidGlobalClusterStateFault"),
        ("source", "synchronization", "pending-resync", "InvalidGlobalClusterStateFault"),
        ("target", "status", "modifying", "InvalidDBClusterStateFault"),
        ("source", "status", "backing-up", "InvalidDBClusterStateFault"),
    ],
)
def test_a_switchover_is_refused_unless_every_member_is_healthy_and_synchronized(
    member: str, field: str, value: str, fault: str
) -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    setattr(world.members[TARGET if member == "target" else SOURCE], field, value)

    with pytest.raises(ClientError) as refused:
        world.client("us-east-1").switchover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET
        )

    assert refused.value.response["Error"]["Code"] == fault
    assert (world.status, world.writer_arn, world.failover_state) == ("available", SOURCE, None)


def test_a_second_change_while_one_runs_is_refused() -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    world.client("us-east-1").switchover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET
    )
    with pytest.raises(ClientError, match="InvalidGlobalClusterStateFault"):
        world.client("us-east-2").failover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=TARGET, AllowDataLoss=True
        )


def test_a_failed_required_step_stops_the_plan_an_optional_one_does_not() -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    ran: list[str] = []

    def fails(_db: GlobalDatabase, _plan: FailoverPlan) -> None:
        ran.append("fails")
        raise client_error("InvalidDBClusterStateFault", "Fence")

    def records(_db: GlobalDatabase, _plan: FailoverPlan) -> None:
        ran.append("records")

    base = plan_promotion(Promotion.FAILOVER, "g", TARGET)
    optional = FailoverPlan(
        base.promotion, "g", TARGET, (Step("Fence", fails, required=False), *base.steps)
    )
    result = database(world).execute(optional)
    assert result.failed is None
    assert [(s.name, s.ok) for s in result.steps] == [
        ("Fence", False),
        ("FailoverGlobalCluster", True),
        ("CopyDBClusterSnapshot", False),
    ]

    world = FakeRdsWorld("g", SOURCE, TARGET)
    required = FailoverPlan(
        base.promotion, "g", TARGET, (Step("Fence", fails), Step("After", records))
    )
    result = database(world).execute(required)
    assert result.failed is not None
    assert result.failed.name == "Fence"
    assert ran == ["fails", "fails"]
    assert world.calls == []


def test_a_plan_for_another_global_cluster_is_refused() -> None:
    world = FakeRdsWorld("g", SOURCE, TARGET)
    with pytest.raises(ValueError, match="plan for global cluster 'other' given to 'g'"):
        database(world).execute(plan_promotion(Promotion.FAILOVER, "other", TARGET))
    assert world.calls == []


@pytest.mark.parametrize(
    ("limits", "connect", "read"), [(LAMBDA_LIMITS, 3, 10), (OPERATOR_LIMITS, 5, 20)]
)
def test_rds_clients_are_bounded_and_botocore_never_retries(
    limits: object, connect: int, read: int
) -> None:
    client = boto3_rds("us-east-2", limits)  # type: ignore[arg-type]
    config = client._client_config  # type: ignore[attr-defined]
    assert (config.connect_timeout, config.read_timeout) == (connect, read)
    # total_max_attempts counts the first request: 1 = never resent by botocore (max_attempts
    # would count retries after it, and 1 would send a FailoverGlobalCluster twice)
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert client.meta.region_name == "us-east-2"  # type: ignore[attr-defined]


def test_other_clients_keep_a_bounded_number_of_attempts() -> None:
    from payment_service.failover.clients import boto3_client

    config = boto3_client("ssm", "us-east-2", LAMBDA_LIMITS)._client_config
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}
    assert (config.connect_timeout, config.read_timeout) == (3, 10)


def test_unplanned_failover_leaves_the_old_primary_disconnected_until_its_region_is_back() -> None:
    primary = cluster_arn("us-east-1", "payment-processing-aurora-use1-x")
    secondary = cluster_arn("us-east-2", "payment-processing-aurora-use2-x")
    clock = FakeClock()
    world = FakeRdsWorld("payment-processing-aurora-global-x", primary, secondary, clock=clock)
    world.down_regions.add("us-east-1")
    rds = world.client("us-east-2")
    rds.failover_global_cluster(
        GlobalClusterIdentifier="payment-processing-aurora-global-x",
        TargetDbClusterIdentifier=secondary,
        AllowDataLoss=True,
    )
    clock.advance(PROMOTION_SECONDS)

    def members() -> dict[str, tuple[bool, str | None]]:
        cluster = rds.describe_global_clusters(
            GlobalClusterIdentifier="payment-processing-aurora-global-x"
        )["GlobalClusters"][0]
        return {
            m["DBClusterArn"]: (m["IsWriter"], m.get("SynchronizationStatus"))
            for m in cluster["GlobalClusterMembers"]
        }

    assert members() == {primary: (False, "pending-resync"), secondary: (True, "connected")}
    clock.advance(RESYNC_SECONDS * 10)
    assert members() == {primary: (False, "pending-resync"), secondary: (True, "connected")}
    world.region_back("us-east-1")
    # Aurora attempts the failover snapshot before it rebuilds the old primary ...
    assert sorted(world.snapshots) == [
        "rds:unplanned-global-failover-payment-processing-aurora-use1-x-2027-01-15-13-03"
    ]
    # ... and the rebuild takes time ("a few minutes to several hours")
    clock.advance(RESYNC_SECONDS - 1)
    assert members() == {primary: (False, "pending-resync"), secondary: (True, "connected")}
    clock.advance(1)
    assert members() == {primary: (False, "connected"), secondary: (True, "connected")}
    # the promotion call went to the secondary's Region, the only one that answers
    assert [(region, op) for region, op, _ in world.calls if "over" in op] == [
        ("us-east-2", "failover_global_cluster")
    ]
