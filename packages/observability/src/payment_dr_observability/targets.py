"""What the alarms and the dashboard watch: plain names, often cross-stack references.

Literal names are limited to characters that need no escaping: the dashboard body is a
Terraform ``jsonencode(...)`` expression, and quotes, ``$`` or ``%`` in a literal would be
read as part of that expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from payment_dr_core import ConfigError
from payment_dr_observability._checks import check_literal

ROUTE53_METRICS_REGION = "us-east-1"
"""Route 53 publishes health-check metrics only in us-east-1."""

BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
FUNCTION_NAME = r"[A-Za-z0-9_-]{1,64}"
CLUSTER_IDENTIFIER = r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,61}[a-zA-Z0-9]"
TABLE_NAME = r"[a-zA-Z0-9_.-]{3,255}"
HEALTH_CHECK_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class ApiStage:
    """A REST API stage: API Gateway reports its metrics by ``ApiName`` and ``Stage``."""

    api_name: str
    """Name of the REST API (not its ID)."""

    stage_name: str
    """Name of the deployed stage."""

    def validate(self, field: str) -> None:
        """Raise :class:`ConfigError` naming ``field`` when a literal value is malformed."""
        check_literal(
            f"{field}.api_name",
            self.api_name,
            r"[A-Za-z0-9 ._:/=+@-]{1,1024}",
            "a REST API name: letters, digits, spaces and '._:/=+@-'",
        )
        check_literal(
            f"{field}.stage_name",
            self.stage_name,
            r"[A-Za-z0-9_]{1,128}",
            "a stage name: 1-128 letters, digits and '_'",
        )


@dataclass(frozen=True)
class ReadinessMetrics:
    """The metrics a readiness evaluator publishes (``ReadinessEvaluator`` in
    payment-dr-compute): ``Ready`` per ``Environment`` and ``CheckPassed`` per ``Environment``
    and ``Check``, 1 pass and 0 fail, no datapoint when unknown."""

    region: str
    """Where the evaluator runs and its metrics are published (the secondary region)."""

    environment: str
    """The ``Environment`` dimension (the environment suffix)."""

    checks: tuple[str, ...]
    """The ``Check`` dimension values, one line each."""

    namespace: str = "PaymentDR/Readiness"
    ready_metric: str = "Ready"
    check_metric: str = "CheckPassed"

    def validate(self, field: str) -> None:
        """Raise :class:`ConfigError` naming ``field`` when a literal value is malformed."""
        label = r"[A-Za-z0-9_.-]{1,255}"
        check_literal(f"{field}.environment", self.environment, label, "an environment suffix")
        check_literal(
            f"{field}.namespace", self.namespace, r"[A-Za-z0-9_./#:-]{1,255}", "a namespace"
        )
        for name in (self.ready_metric, self.check_metric):
            check_literal(f"{field}.metric", name, label, "a metric name")
        if not self.checks:
            raise ConfigError(f"{field}.checks", list(self.checks), "at least one check name")
        for check in self.checks:
            check_literal(f"{field}.checks", check, label, "a check name")


@dataclass(frozen=True)
class S3ReplicationRule:
    """One S3 replication rule, as S3 reports its replication metrics."""

    source_bucket: str
    """Name of the source bucket (primary region)."""

    destination_bucket: str
    """Name of the destination bucket (secondary region): a name, not an ARN."""

    rule_id: str
    """ID of the replication rule (``BucketReplication.rule_id``)."""

    def validate(self, field: str) -> None:
        """Raise :class:`ConfigError` naming ``field`` when a literal value is malformed."""
        for part, value in (
            ("source_bucket", self.source_bucket),
            ("destination_bucket", self.destination_bucket),
        ):
            check_literal(f"{field}.{part}", value, BUCKET_NAME, "an S3 bucket name (not an ARN)")
        check_literal(
            f"{field}.rule_id",
            self.rule_id,
            r"[A-Za-z0-9 ._:/=+@-]{1,255}",
            "a replication rule ID: 1-255 letters, digits, spaces and '._:/=+@-'",
        )
