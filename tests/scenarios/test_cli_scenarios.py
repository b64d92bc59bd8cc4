"""DR scenarios driven through the ``payment-dr`` CLI: switchover, failback, failover."""

from __future__ import annotations

from tests.scenarios.cli_support import WorldClients, put_lag, run
from tests.scenarios.conftest import PRIMARY, SECONDARY, SUFFIX, World


def test_switchover_then_failback(world: World) -> None:
    clients = WorldClients(world.rds)
    primary_id = world.names.primary_cluster

    switched = run(clients, "--suffix", SUFFIX, "switchover", "--poll-interval", "5")

    assert switched.code == 0, switched.out + switched.err
    assert world.rds.calls_of("switchover_global_cluster") == [
        {
            "GlobalClusterIdentifier": world.names.global_cluster,
            "TargetDbClusterIdentifier": world.rds.secondary_arn,
        }
    ]
    # sent to the current primary's region, as AWS documents (payment_service.failover)
    switch_regions = [r for r, op, _ in world.rds.calls if op == "switchover_global_cluster"]
    assert switch_regions == [PRIMARY]
    assert world.rds.writer_arn == world.rds.secondary_arn
    assert "switchover: completed" in switched.out
    progress = [line for line in switched.err.splitlines() if line.startswith("switchover [")]
    assert len(progress) >= 2, "one line per state change without a terminal"
    assert "done:" in progress[-1]

    no_data = run(clients, "--suffix", SUFFIX, "failback")
    assert no_data.code == 3
    assert no_data.out == (
        "failback: refused: not yet: no data for AWS/RDS AuroraGlobalDBRPOLag "
        f"(DBClusterIdentifier={primary_id}) in us-east-1 in the last 5 min\n"
    )

    world.rds.members[world.rds.primary_arn].synchronization = "pending-resync"
    put_lag(PRIMARY, primary_id, 150.0)
    resyncing = run(clients, "--suffix", SUFFIX, "failback")
    assert resyncing.code == 3
    assert "pending-resync" in resyncing.out

    world.rds.members[world.rds.primary_arn].synchronization = "connected"
    failed_back = run(clients, "--suffix", SUFFIX, "--json", "failback", "--poll-interval", "5")

    assert failed_back.code == 0, failed_back.out
    result = failed_back.json()
    assert result["outcome"] == "completed"
    assert result["target_region"] == PRIMARY
    assert result["details"]["catch_up"] == (
        "caught up: AuroraGlobalDBRPOLag: latest 150 ms, max 150 ms (1 datapoints) (read: "
        f"AWS/RDS AuroraGlobalDBRPOLag (DBClusterIdentifier={primary_id}) in us-east-1), "
        "synchronization connected"
    )
    assert result["details"]["lag_metric"] == "AuroraGlobalDBRPOLag"
    assert result["message"].endswith("; before it: " + result["details"]["catch_up"])
    assert world.rds.writer_arn == world.rds.primary_arn
    switch_regions = [r for r, op, _ in world.rds.calls if op == "switchover_global_cluster"]
    assert switch_regions == [PRIMARY, SECONDARY], "the failback goes to the writer's region"
    assert world.rds.calls_of("failover_global_cluster") == []

    status = run(clients, "--suffix", SUFFIX, "--json", "status")
    assert status.json()["writer_region"] == PRIMARY


def test_failback_refused_while_the_lag_is_high(world: World) -> None:
    clients = WorldClients(world.rds)
    assert run(clients, "--suffix", SUFFIX, "switchover").code == 0
    put_lag(PRIMARY, world.names.primary_cluster, 4200.0)

    refused = run(clients, "--suffix", SUFFIX, "failback", "--max-lag-ms", "1000")

    assert refused.code == 3
    assert refused.out == (
        "failback: refused: not yet: AuroraGlobalDBRPOLag 4200 ms exceeds 1000 ms (read: "
        f"AWS/RDS AuroraGlobalDBRPOLag (DBClusterIdentifier={world.names.primary_cluster}) "
        "in us-east-1)\n"
    )
    assert world.rds.writer_arn == world.rds.secondary_arn
    accepted = run(clients, "--suffix", SUFFIX, "failback", "--max-lag-ms", "5000")
    assert accepted.code == 0
    assert world.rds.writer_arn == world.rds.primary_arn


def test_failback_reads_the_rpo_lag_not_the_replication_lag(world: World) -> None:
    """Aurora PostgreSQL's lag metric is AuroraGlobalDBRPOLag; a low
    AuroraGlobalDBReplicationLag alone must not let a failback through."""
    clients = WorldClients(world.rds)
    assert run(clients, "--suffix", SUFFIX, "switchover").code == 0
    primary_id = world.names.primary_cluster
    put_lag(PRIMARY, primary_id, 150.0, metric="AuroraGlobalDBReplicationLag")

    only_replication_lag = run(clients, "--suffix", SUFFIX, "--json", "failback")

    assert only_replication_lag.code == 3
    assert only_replication_lag.json()["message"] == (
        "not yet: no data for AWS/RDS AuroraGlobalDBRPOLag "
        f"(DBClusterIdentifier={primary_id}) in us-east-1 in the last 5 min"
    )
    assert world.rds.writer_arn == world.rds.secondary_arn
    assert len(world.rds.calls_of("switchover_global_cluster")) == 1

    put_lag(PRIMARY, primary_id, 2500.0)
    rpo_too_high = run(clients, "--suffix", SUFFIX, "failback")
    assert rpo_too_high.code == 3
    assert "AuroraGlobalDBRPOLag 2500 ms exceeds 1000 ms" in rpo_too_high.out
    assert world.rds.writer_arn == world.rds.secondary_arn


def test_manual_failover_with_the_primary_region_down(world: World) -> None:
    world.rds.down_regions.add(PRIMARY)
    clients = WorldClients(world.rds, down={PRIMARY})

    result = run(clients, "--suffix", SUFFIX, "--json", "failover", "--yes")

    assert result.code == 0, result.out
    assert result.json()["outcome"] == "completed"
    assert world.rds.calls_of("failover_global_cluster") == [
        {
            "GlobalClusterIdentifier": world.names.global_cluster,
            "TargetDbClusterIdentifier": world.rds.secondary_arn,
            "AllowDataLoss": True,
        }
    ]
    changes = [(region, op) for region, op, _ in world.rds.calls if not op.startswith("describe")]
    assert changes == [(SECONDARY, "failover_global_cluster")]
    # nothing is asked of the region that is down (the snapshot copy waits for a re-run)
    assert [op for region, op, _ in world.rds.calls if region == PRIMARY] == []
    again = run(clients, "--suffix", SUFFIX, "--json", "failover", "--yes")
    assert again.json()["outcome"] == "already"
    assert len(world.rds.calls_of("failover_global_cluster")) == 1


def test_cli_retries_a_throttled_switchover(world: World) -> None:
    from tests.scenarios.fakes import ThrottleOnce

    throttled = ThrottleOnce(world.rds.client(PRIMARY), "switchover_global_cluster")

    class Clients(WorldClients):
        def rds(self, region: str):  # type: ignore[no-untyped-def]
            return throttled if region == PRIMARY else super().rds(region)

    result = run(Clients(world.rds), "--suffix", SUFFIX, "switchover")

    assert result.code == 0, result.out
    assert throttled.attempts == 2
    assert len(world.rds.calls_of("switchover_global_cluster")) == 1
