"""The engine's bounds and failure paths: a reader that raises or hangs, gates that cannot be
read within their budget, a secondary probe that raises, a notification that fails. Each
ends in a literal signal, action or record, never in an exception out of ``evaluate``."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.engine import Orchestrator, bounded_reads
from payment_service.orchestrator.model import Action, Evidence, Signal, SignalName
from payment_service.orchestrator.probes import ProbeResult
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.scenarios.conftest import PRIMARY_URL, SECONDARY, SECONDARY_URL, World
from tests.scenarios.fakes import ThrottleOnce, client_error


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of the test, so a hung call's thread ends with it."""
    event = threading.Event()
    yield event
    event.set()


def test_a_reader_that_raises_is_unknown_with_its_error_type(release: threading.Event) -> None:
    def raises() -> Signal:
        raise ConnectionResetError("reset by peer")

    def answers() -> Signal:
        return Signal(SignalName.ALARM, Evidence.FAILING, "alarm in ALARM")

    assert bounded_reads(
        ((SignalName.ROUTE53, raises), (SignalName.ALARM, answers)), budget_seconds=5.0
    ) == (
        Signal(SignalName.ROUTE53, Evidence.UNKNOWN, "reader failed: ConnectionResetError"),
        Signal(SignalName.ALARM, Evidence.FAILING, "alarm in ALARM"),
    )


def test_a_reader_still_running_at_the_budget_is_unknown(release: threading.Event) -> None:
    """A call to an API of a region that is down hangs rather than fails."""

    def hangs() -> Signal:
        release.wait(30)
        return Signal(SignalName.PROBE, Evidence.WRITING, "too late")

    def answers() -> Signal:
        return Signal(SignalName.ROUTE53, Evidence.FAILING, "0/8 checkers report success")

    assert bounded_reads(
        ((SignalName.PROBE, hangs), (SignalName.ROUTE53, answers)), budget_seconds=0.25
    ) == (
        Signal(SignalName.PROBE, Evidence.UNKNOWN, "no answer within the 0.25s budget"),
        Signal(SignalName.ROUTE53, Evidence.FAILING, "0/8 checkers report success"),
    )


@dataclass
class SecondaryProbe:
    """The scenario's probe, except for the secondary's /health: ``hang`` blocks until the
    test ends (a connection that never answers), ``error`` raises it."""

    world: World
    release: threading.Event
    hang: bool = False
    error: Exception | None = None
    secondary_calls: list[float] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> ProbeResult:
        if url != SECONDARY_URL:
            return self.world.probe(url, timeout)
        self.secondary_calls.append(timeout)
        if self.error is not None:
            raise self.error
        if self.hang:
            self.release.wait(30)
        return self.world.probe(url, timeout)


def orchestrator_with(
    world: World, *, probe: Any = None, sns: Any = None, **env: str
) -> Orchestrator:
    """The scenario's orchestrator (as ``World.orchestrator`` builds it) with another probe
    or SNS client."""
    clients = Clients(
        rds=world.rds.client(SECONDARY),
        route53=world.route53,
        cloudwatch=world.cloudwatch,
        ssm=world.ssm,
        dynamodb=world.dynamodb,
        sns=sns if sns is not None else world.sns,
    )
    return Orchestrator(
        OrchestratorSettings.from_env(world.env(**env)),
        clients,
        probe=probe if probe is not None else world.probe,
        clock=world.clock,
        sleep=world.sleeps,
    )


def test_gates_not_read_within_their_budget_page_and_do_not_fail_over(
    world: World, release: threading.Event
) -> None:
    probe = SecondaryProbe(world, release, hang=True)
    orchestrator = orchestrator_with(
        world, probe=probe, CONSECUTIVE_FAILURES="1", GATES_BUDGET_SECONDS="1"
    )
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.SECONDARY_UNHEALTHY
    assert record.switch == "unreadable"
    assert record.secondary == "readiness not read within 1s"
    assert record.reason.endswith("not moving: secondary not ready (readiness not read within 1s)")
    assert world.failover_calls() == []
    assert len(probe.secondary_calls) == 1


def test_a_secondary_probe_that_raises_is_a_secondary_not_ready(
    world: World, release: threading.Event
) -> None:
    probe = SecondaryProbe(world, release, error=ConnectionRefusedError("refused"))
    orchestrator = orchestrator_with(world, probe=probe, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.SECONDARY_UNHEALTHY
    assert record.secondary == "/health unreachable (ConnectionRefusedError); cluster available"
    assert world.failover_calls() == []


class FailingSns:
    """SNS whose Publish fails (the topic's key is disabled, or the region's SNS is down)."""

    def __init__(self) -> None:
        self.attempts = 0

    def publish(self, **_kwargs: object) -> dict[str, str]:
        self.attempts += 1
        raise ConnectionError("sns unreachable")


def test_a_failed_notification_is_recorded_and_the_failover_still_happens(
    world: World,
) -> None:
    sns = FailingSns()
    orchestrator = orchestrator_with(world, sns=sns, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.FAIL_OVER
    assert record.notified is False
    assert sns.attempts >= 1
    assert len(world.failover_calls()) == 1


class FailingPuts:
    """The scenario's DynamoDB client, except that ``put_item`` of the items whose ``pk`` is
    in ``fail`` raises (throughput exceeded), after ``allow`` of them succeeded."""

    def __init__(self, client: Any, fail: str, allow: int = 0) -> None:
        self._client = client
        self._fail = fail
        self._allow = allow
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        if kwargs["Item"]["pk"]["S"] == self._fail:
            if self._allow > 0:
                self._allow -= 1
            else:
                self.refused += 1
                raise client_error("ProvisionedThroughputExceededException", "PutItem")
        return self._client.put_item(**kwargs)


def test_a_decision_log_that_cannot_be_written_does_not_stop_the_failover(world: World) -> None:
    dynamodb = FailingPuts(world.dynamodb, fail="DECISION")
    orchestrator = world.orchestrator(dynamodb=dynamodb, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.FAIL_OVER
    assert len(world.failover_calls()) == 1
    assert dynamodb.refused == 1
    assert world.decisions() == []


def test_a_failed_failover_whose_state_cannot_be_saved_still_reports_and_pages(
    world: World,
) -> None:
    rds = ThrottleOnce(
        world.rds.client(SECONDARY), "failover_global_cluster", "InvalidGlobalClusterStateFault"
    )
    # the counted state is saved; the second write (last action failover_failed) is refused
    dynamodb = FailingPuts(world.dynamodb, fail="STATE", allow=1)
    orchestrator = world.orchestrator(rds=rds, dynamodb=dynamodb, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.FAILOVER_FAILED
    assert record.error == "InvalidGlobalClusterStateFault"
    assert dynamodb.refused == 1
    assert world.notifications()[-1][2] == {"severity": "page", "action": "failover_failed"}
    state = world.dynamodb.get_item(
        TableName=world.names.decision_table,
        Key={"pk": {"S": "STATE"}, "sk": {"S": "ORCHESTRATOR"}},
    )["Item"]
    assert state["last_action"] == {"S": "fail_over"}


def test_each_decision_is_keyed_by_its_time_and_a_12_hex_digit_id(world: World) -> None:
    """The decision item's sort key is ``<time>#<id>``: 48 random bits keep two evaluations
    of the same millisecond (a scheduled run and a manual one) from overwriting each other."""
    orchestrator = world.orchestrator()
    world.primary_up()

    records = [world.evaluate(orchestrator) for _ in range(3)]

    ids = [record.evaluation_id for record in records]
    assert all(re.fullmatch(r"[0-9a-f]{12}", value) for value in ids), ids
    assert len(set(ids)) == 3
    assert sorted(item["sk"]["S"].split("#")[1] for item in world.decisions()) == sorted(ids)


def test_a_healthy_evaluation_reads_neither_the_switch_nor_the_secondary(world: World) -> None:
    """The gates cost an SSM call, a probe and an RDS call: read only when the counter is at
    N on a down verdict."""
    orchestrator = world.orchestrator()
    world.primary_up()

    record = world.evaluate(orchestrator)

    assert (record.action, record.switch, record.secondary) == (Action.NONE, None, None)
    assert world.probe.calls == [PRIMARY_URL]


def test_a_secondary_cluster_that_cannot_be_described_is_not_ready(world: World) -> None:
    """DescribeGlobalClusters answers but DescribeDBClusters of the secondary is refused:
    the secondary is not known to be available, so a human is paged instead of failing over."""
    rds = ThrottleOnce(world.rds.client(SECONDARY), "describe_db_clusters", "AccessDenied")
    orchestrator = world.orchestrator(rds=rds, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.SECONDARY_UNHEALTHY
    assert record.secondary is not None
    assert record.secondary.endswith("; cluster unreadable (AccessDenied)")
    assert rds.attempts == 1
    assert world.failover_calls() == []


def test_the_injected_probe_clock_and_sleep_are_named(world: World) -> None:
    """``Orchestrator(settings, clients, probe, clock)`` positionally is refused: a clock and
    a sleep are both callables, and swapping them by position would go unnoticed."""
    settings = OrchestratorSettings.from_env(world.env())
    clients = Clients(
        rds=world.rds.client(SECONDARY),
        route53=world.route53,
        cloudwatch=world.cloudwatch,
        ssm=world.ssm,
        dynamodb=world.dynamodb,
        sns=world.sns,
    )
    with pytest.raises(TypeError):
        Orchestrator(settings, clients, world.probe)  # type: ignore[misc]
