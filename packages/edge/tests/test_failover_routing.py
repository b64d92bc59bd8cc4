"""FailoverRouting as the secondary stack builds it (default provider us-east-2, an aliased
us-east-1 provider for the alarm), synthesized once: one with defaults, one with the
secondary check off and other timings."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformOutput, TerraformStack

from edge_testing import (
    DOMAIN,
    PRIMARY,
    PRIMARY_HOST,
    PRIMARY_TARGET,
    PRIMARY_TARGET_ZONE,
    SECONDARY,
    SECONDARY_HOST,
    SECONDARY_TARGET,
    SECONDARY_TARGET_ZONE,
    TOPIC,
    of_construct,
    provider_reference,
    region_provider,
    routing_props,
    throwaway_stack,
)
from payment_dr_core import Namer
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_edge import FailoverRouting, HostedZone, HostedZoneProps

Json = dict[str, Any]
ALTERNATIVE_REGIONS = ("us-west-1", "eu-west-1", "ap-southeast-2", "sa-east-1")


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        us_east_1 = region_provider(stack, PRIMARY)
        zone = HostedZone(stack, "zone", HostedZoneProps(zone_name="example.com"))
        default = FailoverRouting(
            stack,
            "failover",
            routing_props(us_east_1, hosted_zone_id=zone.zone_id, alarm_topic_arns=(TOPIC,)),
        )
        other = FailoverRouting(
            stack,
            "other",
            routing_props(
                us_east_1,
                namer=Namer("other"),
                secondary_health_check_enabled=False,
                secondary_health_check_fqdn=None,
                request_interval=30,
                failure_threshold=2,
                checker_regions=ALTERNATIVE_REGIONS,
                measure_latency=True,
                health_check_path="/live/health",
            ),
        )
        TerraformOutput(stack, "primary-check", value=default.primary_health_check_id)
        TerraformOutput(stack, "secondary-check", value=default.secondary_health_check_id)
        TerraformOutput(stack, "other-secondary-check", value=other.secondary_health_check_id or "")
        TerraformOutput(stack, "alarm", value=default.alarm_arn)
        TerraformOutput(stack, "fqdn", value=default.record_fqdn)

    return synth_stack(build, region=SECONDARY)


def one(synth: Synth, kind: str, construct: str, fragment: str) -> Json:
    found = [
        body
        for name, body in synth.resources(kind).items()
        if name.startswith(f"{construct}_") and fragment in name
    ]
    assert len(found) == 1, f"expected one {kind} of {construct} matching {fragment!r}"
    return found[0]


def address(synth: Synth, kind: str, construct: str, fragment: str) -> str:
    names = [n for n in synth.resources(kind) if n.startswith(f"{construct}_") and fragment in n]
    assert len(names) == 1
    return f"{kind}.{names[0]}"


def test_primary_check_targets_the_primary_regions_own_host(synth: Synth) -> None:
    check = one(synth, "aws_route53_health_check", "failover", "primary")
    assert check["fqdn"] == PRIMARY_HOST
    assert check["fqdn"] != DOMAIN
    assert check["type"] == "HTTPS"
    assert check["port"] == 443
    assert check["enable_sni"] is True
    assert check["resource_path"] == "/health"
    assert check["request_interval"] == 10
    assert check["failure_threshold"] == 3
    assert check["measure_latency"] is False
    assert check["tags"] == {"Name": "payment-processing-api-health-primary-test"}


def test_checker_regions_are_valid_and_never_us_east_2(synth: Synth) -> None:
    checks = list(synth.resources("aws_route53_health_check").values())
    assert len(checks) == 3
    for check in checks:
        assert SECONDARY not in check["regions"]
        assert len(check["regions"]) >= 3
    primary = one(synth, "aws_route53_health_check", "failover", "primary")
    assert primary["regions"] == ["us-east-1", "us-west-2", "eu-west-1"]
    other = one(synth, "aws_route53_health_check", "other", "primary")
    assert other["regions"] == list(ALTERNATIVE_REGIONS)


def test_secondary_check_targets_the_secondary_host(synth: Synth) -> None:
    check = one(synth, "aws_route53_health_check", "failover", "secondary")
    assert check["fqdn"] == SECONDARY_HOST
    assert check["resource_path"] == "/health"
    assert check["tags"] == {"Name": "payment-processing-api-health-secondary-test"}


def test_records_are_failover_aliases_that_evaluate_target_health(synth: Synth) -> None:
    records = of_construct(synth, "aws_route53_record", "failover_")
    assert len(records) == 2
    by_role = {r["failover_routing_policy"]["type"]: r for r in records}
    assert set(by_role) == {"PRIMARY", "SECONDARY"}
    targets = {
        "PRIMARY": (PRIMARY_TARGET, PRIMARY_TARGET_ZONE),
        "SECONDARY": (SECONDARY_TARGET, SECONDARY_TARGET_ZONE),
    }
    for role, record in by_role.items():
        assert record["name"] == DOMAIN
        assert record["type"] == "A"
        assert record["set_identifier"] == role.lower()
        assert record["zone_id"].startswith("${data.aws_route53_zone.zone_lookup_")
        assert record["alias"] == {
            "name": targets[role][0],
            "zone_id": targets[role][1],
            "evaluate_target_health": True,
        }
        assert "ttl" not in record
        assert "records" not in record


def test_only_the_primary_record_carries_a_health_check(synth: Synth) -> None:
    primary_check = address(synth, "aws_route53_health_check", "failover", "primary")
    secondary_check = address(synth, "aws_route53_health_check", "failover", "secondary")
    primary = one(synth, "aws_route53_record", "failover", "primary")
    secondary = one(synth, "aws_route53_record", "failover", "secondary")
    assert primary["health_check_id"] == f"${{{primary_check}.id}}"
    assert "health_check_id" not in secondary
    for record in synth.resources("aws_route53_record").values():
        assert secondary_check not in str(record)


def test_alarm_is_in_us_east_1_and_treats_no_data_as_unhealthy(synth: Synth) -> None:
    alarm = one(synth, "aws_cloudwatch_metric_alarm", "failover", "primary-unhealthy")
    check = address(synth, "aws_route53_health_check", "failover", "primary")
    assert alarm["provider"] == provider_reference(PRIMARY)
    assert alarm["alarm_name"] == "payment-processing-api-primary-unhealthy-test"
    assert alarm["namespace"] == "AWS/Route53"
    assert alarm["metric_name"] == "HealthCheckStatus"
    assert alarm["dimensions"] == {"HealthCheckId": f"${{{check}.id}}"}
    assert alarm["statistic"] == "Minimum"
    assert alarm["comparison_operator"] == "LessThanThreshold"
    assert alarm["threshold"] == 1
    assert alarm["period"] == 60
    assert alarm["evaluation_periods"] == 1
    assert alarm["treat_missing_data"] == "breaching"
    assert alarm["alarm_actions"] == [TOPIC]
    assert alarm["ok_actions"] == [TOPIC]


def test_route53_resources_use_the_default_provider(synth: Synth) -> None:
    for kind in ("aws_route53_health_check", "aws_route53_record"):
        assert all("provider" not in body for body in synth.resources(kind).values())


def test_switched_off_secondary_check_and_other_timings(synth: Synth) -> None:
    assert of_construct(synth, "aws_route53_health_check", "other_secondary") == []
    check = one(synth, "aws_route53_health_check", "other", "primary")
    assert check["request_interval"] == 30
    assert check["failure_threshold"] == 2
    assert check["measure_latency"] is True
    assert check["resource_path"] == "/live/health"
    alarm = one(synth, "aws_cloudwatch_metric_alarm", "other", "primary-unhealthy")
    assert "alarm_actions" not in alarm
    assert "ok_actions" not in alarm
    assert synth.doc["output"]["other-secondary-check"]["value"] == ""


def test_attributes_resolve_to_the_resources(synth: Synth) -> None:
    outputs = {name: body["value"] for name, body in synth.doc["output"].items()}
    primary = address(synth, "aws_route53_health_check", "failover", "primary")
    secondary = address(synth, "aws_route53_health_check", "failover", "secondary")
    assert outputs["primary-check"] == f"${{{primary}.id}}"
    assert outputs["secondary-check"] == f"${{{secondary}.id}}"
    assert outputs["alarm"].startswith("${aws_cloudwatch_metric_alarm.failover_primary-unhealthy")
    assert outputs["fqdn"].startswith("${aws_route53_record.failover_primary-record_")


def test_detection_time_arithmetic() -> None:
    stack = throwaway_stack("arithmetic")
    us_east_1 = region_provider(stack, PRIMARY)
    fast = FailoverRouting(stack, "fast", routing_props(us_east_1))
    assert fast.detection_seconds == 30
    assert fast.worst_case_failover_seconds == 100
    slow = FailoverRouting(
        stack, "slow", routing_props(us_east_1, request_interval=30, failure_threshold=3)
    )
    assert slow.detection_seconds == 90
    assert slow.worst_case_failover_seconds == 180
