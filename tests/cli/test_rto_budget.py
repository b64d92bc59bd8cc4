"""``payment-dr rto-budget`` over synthesized stacks written by the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dr_app.cli.budget import Origin, compute_budget
from dr_app.cli.synthesized import load_app, rate_seconds
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import World

SUFFIX = "bgt"


def write_stack(outdir: Path, role: str, resources: dict[str, Any]) -> None:
    stack = outdir / "stacks" / f"payment-dr-{SUFFIX}-{role}"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": resources}))


def full_app(
    outdir: Path, *, interval: int = 10, threshold: int = 2, consecutive: str = "2"
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
                "primary_record": {
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
                "orchestrator_schedule": {"name": "any", "schedule_expression": "rate(2 minutes)"}
            },
            "aws_cloudwatch_event_target": {
                "orchestrator_target": {
                    "rule": "${aws_cloudwatch_event_rule.orchestrator_schedule.name}",
                    "arn": "${aws_lambda_function.orchestrator_fn.arn}",
                }
            },
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


def test_budget_from_synthesized_values(tmp_path: Path) -> None:
    app = load_app(
        full_app(tmp_path), (f"payment-dr-{SUFFIX}-primary", f"payment-dr-{SUFFIX}-secondary")
    )

    budget = compute_budget(app, rto_objective_seconds=1800, rpo_objective_seconds=900)

    assert (budget.detection.seconds, budget.detection.origin) == (20, Origin.SYNTHESIZED)
    assert (budget.dns.seconds, budget.dns.origin) == (60, Origin.SYNTHESIZED)
    assert "primary_record" in budget.dns.source, "records without failover routing are ignored"
    assert (budget.orchestrator.seconds, budget.orchestrator.origin) == (240, Origin.SYNTHESIZED)
    assert "orchestrator_schedule" in budget.orchestrator.source
    assert budget.promotion.origin is Origin.AWS
    assert "less than a minute" in budget.promotion.source
    assert budget.rto_seconds == 20 + max(60, 240 + 60)
    assert budget.rpo_seconds == 900
    assert budget.objects.origin is Origin.SYNTHESIZED
    assert budget.rto_ok
    assert budget.rpo_ok


def test_rto_budget_command_marks_defaults(tmp_path: Path, world: World) -> None:
    result = run(
        WorldClients(world.rds), "--suffix", SUFFIX, "rto-budget", "--synth-dir", str(tmp_path)
    )

    assert result.code == 0
    lines = result.out.splitlines()
    assert "none (every term uses its default)" in lines[0]
    detection = next(line for line in lines if line.strip().startswith("detection"))
    assert "90 s" in detection
    assert "(default, not synthesized)" in result.out.split("orchestrator", 1)[1].splitlines()[0]
    assert "[default, not synthesized" in detection
    assert "[AWS-documented figure" in next(line for line in lines if "promotion" in line)
    assert (
        "RTO = detection + max(dns, orchestrator + promotion) = 90 + max(60, 240) = 330 s"
        in result.out
    )
    assert world.rds.calls == [], "rto-budget makes no AWS call"


def test_rto_budget_exits_1_when_over_an_objective(tmp_path: Path, world: World) -> None:
    full_app(tmp_path, interval=30, threshold=10, consecutive="20")
    clients = WorldClients(world.rds)

    over = run(clients, "--suffix", SUFFIX, "--json", "rto-budget", "--synth-dir", str(tmp_path))
    assert over.code == 1
    document = over.json()
    assert document["rto"]["seconds"] == 300 + 20 * 120 + 60
    assert document["rto"]["within_objective"] is False
    assert document["rpo"]["within_objective"] is True

    rpo_over = run(
        clients,
        "--suffix",
        SUFFIX,
        "rto-budget",
        "--synth-dir",
        str(tmp_path),
        "--rto-objective-minutes",
        "60",
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
