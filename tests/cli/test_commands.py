"""``payment-dr`` commands: confirmation, refusals, status across regions, drill, progress."""

from __future__ import annotations

import io
from pathlib import Path

from dr_app.cli.commands import status as status_command
from dr_app.cli.context import CliContext
from dr_app.cli.dns import DnsAnswer
from dr_app.cli.main import is_production
from dr_app.cli.names import ResourceNames
from dr_app.cli.progress import Progress
from payment_dr_core import EnvironmentConfig, StateBackendConfig
from tests.scenarios.cli_support import AdvancingClock, WorldClients, put_lag, run
from tests.scenarios.conftest import PRIMARY, SECONDARY, SUFFIX, World


def test_failover_refuses_without_a_terminal_and_without_yes(world: World) -> None:
    result = run(WorldClients(world.rds), "--suffix", SUFFIX, "failover", interactive=False)

    assert result.code == 2
    assert "pass --yes" in result.out
    assert world.rds.calls == []


def test_failover_asks_for_the_global_cluster_id(world: World) -> None:
    clients = WorldClients(world.rds)

    wrong = run(clients, "--suffix", SUFFIX, "failover", stdin="yes\n", interactive=True)
    assert wrong.code == 3
    assert "not confirmed" in wrong.out
    assert f"Type the global cluster identifier ({world.names.global_cluster})" in wrong.err
    assert world.rds.calls_of("failover_global_cluster") == []

    right = run(
        clients,
        "--suffix",
        SUFFIX,
        "failover",
        stdin=f"{world.names.global_cluster}\n",
        interactive=True,
    )
    assert right.code == 0, right.out
    assert world.rds.calls_of("failover_global_cluster")[0]["AllowDataLoss"] is True
    assert world.rds.writer_arn == world.rds.secondary_arn


def test_switchover_refused_while_the_target_resyncs(world: World) -> None:
    world.rds.members[world.rds.secondary_arn].synchronization = "pending-resync"

    result = run(WorldClients(world.rds), "--suffix", SUFFIX, "switchover")

    assert result.code == 3
    assert "not synchronized (pending-resync)" in result.out
    assert world.rds.calls_of("switchover_global_cluster") == []


def test_switchover_times_out_with_the_last_state(world: World) -> None:
    world.rds.promotion_duration_seconds = 10_000  # a switchover that keeps running
    result = run(
        WorldClients(world.rds),
        "--suffix",
        SUFFIX,
        "switchover",
        "--timeout",
        "60",
        "--poll-interval",
        "10",
    )

    assert result.code == 1
    assert "timed out" in result.out
    assert "switching-over" in result.out


def test_status_from_the_secondary_while_the_primary_region_is_down(world: World) -> None:
    world.rds.down_regions.add(PRIMARY)
    put_lag(SECONDARY, world.names.secondary_cluster, 180.0, metric="AuroraGlobalDBReplicationLag")
    put_lag(SECONDARY, world.names.secondary_cluster, 95.0)
    world.set_alarm("ALARM")
    clients = WorldClients(world.rds, down={PRIMARY})

    result = run(clients, "--suffix", SUFFIX, "--json", "status")

    assert result.code == 0, result.out
    document = result.json()
    assert document["writer_region"] == PRIMARY
    assert document["global_cluster"]["read_from"] == SECONDARY
    secondary = next(m for m in document["members"] if m["region"] == SECONDARY)
    assert {lag["metric"]: lag["latest_ms"] for lag in secondary["lag"]} == {
        "AuroraGlobalDBReplicationLag": 180.0,
        "AuroraGlobalDBRPOLag": 95.0,
    }
    assert document["auto_failover_switch"] == "on"
    failing = {(e["region"], e["service"]) for e in document["region_errors"]}
    assert (PRIMARY, "rds") in failing
    assert (PRIMARY, "cloudwatch") in failing
    assert document["health_checks"][0]["name"] == world.names.health_check_tags[0]
    assert document["dns"]["name"] == "api-scn.payments.example.com"
    assert document["dns"]["region"] == SECONDARY


def test_status_fails_only_when_no_region_answers(world: World) -> None:
    world.rds.down_regions.update({PRIMARY, SECONDARY})
    clients = WorldClients(world.rds, down={PRIMARY, SECONDARY, "global"})

    result = run(clients, "--suffix", SUFFIX, "status")

    assert result.code == 1
    assert "UNREADABLE" in result.out
    assert f"warning: {SECONDARY} rds unavailable" in result.out
    assert "warning: global route53 unavailable" in result.out


def test_status_text_with_dns_and_last_decision(world: World) -> None:
    world.primary_down()
    world.evaluate(world.orchestrator())
    names = ResourceNames.for_environment(EnvironmentConfig(suffix=SUFFIX), PRIMARY, SECONDARY)
    out = io.StringIO()
    ctx = CliContext(
        names=names,
        clients=WorldClients(world.rds),
        out=out,
        err=io.StringIO(),
        stdin=io.StringIO(),
    )

    def resolver(name: str) -> DnsAnswer:
        return DnsAnswer(
            name,
            "d-abc123.execute-api.us-east-2.amazonaws.com",
            (name,),
            ("203.0.113.10",),
        )

    document, lines, ok = status_command.gather(ctx, "api.example.test", resolver)

    assert ok
    assert document["dns"]["region"] == SECONDARY  # type: ignore[index]
    assert any(line.startswith("DNS api.example.test: 203.0.113.10") for line in lines)
    assert any("-> us-east-2" in line for line in lines)
    assert document["last_decision"]["action"] == "none"  # type: ignore[index]
    assert any(line.startswith("last orchestrator decision") for line in lines)
    assert any("1 in ALARM" in line for line in lines)


def test_drill_refused_in_production(world: World) -> None:
    for suffix in ("prod", "prod-eu", "eu-production"):
        result = run(WorldClients(world.rds), "--suffix", suffix, "drill")
        assert result.code == 3, suffix
        assert "production" in result.out
    assert world.rds.calls == []
    assert is_production(EnvironmentConfig(suffix="product")) is False
    staging = EnvironmentConfig(
        suffix="staging",
        production=True,
        alert_email="ops@example.com",
        hosted_zone_name="payments.acme.io",
        state=StateBackendConfig(bucket="acme-payment-dr-tfstate"),
    )
    assert is_production(staging) is True


def test_drill_runs_a_full_game_day_in_dev(world: World) -> None:
    put_lag(PRIMARY, world.names.primary_cluster, 120.0)

    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "--json", "drill", "--poll-interval", "15"
    )

    assert result.code == 0, result.out
    document = result.json()
    steps = {step["step"]: step for step in document["steps"]}
    assert list(steps) == [
        "check primary writes",
        "switchover to secondary",
        "verify secondary writes",
        "wait for primary catch-up",
        "switch back to primary",
        "verify primary writes",
    ]
    assert all(step["ok"] for step in steps.values())
    # the fake's switchover runs PROMOTION_SECONDS (180) of virtual time: twelve 15 s polls
    assert steps["switchover to secondary"]["seconds"] == 180.0
    assert steps["switch back to primary"]["seconds"] == 180.0
    assert world.rds.writer_arn == world.rds.primary_arn
    targets = [
        c["TargetDbClusterIdentifier"] for c in world.rds.calls_of("switchover_global_cluster")
    ]
    assert targets == [world.rds.secondary_arn, world.rds.primary_arn]
    assert world.rds.calls_of("failover_global_cluster") == []


def test_drill_stops_before_switching_back_when_the_primary_lags(world: World) -> None:
    result = run(
        WorldClients(world.rds),
        "--suffix",
        SUFFIX,
        "drill",
        "--catch-up-timeout",
        "60",
        "--poll-interval",
        "20",
    )

    assert result.code == 1
    assert "wait for primary catch-up" in result.out
    assert "switch back" not in result.out
    assert len(world.rds.calls_of("switchover_global_cluster")) == 1


def test_progress_redraws_in_place_on_a_terminal() -> None:
    stream, clock = io.StringIO(), AdvancingClock()
    progress = Progress(stream, "failover", tty=True, clock=clock)
    for state in ("pending", "pending", "failing-over"):
        progress.update(state)
        clock.sleep(10)
    progress.finish("done")

    text = stream.getvalue()
    assert text.count("\r\x1b[2K") == 4
    assert text.count("\n") == 1
    assert "failover [00:20.0] failing-over" in text
    assert text.endswith("failover [00:30.0] done\n")


def test_progress_writes_a_line_per_change_without_a_terminal() -> None:
    stream, clock = io.StringIO(), AdvancingClock()
    progress = Progress(stream, "switchover", tty=False, clock=clock)
    for state in ("pending", "pending", "pending", "switching-over"):
        progress.update(state)
        clock.sleep(5)

    assert stream.getvalue().splitlines() == [
        "switchover [00:00.0] pending",
        "switchover [00:15.0] switching-over",
    ]
    assert "\r" not in stream.getvalue()


def test_configuration_errors_exit_2(world: World) -> None:
    result = run(WorldClients(world.rds), "--suffix", "Bad_Suffix", "status")
    assert result.code == 2
    assert "configuration error" in result.err
    assert "suffix" in result.err


def test_status_says_unknown_where_the_calls_failed(world: World) -> None:
    world.rds.down_regions.update({PRIMARY, SECONDARY})
    clients = WorldClients(world.rds, down={PRIMARY, SECONDARY, "global"})

    result = run(clients, "--suffix", SUFFIX, "status")

    assert "health checks: unknown (the Route 53 calls failed)" in result.out
    assert f"alarms: unknown (the CloudWatch calls failed in {PRIMARY}, {SECONDARY})" in result.out
    assert "none found" not in result.out
    assert "0 found" not in result.out


def test_status_counts_the_alarms_it_read_and_names_the_region_it_could_not(
    world: World,
) -> None:
    world.rds.down_regions.add(PRIMARY)
    clients = WorldClients(world.rds, down={PRIMARY})

    text = run(clients, "--suffix", SUFFIX, "status")
    document = run(clients, "--suffix", SUFFIX, "--json", "status").json()

    assert f"; {PRIMARY}: unknown (the CloudWatch calls failed)" in text.out
    assert document["alarms_unknown_regions"] == [PRIMARY]


def test_status_reads_the_config_from_the_environments_directory(
    world: World, tmp_path: Path
) -> None:
    (tmp_path / f"{SUFFIX}.toml").write_text('domain_name = "pay.payments.example.com"\n')
    clients = WorldClients(world.rds)

    by_flag = run(
        clients, "--environments-dir", str(tmp_path), "--suffix", SUFFIX, "--json", "status"
    ).json()
    by_variable = run(
        clients,
        "--suffix",
        SUFFIX,
        "--json",
        "status",
        environ={"PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path)},
    ).json()

    assert by_flag["dns"]["name"] == "pay.payments.example.com"
    assert by_variable["dns"]["name"] == "pay.payments.example.com"


def test_a_config_error_names_the_file_and_the_key(world: World, tmp_path: Path) -> None:
    (tmp_path / f"{SUFFIX}.toml").write_text("failover_consecutive_checks = 2.5\n")

    result = run(
        WorldClients(world.rds), "--environments-dir", str(tmp_path), "--suffix", SUFFIX, "status"
    )

    assert result.code == 2
    assert result.err == (
        f"payment-dr: configuration error: {tmp_path / f'{SUFFIX}.toml'}: "
        "failover_consecutive_checks: got 2.5; allowed: an integer (type error: got a float)\n"
    )
