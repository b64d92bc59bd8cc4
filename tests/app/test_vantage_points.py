"""The vantage points outside us-east-1: a probe of the primary's own hostname in us-east-2 and
in the probe region, their alarms, and the orchestrator reading both (issue 12, item 2)."""

from __future__ import annotations

from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, SynthesizedApp

SECONDARY = RegionRole.SECONDARY
PRIMARY_HEALTH = f"https://api-use1-{APP_SUFFIX}.payments.example.com/health"


def _by_name(doc: dict[str, Any], kind: str, key: str) -> dict[str, dict[str, Any]]:
    return {body[key]: body for body in doc["resource"][kind].values()}


def test_both_probes_get_the_primarys_own_hostname(synthesized_app: SynthesizedApp) -> None:
    functions = _by_name(synthesized_app.stack(SECONDARY), "aws_lambda_function", "function_name")
    for code, provider in (("use2", "aws"), ("usw2", "aws.probe_region")):
        probe = functions[f"payment-processing-primary-probe-{code}-{APP_SUFFIX}"]
        assert probe["provider"] == provider
        assert probe["handler"] == "payment_service.primary_probe.handler"
        assert probe["environment"]["variables"]["PROBE_URL"] == PRIMARY_HEALTH
        assert "vpc_config" not in probe


def test_the_probe_region_has_its_own_key_provider_and_alarm(
    synthesized_app: SynthesizedApp,
) -> None:
    doc = synthesized_app.stack(SECONDARY)
    (provider,) = [p for p in doc["provider"]["aws"] if p.get("alias") == "probe_region"]
    assert provider["region"] == "us-west-2"
    (key,) = doc["resource"]["aws_kms_key"].values()
    assert (key["provider"], key["enable_key_rotation"]) == ("aws.probe_region", True)
    aliases = {a["name"]: a for a in doc["resource"]["aws_kms_alias"].values()}
    assert aliases[f"alias/payment-processing-key-usw2-{APP_SUFFIX}"]["provider"] == (
        "aws.probe_region"
    )
    remote = [
        (kind, name)
        for kind, resources in doc["resource"].items()
        for name, body in resources.items()
        if name.startswith("remote-probe_")
    ]
    assert len(remote) >= 8  # function, role, policy, logs, schedule, target, permission, alarm
    for kind, name in remote:
        assert doc["resource"][kind][name]["provider"] == "aws.probe_region", (kind, name)
    alarms = _by_name(doc, "aws_cloudwatch_metric_alarm", "alarm_name")
    remote_alarm = alarms[f"payment-processing-primary-no-response-usw2-{APP_SUFFIX}"]
    assert remote_alarm["dimensions"] == {"Environment": APP_SUFFIX, "ProbeRegion": "us-west-2"}
    local_alarm = alarms[f"payment-processing-primary-no-response-use2-{APP_SUFFIX}"]
    assert local_alarm["dimensions"] == {"Environment": APP_SUFFIX, "ProbeRegion": "us-east-2"}
    assert local_alarm["alarm_actions"][0].startswith("${aws_sns_topic.alerts_topic_")


def test_orchestrator_reads_both_probe_alarms_and_only_those(
    synthesized_app: SynthesizedApp,
) -> None:
    doc = synthesized_app.stack(SECONDARY)
    functions = _by_name(doc, "aws_lambda_function", "function_name")
    orchestrator = functions[f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}"]
    variables = orchestrator["environment"]["variables"]
    alarm_ids = {
        body["alarm_name"]: name
        for name, body in doc["resource"]["aws_cloudwatch_metric_alarm"].items()
    }
    local_id = alarm_ids[f"payment-processing-primary-no-response-use2-{APP_SUFFIX}"]
    remote_id = alarm_ids[f"payment-processing-primary-no-response-usw2-{APP_SUFFIX}"]
    assert variables["REMOTE_PROBE_REGION"] == "us-west-2"
    assert variables["REMOTE_PROBE_ALARM_NAME"] == (
        "${aws_cloudwatch_metric_alarm." + remote_id + ".alarm_name}"
    )
    assert variables["SECONDARY_PROBE_ALARM_NAME"] == (
        "${aws_cloudwatch_metric_alarm." + local_id + ".alarm_name}"
    )
    policy = next(
        p
        for p in doc["resource"]["aws_iam_role_policy"].values()
        if "failover-orchestrator" in p["name"]
    )
    document = doc["data"]["aws_iam_policy_document"][
        policy["policy"].removeprefix("${").split(".")[2]
    ]
    (statement,) = [s for s in document["statement"] if s["sid"] == "ReadProbeAlarms"]
    account = "${data.aws_caller_identity.orchestrator_caller_6EB8A2FD.account_id}"
    assert statement["actions"] == ["cloudwatch:DescribeAlarms"]
    assert statement["resources"] == [
        f"arn:aws:cloudwatch:us-east-2:{account}:alarm:"
        "${aws_cloudwatch_metric_alarm." + local_id + ".alarm_name}",
        f"arn:aws:cloudwatch:us-west-2:{account}:alarm:"
        "${aws_cloudwatch_metric_alarm." + remote_id + ".alarm_name}",
    ]


def test_the_orchestrator_settings_accept_the_synthesized_environment(
    synthesized_app: SynthesizedApp,
) -> None:
    """The synthesized variables, with Terraform's references resolved to plausible values,
    are what the runtime's settings accept (names of variables and their formats agree)."""
    from payment_service.orchestrator.settings import OrchestratorSettings

    doc = synthesized_app.stack(SECONDARY)
    functions = _by_name(doc, "aws_lambda_function", "function_name")
    variables = dict(
        functions[f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}"]["environment"][
            "variables"
        ]
    )
    resolved = {
        "ALERT_TOPIC_ARN": "arn:aws:sns:us-east-2:111111111111:payment-processing-alerts-use2-ci7",
        "DECISION_TABLE_NAME": "payment-processing-failover-decisions-ci7",
        "GLOBAL_CLUSTER_ID": "payment-processing-aurora-global-ci7",
        "PRIMARY_ALARM_NAME": "payment-processing-api-primary-unhealthy-ci7",
        "PRIMARY_HEALTH_CHECK_ID": "abcdef01-2345-6789-abcd-ef0123456789",
        "REMOTE_PROBE_ALARM_NAME": "payment-processing-primary-no-response-usw2-ci7",
        "SECONDARY_CLUSTER_ARN": (
            "arn:aws:rds:us-east-2:111111111111:cluster:payment-processing-aurora-use2-ci7"
        ),
        "SECONDARY_PROBE_ALARM_NAME": "payment-processing-primary-no-response-use2-ci7",
        "SWITCH_PARAMETER_NAME": "payment-processing-auto-failover-enabled-ci7",
    }
    assert {k for k, v in variables.items() if "${" in v} == set(resolved)
    variables.update(resolved)
    variables["AWS_REGION"] = "us-east-2"
    settings = OrchestratorSettings.from_env(variables)
    assert settings.remote_probe_region == "us-west-2"
    assert settings.remote_probe_alarm_name == resolved["REMOTE_PROBE_ALARM_NAME"]
    assert settings.secondary_probe_alarm_name == resolved["SECONDARY_PROBE_ALARM_NAME"]
    assert settings.primary_health_url == PRIMARY_HEALTH
