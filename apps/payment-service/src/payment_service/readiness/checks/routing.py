"""Check of DNS failover: the primary health check and the PRIMARY record it guards."""

from __future__ import annotations

from payment_service.readiness.checks._fields import code_of, field, mappings, text
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding, combine, failed, passed

RECORD_TYPE = "A"


def _fqdn(name: str) -> str:
    """Route 53 returns record names fully qualified, with the final dot, in lowercase."""
    return name.lower().rstrip(".") + "."


def failover_record(ctx: CheckContext) -> Finding:
    """The primary API's health check exists, is neither disabled nor inverted, and is
    attached to the PRIMARY failover record of the API's name.

    Source: Route 53 API Reference, ``GetHealthCheck``: ``HealthCheck.HealthCheckConfig``
    (``Disabled``: Route 53 then considers it healthy whatever the endpoint does;
    ``Inverted``), ``NoSuchHealthCheck`` when it does not exist; and
    ``ListResourceRecordSets`` of the hosted zone from ``StartRecordName`` = the API's name and
    ``StartRecordType`` ``A``: ``ResourceRecordSets[]`` with ``Name``, ``Type``,
    ``Failover`` (``PRIMARY``) and ``HealthCheckId``. Route 53's control plane runs in
    us-east-1: unknown when it does not answer.
    """
    settings = ctx.settings
    route53 = ctx.clients.route53()
    check_id = settings.health_check_id

    def health_check() -> Finding:
        try:
            response = route53.get_health_check(HealthCheckId=check_id)
        except Exception as exc:
            if code_of(exc) == "NoSuchHealthCheck":
                return failed(f"health check {check_id} does not exist")
            raise
        config = field(field(response, "HealthCheck"), "HealthCheckConfig")
        if field(config, "Disabled") is True:
            return failed(f"health check {check_id} is disabled: Route 53 considers it healthy")
        if field(config, "Inverted") is True:
            return failed(f"health check {check_id} is inverted")
        return passed(f"health check {check_id} exists ({text(config, 'Type')})")

    def record() -> Finding:
        name = _fqdn(settings.api_domain_name)
        try:
            response = route53.list_resource_record_sets(
                HostedZoneId=settings.hosted_zone_id,
                StartRecordName=name,
                StartRecordType=RECORD_TYPE,
                MaxItems="10",
            )
        except Exception as exc:
            if code_of(exc) == "NoSuchHostedZone":
                return failed(f"hosted zone {settings.hosted_zone_id} does not exist")
            raise
        primary = [
            entry
            for entry in mappings(response, "ResourceRecordSets")
            if _fqdn(text(entry, "Name") or "") == name
            and text(entry, "Type") == RECORD_TYPE
            and text(entry, "Failover") == "PRIMARY"
        ]
        if not primary:
            return failed(f"no PRIMARY failover record {RECORD_TYPE} {name}")
        attached = text(primary[0], "HealthCheckId")
        if attached != check_id:
            return failed(
                f"the PRIMARY record {name} carries health check {attached or 'none'}, "
                f"not {check_id}"
            )
        return passed(f"PRIMARY record {name} carries it")

    return combine(
        ctx.parts(
            {"GetHealthCheck": health_check, "ListResourceRecordSets": record},
            one_at_a_time=True,
        )
    )
