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
    switch_regions = [r for r, op, _ in world.rds.calls if op == "switchover_global_cluster"]
    assert switch_regions == [SECONDARY]
    assert world.rds.writer_arn == world.rds.secondary_arn
    assert "switchover: completed" in switched.out
    progress = [line for line in switched.err.splitlines() if line.startswith("switchover [")]
    assert len(progress) >= 2, "one line per state change without a terminal"
    assert "done:" in progress[-1]

    no_data = run(clients, "--suffix", SUFFIX, "failback")
    assert no_data.code == 3
    assert "no AuroraGlobalDBReplicationLag data" in no_data.out

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
    assert "caught up" in result["details"]["catch_up"]
    assert world.rds.writer_arn == world.rds.primary_arn
    assert len(world.rds.calls_of("switchover_global_cluster")) == 2
    assert world.rds.calls_of("failover_global_cluster") == []

    status = run(clients, "--suffix", SUFFIX, "--json", "status")
    assert status.json()["writer_region"] == PRIMARY


def test_failback_refused_while_the_lag_is_high(world: World) -> None:
    clients = WorldClients(world.rds)
    assert run(clients, "--suffix", SUFFIX, "switchover").code == 0
    put_lag(PRIMARY, world.names.primary_cluster, 4200.0)

    refused = run(clients, "--suffix", SUFFIX, "failback", "--max-lag-ms", "1000")

    assert refused.code == 3
    assert "replication lag 4200 ms exceeds 1000 ms" in refused.out
    assert world.rds.writer_arn == world.rds.secondary_arn
    accepted = run(clients, "--suffix", SUFFIX, "failback", "--max-lag-ms", "5000")
    assert accepted.code == 0
    assert world.rds.writer_arn == world.rds.primary_arn


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
    assert {region for region, op, _ in world.rds.calls if op != "describe_global_clusters"} == {
        SECONDARY
    }
    again = run(clients, "--suffix", SUFFIX, "--json", "failover", "--yes")
    assert again.json()["outcome"] == "already"
    assert len(world.rds.calls_of("failover_global_cluster")) == 1


def test_cli_retries_a_throttled_switchover(world: World) -> None:
    from tests.scenarios.fakes import ThrottleOnce

    throttled = ThrottleOnce(world.rds.client(SECONDARY), "switchover_global_cluster")

    class Clients(WorldClients):
        def rds(self, region: str):  # type: ignore[no-untyped-def]
            return throttled if region == SECONDARY else super().rds(region)

    result = run(Clients(world.rds), "--suffix", SUFFIX, "switchover")

    assert result.code == 0, result.out
    assert throttled.attempts == 2
    assert len(world.rds.calls_of("switchover_global_cluster")) == 1
