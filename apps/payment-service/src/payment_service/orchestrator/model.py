"""Values the failover orchestrator reasons about: signals, state, decisions (the cluster
topology is the failover core's :class:`payment_service.failover.Topology`).

Everything here is plain data (frozen dataclasses and string enums) so the decision rules in
:mod:`payment_service.orchestrator.rules` can be tested without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SignalState(StrEnum):
    """What one signal says about the primary region, coarsely (logs and records)."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"
    """The signal could not be read (error, timeout) or is not conclusive. Never healthy."""


class Evidence(StrEnum):
    """What one observation of the primary shows (the decision table reads only this)."""

    WRITING = "writing"
    """An answer showing the primary's database writing: ``/health`` 200 (the handler
    answers 200 only while its database writes), Route 53 checkers in majority healthy, the
    primary health alarm in OK (it watches that health check)."""
    DATABASE_DOWN = "database_down"
    """``/health`` answered ``database: down``: the API runs, its database cannot be reached."""
    DATABASE_SLOW = "database_slow"
    """``/health`` answered ``database: slow``: alive but slower than the health budget."""
    NOT_WRITER = "not_writer"
    """``/health`` answered ``standby`` or ``fenced``: the primary region does not write."""
    SERVICE_BROKEN = "service_broken"
    """An answer that is not the ``/health`` contract (API Gateway 502/504, a Lambda error, a
    WAF 403, any status without the contract's body) or ``database: error``: the API layer
    is broken; the database's state is unknown from it."""
    ANSWERED = "answered"
    """The primary answered, kind unknown: a no-response alarm in OK (any status counts)."""
    FAILING = "failing"
    """Checks fail, kind unknown: Route 53 checkers at or below 18 % healthy, the primary
    health alarm in ALARM (a timeout and a 503 look alike there)."""
    SILENT = "silent"
    """No answer at all from this vantage point: timeout, refused, TLS or DNS failure; a
    no-response alarm in ALARM (every probe of its evaluation periods went unanswered)."""
    UNKNOWN = "unknown"
    """The signal could not be read."""


_STATE_OF = {
    Evidence.WRITING: SignalState.HEALTHY,
    Evidence.ANSWERED: SignalState.UNKNOWN,
    Evidence.DATABASE_SLOW: SignalState.UNKNOWN,
    Evidence.UNKNOWN: SignalState.UNKNOWN,
}


class SignalName(StrEnum):
    """The signals about the primary region."""

    ROUTE53 = "route53_health_check"
    """Route 53 ``GetHealthCheckStatus`` of the primary health check (global checkers)."""
    PROBE = "direct_probe"
    """HTTPS ``GET`` of the primary's regional ``/health`` URL, from the secondary region."""
    ALARM = "primary_alarm"
    """State of the primary health alarm (CloudWatch, primary region)."""
    REMOTE_PROBE = "remote_probe"
    """The alarm of the probe of the primary's direct ``/health`` run in a third region,
    read from CloudWatch in that region (not in the primary region)."""
    SECONDARY_PROBE = "secondary_probe"
    """The alarm of the scheduled probe of the primary's direct ``/health`` in the
    orchestrator's own region: the same vantage point (region) as :attr:`PROBE`."""


@dataclass(frozen=True)
class Signal:
    """One signal reading."""

    name: SignalName
    evidence: Evidence
    detail: str
    region: str | None = None
    """The vantage point: the region the observation was made from (``None`` for Route 53's
    checkers, which are in many regions, and for the primary region's own alarm)."""

    @property
    def state(self) -> SignalState:
        """The coarse state: healthy (writing), unknown (unread, answered, slow), else
        unhealthy."""
        return _STATE_OF.get(self.evidence, SignalState.UNHEALTHY)

    @property
    def no_response(self) -> bool:
        """True when this vantage point got no answer at all."""
        return self.evidence is Evidence.SILENT

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable form."""
        return {
            "name": self.name.value,
            "evidence": self.evidence.value,
            "state": self.state.value,
            "region": self.region,
            "detail": self.detail,
        }


class Verdict(StrEnum):
    """The primary region's state for one evaluation, from all signals together
    (docs/runbook.md, "Decision table")."""

    HEALTHY = "healthy"
    """An answer shows the database writing and nothing contradicts it."""
    CONFLICT = "conflict"
    """The evidence disagrees: an answer shows the database writing while another vantage
    point sees a fault, or one region gets no answer while another does (a partition)."""
    DATABASE_DOWN = "database_down"
    """The primary's API answers that its database cannot be reached; nothing shows it
    writing."""
    SERVICE_BROKEN = "service_broken"
    """The primary answers, but not with the ``/health`` contract (or checks fail, kind
    unknown); nothing shows its database writing or down."""
    OUTAGE = "outage"
    """No answer from vantage points in two regions outside the primary, and no answer of
    any kind from anywhere."""
    INCONCLUSIVE = "inconclusive"
    """Nothing readable, a slow database only, or too little to decide."""

    @property
    def is_down(self) -> bool:
        """True for the verdicts that count towards a move of the database."""
        return self in DOWN_VERDICTS

    @property
    def allows_data_loss(self) -> bool:
        """True when ``FailoverGlobalCluster`` with ``AllowDataLoss`` may follow: the database
        is shown down, or nobody anywhere gets an answer from the primary."""
        return self in (Verdict.DATABASE_DOWN, Verdict.OUTAGE)


DOWN_VERDICTS = frozenset({Verdict.DATABASE_DOWN, Verdict.SERVICE_BROKEN, Verdict.OUTAGE})


@dataclass(frozen=True)
class Assessment:
    """The verdict and why."""

    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class DatabaseHealth:
    """Whether the primary's database is healthy by fresh evidence readable from the
    secondary region (the global cluster's state and the secondary's RPO lag metric)."""

    proven: bool
    reason: str


class SwitchState(StrEnum):
    """The auto-failover switch (an SSM parameter)."""

    ON = "on"
    OFF = "off"
    UNREADABLE = "unreadable"
    """The parameter could not be read: treated as off."""


@dataclass(frozen=True)
class SecondaryReadiness:
    """Whether the secondary region can take over."""

    ready: bool
    reason: str


class Action(StrEnum):
    """What an evaluation did."""

    NONE = "none"
    """Nothing to do: primary healthy, inconclusive, or not yet N consecutive failures."""
    FAIL_OVER = "fail_over"
    """``FailoverGlobalCluster`` (AllowDataLoss) was called for the secondary cluster."""
    FAILOVER_FAILED = "failover_failed"
    """The failover call was refused or failed; the next evaluation tries again."""
    SWITCH_OFF = "switch_off"
    """The primary is down and the secondary ready, but the auto-failover switch is off."""
    SECONDARY_UNHEALTHY = "secondary_unhealthy"
    """The primary is down and the secondary is not ready either: a human is paged."""
    CLUSTER_UNKNOWN = "cluster_unknown"
    """The primary is down but the global cluster topology is unreadable or unexpected."""
    SIGNALS_UNREADABLE = "signals_unreadable"
    """N consecutive evaluations could read no signal: a human must decide."""
    ALREADY_PROMOTED = "already_promoted"
    """The secondary cluster is already the writer: nothing to do."""
    FAILOVER_IN_PROGRESS = "failover_in_progress"
    """A failover or switchover is running: nothing to do."""
    CONCURRENT_EVALUATION = "concurrent_evaluation"
    """Another evaluation updated the state first; this one does nothing."""
    SWITCH_OVER = "switch_over"
    """``SwitchoverGlobalCluster`` was called: the primary's database is healthy, so the move
    loses nothing (RPO 0)."""
    SWITCHOVER_FAILED = "switchover_failed"
    """The switchover call was refused or failed; the next evaluation decides again."""
    SWITCHOVER_STALLED = "switchover_stalled"
    """A switchover started by the orchestrator has not completed within its bound."""
    CONFLICTING_EVIDENCE = "conflicting_evidence"
    """The evidence has disagreed for N evaluations (a partition, or a flapping primary): no
    database move, a person decides."""
    NO_SAFE_MOVE = "no_safe_move"
    """The primary's API is broken, its database is not shown healthy, and it is not shown
    down or silent either: neither a switchover nor a failover with data loss is safe."""


NOTIFY_ACTIONS = frozenset(
    {
        Action.SWITCH_OVER,
        Action.SWITCHOVER_FAILED,
        Action.SWITCHOVER_STALLED,
        Action.CONFLICTING_EVIDENCE,
        Action.NO_SAFE_MOVE,
        Action.FAIL_OVER,
        Action.FAILOVER_FAILED,
        Action.SWITCH_OFF,
        Action.SECONDARY_UNHEALTHY,
        Action.CLUSTER_UNKNOWN,
        Action.SIGNALS_UNREADABLE,
    }
)
"""Actions that publish to the alert topic (on change; failover attempts every time)."""

SEVERITY = {
    Action.SWITCH_OVER: "critical",
    Action.SWITCHOVER_FAILED: "page",
    Action.SWITCHOVER_STALLED: "page",
    Action.CONFLICTING_EVIDENCE: "page",
    Action.NO_SAFE_MOVE: "page",
    Action.FAIL_OVER: "critical",
    Action.FAILOVER_FAILED: "page",
    Action.SWITCH_OFF: "page",
    Action.SECONDARY_UNHEALTHY: "page",
    Action.CLUSTER_UNKNOWN: "page",
    Action.SIGNALS_UNREADABLE: "page",
}
"""``severity`` message attribute of each notification."""


@dataclass(frozen=True)
class OrchestratorState:
    """The durable state between evaluations (one DynamoDB item)."""

    consecutive_down: int = 0
    """Consecutive evaluations whose verdict was ``down``."""
    consecutive_inconclusive: int = 0
    """Consecutive evaluations in which no signal could be read."""
    consecutive_conflict: int = 0
    """Evaluations whose verdict was ``conflict`` since the last ``healthy`` one."""
    down_since: float | None = None
    """Epoch seconds of the first evaluation of the current run of ``down`` verdicts: evidence
    that the primary's database is healthy must be newer than this."""
    switchover_started_at: float | None = None
    """Epoch seconds at which this orchestrator called ``SwitchoverGlobalCluster``; cleared
    once the secondary writes or the primary is healthy again."""
    last_counted_at: float | None = None
    """Epoch seconds of the last evaluation that changed or confirmed the counter."""
    last_action: Action | None = None
    version: int = 0
    """Optimistic-locking version; 0 when the item does not exist yet."""


@dataclass(frozen=True)
class Decision:
    """The outcome of the rules for one evaluation."""

    action: Action
    reason: str
    state: OrchestratorState
    """State to persist (its ``version`` is the one it replaces)."""
    notify: bool = False

    @property
    def severity(self) -> str | None:
        """Notification severity, when this decision notifies."""
        return SEVERITY.get(self.action) if self.notify else None


@dataclass(frozen=True)
class Thresholds:
    """Tuning of the counter."""

    consecutive_failures: int = 3
    """N: consecutive ``down`` evaluations before failing over."""
    min_spacing_seconds: float = 20.0
    """A ``down`` evaluation sooner than this after the last counted one does not count (the
    schedule and an alarm notification can invoke the function seconds apart)."""
    stale_after_seconds: float = 600.0
    """A ``down`` evaluation this long after the last counted one starts the count again."""
    switchover_timeout_seconds: float = 300.0
    """A switchover the orchestrator started that has not made the secondary the writer
    after this long is given up: the next decision falls back to a failover with data loss
    where the verdict allows it, or pages."""


@dataclass(frozen=True)
class GateReadings:
    """What is read only once the counter reaches N."""

    switch: SwitchState
    secondary: SecondaryReadiness
    database: DatabaseHealth
    """The primary's database health by fresh evidence: a switchover only when proven."""
