"""The failover core: promoting a secondary Aurora cluster, shared by the failover orchestrator
Lambda (:mod:`payment_service.orchestrator`) and the ``payment-dr`` operator CLI
(:mod:`dr_app.cli`). Pure Python with boto3; no CDKTF import, nothing the Lambda bundle cannot
carry.

* :mod:`~payment_service.failover.clients`: the AWS client protocols, the boto3 factory with
  bounded timeouts and attempts, error descriptions.
* :mod:`~payment_service.failover.throttle`: retry of calls rejected for throttling only.
* :mod:`~payment_service.failover.topology`: the global cluster model and its parser.
* :mod:`~payment_service.failover.plan`: :class:`FailoverPlan`, the steps run once a promotion
  is decided (the one place to add fencing and the snapshot copy).
* :mod:`~payment_service.failover.snapshots`: copying the ``rds:unplanned-global-failover-*``
  snapshot (in the old primary's Region, once it is back) to a manual snapshot.
* :mod:`~payment_service.failover.snapshot_watch`: when that snapshot's absence pages a person
  (2 hours after the old primary's Region answers again; a pure function).
* :mod:`~payment_service.failover.operations`: :class:`GlobalDatabase` (describe, switchover,
  failover, execute a plan, wait for the writer).

What AWS documents, and what this code relies on (RDS API Reference, ``FailoverGlobalCluster``
and ``SwitchoverGlobalCluster``):

* ``FailoverGlobalCluster`` fails over when ``AllowDataLoss`` is given and ``Switchover`` is
  not; with ``Switchover`` (or neither) it switches over; the two parameters cannot be given
  together. Failing over is for an unplanned event such as a Regional disaster and can lose
  writes not yet replicated to the chosen secondary; the promoted cluster is transactionally
  consistent. Here it is only ever called with ``AllowDataLoss=True``.
* ``SwitchoverGlobalCluster`` is the recommended call for a planned change of primary: Aurora
  synchronizes the secondaries with the primary at the start, so no committed write is lost;
  AWS intends it for controlled operations such as regional rotation or falling back to the
  original primary after a failover.
* ``TargetDbClusterIdentifier`` should be the target's ARN "so that Aurora can locate the
  cluster in its Amazon Web Services Region". The API Reference names no endpoint region; the
  Aurora User Guide and the AWS CLI reference do, per call, and the calls here follow them
  (:meth:`~payment_service.failover.operations.GlobalDatabase.failover` and
  :meth:`~payment_service.failover.operations.GlobalDatabase.switchover` quote them):
  ``FailoverGlobalCluster`` goes to the **target's** region (in an unplanned failover the
  secondary's, the one still reachable when the primary region is down, where the orchestrator
  Lambda runs); ``SwitchoverGlobalCluster`` goes to the **current primary's** region.
"""

from __future__ import annotations

from payment_service.failover.clients import (
    ClientLimits,
    FixedRegionRds,
    RdsApi,
    RdsByRegion,
    RegionalRds,
    describe_error,
    error_code,
    explain_error,
)
from payment_service.failover.operations import GlobalDatabase, WaitResult
from payment_service.failover.plan import (
    FailoverPlan,
    PlanResult,
    Promotion,
    Step,
    StepResult,
    plan_after_failover,
    plan_promotion,
)
from payment_service.failover.snapshots import (
    CopiedSnapshot,
    SnapshotCopy,
    SnapshotNotYetTakenError,
    StepNotReadyError,
    copy_failover_snapshots,
    copy_name,
)
from payment_service.failover.throttle import with_throttle_retry
from payment_service.failover.topology import Member, Topology, TopologyError, parse_global_cluster

__all__ = [
    "ClientLimits",
    "CopiedSnapshot",
    "FailoverPlan",
    "FixedRegionRds",
    "GlobalDatabase",
    "Member",
    "PlanResult",
    "Promotion",
    "RdsApi",
    "RdsByRegion",
    "RegionalRds",
    "SnapshotCopy",
    "SnapshotNotYetTakenError",
    "Step",
    "StepNotReadyError",
    "StepResult",
    "Topology",
    "TopologyError",
    "WaitResult",
    "copy_failover_snapshots",
    "copy_name",
    "describe_error",
    "error_code",
    "explain_error",
    "parse_global_cluster",
    "plan_after_failover",
    "plan_promotion",
    "with_throttle_retry",
]
