"""The Aurora checks: global cluster membership and synchronization, instances, Serverless v2
capacity, RPO lag, and the writer endpoint's DNS chain (the writer_sources comparison)."""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY  # type: ignore[import-untyped]

from payment_service.readiness.checks import Check
from payment_service.readiness.checks.database import (
    cluster_instances,
    global_cluster,
    replication_lag,
    serverless_capacity,
    writer_dns,
)
from payment_service.readiness.model import Outcome
from payment_service.readiness.runner import evaluate
from tests.readiness.support import (
    GLOBAL_ID,
    NOW_EPOCH,
    PRIMARY,
    PRIMARY_CLUSTER,
    PRIMARY_CLUSTER_ID,
    SECONDARY,
    SECONDARY_CLUSTER,
    SECONDARY_CLUSTER_ID,
    Stubs,
    client_error,
    datapoints,
    hanging,
    run_check,
    settings,
)

ENDPOINT = f"{GLOBAL_ID}.global-abcdef123456.global.rds.amazonaws.com"
PRIMARY_HOST = f"{PRIMARY_CLUSTER_ID}.cluster-c9akciq32.us-east-1.rds.amazonaws.com"
SECONDARY_HOST = f"{SECONDARY_CLUSTER_ID}.cluster-c1zq8d0u2.us-east-2.rds.amazonaws.com"


def global_clusters(
    *,
    writer: str = PRIMARY_CLUSTER,
    members: tuple[str, ...] = (PRIMARY_CLUSTER, SECONDARY_CLUSTER),
    sync: str = "connected",
    status: str = "available",
    failover: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """DescribeGlobalClusters as the RDS API reference shapes it."""
    cluster: dict[str, Any] = {
        "GlobalClusterIdentifier": GLOBAL_ID,
        "GlobalClusterArn": f"arn:aws:rds::111111111111:global-cluster:{GLOBAL_ID}",
        "Status": status,
        "Engine": "aurora-postgresql",
        "EngineVersion": "14.12",
        "StorageEncrypted": True,
        "Endpoint": ENDPOINT,
        "GlobalClusterMembers": [
            {"DBClusterArn": arn, "IsWriter": True, "Readers": [m for m in members if m != arn]}
            if arn == writer
            else {"DBClusterArn": arn, "IsWriter": False, "SynchronizationStatus": sync}
            for arn in members
        ],
    }
    if failover is not None:
        cluster["FailoverState"] = failover
    return {"GlobalClusters": [cluster]}


def stub_global(stubs: Stubs, region: str = SECONDARY, **shape: Any) -> None:
    stubs.stub("rds", region).add_response(
        "describe_global_clusters",
        global_clusters(**shape),
        {"GlobalClusterIdentifier": GLOBAL_ID},
    )


def db_clusters(
    arn: str, *, instances: int = 1, scaling: dict[str, float] | None = None
) -> dict[str, Any]:
    """DescribeDBClusters of one cluster."""
    cluster: dict[str, Any] = {
        "DBClusterIdentifier": arn.split(":")[-1],
        "DBClusterArn": arn,
        "Status": "available",
        "Engine": "aurora-postgresql",
        "DBClusterMembers": [
            {
                "DBInstanceIdentifier": f"{arn.split(':')[-1]}-{index}",
                "IsClusterWriter": index == 0,
                "DBClusterParameterGroupStatus": "in-sync",
                "PromotionTier": 1,
            }
            for index in range(instances)
        ],
    }
    if scaling is not None:
        cluster["ServerlessV2ScalingConfiguration"] = scaling
    return {"DBClusters": [cluster]}


def stub_cluster(stubs: Stubs, arn: str, **shape: Any) -> None:
    region = arn.split(":")[3]
    stubs.stub("rds", region).add_response(
        "describe_db_clusters", db_clusters(arn, **shape), {"DBClusterIdentifier": arn}
    )


# --- global cluster -----------------------------------------------------------------------


def test_global_cluster_passes_with_both_members_synchronized() -> None:
    stubs = Stubs()
    stub_global(stubs)
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.PASS, result.reason
    assert "writer us-east-1" in result.reason
    assert "us-east-2 connected" in result.reason
    stubs.assert_no_pending()


def test_global_cluster_fails_on_a_secondary_pending_resync() -> None:
    stubs = Stubs()
    stub_global(stubs, sync="pending-resync")
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.FAIL
    assert "synchronization pending-resync (expected connected)" in result.reason


def test_global_cluster_fails_when_the_secondary_was_detached() -> None:
    stubs = Stubs()
    stub_global(stubs, members=(PRIMARY_CLUSTER,))
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.FAIL
    assert f"{SECONDARY_CLUSTER_ID} (us-east-2) is not a member" in result.reason


def test_global_cluster_fails_while_a_switchover_runs() -> None:
    stubs = Stubs()
    failover = {
        "Status": "failing-over",
        "FromDbClusterArn": PRIMARY_CLUSTER,
        "ToDbClusterArn": SECONDARY_CLUSTER,
        "IsDataLossAllowed": False,
    }
    stub_global(stubs, status="switching-over", failover=failover)
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.FAIL
    assert "a failover or switchover is failing-over" in result.reason


def test_global_cluster_is_read_in_the_primary_region_when_this_one_fails() -> None:
    stubs = Stubs()
    client_error(stubs.stub("rds", SECONDARY), "describe_global_clusters", "Throttling")
    stub_global(stubs, region=PRIMARY)
    assert run_check(stubs, global_cluster).outcome is Outcome.PASS
    stubs.assert_no_pending()


def test_global_cluster_is_unknown_when_no_region_answers() -> None:
    stubs = Stubs()
    client_error(stubs.stub("rds", SECONDARY), "describe_global_clusters", "InternalFailure", 500)
    client_error(stubs.stub("rds", PRIMARY), "describe_global_clusters", "InternalFailure", 500)
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.UNKNOWN
    assert "us-east-2: InternalFailure; us-east-1: InternalFailure" in result.reason


# --- instances and capacity ---------------------------------------------------------------


def test_cluster_instances_pass_with_an_instance_in_each_cluster() -> None:
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER, instances=2)
    stub_cluster(stubs, SECONDARY_CLUSTER, instances=1)
    result = run_check(stubs, cluster_instances)
    assert result.outcome is Outcome.PASS
    assert result.reason == (
        f"{PRIMARY_CLUSTER_ID} (us-east-1): 2 instance(s); "
        f"{SECONDARY_CLUSTER_ID} (us-east-2): 1 instance(s)"
    )


def test_cluster_instances_fail_for_a_headless_secondary() -> None:
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER)
    stub_cluster(stubs, SECONDARY_CLUSTER, instances=0)
    result = run_check(stubs, cluster_instances)
    assert result.outcome is Outcome.FAIL
    assert f"{SECONDARY_CLUSTER_ID} (us-east-2): no DB instance" in result.reason


def test_cluster_instances_unknown_when_the_primary_region_does_not_answer() -> None:
    stubs = Stubs()
    client_error(stubs.stub("rds", PRIMARY), "describe_db_clusters", "InternalFailure", 500)
    stub_cluster(stubs, SECONDARY_CLUSTER)
    result = run_check(stubs, cluster_instances)
    assert result.outcome is Outcome.UNKNOWN
    assert f"{SECONDARY_CLUSTER_ID} (us-east-2): 1 instance(s)" in result.reason


def test_cluster_instances_unknown_when_a_region_hangs_and_the_other_still_reported() -> None:
    stubs = Stubs()
    stub_cluster(stubs, SECONDARY_CLUSTER, instances=0)
    with hanging(stubs, "rds", PRIMARY):
        result = run_check(stubs, cluster_instances, CHECKS_BUDGET_SECONDS="1.5")
    # the secondary's failure survives the primary region's silence
    assert result.outcome is Outcome.FAIL
    assert "no answer within the budget" in result.reason


def test_serverless_capacity_passes_when_the_secondary_can_take_the_load() -> None:
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER, scaling={"MinCapacity": 0.5, "MaxCapacity": 4.0})
    stub_cluster(stubs, SECONDARY_CLUSTER, scaling={"MinCapacity": 0.5, "MaxCapacity": 8.0})
    result = run_check(stubs, serverless_capacity)
    assert result.outcome is Outcome.PASS
    assert "0.5-4 ACUs" in result.reason
    assert "0.5-8 ACUs" in result.reason


def test_serverless_capacity_fails_when_the_secondary_maximum_is_lower() -> None:
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER, scaling={"MinCapacity": 0.5, "MaxCapacity": 16.0})
    stub_cluster(stubs, SECONDARY_CLUSTER, scaling={"MinCapacity": 0.5, "MaxCapacity": 4.0})
    result = run_check(stubs, serverless_capacity)
    assert result.outcome is Outcome.FAIL
    assert "the secondary's MaxCapacity 4 is below the primary's 16" in result.reason


def test_serverless_capacity_fails_without_a_scaling_configuration() -> None:
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER, scaling={"MinCapacity": 0.5, "MaxCapacity": 4.0})
    stub_cluster(stubs, SECONDARY_CLUSTER)
    result = run_check(stubs, serverless_capacity)
    assert result.outcome is Outcome.FAIL
    assert "no ServerlessV2ScalingConfiguration" in result.reason


def test_one_describe_db_clusters_per_cluster_serves_both_checks() -> None:
    stubs = Stubs()
    scaling = {"MinCapacity": 0.5, "MaxCapacity": 4.0}
    stub_cluster(stubs, PRIMARY_CLUSTER, scaling=scaling)
    stub_cluster(stubs, SECONDARY_CLUSTER, scaling=scaling)
    evaluation = evaluate(
        settings(),
        stubs,
        checks=[
            Check("cluster-instances", cluster_instances),
            Check("serverless-capacity", serverless_capacity),
        ],
        clock=lambda: NOW_EPOCH,
    )
    assert [r.outcome for r in evaluation.results] == [Outcome.PASS, Outcome.PASS]
    stubs.assert_no_pending()


# --- replication lag ----------------------------------------------------------------------


def stub_lag(stubs: Stubs, region: str, cluster_id: str, response: dict[str, Any]) -> None:
    stubs.stub("cloudwatch", region).add_response(
        "get_metric_statistics",
        response,
        {
            "Namespace": "AWS/RDS",
            "MetricName": "AuroraGlobalDBRPOLag",
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}],
            "StartTime": ANY,
            "EndTime": ANY,
            "Period": 60,
            "Statistics": ["Maximum"],
        },
    )


def test_replication_lag_passes_within_the_alarm_threshold() -> None:
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, datapoints("Maximum", 4000.0, 800.0))
    result = run_check(stubs, replication_lag)
    assert result.outcome is Outcome.PASS, result.reason
    assert "0.8 s (60 s ago), threshold 60 s, RPO 900 s" in result.reason


def test_replication_lag_fails_above_the_alarm_threshold() -> None:
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, datapoints("Maximum", 120_000.0))
    result = run_check(stubs, replication_lag)
    assert result.outcome is Outcome.FAIL
    assert "120 s, above the alarm threshold of 60 s (RPO 900 s)" in result.reason


def test_replication_lag_fails_beyond_the_rpo() -> None:
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, datapoints("Maximum", 901_000.0))
    result = run_check(stubs, replication_lag)
    assert result.outcome is Outcome.FAIL
    assert "beyond the RPO of 900 s" in result.reason


def test_replication_lag_is_unknown_without_a_datapoint_or_with_a_stale_one() -> None:
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, {"Label": "x", "Datapoints": []})
    assert run_check(stubs, replication_lag).outcome is Outcome.UNKNOWN
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, datapoints("Maximum", 500.0, age_seconds=400))
    result = run_check(stubs, replication_lag)
    assert result.outcome is Outcome.UNKNOWN
    assert "newest datapoint 400 s old" in result.reason


def test_replication_lag_follows_the_writer_after_a_failover() -> None:
    stubs = Stubs()
    stub_global(stubs, writer=SECONDARY_CLUSTER)
    # the old primary is the secondary now: its lag, in its own region
    stub_lag(stubs, PRIMARY, PRIMARY_CLUSTER_ID, datapoints("Maximum", 300.0))
    result = run_check(stubs, replication_lag)
    assert result.outcome is Outcome.PASS
    assert f"of {PRIMARY_CLUSTER_ID} in us-east-1" in result.reason
    stubs.assert_no_pending()


def test_replication_lag_is_unknown_when_cloudwatch_does_not_answer() -> None:
    stubs = Stubs()
    stub_global(stubs)
    client_error(stubs.stub("cloudwatch", SECONDARY), "get_metric_statistics", "Throttling")
    result = run_check(stubs, replication_lag)
    assert (result.outcome, result.reason) == (Outcome.UNKNOWN, "Throttling")


# --- writer DNS (payment_service.writer_sources) --------------------------------------------


def test_writer_dns_passes_when_the_chain_reaches_the_writers_cluster_endpoint() -> None:
    stubs = Stubs()
    stub_global(stubs)
    result = run_check(
        stubs, writer_dns, resolve=lambda name: (name, PRIMARY_HOST, "ec2-1.compute.internal")
    )
    assert result.outcome is Outcome.PASS, result.reason
    assert "DNS and DescribeGlobalClusters: agree" in result.reason


def test_writer_dns_fails_when_the_chain_names_another_cluster() -> None:
    stubs = Stubs()
    stub_global(stubs)
    result = run_check(stubs, writer_dns, resolve=lambda name: (name, SECONDARY_HOST))
    assert result.outcome is Outcome.FAIL
    assert "DISAGREE" in result.reason


def test_writer_dns_is_unknown_without_a_cluster_endpoint_or_an_answer() -> None:
    stubs = Stubs()
    stub_global(stubs)
    result = run_check(stubs, writer_dns, resolve=lambda name: (name, "203-0-113-9.example"))
    assert result.outcome is Outcome.UNKNOWN
    assert "the DNS chain holds no cluster endpoint" in result.reason

    def refuse(name: str) -> tuple[str, ...]:
        raise OSError("name does not resolve")

    stubs = Stubs()
    stub_global(stubs)
    result = run_check(stubs, writer_dns, resolve=refuse)
    assert result.outcome is Outcome.UNKNOWN
    assert "unresolved (OSError: name does not resolve)" in result.reason


def test_one_describe_global_clusters_serves_every_check_that_needs_it() -> None:
    stubs = Stubs()
    stub_global(stubs)
    stub_lag(stubs, SECONDARY, SECONDARY_CLUSTER_ID, datapoints("Maximum", 800.0))
    evaluation = evaluate(
        settings(),
        stubs,
        checks=[
            Check("global-cluster", global_cluster),
            Check("replication-lag", replication_lag),
            Check("writer-dns", writer_dns),
        ],
        clock=lambda: NOW_EPOCH,
        resolve=lambda name: (name, PRIMARY_HOST),
    )
    assert [r.outcome for r in evaluation.results] == [Outcome.PASS] * 3
    stubs.assert_no_pending()


def test_a_global_cluster_or_cluster_that_does_not_exist_fails() -> None:
    stubs = Stubs()
    client_error(
        stubs.stub("rds", SECONDARY), "describe_global_clusters", "GlobalClusterNotFoundFault", 404
    )
    result = run_check(stubs, global_cluster)
    assert result.outcome is Outcome.FAIL
    assert f"global cluster {GLOBAL_ID} does not exist" in result.reason
    stubs = Stubs()
    stub_cluster(stubs, PRIMARY_CLUSTER)
    client_error(
        stubs.stub("rds", SECONDARY), "describe_db_clusters", "DBClusterNotFoundFault", 404
    )
    result = run_check(stubs, cluster_instances)
    assert result.outcome is Outcome.FAIL
    assert f"{SECONDARY_CLUSTER_ID} (us-east-2): the cluster does not exist" in result.reason
