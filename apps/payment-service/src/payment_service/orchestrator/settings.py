"""Orchestrator configuration from environment variables, validated at cold start.

An invalid value raises :class:`~payment_service.errors.ConfigError` naming the variable, the
value received and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from payment_service.env_settings import (
    integer as _integer,
)
from payment_service.env_settings import (
    number as _number,
)
from payment_service.env_settings import (
    required as _required,
)
from payment_service.errors import ConfigError
from payment_service.failover.snapshots import SnapshotCopy
from payment_service.orchestrator.model import Thresholds

_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
_GLOBAL_CLUSTER = re.compile(r"[A-Za-z][0-9A-Za-z-]{0,254}")
_CLUSTER_ARN = re.compile(
    r"arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):\d{12}:cluster:[A-Za-z][0-9A-Za-z-]{0,62}"
)
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}")
_HEALTH_CHECK_ID = re.compile(r"[0-9a-fA-F-]{1,64}")
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[\x21-\x7e]*)?")
_ALARM = re.compile(r"[^\x00-\x1f]{1,255}")
_PARAMETER = re.compile(r"/?[a-zA-Z0-9_.\-/]{1,1011}")
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_CLUSTER_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_SUFFIX = re.compile(r"[a-z][a-z0-9-]{0,15}")


RECORDING_RESERVE_SECONDS = 10.0
"""Kept from the function timeout for the state write, the failover call and the page."""


def _period(env: Mapping[str, str]) -> int:
    period = _integer(env, "RPO_LAG_PERIOD_SECONDS", 60, 1, 3600)
    if period not in (1, 5, 10, 30) and period % 60:
        raise ConfigError(
            f"RPO_LAG_PERIOD_SECONDS={period} is invalid; expected 1, 5, 10, 30 or a multiple "
            "of 60 (CloudWatch GetMetricStatistics Period)"
        )
    return period


def arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:partition:service:region:account:resource``)."""
    parts = arn.split(":")
    if len(parts) < 6 or not parts[3]:
        raise ConfigError(f"{arn!r} is not a regional ARN")
    return parts[3]


@dataclass(frozen=True)
class OrchestratorSettings:
    """Everything the orchestrator reads from its environment."""

    region: str
    """AWS_REGION: where the function runs (the secondary region); SSM, DynamoDB and SNS."""
    global_cluster_id: str
    """GLOBAL_CLUSTER_ID: the Aurora global cluster identifier."""
    secondary_cluster_arn: str
    """SECONDARY_CLUSTER_ARN: ARN of the secondary region's cluster (the failover target)."""
    primary_health_check_id: str
    """PRIMARY_HEALTH_CHECK_ID: Route 53 health check of the primary region's API."""
    primary_health_url: str
    """PRIMARY_HEALTH_URL: https URL of the primary's regional ``/health`` endpoint."""
    secondary_health_url: str
    """SECONDARY_HEALTH_URL: https URL of the secondary's regional ``/health`` endpoint."""
    primary_alarm_name: str
    """PRIMARY_ALARM_NAME: CloudWatch alarm on the primary's health, in PRIMARY_REGION."""
    switch_parameter_name: str
    """SWITCH_PARAMETER_NAME: SSM parameter; auto-failover only when its value is ``true``."""
    decision_table_name: str
    """DECISION_TABLE_NAME: DynamoDB table with the counter and the decision log."""
    alert_topic_arn: str
    """ALERT_TOPIC_ARN: SNS topic (secondary region) for failovers and pages."""
    primary_region: str = "us-east-1"
    """PRIMARY_REGION: region of the primary alarm; us-east-1 when unset."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """CONSECUTIVE_FAILURES (3), MIN_EVALUATION_SPACING_SECONDS (20),
    COUNTER_STALE_SECONDS (600), SWITCHOVER_TIMEOUT_SECONDS (300)."""
    probe_timeout_seconds: float = 3.0
    """PROBE_TIMEOUT_SECONDS: timeout of each HTTPS probe (0.5-10 s)."""
    rpo_lag_max_age_seconds: float = 180.0
    """RPO_LAG_MAX_AGE_SECONDS: the newest ``AuroraGlobalDBRPOLag`` datapoint older than this
    is no evidence of a healthy primary database (two 60-second periods and a minute of
    publication delay)."""
    rpo_lag_period_seconds: int = 60
    """RPO_LAG_PERIOD_SECONDS: the statistics period of that read. RDS publishes one-minute
    metrics, for which CloudWatch accepts multiples of 60 (GetMetricStatistics ``Period``);
    only a scaled-down drill sets less (1, 5, 10 or 30, the high-resolution periods)."""
    healthy_rpo_lag_seconds: float = 60.0
    """HEALTHY_RPO_LAG_SECONDS: an RPO lag above this is no evidence of a healthy primary
    database (the environment's ``replication_lag_alarm_seconds``)."""
    decision_ttl_days: int = 90
    """DECISION_TTL_DAYS: how long decision-log items are kept (DynamoDB TTL)."""
    environment_suffix: str = ""
    """ENVIRONMENT_SUFFIX: label used in notification subjects (optional)."""
    log_level: str = "INFO"
    """LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    remote_probe_region: str = ""
    """REMOTE_PROBE_REGION: the third region whose probe of the primary publishes an alarm
    (for example us-west-2); empty: no remote probe signal."""
    remote_probe_alarm_name: str = ""
    """REMOTE_PROBE_ALARM_NAME: that probe's alarm, in REMOTE_PROBE_REGION."""
    secondary_probe_alarm_name: str = ""
    """SECONDARY_PROBE_ALARM_NAME: the no-response alarm of the scheduled probe in this
    (the orchestrator's) region; empty: not read."""
    signals_budget_seconds: float = 8.0
    """SIGNALS_BUDGET_SECONDS: all signals are read concurrently; a reader still running
    after this counts as unknown (a hanging us-east-1 API never stalls the evaluation)."""
    gates_budget_seconds: float = 8.0
    """GATES_BUDGET_SECONDS: the same bound for reading the switch and the secondary."""
    function_timeout_seconds: int = 30
    """FUNCTION_TIMEOUT_SECONDS: the function's timeout; both budgets plus 10 s for recording
    the state, the failover call and the notification must fit in it."""
    primary_cluster_id: str = ""
    """PRIMARY_CLUSTER_ID: the primary region's cluster identifier, whose
    ``rds:unplanned-global-failover-*`` snapshot a failover copies (optional)."""
    failover_snapshot_prefix: str = ""
    """FAILOVER_SNAPSHOT_PREFIX: start of the manual copies' identifiers (optional; without
    it, or without PRIMARY_CLUSTER_ID, the copy step fails and says so)."""

    @property
    def snapshot_copy(self) -> SnapshotCopy | None:
        """Where the failover snapshot is copied, or ``None`` when not configured."""
        if not self.primary_cluster_id or not self.failover_snapshot_prefix:
            return None
        return SnapshotCopy(
            self.primary_region, self.primary_cluster_id, self.failover_snapshot_prefix
        )

    @property
    def secondary_cluster_region(self) -> str:
        """Region of the secondary cluster (where RDS is called)."""
        return arn_region(self.secondary_cluster_arn)

    @property
    def topic_region(self) -> str:
        """Region of the alert topic."""
        return arn_region(self.alert_topic_arn)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OrchestratorSettings:
        """Read and validate every variable."""
        log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"LOG_LEVEL={log_level!r} is invalid; expected DEBUG..ERROR")
        suffix = env.get("ENVIRONMENT_SUFFIX", "").strip()
        if suffix and _SUFFIX.fullmatch(suffix) is None:
            raise ConfigError(f"ENVIRONMENT_SUFFIX={suffix!r} is invalid; expected an env suffix")
        url = "an https:// URL"
        primary_region = env.get("PRIMARY_REGION", "").strip() or "us-east-1"
        if _REGION.fullmatch(primary_region) is None:
            raise ConfigError(f"PRIMARY_REGION={primary_region!r} is invalid; expected a region")
        remote_region = env.get("REMOTE_PROBE_REGION", "").strip()
        if remote_region and _REGION.fullmatch(remote_region) is None:
            raise ConfigError(
                f"REMOTE_PROBE_REGION={remote_region!r} is invalid; expected a region"
            )
        remote_alarm = env.get("REMOTE_PROBE_ALARM_NAME", "").strip()
        if bool(remote_region) != bool(remote_alarm):
            raise ConfigError(
                "REMOTE_PROBE_REGION and REMOTE_PROBE_ALARM_NAME must be set together; got "
                f"{remote_region!r} and {remote_alarm!r}"
            )
        secondary_alarm = env.get("SECONDARY_PROBE_ALARM_NAME", "").strip()
        if secondary_alarm and _ALARM.fullmatch(secondary_alarm) is None:
            raise ConfigError(
                f"SECONDARY_PROBE_ALARM_NAME={secondary_alarm!r} is invalid; expected a "
                "CloudWatch alarm name"
            )
        signals_budget = _number(env, "SIGNALS_BUDGET_SECONDS", 8.0, 1, 60)
        gates_budget = _number(env, "GATES_BUDGET_SECONDS", 8.0, 1, 60)
        timeout = _integer(env, "FUNCTION_TIMEOUT_SECONDS", 30, 10, 900)
        if signals_budget + gates_budget + RECORDING_RESERVE_SECONDS > timeout:
            raise ConfigError(
                f"SIGNALS_BUDGET_SECONDS={signals_budget:g} + GATES_BUDGET_SECONDS="
                f"{gates_budget:g} + {RECORDING_RESERVE_SECONDS:g} s for recording exceed "
                f"FUNCTION_TIMEOUT_SECONDS={timeout}; expected a sum below the timeout"
            )
        probe_timeout = _number(env, "PROBE_TIMEOUT_SECONDS", 3.0, 0.5, 10.0)
        if probe_timeout >= signals_budget:
            raise ConfigError(
                f"PROBE_TIMEOUT_SECONDS={probe_timeout:g} is not below SIGNALS_BUDGET_SECONDS="
                f"{signals_budget:g}; expected a probe timeout shorter than the signals budget"
            )
        return cls(
            remote_probe_region=remote_region,
            remote_probe_alarm_name=remote_alarm,
            secondary_probe_alarm_name=secondary_alarm,
            signals_budget_seconds=signals_budget,
            gates_budget_seconds=gates_budget,
            function_timeout_seconds=timeout,
            region=_required(env, "AWS_REGION", _REGION, "an AWS region such as us-east-2"),
            global_cluster_id=_required(
                env, "GLOBAL_CLUSTER_ID", _GLOBAL_CLUSTER, "an Aurora global cluster identifier"
            ),
            secondary_cluster_arn=_required(
                env, "SECONDARY_CLUSTER_ARN", _CLUSTER_ARN, "an RDS DB cluster ARN"
            ),
            primary_health_check_id=_required(
                env, "PRIMARY_HEALTH_CHECK_ID", _HEALTH_CHECK_ID, "a Route 53 health check id"
            ),
            primary_health_url=_required(env, "PRIMARY_HEALTH_URL", _HTTPS_URL, url),
            secondary_health_url=_required(env, "SECONDARY_HEALTH_URL", _HTTPS_URL, url),
            primary_alarm_name=_required(
                env, "PRIMARY_ALARM_NAME", _ALARM, "a CloudWatch alarm name"
            ),
            switch_parameter_name=_required(
                env, "SWITCH_PARAMETER_NAME", _PARAMETER, "an SSM parameter name"
            ),
            decision_table_name=_required(
                env, "DECISION_TABLE_NAME", _TABLE, "a DynamoDB table name"
            ),
            alert_topic_arn=_required(env, "ALERT_TOPIC_ARN", _TOPIC_ARN, "an SNS topic ARN"),
            primary_region=primary_region,
            thresholds=Thresholds(
                consecutive_failures=_integer(env, "CONSECUTIVE_FAILURES", 3, 1, 20),
                min_spacing_seconds=_number(env, "MIN_EVALUATION_SPACING_SECONDS", 20.0, 0, 600),
                stale_after_seconds=_number(env, "COUNTER_STALE_SECONDS", 600.0, 60, 86400),
                switchover_timeout_seconds=_number(
                    env, "SWITCHOVER_TIMEOUT_SECONDS", 300.0, 60, 3600
                ),
            ),
            probe_timeout_seconds=probe_timeout,
            rpo_lag_max_age_seconds=_number(env, "RPO_LAG_MAX_AGE_SECONDS", 180.0, 60, 900),
            rpo_lag_period_seconds=_period(env),
            healthy_rpo_lag_seconds=_number(env, "HEALTHY_RPO_LAG_SECONDS", 60.0, 1, 900),
            decision_ttl_days=_integer(env, "DECISION_TTL_DAYS", 90, 1, 3650),
            environment_suffix=suffix,
            log_level=log_level,
            **_snapshot_settings(env, primary_region),
        )


def _snapshot_settings(env: Mapping[str, str], primary_region: str) -> dict[str, str]:
    cluster = env.get("PRIMARY_CLUSTER_ID", "").strip()
    prefix = env.get("FAILOVER_SNAPSHOT_PREFIX", "").strip()
    if cluster and _CLUSTER_ID.fullmatch(cluster) is None:
        raise ConfigError(f"PRIMARY_CLUSTER_ID={cluster!r} is invalid; expected a cluster id")
    if prefix:
        try:
            SnapshotCopy(primary_region, cluster or "unset", prefix)
        except ValueError as exc:
            raise ConfigError(f"FAILOVER_SNAPSHOT_PREFIX: {exc}") from exc
    return {"primary_cluster_id": cluster, "failover_snapshot_prefix": prefix}
