"""The game-day experiment templates in the synthesized app: in the default environment, two
templates (DynamoDB pause in the secondary region, S3 pause in the primary region through the
aliased provider) with stop conditions on each region's alarms and the FIS role; in production
by default, none."""

from __future__ import annotations

from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, SynthesizedApp

KIND = "aws_fis_experiment_template"


def _templates(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {body["tags"]["Name"]: body for body in doc["resource"].get(KIND, {}).values()}


def test_default_environment_has_both_templates_in_the_secondary_stack(
    synthesized_app: SynthesizedApp,
) -> None:
    assert KIND not in synthesized_app.stack(RegionRole.PRIMARY)["resource"]
    secondary = synthesized_app.stack(RegionRole.SECONDARY)
    templates = _templates(secondary)
    dynamodb = templates[f"payment-processing-gameday-dynamodb-pause-use2-{APP_SUFFIX}"]
    s3 = templates[f"payment-processing-gameday-s3-pause-use1-{APP_SUFFIX}"]
    assert len(templates) == 2
    assert dynamodb["provider"] == "aws"
    assert s3["provider"] == "aws.primary_region"
    assert dynamodb["action"][0]["action_id"] == "aws:dynamodb:global-table-pause-replication"
    assert s3["action"][0]["action_id"] == "aws:s3:bucket-pause-replication"
    roles = {body["name"] for body in secondary["resource"]["aws_iam_role"].values()}
    assert f"payment-processing-gameday-fis-use2-{APP_SUFFIX}" in roles
    for template in (dynamodb, s3):
        assert template["role_arn"].startswith("${aws_iam_role.gameday_role_")
        assert 1 <= len(template["stop_condition"]) <= 5


def test_stop_conditions_are_alarms_of_the_templates_own_region(
    synthesized_app: SynthesizedApp,
) -> None:
    templates = _templates(synthesized_app.stack(RegionRole.SECONDARY))
    dynamodb = templates[f"payment-processing-gameday-dynamodb-pause-use2-{APP_SUFFIX}"]
    s3 = templates[f"payment-processing-gameday-s3-pause-use1-{APP_SUFFIX}"]
    # us-east-2: the orchestrator's own alarms, resources of this stack
    assert all(
        c["source"] == "aws:cloudwatch:alarm"
        and c["value"].startswith("${aws_cloudwatch_metric_alarm.alarms_")
        for c in dynamodb["stop_condition"]
    )
    # us-east-1: the primary health alarm (this stack, aliased provider) and the primary
    # stack's API alarms through cross-stack references
    values = [c["value"] for c in s3["stop_condition"]]
    assert any("failover" in v or "routing" in v for v in values)
    assert sum("terraform_remote_state" in v for v in values) == 2


def test_production_has_no_template_by_default(production_app: SynthesizedApp) -> None:
    for role in RegionRole:
        doc = production_app.stack(role)
        assert KIND not in doc["resource"]
        roles = {body["name"] for body in doc["resource"].get("aws_iam_role", {}).values()}
        assert not any("gameday" in name for name in roles)
