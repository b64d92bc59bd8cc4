"""``payment-dr rto-budget`` over synthesized stacks written by the test (hand-built inputs).

The default stacks, synthesized, are in ``test_rto_budget_stacks.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from dr_app.cli import budget as budget_module
from dr_app.cli.budget import Basis, Budget, Defaults, Term, compute_budget
from dr_app.cli.synthesized import SynthesizedApp, load_app, rate_seconds
from payment_service.errors import RETRY_AFTER_READ_ONLY_SECONDS
from payment_service.orchestrator.model import Thresholds
from payment_service.writer import PROMOTION_BOUND_SECONDS, STANDBY_ANSWER_TTL_SECONDS
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import World

SUFFIX = "bgt"
SECONDARY = f"payment-dr-{SUFFIX}-secondary"
PRIMARY = f"payment-dr-{SUFFIX}-primary"
REMOTE_ALARM_NAME = "payment-processing-primary-no-response-usw2-bgt"
PATHS = ("outage", "database_down", "api_only", "switchover_fallback", "manual")


def write_stack(outdir: Path, role: str, resources: dict[str, Any]) -> None:
    stack = outdir / "stacks" / f"payment-dr-{SUFFIX}-{role}"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": resources}))


def orchestrator_function(variables: dict[str, str], **body: Any) -> dict[str, Any]:
    return {
        "handler": "payment_service.orchestrator.handler",
        "environment": {"variables": variables},
        **body,
    }


def probe_alarms() -> dict[str, Any]:
    """Two no-response alarms: 2 of 2 periods of 60 s, and 2 of 3 periods of 60 s (the
    breaching periods count, not the evaluated ones: 180 s each)."""
    return {
        "probe_alarm": {
            "alarm_name": "payment-processing-primary-no-response-use2-bgt",
            "evaluation_periods": 2,
            "datapoints_to_alarm": 2,
            "period": 60,
        },
        "remote_alarm": {
            "alarm_name": REMOTE_ALARM_NAME,
            "evaluation_periods": 3,
            "datapoints_to_alarm": 2,
            "period": 60,
        },
    }


def full_app(
    outdir: Path,
    *,
    interval: int = 10,
    threshold: int = 2,
    consecutive: str = "2",
    schedule: str = "rate(2 minutes)",
    record: dict[str, Any] | None = None,
    rpo: str | None = "120",
    variables: dict[str, str] | None = None,
    alarms: dict[str, Any] | None = None,
) -> Path:
    """Route 53 20 s + alias 60 s; alarms 180 s; 2 evaluations of 120 s; timeout 30 s."""
    primary: dict[str, Any] = {
        "aws_route53_health_check": {
            "primary_health": {"request_interval": interval, "failure_threshold": threshold}
        }
    }
    if rpo is not None:
        primary["aws_rds_cluster_parameter_group"] = {
            "params": {
                "parameter": [
                    {"name": "rds.force_ssl", "value": "1"},
                    {"name": "rds.global_db_rpo", "value": rpo},
                ]
            }
        }
    write_stack(outdir, "primary", primary)
    environment = {
        "CONSECUTIVE_FAILURES": consecutive,
        "SECONDARY_PROBE_ALARM_NAME": "${aws_cloudwatch_metric_alarm.probe_alarm.alarm_name}",
        "REMOTE_PROBE_ALARM_NAME": REMOTE_ALARM_NAME,
        **(variables or {}),
    }
    write_stack(
        outdir,
        "secondary",
        {
            "aws_route53_record": {
                "primary_record": record
                or {
                    "name": "api",
                    "failover_routing_policy": {"type": "PRIMARY"},
                    "alias": {"name": "x", "zone_id": "z"},
                },
                "validation": {"name": "_acme", "ttl": 300, "records": ["v"]},
            },
            "aws_lambda_function": {
                "orchestrator_fn": orchestrator_function(environment, timeout=30)
            },
            "aws_cloudwatch_metric_alarm": probe_alarms() if alarms is None else alarms,
            "aws_cloudwatch_event_rule": {
                "orchestrator_schedule": {"name": "any", "schedule_expression": schedule}
            },
            "aws_cloudwatch_event_target": {
                "orchestrator_target": {
                    "rule": "${aws_cloudwatch_event_rule.orchestrator_schedule.name}",
                    "arn": "${aws_lambda_function.orchestrator_fn.arn}",
                }
            },
            "aws_dynamodb_table_replica": {"sessions_replica": {"global_table_arn": "x"}},
            "aws_s3_bucket_replication_configuration": {
                "replication": {
                    "rule": [
                        {
                            "destination": {
                                "replication_time": {"status": "Enabled", "time": {"minutes": 15}}
                            }
                        }
                    ]
                }
            },
        },
    )
    return outdir


def stacks_in(outdir: Path) -> SynthesizedApp:
    """Both stacks of the suffix written under ``outdir`` (a missing one is skipped)."""
    return load_app(outdir, (PRIMARY, SECONDARY))


def budget_of(
    outdir: Path,
    page_to_action_minutes: float = 15,
    *,
    rto_objective_seconds: float = 1800,
    rpo_objective_seconds: float = 900,
) -> Budget:
    return compute_budget(
        stacks_in(outdir),
        rto_objective_seconds=rto_objective_seconds,
        rpo_objective_seconds=rpo_objective_seconds,
        page_to_action_minutes=page_to_action_minutes,
    )


def terms(budget: Budget) -> dict[str, Term]:
    return {
        term.key: term
        for path in budget.paths
        for term in (*path.clients, *path.writer, path.retry_after)
    }


def rtos(budget: Budget) -> dict[str, tuple[float, float]]:
    """``{path: (low end, upper end)}``."""
    return {path.key: (path.low_rto_seconds, path.rto_seconds) for path in budget.paths}


def test_every_path_from_synthesized_values_where_the_writer_chain_dominates(
    tmp_path: Path,
) -> None:
    budget = budget_of(full_app(tmp_path))
    found = terms(budget)

    assert [path.key for path in budget.paths] == list(PATHS)
    assert {key: (t.least, t.seconds, t.basis) for key, t in found.items()} == {
        "route53": (20, 20, Basis.DOCUMENTED),
        "api_dns": (60, 60, Basis.ASSUMED),
        "probe_alarms": (180, 180, Basis.DOCUMENTED),
        "alarm_latency": (60, 60, Basis.ASSUMED),
        "evaluations": (240, 240, Basis.DOCUMENTED),
        "evaluation_run": (30, 30, Basis.DOCUMENTED),
        "failover": (60, 300, Basis.ASSUMED),
        "fence": (5, 5, Basis.DOCUMENTED),
        "retry_after": (30, 30, Basis.DOCUMENTED),
        "switchover": (60, 300, Basis.ASSUMED),
        "switchover_bound": (300, 300, Basis.DOCUMENTED),
        "next_evaluation": (150, 150, Basis.DOCUMENTED),
        "page_to_action": (900, 900, Basis.ASSUMED),
    }
    assert rtos(budget) == {
        "outage": (605, 845),
        "database_down": (365, 605),
        "api_only": (365, 605),
        "switchover_fallback": (1055, 1295),
        "manual": (1505, 1745),
    }
    outage = budget.path("outage")
    assert (outage.client_seconds, outage.writer_seconds) == (80, 815)
    assert outage.formula == (
        "max(route53 + api_dns, probe_alarms + alarm_latency + evaluations + evaluation_run"
        " + failover + fence + retry_after)"
    )
    assert found["route53"].source == f"{PRIMARY}/aws_route53_health_check.primary_health"
    assert found["api_dns"].source.startswith(f"{SECONDARY}/aws_route53_record.primary_record; ")
    assert found["probe_alarms"].source == (
        f"{SECONDARY}/aws_cloudwatch_metric_alarm.probe_alarm, "
        f"{SECONDARY}/aws_cloudwatch_metric_alarm.remote_alarm"
    )
    assert found["evaluation_run"].source == f"{SECONDARY}/aws_lambda_function.orchestrator_fn"
    assert "within a few minutes" in found["failover"].source
    assert "aurora-global-database-disaster-recovery.html" in found["failover"].source
    assert "directly proportional" in found["switchover"].source
    assert found["fence"].source.startswith("payment_service/writer.py PROMOTION_BOUND_SECONDS")
    assert found["retry_after"].source.startswith("payment_service/errors.py")
    assert [p.loses_writes for p in budget.paths] == [True, True, False, True, True]
    assert budget.worst.key == "manual"
    assert budget.rto_ok
    assert budget.rpo_seconds == 900
    assert budget.rpo_ok


def test_the_retry_after_and_the_orchestrator_bounds_are_the_services_own() -> None:
    thresholds = Thresholds()

    assert thresholds.min_spacing_seconds == budget_module.DEFAULT_SPACING_SECONDS
    assert thresholds.switchover_timeout_seconds == (
        budget_module.DEFAULT_SWITCHOVER_TIMEOUT_SECONDS
    )
    assert thresholds.consecutive_failures == budget_module.DEFAULT_CONSECUTIVE_FAILURES
    assert RETRY_AFTER_READ_ONLY_SECONDS == 30


@pytest.mark.parametrize("synthesized", [True, False], ids=["stacks", "no-stacks"])
def test_the_writer_chain_counts_the_write_fence_and_no_dns_change(
    tmp_path: Path, synthesized: bool
) -> None:
    """The API writes to its own region's cluster endpoint, never through the global writer
    endpoint: once the promoted region's DescribeGlobalClusters reports its cluster IsWriter,
    the fence lets writes through within 5 s (payment_service.writer, "Bounds"). No path's
    writer chain waits for a DNS change."""
    budget = budget_of(full_app(tmp_path) if synthesized else tmp_path)

    assert PROMOTION_BOUND_SECONDS == STANDBY_ANSWER_TTL_SECONDS == 5
    for path in budget.paths:
        keys = [term.key for term in path.writer]
        assert not [key for key in keys if "dns" in key], f"{path.key}: {keys}"
        assert keys[-1] == "fence", f"{path.key}: the fence comes after the move"
        for term in path.writer:
            assert "RDS-EVENT-0397" not in term.label + term.source
            assert "global writer endpoint" not in term.label + term.source
        fence = path.writer[-1]
        assert (fence.least, fence.seconds, fence.basis) == (5, 5, Basis.DOCUMENTED)
        assert fence.label == (
            "the promoted region's write fence lets writes through (DescribeGlobalClusters "
            "IsWriter; standby answers cached 5 s)"
        )
        assert fence.source.startswith("payment_service/writer.py PROMOTION_BOUND_SECONDS")
        assert "(RDS API Reference, GlobalClusterMember; DescribeGlobalClusters)" in fence.source


def test_a_dns_ttl_longer_than_the_writer_chain_dominates_the_rto(tmp_path: Path) -> None:
    """clients 20 + 1200 = 1220 against writer 60 + 30 + 300 + 5 (+ retry 30 = 425): 1220,
    not 1250 (the Retry-After is waited for only after the writer's chain)."""
    record = {"name": "api", "ttl": 1200, "records": ["a"], "failover_routing_policy": {}}
    full_app(tmp_path, consecutive="1", schedule="rate(1 minute)", record=record)

    budget = budget_of(tmp_path, page_to_action_minutes=1)

    dns = terms(budget)["api_dns"]
    assert (dns.seconds, dns.label, dns.basis) == (1200, "record TTL 1200 s", Basis.DOCUMENTED)
    assert rtos(budget) == {
        "outage": (1220, 1220),
        "database_down": (1220, 1220),
        "api_only": (1220, 1220),
        "switchover_fallback": (1220, 1220),
        "manual": (1220, 1220),
    }


def test_the_page_to_action_time_dominates_the_manual_path(tmp_path: Path) -> None:
    full_app(tmp_path, consecutive="1", schedule="rate(1 minute)")

    budget = budget_of(tmp_path, page_to_action_minutes=25)

    assert budget.path("outage").rto_seconds == 665
    assert budget.path("manual").rto_seconds == 2165
    assert budget.worst.key == "manual"
    assert not budget.rto_ok, "the manual path is over 30 min"


def test_rpo_lists_every_data_store_and_objects_dominate(tmp_path: Path) -> None:
    document = budget_of(full_app(tmp_path)).to_json()

    rpo = document["rpo"]
    assert isinstance(rpo, dict)
    assert [(t["term"], t["seconds"], t["basis"]) for t in rpo["terms"]] == [
        ("database", 120, "documented"),
        ("table", 1, "documented"),
        ("objects", 900, "documented"),
    ]
    assert (rpo["seconds"], rpo["bounded"]) == (900, True)
    assert rpo["terms"][0]["source"].startswith(
        f"{PRIMARY}/aws_rds_cluster_parameter_group.params; "
    )
    assert all(t["source"] for t in rpo["terms"])


def test_without_rds_global_db_rpo_the_database_rpo_is_unbounded(tmp_path: Path) -> None:
    budget = budget_of(full_app(tmp_path, rpo=None), rpo_objective_seconds=1e9)

    database = budget.database_lag
    assert math.isinf(database.seconds)
    assert database.basis is Basis.DOCUMENTED
    assert database.label == "Aurora: rds.global_db_rpo unset: unbounded (typically seconds)"
    assert database.source.startswith("no synthesized cluster parameter group sets it; ")
    assert "RPO is typically measured in seconds" in database.source
    assert math.isinf(budget.rpo_seconds)
    assert not budget.rpo_ok, "no objective holds an unbounded loss"
    document = budget.to_json()
    json.dumps(document, allow_nan=False)
    assert document["rpo"]["seconds"] is None  # type: ignore[index]
    assert document["rpo"]["bounded"] is False  # type: ignore[index]
    assert document["rpo"]["terms"][0]["seconds"] is None  # type: ignore[index]
    assert document["rpo"]["terms"][0]["low_seconds"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    ("parameter", "seconds"),
    [({"name": "rds.global_db_rpo", "value": "${var.rpo}"}, math.inf), ({"value": "60"}, math.inf)],
)
def test_an_rpo_parameter_that_is_not_a_literal_bound_is_no_bound(
    tmp_path: Path, parameter: dict[str, str], seconds: float
) -> None:
    groups = {"aws_rds_cluster_parameter_group": {"params": {"parameter": [parameter]}}}
    app = app_of(tmp_path, {}, primary=groups)

    assert budget_of(app).database_lag.seconds == seconds


@pytest.mark.parametrize(
    ("rpo_seconds", "seconds", "label"),
    [
        (
            0,
            math.inf,
            "Aurora: rds.global_db_rpo unset (not synthesized): unbounded (typically " "seconds)",
        ),
        (90, 90, "Aurora: rds.global_db_rpo 90 s (not synthesized)"),
        (1, 1, "Aurora: rds.global_db_rpo 1 s (not synthesized)"),
    ],
)
def test_without_stacks_the_database_rpo_comes_from_the_config(
    tmp_path: Path, rpo_seconds: int, seconds: float, label: str
) -> None:
    defaults = Defaults(global_db_rpo_seconds=rpo_seconds, source="environment config")

    budget = compute_budget(
        stacks_in(tmp_path),
        rto_objective_seconds=1800,
        rpo_objective_seconds=900,
        defaults=defaults,
    )

    database = budget.database_lag
    assert (database.seconds, database.label, database.basis) == (seconds, label, Basis.ASSUMED)
    assert database.source.startswith("environment config (not synthesized); AWS: ")


def test_without_stacks_nor_config_the_database_rpo_is_unbounded(tmp_path: Path) -> None:
    budget = compute_budget(
        stacks_in(tmp_path), rto_objective_seconds=1800, rpo_objective_seconds=900
    )

    assert math.isinf(budget.database_lag.seconds)
    assert budget.database_lag.basis is Basis.ASSUMED
    assert budget.database_lag.source.startswith("orchestrator defaults (not synthesized); ")


def test_rto_budget_without_stacks_says_what_it_assumed_and_exits_3(
    tmp_path: Path, world: World
) -> None:
    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert result.code == 3
    lines = result.out.splitlines()
    assert "none (every term below is an assumption)" in lines[0]
    assert lines[1].startswith("labels: documented = a written source states it")
    assert "OK" not in result.out.replace("NOT VERIFIED", "")
    assert result.out.count("NOT VERIFIED (no synthesized stacks: assumed values)") == 6
    route53 = next(line for line in lines if line.strip().startswith("route53"))
    assert "90 s" in route53
    assert "[assumed: Route 53 defaults]" in route53
    evaluations = next(line for line in lines if line.strip().startswith("evaluations"))
    assert "3 consecutive evaluations (not synthesized), one every 60 s" in evaluations
    assert "[assumed: environment config: orchestrator_schedule_minutes=1, " in evaluations
    assert "  failover           60-300 s  " in result.out
    assert (
        "RTO = max(route53 + api_dns, probe_alarms + alarm_latency + evaluations + "
        "evaluation_run + failover + fence + retry_after) = max(150, 755 + 30) = 785 s "
        "(13.1 min; 545 s at the low end of the ranges): NOT VERIFIED" in result.out
    )
    assert " = max(150, 1655 + 30) = 1685 s (28.1 min; 1445 s at the low end" in result.out
    assert "  RPO = max(database, table, objects) = unbounded; objective 15 min: NOT" in (
        result.out
    )
    assert "no synthesized stacks for suffix 'bgt'" in result.err
    assert world.rds.calls == [], "rto-budget makes no AWS call"


def test_rto_budget_with_stacks_prints_ok(tmp_path: Path, world: World) -> None:
    full_app(tmp_path)
    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert result.code == 0, result.out + result.err
    assert "= max(80, 815 + 30) = 845 s (14.1 min; 605 s at the low end of the ranges): OK" in (
        result.out
    )
    assert "= max(80, 1715 + 30) = 1745 s (29.1 min; 1505 s at the low end of the ranges): OK" in (
        result.out
    )
    assert "  database              120 s  Aurora: rds.global_db_rpo 120 s bounds" in result.out
    assert "RPO = max(database, table, objects) = 900 s (15.0 min); objective 15 min: OK" in (
        result.out
    )
    assert "has no bound" not in result.out


def test_rto_budget_exits_1_when_over_an_objective(tmp_path: Path, world: World) -> None:
    full_app(tmp_path, interval=30, threshold=10, consecutive="20")
    clients = WorldClients(world.rds)

    over = run(clients, "--suffix", SUFFIX, "--json", "rto-budget", "--synth-dir", str(tmp_path))
    assert over.code == 1
    document = over.json()
    assert document["verified"] is True
    assert document["rto"] == {
        "seconds": 3905,
        "objective_seconds": 1800,
        "within_objective": False,
        "worst_path": "manual",
    }
    by_path = {path["path"]: path for path in document["paths"]}
    assert [by_path[key]["seconds"] for key in PATHS] == [3005, 2765, 2765, 3455, 3905]
    assert by_path["outage"]["terms"][0] == {
        "term": "route53",
        "label": "health check 30 s interval x 10 failures",
        "seconds": 300,
        "low_seconds": 300,
        "basis": "documented",
        "source": f"{PRIMARY}/aws_route53_health_check.primary_health",
    }
    assert [t["basis"] for t in by_path["api_only"]["terms"]] == [
        "documented",
        "assumed",
        "documented",
        "documented",
        "assumed",
        "documented",
        "documented",
    ]
    assert by_path["api_only"]["loses_writes"] is False
    assert document["rpo"]["within_objective"] is True

    rpo_over = run(
        clients,
        "--suffix",
        SUFFIX,
        "rto-budget",
        "--synth-dir",
        str(tmp_path),
        "--rto-objective-minutes",
        "70",
        "--rpo-objective-minutes",
        "5",
    )
    assert rpo_over.code == 1
    assert "objective 5 min: OVER" in rpo_over.out


def test_an_unbounded_rpo_is_over_any_objective_and_says_how_to_bound_it(
    tmp_path: Path, world: World
) -> None:
    full_app(tmp_path, rpo=None)
    clients = WorldClients(world.rds)

    text = run(clients, "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path))
    document = run(
        clients, "--suffix", SUFFIX, "--json", "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert text.code == document.code == 1
    assert "  database          unbounded  Aurora: rds.global_db_rpo unset" in text.out
    assert "RPO = max(database, table, objects) = unbounded; objective 15 min: OVER" in text.out
    assert "aurora_global_db_rpo_seconds sets rds.global_db_rpo" in text.out
    assert "Infinity" not in document.out
    assert document.json()["rpo"]["seconds"] is None


def test_expressions_are_not_literal_values(tmp_path: Path) -> None:
    full_app(tmp_path, consecutive="${var.n}")
    budget = compute_budget(
        stacks_in(tmp_path), rto_objective_seconds=1800, rpo_objective_seconds=900
    )

    evaluations = terms(budget)["evaluations"]
    assert evaluations.basis is Basis.ASSUMED
    assert evaluations.label.startswith("3 consecutive evaluations (not synthesized), one every")
    assert evaluations.seconds == 360


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("cron(* * * * ? *)", None),
    ],
)
def test_rate_expressions(expression: str, seconds: int | None) -> None:
    assert rate_seconds(expression) == seconds


def app_of(outdir: Path, secondary: dict[str, Any], primary: dict[str, Any] | None = None) -> Path:
    write_stack(outdir, "primary", primary or {})
    write_stack(outdir, "secondary", secondary)
    return outdir


def test_without_any_synthesized_value_every_term_is_marked_assumed(tmp_path: Path) -> None:
    app = stacks_in(app_of(tmp_path, {}))

    budget = compute_budget(app, rto_objective_seconds=1800, rpo_objective_seconds=900)
    found = terms(budget)

    assert found["route53"].to_json() == {
        "term": "route53",
        "label": "health check 30 s interval x 3 failures (not synthesized)",
        "seconds": 90,
        "low_seconds": 90,
        "basis": "assumed",
        "source": "Route 53 defaults",
    }
    assert (found["api_dns"].seconds, found["api_dns"].basis) == (60, Basis.ASSUMED)
    assert found["api_dns"].source.startswith("Route 53 Developer Guide, ")
    assert found["evaluations"].to_json() == {
        "term": "evaluations",
        "label": "3 consecutive evaluations (not synthesized), one every 60 s: schedule 60 s "
        "(not synthesized), counted at least 20 s apart",
        "seconds": 180,
        "low_seconds": 180,
        "basis": "assumed",
        "source": "orchestrator defaults, payment_service/orchestrator/model.py "
        "Thresholds.min_spacing_seconds",
    }
    assert found["probe_alarms"].to_json() == {
        "term": "probe_alarms",
        "label": "both probe alarms in ALARM: 2 periods of 60 s unanswered, plus the period "
        "of the last answer (not synthesized)",
        "seconds": 180,
        "low_seconds": 180,
        "basis": "assumed",
        "source": "PrimaryProbe defaults (alarm_evaluation_periods 2, period 60 s)",
    }
    assert (found["evaluation_run"].seconds, found["evaluation_run"].basis) == (30, Basis.ASSUMED)
    assert found["evaluation_run"].label.endswith("(not synthesized)")
    assert (found["switchover_bound"].seconds, found["switchover_bound"].source) == (
        300,
        "payment_service/orchestrator/model.py Thresholds",
    )
    assert (budget.objects.seconds, budget.objects.basis) == (900, Basis.ASSUMED)
    assert budget.objects.label == "S3 Replication Time Control: 15 min (objects, not synthesized)"
    assert budget.objects.source.startswith('AWS: S3 RTC "replicates 99.99 percent')
    assert budget.table_lag.label.endswith("(no replica synthesized)")
    assert budget.table_lag.basis is Basis.ASSUMED
    assert math.isinf(budget.database_lag.seconds)
    assert budget.database_lag.basis is Basis.DOCUMENTED, "the stacks exist and set no bound"
    assert found["page_to_action"].label == "page -> a person runs payment-dr failover: 15 min"
    assert rtos(budget) == {
        "outage": (545, 785),
        "database_down": (305, 545),
        "api_only": (305, 545),
        "switchover_fallback": (935, 1175),
        "manual": (1445, 1685),
    }


def test_the_objectives_are_keyword_only_so_rto_and_rpo_cannot_be_swapped(tmp_path: Path) -> None:
    app = stacks_in(app_of(tmp_path, {}))

    with pytest.raises(TypeError):
        compute_budget(app, 1800, 900)  # type: ignore[misc]


def test_a_budget_and_its_terms_cannot_be_altered_once_computed(tmp_path: Path) -> None:
    budget = budget_of(full_app(tmp_path))

    with pytest.raises(FrozenInstanceError):
        budget.rto_objective_seconds = 1e9  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        budget.paths[0].clients[0].seconds = 0  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        budget.paths[0].loses_writes = False  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Defaults().schedule_seconds = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("objective", "outage_ok", "manual_ok", "all_ok"),
    [
        (1746, True, True, True),
        (1745, True, True, True),
        (1744, True, False, False),
        (845, True, False, False),
        (844, False, False, False),
    ],
)
def test_an_rto_exactly_on_the_objective_is_within_it(
    tmp_path: Path, objective: int, outage_ok: bool, manual_ok: bool, all_ok: bool
) -> None:
    """The fixture's outage path is 845 s, its manual path 1745 s (the longest)."""
    budget = budget_of(full_app(tmp_path), rto_objective_seconds=objective)

    document = budget.to_json()
    by_path = {path["path"]: path for path in document["paths"]}  # type: ignore[attr-defined]
    assert by_path["outage"]["within_objective"] is outage_ok
    assert by_path["manual"]["within_objective"] is manual_ok
    assert by_path["manual"]["objective_seconds"] == objective
    assert document["rto"]["within_objective"] is all_ok  # type: ignore[index]
    assert (budget.path_ok(budget.path("outage")), budget.path_ok(budget.path("manual"))) == (
        outage_ok,
        manual_ok,
    )
    assert budget.rto_ok is all_ok


@pytest.mark.parametrize(("objective", "ok"), [(1800, True), (900, True), (899, False)])
def test_an_rpo_under_or_on_the_objective_is_within_it(
    tmp_path: Path, objective: int, ok: bool
) -> None:
    """The fixture's RPO is 900 s (S3 Replication Time Control)."""
    budget = budget_of(full_app(tmp_path), rpo_objective_seconds=objective)

    assert budget.rpo_ok is ok
    assert budget.to_json()["rpo"]["within_objective"] is ok  # type: ignore[index]


DETECTION_CHECKS: dict[str, dict[str, Any]] = {
    "a_expression": {"request_interval": "${var.interval}"},
    "b_threshold_expression": {"request_interval": 10, "failure_threshold": "${var.n}"},
    "c_twenty_by_two": {"request_interval": 20, "failure_threshold": 2},
    "d_ten_by_six": {"request_interval": 10, "failure_threshold": 6},
    "e_thirty_by_two": {"request_interval": 30, "failure_threshold": 2},
}


@pytest.mark.parametrize(
    "checks",
    [
        DETECTION_CHECKS,
        {
            "a_ten_by_six": {"request_interval": 10, "failure_threshold": 6},
            "b_twenty_by_two": {"request_interval": 20, "failure_threshold": 2},
        },
    ],
    ids=["expressions-first", "longest-first"],
)
def test_route53_detection_is_the_slowest_health_check_the_first_of_equals(
    tmp_path: Path, checks: dict[str, dict[str, Any]]
) -> None:
    """Interval x threshold decides (10 x 6 = 60 s beats 20 x 2 = 40 s although 20 + 2 > 10 +
    6); of two equal products (10 x 6, 30 x 2) the first keeps its place; checks whose values
    are expressions are skipped, not read as defaults."""
    app = app_of(tmp_path, {}, primary={"aws_route53_health_check": checks})

    route53 = terms(budget_of(app))["route53"]

    first_id = next(i for i, body in checks.items() if body.get("failure_threshold") == 6)
    assert (route53.seconds, route53.label, route53.source, route53.basis) == (
        60,
        "health check 10 s interval x 6 failures",
        f"{PRIMARY}/aws_route53_health_check.{first_id}",
        Basis.DOCUMENTED,
    )


def test_api_dns_is_the_longest_failover_record_ttl_the_first_of_equals(tmp_path: Path) -> None:
    records = {
        "a_validation": {"name": "_acme", "ttl": 300, "records": ["v"]},
        "b_expression": {"name": "api", "ttl": "${var.ttl}", "failover_routing_policy": {}},
        "c_first": {"name": "api", "ttl": 200, "failover_routing_policy": {}},
        "d_alias": {"name": "api", "alias": {"name": "x"}, "failover_routing_policy": {}},
        "e_equal": {"name": "api", "ttl": 200, "failover_routing_policy": {}},
    }

    dns = terms(budget_of(app_of(tmp_path, {"aws_route53_record": records})))["api_dns"]

    assert (dns.seconds, dns.label, dns.basis, dns.source) == (
        200,
        "record TTL 200 s",
        Basis.DOCUMENTED,
        f"{SECONDARY}/aws_route53_record.c_first",
    )


def test_an_alias_failover_record_has_an_assumed_ttl(tmp_path: Path) -> None:
    records = {
        "a_short": {"name": "api", "ttl": 30, "failover_routing_policy": {}},
        "b_alias": {"name": "api", "alias": {"name": "x"}, "failover_routing_policy": {}},
    }

    dns = terms(budget_of(app_of(tmp_path, {"aws_route53_record": records})))["api_dns"]

    assert (dns.seconds, dns.label, dns.basis) == (
        60,
        "alias record: the target's TTL",
        Basis.ASSUMED,
    )
    assert dns.source.startswith(f"{SECONDARY}/aws_route53_record.b_alias; Route 53 Developer")
    assert "you can't set the time to live (TTL)" in dns.source


ORCHESTRATOR_FUNCTIONS: dict[str, dict[str, Any]] = {
    "a_api": {"handler": "payment_service.api.handler"},
    "a_primary_probe": {"handler": "payment_service.primary_probe.handler"},
    "b_orchestrator": orchestrator_function({"CONSECUTIVE_FAILURES": "2"}),
}


def test_the_schedule_is_the_rate_rule_that_targets_the_orchestrator(tmp_path: Path) -> None:
    """Another function's rule and a cron rule on the orchestrator are passed over."""
    probe_arn = "${aws_lambda_function.a_primary_probe.arn}"
    orchestrator_arn = "${aws_lambda_function.b_orchestrator.arn}"
    secondary = {
        "aws_lambda_function": ORCHESTRATOR_FUNCTIONS,
        "aws_cloudwatch_event_rule": {
            "a_probe_rule": {"name": "probe", "schedule_expression": "rate(5 minutes)"},
            "b_cron_rule": {"name": "nightly", "schedule_expression": "cron(0 3 * * ? *)"},
            "c_orchestrator_rule": {"name": "orch", "schedule_expression": "rate(2 minutes)"},
        },
        "aws_cloudwatch_event_target": {
            "a_probe_target": {
                "rule": "${aws_cloudwatch_event_rule.a_probe_rule.name}",
                "arn": probe_arn,
            },
            "b_cron_target": {
                "rule": "${aws_cloudwatch_event_rule.b_cron_rule.name}",
                "arn": orchestrator_arn,
            },
            "c_orchestrator_target": {
                "rule": "${aws_cloudwatch_event_rule.c_orchestrator_rule.name}",
                "arn": orchestrator_arn,
            },
        },
    }

    evaluations = terms(budget_of(app_of(tmp_path, secondary)))["evaluations"]

    assert evaluations.to_json() == {
        "term": "evaluations",
        "label": "2 consecutive evaluations, one every 120 s: schedule 120 s, counted at least "
        "20 s apart",
        "seconds": 240,
        "low_seconds": 240,
        "basis": "documented",
        "source": f"{SECONDARY}/aws_cloudwatch_event_rule.c_orchestrator_rule, "
        f"{SECONDARY}/aws_lambda_function.b_orchestrator, "
        "payment_service/orchestrator/model.py Thresholds.min_spacing_seconds",
    }


def test_the_schedule_can_come_from_eventbridge_scheduler(tmp_path: Path) -> None:
    secondary = {
        "aws_lambda_function": ORCHESTRATOR_FUNCTIONS,
        "aws_scheduler_schedule": {
            "a_probe": {
                "schedule_expression": "rate(5 minutes)",
                "target": {"arn": "${aws_lambda_function.a_primary_probe.arn}"},
            },
            "b_cron": {
                "schedule_expression": "cron(0 3 * * ? *)",
                "target": {"arn": "${aws_lambda_function.b_orchestrator.arn}"},
            },
            "c_orchestrator": {
                "schedule_expression": "rate(2 minutes)",
                "target": {"arn": "${aws_lambda_function.b_orchestrator.arn}"},
            },
        },
    }

    evaluations = terms(budget_of(app_of(tmp_path, secondary)))["evaluations"]

    assert (evaluations.seconds, evaluations.basis) == (240, Basis.DOCUMENTED)
    assert evaluations.source.startswith(
        f"{SECONDARY}/aws_scheduler_schedule.c_orchestrator, "
        f"{SECONDARY}/aws_lambda_function.b_orchestrator"
    )


def test_without_the_function_the_schedule_is_found_by_the_rule_name(tmp_path: Path) -> None:
    secondary = {
        "aws_cloudwatch_event_rule": {
            "a_warmer": {
                "name": "payment-processing-api-warmer-bgt",
                "schedule_expression": "rate(5 minutes)",
            },
            "b_cron": {
                "name": "payment-processing-failover-orchestrator-report-bgt",
                "schedule_expression": "cron(0 3 * * ? *)",
            },
            "c_orchestrator": {
                "name": "payment-processing-failover-orchestrator-bgt",
                "schedule_expression": "rate(2 minutes)",
            },
        }
    }

    budget = budget_of(app_of(tmp_path, secondary))
    evaluations = terms(budget)["evaluations"]

    assert evaluations.to_json() == {
        "term": "evaluations",
        "label": "3 consecutive evaluations (not synthesized), one every 120 s: schedule 120 s, "
        "counted at least 20 s apart",
        "seconds": 360,
        "low_seconds": 360,
        "basis": "assumed",
        "source": f"{SECONDARY}/aws_cloudwatch_event_rule.c_orchestrator, orchestrator "
        "defaults, payment_service/orchestrator/model.py Thresholds.min_spacing_seconds",
    }
    assert terms(budget)["next_evaluation"].seconds == 150, "120 s, then a 30 s run"


@pytest.mark.parametrize(
    ("spacing", "step"),
    [("0", 60), ("59", 60), ("60", 60), ("61", 120), ("90", 120), ("121", 180)],
)
def test_an_evaluation_counts_only_the_spacing_after_the_last_counted_one(
    tmp_path: Path, spacing: str, step: int
) -> None:
    """On a 60 s schedule, a spacing of 61 to 120 s counts every other evaluation."""
    variables = {"MIN_EVALUATION_SPACING_SECONDS": spacing}
    full_app(tmp_path, schedule="rate(1 minute)", variables=variables)

    found = terms(budget_of(tmp_path))

    assert found["evaluations"].seconds == 2 * step
    assert found["evaluations"].label == (
        f"2 consecutive evaluations, one every {step} s: schedule 60 s, counted at least "
        f"{spacing} s apart"
    )
    assert found["evaluations"].source == (
        f"{SECONDARY}/aws_cloudwatch_event_rule.orchestrator_schedule, "
        f"{SECONDARY}/aws_lambda_function.orchestrator_fn"
    )
    assert found["next_evaluation"].seconds == step + 30


def test_the_switchover_bound_and_the_run_come_from_the_function(tmp_path: Path) -> None:
    full_app(tmp_path, variables={"SWITCHOVER_TIMEOUT_SECONDS": "200"})
    secondary = tmp_path / "stacks" / SECONDARY / "cdk.tf.json"
    document = json.loads(secondary.read_text())
    document["resource"]["aws_lambda_function"]["orchestrator_fn"]["timeout"] = 25
    secondary.write_text(json.dumps(document))

    budget = budget_of(tmp_path)
    found = terms(budget)

    function = f"{SECONDARY}/aws_lambda_function.orchestrator_fn"
    assert (found["switchover_bound"].seconds, found["switchover_bound"].source) == (200, function)
    assert found["switchover_bound"].label == (
        "SwitchoverGlobalCluster given up after SWITCHOVER_TIMEOUT_SECONDS 200 s"
    )
    assert (found["switchover"].least, found["switchover"].seconds) == (60, 200)
    assert found["switchover"].source.endswith(f"({function}: SWITCHOVER_TIMEOUT_SECONDS 200 s)")
    assert (found["evaluation_run"].seconds, found["evaluation_run"].label) == (
        25,
        "the deciding evaluation: at most the function timeout 25 s",
    )
    assert found["next_evaluation"].seconds == 145
    # api_only: 240 + 25 + 200 + 5 + 30;
    # fallback: 180 + 60 + 240 + 25 + 200 + 145 + 300 + 5 + 30
    assert budget.path("api_only").rto_seconds == 500
    assert budget.path("switchover_fallback").rto_seconds == 1185


def test_a_switchover_bound_under_a_minute_is_the_whole_range(tmp_path: Path) -> None:
    full_app(tmp_path, variables={"SWITCHOVER_TIMEOUT_SECONDS": "45"})

    switchover = terms(budget_of(tmp_path))["switchover"]

    assert (switchover.least, switchover.seconds) == (45, 45)


def test_a_range_whose_ends_meet_is_printed_as_one_figure(tmp_path: Path, world: World) -> None:
    full_app(tmp_path, variables={"SWITCHOVER_TIMEOUT_SECONDS": "45"})

    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert "  switchover             45 s  SwitchoverGlobalCluster: " in result.out
    assert "  failover           60-300 s  FailoverGlobalCluster: " in result.out


def test_the_probe_alarms_term_is_the_slower_alarm_found_by_reference_or_name(
    tmp_path: Path,
) -> None:
    alarms = probe_alarms()
    alarms["remote_alarm"] = {
        "alarm_name": REMOTE_ALARM_NAME,
        "evaluation_periods": 4,
        "period": 60,
    }
    alarms["a_other"] = {"alarm_name": "other", "evaluation_periods": 9, "period": 60}
    full_app(tmp_path, alarms=alarms)

    budget = budget_of(tmp_path)
    alarm = terms(budget)["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (300, Basis.DOCUMENTED)
    assert alarm.label == (
        "both probe alarms in ALARM: 4 periods of 60 s unanswered, plus the period of the "
        "last answer"
    )
    assert budget.path("outage").rto_seconds == 965


@pytest.mark.parametrize(
    "alarms",
    [
        {"probe_alarm": probe_alarms()["probe_alarm"]},
        {**probe_alarms(), "remote_alarm": {"alarm_name": REMOTE_ALARM_NAME, "period": 60}},
        {**probe_alarms(), "remote_alarm": {"alarm_name": REMOTE_ALARM_NAME, "period": "${p}"}},
        {"renamed": probe_alarms()["probe_alarm"], "remote_alarm": probe_alarms()["remote_alarm"]},
    ],
    ids=["one-missing", "no-periods", "expression", "reference-to-nothing"],
)
def test_an_alarm_not_found_is_assumed_at_the_probes_defaults(
    tmp_path: Path, alarms: dict[str, Any]
) -> None:
    full_app(tmp_path, alarms=alarms)

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (180, Basis.ASSUMED)
    assert alarm.label.endswith("(not synthesized)")
    assert alarm.source == "PrimaryProbe defaults (alarm_evaluation_periods 2, period 60 s)"


def test_the_slower_alarm_counts_the_period_of_the_last_answer(tmp_path: Path) -> None:
    """1 period of 150 s is slower than 3 periods of 60 s once the period in which the last
    answer fell is counted: (1 + 1) x 150 = 300 s against (3 + 1) x 60 = 240 s."""
    alarms = {
        "probe_alarm": {"alarm_name": "use2", "evaluation_periods": 1, "period": 150},
        "remote_alarm": {"alarm_name": REMOTE_ALARM_NAME, "evaluation_periods": 3, "period": 60},
    }
    full_app(tmp_path, alarms=alarms)

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (300, Basis.DOCUMENTED)
    assert alarm.label.startswith("both probe alarms in ALARM: 1 periods of 150 s unanswered")


def test_the_slower_alarm_is_the_longer_wait_not_the_longer_period(tmp_path: Path) -> None:
    """(1 + 1) x 180 = 360 s against (8 + 1) x 45 = 405 s: the second is slower although its
    periods are shorter."""
    alarms = {
        "probe_alarm": {"alarm_name": "use2", "evaluation_periods": 1, "period": 180},
        "remote_alarm": {"alarm_name": REMOTE_ALARM_NAME, "evaluation_periods": 8, "period": 45},
    }
    full_app(tmp_path, alarms=alarms)

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (405, Basis.DOCUMENTED)


def test_an_alarm_name_found_twice_counts_once(tmp_path: Path) -> None:
    """The first alarm of that name (in stack order) is the one read; a second one in another
    stack (another region's alarm of the same name) is not counted again."""
    remote = probe_alarms()["remote_alarm"]
    full_app(tmp_path)
    primary = tmp_path / "stacks" / PRIMARY / "cdk.tf.json"
    document = json.loads(primary.read_text())
    document["resource"]["aws_cloudwatch_metric_alarm"] = {
        "same_name": {**remote, "evaluation_periods": 9, "datapoints_to_alarm": 9}
    }
    primary.write_text(json.dumps(document))

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (600, Basis.DOCUMENTED)
    assert alarm.source == (
        f"{SECONDARY}/aws_cloudwatch_metric_alarm.probe_alarm, "
        f"{PRIMARY}/aws_cloudwatch_metric_alarm.same_name"
    )


def test_a_found_alarm_counts_when_the_other_variable_is_absent(tmp_path: Path) -> None:
    slow = {"alarm_name": REMOTE_ALARM_NAME, "evaluation_periods": 5, "period": 120}
    full_app(tmp_path, alarms={"remote_alarm": slow})
    secondary = tmp_path / "stacks" / SECONDARY / "cdk.tf.json"
    document = json.loads(secondary.read_text())
    variables = document["resource"]["aws_lambda_function"]["orchestrator_fn"]["environment"]
    del variables["variables"]["SECONDARY_PROBE_ALARM_NAME"]
    secondary.write_text(json.dumps(document))

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (720, Basis.ASSUMED)


def test_a_found_alarm_slower_than_the_defaults_still_counts(tmp_path: Path) -> None:
    slow = {"alarm_name": REMOTE_ALARM_NAME, "evaluation_periods": 5, "period": 120}
    full_app(tmp_path, alarms={"remote_alarm": slow})

    alarm = terms(budget_of(tmp_path))["probe_alarms"]

    assert (alarm.seconds, alarm.basis) == (720, Basis.ASSUMED)


def test_objects_take_the_first_rule_with_replication_time_control_enabled(
    tmp_path: Path,
) -> None:
    rules = [
        {"id": "no-rtc", "destination": {"bucket": "b"}},
        {
            "id": "rtc-off",
            "destination": {"replication_time": {"status": "Disabled", "time": {"minutes": 5}}},
        },
        {
            "id": "rtc-on",
            "destination": {"replication_time": {"status": "Enabled", "time": {"minutes": 15}}},
        },
    ]
    secondary = {"aws_s3_bucket_replication_configuration": {"replication": {"rule": rules}}}

    objects = budget_of(app_of(tmp_path, secondary)).objects

    assert (objects.seconds, objects.basis) == (900, Basis.DOCUMENTED)
    assert objects.source.startswith(
        f"{SECONDARY}/aws_s3_bucket_replication_configuration.replication; AWS: S3 RTC"
    )


def test_the_table_term_names_the_first_replica(tmp_path: Path) -> None:
    secondary = {
        "aws_dynamodb_table": {
            "sessions": {"name": "s", "replica": [{"region_name": "us-east-2"}]}
        },
        "aws_dynamodb_table_replica": {"sessions_replica": {"global_table_arn": "x"}},
    }

    table = budget_of(app_of(tmp_path, secondary)).table_lag

    assert table.basis is Basis.DOCUMENTED
    assert table.source.startswith(f"{SECONDARY}/aws_dynamodb_table_replica.sessions_replica; AWS:")
