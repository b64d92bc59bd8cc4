"""Values the failover orchestrator reasons about: signals, state, decisions (the cluster
topology is the failover core's :class:`payment_service.failover.Topology`).

Everything here is plain data (frozen dataclasses and string enums) so the decision rules in
:mod:`payment_service.orchestrator.rules` can be tested without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SignalState(StrEnum):
    """What one signal says about the primary region."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"
    """The signal could not be read (error, timeout) or is not conclusive. Never healthy."""


class SignalName(StrEnum):
    """The three independent signals about the primary region."""

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
    orchestrator's own region. The same vantage point as :attr:`PROBE`, sampled every minute
    by its own schedule: its ALARM is an unhealthy signal, never a second vantage point."""


@dataclass(frozen=True)
class Signal:
    """One signal reading."""

    name: SignalName
    state: SignalState
    detail: str
    no_response: bool = False
    """An independent vantage point outside the primary region got no answer at all from
    the primary (timeout, refused, DNS): what a whole-region outage looks like."""

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable form."""
        return {
            "name": self.name.value,
            "state": self.state.value,
            "detail": self.detail,
            "no_response": self.no_response,
        }


class Verdict(StrEnum):
    """The primary region's state for one evaluation, from all signals together."""

    HEALTHY = "healthy"
    DOWN = "down"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Assessment:
    """The verdict and why."""

    verdict: Verdict
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


NOTIFY_ACTIONS = frozenset(
    {
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


@dataclass(frozen=True)
class GateReadings:
    """What is read only once the counter reaches N."""

    switch: SwitchState
    secondary: SecondaryReadiness
