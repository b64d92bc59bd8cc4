"""The scheduled probes' alarms as the orchestrator reads them (moto CloudWatch in each
region), and the probe function's own output."""

from __future__ import annotations

import io
import json
import re
import threading
import time

import boto3  # type: ignore[import-untyped]
import pytest

from payment_service.orchestrator import probes, rules
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.model import Action, Evidence, SignalName
from payment_service.orchestrator.probes import ProbeResult
from payment_service.orchestrator.settings import OrchestratorSettings
from payment_service.primary_probe import ProbeSettings, bounded_probe, run_probe
from tests.scenarios.conftest import SECONDARY, World

THIRD = "us-west-2"
LOCAL_ALARM = "payment-processing-primary-no-response-use2-scn"
REMOTE_ALARM = "payment-processing-primary-no-response-usw2-scn"


def _alarm(region: str, name: str, state: str) -> None:
    client = boto3.client("cloudwatch", region_name=region)
    client.put_metric_alarm(
        AlarmName=name,
        Namespace="PaymentDR/PrimaryProbe",
        MetricName="NoResponse",
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    client.set_alarm_state(AlarmName=name, StateValue=state, StateReason="scenario")


@pytest.fixture
def probed(world: World) -> World:
    _alarm(SECONDARY, LOCAL_ALARM, "OK")
    _alarm(THIRD, REMOTE_ALARM, "OK")
    return world


def _orchestrator(world: World, **env: str) -> Orchestrator:
    settings = OrchestratorSettings.from_env(
        world.env(
            REMOTE_PROBE_REGION=THIRD,
            REMOTE_PROBE_ALARM_NAME=REMOTE_ALARM,
            SECONDARY_PROBE_ALARM_NAME=LOCAL_ALARM,
            **env,
        )
    )
    clients = Clients(
        rds=world.rds.client(SECONDARY),
        route53=world.route53,
        cloudwatch=world.cloudwatch,
        ssm=world.ssm,
        dynamodb=world.dynamodb,
        sns=world.sns,
        remote_alarms=boto3.client("cloudwatch", region_name=THIRD),
        local_alarms=boto3.client("cloudwatch", region_name=SECONDARY),
    )
    return Orchestrator(settings, clients, probe=world.probe, clock=world.clock, sleep=world.sleeps)


def test_the_secondary_probe_alarm_is_read_in_the_orchestrators_region(probed: World) -> None:
    record = probed.evaluate(_orchestrator(probed))
    signals = {s.name: s for s in record.signals}
    # NoResponse alarms in OK: the primary answered (with any status), which is not health
    assert signals[SignalName.SECONDARY_PROBE].evidence is Evidence.ANSWERED
    assert (
        signals[SignalName.SECONDARY_PROBE].detail == "primary answers from us-east-2 (any status)"
    )
    assert signals[SignalName.REMOTE_PROBE].evidence is Evidence.ANSWERED
    assert signals[SignalName.REMOTE_PROBE].detail == "primary answers from us-west-2 (any status)"


def test_a_secondary_probe_alarm_is_not_a_second_vantage_point(probed: World) -> None:
    # us-east-1 unreadable, the orchestrator's probe and the us-east-2 probe silent, the
    # third region's alarm not yet in ALARM: one region saw nothing, which is not two.
    probed.route53.observations = []
    probed.probe.answers.pop("https://primary.api.example.test/health", None)
    probed.set_alarm("INSUFFICIENT_DATA")
    _alarm(SECONDARY, LOCAL_ALARM, "ALARM")
    _alarm(THIRD, REMOTE_ALARM, "INSUFFICIENT_DATA")
    record = probed.evaluate(_orchestrator(probed))
    signals = {s.name: s for s in record.signals}
    local, direct = signals[SignalName.SECONDARY_PROBE], signals[SignalName.PROBE]
    assert (local.evidence, local.region) == (Evidence.SILENT, "us-east-2")
    assert (direct.evidence, direct.region) == (Evidence.SILENT, "us-east-2")
    # two silent signals from one region are one vantage point: nothing is counted
    assert record.verdict == "inconclusive"
    assert record.consecutive_down == 0
    assert rules.assess(record.signals).reason.startswith("not enough evidence")


def test_global_checkers_reaching_a_writing_primary_veto_any_move(probed: World) -> None:
    """The direct probe sees the database down, but Route 53's checkers get 200 (the
    database writing) from elsewhere: conflicting evidence pages and moves nothing."""
    probed.primary_down()
    probed.route53.observations = [True] * 8
    _alarm(SECONDARY, LOCAL_ALARM, "OK")
    orchestrator = _orchestrator(probed, CONSECUTIVE_FAILURES="1")
    record = probed.evaluate(orchestrator)
    assert record.verdict == "conflict"
    assert record.action is Action.CONFLICTING_EVIDENCE
    assert record.notified is True
    assert probed.failover_calls() == []
    assert probed.switchover_calls() == []


def test_unreadable_secondary_probe_alarm_is_unknown() -> None:
    class Failing:
        def describe_alarms(self, **_: object) -> dict[str, object]:
            raise TimeoutError("read timeout")

    signal = probes.read_secondary_probe(Failing(), LOCAL_ALARM, SECONDARY)
    assert signal.evidence is Evidence.UNKNOWN
    assert signal.detail.startswith("unreadable: ")


PROBE_SETTINGS = ProbeSettings(
    url="https://api-use1-scn.payments.example.com/health",
    region="us-west-2",
    environment_suffix="scn",
    timeout_seconds=0.5,
)


def test_probe_writes_one_emf_line_with_no_response_for_a_hang() -> None:
    released = threading.Event()

    def hanging(url: str, timeout: float) -> ProbeResult:
        released.wait(30)  # ignores its timeout, like a resolver that hangs
        return ProbeResult(200)

    out = io.StringIO()
    started = time.monotonic()
    record = run_probe(PROBE_SETTINGS, probe=hanging, out=out)
    elapsed = time.monotonic() - started
    released.set()
    assert elapsed < 2.0  # bounded at timeout + 1 s, not 30 s
    (line,) = out.getvalue().splitlines()
    parsed = json.loads(line)
    assert parsed == record
    assert (parsed["NoResponse"], parsed["Healthy"], parsed["status"]) == (1, 0, None)
    assert parsed["error"] == "no answer within 1.5s"
    assert parsed["ProbeRegion"] == "us-west-2"
    assert parsed["Environment"] == "scn"


@pytest.mark.parametrize(
    ("result", "no_response", "healthy"),
    [
        (ProbeResult(200, "{}"), 0, 1),
        (ProbeResult(503, "{}"), 0, 0),
        (ProbeResult(None, error="ConnectionRefusedError"), 1, 0),
    ],
)
def test_probe_metrics_per_answer(result: ProbeResult, no_response: int, healthy: int) -> None:
    record = run_probe(PROBE_SETTINGS, probe=lambda url, timeout: result, out=io.StringIO())
    assert (record["NoResponse"], record["Healthy"]) == (no_response, healthy)


def test_bounded_probe_turns_an_exception_into_no_response() -> None:
    def broken(url: str, timeout: float) -> ProbeResult:
        raise OSError("boom")

    assert bounded_probe(broken, "https://x.example/health", 0.5) == ProbeResult(
        None, error="OSError"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROBE_URL": "http://x/health"}, "PROBE_URL='http://x/health' is invalid"),
        ({"AWS_REGION": ""}, "AWS_REGION is not set"),
        ({"ENVIRONMENT_SUFFIX": "Bad_Suffix"}, "ENVIRONMENT_SUFFIX='Bad_Suffix' is invalid"),
        ({"PROBE_TIMEOUT_SECONDS": "11"}, "PROBE_TIMEOUT_SECONDS=11 is out of range"),
        ({"PROBE_TIMEOUT_SECONDS": "x"}, "PROBE_TIMEOUT_SECONDS='x' is not a number"),
    ],
)
def test_probe_settings_refuse_bad_values(env: dict[str, str], message: str) -> None:
    base = {
        "PROBE_URL": "https://api-use1-scn.payments.example.com/health",
        "AWS_REGION": "us-west-2",
        "ENVIRONMENT_SUFFIX": "scn",
    }
    with pytest.raises(Exception, match=re.escape(message)) as caught:
        ProbeSettings.from_env({**base, **env})
    assert type(caught.value).__name__ == "ConfigError"
