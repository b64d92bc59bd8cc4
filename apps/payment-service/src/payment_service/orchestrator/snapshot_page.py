"""Paging once when the old primary's failover snapshot does not appear.

After a failover made by this orchestrator (a ``fail_over`` decision in its decision log), every
evaluation that finds the secondary already the writer runs the failover plan's copy step
(:func:`payment_service.failover.plan_after_failover`); its outcome says whether the
``rds:unplanned-global-failover-*`` snapshot is listed and whether the old primary's Region
answered. :func:`observe` keeps that in one item of the decision table and applies
:func:`payment_service.failover.snapshot_watch.failover_snapshot_verdict`: when the Region has
answered for :data:`~payment_service.failover.snapshot_watch.PAGE_AFTER_SECONDS` without the
snapshot, it pages through the orchestrator's notifier, once per failover.

A promotion this orchestrator did not make as a failover (a switchover, which takes no such
snapshot, or a failover made by hand) arms nothing: its decision log has no ``fail_over``
decision in the hour before (docs/runbook.md, section 7, says what the operator checks).

Table item (``pk = "WATCH"``, ``sk = "FAILOVER_SNAPSHOT"``): ``failover_sk`` (S, the sort key of
the ``fail_over`` decision it watches), ``failover_at``, ``region_back_at``, ``paged_at``,
``snapshot_seen_at`` (N, epoch seconds) and ``version`` (N), written on the version read so two
concurrent evaluations page once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from payment_service.failover import PlanResult, SnapshotCopy, SnapshotNotYetTakenError
from payment_service.failover.clients import describe_error, error_code
from payment_service.failover.snapshot_watch import (
    PAGE_AFTER_SECONDS,
    SnapshotVerdict,
    failover_snapshot_verdict,
)
from payment_service.logging import get_logger
from payment_service.orchestrator.clients import DynamoDbClient as WatchTable
from payment_service.orchestrator.notify import Notifier

_log = get_logger("payment_service.orchestrator.snapshot_page")

WATCH_KEY = {"pk": {"S": "WATCH"}, "sk": {"S": "FAILOVER_SNAPSHOT"}}
LOOKBACK_SECONDS = 3600.0
"""How far back a ``fail_over`` decision arms the watch (the first evaluation that finds the
secondary writing runs within minutes of the promotion)."""
ACTION = "failover_snapshot_missing"
SUBJECT = "PAGE failover snapshot missing: the writes the failover lost may be unrecoverable"
COPY_STEP = "CopyDBClusterSnapshot"


@dataclass(frozen=True)
class Watch:
    """The failover being watched."""

    failover_sk: str
    failover_at: float
    region_back_at: float | None = None
    paged_at: float | None = None
    snapshot_seen_at: float | None = None
    version: int = 0


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(item: Mapping[str, object], name: str) -> float | None:
    value = item.get(name)
    raw = value.get("N") if isinstance(value, Mapping) else None
    return float(raw) if isinstance(raw, str) else None


def _string(item: Mapping[str, object], name: str) -> str | None:
    value = item.get(name)
    raw = value.get("S") if isinstance(value, Mapping) else None
    return raw if isinstance(raw, str) else None


def copy_outcome(result: PlanResult) -> tuple[bool, bool] | None:
    """``(snapshot listed, old Region answered)`` from the plan's copy step; ``None`` when the
    plan ran no copy step."""
    step = next((s for s in result.steps if s.name == COPY_STEP), None)
    if step is None:
        return None
    if step.ok:
        return True, True
    return False, isinstance(step.error, SnapshotNotYetTakenError)


def _latest_failover(table: WatchTable, name: str, now: float) -> tuple[str, float] | None:
    response = table.query(
        TableName=name,
        KeyConditionExpression="pk = :pk AND sk >= :since",
        FilterExpression="#action = :fail_over",
        ExpressionAttributeNames={"#action": "action"},
        ExpressionAttributeValues={
            ":pk": {"S": "DECISION"},
            ":since": {"S": _iso(now - LOOKBACK_SECONDS)},
            ":fail_over": {"S": "fail_over"},
        },
        ScanIndexForward=False,
    )
    items = response.get("Items")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        sk, at = _string(item, "sk"), _number(item, "evaluated_at")
        if sk is not None and at is not None:
            return sk, at
    return None


def _load(table: WatchTable, name: str) -> Watch | None:
    item = table.get_item(TableName=name, Key=WATCH_KEY, ConsistentRead=True).get("Item")
    if not isinstance(item, Mapping):
        return None
    sk, at = _string(item, "failover_sk"), _number(item, "failover_at")
    if sk is None or at is None:
        return None
    return Watch(
        sk,
        at,
        _number(item, "region_back_at"),
        _number(item, "paged_at"),
        _number(item, "snapshot_seen_at"),
        int(_number(item, "version") or 0),
    )


def _save(table: WatchTable, name: str, watch: Watch) -> bool:
    """Write ``watch`` if nobody wrote since it was read; False when another evaluation did."""
    item: dict[str, Mapping[str, str]] = {
        **WATCH_KEY,
        "failover_sk": {"S": watch.failover_sk},
        "failover_at": {"N": repr(watch.failover_at)},
        "version": {"N": str(watch.version + 1)},
    }
    for field in ("region_back_at", "paged_at", "snapshot_seen_at"):
        value = getattr(watch, field)
        if value is not None:
            item[field] = {"N": repr(float(value))}
    condition: dict[str, object] = (
        {"ConditionExpression": "attribute_not_exists(pk)"}
        if watch.version == 0
        else {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(watch.version)}},
        }
    )
    try:
        table.put_item(TableName=name, Item=item, **condition)
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def observe(
    table: WatchTable,
    table_name: str,
    notifier: Notifier,
    result: PlanResult,
    now: float,
    copy: SnapshotCopy,
) -> SnapshotVerdict | None:
    """Record what the copy step saw and page once when the verdict says so; ``None`` when no
    failover of this orchestrator is being watched. Never raises (errors are logged)."""
    try:
        return _observe(table, table_name, notifier, result, now, copy)
    except Exception as exc:
        _log.error("failover_snapshot_watch_failed", reason=describe_error(exc))
        return None


def _observe(
    table: WatchTable,
    table_name: str,
    notifier: Notifier,
    result: PlanResult,
    now: float,
    copy: SnapshotCopy,
) -> SnapshotVerdict | None:
    outcome = copy_outcome(result)
    if outcome is None:
        return None
    exists, answered = outcome
    watch = _load(table, table_name)
    latest = _latest_failover(table, table_name, now)
    if latest is not None and (watch is None or latest[0] > watch.failover_sk):
        watch = Watch(latest[0], latest[1], version=watch.version if watch else 0)
    if watch is None:
        return None
    seen = replace(
        watch,
        region_back_at=watch.region_back_at or (now if answered else None),
        snapshot_seen_at=watch.snapshot_seen_at or (now if exists else None),
    )
    verdict = failover_snapshot_verdict(
        failover_at=seen.failover_at,
        now=now,
        snapshot_exists=seen.snapshot_seen_at is not None,
        paged=seen.paged_at is not None,
        region_back_at=seen.region_back_at,
    )
    if verdict is SnapshotVerdict.PAGE:
        paged = replace(seen, paged_at=now)
        if not _save(table, table_name, paged):
            return SnapshotVerdict.ALREADY_PAGED
        try:
            notifier.page(ACTION, SUBJECT, _details(paged, now, copy))
        except Exception as exc:
            _log.error("failover_snapshot_page_failed", reason=describe_error(exc))
            # not paged after all: the next evaluation tries again
            _save(table, table_name, replace(paged, paged_at=None, version=paged.version + 1))
            return verdict
        _log.error("failover_snapshot_missing", failover_sk=paged.failover_sk)
        return verdict
    if seen != watch or watch.version == 0:
        _save(table, table_name, seen)
    return verdict


def _details(watch: Watch, now: float, copy: SnapshotCopy) -> dict[str, object]:
    back = watch.region_back_at if watch.region_back_at is not None else now
    return {
        "action": ACTION,
        "failover_decision": watch.failover_sk,
        "failover_at": _iso(watch.failover_at),
        "old_primary_region": copy.region,
        "old_primary_region_answering_since": _iso(back),
        "hours_without_snapshot": round((now - max(back, watch.failover_at)) / 3600, 2),
        "bound_hours": PAGE_AFTER_SECONDS / 3600,
        "expected_snapshot": f"rds:unplanned-global-failover-{copy.cluster_id}-<timestamp>",
        "meaning": (
            "Aurora only attempts this snapshot, before it rebuilds the old primary; it is "
            "the one copy of the writes the failover lost. None is listed: they may be "
            "unrecoverable."
        ),
        "what_to_do": "docs/runbook.md, section 7, 'Failover snapshot missing'",
    }
