"""Aurora global database failover, switchover and write-fencing events for ``status``.

One RDS ``DescribeEvents`` call per region (RDS API Reference, DescribeEvents: ``Duration`` is
"the number of minutes to retrieve events for", default 60; RDS keeps events for the past 14
days; ``SourceIdentifier`` requires ``SourceType``, and for ``db-cluster`` it is the DB cluster
identifier; ``MaxRecords`` is 20 to 100, with a ``Marker`` when more are left). Each call is
bounded twice: by the client's limits (the failover core's RDS client, one attempt, the
operator's connect and read timeouts) and by a wait on the caller's side, so a region whose API
hangs reports "unknown" after :data:`EVENTS_TIMEOUT_SECONDS` instead of holding ``status``.

Which events count (Amazon Aurora User Guide, "Amazon RDS event categories and event messages
for Aurora", DB cluster events,
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html):

* category ``global failover`` (``global-failover`` in event subscriptions):
  RDS-EVENT-0181 the failover of the global database has started; RDS-EVENT-0182 the old
  primary in the global database isn't accepting writes, all volumes are synchronized (the
  write fence); RDS-EVENT-0183 replication lag during the synchronization phase;
  RDS-EVENT-0184 the volume topology is reestablished with the new primary; RDS-EVENT-0185 the
  failover is finished on the primary cluster; RDS-EVENT-0186 canceled; RDS-EVENT-0187 failed;
* category ``failover``: RDS-EVENT-0069 to RDS-EVENT-0073 (an in-region failover of the
  cluster: failed, restarted, finished, begun in the same or across Availability Zones).

RDS emits events on a best-effort basis; they may be out of order or missing (Aurora User
Guide, "Monitoring Amazon Aurora events"), so they corroborate the global cluster's state and
never stand in for it. The IDs above are from that table; newer revisions of the page may list
more global failover events, which the category match covers.

A DescribeEvents ``Event`` carries ``EventCategories``, ``Message``, ``Date``,
``SourceIdentifier``, ``SourceType`` and ``SourceArn``, but no event ID, so events are chosen
by those category names and, for an event filed under another category, by a message naming a
failover, a switchover or writes no longer accepted. The categories are not sent as a request
filter: an event filed under another category would be dropped by RDS, and a category name RDS
did not recognise would turn into an empty, falsely reassuring answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dr_app.cli.clients import ClientFactory
from payment_service.failover.clients import OPERATOR_LIMITS, explain_error

EVENT_WINDOW_MINUTES = 24 * 60
"""How far back ``status`` looks (``Duration``, minutes)."""
MAX_RECORDS = 100
"""``MaxRecords`` of the one call (the API's maximum)."""
MAX_SHOWN = 3
"""Events printed per region, newest first."""
EVENTS_TIMEOUT_SECONDS = OPERATOR_LIMITS.connect_timeout + OPERATOR_LIMITS.read_timeout
"""The caller's wait for one region's answer: one attempt's connect plus read timeout."""

FAILOVER_CATEGORIES = frozenset({"failover", "global failover", "global-failover"})
MESSAGE_MARKERS = (
    "failover",
    "fail over",
    "failed over",
    "switchover",
    "switch over",
    "switched over",
    "accepting writes",
    "fenc",
)


def concerns_failover(categories: Sequence[str], message: str) -> bool:
    """True for a failover, global failover, switchover or write-fencing event."""
    if any(category.strip().lower() in FAILOVER_CATEGORIES for category in categories):
        return True
    text = message.lower()
    return any(marker in text for marker in MESSAGE_MARKERS)


@dataclass(frozen=True)
class FailoverEvent:
    """One RDS event about a failover of the cluster."""

    date: datetime | None
    categories: tuple[str, ...]
    message: str

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "date": _iso(self.date) if self.date else None,
            "categories": list(self.categories),
            "message": self.message,
        }

    def describe(self) -> str:
        """One line for the text report."""
        when = _iso(self.date) if self.date else "(no date)"
        return f"{when} [{', '.join(self.categories) or 'no category'}] {self.message}"


@dataclass(frozen=True)
class RegionEvents:
    """What one region's call returned, or why it is unknown."""

    region: str
    cluster_id: str
    events: tuple[FailoverEvent, ...] = ()
    """Matching events, newest first (all of them; the report shows :data:`MAX_SHOWN`)."""
    unknown: str | None = None
    """Why the region's events are unknown (the call failed or did not answer in time)."""
    truncated: bool = False
    """RDS returned a ``Marker``: the window holds more events than one call reads."""

    def to_json(self) -> dict[str, object]:
        """JSON form (``events`` is ``None`` when unknown, never an empty list)."""
        return {
            "region": self.region,
            "cluster": self.cluster_id,
            "events": None if self.unknown else [e.to_json() for e in self.events],
            "unknown": self.unknown,
            "truncated": self.truncated,
        }

    def lines(self) -> list[str]:
        """The text report of this region."""
        head = f"  {self.region} {self.cluster_id}: "
        if self.unknown is not None:
            return [head + f"unknown ({self.unknown})"]
        note = "; more events in the window than one call reads, some not seen" * self.truncated
        if not self.events:
            return [head + f"none in the last {EVENT_WINDOW_MINUTES // 60} h{note}"]
        shown = self.events[:MAX_SHOWN]
        count = f"{len(self.events)} in the last {EVENT_WINDOW_MINUTES // 60} h"
        if len(self.events) > len(shown):
            count += f", newest {len(shown)} shown"
        return [head + count + note] + [f"    {event.describe()}" for event in shown]


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _date(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def read_region(clients: ClientFactory, region: str, cluster_id: str) -> RegionEvents:
    """One DescribeEvents call in ``region`` for ``cluster_id``; raises what the call raises."""
    response = clients.rds_events(region).describe_events(
        SourceType="db-cluster",
        SourceIdentifier=cluster_id,
        Duration=EVENT_WINDOW_MINUTES,
        MaxRecords=MAX_RECORDS,
    )
    raw = response.get("Events")
    found: list[FailoverEvent] = []
    for event in raw if isinstance(raw, list) else []:
        if not isinstance(event, Mapping):
            continue
        categories = event.get("EventCategories")
        names = tuple(str(c) for c in categories) if isinstance(categories, list) else ()
        message = event.get("Message")
        text = message if isinstance(message, str) else ""
        if concerns_failover(names, text):
            found.append(FailoverEvent(_date(event.get("Date")), names, text))
    oldest = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda e: e.date or oldest, reverse=True)
    marker = response.get("Marker")
    return RegionEvents(
        region, cluster_id, tuple(found), truncated=isinstance(marker, str) and bool(marker)
    )


def read_failover_events(
    clients: ClientFactory,
    targets: Sequence[tuple[str, str]],
    *,
    timeout_seconds: float = EVENTS_TIMEOUT_SECONDS,
) -> list[RegionEvents]:
    """Each ``(region, cluster_id)``'s events, read concurrently within ``timeout_seconds``.

    A region whose call raises or is still running at the timeout is ``unknown`` with the
    reason. The calls run on daemon threads that are not joined: a hung call neither holds the
    report nor the process's exit.
    """
    results: dict[int, RegionEvents | BaseException] = {}
    threads: list[threading.Thread] = []

    def work(index: int, region: str, cluster_id: str) -> None:
        try:
            results[index] = read_region(clients, region, cluster_id)
        except Exception as exc:
            results[index] = exc

    for index, (region, cluster_id) in enumerate(targets):
        thread = threading.Thread(
            target=work, args=(index, region, cluster_id), name=f"rds-events-{region}"
        )
        thread.daemon = True
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout_seconds
    for thread in threads:
        # One shared budget: the threads started together, so each waits for what is left.
        thread.join(max(0.0, deadline - time.monotonic()))
    out: list[RegionEvents] = []
    for index, (region, cluster_id) in enumerate(targets):
        result = results.get(index)
        if isinstance(result, RegionEvents):
            out.append(result)
        elif isinstance(result, BaseException):
            out.append(RegionEvents(region, cluster_id, unknown=explain_error(result)))
        else:
            reason = f"no answer within {timeout_seconds:g}s"
            out.append(RegionEvents(region, cluster_id, unknown=reason))
    return out
