"""The orchestrator's DynamoDB table: the durable counter and the decision log.

Key schema: partition key ``pk`` (S), sort key ``sk`` (S); TTL attribute ``expires_at``.

* State item, ``pk = "STATE"``, ``sk = "ORCHESTRATOR"``: ``consecutive_down`` (N),
  ``consecutive_inconclusive`` (N), ``last_counted_at`` (N, epoch seconds), ``last_action``
  (S), ``version`` (N). Written with
  a condition on the version read, so of two concurrent evaluations only one acts.
* One decision item per evaluation, ``pk = "DECISION"``, ``sk = "<ISO 8601 UTC>#<id>"``:
  ``action``, ``reason``, ``trigger``, ``verdict``, ``consecutive_down``, ``threshold``,
  ``signals`` (JSON), ``switch``, ``secondary``, ``cluster_status``, ``writer_arn``,
  ``notified``, ``error``, ``evaluated_at`` (N) and ``expires_at`` (N, the TTL). Query
  ``pk = "DECISION"`` newest first for the latest decisions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from payment_service.aws import string_attribute
from payment_service.failover.clients import error_code
from payment_service.orchestrator.clients import DynamoDbClient
from payment_service.orchestrator.model import Action, OrchestratorState
from payment_service.orchestrator.record import EvaluationRecord

STATE_KEY = {"pk": {"S": "STATE"}, "sk": {"S": "ORCHESTRATOR"}}
DECISION_PARTITION = "DECISION"
TTL_ATTRIBUTE = "expires_at"


class StateConflictError(Exception):
    """Another evaluation wrote the state after this one read it."""


def _number(item: Mapping[str, object], name: str) -> float | None:
    value = item.get(name)
    if isinstance(value, Mapping):
        raw = value.get("N")
        if isinstance(raw, str):
            return float(raw)
    return None


def _n(value: float) -> dict[str, str]:
    return {"N": str(int(value)) if float(value).is_integer() else repr(float(value))}


class DecisionStore:
    """Reads and writes the state item and the decision log."""

    def __init__(self, client: DynamoDbClient, table_name: str, *, ttl_seconds: int) -> None:
        self._client = client
        self._table = table_name
        self._ttl = ttl_seconds

    def load_state(self) -> OrchestratorState:
        """The state item (defaults when it does not exist yet)."""
        response = self._client.get_item(TableName=self._table, Key=STATE_KEY, ConsistentRead=True)
        item = response.get("Item")
        if not isinstance(item, Mapping):
            return OrchestratorState()
        last_action = string_attribute(item, "last_action")
        return OrchestratorState(
            consecutive_down=int(_number(item, "consecutive_down") or 0),
            consecutive_inconclusive=int(_number(item, "consecutive_inconclusive") or 0),
            consecutive_conflict=int(_number(item, "consecutive_conflict") or 0),
            down_since=_number(item, "down_since"),
            switchover_started_at=_number(item, "switchover_started_at"),
            last_counted_at=_number(item, "last_counted_at"),
            last_action=Action(last_action) if last_action in set(Action) else None,
            version=int(_number(item, "version") or 0),
        )

    def save_state(self, state: OrchestratorState, now: float) -> OrchestratorState:
        """Write ``state`` if nobody wrote since it was read (its ``version``).

        Returns the state as stored (next version). Raises :class:`StateConflictError` when
        another evaluation won the race.
        """
        item: dict[str, Mapping[str, str]] = {
            **STATE_KEY,
            "consecutive_down": _n(state.consecutive_down),
            "consecutive_inconclusive": _n(state.consecutive_inconclusive),
            "consecutive_conflict": _n(state.consecutive_conflict),
            "version": _n(state.version + 1),
            "updated_at": _n(now),
        }
        for name, value in (
            ("last_counted_at", state.last_counted_at),
            ("down_since", state.down_since),
            ("switchover_started_at", state.switchover_started_at),
        ):
            if value is not None:
                item[name] = _n(value)
        if state.last_action is not None:
            item["last_action"] = {"S": state.last_action.value}
        if state.version == 0:
            condition: dict[str, object] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": _n(state.version)},
            }
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise StateConflictError("the state changed since it was read") from exc
            raise
        return replace(state, version=state.version + 1)

    def record(self, record: EvaluationRecord) -> None:
        """Append one decision item (kept for the configured TTL)."""
        item: dict[str, Mapping[str, object]] = {
            "pk": {"S": DECISION_PARTITION},
            "sk": {"S": f"{record.timestamp}#{record.evaluation_id}"},
            "evaluation_id": {"S": record.evaluation_id},
            "evaluated_at": _n(record.evaluated_at),
            TTL_ATTRIBUTE: _n(int(record.evaluated_at) + self._ttl),
            "trigger": {"S": record.trigger},
            "action": {"S": record.action.value},
            "reason": {"S": record.reason},
            "consecutive_down": _n(record.consecutive_down),
            "threshold": _n(record.threshold),
            "signals": {"S": json.dumps([signal.to_json() for signal in record.signals])},
            "notified": {"BOOL": record.notified},
        }
        for name, value in (
            ("verdict", record.verdict),
            ("switch", record.switch),
            ("secondary", record.secondary),
            ("cluster_status", record.cluster_status),
            ("writer_arn", record.writer_arn),
            ("error", record.error),
        ):
            if value:
                item[name] = {"S": value}
        self._client.put_item(TableName=self._table, Item=item)
