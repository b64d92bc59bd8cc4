"""AlarmSpec: one alarm as data, before it becomes a resource; AlarmThresholds: the knobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from payment_dr_core.validation import Rule, check_all, in_range
from payment_dr_observability._checks import positive_up_to

TreatMissingData = Literal["missing", "ignore", "breaching", "notBreaching"]
Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]

RPO_SECONDS = 15 * 60
"""The business recovery point objective: every replication threshold stays below it."""

API_TIMEOUT_MS = 29_000
"""API Gateway's integration timeout: a latency threshold above it could never be reached."""


@dataclass(frozen=True)
class AlarmSpec:
    """Everything that defines one metric alarm; :class:`DrAlarms` turns each into a resource."""

    key: str
    """Construct ID of the alarm and its key in ``DrAlarms.alarm_arns``."""

    name: str
    """Physical alarm name."""

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str
    """``Sum``, ``Average``, ``Minimum``, ``Maximum``, or a percentile such as ``p99``."""

    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: Comparison
    treat_missing_data: TreatMissingData
    description: str
    low_sample_percentiles: Literal["evaluate", "ignore"] | None = None
    """For percentile alarms: ``ignore`` keeps the state through periods with too few samples
    for the percentile to mean anything. None for other statistics."""

    @property
    def is_percentile(self) -> bool:
        """True for ``pNN`` statistics, which CloudWatch takes as ``ExtendedStatistic``."""
        return self.statistic.startswith("p")


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds. Replication thresholds stay well below the 15-minute RPO."""

    aurora_replication_lag_seconds: float = 60
    """``AuroraGlobalDBReplicationLag`` above this (maximum per minute) is a breach."""

    aurora_rpo_lag_seconds: float = 60
    """``AuroraGlobalDBRPOLag`` above this (maximum per minute) is a breach."""

    aurora_evaluation_minutes: int = 3
    """Consecutive breaching minutes before an Aurora lag alarm fires (1-10)."""

    s3_replication_latency_seconds: float = 300
    """``ReplicationLatency`` of the replication rule above this, for 5 minutes in a row.
    S3 Replication Time Control replicates 99.99% of objects within 15 minutes."""

    dynamodb_replication_latency_seconds: float = 30
    """Average ``ReplicationLatency`` to the other region above this, for two 5-minute
    periods (typical latency between us-east-1 and us-east-2 is about a second)."""

    lambda_errors_per_minute: int = 5
    """Function errors per minute above this, in 2 of 3 minutes."""

    lambda_throttles_per_minute: int = 0
    """Throttled invocations per minute above this, in 2 of 3 minutes (0: any throttle)."""

    api_5xx_rate: float = 0.05
    """Share of API requests answered 5XX above this (0.05 = 5%), 3 minutes in a row."""

    api_latency_p99_ms: float = 3000
    """p99 API latency above this, 5 minutes in a row."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first threshold that is not allowed."""
        below_rpo = positive_up_to(RPO_SECONDS - 1)
        rpo = f"seconds above 0 and below the 15-minute RPO (at most {RPO_SECONDS - 1})"
        check_all(
            [
                (
                    Rule[float]("thresholds.aurora_replication_lag_seconds", below_rpo, rpo),
                    self.aurora_replication_lag_seconds,
                ),
                (
                    Rule[float]("thresholds.aurora_rpo_lag_seconds", below_rpo, rpo),
                    self.aurora_rpo_lag_seconds,
                ),
                (
                    Rule[float]("thresholds.s3_replication_latency_seconds", below_rpo, rpo),
                    self.s3_replication_latency_seconds,
                ),
                (
                    Rule[float]("thresholds.dynamodb_replication_latency_seconds", below_rpo, rpo),
                    self.dynamodb_replication_latency_seconds,
                ),
                (
                    Rule[float](
                        "thresholds.api_5xx_rate",
                        positive_up_to(1),
                        "a share above 0 and at most 1",
                    ),
                    self.api_5xx_rate,
                ),
                (
                    Rule[float](
                        "thresholds.api_latency_p99_ms",
                        positive_up_to(API_TIMEOUT_MS),
                        f"milliseconds above 0 and at most the API timeout ({API_TIMEOUT_MS})",
                    ),
                    self.api_latency_p99_ms,
                ),
            ]
        )
        check_all(
            [
                (
                    Rule[int]("thresholds.aurora_evaluation_minutes", in_range(1, 10), "1 to 10"),
                    self.aurora_evaluation_minutes,
                ),
                (
                    Rule[int](
                        "thresholds.lambda_errors_per_minute", in_range(0, 100_000), "0 to 100000"
                    ),
                    self.lambda_errors_per_minute,
                ),
                (
                    Rule[int](
                        "thresholds.lambda_throttles_per_minute",
                        in_range(0, 100_000),
                        "0 to 100000",
                    ),
                    self.lambda_throttles_per_minute,
                ),
            ]
        )
