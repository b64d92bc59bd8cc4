"""What one evaluation saw and did: written to the decision log and returned by the handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from payment_service.orchestrator.model import Action, Signal


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation, as recorded in the decision log."""

    evaluation_id: str
    evaluated_at: float
    """Epoch seconds."""
    trigger: str
    """``schedule`` (EventBridge), ``alarm`` (SNS) or ``manual``."""
    action: Action
    reason: str
    consecutive_down: int
    threshold: int
    verdict: str | None = None
    """``healthy``, ``down``, ``inconclusive``; ``None`` when signals were not read."""
    signals: tuple[Signal, ...] = ()
    switch: str | None = None
    secondary: str | None = None
    cluster_status: str | None = None
    writer_arn: str | None = None
    notified: bool = False
    error: str | None = None

    @property
    def timestamp(self) -> str:
        """ISO 8601 UTC with milliseconds."""
        moment = datetime.fromtimestamp(self.evaluated_at, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable form (handler result, notification body, logs)."""
        return {
            "evaluation_id": self.evaluation_id,
            "evaluated_at": self.timestamp,
            "trigger": self.trigger,
            "action": self.action.value,
            "reason": self.reason,
            "consecutive_down": self.consecutive_down,
            "threshold": self.threshold,
            "verdict": self.verdict,
            "signals": [signal.to_json() for signal in self.signals],
            "switch": self.switch,
            "secondary": self.secondary,
            "cluster_status": self.cluster_status,
            "writer_arn": self.writer_arn,
            "notified": self.notified,
            "error": self.error,
        }
