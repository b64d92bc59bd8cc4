"""The real failover orchestrator in the drill: ``engine.Orchestrator`` with its settings
read by ``OrchestratorSettings.from_env``, on a scaled-down schedule.

What it reads, and from where:

* the auto-failover switch from SSM and its decision state from DynamoDB (moto, in the
  orchestrator's region us-east-2); pages go to an SNS topic there;
* the global cluster from :class:`PromotingRdsWorld`, the RDS fake of the scenario tests whose
  ``FailoverGlobalCluster`` promotes the drill's standby (``pg_ctl promote``) and whose
  ``DescribeDBClusters`` gives the secondary cluster's status;
* the primary's ``/health`` through :class:`RegionProbe`, which calls the region's real
  handler and gives up at the probe's timeout (a handler stuck on a black-holed database is
  a probe without a response, as an HTTPS GET with a timeout would be);
* the vantage points: a scheduled probe in us-east-2 and one in us-west-2 (:class:`VantagePoint`)
  probe the primary the same way and set their ``NoResponse`` alarms in their own regions
  (CloudWatch in moto), which the orchestrator reads there;
* Route 53 (``GetHealthCheckStatus``) and the us-east-1 alarm: from the drill's health
  checker when us-east-1 is up; in a full-region outage both APIs hang
  (:class:`tests.scenarios.fakes.HangingApi`), as botocore calls to an unreachable endpoint do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
from moto import mock_aws

from dr_app.cli.names import ResourceNames
from payment_dr_core import EnvironmentConfig
from payment_service.api import PaymentService
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.model import Action
from payment_service.orchestrator.probes import ProbeResult
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.drill.regions import Region, health
from tests.scenarios.fakes import FakeRdsWorld, HangingApi, cluster_arn
from tests.scenarios.orchestrator_aws import create_orchestrator_resources

PRIMARY_REGION = "us-east-1"
SECONDARY_REGION = "us-east-2"
THIRD_REGION = "us-west-2"
SUFFIX = "drill"
PRIMARY_URL = "https://api-use1-drill.payments.example.test/health"
SECONDARY_URL = "https://api-use2-drill.payments.example.test/health"
HEALTH_CHECK_ID = "0f3c9a7e-1d2b-4c1b-9d2e-5a6b7c8d9e0f"
LOCAL_PROBE_ALARM = "payment-processing-primary-probe-use2-drill"
REMOTE_PROBE_ALARM = "payment-processing-primary-probe-usw2-drill"
FUNCTION_TIMEOUT_SECONDS = 12
"""The drill's orchestrator function timeout: the smallest the settings accept with 1 s
budgets (1 + 1 + 10 s kept for recording)."""


def orchestrator_env(names: ResourceNames, topic_arn: str) -> dict[str, str]:
    """The orchestrator's environment, as the secondary stack sets it, on a drill schedule."""
    return {
        "AWS_REGION": SECONDARY_REGION,
        "GLOBAL_CLUSTER_ID": names.global_cluster,
        "SECONDARY_CLUSTER_ARN": cluster_arn(SECONDARY_REGION, names.secondary_cluster),
        "PRIMARY_HEALTH_CHECK_ID": HEALTH_CHECK_ID,
        "PRIMARY_HEALTH_URL": PRIMARY_URL,
        "SECONDARY_HEALTH_URL": SECONDARY_URL,
        "PRIMARY_ALARM_NAME": names.primary_alarm,
        "SWITCH_PARAMETER_NAME": names.switch_parameter,
        "DECISION_TABLE_NAME": names.decision_table,
        "ALERT_TOPIC_ARN": topic_arn,
        "ENVIRONMENT_SUFFIX": SUFFIX,
        "REMOTE_PROBE_REGION": THIRD_REGION,
        "REMOTE_PROBE_ALARM_NAME": REMOTE_PROBE_ALARM,
        "SECONDARY_PROBE_ALARM_NAME": LOCAL_PROBE_ALARM,
        "CONSECUTIVE_FAILURES": "3",
        "MIN_EVALUATION_SPACING_SECONDS": "0",
        "PROBE_TIMEOUT_SECONDS": "0.5",
        "SIGNALS_BUDGET_SECONDS": "1",
        "GATES_BUDGET_SECONDS": "1",
        "FUNCTION_TIMEOUT_SECONDS": str(FUNCTION_TIMEOUT_SECONDS),
        # seconds, not minutes, like the rest of the drill's schedule
        "RPO_LAG_PERIOD_SECONDS": "1",
    }


@dataclass
class ProbeCall:
    url: str
    timeout: float
    seconds: float
    answered: bool


GATEWAY_ERROR_BODY = '{"message": "Internal server error"}'
"""API Gateway's answer when its Lambda integration fails: not the /health contract."""


class RegionProbe:
    """``probe(url, timeout)`` over the drill's regions: the region's real ``/health`` handler
    in a thread of its own; no answer within ``timeout`` is a probe without a response.

    ``broken_api`` holds the URLs whose API layer fails (API Gateway answers 502 whatever the
    database does); ``cut_off`` the vantage regions that cannot reach the primary at all (a
    partition): probes from there (through :meth:`view`) time out."""

    def __init__(self, regions: Mapping[str, Region]) -> None:
        self._regions = dict(regions)
        self.calls: list[ProbeCall] = []
        self._idle: dict[str, list[PaymentService]] = {url: [] for url in regions}
        self._lock = threading.Lock()
        self.broken_api: set[str] = set()
        self.cut_off: set[str] = set()

    def view(self, vantage_region: str) -> Callable[[str, float], ProbeResult]:
        """The probe as seen from ``vantage_region``."""

        def probe(url: str, timeout: float) -> ProbeResult:
            if url == PRIMARY_URL and vantage_region in self.cut_off:
                started = time.perf_counter()
                time.sleep(timeout)
                self.calls.append(ProbeCall(url, timeout, time.perf_counter() - started, False))
                return ProbeResult(None, error="TimeoutError")
            return self(url, timeout)

        return probe

    def _take(self, url: str, region: Region) -> PaymentService:
        """An idle handler instance (a warm execution environment) or a new one."""
        with self._lock:
            idle = self._idle[url]
            if idle:
                return idle.pop()
        return region.service()

    def _give_back(self, url: str, service: PaymentService) -> None:
        with self._lock:
            self._idle[url].append(service)

    def __call__(self, url: str, timeout: float) -> ProbeResult:
        started = time.perf_counter()
        region = self._regions.get(url)
        if region is None:
            return ProbeResult(None, error="URLError")
        if url in self.broken_api:
            self.calls.append(ProbeCall(url, timeout, time.perf_counter() - started, True))
            return ProbeResult(502, GATEWAY_ERROR_BODY)
        answers: list[ProbeResult] = []
        done = threading.Event()

        def call() -> None:
            try:
                service = self._take(url, region)
                status, body = health(service)
                answers.append(ProbeResult(status, body))
                self._give_back(url, service)
            except Exception as exc:  # a handler that raises gives no HTTP answer
                answers.append(ProbeResult(None, error=type(exc).__name__))
            finally:
                done.set()

        threading.Thread(target=call, name="drill-probe", daemon=True).start()
        answered = done.wait(timeout)
        result = answers[0] if answered else ProbeResult(None, error="TimeoutError")
        self.calls.append(ProbeCall(url, timeout, time.perf_counter() - started, answered))
        return result


class VantagePoint:
    """A scheduled probe of the primary in ``region``: its ``NoResponse`` alarm goes to ALARM
    after ``threshold`` probes without a response and back to OK on any answer."""

    def __init__(
        self,
        region: str,
        alarm_name: str,
        probe: Callable[[str, float], ProbeResult],
        interval: float,
        timeout: float,
        threshold: int,
    ) -> None:
        self.region = region
        self.alarm_name = alarm_name
        self._probe = probe
        self._interval = interval
        self._timeout = timeout
        self._threshold = threshold
        self._cloudwatch: Any = None
        self.alarm_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"probe-{region}", daemon=True)

    def start(self) -> None:
        self._cloudwatch = boto3.client("cloudwatch", region_name=self.region)
        put_probe_alarm(self._cloudwatch, self.alarm_name)
        self._set("OK")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _set(self, state: str) -> None:
        self._cloudwatch.set_alarm_state(
            AlarmName=self.alarm_name, StateValue=state, StateReason="drill probe"
        )

    def _run(self) -> None:
        silent, state = 0, "OK"
        while not self._stop.wait(self._interval):
            result = self._probe(PRIMARY_URL, self._timeout)
            silent = silent + 1 if result.status is None else 0
            wanted = "ALARM" if silent >= self._threshold else "OK"
            if wanted != state:
                self._set(wanted)
                state = wanted
                if wanted == "ALARM" and self.alarm_at is None:
                    self.alarm_at = time.perf_counter()


def put_probe_alarm(cloudwatch: Any, name: str) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="PaymentDR/PrimaryProbe",
        MetricName="NoResponse",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


@dataclass
class PromotingRdsWorld(FakeRdsWorld):
    """The scenario tests' RDS fake whose ``FailoverGlobalCluster`` promotes the standby.

    The global cluster stays ``failing-over`` until ``pg_ctl promote`` has returned; then the
    next DescribeGlobalClusters shows the secondary as the writer."""

    promote: Callable[[], None] = field(default=lambda: None)
    switch_over: Callable[[], None] = field(default=lambda: None)
    """A planned switchover: the standby replays up to the primary's position, then is
    promoted (Aurora synchronizes first: nothing acknowledged is lost)."""
    promoted: threading.Event = field(default_factory=threading.Event)
    requested_at: float | None = None
    promotion_seconds: float | None = None

    def start_change(self, target: str, status: str, allow_data_loss: bool) -> None:
        super().start_change(target, status, allow_data_loss)
        self.requested_at = time.perf_counter()
        how = self.promote if allow_data_loss else self.switch_over
        threading.Thread(
            target=self._promote, args=(how,), name="drill-promote", daemon=True
        ).start()

    def _promote(self, how: Callable[[], None]) -> None:
        started = time.perf_counter()
        how()
        self.promotion_seconds = time.perf_counter() - started
        self.promoted.set()

    def change_done(self) -> bool:
        """The promotion is done when ``pg_ctl promote`` has returned (real time), not after
        the scenario fake's virtual duration."""
        return self.promoted.is_set()

    def advance(self) -> None:
        if self.pending_target is not None and self.failover_state is not None:
            self.failover_state["Status"] = "failing-over"
        super().advance()


@dataclass(frozen=True)
class EvaluationTrace:
    started: float
    """``time.perf_counter()`` when the evaluation started."""
    seconds: float
    """How long ``Orchestrator.evaluate`` took."""
    verdict: str
    consecutive_down: int
    action: str
    signals: tuple[tuple[str, str], ...]
    reason: str = ""


class HealthState:
    """What the Route 53 stand-in currently sees (set by the drill's health checker)."""

    def __init__(self) -> None:
        self.healthy = True


class CheckerRoute53:
    """``GetHealthCheckStatus`` answering with the drill's health checker's view, in the
    response shape of the Route 53 API Reference (eight checker observations)."""

    def __init__(self, state: HealthState) -> None:
        self._state = state

    def get_health_check_status(self, *, HealthCheckId: str) -> dict[str, Any]:  # noqa: N803
        status = (
            "Success: HTTP Status Code 200, OK"
            if self._state.healthy
            else "Failure: HTTP Status Code 503, Service Unavailable"
        )
        return {
            "HealthCheckObservations": [
                {
                    "Region": "us-west-1",
                    "IPAddress": f"15.177.0.{i}",
                    "StatusReport": {"Status": status},
                }
                for i in range(8)
            ]
        }


class DrillOrchestrator:
    """The real orchestrator evaluated every ``interval`` seconds in a thread, in moto."""

    def __init__(
        self,
        regions: Mapping[str, Region],
        promote: Callable[[], None],
        checker_state: HealthState,
        *,
        interval: float,
        probe_interval: float,
        probe_threshold: int,
        us_east_1_down: Callable[[], bool],
        switch_over: Callable[[], None] = lambda: None,
        replication_lag_ms: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.probe = RegionProbe(regions)
        self._replication_lag_ms = replication_lag_ms
        self._promote = promote
        self._checker_state = checker_state
        self.checker_state = checker_state
        """What the Route 53 stand-in sees (shared with the health checker)."""
        self._interval = interval
        self._us_east_1_down = us_east_1_down
        self.names = ResourceNames.for_environment(
            EnvironmentConfig(suffix=SUFFIX), PRIMARY_REGION, SECONDARY_REGION
        )
        self.rds = PromotingRdsWorld(
            self.names.global_cluster,
            cluster_arn(PRIMARY_REGION, self.names.primary_cluster),
            cluster_arn(SECONDARY_REGION, self.names.secondary_cluster),
            promote=promote,
            switch_over=switch_over,
        )
        self.vantage_points = [
            VantagePoint(
                region, alarm, self.probe.view(region), probe_interval, 0.5, probe_threshold
            )
            for region, alarm in (
                (SECONDARY_REGION, LOCAL_PROBE_ALARM),
                (THIRD_REGION, REMOTE_PROBE_ALARM),
            )
        ]
        self.hanging: list[HangingApi] = []
        self.trace: list[EvaluationTrace] = []
        self.errors: list[BaseException] = []
        self._mock = mock_aws()
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: None, daemon=True)
        self.settings: OrchestratorSettings | None = None

    def start(self) -> None:
        self._mock.start()
        self._started = True
        engine = self._engine()
        for vantage in self.vantage_points:
            vantage.start()
        self._thread = threading.Thread(
            target=self._run, args=(engine,), name="drill-orchestrator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        for vantage in self.vantage_points:
            vantage.stop()
        for api in self.hanging:
            api.release()
        if self._started:
            self._mock.stop()

    def _engine(self) -> Orchestrator:
        names = self.names
        topic_arn = create_orchestrator_resources(
            names, primary=PRIMARY_REGION, secondary=SECONDARY_REGION
        )
        dynamodb = boto3.client("dynamodb", region_name=SECONDARY_REGION)
        ssm = boto3.client("ssm", region_name=SECONDARY_REGION)
        sns = boto3.client("sns", region_name=SECONDARY_REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=PRIMARY_REGION)
        self._us_east_1_alarms = cloudwatch
        self.settings = OrchestratorSettings.from_env(orchestrator_env(names, topic_arn))
        route53_down = HangingApi(("get_health_check_status",), hang_seconds=60)
        alarms_down = HangingApi(("describe_alarms",), hang_seconds=60)
        self.hanging = [route53_down, alarms_down]
        route53_up = CheckerRoute53(self._checker_state)
        clients = Clients(
            rds=self.rds.client(SECONDARY_REGION),
            route53=_Switching(route53_up, route53_down, self._us_east_1_down),
            cloudwatch=_Switching(cloudwatch, alarms_down, self._us_east_1_down),
            ssm=ssm,
            dynamodb=dynamodb,
            sns=sns,
            remote_alarms=boto3.client("cloudwatch", region_name=THIRD_REGION),
            local_alarms=boto3.client("cloudwatch", region_name=SECONDARY_REGION),
            local_metrics=boto3.client("cloudwatch", region_name=SECONDARY_REGION),
            # SwitchoverGlobalCluster goes to the primary's region (payment_service.failover)
            rds_primary=self.rds.client(PRIMARY_REGION),
        )
        # The orchestrator runs in us-east-2: its own probe is that region's vantage point.
        return Orchestrator(self.settings, clients, probe=self.probe.view(SECONDARY_REGION))

    def set_primary_alarm(self, state: str) -> None:
        """The us-east-1 alarm on the Route 53 health check follows the checker."""
        self._us_east_1_alarms.set_alarm_state(
            AlarmName=self.names.primary_alarm, StateValue=state, StateReason="drill"
        )

    def _publish_replication_lag(self) -> None:
        """What us-east-2's CloudWatch shows while the primary's database ships its log: the
        secondary cluster's ``AuroraGlobalDBRPOLag`` (nothing while it does not)."""
        lag = self._replication_lag_ms()
        if lag is None:
            return
        boto3.client("cloudwatch", region_name=SECONDARY_REGION).put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "AuroraGlobalDBRPOLag",
                    "Dimensions": [
                        {"Name": "DBClusterIdentifier", "Value": self.names.secondary_cluster}
                    ],
                    "Timestamp": datetime.fromtimestamp(time.time(), UTC),
                    "Value": lag,
                    "Unit": "Milliseconds",
                }
            ],
        )

    def _run(self, engine: Orchestrator) -> None:
        while not self._stop.is_set():
            self._publish_replication_lag()
            started = time.perf_counter()
            try:
                record = engine.evaluate("schedule")
            except BaseException as exc:  # recorded: the test fails on it
                self.errors.append(exc)
                return
            seconds = time.perf_counter() - started
            self.trace.append(
                EvaluationTrace(
                    started,
                    seconds,
                    record.verdict or "-",
                    record.consecutive_down,
                    record.action.value,
                    tuple((s.name.value, s.evidence.value) for s in record.signals),
                    record.reason,
                )
            )
            self._stop.wait(max(0.0, self._interval - seconds))

    @property
    def failed_over(self) -> bool:
        return any(e.action == Action.FAIL_OVER.value for e in self.trace)


class _Switching:
    """A us-east-1 client: ``up`` while the region is up, ``down`` (hanging) once it is not."""

    def __init__(self, up: Any, down: Any, is_down: Callable[[], bool]) -> None:
        self._up, self._down, self._is_down = up, down, is_down

    def __getattr__(self, name: str) -> Any:
        return getattr(self._down if self._is_down() else self._up, name)
