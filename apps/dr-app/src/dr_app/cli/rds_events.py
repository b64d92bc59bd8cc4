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
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html). Every
event below is filed under category ``global failover`` (``global-failover`` in event
subscriptions); the table's note says which operation each belongs to:

* switchover (``SwitchoverGlobalCluster``; "This event is for a switchover operation (previously
  called 'managed planned failover')"): RDS-EVENT-0181 started; 0182 the old primary shut down
  (it no longer accepts writes, all volumes synchronized); 0183 and 0423 waiting for data
  synchronization; 0184 the new primary promoted; 0185 finished; 0186 cancelled; 0187 failed;
* unplanned failover (``FailoverGlobalCluster`` with ``AllowDataLoss``): RDS-EVENT-0238 "Global
  failover to DB cluster <name> in Region <name> completed"; 0239 "... failed"; 0240 "Started
  resynchronizing members of DB cluster <name> in Region <name> after global failover"; 0241
  "Finished resynchronizing members ..."; and RDS-EVENT-0397 "Aurora finished changing the DNS
  name that the global writer endpoint resolves to";
* category ``failover``: RDS-EVENT-0069 to RDS-EVENT-0073 (an in-region failover of the
  cluster), matched by category only.

:data:`KNOWN_EVENTS` recognises each of those global events by its documented message, so the
report names the event ID and the operation. The events of an unplanned failover are always
printed, however many newer events the region has: they are what an operator must act on
(docs/runbook.md, "Failover events"). Aurora records the write-fencing events of a managed
failover on the old primary when it is reachable and on the new primary otherwise (Aurora User
Guide, "Recovering an Amazon Aurora global database from an unplanned outage"), so both regions
are read.

RDS emits events on a best-effort basis; they may be out of order or missing (Aurora User
Guide, "Monitoring Amazon Aurora events"), so they corroborate the global cluster's state and
never stand in for it. Newer revisions of the page may list more global failover events, which
the category match covers (shown without an ID).

A DescribeEvents ``Event`` carries ``EventCategories``, ``Message``, ``Date``,
``SourceIdentifier``, ``SourceType`` and ``SourceArn``, but no event ID, so events are chosen
by those category names and, for an event filed under another category, by a documented message
(:data:`KNOWN_EVENTS`) or a message naming a failover, a switchover or writes no longer
accepted. The categories are not sent as a request
filter: an event filed under another category would be dropped by RDS, and a category name RDS
did not recognise would turn into an empty, falsely reassuring answer.
"""

from __future__ import annotations

import re
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
"""Events printed per region, newest first (every event of an unplanned failover is printed
too, however old within the window)."""
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

SWITCHOVER = "switchover"
"""A planned ``SwitchoverGlobalCluster`` (the User Guide's table: "This event is for a
switchover operation")."""
UNPLANNED_FAILOVER = "unplanned failover"
"""``FailoverGlobalCluster`` with ``AllowDataLoss``, its resynchronization and the global writer
endpoint's DNS change."""

_NAME = r"\S+"


@dataclass(frozen=True)
class KnownEvent:
    """One documented global failover event: its ID, operation, and message."""

    event_id: str
    operation: str
    summary: str
    """What happened, in a few words (printed after the ID)."""
    pattern: re.Pattern[str]
    """The documented message, with each ``name`` placeholder as one word."""


def _event(event_id: str, operation: str, summary: str, message: str) -> KnownEvent:
    return KnownEvent(event_id, operation, summary, re.compile(message, re.IGNORECASE))


KNOWN_EVENTS: tuple[KnownEvent, ...] = (
    _event(
        "RDS-EVENT-0181",
        SWITCHOVER,
        "switchover started",
        rf"^Global switchover to DB cluster {_NAME} in Region {_NAME} started",
    ),
    _event(
        "RDS-EVENT-0182",
        SWITCHOVER,
        "switchover: old primary shut down, no longer accepting writes",
        rf"^Old primary DB cluster {_NAME} in Region {_NAME} successfully shut down",
    ),
    _event(
        "RDS-EVENT-0183",
        SWITCHOVER,
        "switchover: waiting for data synchronization",
        r"^Waiting for data synchronization across global cluster members",
    ),
    _event(
        "RDS-EVENT-0423",
        SWITCHOVER,
        "switchover: waiting for data synchronization with the target",
        r"^Waiting for data synchronization with the target DB cluster",
    ),
    _event(
        "RDS-EVENT-0184",
        SWITCHOVER,
        "switchover: new primary promoted",
        rf"^New primary DB cluster {_NAME} in Region {_NAME} was successfully promoted",
    ),
    _event(
        "RDS-EVENT-0185",
        SWITCHOVER,
        "switchover finished",
        rf"^Global switchover to DB cluster {_NAME} in Region {_NAME} finished",
    ),
    _event(
        "RDS-EVENT-0186",
        SWITCHOVER,
        "switchover cancelled",
        rf"^Global switchover to DB cluster {_NAME} in Region {_NAME} is cancelled",
    ),
    _event(
        "RDS-EVENT-0187",
        SWITCHOVER,
        "switchover failed",
        rf"^Global switchover to DB cluster {_NAME} in Region {_NAME} failed",
    ),
    _event(
        "RDS-EVENT-0238",
        UNPLANNED_FAILOVER,
        "unplanned failover completed",
        rf"^Global failover to DB cluster {_NAME} in Region {_NAME} completed",
    ),
    _event(
        "RDS-EVENT-0239",
        UNPLANNED_FAILOVER,
        "unplanned failover FAILED",
        rf"^Global failover to DB cluster {_NAME} in Region {_NAME} failed",
    ),
    _event(
        "RDS-EVENT-0240",
        UNPLANNED_FAILOVER,
        "resynchronization after failover started",
        rf"^Started resynchronizing members of DB cluster {_NAME} in Region {_NAME} "
        r"after global failover",
    ),
    _event(
        "RDS-EVENT-0241",
        UNPLANNED_FAILOVER,
        "resynchronization after failover finished",
        rf"^Finished resynchronizing members of DB cluster {_NAME} in Region {_NAME} "
        r"after global failover",
    ),
    _event(
        "RDS-EVENT-0397",
        UNPLANNED_FAILOVER,
        "global writer endpoint DNS changed",
        r"^Aurora finished changing the DNS name that the global writer endpoint resolves to",
    ),
)
"""The global failover events of the User Guide's table, by their documented messages."""


def identify(message: str) -> KnownEvent | None:
    """The documented event whose message ``message`` is, or ``None``."""
    text = message.strip()
    return next((known for known in KNOWN_EVENTS if known.pattern.search(text)), None)


def concerns_failover(categories: Sequence[str], message: str) -> bool:
    """True for a failover, global failover, switchover or write-fencing event."""
    if any(category.strip().lower() in FAILOVER_CATEGORIES for category in categories):
        return True
    if identify(message) is not None:
        return True
    text = message.lower()
    return any(marker in text for marker in MESSAGE_MARKERS)


@dataclass(frozen=True)
class FailoverEvent:
    """One RDS event about a failover of the cluster."""

    date: datetime | None
    categories: tuple[str, ...]
    message: str

    @property
    def known(self) -> KnownEvent | None:
        """The documented event this is, when its message is one of :data:`KNOWN_EVENTS`."""
        return identify(self.message)

    @property
    def unplanned(self) -> bool:
        """True for an event of an unplanned failover (always printed)."""
        known = self.known
        return known is not None and known.operation == UNPLANNED_FAILOVER

    def to_json(self) -> dict[str, object]:
        """JSON form (``event_id``, ``operation`` and ``summary`` are ``None`` for an event
        whose message is not a documented one)."""
        known = self.known
        return {
            "date": _iso(self.date) if self.date else None,
            "event_id": known.event_id if known else None,
            "operation": known.operation if known else None,
            "summary": known.summary if known else None,
            "categories": list(self.categories),
            "message": self.message,
        }

    def describe(self) -> str:
        """One line for the text report."""
        when = _iso(self.date) if self.date else "(no date)"
        known = self.known
        label = f" {known.event_id} {known.summary}" if known else ""
        return f"{when}{label} [{', '.join(self.categories) or 'no category'}] {self.message}"


@dataclass(frozen=True)
class RegionEvents:
    """What one region's call returned, or why it is unknown."""

    region: str
    cluster_id: str
    events: tuple[FailoverEvent, ...] = ()
    """Matching events, newest first (all of them; the report shows the newest
    :data:`MAX_SHOWN` and every event of an unplanned failover)."""
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
        newest = self.events[:MAX_SHOWN]
        shown = [e for e in self.events if e in newest or e.unplanned]
        count = f"{len(self.events)} in the last {EVENT_WINDOW_MINUTES // 60} h"
        if len(self.events) > len(shown):
            count += f", newest {len(newest)} shown"
            if len(shown) > len(newest):
                count += " and every unplanned-failover event"
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
