"""Worst-case RTO and RPO computed from the synthesized stacks, per failover path.

The RTO of a path is the time from the fault to the first payment a client gets accepted
again. Two chains run in parallel from the fault, and a client needs both:

* **clients**: Route 53 stops answering with the primary once its health check fails
  (``request_interval`` x ``failure_threshold``), and resolvers forget the old answer after
  the failover record's TTL (an alias record has the TTL of its target);
* **writer**: the orchestrator decides (what decides depends on the fault, below), Aurora
  promotes the secondary, the promoted region's write fence lets writes through at most
  ``PROMOTION_BOUND_SECONDS`` after ``DescribeGlobalClusters`` there reports its cluster
  ``IsWriter`` (``payment_service.writer``: the API writes to its own region's cluster
  endpoint, never through the global writer endpoint, so no DNS change is waited for), and a
  client that was answered ``503`` while the region could not write waits the
  ``Retry-After`` it was given (``RETRY_AFTER_READ_ONLY_SECONDS``) before it tries again.

``RTO = max(clients, writer + retry_after)``. The paths, as the orchestrator decides them
(``payment_service.orchestrator.rules``, module documentation):

* ``outage`` (the whole primary region silent): the verdict needs both probe no-response
  alarms (the secondary region's and the third region's) in ``ALARM``, each after
  ``datapoints_to_alarm`` unanswered periods, plus the period in which the last answer fell,
  plus the alarm's own latency; then N evaluations on the schedule, at least
  ``MIN_EVALUATION_SPACING_SECONDS`` apart; then ``FailoverGlobalCluster`` with
  ``AllowDataLoss``;
* ``database_down`` (``/health`` answers ``database: down``): the direct probe sees it at
  the first evaluation, N evaluations, then ``FailoverGlobalCluster``;
* ``api_only`` (the API broken, its database healthy by fresh evidence): N evaluations, then
  ``SwitchoverGlobalCluster`` (RPO 0), given up at ``SWITCHOVER_TIMEOUT_SECONDS``;
* ``switchover_fallback``: a switchover that has not completed at that bound; the first
  evaluation after it fails over (``outage``, ``database_down``; the API-only fault pages
  instead), counted with the slowest detection (``outage``);
* ``manual``: the orchestrator pages instead of acting (switch off, signals unreadable, a
  failed move) and a person runs ``payment-dr failover`` (``--page-to-action-minutes``).

Every term is labelled:

* ``documented``: a written source states it: the synthesized stacks (the resource is
  named), this kit's code (the constant is named) or AWS documentation (quoted, with its
  page);
* ``measured``: a benchmark or drill of this repository measured it (docs/benchmarks.md);
* ``assumed``: our figure; the source says why, and which documented fact it stands in for.

A value the stacks do not hold is taken from the environment config or the default and is
``assumed``. Promotion and switchover are ranges: a path's RTO is reported at both ends, and
the upper end is compared with the objective.

RPO terms, one per data store: the Aurora global database (``rds.global_db_rpo`` when the
primary's cluster parameter group sets it; unbounded otherwise), the DynamoDB global table
replication delay (typical) and the S3 Replication Time Control bound for objects;
``RPO = max`` of the three. A switchover loses nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from dr_app.cli.synthesized import Resource, SynthesizedApp, literal_int, nested, rate_seconds
from payment_service.errors import RETRY_AFTER_READ_ONLY_SECONDS
from payment_service.writer import PROMOTION_BOUND_SECONDS

ORCHESTRATOR_HANDLER = "payment_service.orchestrator.handler"

ROUTE53_DEFAULT_INTERVAL = 30
"""Route 53 default ``RequestInterval`` (seconds)."""
ROUTE53_DEFAULT_THRESHOLD = 3
"""Route 53 default ``FailureThreshold``."""
ALIAS_TTL_SECONDS = 60
ALIAS_TTL_SOURCE = (
    'Route 53 Developer Guide, "Choosing between alias and non-alias records": "If an alias '
    "record points to an AWS resource, you can't set the time to live (TTL); Route 53 uses the "
    'default TTL for the resource." AWS does not document the TTL of an API Gateway regional '
    "domain name: 60 s assumed"
)
DEFAULT_SCHEDULE_SECONDS = 60
"""EventBridge ``rate(1 minute)``: the orchestrator's default schedule."""
DEFAULT_CONSECUTIVE_FAILURES = 3
"""The orchestrator's ``CONSECUTIVE_FAILURES`` default."""
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 30
"""The orchestrator function's timeout (``ORCHESTRATOR_TIMEOUT_SECONDS``)."""
DEFAULT_SPACING_SECONDS = 20
"""``MIN_EVALUATION_SPACING_SECONDS`` when the function's environment does not set it
(``payment_service.orchestrator.model.Thresholds.min_spacing_seconds``)."""
DEFAULT_SWITCHOVER_TIMEOUT_SECONDS = 300
"""``SWITCHOVER_TIMEOUT_SECONDS`` when the function's environment does not set it
(``payment_service.orchestrator.model.Thresholds.switchover_timeout_seconds``)."""
THRESHOLDS_SOURCE = "payment_service/orchestrator/model.py Thresholds"
DEFAULT_ALARM_PERIOD_SECONDS = 60
DEFAULT_ALARM_PERIODS = 2
"""``PrimaryProbeProps.alarm_evaluation_periods`` default, periods of 60 s."""
ALARM_LATENCY_SECONDS = 60
ALARM_LATENCY_SOURCE = (
    "CloudWatch documents no delay between the end of a period and the alarm's change of "
    "state; the probe's NoResponse datapoint is extracted from its log (embedded metric "
    "format) after its timeout: one 60 s period assumed"
)

FAILOVER_LOW_SECONDS = 60
FAILOVER_HIGH_SECONDS = 300
FAILOVER_SOURCE = (
    'AWS: "Typically, the chosen secondary cluster assumes the primary role within a few '
    'minutes" (Aurora User Guide, "Recovering an Amazon Aurora global database from an '
    'unplanned outage": https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/'
    "aurora-global-database-disaster-recovery.html); AWS gives no bound: 1 to 5 min is our "
    'reading of "a few minutes"'
)
SWITCHOVER_LOW_SECONDS = 60
SWITCHOVER_SOURCE = (
    "AWS: the secondary's lag \"is directly proportional to the time it takes for Aurora to "
    'complete the switchover", and "Your database is unavailable for a short time while the '
    'primary and selected secondary clusters are assuming their new roles" (Aurora User Guide, '
    '"Performing switchovers for Amazon Aurora global databases"); no duration documented: '
    "1 min assumed at the low end; the upper end is the orchestrator's bound"
)
FENCE_SOURCE = (
    "payment_service/writer.py PROMOTION_BOUND_SECONDS (STANDBY_ANSWER_TTL_SECONDS): once "
    "DescribeGlobalClusters in the promoted region reports its cluster IsWriter, the fence "
    "lets through every write that reaches it this much later (an answer that is not IsWriter "
    'is reused at most this long); GlobalClusterMember.IsWriter "indicates whether the Aurora '
    "DB cluster is the primary cluster (that is, has read-write capability) for the global "
    'cluster with which it is associated" (RDS API Reference, GlobalClusterMember; '
    "DescribeGlobalClusters)"
)
RETRY_AFTER_SOURCE = (
    "payment_service/errors.py RETRY_AFTER_READ_ONLY_SECONDS: the Retry-After of the 503 the "
    "API answers while its region cannot write"
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
AURORA_TYPICAL_LAG = (
    'AWS: "For an Aurora global database, RPO is typically measured in seconds" (Aurora User '
    'Guide, "Using switchover or failover in Amazon Aurora Global Database": '
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
    "aurora-global-database-disaster-recovery.html): a typical figure, not a bound; watch "
    "AuroraGlobalDBRPOLag"
)
AURORA_RPO_SOURCE = (
    'AWS: "you can use the rds.global_db_rpo parameter to set and track the upper bound on '
    'RPO"; with it set, Aurora "Blocks the transaction if all secondary DB clusters have RPO '
    'lag times that are larger than the RPO" (Aurora User Guide, "Managing RPOs for Aurora '
    'PostgreSQL-based global databases")'
)
S3_RTC_MINUTES = 15
S3_RTC_SOURCE = (
    'AWS: S3 RTC "replicates 99.99 percent of new objects ... within 15 minutes" '
    "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html)"
)

_REFERENCE = re.compile(r"\$\{(?P<type>aws_[a-z0-9_]+)\.(?P<id>[A-Za-z0-9_-]+)\.")
PROBE_ALARM_VARIABLES = ("SECONDARY_PROBE_ALARM_NAME", "REMOTE_PROBE_ALARM_NAME")
"""The orchestrator's variables naming the two vantage points' no-response alarms."""


class Basis(StrEnum):
    """What a figure rests on."""

    DOCUMENTED = "documented"
    """A written source states it: the synthesized stacks, this kit's code, AWS docs."""
    MEASURED = "measured"
    """A benchmark or drill of this repository measured it (docs/benchmarks.md)."""
    ASSUMED = "assumed"
    """Our figure: no source states it."""


@dataclass(frozen=True)
class Term:
    """One term of a budget: a figure, or a range ``low`` to ``seconds``."""

    key: str
    label: str
    seconds: float
    """The upper end; ``math.inf`` when nothing bounds it."""
    basis: Basis
    source: str
    low: float | None = None
    """The lower end of a range; ``None`` for a single figure."""

    @property
    def least(self) -> float:
        """The lower end (the figure itself when it is not a range)."""
        return self.seconds if self.low is None else self.low

    def to_json(self) -> dict[str, object]:
        """JSON form (an unbounded figure is ``null``)."""
        return {
            "term": self.key,
            "label": self.label,
            "seconds": None if math.isinf(self.seconds) else self.seconds,
            "low_seconds": None if math.isinf(self.least) else self.least,
            "basis": self.basis.value,
            "source": self.source,
        }


@dataclass(frozen=True)
class RecoveryPath:
    """One way the writer moves, with the terms of its two chains."""

    key: str
    title: str
    decides: str
    """What makes the orchestrator (or a person) move."""
    move: str
    clients: tuple[Term, ...]
    writer: tuple[Term, ...]
    retry_after: Term
    loses_writes: bool
    """True for ``FailoverGlobalCluster`` with ``AllowDataLoss`` (the RPO below applies)."""

    @property
    def client_seconds(self) -> float:
        """The clients' chain: Route 53 detection and the record's TTL."""
        return sum(term.seconds for term in self.clients)

    @property
    def writer_seconds(self) -> float:
        """The writer's chain, upper ends."""
        return sum(term.seconds for term in self.writer)

    @property
    def rto_seconds(self) -> float:
        """``max(clients, writer + retry_after)``, upper ends."""
        return max(self.client_seconds, self.writer_seconds + self.retry_after.seconds)

    @property
    def low_rto_seconds(self) -> float:
        """The same at the lower end of every range."""
        writer = sum(term.least for term in self.writer) + self.retry_after.least
        return max(sum(term.least for term in self.clients), writer)

    @property
    def formula(self) -> str:
        """The sum, by term key."""
        clients = " + ".join(term.key for term in self.clients)
        writer = " + ".join(term.key for term in (*self.writer, self.retry_after))
        return f"max({clients}, {writer})"

    def to_json(self) -> dict[str, object]:
        """JSON form (the verdict is the budget's: :meth:`Budget.path_ok`)."""
        return {
            "path": self.key,
            "title": self.title,
            "decides": self.decides,
            "move": self.move,
            "formula": self.formula,
            "seconds": self.rto_seconds,
            "low_seconds": self.low_rto_seconds,
            "loses_writes": self.loses_writes,
            "terms": [t.to_json() for t in (*self.clients, *self.writer, self.retry_after)],
        }


@dataclass(frozen=True)
class Budget:
    """RTO per path and RPO per data store, against the objectives."""

    paths: tuple[RecoveryPath, ...]
    database_lag: Term
    table_lag: Term
    objects: Term
    rto_objective_seconds: float
    rpo_objective_seconds: float

    def path(self, key: str) -> RecoveryPath:
        """The path named ``key``."""
        return next(path for path in self.paths if path.key == key)

    def path_ok(self, path: RecoveryPath) -> bool:
        """The path's RTO (upper end) within the objective."""
        return path.rto_seconds <= self.rto_objective_seconds

    @property
    def worst(self) -> RecoveryPath:
        """The path with the longest RTO (the first of equals)."""
        return max(self.paths, key=lambda path: path.rto_seconds)

    @property
    def rto_ok(self) -> bool:
        """Every path's RTO within the objective."""
        return all(self.path_ok(path) for path in self.paths)

    @property
    def rpo_seconds(self) -> float:
        """The largest of the database, table and object bounds (``math.inf``: none)."""
        return max(self.database_lag.seconds, self.table_lag.seconds, self.objects.seconds)

    @property
    def rpo_ok(self) -> bool:
        """RPO within its objective (never when unbounded)."""
        return self.rpo_seconds <= self.rpo_objective_seconds

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        worst = self.worst
        rpo = self.rpo_seconds
        return {
            "rto": {
                "seconds": worst.rto_seconds,
                "objective_seconds": self.rto_objective_seconds,
                "within_objective": self.rto_ok,
                "worst_path": worst.key,
            },
            "paths": [
                {
                    **path.to_json(),
                    "objective_seconds": self.rto_objective_seconds,
                    "within_objective": self.path_ok(path),
                }
                for path in self.paths
            ],
            "rpo": {
                "seconds": None if math.isinf(rpo) else rpo,
                "bounded": not math.isinf(rpo),
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


@dataclass(frozen=True)
class Defaults:
    """Values used where the stacks do not hold them (the environment config, else these)."""

    schedule_seconds: int = DEFAULT_SCHEDULE_SECONDS
    consecutive_failures: int = DEFAULT_CONSECUTIVE_FAILURES
    global_db_rpo_seconds: int = 0
    """``aurora_global_db_rpo_seconds``; 0: ``rds.global_db_rpo`` unset."""
    source: str = "orchestrator defaults"


def _route53(app: SynthesizedApp) -> Term:
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
        label = f"health check {interval} s interval x {threshold} failures (not synthesized)"
        return Term("route53", label, interval * threshold, Basis.ASSUMED, "Route 53 defaults")
    interval, threshold, resource = worst
    label = f"health check {interval} s interval x {threshold} failures"
    return Term("route53", label, interval * threshold, Basis.DOCUMENTED, resource.address)


def _api_dns(app: SynthesizedApp) -> Term:
    worst: tuple[int, str, Basis, str] | None = None
    for resource in app.resources("aws_route53_record"):
        if resource.body.get("failover_routing_policy") is None:
            continue  # only the failover records decide where clients go
        if resource.body.get("alias") is not None:
            ttl, label, basis = ALIAS_TTL_SECONDS, "alias record: the target's TTL", Basis.ASSUMED
            source = f"{resource.address}; {ALIAS_TTL_SOURCE}"
        else:
            value = literal_int(resource.body.get("ttl"))
            if value is None:
                continue
            ttl, label, basis = value, f"record TTL {value} s", Basis.DOCUMENTED
            source = resource.address
        if worst is None or ttl > worst[0]:
            worst = (ttl, label, basis, source)
    if worst is None:
        label = "failover record TTL (not synthesized; alias assumed)"
        return Term("api_dns", label, ALIAS_TTL_SECONDS, Basis.ASSUMED, ALIAS_TTL_SOURCE)
    ttl, label, basis, source = worst
    return Term("api_dns", label, ttl, basis, source)


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


def _variable(function: Resource | None, name: str) -> object:
    if function is None:
        return None
    return nested(function.body, "environment", "variables", name)


@dataclass(frozen=True)
class _Orchestrator:
    """The orchestrator's terms, and what the switchover fallback needs."""

    evaluations: Term
    next_evaluation: Term
    run: Term
    switchover_bound: Term


def _orchestrator(app: SynthesizedApp, defaults: Defaults) -> _Orchestrator:
    function = _orchestrator_function(app)
    schedule = _schedule(app, function)
    consecutive = literal_int(_variable(function, "CONSECUTIVE_FAILURES"))
    spacing = literal_int(_variable(function, "MIN_EVALUATION_SPACING_SECONDS"))
    bound = literal_int(_variable(function, "SWITCHOVER_TIMEOUT_SECONDS"))
    period = schedule[0] if schedule else defaults.schedule_seconds
    count = consecutive if consecutive is not None else defaults.consecutive_failures
    gap = spacing if spacing is not None else DEFAULT_SPACING_SECONDS
    # An evaluation sooner than the spacing after the last counted one does not count.
    step = period * max(1, math.ceil(gap / period))
    absent = " (not synthesized)"
    label = (
        f"{count} consecutive evaluations{'' if consecutive is not None else absent}, "
        f"one every {step} s: schedule {period} s{'' if schedule else absent}, counted at "
        f"least {gap} s apart"
    )
    sources = [schedule[1] if schedule else "", function.address if function else ""]
    synthesized = schedule is not None and consecutive is not None
    if not synthesized:
        sources.append(defaults.source)
    if spacing is None:
        sources.append(f"{THRESHOLDS_SOURCE}.min_spacing_seconds")
    source = ", ".join(s for s in sources if s)
    basis = Basis.DOCUMENTED if synthesized else Basis.ASSUMED
    address = function.address if function else ""
    timeout = literal_int(function.body.get("timeout")) if function else None
    if timeout is None:
        run = Term(
            "evaluation_run",
            f"the deciding evaluation: at most the function timeout "
            f"{DEFAULT_FUNCTION_TIMEOUT_SECONDS} s (not synthesized)",
            DEFAULT_FUNCTION_TIMEOUT_SECONDS,
            Basis.ASSUMED,
            "FailoverOrchestrator's timeout",
        )
    else:
        label_run = f"the deciding evaluation: at most the function timeout {timeout} s"
        run = Term("evaluation_run", label_run, timeout, Basis.DOCUMENTED, address)
    if bound is None:
        bound, bound_source = DEFAULT_SWITCHOVER_TIMEOUT_SECONDS, THRESHOLDS_SOURCE
    else:
        bound_source = address
    return _Orchestrator(
        evaluations=Term("evaluations", label, count * step, basis, source),
        next_evaluation=Term(
            "next_evaluation",
            f"the first evaluation after the bound: up to {step} s, then its run",
            step + run.seconds,
            basis,
            source,
        ),
        run=run,
        switchover_bound=Term(
            "switchover_bound",
            f"SwitchoverGlobalCluster given up after SWITCHOVER_TIMEOUT_SECONDS {bound} s",
            bound,
            Basis.DOCUMENTED,
            bound_source,
        ),
    )


def _alarm_window(alarm: Resource) -> tuple[int, int] | None:
    """``(breaching periods needed, period)`` of an alarm, when both are literal."""
    body = alarm.body
    periods = literal_int(body.get("datapoints_to_alarm", body.get("evaluation_periods")))
    period = literal_int(body.get("period"))
    return None if periods is None or period is None else (periods, period)


def _probe_alarms(app: SynthesizedApp) -> Term:
    """The slower of the two no-response alarms the orchestrator reads (both must be in
    ``ALARM``): the breaching periods, plus the period in which the last answer fell."""
    function = _orchestrator_function(app)
    alarms = list(app.resources("aws_cloudwatch_metric_alarm"))
    found: list[tuple[int, int, str]] = []
    for variable in PROBE_ALARM_VARIABLES:
        value = _variable(function, variable)
        if not isinstance(value, str):
            continue
        match = _REFERENCE.search(value)
        for alarm in alarms:
            named = alarm.id == match["id"] if match else alarm.body.get("alarm_name") == value
            window = _alarm_window(alarm) if named else None
            if window is not None:
                found.append((*window, alarm.address))
                break
    missing = len(PROBE_ALARM_VARIABLES) - len(found)
    default = (DEFAULT_ALARM_PERIODS, DEFAULT_ALARM_PERIOD_SECONDS, "")
    windows = [*found, default] if missing else found
    periods, period, _ = max(windows, key=lambda window: (window[0] + 1) * window[1])
    label = (
        f"both probe alarms in ALARM: {periods} periods of {period} s unanswered, plus the "
        "period of the last answer"
    )
    seconds = (periods + 1) * period
    if not missing:
        return Term(
            "probe_alarms", label, seconds, Basis.DOCUMENTED, ", ".join(w[2] for w in found)
        )
    source = "PrimaryProbe defaults (alarm_evaluation_periods 2, period 60 s)"
    return Term("probe_alarms", f"{label} (not synthesized)", seconds, Basis.ASSUMED, source)


def _database(app: SynthesizedApp, defaults: Defaults) -> Term:
    """``rds.global_db_rpo`` from a synthesized cluster parameter group; none: unbounded."""
    for group in app.resources("aws_rds_cluster_parameter_group"):
        parameters = group.body.get("parameter")
        for parameter in parameters if isinstance(parameters, list) else []:
            value = literal_int(nested(parameter, "value"))
            if nested(parameter, "name") == "rds.global_db_rpo" and value is not None:
                label = f"Aurora: rds.global_db_rpo {value} s bounds the writes a failover loses"
                source = f"{group.address}; {AURORA_RPO_SOURCE}"
                return Term("database", label, value, Basis.DOCUMENTED, source)
    if app.stacks:
        label = "Aurora: rds.global_db_rpo unset: unbounded (typically seconds)"
        source = (
            f"no synthesized cluster parameter group sets it; {AURORA_RPO_SOURCE}; "
            f"{AURORA_TYPICAL_LAG}"
        )
        return Term("database", label, math.inf, Basis.DOCUMENTED, source)
    rpo = defaults.global_db_rpo_seconds
    source = f"{defaults.source} (not synthesized); {AURORA_RPO_SOURCE}; {AURORA_TYPICAL_LAG}"
    if rpo > 0:
        label = f"Aurora: rds.global_db_rpo {rpo} s (not synthesized)"
        return Term("database", label, rpo, Basis.ASSUMED, source)
    label = "Aurora: rds.global_db_rpo unset (not synthesized): unbounded (typically seconds)"
    return Term("database", label, math.inf, Basis.ASSUMED, source)


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
                source = f"{resource.address}; {S3_RTC_SOURCE}"
                return Term("objects", label, minutes * 60, Basis.DOCUMENTED, source)
    label = f"S3 Replication Time Control: {S3_RTC_MINUTES} min (objects, not synthesized)"
    return Term("objects", label, S3_RTC_MINUTES * 60, Basis.ASSUMED, S3_RTC_SOURCE)


def _table(app: SynthesizedApp) -> Term:
    label = "DynamoDB global table replication: typically within a second"
    replicas = [r.address for r in app.resources("aws_dynamodb_table_replica")]
    replicas += [r.address for r in app.resources("aws_dynamodb_table") if r.body.get("replica")]
    if replicas:
        source = f"{replicas[0]}; {DYNAMODB_LAG_SOURCE}"
        return Term("table", label, DYNAMODB_LAG_SECONDS, Basis.DOCUMENTED, source)
    label += " (no replica synthesized)"
    return Term("table", label, DYNAMODB_LAG_SECONDS, Basis.ASSUMED, DYNAMODB_LAG_SOURCE)


def compute_budget(
    app: SynthesizedApp,
    *,
    rto_objective_seconds: float,
    rpo_objective_seconds: float,
    defaults: Defaults | None = None,
    page_to_action_minutes: float = DEFAULT_PAGE_TO_ACTION_MINUTES,
) -> Budget:
    """The budget of the synthesized app (assumed values, marked, where a value is absent)."""
    defaults = defaults or Defaults()
    clients = (_route53(app), _api_dns(app))
    orchestrator = _orchestrator(app, defaults)
    evaluations, run = orchestrator.evaluations, orchestrator.run
    alarms = _probe_alarms(app)
    latency = Term(
        "alarm_latency",
        "the alarms' change of state after their last period",
        ALARM_LATENCY_SECONDS,
        Basis.ASSUMED,
        ALARM_LATENCY_SOURCE,
    )
    failover = Term(
        "failover",
        'FailoverGlobalCluster: "within a few minutes"',
        FAILOVER_HIGH_SECONDS,
        Basis.ASSUMED,
        FAILOVER_SOURCE,
        low=FAILOVER_LOW_SECONDS,
    )
    bound = orchestrator.switchover_bound
    switchover = Term(
        "switchover",
        "SwitchoverGlobalCluster: proportional to the lag, then a short unavailability",
        bound.seconds,
        Basis.ASSUMED,
        f"{SWITCHOVER_SOURCE} ({bound.source}: SWITCHOVER_TIMEOUT_SECONDS {bound.seconds:g} s)",
        low=min(SWITCHOVER_LOW_SECONDS, bound.seconds),
    )
    fence = Term(
        "fence",
        "the promoted region's write fence lets writes through (DescribeGlobalClusters "
        f"IsWriter; standby answers cached {PROMOTION_BOUND_SECONDS:g} s)",
        PROMOTION_BOUND_SECONDS,
        Basis.DOCUMENTED,
        FENCE_SOURCE,
    )
    retry = Term(
        "retry_after",
        f"a client answered 503 waits Retry-After {RETRY_AFTER_READ_ONLY_SECONDS} s",
        RETRY_AFTER_READ_ONLY_SECONDS,
        Basis.DOCUMENTED,
        RETRY_AFTER_SOURCE,
    )
    page = Term(
        "page_to_action",
        f"page -> a person runs payment-dr failover: {page_to_action_minutes:g} min",
        page_to_action_minutes * 60,
        Basis.ASSUMED,
        "--page-to-action-minutes (your on-call target; not measured)",
    )
    outage = (alarms, latency, evaluations, run)
    failing_over = (failover, fence)
    paths = (
        RecoveryPath(
            "outage",
            "the primary region silent (verdict outage)",
            "both probe alarms in ALARM and no answer from anywhere, N evaluations in a row",
            "FailoverGlobalCluster with AllowDataLoss",
            clients,
            (*outage, *failing_over),
            retry,
            loses_writes=True,
        ),
        RecoveryPath(
            "database_down",
            "the primary's database down (verdict database_down)",
            "the direct probe's /health answers database down, N evaluations in a row",
            "FailoverGlobalCluster with AllowDataLoss",
            clients,
            (evaluations, run, *failing_over),
            retry,
            loses_writes=True,
        ),
        RecoveryPath(
            "api_only",
            "the primary's API broken, its database healthy (verdict service_broken)",
            "the direct probe's /health answers without the contract, N evaluations in a row; "
            "the database healthy by fresh evidence",
            "SwitchoverGlobalCluster (RPO 0; past its bound: a page)",
            clients,
            (evaluations, run, switchover, fence),
            retry,
            loses_writes=False,
        ),
        RecoveryPath(
            "switchover_fallback",
            "a switchover not completed at its bound (outage, database_down)",
            "the outage path's detection; the database looked healthy, the switchover did not "
            "complete (still running at the bound: a page instead)",
            "FailoverGlobalCluster with AllowDataLoss at the next evaluation",
            clients,
            (*outage, bound, orchestrator.next_evaluation, *failing_over),
            retry,
            loses_writes=True,
        ),
        RecoveryPath(
            "manual",
            "the orchestrator pages instead of moving (switch off, signals unreadable, a "
            "failed move)",
            "the outage path's detection, then a person",
            "payment-dr failover (FailoverGlobalCluster with AllowDataLoss)",
            clients,
            (*outage, page, *failing_over),
            retry,
            loses_writes=True,
        ),
    )
    return Budget(
        paths=paths,
        database_lag=_database(app, defaults),
        table_lag=_table(app),
        objects=_objects(app),
        rto_objective_seconds=rto_objective_seconds,
        rpo_objective_seconds=rpo_objective_seconds,
    )
