"""The orchestrator's configuration, Lambda entry point and real boto3 wiring (moto)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.stub import Stubber  # type: ignore[import-untyped]

from payment_service.errors import ConfigError
from payment_service.failover import FixedRegionRds, GlobalDatabase, parse_global_cluster
from payment_service.failover.throttle import with_throttle_retry
from payment_service.logging import configure_logging
from payment_service.orchestrator import entry
from payment_service.orchestrator.probes import ProbeResult, health_body_ready, https_probe
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.runtime.postgres import free_port
from tests.scenarios.conftest import PRIMARY, SECONDARY, World
from tests.scenarios.fakes import STANDBY_BODY, Sleeps, client_error


@pytest.fixture
def fresh_entry() -> Iterator[None]:
    entry._orchestrator = None
    yield
    entry._orchestrator = None
    configure_logging()


def test_settings_defaults_and_validation(world: World) -> None:
    settings = OrchestratorSettings.from_env(world.env())
    assert settings.thresholds.consecutive_failures == 3
    assert settings.secondary_cluster_region == SECONDARY
    assert settings.topic_region == SECONDARY
    assert settings.primary_region == PRIMARY
    assert settings.thresholds.switchover_timeout_seconds == 300.0
    assert (settings.rpo_lag_max_age_seconds, settings.healthy_rpo_lag_seconds) == (180.0, 60.0)
    assert settings.rpo_lag_period_seconds == 60
    for name, value, message in [
        ("GLOBAL_CLUSTER_ID", "", "GLOBAL_CLUSTER_ID is not set"),
        ("PRIMARY_HEALTH_URL", "http://plain.example/health", "PRIMARY_HEALTH_URL="),
        ("SECONDARY_CLUSTER_ARN", "payment-cluster", "an RDS DB cluster ARN"),
        ("CONSECUTIVE_FAILURES", "0", "out of range"),
        ("CONSECUTIVE_FAILURES", "three", "not an integer"),
        ("PROBE_TIMEOUT_SECONDS", "60", "PROBE_TIMEOUT_SECONDS"),
        ("SWITCHOVER_TIMEOUT_SECONDS", "59", "out of range; expected 60..3600"),
        ("HEALTHY_RPO_LAG_SECONDS", "0", "out of range; expected 1..900"),
        ("RPO_LAG_MAX_AGE_SECONDS", "soon", "is not a number"),
        ("RPO_LAG_PERIOD_SECONDS", "90", "expected 1, 5, 10, 30 or a multiple of 60"),
        ("ALERT_TOPIC_ARN", "topic", "an SNS topic ARN"),
    ]:
        with pytest.raises(ConfigError, match=message):
            OrchestratorSettings.from_env(world.env(**{name: value}))


def test_trigger_of_events() -> None:
    assert (
        entry.trigger_of({"source": "aws.events", "detail-type": "Scheduled Event"}) == "schedule"
    )
    assert entry.trigger_of({"Records": [{"EventSource": "aws:sns", "Sns": {}}]}) == "alarm"
    assert entry.trigger_of({}) == "manual"


def test_lambda_handler_with_real_clients_against_moto(
    world: World, monkeypatch: pytest.MonkeyPatch, fresh_entry: None
) -> None:
    """The handler builds boto3 clients per region; RDS, Route 53 and the rest are moto."""
    rds = boto3.client("rds", region_name=PRIMARY)
    rds.create_global_cluster(
        GlobalClusterIdentifier=world.names.global_cluster, Engine="aurora-postgresql"
    )
    rds.create_db_cluster(
        DBClusterIdentifier=world.names.primary_cluster,
        Engine="aurora-postgresql",
        GlobalClusterIdentifier=world.names.global_cluster,
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password-1",
    )
    secondary = boto3.client("rds", region_name=SECONDARY).create_db_cluster(
        DBClusterIdentifier=world.names.secondary_cluster,
        Engine="aurora-postgresql",
        GlobalClusterIdentifier=world.names.global_cluster,
    )["DBCluster"]["DBClusterArn"]
    closed = f"https://127.0.0.1:{free_port()}/health"
    env = world.env(
        SECONDARY_CLUSTER_ARN=secondary, PRIMARY_HEALTH_URL=closed, SECONDARY_HEALTH_URL=closed
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    result = entry.handler({"source": "aws.events"}, None)

    # moto's Route 53 reports one successful checker (the database writing, seen from
    # elsewhere) while this region's probe is refused: conflicting evidence, counted, no move
    assert result["action"] == "none"
    assert result["verdict"] == "conflict"
    assert result["trigger"] == "schedule"
    assert result["writer_arn"] != secondary
    raw_signals = result["signals"]
    assert isinstance(raw_signals, list)
    signals = {s["name"]: s["evidence"] for s in raw_signals}
    assert signals["direct_probe"] == "silent"
    assert signals["route53_health_check"] == "writing"
    assert len(world.decisions()) == 1


def test_lambda_handler_raises_on_configuration_errors(
    monkeypatch: pytest.MonkeyPatch, fresh_entry: None
) -> None:
    monkeypatch.setenv("AWS_REGION", SECONDARY)
    monkeypatch.delenv("GLOBAL_CLUSTER_ID", raising=False)
    with pytest.raises(ConfigError, match="GLOBAL_CLUSTER_ID is not set"):
        entry.handler({}, None)


def test_throttle_retry_with_a_stubbed_boto3_client() -> None:
    client = boto3.client("rds", region_name=SECONDARY)
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_global_clusters", service_error_code="Throttling", http_status_code=400
    )
    stubber.add_client_error(
        "describe_global_clusters", service_error_code="RequestLimitExceeded", http_status_code=400
    )
    stubber.add_response(
        "describe_global_clusters",
        {
            "GlobalClusters": [
                {
                    "GlobalClusterIdentifier": "g",
                    "Status": "available",
                    "GlobalClusterMembers": [
                        {"DBClusterArn": "arn:a:rds:us-east-1:1:cluster:p", "IsWriter": True}
                    ],
                }
            ]
        },
        {"GlobalClusterIdentifier": "g"},
    )
    sleeps = Sleeps()
    with stubber:
        rds = FixedRegionRds(client, SECONDARY)
        view = GlobalDatabase(rds, "g", sleep=sleeps).describe(SECONDARY)
    stubber.assert_no_pending_responses()
    assert view.writer_arn == "arn:a:rds:us-east-1:1:cluster:p"
    assert len(sleeps.delays) == 2


def test_throttle_retry_gives_up_after_the_last_attempt() -> None:
    attempts: list[int] = []

    def always_throttled() -> Any:
        attempts.append(1)
        raise client_error("Throttling", "FailoverGlobalCluster")

    with pytest.raises(Exception, match="Throttling"):
        with_throttle_retry("FailoverGlobalCluster", always_throttled, sleep=Sleeps())
    assert len(attempts) == 5


def test_parse_global_cluster_reads_failover_state() -> None:
    view = parse_global_cluster(
        {
            "GlobalClusters": [
                {
                    "GlobalClusterIdentifier": "G",
                    "Status": "failing-over",
                    "GlobalClusterMembers": [
                        {"DBClusterArn": "p", "IsWriter": True},
                        {"DBClusterArn": "s", "IsWriter": False},
                    ],
                    "FailoverState": {"Status": "pending", "ToDbClusterArn": "s"},
                }
            ]
        },
        "g",
    )
    assert (view.writer_arn, view.failover_status, view.failover_target_arn) == (
        "p",
        "pending",
        "s",
    )
    assert view.in_transition


def test_secondary_health_body_rules() -> None:
    assert health_body_ready(ProbeResult(503, STANDBY_BODY))[0] is True
    assert health_body_ready(ProbeResult(200, "{}"))[0] is True
    assert health_body_ready(ProbeResult(None, error="timeout"))[0] is False
    body = json.dumps({"checks": {"database": {"ok": True}, "dynamodb": {"ok": False}}})
    ready, reason = health_body_ready(ProbeResult(503, body))
    assert not ready
    assert "dynamodb failing" in reason


def test_https_probe_reports_no_response_without_raising() -> None:
    result = https_probe(f"https://127.0.0.1:{free_port()}/health", 1.0)
    assert result.status is None
    assert result.error
    assert https_probe("http://127.0.0.1/health", 1.0).error == "only https URLs are probed"


def test_decisions_are_logged_as_json(world: World) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    world.primary_down()
    world.evaluate(world.orchestrator())
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    completed = [e for e in events if e["event"] == "evaluation_completed"]
    assert len(completed) == 1
    assert completed[0]["action"] == "none"
    assert completed[0]["consecutive_down"] == 1
