"""``payment-dr rto-budget`` over synthesized stacks written by the test."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from dr_app.cli.budget import Budget, Defaults, Origin, compute_budget
from dr_app.cli.synthesized import SynthesizedApp, load_app, rate_seconds
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


def stacks_in(outdir: Path) -> SynthesizedApp:
    """Both stacks of the suffix written under ``outdir`` (a missing one is skipped)."""
    return load_app(outdir, (f"payment-dr-{SUFFIX}-primary", f"payment-dr-{SUFFIX}-secondary"))


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
    budget = compute_budget(
        stacks_in(tmp_path), rto_objective_seconds=1800, rpo_objective_seconds=900
    )

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


def app_of(outdir: Path, secondary: dict[str, Any], primary: dict[str, Any] | None = None) -> Path:
    write_stack(outdir, "primary", primary or {})
    write_stack(outdir, "secondary", secondary)
    return outdir


def test_without_any_synthesized_value_every_term_is_a_marked_default(tmp_path: Path) -> None:
    app = stacks_in(app_of(tmp_path, {}))

    budget = compute_budget(app, rto_objective_seconds=1800, rpo_objective_seconds=900)

    assert budget.detection.to_json() == {
        "term": "detection",
        "label": "health check 30 s interval x 3 failures",
        "seconds": 90,
        "origin": "default, not synthesized",
        "source": "Route 53 defaults",
    }
    assert (budget.dns.seconds, budget.dns.origin) == (60, Origin.DEFAULT)
    assert budget.orchestrator.to_json() == {
        "term": "orchestrator",
        "label": "schedule 60 s (default, not synthesized) x "
        "3 consecutive evaluations (default, not synthesized)",
        "seconds": 180,
        "origin": "default, not synthesized",
        "source": "orchestrator defaults",
    }
    assert (budget.objects.seconds, budget.objects.origin) == (900, Origin.DEFAULT)
    assert budget.objects.label == "S3 Replication Time Control: 15 min (objects)"
    assert budget.objects.source.startswith('AWS: S3 RTC "replicates 99.99 percent')
    assert budget.table_lag.label.endswith("(no replica synthesized)")
    assert budget.table_lag.origin is Origin.DEFAULT
    assert budget.page_to_action.label == "page -> a person runs payment-dr failover: 15 min"


def test_the_objectives_are_keyword_only_so_rto_and_rpo_cannot_be_swapped(tmp_path: Path) -> None:
    app = stacks_in(app_of(tmp_path, {}))

    with pytest.raises(TypeError):
        compute_budget(app, 1800, 900)  # type: ignore[misc]


def test_a_budget_and_its_terms_cannot_be_altered_once_computed(tmp_path: Path) -> None:
    budget = budget_of(full_app(tmp_path))

    with pytest.raises(FrozenInstanceError):
        budget.rto_objective_seconds = 1e9  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        budget.detection.seconds = 0  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Defaults().schedule_seconds = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("objective", "automatic_ok", "manual_ok", "both_ok"),
    [
        (1461, True, True, True),
        (1460, True, True, True),
        (1459, True, False, False),
        (560, True, False, False),
        (559, False, False, False),
    ],
)
def test_an_rto_exactly_on_the_objective_is_within_it(
    tmp_path: Path, objective: int, automatic_ok: bool, manual_ok: bool, both_ok: bool
) -> None:
    """The fixture's automatic RTO is 560 s and its manual RTO 1460 s."""
    budget = budget_of(full_app(tmp_path), rto_objective_seconds=objective)

    document = budget.to_json()
    assert document["rto"]["within_objective"] is automatic_ok  # type: ignore[index]
    assert document["rto_manual"]["within_objective"] is manual_ok  # type: ignore[index]
    assert (budget.automatic_ok, budget.manual_ok) == (automatic_ok, manual_ok)
    assert budget.rto_ok is both_ok


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
def test_detection_is_the_slowest_health_check_the_first_of_equals(
    tmp_path: Path, checks: dict[str, dict[str, Any]]
) -> None:
    """Interval x threshold decides (10 x 6 = 60 s beats 20 x 2 = 40 s although 20 + 2 > 10 +
    6); of two equal products (10 x 6, 30 x 2) the first keeps its place; checks whose values
    are expressions are skipped, not read as defaults."""
    app = app_of(tmp_path, {}, primary={"aws_route53_health_check": checks})

    detection = budget_of(app).detection

    first_id = next(i for i, body in checks.items() if body.get("failure_threshold") == 6)
    assert (detection.seconds, detection.label, detection.source) == (
        60,
        "health check 10 s interval x 6 failures",
        f"payment-dr-{SUFFIX}-primary/aws_route53_health_check.{first_id}",
    )


def test_dns_is_the_longest_failover_record_ttl_the_first_of_equals(tmp_path: Path) -> None:
    records = {
        "a_validation": {"name": "_acme", "ttl": 300, "records": ["v"]},
        "b_expression": {"name": "api", "ttl": "${var.ttl}", "failover_routing_policy": {}},
        "c_first": {"name": "api", "ttl": 200, "failover_routing_policy": {}},
        "d_short": {"name": "api", "ttl": 60, "failover_routing_policy": {}},
        "e_equal": {"name": "api", "ttl": 200, "failover_routing_policy": {}},
    }

    dns = budget_of(app_of(tmp_path, {"aws_route53_record": records})).dns

    assert (dns.seconds, dns.label, dns.origin, dns.source) == (
        200,
        "record TTL 200 s",
        Origin.SYNTHESIZED,
        f"payment-dr-{SUFFIX}-secondary/aws_route53_record.c_first",
    )


ORCHESTRATOR_FUNCTIONS: dict[str, dict[str, Any]] = {
    "a_api": {"handler": "payment_service.api.handler"},
    "a_primary_probe": {"handler": "payment_service.primary_probe.handler"},
    "b_orchestrator": {
        "handler": "payment_service.orchestrator.handler",
        "environment": {"variables": {"CONSECUTIVE_FAILURES": "2"}},
    },
}
SECONDARY = f"payment-dr-{SUFFIX}-secondary"


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

    orchestrator = budget_of(app_of(tmp_path, secondary)).orchestrator

    assert orchestrator.to_json() == {
        "term": "orchestrator",
        "label": "schedule 120 s x 2 consecutive evaluations",
        "seconds": 240,
        "origin": "synthesized",
        "source": f"{SECONDARY}/aws_cloudwatch_event_rule.c_orchestrator_rule, "
        f"{SECONDARY}/aws_lambda_function.b_orchestrator",
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

    orchestrator = budget_of(app_of(tmp_path, secondary)).orchestrator

    assert (orchestrator.seconds, orchestrator.origin, orchestrator.source) == (
        240,
        Origin.SYNTHESIZED,
        f"{SECONDARY}/aws_scheduler_schedule.c_orchestrator, "
        f"{SECONDARY}/aws_lambda_function.b_orchestrator",
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

    orchestrator = budget_of(app_of(tmp_path, secondary)).orchestrator

    assert orchestrator.to_json() == {
        "term": "orchestrator",
        "label": "schedule 120 s x 3 consecutive evaluations (default, not synthesized)",
        "seconds": 360,
        "origin": "default, not synthesized",
        "source": f"{SECONDARY}/aws_cloudwatch_event_rule.c_orchestrator, orchestrator defaults",
    }


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

    assert (objects.seconds, objects.origin, objects.source) == (
        900,
        Origin.SYNTHESIZED,
        f"{SECONDARY}/aws_s3_bucket_replication_configuration.replication",
    )


def test_the_table_term_names_the_first_replica(tmp_path: Path) -> None:
    secondary = {
        "aws_dynamodb_table": {
            "sessions": {"name": "s", "replica": [{"region_name": "us-east-2"}]}
        },
        "aws_dynamodb_table_replica": {"sessions_replica": {"global_table_arn": "x"}},
    }

    table = budget_of(app_of(tmp_path, secondary)).table_lag

    assert table.origin is Origin.AWS
    assert table.source.startswith(f"{SECONDARY}/aws_dynamodb_table_replica.sessions_replica; AWS:")
