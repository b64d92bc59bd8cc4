"""When a missing ``rds:unplanned-global-failover-*`` snapshot must page a person.

What AWS documents (Aurora User Guide, "Recovering an Amazon Aurora global database from an
unplanned outage"): after a managed failover, "Aurora monitors the availability of the old
primary Region. As soon as that Region is healthy and available again, Aurora automatically
adds it back to the global cluster as a secondary Region. Before creating the new storage
volume in the old primary Region, Aurora tries to take a snapshot of the old storage volume at
the point of failure ... If this operation is successful, Aurora creates a snapshot named
``rds:unplanned-global-failover-name-of-old-primary-DB-cluster-timestamp``". The snapshot is
only *attempted*; it is the one copy of the writes the failover lost; and it "is subject to the
backup retention period configured on the old primary cluster".

So the clock starts when the old primary's Region answers again, not at the failover: while
that Region is down no snapshot can exist, and a page then would be spent before the attempt
that matters. The attempt comes first, before the rebuild of the old primary (which "can take a
few minutes to several hours"), so once the Region answers the snapshot is either listed soon
or not at all. :data:`PAGE_AFTER_SECONDS` (2 hours) leaves Aurora ample time to notice the
Region and take it, and pages on the same day, days before the snapshot (if it appears late)
would reach the end of a 7-day backup retention. "The Region answers" is observed by the
failover plan's copy step: its ``DescribeDBClusterSnapshots`` in the old primary's Region
returned (with or without the snapshot).

:func:`failover_snapshot_verdict` is the whole rule, without I/O.
"""

from __future__ import annotations

from enum import StrEnum

PAGE_AFTER_SECONDS = 2 * 3600.0
"""How long after the old primary's Region answers again a missing snapshot pages."""


class SnapshotVerdict(StrEnum):
    """What to do about the failover snapshot at one evaluation."""

    TAKEN = "taken"
    """The snapshot is listed: nothing to page (the copy step keeps it)."""
    ALREADY_PAGED = "already_paged"
    """Paged once for this failover: never again."""
    REGION_UNREACHABLE = "region_unreachable"
    """The old primary's Region has not answered since the failover: no snapshot can exist."""
    WAITING = "waiting"
    """The Region answers; the bound has not passed yet."""
    PAGE = "page"
    """The Region has answered for :data:`PAGE_AFTER_SECONDS` and there is no snapshot."""


def failover_snapshot_verdict(
    *,
    failover_at: float,
    now: float,
    snapshot_exists: bool,
    paged: bool,
    region_back_at: float | None,
    page_after_seconds: float = PAGE_AFTER_SECONDS,
) -> SnapshotVerdict:
    """The verdict for a failover at ``failover_at`` (epoch seconds), seen at ``now``.

    ``region_back_at``: when the old primary's Region first answered after the failover
    (``None``: not yet). A time before the failover counts as the failover's.
    """
    if snapshot_exists:
        return SnapshotVerdict.TAKEN
    if paged:
        return SnapshotVerdict.ALREADY_PAGED
    if region_back_at is None:
        return SnapshotVerdict.REGION_UNREACHABLE
    if now - max(region_back_at, failover_at) >= page_after_seconds:
        return SnapshotVerdict.PAGE
    return SnapshotVerdict.WAITING


def page_due_at(
    failover_at: float,
    region_back_at: float | None,
    page_after_seconds: float = PAGE_AFTER_SECONDS,
) -> float | None:
    """When a still-missing snapshot pages (``None`` while the Region has not answered)."""
    if region_back_at is None:
        return None
    return max(region_back_at, failover_at) + page_after_seconds
