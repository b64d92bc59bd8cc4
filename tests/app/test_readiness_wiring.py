"""The readiness evaluator in the synthesized app: in the secondary stack only, pointed at the
environment's own resources in both regions, watching the environment's alarms, paging the
secondary region's topic, on the dashboard, and within Lambda's 4 KB of environment."""

from __future__ import annotations

import json
import re
from typing import Any

from payment_dr_compute.readiness import READINESS_CHECKS
from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, SynthesizedApp

SECONDARY = RegionRole.SECONDARY
PRIMARY = RegionRole.PRIMARY
FUNCTION = f"payment-processing-readiness-use2-{APP_SUFFIX}"
REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-primary.outputs"


def _by_name(doc: dict[str, Any], kind: str, key: str) -> dict[str, dict[str, Any]]:
    return {body[key]: body for body in doc["resource"].get(kind, {}).values()}


def _variables(doc: dict[str, Any]) -> dict[str, str]:
    function = _by_name(doc, "aws_lambda_function", "function_name")[FUNCTION]
    variables: dict[str, str] = function["environment"]["variables"]
    return variables


def _statements(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policy = next(
        p for p in doc["resource"]["aws_iam_role_policy"].values() if p["name"] == FUNCTION
    )
    document = doc["data"]["aws_iam_policy_document"][
        policy["policy"].removeprefix("${").split(".")[2]
    ]
    return {statement["sid"]: statement for statement in document["statement"]}


def _watched(variables: dict[str, str]) -> dict[str, set[str]]:
    document = json.loads(variables["WATCHED_ALARMS"])
    return {
        region: {f"{document['prefix']}{middle}{document['suffix']}" for middle in middles}
        for region, middles in document["alarms"].items()
    }


def test_only_the_secondary_stack_has_an_evaluator(synthesized_app: SynthesizedApp) -> None:
    assert FUNCTION not in _by_name(
        synthesized_app.stack(PRIMARY), "aws_lambda_function", "function_name"
    )
    function = _by_name(synthesized_app.stack(SECONDARY), "aws_lambda_function", "function_name")[
        FUNCTION
    ]
    assert function["handler"] == "payment_service.readiness.handler"
    assert function["provider"] == "aws"
    assert "vpc_config" not in function
    rules = _by_name(synthesized_app.stack(SECONDARY), "aws_cloudwatch_event_rule", "name")
    assert rules[FUNCTION]["schedule_expression"] == "rate(5 minutes)"


def test_it_checks_both_regions_own_resources(synthesized_app: SynthesizedApp) -> None:
    variables = _variables(synthesized_app.stack(SECONDARY))
    certificates = variables["CERTIFICATE_ARNS"].split(",")
    assert len(certificates) == 4
    assert [c.startswith(REMOTE) for c in certificates] == [True, True, False, False]
    assert certificates[2].startswith("${aws_acm_certificate_validation.api_certificate_")
    assert certificates[3].startswith("${aws_acm_certificate_validation.api_direct-certificate")
    assert variables["PRIMARY_CLUSTER_ARN"].startswith(REMOTE)
    assert variables["SECONDARY_CLUSTER_ARN"].startswith("${aws_rds_cluster.aurora_cluster_")
    assert variables["CLIENT_KEYS_REPLICA_ARN"].startswith("${replace(data.terraform_remote_state")
    assert variables["SOURCE_BUCKET"].startswith(REMOTE)
    assert variables["DESTINATION_BUCKET"].startswith("${aws_s3_bucket.bucket_")
    assert variables["HEALTH_CHECK_ID"].startswith("${aws_route53_health_check.failover_primary")
    assert variables["DECISION_TABLE_NAME"].startswith("${aws_dynamodb_table.orchestrator_")
    assert variables["ORCHESTRATOR_RULE_NAME"].startswith(
        "${aws_cloudwatch_event_rule.orchestrator_schedule_"
    )
    assert variables["API_DOMAIN_NAME"].startswith("${aws_route53_record.failover_primary-record_")
    assert variables["PROBE_REGIONS"] == "us-east-2,us-west-2"
    functions = _by_name(synthesized_app.stack(SECONDARY), "aws_lambda_function", "function_name")
    standby = variables["STANDBY_FUNCTIONS"].split(",")
    assert len(standby) == 5
    assert all(name in functions and name.endswith(f"-use2-{APP_SUFFIX}") for name in standby)


def test_it_watches_every_alarm_that_always_has_data(synthesized_app: SynthesizedApp) -> None:
    provider_region = {
        "aws": None,
        "aws.primary_region": "us-east-1",
        "aws.probe_region": "us-west-2",
    }
    found: dict[str, set[str]] = {}
    for role, default in ((PRIMARY, "us-east-1"), (SECONDARY, "us-east-2")):
        for alarm in synthesized_app.stack(role)["resource"][
            "aws_cloudwatch_metric_alarm"
        ].values():
            region = provider_region[alarm.get("provider", "aws")] or default
            found.setdefault(region, set()).add(alarm["alarm_name"])
    watched = _watched(_variables(synthesized_app.stack(SECONDARY)))
    quiet = {
        f"payment-processing-dynamodb-replication-latency-use1-{APP_SUFFIX}",
        f"payment-processing-dynamodb-replication-latency-use2-{APP_SUFFIX}",
        f"payment-processing-s3-replication-latency-use2-{APP_SUFFIX}",
    }
    own = {f"payment-processing-dr-not-ready-use2-{APP_SUFFIX}"}
    assert watched == {region: names - quiet - own for region, names in found.items()}
    statement = _statements(synthesized_app.stack(SECONDARY))["ReadWatchedAlarms"]
    assert len(statement["resources"]) == sum(len(names) for names in watched.values())
    assert all(":alarm:payment-processing-" in arn for arn in statement["resources"])


def test_its_alarm_pages_the_secondary_topic(synthesized_app: SynthesizedApp) -> None:
    alarms = _by_name(synthesized_app.stack(SECONDARY), "aws_cloudwatch_metric_alarm", "alarm_name")
    alarm = alarms[f"payment-processing-dr-not-ready-use2-{APP_SUFFIX}"]
    assert alarm["provider"] == "aws"
    assert (alarm["namespace"], alarm["metric_name"]) == ("PaymentDR/Readiness", "Ready")
    assert alarm["treat_missing_data"] == "breaching"
    assert alarm["dimensions"] == {"Environment": APP_SUFFIX}
    (topic,) = alarm["alarm_actions"]
    assert topic.startswith("${aws_sns_topic.alerts_topic_")
    assert alarm["ok_actions"] == [topic]


def test_its_checks_are_on_the_dashboard(synthesized_app: SynthesizedApp) -> None:
    (dashboard,) = synthesized_app.stack(SECONDARY)["resource"]["aws_cloudwatch_dashboard"].values()
    body = dashboard["dashboard_body"]
    assert '"PaymentDR/Readiness", "Ready", "Environment", "ci7"' in body
    for check in READINESS_CHECKS:
        assert f'"CheckPassed", "Environment", "ci7", "Check", "{check}"' in body


def _resolved_length(value: str, reference_length: int) -> int:
    """Length of ``value`` with each ``${...}`` reference counted as ``reference_length``."""
    length, depth, index = 0, 0, 0
    while index < len(value):
        if value.startswith("${", index):
            if depth == 0:
                length += reference_length
            depth += 1
            index += 2
            continue
        if depth and value[index] == "{":
            depth += 1
        elif depth and value[index] == "}":
            depth -= 1
        elif depth == 0:
            length += 1
        index += 1
    return length


def test_environment_fits_lambdas_4_kb_with_the_longest_suffix(
    production_app: SynthesizedApp,
) -> None:
    doc = production_app.stack(SECONDARY)
    function = next(
        body
        for body in doc["resource"]["aws_lambda_function"].values()
        if re.fullmatch(r".+-readiness-use2-prod-payments-16", body["function_name"])
    )
    variables: dict[str, str] = function["environment"]["variables"]
    # an ARN of 128 characters for every reference: more than any of them resolves to
    size = sum(len(k) + _resolved_length(v, 128) for k, v in variables.items())
    assert size < 4096, size


def test_the_runtime_settings_accept_the_synthesized_environment(
    synthesized_app: SynthesizedApp,
) -> None:
    """With Terraform's references resolved to plausible values, the variables are what the
    runtime reads (names and formats agree), and every watched alarm is a name it accepts."""
    from payment_service.readiness.settings import ReadinessSettings

    variables = dict(_variables(synthesized_app.stack(SECONDARY)))
    account = "111111111111"
    certificate = (
        f"arn:aws:acm:us-east-{{}}:{account}:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f{{}}"
    )
    secret = (
        f"arn:aws:secretsmanager:us-east-{{}}:{account}:secret:"
        "payment-processing-api-client-keys-ci7-Ab12Cd"
    )
    cluster = f"arn:aws:rds:us-east-{{}}:{account}:cluster:payment-processing-aurora-use{{}}-ci7"
    resolved = {
        "CERTIFICATE_ARNS": ",".join(certificate.format(r, i) for i, r in enumerate("1122")),
        "CLIENT_KEYS_SECRET_ARN": secret.format(1),
        "CLIENT_KEYS_REPLICA_ARN": secret.format(2),
        "DECISION_TABLE_NAME": "payment-processing-failover-decisions-ci7",
        "DESTINATION_BUCKET": "payment-processing-data-use2-ci7",
        "GLOBAL_CLUSTER_ID": "payment-processing-aurora-global-ci7",
        "HEALTH_CHECK_ID": "abcdef01-2345-6789-abcd-ef0123456789",
        "HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ",
        "API_DOMAIN_NAME": "api-ci7.payments.example.com",
        "ORCHESTRATOR_RULE_NAME": "payment-processing-failover-orchestrator-use2-ci7",
        "PRIMARY_CLUSTER_ARN": cluster.format(1, 1),
        "SECONDARY_CLUSTER_ARN": cluster.format(2, 2),
        "SOURCE_BUCKET": "payment-processing-data-use1-ci7",
        "SWITCH_PARAMETER_NAME": "/payment-processing-auto-failover-enabled-ci7",
    }
    assert {k for k, v in variables.items() if "${" in v} == set(resolved)
    variables.update(resolved, AWS_REGION="us-east-2")
    settings = ReadinessSettings.from_env(variables)
    assert settings.lag_alarm_seconds == synthesized_app.config.replication_lag_alarm_seconds
    assert settings.rpo_seconds == 900
    assert [region for region, _ in settings.watched_alarms] == [
        "us-east-1",
        "us-east-2",
        "us-west-2",
    ]
    assert settings.checks_budget_seconds + 10 <= settings.function_timeout_seconds
