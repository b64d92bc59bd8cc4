"""Read-only observations for ``status``: health checks, alarms, DNS, switch, last decision.

Each reader records a failing region in ``ctx.errors`` and returns what it could read.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from dr_app.cli.context import CliContext
from payment_service.failover import error_code, explain_error

ROUTE53_SCOPE = "global"


@dataclass(frozen=True)
class HealthCheckStatus:
    """A Route 53 health check of this environment."""

    health_check_id: str
    name: str
    healthy_checkers: int
    checkers: int

    @property
    def healthy(self) -> bool:
        """More than half of the checkers report success."""
        return self.checkers > 0 and self.healthy_checkers * 2 > self.checkers

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "id": self.health_check_id,
            "name": self.name,
            "healthy_checkers": self.healthy_checkers,
            "checkers": self.checkers,
            "healthy": self.healthy,
        }


def _health_check_ids(ctx: CliContext) -> list[str]:
    route53 = ctx.clients.route53()
    ids: list[str] = []
    marker: str | None = None
    for _ in range(50):
        response = route53.list_health_checks(**({"Marker": marker} if marker else {}))
        checks = response.get("HealthChecks")
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, Mapping) and isinstance(check.get("Id"), str):
                ids.append(str(check["Id"]))
        marker_value = response.get("NextMarker")
        if response.get("IsTruncated") is not True or not isinstance(marker_value, str):
            break
        marker = marker_value
    return ids


def read_health_checks(ctx: CliContext) -> list[HealthCheckStatus]:
    """The environment's health checks, found by their ``Name`` tag."""
    wanted = set(ctx.names.health_check_tags)
    found: list[HealthCheckStatus] = []
    try:
        route53 = ctx.clients.route53()
        ids = _health_check_ids(ctx)
        named: dict[str, str] = {}
        for start in range(0, len(ids), 10):
            response = route53.list_tags_for_resources(
                ResourceType="healthcheck", ResourceIds=ids[start : start + 10]
            )
            sets = response.get("ResourceTagSets")
            for tag_set in sets if isinstance(sets, list) else []:
                if not isinstance(tag_set, Mapping):
                    continue
                tags = tag_set.get("Tags")
                for tag in tags if isinstance(tags, list) else []:
                    if isinstance(tag, Mapping) and tag.get("Key") == "Name":
                        value = tag.get("Value")
                        if value in wanted:
                            named[str(tag_set.get("ResourceId"))] = str(value)
        for health_check_id, name in sorted(named.items(), key=lambda item: item[1]):
            status = route53.get_health_check_status(HealthCheckId=health_check_id)
            observations = status.get("HealthCheckObservations")
            results = [
                str(report.get("Status", "")).startswith("Success")
                for observation in (observations if isinstance(observations, list) else [])
                if isinstance(observation, Mapping)
                for report in [observation.get("StatusReport")]
                if isinstance(report, Mapping)
            ]
            found.append(HealthCheckStatus(health_check_id, name, sum(results), len(results)))
    except Exception as exc:
        ctx.record_error(ROUTE53_SCOPE, "route53", explain_error(exc))
    return found


def read_alarms(ctx: CliContext, region: str) -> list[dict[str, str]] | None:
    """The environment's alarms in ``region`` with their state; ``None`` when unreadable."""
    alarms: list[dict[str, str]] = []
    token: str | None = None
    try:
        cloudwatch = ctx.clients.cloudwatch(region)
        for _ in range(50):
            kwargs: dict[str, object] = {"AlarmNamePrefix": ctx.names.alarm_prefix}
            if token:
                kwargs["NextToken"] = token
            response = cloudwatch.describe_alarms(**kwargs)
            for key in ("MetricAlarms", "CompositeAlarms"):
                entries = response.get(key)
                for alarm in entries if isinstance(entries, list) else []:
                    name = alarm.get("AlarmName") if isinstance(alarm, Mapping) else None
                    if isinstance(name, str) and ctx.names.is_environment_alarm(name):
                        state = alarm.get("StateValue") if isinstance(alarm, Mapping) else None
                        alarms.append({"name": name, "region": region, "state": str(state)})
            next_token = response.get("NextToken")
            if not isinstance(next_token, str) or not next_token:
                break
            token = next_token
    except Exception as exc:
        ctx.record_error(region, "cloudwatch", explain_error(exc))
        return None
    return sorted(alarms, key=lambda alarm: alarm["name"])


def read_switch(ctx: CliContext) -> str:
    """``on``, ``off``, ``missing`` or ``unreadable`` (SSM, secondary region)."""
    region = ctx.names.secondary_region
    try:
        response = ctx.clients.ssm(region).get_parameter(Name=ctx.names.switch_parameter)
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return "missing"
        ctx.record_error(region, "ssm", explain_error(exc))
        return "unreadable"
    parameter = response.get("Parameter")
    value = parameter.get("Value") if isinstance(parameter, Mapping) else None
    return "on" if isinstance(value, str) and value.strip().lower() == "true" else "off"


def read_last_decision(ctx: CliContext) -> dict[str, object] | None:
    """The newest item of the orchestrator's decision log, or ``None``."""
    region = ctx.names.secondary_region
    try:
        response = ctx.clients.dynamodb(region).query(
            TableName=ctx.names.decision_table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "DECISION"}},
            ScanIndexForward=False,
            Limit=1,
        )
    except Exception as exc:
        ctx.record_error(region, "dynamodb", explain_error(exc))
        return None
    items = response.get("Items")
    if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
        return None
    decision: dict[str, object] = {}
    for key, value in items[0].items():
        if isinstance(value, Mapping):
            raw = value.get("S", value.get("N", value.get("BOOL")))
            decision[str(key)] = raw
    signals = decision.get("signals")
    if isinstance(signals, str):
        with contextlib.suppress(ValueError):
            decision["signals"] = json.loads(signals)
    return decision
