"""Where evaluations are recorded: the orchestrator's decision table, partition ``READINESS``.

The table is the DR control plane's log in the secondary region already (key ``pk``/``sk``,
TTL attribute ``expires_at``, customer-managed encryption, point-in-time recovery); the
evaluator writes only its own partition (its IAM statement is conditioned on
``dynamodb:LeadingKeys`` = ``READINESS``), so the orchestrator's items (``STATE``,
``DECISION``) are untouched. One item per evaluation:

``pk = "READINESS"``, ``sk = "<ISO 8601 UTC>#<evaluation id>"``: ``evaluation_id``,
``evaluated_at`` (N, epoch seconds), ``trigger``, ``overall`` (``pass``/``fail``/``unknown``),
``checks`` (JSON: name, outcome, reason of each), ``duration_seconds`` (N) and
``expires_at`` (N, the TTL: ``READINESS_TTL_DAYS`` later). ``payment-dr readiness`` queries the
partition newest first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Protocol

from payment_service.failover.clients import Response
from payment_service.readiness.model import CheckResult, Evaluation, Outcome

PARTITION = "READINESS"
TTL_ATTRIBUTE = "expires_at"


class ItemWriter(Protocol):
    """DynamoDB ``PutItem``."""

    def put_item(self, **kwargs: object) -> Response:
        """Write one item."""
        ...


class ItemReader(Protocol):
    """DynamoDB ``Query``."""

    def query(self, **kwargs: object) -> Response:
        """Items of one partition."""
        ...


def to_item(evaluation: Evaluation, ttl_seconds: float) -> dict[str, Mapping[str, object]]:
    """The DynamoDB item (low-level attribute values) of one evaluation."""
    return {
        "pk": {"S": PARTITION},
        "sk": {"S": f"{evaluation.timestamp}#{evaluation.evaluation_id}"},
        "evaluation_id": {"S": evaluation.evaluation_id},
        "evaluated_at": {"N": repr(round(evaluation.evaluated_at, 3))},
        TTL_ATTRIBUTE: {"N": str(int(evaluation.evaluated_at + ttl_seconds))},
        "trigger": {"S": evaluation.trigger},
        "overall": {"S": evaluation.overall.value},
        "duration_seconds": {"N": repr(round(evaluation.duration_seconds, 3))},
        "checks": {"S": json.dumps([result.to_json() for result in evaluation.results])},
    }


def record(client: ItemWriter, table: str, evaluation: Evaluation, ttl_seconds: float) -> None:
    """Append one evaluation."""
    client.put_item(TableName=table, Item=to_item(evaluation, ttl_seconds))


def _string(item: Mapping[str, object], name: str) -> str | None:
    value = item.get(name)
    if isinstance(value, Mapping):
        raw = value.get("S", value.get("N"))
        return raw if isinstance(raw, str) else None
    return None


def from_item(item: Mapping[str, object]) -> Evaluation:
    """The evaluation an item records; ``ValueError`` when the item is not one."""
    evaluated_at, checks = _string(item, "evaluated_at"), _string(item, "checks")
    if evaluated_at is None or checks is None:
        raise ValueError("not a readiness item: no evaluated_at or checks")
    results = []
    for entry in json.loads(checks):
        if not isinstance(entry, dict):
            raise ValueError("not a readiness item: a check is not an object")
        results.append(
            CheckResult(
                str(entry.get("check")),
                Outcome(str(entry.get("outcome"))),
                str(entry.get("reason", "")),
            )
        )
    return Evaluation(
        evaluation_id=_string(item, "evaluation_id") or "",
        evaluated_at=float(evaluated_at),
        trigger=_string(item, "trigger") or "",
        results=tuple(results),
        duration_seconds=float(_string(item, "duration_seconds") or 0),
    )


def latest(client: ItemReader, table: str) -> Evaluation | None:
    """The newest recorded evaluation, or ``None`` when there is none."""
    response = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": PARTITION}},
        ScanIndexForward=False,
        Limit=1,
    )
    items = response.get("Items")
    if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
        return None
    return from_item(items[0])
