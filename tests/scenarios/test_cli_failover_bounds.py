"""``payment-dr failover`` asks the target's region only and ends within its stated bound
(``--timeout`` from the start plus one RDS call), whatever the old primary's region does.

Time is the world's virtual clock: the CLI sleeps on it, the RDS fake's promotion runs on it
(``PROMOTION_SECONDS``), and a hanging region's calls cost it ``RDS_CALL_BOUND_SECONDS`` each
before botocore's ``ConnectTimeoutError`` (the operator client's connect plus read timeout, one
attempt), as a region whose endpoint never answers does.
"""

from __future__ import annotations

from typing import Any

from dr_app.cli.operations import RDS_CALL_BOUND_SECONDS
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import PRIMARY, SECONDARY, SUFFIX, World
from tests.scenarios.fakes import PROMOTION_SECONDS, FakeRds, client_error


def primary_calls(world: World) -> list[str]:
    return [op for region, op, _ in world.rds.calls if region == PRIMARY]


def test_the_bound_is_the_operator_clients_one_attempt() -> None:
    assert RDS_CALL_BOUND_SECONDS == 25.0


def test_a_hanging_primary_region_costs_the_failover_nothing(world: World) -> None:
    world.rds.hanging_regions[PRIMARY] = RDS_CALL_BOUND_SECONDS
    clients = WorldClients(world.rds, down={PRIMARY})
    started = world.rds.clock.now

    result = run(clients, "--suffix", SUFFIX, "--json", "failover", "--yes")

    assert result.code == 0, result.out + result.err
    assert result.json()["outcome"] == "completed"
    assert world.rds.clock.now - started == PROMOTION_SECONDS == 180.0
    assert primary_calls(world) == []
    assert world.rds.writer_arn == world.rds.secondary_arn
    assert (
        "CopyDBClusterSnapshot: not attempted while failing over (the old primary's region is "
        "not called; Aurora takes its rds:unplanned-global-failover-* snapshot only once that "
        "region is back); run 'payment-dr failover' again then\n"
    ) in result.err


class FailsOnce:
    """The target region's RDS answering one DescribeGlobalClusters call with a server error
    (the ``nth``, counting from 1), then answering again."""

    def __init__(self, client: FakeRds, nth: int) -> None:
        self._client = client
        self._nth = nth
        self.describes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def describe_global_clusters(self, **kwargs: Any) -> dict[str, Any]:
        self.describes += 1
        if self.describes == self._nth:
            raise client_error("InternalFailure", "DescribeGlobalClusters")
        return self._client.describe_global_clusters(**kwargs)


def test_a_target_region_error_is_not_answered_from_the_hanging_region(world: World) -> None:
    world.rds.hanging_regions[PRIMARY] = RDS_CALL_BOUND_SECONDS
    flaky = FailsOnce(world.rds.client(SECONDARY), nth=2)  # the wait's first poll

    class Clients(WorldClients):
        def rds(self, region: str):  # type: ignore[no-untyped-def]
            return flaky if region == SECONDARY else super().rds(region)

    started = world.rds.clock.now
    result = run(Clients(world.rds), "--suffix", SUFFIX, "--json", "failover", "--yes")

    assert result.code == 0, result.out + result.err
    assert world.rds.clock.now - started == 180.0, "no 25 s hang per poll on the old region"
    assert primary_calls(world) == []
    assert "failover [00:00.0] cannot describe the global cluster: us-east-2: InternalFailure" in (
        result.err
    )


def test_the_failover_ends_at_its_timeout_counted_from_the_start(world: World) -> None:
    world.rds.promotion_duration_seconds = 10_000  # a promotion that does not end in time
    world.rds.hanging_regions[PRIMARY] = RDS_CALL_BOUND_SECONDS
    started = world.rds.clock.now

    result = run(
        WorldClients(world.rds),
        "--suffix",
        SUFFIX,
        "--json",
        "failover",
        "--yes",
        "--timeout",
        "60",
        "--poll-interval",
        "25",
    )

    assert result.code == 1
    assert world.rds.clock.now - started == 60.0
    assert result.json()["message"] == (
        "timed out after 60s: failing-over, failover failing-over, writer us-east-1"
    )
    assert world.rds.clock.sleeps == [25.0, 25.0, 10.0]
    assert primary_calls(world) == []


def test_the_rerun_once_the_old_region_is_back_copies_the_snapshot(world: World) -> None:
    world.rds.hanging_regions[PRIMARY] = RDS_CALL_BOUND_SECONDS
    assert run(WorldClients(world.rds), "--suffix", SUFFIX, "failover", "--yes").code == 0

    # while us-east-1 still hangs, the re-run's one call there costs one bound
    started = world.rds.clock.now
    still_down = run(WorldClients(world.rds), "--suffix", SUFFIX, "failover", "--yes")
    assert still_down.code == 0
    assert world.rds.clock.now - started == RDS_CALL_BOUND_SECONDS
    assert primary_calls(world) == ["describe_db_cluster_snapshots"]
    assert "CopyDBClusterSnapshot: not done (ConnectTimeoutError: " in still_down.err

    world.rds.region_back(PRIMARY)  # Aurora takes the failover snapshot, then rebuilds
    back = run(WorldClients(world.rds), "--suffix", SUFFIX, "failover", "--yes")

    assert back.code == 0
    assert "failover: already: us-east-2 is already the writer" in back.out
    assert "CopyDBClusterSnapshot: done\n" in back.err
    copies = sorted(i for i in world.rds.snapshots if i.startswith("payment-processing-failover"))
    assert copies == ["payment-processing-failover-scn-20270115080325"]
