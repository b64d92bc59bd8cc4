"""Fakes for what moto does not implement, used by the scenario and CLI tests.

* :class:`FakeRdsWorld`: moto (5.2, and its rds backend on main) implements
  DescribeGlobalClusters but not ``FailoverGlobalCluster`` nor ``SwitchoverGlobalCluster``;
  it has no ``FailoverState`` or ``SynchronizationStatus``, and its DescribeGlobalClusters
  ignores ``GlobalClusterIdentifier`` (it returns every global cluster, where RDS returns the
  one named or ``GlobalClusterNotFoundFault``). This fake implements exactly the RDS calls the
  failover core makes: ``describe_global_clusters``, ``describe_db_clusters``,
  ``failover_global_cluster`` and ``switchover_global_cluster``, with the response shapes,
  parameter rules and faults of the RDS API Reference: ``FailoverGlobalCluster`` fails over
  only with ``AllowDataLoss``, switches over without it, and refuses ``AllowDataLoss`` together
  with ``Switchover`` (``InvalidParameterCombination``); a switchover is refused while a member
  is not ``available`` (``InvalidDBClusterStateFault``) or not synchronized, or a change runs
  (``InvalidGlobalClusterStateFault``). Each call must be sent to the Region AWS documents
  (``SwitchoverGlobalCluster`` to the current primary's, ``FailoverGlobalCluster`` to the
  target's); AWS documents no error for another Region, so the fake raises
  :class:`UndocumentedCallError` and records it. A change runs on a virtual clock
  (:class:`FakeClock`): ``FailoverState`` ``pending`` at the call, then ``failing-over`` or
  ``switching-over``, and the writer flips once :data:`PROMOTION_SECONDS` have passed; reading
  never moves time. A region can be down (every call raises ``EndpointConnectionError`` at once)
  or hanging (every call costs virtual seconds, then ``ConnectTimeoutError``, as botocore does
  after its timeouts). ``refuse_with`` makes RDS refuse every change with an error code.
  ``remove_from_global_cluster`` fails the test: nothing may detach a cluster.
* :class:`ScriptedRoute53`: moto's ``GetHealthCheckStatus`` always reports one successful
  checker. This wrapper keeps moto for every call (the health check must exist in moto) and
  replaces the observations with scripted ones.
* :class:`ScriptedProbe`: the HTTPS probe, answering per URL.
* :class:`RdsEventLog`: RDS ``DescribeEvents`` with DB cluster events (moto records none).
* :class:`ThrottleOnce`: raises a throttling ``ClientError`` on the first call of one
  operation, then delegates.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import (  # type: ignore[import-untyped]
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from payment_service.orchestrator.probes import ProbeResult

ACCOUNT = "123456789012"


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    """A botocore ClientError with ``code``."""
    return ClientError({"Error": {"Code": code, "Message": message or code}}, operation)


def cluster_arn(region: str, cluster_id: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{cluster_id}"


@dataclass
class FakeClock:
    """Virtual time: it moves only when a test advances it or code under test sleeps on it."""

    now: float = 1_800_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


PROMOTION_SECONDS = 180.0
"""How long a switchover or failover runs in virtual time. AWS gives no bound: "Typically, the
chosen secondary cluster assumes the primary role within a few minutes" (Aurora User Guide,
"Recovering an Amazon Aurora global database from an unplanned outage"); for a switchover, "Your
database is unavailable for a short time" and the time is "directly proportional" to the lag
("Performing switchovers for Amazon Aurora global databases"). "A few minutes": 3."""
RESYNC_SECONDS = 1800.0
"""How long the old primary stays ``pending-resync`` once its Region is back after an unplanned
failover: rebuilding a secondary "can take a few minutes to several hours, depending on the
size of the storage volume and the distance between the Regions" (same page); 30 minutes."""


class UndocumentedCallError(AssertionError):
    """The code under test made a call the way AWS does not document (for instance a
    switchover sent to a Region other than the primary's). AWS documents no error for it, so
    the fake does not invent one: the test fails."""


@dataclass
class MemberState:
    arn: str
    is_writer: bool
    synchronization: str = "connected"
    status: str = "available"
    resync_done_at: float | None = None
    """Virtual time at which a ``pending-resync`` member is ``connected`` again (its Region is
    back); ``None`` while its Region is still down."""

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]


@dataclass
class FakeRdsWorld:
    """The global cluster shared by every region's fake client, on a virtual clock."""

    global_cluster_id: str
    primary_arn: str
    secondary_arn: str
    clock: FakeClock = field(default_factory=FakeClock)
    promotion_duration_seconds: float = PROMOTION_SECONDS
    resync_seconds: float = RESYNC_SECONDS
    members: dict[str, MemberState] = field(default_factory=dict)
    status: str = "available"
    failover_state: dict[str, object] | None = None
    pending_target: str | None = None
    change_started_at: float | None = None
    down_regions: set[str] = field(default_factory=set)
    """Regions whose endpoint refuses at once (``EndpointConnectionError``)."""
    hanging_regions: dict[str, float] = field(default_factory=dict)
    """Regions whose endpoint never answers: each call costs the given virtual seconds (the
    client's connect plus read timeout) before botocore's ``ConnectTimeoutError``."""
    refuse_with: str | None = None
    """When set, RDS refuses every switchover and failover with this error code."""
    calls: list[tuple[str, str, Mapping[str, object]]] = field(default_factory=list)
    """(region, operation, parameters) of every call, in order."""
    undocumented: list[str] = field(default_factory=list)
    """Calls made the way AWS does not document (each also raised as
    :class:`UndocumentedCallError`); the scenario fixture asserts there is none."""
    failover_snapshot_attempt_succeeds: bool = True
    """Whether Aurora's attempt at the ``rds:unplanned-global-failover-*`` snapshot succeeds
    when the old primary's Region is back ("Aurora attempts to take a snapshot ... If this
    operation is successful, Aurora places this snapshot named
    ``rds:unplanned-global-failover-name-of-old-primary-DB-cluster-timestamp``", Aurora User
    Guide, "Recovering an Amazon Aurora global database from an unplanned outage")."""
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    """DB cluster snapshots by identifier, in the DescribeDBClusterSnapshots shape (each with a
    ``Region`` key of the fake's own, removed from answers)."""

    def __post_init__(self) -> None:
        self.members = {
            self.primary_arn: MemberState(self.primary_arn, True),
            self.secondary_arn: MemberState(self.secondary_arn, False),
        }

    def client(self, region: str) -> FakeRds:
        return FakeRds(self, region)

    def calls_of(self, operation: str) -> list[Mapping[str, object]]:
        return [params for _, op, params in self.calls if op == operation]

    @property
    def writer_arn(self) -> str | None:
        return next((arn for arn, m in self.members.items() if m.is_writer), None)

    def start_change(self, target: str, status: str, allow_data_loss: bool) -> None:
        """A switchover or failover accepted now: ``FailoverState.Status`` is ``pending``
        until virtual time moves (the CLI reference's example answers show ``pending``
        right after the call)."""
        source = self.writer_arn
        self.status = status
        self.pending_target = target
        self.change_started_at = self.clock()
        self.failover_state = {
            "Status": "pending",
            "FromDbClusterArn": source,
            "ToDbClusterArn": target,
            "IsDataLossAllowed": allow_data_loss,
        }

    def change_done(self) -> bool:
        """True once :attr:`promotion_duration_seconds` of virtual time have passed."""
        started = self.change_started_at
        return started is not None and (self.clock() >= started + self.promotion_duration_seconds)

    def advance(self) -> None:
        """Bring the state up to the clock (every read calls it; reads do not move time)."""
        now = self.clock()
        for member in self.members.values():
            done_at = member.resync_done_at
            if done_at is not None and now >= done_at:
                member.synchronization = "connected"
                member.resync_done_at = None
        if self.pending_target is None:
            return
        if not self.change_done():
            started = self.change_started_at
            if self.failover_state is not None and started is not None and now > started:
                self.failover_state["Status"] = self.status  # failing-over / switching-over
            return
        unplanned = bool(self.failover_state and self.failover_state.get("IsDataLossAllowed"))
        for arn, member in self.members.items():
            was_writer = member.is_writer
            member.is_writer = arn == self.pending_target
            if unplanned and was_writer:
                # After FailoverGlobalCluster with AllowDataLoss the old primary is demoted
                # (FailoverState.FromDbClusterArn, "the Aurora DB cluster that is currently
                # being demoted", RDS API Reference) but is not a replicating secondary: it
                # rejoins as one only once its Region is back (Aurora User Guide, "Recovering
                # an Amazon Aurora global database from an unplanned outage").
                member.synchronization = "pending-resync"
                if member.region not in self.down_regions | set(self.hanging_regions):
                    member.resync_done_at = now + self.resync_seconds
        self.status = "available"
        self.failover_state = None
        self.pending_target = None
        self.change_started_at = None

    def region_back(self, region: str) -> None:
        """The Region is reachable again: Aurora attempts the failover snapshot of the demoted
        cluster ("Before creating the new storage volume in the old primary Region"), then
        rebuilds it as a secondary, which takes :attr:`resync_seconds` of virtual time."""
        self.down_regions.discard(region)
        self.hanging_regions.pop(region, None)
        for member in self.members.values():
            if (
                member.region == region
                and not member.is_writer
                and member.synchronization == "pending-resync"
            ):
                if self.failover_snapshot_attempt_succeeds:
                    self.take_failover_snapshot(member)
                member.resync_done_at = self.clock() + self.resync_seconds

    def take_failover_snapshot(self, member: MemberState) -> str:
        cluster_id = member.arn.split(":")[-1]
        taken = datetime.fromtimestamp(self.clock(), UTC)
        identifier = f"rds:unplanned-global-failover-{cluster_id}-{taken:%Y-%m-%d-%H-%M}"
        self.snapshots[identifier] = {
            "Region": member.region,
            "DBClusterSnapshotIdentifier": identifier,
            "DBClusterIdentifier": cluster_id,
            "SnapshotCreateTime": taken,
            "Status": "available",
            "SnapshotType": "automated",
        }
        return identifier

    def undocumented_call(self, message: str) -> UndocumentedCallError:
        self.undocumented.append(message)
        return UndocumentedCallError(message)


class FakeRds:
    """One region's RDS client over a :class:`FakeRdsWorld`."""

    def __init__(self, world: FakeRdsWorld, region: str) -> None:
        self._world = world
        self.region = region

    def _enter(self, operation: str, params: Mapping[str, object]) -> None:
        world = self._world
        world.calls.append((self.region, operation, params))
        endpoint = f"https://rds.{self.region}.amazonaws.com/"
        if self.region in world.down_regions:
            raise EndpointConnectionError(endpoint_url=endpoint)
        if self.region in world.hanging_regions:
            world.clock.advance(world.hanging_regions[self.region])
            raise ConnectTimeoutError(endpoint_url=endpoint)

    def _check_id(self, identifier: str, operation: str) -> None:
        if identifier.lower() != self._world.global_cluster_id.lower():
            raise client_error("GlobalClusterNotFoundFault", operation)

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> dict[str, Any]:  # noqa: N803
        self._enter(
            "describe_global_clusters", {"GlobalClusterIdentifier": GlobalClusterIdentifier}
        )
        self._check_id(GlobalClusterIdentifier, "DescribeGlobalClusters")
        world = self._world
        world.advance()
        secondaries = [arn for arn, m in world.members.items() if not m.is_writer]
        cluster: dict[str, Any] = {
            "GlobalClusterIdentifier": world.global_cluster_id,
            "GlobalClusterArn": f"arn:aws:rds::{ACCOUNT}:global-cluster:{world.global_cluster_id}",
            "Status": world.status,
            "Engine": "aurora-postgresql",
            "GlobalClusterMembers": [
                {
                    "DBClusterArn": member.arn,
                    "IsWriter": member.is_writer,
                    "Readers": secondaries if member.is_writer else [],
                    # the CLI reference's example answer reports it for the writer too
                    "SynchronizationStatus": member.synchronization,
                }
                for member in world.members.values()
            ],
        }
        if world.failover_state is not None:
            cluster["FailoverState"] = dict(world.failover_state)
        return {"GlobalClusters": [cluster]}

    def describe_db_clusters(self, *, DBClusterIdentifier: str) -> dict[str, Any]:  # noqa: N803
        self._enter("describe_db_clusters", {"DBClusterIdentifier": DBClusterIdentifier})
        self._world.advance()
        for member in self._world.members.values():
            if DBClusterIdentifier in (member.arn, member.arn.split(":")[-1]):
                if member.region != self.region:
                    break
                return {"DBClusters": [{"DBClusterArn": member.arn, "Status": member.status}]}
        raise client_error("DBClusterNotFoundFault", "DescribeDBClusters")

    def _refusal(self, operation: str, target: str) -> None:
        """What the RDS API Reference lists for both calls: ``DBClusterNotFoundFault``,
        ``InvalidGlobalClusterStateFault`` ("The global cluster is in an invalid state and can't
        perform the requested operation"), ``InvalidDBClusterStateFault`` ("The requested
        operation can't be performed while the cluster is in this state")."""
        world = self._world
        world.advance()
        if world.refuse_with is not None:
            raise client_error(world.refuse_with, operation)
        member = world.members.get(target)
        if member is None:
            raise client_error("DBClusterNotFoundFault", operation)
        if world.pending_target is not None or member.is_writer:
            raise client_error("InvalidGlobalClusterStateFault", operation)
        if member.status != "available":
            raise client_error("InvalidDBClusterStateFault", operation)

    def _switch_over(self, operation: str, target_arn: str) -> None:
        """A switchover needs every cluster healthy and synchronized ("Switchovers are designed
        to be used on a an Aurora global database where all the Aurora clusters ... are in a
        healthy state"; "it waits for the target secondary Region clusters to be fully
        synchronized")."""
        self._refusal(operation, target_arn)
        world = self._world
        if any(m.status != "available" for m in world.members.values()):
            raise client_error("InvalidDBClusterStateFault", operation)
        if any(m.synchronization != "connected" for m in world.members.values()):
            raise client_error("InvalidGlobalClusterStateFault", operation)
        world.start_change(target_arn, "switching-over", False)

    def failover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
        AllowDataLoss: bool | None = None,  # noqa: N803
        Switchover: bool | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        params: dict[str, object] = {
            "GlobalClusterIdentifier": GlobalClusterIdentifier,
            "TargetDbClusterIdentifier": TargetDbClusterIdentifier,
        }
        if AllowDataLoss is not None:
            params["AllowDataLoss"] = AllowDataLoss
        if Switchover is not None:
            params["Switchover"] = Switchover
        self._enter("failover_global_cluster", params)
        self._check_id(GlobalClusterIdentifier, "FailoverGlobalCluster")
        if AllowDataLoss is not None and Switchover is not None:
            raise client_error("InvalidParameterCombination", "FailoverGlobalCluster")
        target_region = TargetDbClusterIdentifier.split(":")[3]
        if self.region != target_region:
            # "--region - Specify the AWS Region where the secondary DB cluster that you want
            # to be the new primary for the Aurora global database is running" (Aurora User
            # Guide); "Run this command in the Region that hosts the secondary cluster that
            # you're promoting" (AWS CLI reference, failover-global-cluster example).
            raise self._world.undocumented_call(
                f"FailoverGlobalCluster sent to {self.region}; AWS documents it in the target's "
                f"Region ({target_region})"
            )
        if AllowDataLoss:
            self._refusal("FailoverGlobalCluster", TargetDbClusterIdentifier)
            self._world.start_change(TargetDbClusterIdentifier, "failing-over", True)
        else:
            self._switch_over("FailoverGlobalCluster", TargetDbClusterIdentifier)
        return {"GlobalCluster": {"GlobalClusterIdentifier": GlobalClusterIdentifier}}

    def switchover_global_cluster(
        self,
        *,
        GlobalClusterIdentifier: str,  # noqa: N803
        TargetDbClusterIdentifier: str,  # noqa: N803
    ) -> dict[str, Any]:
        params = {
            "GlobalClusterIdentifier": GlobalClusterIdentifier,
            "TargetDbClusterIdentifier": TargetDbClusterIdentifier,
        }
        self._enter("switchover_global_cluster", params)
        self._check_id(GlobalClusterIdentifier, "SwitchoverGlobalCluster")
        writer = self._world.writer_arn
        writer_region = writer.split(":")[3] if writer else None
        if self.region != writer_region:
            # "--region - Specify the AWS Region where the primary DB cluster of the Aurora
            # global database is running" (Aurora User Guide); "Run this command in the Region
            # that hosts the current primary cluster" (AWS CLI reference,
            # switchover-global-cluster example).
            raise self._world.undocumented_call(
                f"SwitchoverGlobalCluster sent to {self.region}; AWS documents it in the "
                f"current primary's Region ({writer_region})"
            )
        self._switch_over("SwitchoverGlobalCluster", TargetDbClusterIdentifier)
        return {"GlobalCluster": {"GlobalClusterIdentifier": GlobalClusterIdentifier}}

    def describe_db_cluster_snapshots(self, **params: Any) -> dict[str, Any]:
        """This region's snapshots of ``DBClusterIdentifier`` (one page: no ``Marker``)."""
        self._enter("describe_db_cluster_snapshots", dict(params))
        cluster_id = params.get("DBClusterIdentifier")
        found = [
            {k: v for k, v in snapshot.items() if k != "Region"}
            for snapshot in self._world.snapshots.values()
            if snapshot["Region"] == self.region
            and (cluster_id is None or snapshot["DBClusterIdentifier"] == cluster_id)
        ]
        return {"DBClusterSnapshots": found}

    def copy_db_cluster_snapshot(self, **params: Any) -> dict[str, Any]:
        """A manual copy in this region (``DBClusterSnapshotAlreadyExistsFault`` when the
        target exists, ``DBClusterSnapshotNotFoundFault`` when the source does not)."""
        self._enter("copy_db_cluster_snapshot", dict(params))
        world = self._world
        source = world.snapshots.get(str(params.get("SourceDBClusterSnapshotIdentifier")))
        target = str(params.get("TargetDBClusterSnapshotIdentifier"))
        if source is None or source["Region"] != self.region:
            raise client_error("DBClusterSnapshotNotFoundFault", "CopyDBClusterSnapshot")
        if target in world.snapshots:
            raise client_error("DBClusterSnapshotAlreadyExistsFault", "CopyDBClusterSnapshot")
        copy = {**source, "DBClusterSnapshotIdentifier": target, "SnapshotType": "manual"}
        copy["SnapshotCreateTime"] = datetime.fromtimestamp(world.clock(), UTC)
        world.snapshots[target] = copy
        return {"DBClusterSnapshot": {k: v for k, v in copy.items() if k != "Region"}}

    def remove_from_global_cluster(self, **kwargs: object) -> dict[str, Any]:
        raise AssertionError(f"RemoveFromGlobalCluster must never be called: {kwargs}")


class ScriptedRoute53:
    """moto's Route 53 client with scripted health check observations."""

    def __init__(self, moto_client: Any) -> None:
        self._client = moto_client
        self.observations: list[bool] = [True, True, True]
        self.fail_with: Exception | None = None
        self.calls = 0

    def get_health_check_status(self, *, HealthCheckId: str) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        self._client.get_health_check_status(HealthCheckId=HealthCheckId)  # must exist in moto
        return {
            "HealthCheckObservations": [
                {
                    "Region": region,
                    "IPAddress": f"15.177.0.{index}",
                    "StatusReport": {
                        "Status": "Success: HTTP Status Code 200, OK"
                        if ok
                        else "Failure: HTTP Status Code 503, Service Unavailable"
                    },
                }
                for index, (region, ok) in enumerate(
                    zip(
                        (
                            "us-east-1",
                            "us-west-1",
                            "eu-west-1",
                            "ap-southeast-1",
                            "sa-east-1",
                            "us-west-2",
                            "ap-northeast-1",
                            "eu-west-2",
                        ),
                        self.observations,
                        strict=False,
                    )
                )
            ]
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


# /health answers in the handler's contract (payment_service.health): the ``database`` field
# names the database's state.
STANDBY_BODY = (
    '{"status": "unavailable", "database": "standby", "role": "standby", '
    '"can_serve_payments": false, '
    '"checks": {"database": {"ok": true, "writable": false}, "dynamodb": {"ok": true}}}'
)
DOWN_BODY = (
    '{"status": "unavailable", "database": "down", "role": "unknown", '
    '"can_serve_payments": false, '
    '"checks": {"database": {"ok": false, "error": "database_unavailable"}, '
    '"dynamodb": {"ok": true}}}'
)
WRITING_BODY = (
    '{"status": "ok", "database": "writing", "role": "writer", "can_serve_payments": true, '
    '"checks": {"database": {"ok": true, "writable": true}, "dynamodb": {"ok": true}}}'
)


@dataclass
class ScriptedProbe:
    """HTTPS probe answering per URL; counts calls."""

    answers: dict[str, ProbeResult] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> ProbeResult:
        self.calls.append(url)
        return self.answers.get(url, ProbeResult(None, error="URLError"))


class ThrottleOnce:
    """Delegates to ``client``; the first ``operation`` call raises a throttling error."""

    def __init__(self, client: Any, operation: str, code: str = "Throttling") -> None:
        self._client = client
        self._operation = operation
        self._code = code
        self.attempts = 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if name != self._operation:
            return target

        def call(**kwargs: object) -> Any:
            self.attempts += 1
            if self.attempts == 1:
                raise client_error(self._code, name, "Rate exceeded")
            return target(**kwargs)

        return call


@dataclass
class Sleeps:
    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class HangingApi:
    """A client of an AWS API in a region that is down: every call hangs until the client's
    timeout, then fails, as botocore does when no TCP connection opens (``ConnectTimeoutError``
    after ``connect_timeout``, per attempt), rather than returning an error at once.

    ``release`` ends every hang (tests call it in teardown so no thread outlives them)."""

    def __init__(self, operations: tuple[str, ...], hang_seconds: float) -> None:
        self._operations = operations
        self._hang = hang_seconds
        self._released = threading.Event()
        self.calls: list[str] = []

    def release(self) -> None:
        self._released.set()

    def __getattr__(self, name: str) -> Any:
        if name not in self._operations:
            raise AttributeError(name)

        def call(**_kwargs: object) -> Any:
            self.calls.append(name)
            self._released.wait(self._hang)
            raise TimeoutError(f"Connect timeout on endpoint URL ({name})")

        return call


@dataclass
class BlackholedProbe:
    """An HTTPS probe of a black-holed host: the connection neither opens nor is refused.

    A probe honouring its timeout returns no response after ``timeout`` seconds; with
    ``ignores_timeout`` it hangs ``hang_seconds`` instead (a broken probe), which only the
    evaluation budget can cut short. Other URLs answer from ``answers``."""

    blackholed: set[str] = field(default_factory=set)
    answers: dict[str, ProbeResult] = field(default_factory=dict)
    ignores_timeout: bool = False
    hang_seconds: float = 30.0
    released: threading.Event = field(default_factory=threading.Event)
    calls: list[tuple[str, float]] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> ProbeResult:
        self.calls.append((url, timeout))
        if url in self.blackholed:
            self.released.wait(self.hang_seconds if self.ignores_timeout else timeout)
            return ProbeResult(None, error="TimeoutError")
        return self.answers.get(url, ProbeResult(None, error="URLError"))


@dataclass
class RdsEventLog:
    """RDS ``DescribeEvents`` of one region.

    moto 5.2 implements DescribeEvents but records only DB instance and snapshot events (its
    ``Event.EVENT_MAP`` has no DB cluster event, let alone a global failover one, and the global
    cluster calls are this module's fake anyway) and ignores ``Duration`` and ``MaxRecords``.
    This fake follows the RDS API Reference: ``SourceIdentifier`` without ``SourceType`` is
    ``InvalidParameterCombination``; ``Duration`` (minutes, default 60) bounds the window
    ending now; ``MaxRecords`` is 20 to 100 (``InvalidParameterValue`` otherwise) and a
    ``Marker`` says more are left; each ``Event`` has ``SourceIdentifier``, ``SourceType``,
    ``Message``, ``EventCategories``, ``Date`` and ``SourceArn``. Events are returned oldest
    first, as recorded: the order is not something a caller may rely on."""

    region: str
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, object]] = field(default_factory=list)

    def record(
        self, cluster_id: str, minutes_ago: float, categories: list[str], message: str
    ) -> None:
        self.events.append(
            {
                "SourceIdentifier": cluster_id,
                "SourceType": "db-cluster",
                "Message": message,
                "EventCategories": categories,
                "Date": self.now - timedelta(minutes=minutes_ago),
                "SourceArn": cluster_arn(self.region, cluster_id),
            }
        )
        self.events.sort(key=lambda event: event["Date"])

    def describe_events(self, **params: Any) -> dict[str, Any]:
        self.calls.append(dict(params))
        source_id = params.get("SourceIdentifier")
        source_type = params.get("SourceType")
        if source_id is not None and source_type is None:
            raise client_error(
                "InvalidParameterCombination", "DescribeEvents", "SourceType is required"
            )
        max_records = int(params.get("MaxRecords", 100))
        if not 20 <= max_records <= 100:
            raise client_error("InvalidParameterValue", "DescribeEvents", "MaxRecords 20-100")
        since = self.now - timedelta(minutes=int(params.get("Duration", 60)))
        found = [
            event
            for event in self.events
            if event["Date"] >= since
            and (source_id is None or event["SourceIdentifier"] == source_id)
            and (source_type is None or event["SourceType"] == source_type)
        ]
        response: dict[str, Any] = {"Events": found[:max_records]}
        if len(found) > max_records:
            response["Marker"] = f"marker-{max_records}"
        return response
