"""DR scenarios of the failover orchestrator, end to end against moto and the fake RDS."""

from __future__ import annotations

import json

import pytest

from payment_service.orchestrator.model import Action
from payment_service.orchestrator.probes import ProbeResult
from tests.scenarios.conftest import SECONDARY, SECONDARY_URL, World
from tests.scenarios.fakes import DOWN_BODY, client_error


@pytest.mark.parametrize("threshold", [1, 3, 5])
def test_primary_outage_fails_over_after_exactly_n_evaluations(
    world: World, threshold: int
) -> None:
    orchestrator = world.orchestrator(CONSECUTIVE_FAILURES=str(threshold))
    world.primary_down()

    records = [world.evaluate(orchestrator) for _ in range(threshold)]

    assert [r.action for r in records[:-1]] == [Action.NONE] * (threshold - 1)
    assert [r.consecutive_down for r in records] == list(range(1, threshold + 1))
    assert records[-1].action is Action.FAIL_OVER
    assert world.failover_calls() == [
        {
            "GlobalClusterIdentifier": world.names.global_cluster,
            "TargetDbClusterIdentifier": world.rds.secondary_arn,
            "AllowDataLoss": True,
        }
    ]
    assert not world.rds.calls_of("switchover_global_cluster")
    subject, message, attributes = world.notifications()[-1]
    assert "automatic failover started" in subject
    assert attributes == {"severity": "critical", "action": "fail_over"}
    assert json.loads(message)["consecutive_down"] == threshold
    decisions = world.decisions()
    assert len(decisions) == threshold
    assert [d["action"]["S"] for d in decisions][-1] == "fail_over"


def test_failover_decision_is_recorded_with_signals_and_ttl(world: World) -> None:
    orchestrator = world.orchestrator(CONSECUTIVE_FAILURES="1", DECISION_TTL_DAYS="7")
    world.primary_down()

    record = world.evaluate(orchestrator)

    (item,) = world.decisions()
    assert int(item["expires_at"]["N"]) == int(record.evaluated_at) + 7 * 86400
    signals = {s["name"]: s["evidence"] for s in json.loads(item["signals"]["S"])}
    assert signals == {
        "route53_health_check": "failing",
        "direct_probe": "database_down",
        "primary_alarm": "failing",
    }
    assert item["verdict"]["S"] == "database_down"
    assert item["trigger"]["S"] == "schedule"
    assert item["notified"]["BOOL"] is True
    assert item["switch"]["S"] == "on"
    assert "database reachable" in item["secondary"]["S"]


def test_flapping_evidence_resets_the_counter_pages_once_and_never_fails_over(world: World) -> None:
    orchestrator = world.orchestrator()
    world.primary_down()
    counters = []
    for healthy_route53 in (False, False, True, False, False, True, False, False, True):
        world.route53.observations = [healthy_route53] * 8
        counters.append(world.evaluate(orchestrator).consecutive_down)

    assert counters == [1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert world.failover_calls() == []
    # Route 53's checkers get 200 while the probe sees the database down: conflicting evidence,
    # told once the third conflict since the primary was last healthy comes
    assert [subject for subject, _, _ in world.notifications()] == [
        "[payment-dr scn] PAGE conflicting evidence about the primary: no database move"
    ]

    world.route53.observations = [False] * 8
    actions = [world.evaluate(orchestrator).action for _ in range(3)]
    assert actions == [Action.NONE, Action.NONE, Action.FAIL_OVER]


def test_switch_off_notifies_once_and_never_fails_over(world: World) -> None:
    world.set_switch("false")
    orchestrator = world.orchestrator()
    world.primary_down()

    actions = [world.evaluate(orchestrator).action for _ in range(6)]

    assert actions == [Action.NONE, Action.NONE] + [Action.SWITCH_OFF] * 4
    assert world.failover_calls() == []
    notifications = world.notifications()
    assert len(notifications) == 1
    subject, _message, attributes = notifications[0]
    assert "switch off" in subject
    assert attributes["severity"] == "page"

    world.set_switch("true")
    assert world.evaluate(orchestrator).action is Action.FAIL_OVER
    assert len(world.failover_calls()) == 1


def test_missing_switch_parameter_counts_as_off(world: World) -> None:
    world.ssm.delete_parameter(Name=world.names.switch_parameter)
    orchestrator = world.orchestrator(CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.SWITCH_OFF
    assert record.switch == "off"
    assert world.failover_calls() == []


def test_rerun_after_failover_does_nothing(world: World) -> None:
    orchestrator = world.orchestrator(CONSECUTIVE_FAILURES="1")
    world.primary_down()
    assert world.evaluate(orchestrator).action is Action.FAIL_OVER
    probes_before = len(world.probe.calls)

    # evaluations every 60 s; the fake's promotion runs PROMOTION_SECONDS (180)
    during = [world.evaluate(orchestrator) for _ in range(2)]
    after = [world.evaluate(orchestrator) for _ in range(3)]

    assert [r.action for r in during] == [Action.FAILOVER_IN_PROGRESS] * 2
    assert [r.action for r in after] == [Action.ALREADY_PROMOTED] * 3
    assert after[-1].consecutive_down == 0
    assert len(world.failover_calls()) == 1
    assert len(world.probe.calls) == probes_before, "no signal is read once promoted"
    assert len(world.notifications()) == 1


def test_rerun_during_a_failover_started_elsewhere_does_nothing(world: World) -> None:
    world.rds.promotion_duration_seconds = 10_000  # still running for every evaluation below
    world.rds.start_change(world.rds.secondary_arn, "failing-over", allow_data_loss=True)
    orchestrator = world.orchestrator(CONSECUTIVE_FAILURES="1")
    world.primary_down()

    records = [world.evaluate(orchestrator) for _ in range(3)]

    assert {r.action for r in records} == {Action.FAILOVER_IN_PROGRESS}
    assert world.failover_calls() == []


@pytest.mark.parametrize(
    ("health", "cluster_status", "expected"),
    [
        (ProbeResult(None, error="TimeoutError"), "available", "/health unreachable"),
        (ProbeResult(503, DOWN_BODY), "available", "database failing"),
        (ProbeResult(503, "<html>bad gateway</html>"), "available", "without a JSON body"),
        (None, "inaccessible-encryption-credentials", "cluster inaccessible"),
    ],
)
def test_secondary_unhealthy_too_pages_and_does_not_fail_over(
    world: World, health: ProbeResult | None, cluster_status: str, expected: str
) -> None:
    if health is not None:
        world.probe.answers[SECONDARY_URL] = health
    world.rds.members[world.rds.secondary_arn].status = cluster_status
    orchestrator = world.orchestrator()
    world.primary_down()

    records = [world.evaluate(orchestrator) for _ in range(5)]

    assert [r.action for r in records][2:] == [Action.SECONDARY_UNHEALTHY] * 3
    assert expected in (records[-1].secondary or "")
    assert world.failover_calls() == []
    notifications = world.notifications()
    assert len(notifications) == 1
    assert "secondary not ready" in notifications[0][0]
    assert notifications[0][2]["severity"] == "page"


def test_throttled_failover_call_is_retried(world: World) -> None:
    from tests.scenarios.fakes import ThrottleOnce

    rds = ThrottleOnce(world.rds.client(SECONDARY), "failover_global_cluster")
    orchestrator = world.orchestrator(rds=rds, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    record = world.evaluate(orchestrator)

    assert record.action is Action.FAIL_OVER
    assert rds.attempts == 2
    assert len(world.failover_calls()) == 1
    assert len(world.sleeps.delays) == 1
    assert 0 <= world.sleeps.delays[0] <= 0.5


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded"])
def test_every_throttling_code_is_retried_on_describe(world: World, code: str) -> None:
    from tests.scenarios.fakes import ThrottleOnce

    rds = ThrottleOnce(world.rds.client(SECONDARY), "describe_global_clusters", code=code)
    orchestrator = world.orchestrator(rds=rds, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    assert world.evaluate(orchestrator).action is Action.FAIL_OVER
    assert rds.attempts >= 2


def test_other_rds_errors_are_not_retried_and_page(world: World) -> None:
    from tests.scenarios.fakes import ThrottleOnce

    rds = ThrottleOnce(
        world.rds.client(SECONDARY),
        "failover_global_cluster",
        code="InvalidGlobalClusterStateFault",
    )
    orchestrator = world.orchestrator(rds=rds, CONSECUTIVE_FAILURES="1")
    world.primary_down()

    failed = world.evaluate(orchestrator)

    assert failed.action is Action.FAILOVER_FAILED
    assert failed.error == "InvalidGlobalClusterStateFault"
    assert rds.attempts == 1
    assert world.sleeps.delays == []
    assert world.notifications()[-1][2]["severity"] == "page"
    retried = world.evaluate(orchestrator)
    assert retried.action is Action.FAIL_OVER, "the next evaluation tries again"
    assert len(world.failover_calls()) == 1


def test_unreadable_global_cluster_pages_instead_of_failing_over(world: World) -> None:
    world.rds.down_regions.add(SECONDARY)
    orchestrator = world.orchestrator()
    world.primary_down()

    records = [world.evaluate(orchestrator) for _ in range(4)]

    assert [r.action for r in records] == [Action.NONE, Action.NONE] + [Action.CLUSTER_UNKNOWN] * 2
    assert "EndpointConnectionError" in records[-1].reason
    assert world.failover_calls() == []
    assert len(world.notifications()) == 1


def test_unreadable_signals_hold_the_counter_then_page(world: World) -> None:
    orchestrator = world.orchestrator()
    world.primary_down()
    down = [world.evaluate(orchestrator) for _ in range(2)]
    world.route53.fail_with = client_error("ServiceUnavailable", "GetHealthCheckStatus")
    world.probe.answers.pop("https://primary.api.example.test/health")
    world.cloudwatch.delete_alarms(AlarmNames=[world.names.primary_alarm])

    unreadable = [world.evaluate(orchestrator) for _ in range(4)]

    assert [r.consecutive_down for r in down + unreadable] == [1, 2, 2, 2, 2, 2]
    assert [r.verdict for r in unreadable] == ["inconclusive"] * 4
    assert [r.action for r in unreadable] == [Action.NONE] * 2 + [Action.SIGNALS_UNREADABLE] * 2
    assert world.failover_calls() == []
    assert len(world.notifications()) == 1


def test_an_api_only_fault_never_loses_data_and_switches_over_once_the_database_is_shown_healthy(
    world: World,
) -> None:
    """API Gateway or Lambda broken in us-east-1 (502), Aurora healthy: never AllowDataLoss.
    Without evidence of the database's health a person is paged; with it, a switchover."""
    orchestrator = world.orchestrator()
    world.route53.fail_with = client_error("ServiceUnavailable", "GetHealthCheckStatus")
    world.cloudwatch.delete_alarms(AlarmNames=[world.names.primary_alarm])
    world.probe.answers["https://primary.api.example.test/health"] = ProbeResult(502, "")

    actions = [world.evaluate(orchestrator).action for _ in range(3)]
    assert actions == [Action.NONE, Action.NONE, Action.NO_SAFE_MOVE]
    assert (world.failover_calls(), world.switchover_calls()) == ([], [])

    world.replication_flowing()
    record = world.evaluate(orchestrator)
    assert record.action is Action.SWITCH_OVER
    assert world.failover_calls() == []
    assert world.switchover_calls() == [
        {
            "GlobalClusterIdentifier": world.names.global_cluster,
            "TargetDbClusterIdentifier": world.rds.secondary_arn,
        }
    ]


def test_a_probe_without_an_answer_alone_never_counts(world: World) -> None:
    """One vantage point (this region's probe) silent, nothing else readable."""
    world.route53.fail_with = client_error("ServiceUnavailable", "GetHealthCheckStatus")
    world.cloudwatch.delete_alarms(AlarmNames=[world.names.primary_alarm])
    world.probe.answers.pop("https://primary.api.example.test/health")
    orchestrator = world.orchestrator()
    records = [world.evaluate(orchestrator) for _ in range(3)]
    assert [(r.verdict, r.action) for r in records] == [
        ("inconclusive", Action.NONE),
        ("inconclusive", Action.NONE),
        ("inconclusive", Action.SIGNALS_UNREADABLE),
    ]
    assert (world.failover_calls(), world.switchover_calls()) == ([], [])


def test_evaluations_seconds_apart_count_once(world: World) -> None:
    orchestrator = world.orchestrator()
    world.primary_down()

    world.evaluate(orchestrator)
    world.clock.advance(-55)  # the alarm notification arrives 5 s after the schedule
    second = world.evaluate(orchestrator)

    assert second.consecutive_down == 1
    assert second.action is Action.NONE


def test_concurrent_evaluations_fail_over_once(world: World) -> None:
    first = world.orchestrator()
    world.primary_down()
    for _ in range(2):
        world.evaluate(first)

    class RacingTable:
        """Lets a second evaluation run between this one's read and its write."""

        def __init__(self, client: object) -> None:
            self._client = client
            self.raced = False

        def __getattr__(self, name: str) -> object:
            return getattr(self._client, name)

        def put_item(self, **kwargs: object) -> object:
            item = kwargs["Item"]
            assert isinstance(item, dict)
            if item["pk"] == {"S": "STATE"} and not self.raced:
                self.raced = True
                assert world.orchestrator().evaluate("alarm").action is Action.FAIL_OVER
            return self._client.put_item(**kwargs)  # type: ignore[attr-defined]

    racing = world.orchestrator(dynamodb=RacingTable(world.dynamodb))
    world.clock.advance(60)
    loser = racing.evaluate("schedule")

    assert loser.action is Action.CONCURRENT_EVALUATION
    assert len(world.failover_calls()) == 1
    assert len([n for n in world.notifications() if "failover started" in n[0]]) == 1
