"""FailoverRouting: Route 53 health checks, failover alias records and the health alarm."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordAlias,
    Route53RecordFailoverRoutingPolicy,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, NameSpec, names
from payment_dr_edge._checks import (
    check_bool,
    check_domain_name,
    check_hosted_zone_id,
    check_int,
    check_literal,
    check_one_of,
    check_provider_region,
    is_token,
)
from payment_dr_edge.settings import (
    ALIAS_TARGET_TTL_SECONDS,
    DEFAULT_CHECKER_REGIONS,
    DEFAULT_HEALTH_CHECK_PATH,
    HEALTH_CHECKER_REGIONS,
    ROUTE53_METRICS_REGION,
)

REQUEST_INTERVALS = (10, 30)
"""Seconds between checks from each checker; 10 is the "fast" interval."""

MIN_CHECKER_REGIONS = 3
MAX_ALARM_ACTIONS = 5

_REGIONAL_ENDPOINT = r"d-[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com"


@dataclass(frozen=True, kw_only=True)
class FailoverRoutingProps:
    """Props of :class:`FailoverRouting`."""

    namer: Namer
    domain_name: str
    """The API's custom domain: the name clients resolve (both failover records)."""

    hosted_zone_id: str
    """Public hosted zone holding ``domain_name``."""

    primary_regional_domain_name: str
    """The primary custom domain's ``regional_domain_name`` (alias target)."""

    primary_regional_zone_id: str
    """The primary custom domain's ``regional_zone_id``."""

    secondary_regional_domain_name: str
    """The secondary custom domain's ``regional_domain_name``."""

    secondary_regional_zone_id: str
    """The secondary custom domain's ``regional_zone_id``."""

    primary_health_check_fqdn: str
    """The primary API's direct hostname (``RegionalApi.health_check_fqdn``, e.g.
    ``api-use1-<suffix>.<zone>``), never ``domain_name``. Not an ``execute-api`` host:
    the default endpoints are disabled (they would accept TLS 1.0)."""

    alarm_provider: TerraformProvider
    """A provider for us-east-1: Route 53 health-check metrics exist only there."""

    secondary_health_check_fqdn: str | None = None
    """The secondary API's direct hostname; required while ``secondary_health_check_enabled``."""

    secondary_health_check_enabled: bool = True
    """True (default): health-check the secondary too, for dashboards and the failover
    orchestrator. The check is not attached to the SECONDARY record (see README)."""

    health_check_path: str = DEFAULT_HEALTH_CHECK_PATH
    """Path requested on each host: ``RegionalApi.health_check_path`` (``/health``)."""

    request_interval: int = 10
    """Seconds between two checks of one checker: 10 (fast) or 30."""

    failure_threshold: int = 3
    """Consecutive failures (or successes) that change a checker's verdict, 1 to 10."""

    checker_regions: tuple[str, ...] = DEFAULT_CHECKER_REGIONS
    """At least three distinct Route 53 health-checker regions (us-east-2 has none)."""

    measure_latency: bool = False
    """True: Route 53 records latency from each checker region (cannot change later)."""

    alarm_topic_arns: tuple[str, ...] = ()
    """SNS topics in us-east-1 notified when the primary turns unhealthy and when it
    recovers (at most 5); empty: the alarm only changes state."""

    provider: TerraformProvider | None = None
    """Provider for the Route 53 resources (global: any region); None: the stack default."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_domain_name("domain_name", self.domain_name)
        check_hosted_zone_id("hosted_zone_id", self.hosted_zone_id)
        for role in ("primary", "secondary"):
            check_literal(
                f"{role}_regional_domain_name",
                getattr(self, f"{role}_regional_domain_name"),
                _REGIONAL_ENDPOINT,
                "the custom domain's regional_domain_name (d-....execute-api.<region>...)",
            )
            check_hosted_zone_id(
                f"{role}_regional_zone_id", getattr(self, f"{role}_regional_zone_id")
            )
        check_provider_region(
            "alarm_provider", self.alarm_provider, ROUTE53_METRICS_REGION, required=True
        )
        check_bool("secondary_health_check_enabled", self.secondary_health_check_enabled)
        self._check_health_check_fqdn("primary_health_check_fqdn", self.primary_health_check_fqdn)
        if self.secondary_health_check_enabled or self.secondary_health_check_fqdn is not None:
            self._check_health_check_fqdn(
                "secondary_health_check_fqdn", self.secondary_health_check_fqdn
            )
            if (
                not is_token(self.primary_health_check_fqdn)
                and self.secondary_health_check_fqdn == self.primary_health_check_fqdn
            ):
                raise ConfigError(
                    "secondary_health_check_fqdn",
                    self.secondary_health_check_fqdn,
                    "the secondary API's own host, not the primary's",
                )
        check_literal(
            "health_check_path",
            self.health_check_path,
            r"/[A-Za-z0-9_./{}-]{0,254}",
            "a path starting with '/', at most 255 characters",
        )
        check_one_of("request_interval", self.request_interval, REQUEST_INTERVALS)
        check_int("failure_threshold", self.failure_threshold, 1, 10)
        self._check_checker_regions()
        check_bool("measure_latency", self.measure_latency)
        self._check_topics()

    def _check_health_check_fqdn(self, field: str, value: str | None) -> None:
        allowed = (
            "the region's direct hostname (RegionalApi.health_check_fqdn, e.g. "
            "api-use1-<suffix>.<zone>), not the failover name nor an execute-api host "
            "(the default endpoints are disabled)"
        )
        if value is None:
            raise ConfigError(field, value, allowed)
        check_domain_name(field, value)
        if is_token(value):
            return
        host = value.rstrip(".").lower()
        if host == self.domain_name.rstrip(".").lower() or ".execute-api." in host:
            raise ConfigError(field, value, allowed)

    def _check_checker_regions(self) -> None:
        regions = self.checker_regions
        allowed = (
            f"a tuple of at least {MIN_CHECKER_REGIONS} distinct Route 53 health-checker "
            f"regions from {HEALTH_CHECKER_REGIONS} (us-east-2 has no health checkers)"
        )
        if not isinstance(regions, tuple) or len(regions) < MIN_CHECKER_REGIONS:
            raise ConfigError("checker_regions", regions, allowed)
        if len(set(regions)) != len(regions):
            raise ConfigError("checker_regions", regions, allowed)
        for region in regions:
            if region not in HEALTH_CHECKER_REGIONS:
                raise ConfigError("checker_regions", region, allowed)

    def _check_topics(self) -> None:
        topics = self.alarm_topic_arns
        allowed = (
            f"a tuple of at most {MAX_ALARM_ACTIONS} SNS topic ARNs in "
            f"{ROUTE53_METRICS_REGION} (the alarm's region)"
        )
        if not isinstance(topics, tuple) or len(topics) > MAX_ALARM_ACTIONS:
            raise ConfigError("alarm_topic_arns", topics, allowed)
        for topic in topics:
            check_literal(
                "alarm_topic_arns",
                topic,
                rf"arn:aws[a-z-]*:sns:{re.escape(ROUTE53_METRICS_REGION)}:\d{{12}}:[A-Za-z0-9_-]{{1,256}}",
                allowed,
            )


class FailoverRouting(Construct):
    """Active-passive DNS for the API's custom domain.

    * An HTTPS health check (port 443, SNI) of the primary region's direct hostname, from
      ``checker_regions`` every ``request_interval`` seconds.
    * PRIMARY and SECONDARY alias A records for ``domain_name``, pointing at each
      region's custom-domain endpoint, both evaluating target health; the PRIMARY record
      carries the health check, the SECONDARY record none.
    * Optionally the same health check of the secondary region, attached to nothing.
    * A CloudWatch alarm in us-east-1 on the primary check's ``HealthCheckStatus``
      (minimum below 1 over one 60 s period; missing data counts as unhealthy).
    """

    def __init__(self, scope: Construct, construct_id: str, props: FailoverRoutingProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self._props = props
        self.primary_health_check = self._health_check(
            "primary-health-check", names.PRIMARY_HEALTH_CHECK, props.primary_health_check_fqdn
        )
        self.secondary_health_check: Route53HealthCheck | None = None
        if props.secondary_health_check_enabled and props.secondary_health_check_fqdn:
            self.secondary_health_check = self._health_check(
                "secondary-health-check",
                names.SECONDARY_HEALTH_CHECK,
                props.secondary_health_check_fqdn,
            )
        self.primary_record = self._record(
            "primary-record",
            "PRIMARY",
            props.primary_regional_domain_name,
            props.primary_regional_zone_id,
            self.primary_health_check.id,
        )
        self.secondary_record = self._record(
            "secondary-record",
            "SECONDARY",
            props.secondary_regional_domain_name,
            props.secondary_regional_zone_id,
            None,
        )
        topics = list(props.alarm_topic_arns)
        self.alarm = CloudwatchMetricAlarm(
            self,
            "primary-unhealthy",
            alarm_name=props.namer.of(names.PRIMARY_HEALTH_ALARM),
            alarm_description=(
                f"Route 53 sees the primary API behind {props.domain_name} as unhealthy: "
                "DNS now answers with the secondary region."
            ),
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": self.primary_health_check.id},
            statistic="Minimum",
            period=60,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="LessThanThreshold",
            treat_missing_data="breaching",
            actions_enabled=True,
            alarm_actions=topics or None,
            ok_actions=topics or None,
            provider=props.alarm_provider,
        )

    def _health_check(self, construct_id: str, spec: NameSpec, fqdn: str) -> Route53HealthCheck:
        props = self._props
        return Route53HealthCheck(
            self,
            construct_id,
            type="HTTPS",
            fqdn=fqdn,
            port=443,
            enable_sni=True,
            resource_path=props.health_check_path,
            request_interval=props.request_interval,
            failure_threshold=props.failure_threshold,
            regions=list(props.checker_regions),
            measure_latency=props.measure_latency,
            tags={"Name": props.namer.of(spec)},
            provider=props.provider,
        )

    def _record(
        self,
        construct_id: str,
        role: str,
        target_name: str,
        target_zone_id: str,
        health_check_id: str | None,
    ) -> Route53Record:
        props = self._props
        return Route53Record(
            self,
            construct_id,
            zone_id=props.hosted_zone_id,
            name=props.domain_name,
            type="A",
            set_identifier=role.lower(),
            failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=role),
            health_check_id=health_check_id,
            alias=Route53RecordAlias(
                name=target_name, zone_id=target_zone_id, evaluate_target_health=True
            ),
            provider=props.provider,
        )

    @property
    def primary_health_check_id(self) -> str:
        """ID of the primary region's health check (attached to the PRIMARY record)."""
        return self.primary_health_check.id

    @property
    def secondary_health_check_id(self) -> str | None:
        """ID of the secondary region's health check; None when it is off."""
        return self.secondary_health_check.id if self.secondary_health_check else None

    @property
    def record_fqdn(self) -> str:
        """The failover name clients use."""
        return self.primary_record.fqdn

    @property
    def alarm_arn(self) -> str:
        """ARN of the primary-unhealthy alarm (us-east-1)."""
        return self.alarm.arn

    @property
    def alarm_name(self) -> str:
        """Name of the primary-unhealthy alarm."""
        return self.alarm.alarm_name

    @property
    def detection_seconds(self) -> int:
        """Time for a checker to call the primary unhealthy: interval x failure threshold."""
        return self._props.request_interval * self._props.failure_threshold

    @property
    def worst_case_failover_seconds(self) -> int:
        """Detection, plus up to one interval until the first failing check, plus the
        alias target TTL resolvers may still cache: the README shows the arithmetic."""
        return self.detection_seconds + self._props.request_interval + ALIAS_TARGET_TTL_SECONDS
