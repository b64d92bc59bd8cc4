"""``payment-dr rto-budget`` over the stacks the app synthesizes (the session's default
environment, and the production one with ``aurora_global_db_rpo_seconds``): the figures an
operator sees for a fresh environment."""

from __future__ import annotations

import json
import math

from dr_app.cli.budget import Basis, Budget, Term, compute_budget
from dr_app.cli.synthesized import load_app
from tests.conftest import APP_SUFFIX, PRODUCTION_SUFFIX, SynthesizedApp
from tests.scenarios.cli_support import WorldClients, run
from tests.scenarios.conftest import World

SECONDARY = f"payment-dr-{APP_SUFFIX}-secondary"
ORCHESTRATOR = f"{SECONDARY}/aws_lambda_function.orchestrator_function_0D9CAA1A"
SCHEDULE = f"{SECONDARY}/aws_cloudwatch_event_rule.orchestrator_schedule_D5A6DB9F"


def budget_of(app: SynthesizedApp, suffix: str) -> Budget:
    stacks = load_app(
        app.outdir, (f"payment-dr-{suffix}-primary", f"payment-dr-{suffix}-secondary")
    )
    return compute_budget(stacks, rto_objective_seconds=1800, rpo_objective_seconds=900)


def terms(budget: Budget) -> dict[str, Term]:
    return {
        term.key: term
        for path in budget.paths
        for term in (*path.clients, *path.writer, path.retry_after)
    }


def test_the_default_environment_budget_term_by_term(synthesized_app: SynthesizedApp) -> None:
    budget = budget_of(synthesized_app, APP_SUFFIX)
    found = terms(budget)

    assert {key: (t.least, t.seconds, t.basis.value) for key, t in found.items()} == {
        "route53": (30, 30, "documented"),
        "api_dns": (60, 60, "assumed"),
        "probe_alarms": (180, 180, "documented"),
        "alarm_latency": (60, 60, "assumed"),
        "evaluations": (180, 180, "documented"),
        "evaluation_run": (30, 30, "documented"),
        "failover": (60, 300, "assumed"),
        "fence": (5, 5, "documented"),
        "retry_after": (30, 30, "documented"),
        "switchover": (60, 300, "assumed"),
        "switchover_bound": (300, 300, "documented"),
        "next_evaluation": (90, 90, "documented"),
        "page_to_action": (900, 900, "assumed"),
    }
    assert found["route53"].label == "health check 10 s interval x 3 failures"
    assert found["route53"].source == (
        f"{SECONDARY}/aws_route53_health_check.failover_primary-health-check_4B32CD5E"
    )
    assert found["api_dns"].source.startswith(
        f"{SECONDARY}/aws_route53_record.failover_primary-record_75FFAE84; "
    )
    assert found["probe_alarms"].source == (
        f"{SECONDARY}/aws_cloudwatch_metric_alarm.probe_no-response_5FE77B9B, "
        f"{SECONDARY}/aws_cloudwatch_metric_alarm.remote-probe_no-response_E59DDCB7"
    )
    assert found["evaluations"].label == (
        "3 consecutive evaluations, one every 60 s: schedule 60 s, counted at least 20 s apart"
    )
    assert found["evaluations"].source == (
        f"{SCHEDULE}, {ORCHESTRATOR}, "
        "payment_service/orchestrator/model.py Thresholds.min_spacing_seconds"
    )
    assert found["evaluation_run"].source == ORCHESTRATOR


def test_the_default_environment_budget_per_path(synthesized_app: SynthesizedApp) -> None:
    budget = budget_of(synthesized_app, APP_SUFFIX)

    assert {p.key: (p.low_rto_seconds, p.rto_seconds) for p in budget.paths} == {
        "outage": (545, 785),
        "database_down": (305, 545),
        "api_only": (305, 545),
        "switchover_fallback": (935, 1175),
        "manual": (1445, 1685),
    }
    assert budget.rto_ok
    assert math.isinf(budget.database_lag.seconds), "rds.global_db_rpo is off by default"
    assert (budget.table_lag.seconds, budget.objects.seconds) == (1, 900)
    assert not budget.rpo_ok


def test_the_default_environment_report(synthesized_app: SynthesizedApp, world: World) -> None:
    clients = WorldClients(world.rds)
    outdir = str(synthesized_app.outdir)

    text = run(clients, "--suffix", APP_SUFFIX, "rto-budget", "--synth-dir", outdir)
    document = run(clients, "--suffix", APP_SUFFIX, "--json", "rto-budget", "--synth-dir", outdir)

    assert text.code == document.code == 1, "the database RPO has no bound"
    lines = text.out.splitlines()
    assert lines[0].endswith(f"payment-dr-{APP_SUFFIX}-primary, payment-dr-{APP_SUFFIX}-secondary")
    verdicts = [line.rsplit(" = ", 1)[1] for line in lines if line.startswith("    RTO = max(")]
    assert verdicts == [
        "785 s (13.1 min; 545 s at the low end of the ranges): OK",
        "545 s (9.1 min; 305 s at the low end of the ranges): OK",
        "545 s (9.1 min; 305 s at the low end of the ranges): OK",
        "1175 s (19.6 min; 935 s at the low end of the ranges): OK",
        "1685 s (28.1 min; 1445 s at the low end of the ranges): OK",
    ]
    assert "  RPO = max(database, table, objects) = unbounded; objective 15 min: OVER" in lines
    parsed = document.json()
    json.dumps(parsed, allow_nan=False)
    assert parsed["rto"] == {
        "seconds": 1685,
        "objective_seconds": 1800.0,
        "within_objective": True,
        "worst_path": "manual",
    }
    labelled = [term for path in parsed["paths"] for term in path["terms"]]
    assert {term["basis"] for term in labelled} == {"documented", "assumed"}
    assert all(term["source"] for term in labelled)
    assert (parsed["rpo"]["seconds"], parsed["rpo"]["bounded"]) == (None, False)


def test_the_production_environment_bounds_the_database_rpo(production_app: SynthesizedApp) -> None:
    budget = budget_of(production_app, PRODUCTION_SUFFIX)

    database = budget.database_lag
    assert (database.seconds, database.basis) == (120, Basis.DOCUMENTED)
    assert database.label == "Aurora: rds.global_db_rpo 120 s bounds the writes a failover loses"
    assert database.source.startswith(
        f"payment-dr-{PRODUCTION_SUFFIX}-primary/aws_rds_cluster_parameter_group."
    )
    assert (budget.rpo_seconds, budget.rpo_ok) == (900, True)
