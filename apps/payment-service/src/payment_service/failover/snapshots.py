"""Keeping the ``rds:unplanned-global-failover-*`` snapshot: copy it to a manual snapshot.

What AWS documents (Aurora User Guide, *Using switchover or failover in Amazon Aurora Global
Database*, "Recovering an Amazon Aurora global database from an unplanned outage"):

* after ``FailoverGlobalCluster`` with ``AllowDataLoss``, Aurora watches the old primary's
  Region; **once that Region is available again**, before it creates the new storage volume
  that makes the old primary a secondary, Aurora *attempts* a snapshot of the old storage
  volume at the point of failure, named
  ``rds:unplanned-global-failover-<old primary cluster>-<timestamp>``. It is therefore in the
  **old primary's Region**, and it does not exist while that Region is down;
* it is "a system snapshot that's subject to the backup retention period configured on the
  old primary cluster"; to keep it longer, copy it to a manual snapshot
  (``CopyDBClusterSnapshot``). ``DescribeDBClusterSnapshots`` lists it.

The copy stays in the same Region and account, so ``SourceDBClusterSnapshotIdentifier`` may
be the identifier (RDS API Reference, ``CopyDBClusterSnapshot``: an ARN is only required
across Regions) and, without ``KmsKeyId``, the copy is encrypted with the source's KMS key.
Nothing here deletes a snapshot: a manual copy stays until an operator removes it
(docs/runbook.md, "Failover snapshot copies").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from payment_service.failover.clients import Response, error_code

SOURCE_PREFIX = "rds:unplanned-global-failover-"
"""Start of the identifier Aurora gives the failover snapshot."""
_MANUAL_ID = re.compile(r"[a-zA-Z](?:[a-zA-Z0-9]|-(?!-))*[a-zA-Z0-9]")
COPY_ID_MAX_LENGTH = 63
"""CopyDBClusterSnapshot TargetDBClusterSnapshotIdentifier: "Must contain from 1 to 63 letters,
numbers, or hyphens" (RDS API Reference, CopyDBClusterSnapshot)."""
TIME_TAIL_LENGTH = len("-YYYYMMDDHHMMSS")
COPY_PREFIX_MAX_LENGTH = COPY_ID_MAX_LENGTH - TIME_TAIL_LENGTH
"""48: the longest prefix whose copies RDS accepts."""


@runtime_checkable
class SnapshotApi(Protocol):
    """The RDS snapshot calls of the copy."""

    def describe_db_cluster_snapshots(self, **kwargs: object) -> Response:
        """List cluster snapshots (``DBClusterIdentifier``, ``SnapshotType``, ``Marker``)."""
        ...

    def copy_db_cluster_snapshot(
        self,
        *,
        SourceDBClusterSnapshotIdentifier: str,  # noqa: N803
        TargetDBClusterSnapshotIdentifier: str,  # noqa: N803
        CopyTags: bool,  # noqa: N803
    ) -> Response:
        """Copy one cluster snapshot."""
        ...


class StepNotReadyError(Exception):
    """A plan step's precondition does not hold yet: nothing failed, the step is retried later
    (logged as ``failover_step_pending``, not as a failure)."""


class SnapshotNotYetTakenError(StepNotReadyError):
    """No failover snapshot exists yet (the old primary's Region has not come back, or the last
    promotion was a planned switchover, which takes none)."""


@dataclass(frozen=True)
class SnapshotCopy:
    """Where the failover snapshot is and what its manual copy is called."""

    region: str
    """The old primary's Region: where Aurora takes the snapshot and the copy is made."""
    cluster_id: str
    """The old primary cluster's identifier."""
    copy_prefix: str
    """Start of each copy's identifier (from the naming rules); a copy is
    ``<copy_prefix>-<snapshot creation time, YYYYMMDDHHMMSS UTC>``."""

    def __post_init__(self) -> None:
        too_long = len(self.copy_prefix) > COPY_PREFIX_MAX_LENGTH
        if _MANUAL_ID.fullmatch(self.copy_prefix) is None or too_long:
            raise ValueError(
                f"copy_prefix={self.copy_prefix!r} is invalid; expected at most "
                f"{COPY_PREFIX_MAX_LENGTH} letters, digits and single hyphens (a copy appends "
                f"{TIME_TAIL_LENGTH} characters and CopyDBClusterSnapshot allows "
                f"{COPY_ID_MAX_LENGTH}), starting with a letter, not ending with '-'"
            )


@dataclass(frozen=True)
class CopiedSnapshot:
    """One failover snapshot and its manual copy."""

    source: str
    target: str
    created: bool
    """False when the copy already existed (an earlier run made it)."""


def copy_name(prefix: str, created_at: datetime) -> str:
    """The manual copy's identifier for a snapshot taken at ``created_at``."""
    return f"{prefix}-{created_at.astimezone(UTC).strftime('%Y%m%d%H%M%S')}"


def _cluster_snapshots(
    rds: SnapshotApi, cluster_id: str
) -> tuple[list[tuple[str, datetime]], set[str]]:
    """The cluster's failover snapshots (oldest first) and every snapshot identifier listed
    (automated and manual: DescribeDBClusterSnapshots' default without ``SnapshotType``)."""
    found: list[tuple[str, datetime]] = []
    listed: set[str] = set()
    marker: str | None = None
    while True:
        kwargs: dict[str, object] = {"DBClusterIdentifier": cluster_id}
        if marker:
            kwargs["Marker"] = marker
        response = rds.describe_db_cluster_snapshots(**kwargs)
        snapshots = response.get("DBClusterSnapshots")
        for item in snapshots if isinstance(snapshots, Sequence) else ():
            if not isinstance(item, Mapping):
                continue
            identifier = item.get("DBClusterSnapshotIdentifier")
            created = item.get("SnapshotCreateTime")
            if isinstance(identifier, str):
                listed.add(identifier)
            if (
                isinstance(identifier, str)
                and identifier.startswith(SOURCE_PREFIX)
                and isinstance(created, datetime)
            ):
                found.append((identifier, created))
        next_marker = response.get("Marker")
        if not isinstance(next_marker, str) or not next_marker:
            return sorted(found, key=lambda pair: pair[1]), listed
        marker = next_marker


def copy_failover_snapshots(rds: SnapshotApi, copy: SnapshotCopy) -> tuple[CopiedSnapshot, ...]:
    """Copy every ``rds:unplanned-global-failover-*`` snapshot of the old primary that has no
    manual copy yet; an existing copy counts as done. Idempotent; never deletes.

    Raises :class:`SnapshotNotYetTakenError` when there is none (yet); any AWS error as is.
    """
    sources, listed = _cluster_snapshots(rds, copy.cluster_id)
    if not sources:
        raise SnapshotNotYetTakenError(
            f"no {SOURCE_PREFIX}{copy.cluster_id}-* snapshot in {copy.region} yet "
            "(Aurora takes it when that Region is available again)"
        )
    results = []
    for source, created_at in sources:
        target = copy_name(copy.copy_prefix, created_at)
        if target in listed:
            results.append(CopiedSnapshot(source, target, created=False))
            continue
        try:
            rds.copy_db_cluster_snapshot(
                SourceDBClusterSnapshotIdentifier=source,
                TargetDBClusterSnapshotIdentifier=target,
                CopyTags=False,
            )
        except Exception as exc:
            if error_code(exc) != "DBClusterSnapshotAlreadyExistsFault":
                raise
            results.append(CopiedSnapshot(source, target, created=False))
        else:
            results.append(CopiedSnapshot(source, target, created=True))
    return tuple(results)
