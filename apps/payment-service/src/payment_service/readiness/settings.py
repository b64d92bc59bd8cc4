"""Readiness evaluator configuration from environment variables, validated at cold start.

The deployed function gets these from its construct (``ReadinessEvaluator`` in
packages/compute); ``payment-dr readiness --now`` reads the same variables from the deployed
function's configuration, so both run the checks on one configuration. An invalid value
raises :class:`~payment_service.errors.ConfigError` naming the variable, the value and what is
allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from payment_service.env_settings import number as _number
from payment_service.env_settings import required as _required
from payment_service.errors import ConfigError

_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
_SUFFIX = re.compile(r"[a-z][a-z0-9-]{0,15}")
_GLOBAL_CLUSTER = re.compile(r"[A-Za-z][0-9A-Za-z-]{0,254}")
_CLUSTER_ARN = re.compile(
    r"arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][0-9A-Za-z-]{0,62}"
)
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+")
_CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+")
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RULE_ID = re.compile(r"[A-Za-z0-9 ._:/=+@-]{1,255}")
_HEALTH_CHECK_ID = re.compile(r"[0-9a-fA-F-]{1,64}")
_ZONE_ID = re.compile(r"[A-Z0-9]{1,32}")
_DOMAIN = re.compile(r"(?=.{1,254}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?")
_PARAMETER = re.compile(r"/?[a-zA-Z0-9_.\-/]{1,1011}")
_RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_FUNCTION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ALARM = re.compile(r"[^\x00-\x1f]{1,255}")

RECORDING_RESERVE_SECONDS = 10.0
"""Kept from the function timeout after the checks' budget: the record and the metric lines."""


def arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:partition:service:region:account:resource``)."""
    return arn.split(":")[3]


def _list(
    env: Mapping[str, str], name: str, pattern: re.Pattern[str], allowed: str
) -> tuple[str, ...]:
    """A comma-separated list, at least one item."""
    raw = _required(env, name, re.compile(r".+"), f"a comma-separated list of {allowed}")
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    for item in items:
        if pattern.fullmatch(item) is None:
            raise ConfigError(f"{name}: {item!r} is invalid; expected {allowed}")
    if not items:
        raise ConfigError(f"{name}={raw!r} is empty; expected a comma-separated list of {allowed}")
    return items


def _alarms(env: Mapping[str, str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """WATCHED_ALARMS: ``{"prefix": p, "suffix": s, "alarms": {"<region>": [middle, ...]}}``;
    each alarm is ``p + middle + s`` (the environment's names share their first and last
    parts, which keeps the variable well inside Lambda's 4 KB of environment)."""
    name = "WATCHED_ALARMS"
    allowed = 'a JSON object {"prefix": "...", "suffix": "...", "alarms": {"<region>": [...]}}'
    raw = _required(env, name, re.compile(r"\{.*\}", re.DOTALL), allowed)
    try:
        document = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{name} is not JSON; expected {allowed}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{name} is not an object; expected {allowed}")
    prefix, suffix = document.get("prefix", ""), document.get("suffix", "")
    regions = document.get("alarms")
    if not isinstance(prefix, str) or not isinstance(suffix, str) or not isinstance(regions, dict):
        raise ConfigError(f"{name} lacks prefix, suffix or alarms; expected {allowed}")
    watched: list[tuple[str, tuple[str, ...]]] = []
    for region, middles in regions.items():
        if not isinstance(region, str) or _REGION.fullmatch(region) is None:
            raise ConfigError(f"{name}: {region!r} is not a region; expected {allowed}")
        alarms = [
            f"{prefix}{middle}{suffix}" if isinstance(middle, str) else ""
            for middle in (middles if isinstance(middles, list) else [None])
        ]
        if not alarms or not all(_ALARM.fullmatch(alarm) for alarm in alarms):
            raise ConfigError(f"{name}: the alarms of {region} are invalid; expected {allowed}")
        watched.append((region, tuple(alarms)))
    if not watched:
        raise ConfigError(f"{name}={raw!r} names no alarm; expected {allowed}")
    return tuple(watched)


@dataclass(frozen=True)
class ReadinessSettings:
    """Everything the evaluator reads from its environment."""

    region: str
    """AWS_REGION: where the evaluator runs (the secondary region)."""
    environment_suffix: str
    """ENVIRONMENT_SUFFIX: the ``Environment`` dimension of the metrics."""
    primary_region: str
    """PRIMARY_REGION."""
    global_cluster_id: str
    """GLOBAL_CLUSTER_ID: the Aurora global cluster."""
    primary_cluster_arn: str
    """PRIMARY_CLUSTER_ARN: the primary region's cluster (in PRIMARY_REGION)."""
    secondary_cluster_arn: str
    """SECONDARY_CLUSTER_ARN: this region's cluster."""
    session_table_name: str
    """SESSION_TABLE_NAME: the DynamoDB global table (its replica in this region)."""
    source_bucket: str
    """SOURCE_BUCKET: the replicated data bucket (primary region)."""
    destination_bucket: str
    """DESTINATION_BUCKET: its replica in this region."""
    replication_rule_id: str
    """REPLICATION_RULE_ID: the S3 replication rule's ID."""
    client_keys_secret_arn: str
    """CLIENT_KEYS_SECRET_ARN: the client-key secret (primary region)."""
    client_keys_replica_arn: str
    """CLIENT_KEYS_REPLICA_ARN: its replica in this region."""
    certificate_arns: tuple[str, ...]
    """CERTIFICATE_ARNS: comma-separated ACM certificates of both regions' APIs."""
    health_check_id: str
    """HEALTH_CHECK_ID: the Route 53 health check of the primary API."""
    hosted_zone_id: str
    """HOSTED_ZONE_ID: the zone holding the failover records."""
    api_domain_name: str
    """API_DOMAIN_NAME: the failover name (its PRIMARY record must carry the health check)."""
    switch_parameter_name: str
    """SWITCH_PARAMETER_NAME: the auto-failover switch."""
    decision_table_name: str
    """DECISION_TABLE_NAME: the orchestrator's table; this evaluator records there too."""
    orchestrator_rule_name: str
    """ORCHESTRATOR_RULE_NAME: the orchestrator's EventBridge schedule (default event bus)."""
    probe_regions: tuple[str, ...]
    """PROBE_REGIONS: regions whose primary probe must be publishing."""
    standby_functions: tuple[str, ...]
    """STANDBY_FUNCTIONS: functions of this region that must not be throttled to zero."""
    watched_alarms: tuple[tuple[str, tuple[str, ...]], ...]
    """WATCHED_ALARMS: per region, the alarms that must not sit in INSUFFICIENT_DATA."""
    lag_alarm_seconds: float = 60.0
    """LAG_ALARM_SECONDS: the ``AuroraGlobalDBRPOLag`` alarm threshold
    (``replication_lag_alarm_seconds``); above it the check fails."""
    rpo_seconds: float = 900.0
    """RPO_SECONDS: the business recovery point objective (15 minutes)."""
    dynamodb_latency_max_seconds: float = 30.0
    """DYNAMODB_LATENCY_MAX_SECONDS: DynamoDB ``ReplicationLatency`` (average) above this fails."""
    s3_latency_max_seconds: float = 300.0
    """S3_LATENCY_MAX_SECONDS: S3 ``ReplicationLatency`` (maximum) above this fails."""
    certificate_min_days: float = 30.0
    """CERTIFICATE_MIN_DAYS: a certificate valid for fewer days fails."""
    decision_max_age_seconds: float = 300.0
    """DECISION_MAX_AGE_SECONDS: an orchestrator decision older than this fails."""
    checks_budget_seconds: float = 25.0
    """CHECKS_BUDGET_SECONDS: every check runs concurrently; one still running after this is
    unknown (an API that hangs never times the function out)."""
    dns_timeout_seconds: float = 3.0
    """DNS_TIMEOUT_SECONDS: the global writer endpoint's lookup."""
    function_timeout_seconds: float = 60.0
    """FUNCTION_TIMEOUT_SECONDS: the budget plus the recording reserve must fit in it."""
    record_ttl_days: float = 7.0
    """READINESS_TTL_DAYS: how long recorded evaluations are kept (DynamoDB TTL)."""

    @property
    def primary_cluster_id(self) -> str:
        """The primary cluster's identifier (last field of its ARN)."""
        return self.primary_cluster_arn.split(":")[-1]

    @property
    def secondary_cluster_id(self) -> str:
        """The secondary cluster's identifier."""
        return self.secondary_cluster_arn.split(":")[-1]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReadinessSettings:
        """Read and validate every variable."""
        region = "an AWS region such as us-east-2"
        budget = _number(env, "CHECKS_BUDGET_SECONDS", 25.0, 1, 600)
        timeout = _number(env, "FUNCTION_TIMEOUT_SECONDS", 60.0, 10, 900)
        if budget + RECORDING_RESERVE_SECONDS > timeout:
            raise ConfigError(
                f"CHECKS_BUDGET_SECONDS={budget:g} + {RECORDING_RESERVE_SECONDS:g} s for "
                f"recording exceed FUNCTION_TIMEOUT_SECONDS={timeout:g}; expected a sum within "
                "the timeout"
            )
        dns_timeout = _number(env, "DNS_TIMEOUT_SECONDS", 3.0, 0.5, 30)
        if dns_timeout >= budget:
            raise ConfigError(
                f"DNS_TIMEOUT_SECONDS={dns_timeout:g} is not below CHECKS_BUDGET_SECONDS="
                f"{budget:g}; expected a lookup shorter than the budget"
            )
        return cls(
            region=_required(env, "AWS_REGION", _REGION, region),
            environment_suffix=_required(env, "ENVIRONMENT_SUFFIX", _SUFFIX, "an env suffix"),
            primary_region=_required(env, "PRIMARY_REGION", _REGION, region),
            global_cluster_id=_required(
                env, "GLOBAL_CLUSTER_ID", _GLOBAL_CLUSTER, "an Aurora global cluster identifier"
            ),
            primary_cluster_arn=_required(
                env, "PRIMARY_CLUSTER_ARN", _CLUSTER_ARN, "an RDS DB cluster ARN"
            ),
            secondary_cluster_arn=_required(
                env, "SECONDARY_CLUSTER_ARN", _CLUSTER_ARN, "an RDS DB cluster ARN"
            ),
            session_table_name=_required(env, "SESSION_TABLE_NAME", _TABLE, "a table name"),
            source_bucket=_required(env, "SOURCE_BUCKET", _BUCKET, "an S3 bucket name"),
            destination_bucket=_required(env, "DESTINATION_BUCKET", _BUCKET, "an S3 bucket name"),
            replication_rule_id=_required(
                env, "REPLICATION_RULE_ID", _RULE_ID, "a replication rule ID"
            ),
            client_keys_secret_arn=_required(
                env, "CLIENT_KEYS_SECRET_ARN", _SECRET_ARN, "a Secrets Manager secret ARN"
            ),
            client_keys_replica_arn=_required(
                env, "CLIENT_KEYS_REPLICA_ARN", _SECRET_ARN, "a Secrets Manager secret ARN"
            ),
            certificate_arns=_list(env, "CERTIFICATE_ARNS", _CERTIFICATE_ARN, "ACM ARNs"),
            health_check_id=_required(
                env, "HEALTH_CHECK_ID", _HEALTH_CHECK_ID, "a Route 53 health check ID"
            ),
            hosted_zone_id=_required(env, "HOSTED_ZONE_ID", _ZONE_ID, "a hosted zone ID"),
            api_domain_name=_required(env, "API_DOMAIN_NAME", _DOMAIN, "a domain name"),
            switch_parameter_name=_required(
                env, "SWITCH_PARAMETER_NAME", _PARAMETER, "an SSM parameter name"
            ),
            decision_table_name=_required(env, "DECISION_TABLE_NAME", _TABLE, "a table name"),
            orchestrator_rule_name=_required(
                env, "ORCHESTRATOR_RULE_NAME", _RULE_NAME, "an EventBridge rule name"
            ),
            probe_regions=_list(env, "PROBE_REGIONS", _REGION, "regions"),
            standby_functions=_list(env, "STANDBY_FUNCTIONS", _FUNCTION, "function names"),
            watched_alarms=_alarms(env),
            lag_alarm_seconds=_number(env, "LAG_ALARM_SECONDS", 60.0, 1, 899),
            rpo_seconds=_number(env, "RPO_SECONDS", 900.0, 60, 86400),
            dynamodb_latency_max_seconds=_number(env, "DYNAMODB_LATENCY_MAX_SECONDS", 30, 1, 899),
            s3_latency_max_seconds=_number(env, "S3_LATENCY_MAX_SECONDS", 300, 1, 899),
            certificate_min_days=_number(env, "CERTIFICATE_MIN_DAYS", 30.0, 1, 365),
            decision_max_age_seconds=_number(env, "DECISION_MAX_AGE_SECONDS", 300, 60, 3600),
            checks_budget_seconds=budget,
            dns_timeout_seconds=dns_timeout,
            function_timeout_seconds=timeout,
            record_ttl_days=_number(env, "READINESS_TTL_DAYS", 7.0, 1, 365),
        )
