"""Worst-case RTO and RPO computed from the synthesized stacks.

RTO terms (seconds):

* detection: Route 53 health check ``request_interval`` x ``failure_threshold``;
* DNS: TTL of the failover records, those with a failover routing policy (alias records:
  60 s);
* orchestrator: schedule rate x ``CONSECUTIVE_FAILURES`` (the first unhealthy evaluation can
  come up to one period after detection, then N-1 more periods);
* promotion: Aurora global database failover, an AWS-documented figure ("a few minutes");
* page to action (manual path only): from the page to a person running ``payment-dr
  failover``, an assumption the operator states (``--page-to-action-minutes``).

DNS and the writer change in parallel once the outage is detected, and a client needs both.
Two paths are reported separately:

* automatic: ``RTO = detection + max(DNS, orchestrator + promotion)``;
* manual (switch off, signals unreadable, a failed automatic attempt: the orchestrator pages
  after its N evaluations instead of acting):
  ``RTO = detection + max(DNS, orchestrator + page to action + promotion)``.

RPO terms, one per data store: the Aurora cross-region replication lag, the DynamoDB global
table replication delay (both AWS-documented typical figures) and the S3 Replication Time
Control bound for objects; ``RPO = max`` of the three.

Every term says where its value comes from: a synthesized resource, a documented default
(``default, not synthesized``) or an AWS-documented figure with its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dr_app.cli.synthesized import Resource, SynthesizedApp, literal_int, nested, rate_seconds

ORCHESTRATOR_HANDLER = "payment_service.orchestrator.handler"

ROUTE53_DEFAULT_INTERVAL = 30
"""Route 53 default ``RequestInterval`` (seconds)."""
ROUTE53_DEFAULT_THRESHOLD = 3
"""Route 53 default ``FailureThreshold``."""
ALIAS_TTL_SECONDS = 60
"""TTL Route 53 gives alias records that point to AWS resources such as API Gateway."""
DEFAULT_SCHEDULE_SECONDS = 60
"""EventBridge ``rate(1 minute)``: the orchestrator's documented schedule."""
DEFAULT_CONSECUTIVE_FAILURES = 3
"""The orchestrator's ``CONSECUTIVE_FAILURES`` default."""

PROMOTION_SECONDS = 300
PROMOTION_SOURCE = (
    'AWS: "Typically, the chosen secondary cluster assumes the primary role within a few '
    'minutes" (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global '
    'Database", managed failover: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/'
    'aurora-global-database-disaster-recovery.html); "a few minutes" counted as 5 min'
)
DEFAULT_PAGE_TO_ACTION_MINUTES = 15.0
"""Page delivered -> a person has run ``payment-dr failover``: an assumption, not a measure
(``--page-to-action-minutes`` states yours: your on-call acknowledgement target plus the
runbook's confirmation steps)."""
DYNAMODB_LAG_SECONDS = 1
DYNAMODB_LAG_SOURCE = (
    "AWS: global tables (version 2019.11.21, multi-Region eventual consistency) replicate "
    'asynchronously, typically within a second (DynamoDB Developer Guide, "Global tables core '
    'concepts": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/'
    "globaltables-CoreConcepts.html); a typical figure: watch ReplicationLatency. The table "
    "holds idempotency records only: a lost record sends a retry to the database, it loses no "
    "payment"
)
AURORA_LAG_SECONDS = 1
AURORA_LAG_SOURCE = (
    'AWS: "Aurora replicates the data to the AWS Secondary Region with typical latency of less '
    'than a second" (https://disaster-recovery.workshop.aws/en/services/databases/aurora/'
    "global-database.html); a typical, not a maximum, figure: watch AuroraGlobalDBRPOLag"
)
S3_RTC_MINUTES = 15
S3_RTC_SOURCE = (
    'AWS: S3 RTC "replicates 99.99 percent of new objects ... within 15 minutes" '
    "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html)"
)

_REFERENCE = re.compile(r"\$\{(?P<type>aws_[a-z0-9_]+)\.(?P<id>[A-Za-z0-9_-]+)\.")


class Origin(StrEnum):
    """Where a term's value comes from."""

    SYNTHESIZED = "synthesized"
    DEFAULT = "default, not synthesized"
    AWS = "AWS-documented figure"
    ASSUMED = "assumption"


@dataclass(frozen=True)
class Term:
    """One term of a budget."""

    key: str
    label: str
    seconds: float
    origin: Origin
    source: str

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "term": self.key,
            "label": self.label,
            "seconds": self.seconds,
            "origin": self.origin.value,
            "source": self.source,
        }


@dataclass(frozen=True)
class Budget:
    """RTO and RPO with their terms, against the objectives."""

    detection: Term
    dns: Term
    orchestrator: Term
    promotion: Term
    database_lag: Term
    objects: Term
    rto_objective_seconds: float
    rpo_objective_seconds: float
    page_to_action: Term
    table_lag: Term

    @property
    def writer_path_seconds(self) -> float:
        """Automatic path to a new writer: ``orchestrator + promotion``."""
        return self.orchestrator.seconds + self.promotion.seconds

    @property
    def manual_writer_path_seconds(self) -> float:
        """Manual path to a new writer: ``orchestrator + page to action + promotion``."""
        return self.writer_path_seconds + self.page_to_action.seconds

    @property
    def rto_seconds(self) -> float:
        """Automatic path: ``detection + max(DNS, orchestrator + promotion)``."""
        return self.detection.seconds + max(self.dns.seconds, self.writer_path_seconds)

    @property
    def manual_rto_seconds(self) -> float:
        """Manual path: ``detection + max(DNS, orchestrator + page to action + promotion)``."""
        return self.detection.seconds + max(self.dns.seconds, self.manual_writer_path_seconds)

    @property
    def rpo_seconds(self) -> float:
        """The largest of the database, table and object bounds."""
        return max(self.database_lag.seconds, self.table_lag.seconds, self.objects.seconds)

    @property
    def automatic_ok(self) -> bool:
        """The automatic path's RTO within the objective."""
        return self.rto_seconds <= self.rto_objective_seconds

    @property
    def manual_ok(self) -> bool:
        """The manual path's RTO within the objective."""
        return self.manual_rto_seconds <= self.rto_objective_seconds

    @property
    def rto_ok(self) -> bool:
        """Both paths' RTO within the objective."""
        return self.automatic_ok and self.manual_ok

    @property
    def rpo_ok(self) -> bool:
        """RPO within its objective."""
        return self.rpo_seconds <= self.rpo_objective_seconds

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "rto": {
                "seconds": self.rto_seconds,
                "objective_seconds": self.rto_objective_seconds,
                "within_objective": self.automatic_ok,
                "path": "automatic",
                "formula": "detection + max(dns, orchestrator + promotion)",
                "terms": [t.to_json() for t in (self.detection, self.dns, self.orchestrator)]
                + [self.promotion.to_json()],
            },
            "rto_manual": {
                "seconds": self.manual_rto_seconds,
                "objective_seconds": self.rto_objective_seconds,
                "within_objective": self.manual_ok,
                "path": "manual",
                "formula": "detection + max(dns, orchestrator + page_to_action + promotion)",
                "terms": [
                    t.to_json()
                    for t in (
                        self.detection,
                        self.dns,
                        self.orchestrator,
                        self.page_to_action,
                        self.promotion,
                    )
                ],
            },
            "rpo": {
                "seconds": self.rpo_seconds,
                "objective_seconds": self.rpo_objective_seconds,
                "within_objective": self.rpo_ok,
                "formula": "max(database, table, objects)",
                "terms": [
                    self.database_lag.to_json(),
                    self.table_lag.to_json(),
                    self.objects.to_json(),
                ],
            },
        }


def _detection(app: SynthesizedApp) -> Term:
    worst: tuple[int, int, Resource] | None = None
    for resource in app.resources("aws_route53_health_check"):
        interval = literal_int(resource.body.get("request_interval", ROUTE53_DEFAULT_INTERVAL))
        threshold = literal_int(resource.body.get("failure_threshold", ROUTE53_DEFAULT_THRESHOLD))
        if interval is None or threshold is None:
            continue
        if worst is None or interval * threshold > worst[0] * worst[1]:
            worst = (interval, threshold, resource)
    if worst is None:
        interval, threshold = ROUTE53_DEFAULT_INTERVAL, ROUTE53_DEFAULT_THRESHOLD
        label = f"health check {interval} s interval x {threshold} failures"
        return Term("detection", label, interval * threshold, Origin.DEFAULT, "Route 53 defaults")
    interval, threshold, resource = worst
    label = f"health check {interval} s interval x {threshold} failures"
    return Term("detection", label, interval * threshold, Origin.SYNTHESIZED, resource.address)


def _dns(app: SynthesizedApp) -> Term:
    worst: tuple[int, str, Resource] | None = None
    for resource in app.resources("aws_route53_record"):
        if resource.body.get("failover_routing_policy") is None:
            continue  # only the failover records decide where clients go
        if resource.body.get("alias") is not None:
            ttl, kind = ALIAS_TTL_SECONDS, "alias record (60 s)"
        else:
            value = literal_int(resource.body.get("ttl"))
            if value is None:
                continue
            ttl, kind = value, f"record TTL {value} s"
        if worst is None or ttl > worst[0]:
            worst = (ttl, kind, resource)
    if worst is None:
        label = f"failover record TTL (alias: {ALIAS_TTL_SECONDS} s)"
        return Term("dns", label, ALIAS_TTL_SECONDS, Origin.DEFAULT, "alias record TTL")
    ttl, kind, resource = worst
    return Term("dns", kind, ttl, Origin.SYNTHESIZED, resource.address)


def _orchestrator_function(app: SynthesizedApp) -> Resource | None:
    return next(
        (
            resource
            for resource in app.resources("aws_lambda_function")
            if resource.body.get("handler") == ORCHESTRATOR_HANDLER
        ),
        None,
    )


def _schedule(app: SynthesizedApp, function: Resource | None) -> tuple[int, str] | None:
    rules = {resource.id: resource for resource in app.resources("aws_cloudwatch_event_rule")}
    if function is not None:
        for target in app.resources("aws_cloudwatch_event_target"):
            arn = target.body.get("arn")
            if not isinstance(arn, str) or f"aws_lambda_function.{function.id}." not in arn:
                continue
            match = _REFERENCE.search(str(target.body.get("rule", "")))
            rule = rules.get(match["id"]) if match else None
            seconds = rate_seconds(rule.body.get("schedule_expression")) if rule else None
            if rule is not None and seconds is not None:
                return seconds, rule.address
        for schedule in app.resources("aws_scheduler_schedule"):
            arn = nested(schedule.body, "target", "arn")
            if isinstance(arn, str) and f"aws_lambda_function.{function.id}." in arn:
                seconds = rate_seconds(schedule.body.get("schedule_expression"))
                if seconds is not None:
                    return seconds, schedule.address
    for rule in rules.values():
        if "failover-orchestrator" in str(rule.body.get("name", "")):
            seconds = rate_seconds(rule.body.get("schedule_expression"))
            if seconds is not None:
                return seconds, rule.address
    return None


@dataclass(frozen=True)
class Defaults:
    """Values used for the orchestrator terms when the stacks do not hold them."""

    schedule_seconds: int = DEFAULT_SCHEDULE_SECONDS
    consecutive_failures: int = DEFAULT_CONSECUTIVE_FAILURES
    source: str = "orchestrator defaults"


def _orchestrator(app: SynthesizedApp, defaults: Defaults) -> Term:
    function = _orchestrator_function(app)
    schedule = _schedule(app, function)
    consecutive = None
    if function is not None:
        consecutive = literal_int(
            nested(function.body, "environment", "variables", "CONSECUTIVE_FAILURES")
        )
    period = schedule[0] if schedule else defaults.schedule_seconds
    count = consecutive if consecutive is not None else defaults.consecutive_failures
    parts = [
        f"schedule {period} s" + ("" if schedule else " (default, not synthesized)"),
        f"{count} consecutive evaluations"
        + ("" if consecutive is not None else " (default, not synthesized)"),
    ]
    sources = [schedule[1] if schedule else "", function.address if function else ""]
    synthesized = schedule is not None and consecutive is not None
    origin = Origin.SYNTHESIZED if synthesized else Origin.DEFAULT
    if not synthesized:
        sources.append(defaults.source)
    source = ", ".join(s for s in sources if s)
    return Term("orchestrator", " x ".join(parts), period * count, origin, source)


def _objects(app: SynthesizedApp) -> Term:
    for resource in app.resources("aws_s3_bucket_replication_configuration"):
        rules = resource.body.get("rule")
        for rule in rules if isinstance(rules, list) else []:
            status = nested(rule, "destination", "replication_time", "status")
            minutes = literal_int(
                nested(rule, "destination", "replication_time", "time", "minutes")
            )
            if status == "Enabled" and minutes is not None:
                label = f"S3 Replication Time Control: {minutes} min (objects)"
                return Term("objects", label, minutes * 60, Origin.SYNTHESIZED, resource.address)
    label = f"S3 Replication Time Control: {S3_RTC_MINUTES} min (objects)"
    return Term("objects", label, S3_RTC_MINUTES * 60, Origin.DEFAULT, S3_RTC_SOURCE)


def _table(app: SynthesizedApp) -> Term:
    label = "DynamoDB global table replication: typically within a second"
    replicas = [r.address for r in app.resources("aws_dynamodb_table_replica")]
    replicas += [r.address for r in app.resources("aws_dynamodb_table") if r.body.get("replica")]
    if replicas:
        source = f"{replicas[0]}; {DYNAMODB_LAG_SOURCE}"
        return Term("table", label, DYNAMODB_LAG_SECONDS, Origin.AWS, source)
    label += " (no replica synthesized)"
    return Term("table", label, DYNAMODB_LAG_SECONDS, Origin.DEFAULT, DYNAMODB_LAG_SOURCE)


def compute_budget(
    app: SynthesizedApp,
    *,
    rto_objective_seconds: float,
    rpo_objective_seconds: float,
    defaults: Defaults | None = None,
    page_to_action_minutes: float = DEFAULT_PAGE_TO_ACTION_MINUTES,
) -> Budget:
    """The budget of the synthesized app (defaults, marked, where a value is absent)."""
    return Budget(
        detection=_detection(app),
        dns=_dns(app),
        orchestrator=_orchestrator(app, defaults or Defaults()),
        promotion=Term(
            "promotion",
            'Aurora global database failover: "within a few minutes"',
            PROMOTION_SECONDS,
            Origin.AWS,
            PROMOTION_SOURCE,
        ),
        database_lag=Term(
            "database",
            'Aurora global database replication: "typical latency of less than a second"',
            AURORA_LAG_SECONDS,
            Origin.AWS,
            AURORA_LAG_SOURCE,
        ),
        objects=_objects(app),
        rto_objective_seconds=rto_objective_seconds,
        rpo_objective_seconds=rpo_objective_seconds,
        page_to_action=Term(
            "page_to_action",
            f"page -> a person runs payment-dr failover: {page_to_action_minutes:g} min",
            page_to_action_minutes * 60,
            Origin.ASSUMED,
            "--page-to-action-minutes (your on-call target; not measured)",
        ),
        table_lag=_table(app),
    )
