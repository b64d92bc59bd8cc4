"""A DR world in moto: the orchestrator's table, switch, topic, alarm and health check.

RDS is :class:`tests.scenarios.fakes.FakeRdsWorld` (moto lacks the failover calls), the Route 53
observations and the HTTPS probes are scripted; everything else is moto.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws
from moto.sns.models import sns_backends

from dr_app.cli.names import ResourceNames
from payment_dr_core import EnvironmentConfig
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.engine import Orchestrator
from payment_service.orchestrator.probes import ProbeResult
from payment_service.orchestrator.record import EvaluationRecord
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.scenarios.fakes import (
    ACCOUNT,
    DOWN_BODY,
    STANDBY_BODY,
    WRITING_BODY,
    FakeClock,
    FakeRdsWorld,
    ScriptedProbe,
    ScriptedRoute53,
    Sleeps,
    cluster_arn,
)
from tests.scenarios.orchestrator_aws import create_orchestrator_resources

PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
SUFFIX = "scn"
PRIMARY_URL = "https://primary.api.example.test/health"
SECONDARY_URL = "https://secondary.api.example.test/health"
EVALUATION_PERIOD = 60.0


def environment_names() -> ResourceNames:
    return ResourceNames.for_environment(EnvironmentConfig(suffix=SUFFIX), PRIMARY, SECONDARY)


@dataclass
class World:
    """moto clients and the fakes of one scenario."""

    names: ResourceNames
    rds: FakeRdsWorld
    route53: ScriptedRoute53
    probe: ScriptedProbe
    cloudwatch: Any
    ssm: Any
    dynamodb: Any
    sns: Any
    topic_arn: str
    health_check_id: str
    clock: FakeClock = field(default_factory=FakeClock)
    sleeps: Sleeps = field(default_factory=Sleeps)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            "AWS_REGION": SECONDARY,
            "GLOBAL_CLUSTER_ID": self.names.global_cluster,
            "SECONDARY_CLUSTER_ARN": self.rds.secondary_arn,
            "PRIMARY_HEALTH_CHECK_ID": self.health_check_id,
            "PRIMARY_HEALTH_URL": PRIMARY_URL,
            "SECONDARY_HEALTH_URL": SECONDARY_URL,
            "PRIMARY_ALARM_NAME": self.names.primary_alarm,
            "SWITCH_PARAMETER_NAME": self.names.switch_parameter,
            "DECISION_TABLE_NAME": self.names.decision_table,
            "ALERT_TOPIC_ARN": self.topic_arn,
            "ENVIRONMENT_SUFFIX": SUFFIX,
            "PRIMARY_CLUSTER_ID": self.names.primary_cluster,
            "FAILOVER_SNAPSHOT_PREFIX": self.names.failover_snapshot_copy,
        }
        env.update(overrides)
        return env

    def orchestrator(
        self, rds: Any = None, dynamodb: Any = None, rds_primary: Any = None, **env: str
    ) -> Orchestrator:
        settings = OrchestratorSettings.from_env(self.env(**env))
        clients = Clients(
            rds=rds if rds is not None else self.rds.client(SECONDARY),
            route53=self.route53,
            cloudwatch=self.cloudwatch,
            ssm=self.ssm,
            dynamodb=dynamodb if dynamodb is not None else self.dynamodb,
            sns=self.sns,
            # the primary region's RDS (snapshot copy, switchover): the fake unless given
            rds_primary=rds_primary if rds_primary is not None else self.rds.client(PRIMARY),
            local_metrics=boto3.client("cloudwatch", region_name=SECONDARY),
        )
        return Orchestrator(
            settings, clients, probe=self.probe, clock=self.clock, sleep=self.sleeps
        )

    # the primary region's state, as the three signals see it: its database down behind an
    # API that still answers (the /health contract's "down")
    def primary_down(self) -> None:
        self.route53.observations = [False] * 8
        self.probe.answers[PRIMARY_URL] = ProbeResult(503, DOWN_BODY)
        self.set_alarm("ALARM")

    def primary_up(self) -> None:
        self.route53.observations = [True] * 8
        self.probe.answers[PRIMARY_URL] = ProbeResult(200, WRITING_BODY)
        self.set_alarm("OK")

    def replication_flowing(self, lag_ms: float = 800.0) -> None:
        """The secondary cluster publishes a fresh ``AuroraGlobalDBRPOLag`` datapoint (what a
        primary whose database commits and ships its log looks like from us-east-2)."""
        boto3.client("cloudwatch", region_name=SECONDARY).put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "AuroraGlobalDBRPOLag",
                    "Dimensions": [
                        {"Name": "DBClusterIdentifier", "Value": self.names.secondary_cluster}
                    ],
                    "Timestamp": datetime.fromtimestamp(self.clock.now, UTC),
                    "Value": lag_ms,
                    "Unit": "Milliseconds",
                }
            ],
        )

    def switchover_calls(self) -> list[Mapping[str, object]]:
        return self.rds.calls_of("switchover_global_cluster")

    def set_alarm(self, state: str) -> None:
        self.cloudwatch.set_alarm_state(
            AlarmName=self.names.primary_alarm, StateValue=state, StateReason="scenario"
        )

    def set_switch(self, value: str) -> None:
        self.ssm.put_parameter(
            Name=self.names.switch_parameter, Value=value, Type="String", Overwrite=True
        )

    def evaluate(self, orchestrator: Orchestrator) -> EvaluationRecord:
        self.clock.advance(EVALUATION_PERIOD)
        return orchestrator.evaluate("schedule")

    def notifications(self) -> list[tuple[str, str, dict[str, str]]]:
        topic = sns_backends[ACCOUNT][SECONDARY].topics[self.topic_arn]
        return [
            (subject or "", message, {k: v["Value"] for k, v in (attributes or {}).items()})
            for _id, message, subject, attributes, _group in topic.sent_notifications
        ]

    def decisions(self) -> list[dict[str, Any]]:
        response = self.dynamodb.query(
            TableName=self.names.decision_table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "DECISION"}},
        )
        items: list[dict[str, Any]] = response["Items"]
        return items

    def failover_calls(self) -> list[Mapping[str, object]]:
        return self.rds.calls_of("failover_global_cluster")


@pytest.fixture
def world() -> Iterator[World]:
    names = environment_names()
    with mock_aws():
        topic_arn = create_orchestrator_resources(names, primary=PRIMARY, secondary=SECONDARY)
        dynamodb = boto3.client("dynamodb", region_name=SECONDARY)
        ssm = boto3.client("ssm", region_name=SECONDARY)
        sns = boto3.client("sns", region_name=SECONDARY)
        cloudwatch = boto3.client("cloudwatch", region_name=PRIMARY)
        route53 = boto3.client("route53", region_name=PRIMARY)
        health_check_id = route53.create_health_check(
            CallerReference="scenario",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": "primary.api.example.test",
                "ResourcePath": "/health",
                "RequestInterval": 30,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        route53.change_tags_for_resource(
            ResourceType="healthcheck",
            ResourceId=health_check_id,
            AddTags=[{"Key": "Name", "Value": names.health_check_tags[0]}],
        )
        rds = FakeRdsWorld(
            names.global_cluster,
            cluster_arn(PRIMARY, names.primary_cluster),
            cluster_arn(SECONDARY, names.secondary_cluster),
        )
        world = World(
            names=names,
            rds=rds,
            route53=ScriptedRoute53(route53),
            probe=ScriptedProbe({SECONDARY_URL: ProbeResult(503, STANDBY_BODY)}),
            cloudwatch=cloudwatch,
            ssm=ssm,
            dynamodb=dynamodb,
            sns=sns,
            topic_arn=topic_arn,
            health_check_id=health_check_id,
            clock=rds.clock,  # one virtual time: evaluations and RDS changes move together
        )
        world.primary_up()
        yield world
        assert world.rds.undocumented == [], "calls AWS does not document were made"
