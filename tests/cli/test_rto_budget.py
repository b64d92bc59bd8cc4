"""``payment-dr rto-budget`` over synthesized stacks written by the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dr_app.cli.budget import Budget, Origin, compute_budget
from dr_app.cli.synthesized import load_app, rate_seconds
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import World

SUFFIX = "bgt"


def write_stack(outdir: Path, role: str, resources: dict[str, Any]) -> None:
    stack = outdir / "stacks" / f"payment-dr-{SUFFIX}-{role}"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": resources}))


def full_app(
    outdir: Path,
    *,
    interval: int = 10,
    threshold: int = 2,
    consecutive: str = "2",
    schedule: str = "rate(2 minutes)",
    record: dict[str, Any] | None = None,
) -> Path:
    write_stack(
        outdir,
        "primary",
        {
            "aws_route53_health_check": {
                "primary_health": {"request_interval": interval, "failure_threshold": threshold}
            }
        },
    )
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
                "orchestrator_fn": {
                    "handler": "payment_service.orchestrator.handler",
                    "environment": {"variables": {"CONSECUTIVE_FAILURES": consecutive}},
                }
            },
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


def budget_of(outdir: Path, page_to_action_minutes: float = 15) -> Budget:
    app = load_app(outdir, (f"payment-dr-{SUFFIX}-primary", f"payment-dr-{SUFFIX}-secondary"))
    return compute_budget(
        app,
        rto_objective_seconds=1800,
        rpo_objective_seconds=900,
        page_to_action_minutes=page_to_action_minutes,
    )


def test_budget_from_synthesized_values_where_the_writer_path_dominates(tmp_path: Path) -> None:
    budget = budget_of(full_app(tmp_path))

    assert (budget.detection.seconds, budget.detection.origin) == (20, Origin.SYNTHESIZED)
    assert (budget.dns.seconds, budget.dns.origin) == (60, Origin.SYNTHESIZED)
    assert "primary_record" in budget.dns.source, "records without failover routing are ignored"
    assert (budget.orchestrator.seconds, budget.orchestrator.origin) == (240, Origin.SYNTHESIZED)
    assert "orchestrator_schedule" in budget.orchestrator.source
    assert (budget.promotion.seconds, budget.promotion.origin) == (300, Origin.AWS)
    assert "within a few minutes" in budget.promotion.source
    assert "aurora-global-database-disaster-recovery.html" in budget.promotion.source
    assert budget.rto_seconds == 560
    assert (budget.page_to_action.seconds, budget.page_to_action.origin) == (900, Origin.ASSUMED)
    assert budget.manual_rto_seconds == 1460
    assert budget.rpo_seconds == 900
    assert budget.objects.origin is Origin.SYNTHESIZED
    assert (budget.table_lag.seconds, budget.table_lag.origin) == (1, Origin.AWS)
    assert budget.table_lag.source.startswith(
        f"payment-dr-{SUFFIX}-secondary/aws_dynamodb_table_replica.sessions_replica; "
    )
    assert "globaltables-CoreConcepts.html" in budget.table_lag.source
    assert budget.rto_ok
    assert budget.rpo_ok


def test_a_dns_ttl_longer_than_the_writer_path_dominates_the_rto(tmp_path: Path) -> None:
    """detection 20 + max(dns 600, orchestrator 60 + promotion 300) = 620, not 920."""
    record = {"name": "api", "ttl": 600, "records": ["a"], "failover_routing_policy": {}}
    full_app(tmp_path, consecutive="1", schedule="rate(1 minute)", record=record)

    budget = budget_of(tmp_path, page_to_action_minutes=1)

    assert (budget.dns.seconds, budget.dns.label) == (600, "record TTL 600 s")
    assert budget.rto_seconds == 620
    assert budget.manual_rto_seconds == 620


def test_the_page_to_action_time_dominates_the_manual_path(tmp_path: Path) -> None:
    full_app(tmp_path, consecutive="1", schedule="rate(1 minute)")

    budget = budget_of(tmp_path, page_to_action_minutes=25)

    assert budget.rto_seconds == 380
    assert budget.manual_rto_seconds == 1880
    assert not budget.rto_ok, "the manual path is over 30 min"


def test_rpo_lists_every_data_store_and_objects_dominate(tmp_path: Path) -> None:
    document = budget_of(full_app(tmp_path)).to_json()

    rpo = document["rpo"]
    assert isinstance(rpo, dict)
    assert [(t["term"], t["seconds"]) for t in rpo["terms"]] == [
        ("database", 1),
        ("table", 1),
        ("objects", 900),
    ]
    assert rpo["seconds"] == 900
    assert all(t["source"] for t in rpo["terms"])


def test_rto_budget_without_stacks_says_what_it_assumed_and_exits_3(
    tmp_path: Path, world: World
) -> None:
    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert result.code == 3
    lines = result.out.splitlines()
    assert "none (every term below is an assumption)" in lines[0]
    assert "OK" not in result.out.replace("NOT VERIFIED", "")
    assert result.out.count("NOT VERIFIED (no synthesized stacks: assumed values)") == 3
    detection = next(line for line in lines if line.strip().startswith("detection"))
    assert "90 s" in detection
    assert "(default, not synthesized)" in result.out.split("orchestrator", 1)[1].splitlines()[0]
    assert "[default, not synthesized" in detection
    assert "[AWS-documented figure" in next(line for line in lines if "promotion" in line)
    assert (
        "automatic: RTO = detection + max(dns, orchestrator + promotion) = 90 + max(60, 480)"
        in (result.out)
    )
    assert " = 570 s (9.5 min)" in result.out
    assert " = 90 + max(60, 1380) = 1470 s (24.5 min)" in result.out
    assert "no synthesized stacks for suffix 'bgt'" in result.err
    assert world.rds.calls == [], "rto-budget makes no AWS call"


def test_rto_budget_with_stacks_prints_ok(tmp_path: Path, world: World) -> None:
    full_app(tmp_path)
    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert result.code == 0, result.out + result.err
    assert "= 20 + max(60, 540) = 560 s (9.3 min); objective 30 min: OK" in result.out
    assert "= 20 + max(60, 1440) = 1460 s (24.3 min); objective 30 min: OK" in result.out
    assert "RPO = max(database, table, objects) = 900 s (15.0 min); objective 15 min: OK" in (
        result.out
    )


def test_rto_budget_exits_1_when_over_an_objective(tmp_path: Path, world: World) -> None:
    full_app(tmp_path, interval=30, threshold=10, consecutive="20")
    clients = WorldClients(world.rds)

    over = run(clients, "--suffix", SUFFIX, "--json", "rto-budget", "--synth-dir", str(tmp_path))
    assert over.code == 1
    document = over.json()
    assert document["verified"] is True
    assert document["rto"]["seconds"] == 3000
    assert document["rto"]["within_objective"] is False
    assert document["rto_manual"]["seconds"] == 3900
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


def test_expressions_are_not_literal_values(tmp_path: Path) -> None:
    full_app(tmp_path, consecutive="${var.n}")
    app = load_app(tmp_path, (f"payment-dr-{SUFFIX}-primary", f"payment-dr-{SUFFIX}-secondary"))

    budget = compute_budget(app, rto_objective_seconds=1800, rpo_objective_seconds=900)

    assert budget.orchestrator.origin is Origin.DEFAULT
    assert "3 consecutive evaluations (default, not synthesized)" in budget.orchestrator.label


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
