"""Notifications to the alert topic (SNS, secondary region)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from payment_service.orchestrator.clients import SnsClient
from payment_service.orchestrator.model import Action
from payment_service.orchestrator.record import EvaluationRecord

SUBJECTS = {
    Action.FAIL_OVER: "automatic failover started: promoting the secondary region",
    Action.FAILOVER_FAILED: "PAGE automatic failover FAILED",
    Action.SWITCH_OFF: "PAGE primary down, auto-failover switch off: fail over manually",
    Action.SECONDARY_UNHEALTHY: "PAGE primary down and secondary not ready: no failover",
    Action.CLUSTER_UNKNOWN: "PAGE primary down, global cluster unreadable: no failover",
    Action.SWITCH_OVER: "automatic switchover started: the primary database is healthy",
    Action.SWITCHOVER_FAILED: "PAGE automatic switchover FAILED",
    Action.SWITCHOVER_STALLED: "PAGE switchover not completed within its bound",
    Action.CONFLICTING_EVIDENCE: "PAGE conflicting evidence about the primary: no database move",
    Action.NO_SAFE_MOVE: "PAGE primary API broken, database not shown healthy: no safe move",
    Action.SIGNALS_UNREADABLE: "PAGE no evidence about the primary could be read: decide",
}
MAX_SUBJECT = 100
"""SNS limit on ``Subject`` (characters)."""


def subject(record: EvaluationRecord, suffix: str) -> str:
    """The subject line: environment and what happened, within the SNS limit."""
    label = f"[payment-dr {suffix}] " if suffix else "[payment-dr] "
    text = label + SUBJECTS.get(record.action, record.action.value)
    return text[:MAX_SUBJECT]


class Notifier:
    """Publishes decisions to one topic."""

    def __init__(self, client: SnsClient, topic_arn: str, suffix: str) -> None:
        self._client = client
        self._topic = topic_arn
        self._suffix = suffix

    def page(
        self, action: str, text: str, details: Mapping[str, object], severity: str = "page"
    ) -> None:
        """Publish a page that is not an evaluation's decision (``text`` after the environment
        label, ``details`` as JSON, the same message attributes)."""
        label = f"[payment-dr {self._suffix}] " if self._suffix else "[payment-dr] "
        self._client.publish(
            TopicArn=self._topic,
            Subject=(label + text)[:MAX_SUBJECT],
            Message=json.dumps(dict(details), indent=2, sort_keys=True),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": severity},
                "action": {"DataType": "String", "StringValue": action},
            },
        )

    def publish(self, record: EvaluationRecord, severity: str) -> None:
        """Publish ``record`` as JSON with ``severity`` and ``action`` message attributes."""
        self._client.publish(
            TopicArn=self._topic,
            Subject=subject(record, self._suffix),
            Message=json.dumps(record.to_json(), indent=2, sort_keys=True),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": severity},
                "action": {"DataType": "String", "StringValue": record.action.value},
            },
        )
