"""Links between resources checked on the synthesized app, not on the constants that built it.

A name that two constructs share (the replication rule's id, read by the alarms and the
dashboard) must be equal in the JSON Terraform receives: comparing either side with the
Python constant would pass even when one construct stops using it.
"""

from __future__ import annotations

import re
from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import SynthesizedApp

RULE_ID_IN_DASHBOARD = re.compile(r'"RuleId", "([^"]*)"')


def _alarms_with_rule_id(app: SynthesizedApp) -> dict[str, str]:
    found = {}
    for doc in app.stacks.values():
        alarms: dict[str, dict[str, Any]] = doc["resource"]["aws_cloudwatch_metric_alarm"]
        for alarm in alarms.values():
            if "RuleId" in alarm.get("dimensions", {}):
                found[alarm["alarm_name"]] = alarm["dimensions"]["RuleId"]
    return found


def test_replication_rule_id_is_the_one_the_alarms_and_the_dashboard_watch(
    synthesized_app: SynthesizedApp,
) -> None:
    secondary = synthesized_app.stack(RegionRole.SECONDARY)["resource"]
    (replication,) = secondary["aws_s3_bucket_replication_configuration"].values()
    (rule,) = replication["rule"]
    rule_id = rule["id"]
    assert rule_id  # S3 names the metrics' RuleId dimension after this id

    alarms = _alarms_with_rule_id(synthesized_app)
    assert alarms == {
        "payment-processing-s3-replication-failed-use1-ci7": rule_id,
        "payment-processing-s3-replication-latency-use2-ci7": rule_id,
    }

    in_dashboards = [
        found
        for doc in synthesized_app.stacks.values()
        for dashboard in doc["resource"].get("aws_cloudwatch_dashboard", {}).values()
        for found in RULE_ID_IN_DASHBOARD.findall(dashboard["dashboard_body"])
    ]
    assert len(in_dashboards) >= 2  # failed operations and latency widgets
    assert set(in_dashboards) == {rule_id}
