"""The Route 53 health check and the PRIMARY failover record it is attached to."""

from __future__ import annotations

from typing import Any

from payment_service.readiness.checks.routing import failover_record
from payment_service.readiness.model import Outcome
from tests.readiness.support import (
    DOMAIN,
    HEALTH_CHECK,
    PRIMARY,
    ZONE,
    Stubs,
    client_error,
    hanging,
    run_check,
)

OTHER_CHECK = "99999999-4b5a-6978-8796-a5b4c3d2e1f0"


def health_check(**config: Any) -> dict[str, Any]:
    """GetHealthCheck of the primary API's HTTPS health check."""
    return {
        "HealthCheck": {
            "Id": HEALTH_CHECK,
            "CallerReference": "terraform-1",
            "HealthCheckConfig": {
                "Type": "HTTPS",
                "FullyQualifiedDomainName": f"api-use1-rdy.{DOMAIN.split('.', 1)[1]}",
                "ResourcePath": "/health",
                "RequestInterval": 10,
                "FailureThreshold": 3,
                "EnableSNI": True,
                **config,
            },
            "HealthCheckVersion": 1,
        }
    }


def records(primary_check: str | None = HEALTH_CHECK, primary: bool = True) -> dict[str, Any]:
    """ListResourceRecordSets from the API's name: the two failover alias records."""
    alias = {"HostedZoneId": "Z1UJRXOUMOOFQ8", "EvaluateTargetHealth": True}
    sets: list[dict[str, Any]] = []
    if primary:
        entry: dict[str, Any] = {
            "Name": f"{DOMAIN}.",
            "Type": "A",
            "SetIdentifier": "primary",
            "Failover": "PRIMARY",
            "AliasTarget": {**alias, "DNSName": "d-1.execute-api.us-east-1.amazonaws.com."},
        }
        if primary_check is not None:
            entry["HealthCheckId"] = primary_check
        sets.append(entry)
    sets.append(
        {
            "Name": f"{DOMAIN}.",
            "Type": "A",
            "SetIdentifier": "secondary",
            "Failover": "SECONDARY",
            "AliasTarget": {**alias, "DNSName": "d-2.execute-api.us-east-2.amazonaws.com."},
        }
    )
    return {"ResourceRecordSets": sets, "IsTruncated": False, "MaxItems": "10"}


def stub_route53(stubs: Stubs, check: dict[str, Any] | None, listed: dict[str, Any]) -> None:
    stub = stubs.stub("route53", PRIMARY)
    if check is None:
        client_error(stub, "get_health_check", "NoSuchHealthCheck", 404)
    else:
        stub.add_response("get_health_check", check, {"HealthCheckId": HEALTH_CHECK})
    stub.add_response(
        "list_resource_record_sets",
        listed,
        {
            "HostedZoneId": ZONE,
            "StartRecordName": f"{DOMAIN}.",
            "StartRecordType": "A",
            "MaxItems": "10",
        },
    )


def test_failover_record_passes_when_the_primary_record_carries_the_check() -> None:
    stubs = Stubs()
    stub_route53(stubs, health_check(), records())
    result = run_check(stubs, failover_record)
    assert result.outcome is Outcome.PASS, result.reason
    assert f"PRIMARY record {DOMAIN}. carries it" in result.reason


def test_failover_record_fails_when_the_check_is_gone_disabled_or_inverted() -> None:
    for check, expected in (
        (None, "does not exist"),
        (health_check(Disabled=True), "is disabled: Route 53 considers it healthy"),
        (health_check(Inverted=True), "is inverted"),
    ):
        stubs = Stubs()
        stub_route53(stubs, check, records())
        result = run_check(stubs, failover_record)
        assert result.outcome is Outcome.FAIL, expected
        assert expected in result.reason


def test_failover_record_fails_when_the_primary_record_lacks_the_check() -> None:
    for listed, expected in (
        (records(primary_check=None), "carries health check none"),
        (records(primary_check=OTHER_CHECK), f"carries health check {OTHER_CHECK}"),
        (records(primary=False), f"no PRIMARY failover record A {DOMAIN}."),
    ):
        stubs = Stubs()
        stub_route53(stubs, health_check(), listed)
        result = run_check(stubs, failover_record)
        assert result.outcome is Outcome.FAIL, expected
        assert expected in result.reason


def test_failover_record_unknown_when_route53_does_not_answer() -> None:
    stubs = Stubs()
    with hanging(stubs, "route53", PRIMARY) as fake:
        result = run_check(stubs, failover_record, CHECKS_BUDGET_SECONDS="1.5")
    assert result.outcome is Outcome.UNKNOWN
    assert "GetHealthCheck: no answer within the budget" in result.reason
    assert "ListResourceRecordSets: no answer within the budget" in result.reason
    assert fake.calls == ["get_health_check"]  # one call at a time on one client


def test_failover_record_fails_when_the_zone_does_not_exist() -> None:
    stubs = Stubs()
    stub = stubs.stub("route53", PRIMARY)
    stub.add_response("get_health_check", health_check(), {"HealthCheckId": HEALTH_CHECK})
    client_error(stub, "list_resource_record_sets", "NoSuchHostedZone", 404)
    result = run_check(stubs, failover_record)
    assert result.outcome is Outcome.FAIL
    assert f"hosted zone {ZONE} does not exist" in result.reason
