"""DrAlarms in both regions, each acting on its own region's AlertTopics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from cdktf import TerraformStack

from observability_testing import (
    API_NAME,
    DESTINATION_BUCKET,
    HEALTH_CHECK,
    PRIMARY,
    PRIMARY_CLUSTER,
    PRIMARY_KEY,
    PRIMARY_TOPIC,
    RULE_ID,
    SECONDARY,
    SECONDARY_CLUSTER,
    SECONDARY_KEY,
    SECONDARY_PROVIDER,
    SECONDARY_TOPIC,
    SOURCE_BUCKET,
    STAGE,
    TABLE,
    reference,
    secondary_provider,
)
from payment_dr_core import ConfigError, Namer, RegionRole
from payment_dr_core.testing import Json, Synth, synth_stack
from payment_dr_observability import (
    AlarmThresholds,
    AlertTopics,
    AlertTopicsProps,
    ApiStage,
    DrAlarms,
    DrAlarmsProps,
    S3ReplicationRule,
)

RULE = S3ReplicationRule(SOURCE_BUCKET, DESTINATION_BUCKET, RULE_ID)
API = ApiStage(API_NAME, STAGE)
FUNCTIONS = {
    PRIMARY: {
        "api": "payment-processing-payment-api-use1-test",
        "migrate": "payment-processing-payment-migrate-use1-test",
    },
    SECONDARY: {
        "api": "payment-processing-payment-api-use2-test",
        "failover": "payment-processing-failover-use2-test",
    },
}
SECONDARY_THRESHOLDS = AlarmThresholds(
    aurora_replication_lag_seconds=30, aurora_evaluation_minutes=5
)


@dataclass
class Built:
    synth: Synth
    alarms: dict[str, DrAlarms]


@pytest.fixture(scope="module")
def built() -> Built:
    alarms: dict[str, DrAlarms] = {}

    def build(stack: TerraformStack) -> None:
        namer = Namer("test")
        secondary = secondary_provider(stack)
        topics = {
            PRIMARY: AlertTopics(
                stack,
                "topics-primary",
                AlertTopicsProps(namer=namer, region=PRIMARY, kms_key_arn=PRIMARY_KEY),
            ),
            SECONDARY: AlertTopics(
                stack,
                "topics-secondary",
                AlertTopicsProps(
                    namer=namer, region=SECONDARY, kms_key_arn=SECONDARY_KEY, provider=secondary
                ),
            ),
        }
        alarms[PRIMARY] = DrAlarms(
            stack,
            "alarms-primary",
            DrAlarmsProps(
                namer=namer,
                role=RegionRole.PRIMARY,
                topic_arn=topics[PRIMARY].topic_arn,
                function_names=FUNCTIONS[PRIMARY],
                api=API,
                aurora_cluster_identifier=PRIMARY_CLUSTER,
                session_table_name=TABLE,
                s3_replication=RULE,
                health_check_id=HEALTH_CHECK,
            ),
        )
        alarms[SECONDARY] = DrAlarms(
            stack,
            "alarms-secondary",
            DrAlarmsProps(
                namer=namer,
                role=RegionRole.SECONDARY,
                topic_arn=topics[SECONDARY].topic_arn,
                function_names=FUNCTIONS[SECONDARY],
                api=API,
                aurora_cluster_identifier=SECONDARY_CLUSTER,
                session_table_name=TABLE,
                s3_replication=RULE,
                thresholds=SECONDARY_THRESHOLDS,
                provider=secondary,
            ),
        )

    return Built(synth_stack(build, region=PRIMARY), alarms)


class Row(NamedTuple):
    """One line of the alarm table in the package README."""

    region: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    period: int
    evaluation_periods: int
    datapoints: int
    threshold: float
    comparison: str
    missing: str


S3_DIMENSIONS = {
    "SourceBucket": SOURCE_BUCKET,
    "DestinationBucket": DESTINATION_BUCKET,
    "RuleId": RULE_ID,
}
API_DIMENSIONS = {"ApiName": API_NAME, "Stage": STAGE}
GT, LT = "GreaterThanThreshold", "LessThanThreshold"


def function_rows(region: str, code: str) -> dict[str, Row]:
    rows = {}
    for label, name in FUNCTIONS[region].items():
        dims = {"FunctionName": name}
        rows[f"payment-processing-lambda-errors-{label}-{code}-test"] = Row(
            region, "AWS/Lambda", "Errors", dims, "Sum", 60, 3, 2, 5, GT, "notBreaching"
        )
        rows[f"payment-processing-lambda-throttles-{label}-{code}-test"] = Row(
            region, "AWS/Lambda", "Throttles", dims, "Sum", 60, 3, 2, 0, GT, "notBreaching"
        )
    return rows


def api_rows(region: str, code: str) -> dict[str, Row]:
    return {
        f"payment-processing-api-5xx-{code}-test": Row(
            region, "AWS/ApiGateway", "5XXError", API_DIMENSIONS, "Average", 60, 3, 3, 0.05, GT,
            "notBreaching",
        ),
        f"payment-processing-api-latency-p99-{code}-test": Row(
            region, "AWS/ApiGateway", "Latency", API_DIMENSIONS, "p99", 60, 5, 5, 3000, GT,
            "notBreaching",
        ),
    }  # fmt: skip


EXPECTED: dict[str, Row] = {
    # us-east-1: the us-east-1 cluster's own global lag (published only while it is a
    # secondary, after a role swap), failed S3 operations (source region), DynamoDB to
    # us-east-2, health check
    "payment-processing-aurora-replication-lag-use1-test": Row(
        PRIMARY, "AWS/RDS", "AuroraGlobalDBReplicationLag",
        {"DBClusterIdentifier": PRIMARY_CLUSTER}, "Maximum", 60, 3, 3, 60_000, GT,
        "notBreaching",
    ),
    "payment-processing-aurora-rpo-lag-use1-test": Row(
        PRIMARY, "AWS/RDS", "AuroraGlobalDBRPOLag", {"DBClusterIdentifier": PRIMARY_CLUSTER},
        "Maximum", 60, 3, 3, 60_000, GT, "notBreaching",
    ),
    "payment-processing-s3-replication-failed-use1-test": Row(
        PRIMARY, "AWS/S3", "OperationsFailedReplication", S3_DIMENSIONS, "Sum", 300, 1, 1, 0, GT,
        "notBreaching",
    ),
    "payment-processing-dynamodb-replication-latency-use1-test": Row(
        PRIMARY, "AWS/DynamoDB", "ReplicationLatency",
        {"TableName": TABLE, "ReceivingRegion": SECONDARY}, "Average", 300, 2, 2, 30_000, GT,
        "ignore",
    ),
    "payment-processing-health-check-use1-test": Row(
        PRIMARY, "AWS/Route53", "HealthCheckStatus", {"HealthCheckId": HEALTH_CHECK}, "Minimum",
        60, 2, 2, 1, LT, "breaching",
    ),
    **function_rows(PRIMARY, "use1"),
    **api_rows(PRIMARY, "use1"),
    # us-east-2: Aurora global lag, S3 latency (destination region), DynamoDB to us-east-1
    "payment-processing-aurora-replication-lag-use2-test": Row(
        SECONDARY, "AWS/RDS", "AuroraGlobalDBReplicationLag",
        {"DBClusterIdentifier": SECONDARY_CLUSTER}, "Maximum", 60, 5, 5, 30_000, GT,
        "notBreaching",
    ),
    "payment-processing-aurora-rpo-lag-use2-test": Row(
        SECONDARY, "AWS/RDS", "AuroraGlobalDBRPOLag", {"DBClusterIdentifier": SECONDARY_CLUSTER},
        "Maximum", 60, 5, 5, 60_000, GT, "notBreaching",
    ),
    "payment-processing-s3-replication-latency-use2-test": Row(
        SECONDARY, "AWS/S3", "ReplicationLatency", S3_DIMENSIONS, "Maximum", 60, 5, 5, 300, GT,
        "missing",
    ),
    "payment-processing-dynamodb-replication-latency-use2-test": Row(
        SECONDARY, "AWS/DynamoDB", "ReplicationLatency",
        {"TableName": TABLE, "ReceivingRegion": PRIMARY}, "Average", 300, 2, 2, 30_000, GT,
        "ignore",
    ),
    **function_rows(SECONDARY, "use2"),
    **api_rows(SECONDARY, "use2"),
}  # fmt: skip


def alarms_by_name(synth: Synth) -> dict[str, Json]:
    return {a["alarm_name"]: a for a in synth.resources("aws_cloudwatch_metric_alarm").values()}


def test_exactly_the_alarms_of_the_table(built: Built) -> None:
    assert sorted(alarms_by_name(built.synth)) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_matches_the_table(built: Built, name: str) -> None:
    row, alarm = EXPECTED[name], alarms_by_name(built.synth)[name]
    if row.region == PRIMARY:
        assert "provider" not in alarm  # the stack's default provider: us-east-1
    else:
        assert alarm["provider"] == SECONDARY_PROVIDER
    assert alarm["namespace"] == row.namespace
    assert alarm["metric_name"] == row.metric
    assert alarm["dimensions"] == row.dimensions
    if row.statistic.startswith("p"):
        assert alarm["extended_statistic"] == row.statistic
        assert "statistic" not in alarm
        assert alarm["evaluate_low_sample_count_percentiles"] == "ignore"
    else:
        assert alarm["statistic"] == row.statistic
        assert "extended_statistic" not in alarm
    assert alarm["period"] == row.period
    assert alarm["evaluation_periods"] == row.evaluation_periods
    assert alarm["datapoints_to_alarm"] == row.datapoints
    assert alarm["threshold"] == row.threshold
    assert alarm["comparison_operator"] == row.comparison
    assert alarm["treat_missing_data"] == row.missing
    assert alarm["alarm_description"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_notifies_its_own_regions_topic(built: Built, name: str) -> None:
    alarm = alarms_by_name(built.synth)[name]
    side = "primary" if EXPECTED[name].region == PRIMARY else "secondary"
    topic = reference(built.synth, "aws_sns_topic", f"topics-{side}", "arn")
    assert alarm["alarm_actions"] == [topic]
    assert alarm["ok_actions"] == [topic]
    assert alarm["actions_enabled"] is True
    assert "insufficient_data_actions" not in alarm


def test_replication_thresholds_stay_below_the_rpo(built: Built) -> None:
    """Threshold plus evaluation window of every synthesized lag alarm stays under 15 min."""
    checked = {}
    for name, alarm in alarms_by_name(built.synth).items():
        if alarm["metric_name"].startswith(("Aurora", "Replication")):
            # S3 ReplicationLatency is in seconds, the Aurora and DynamoDB lags in ms
            unit = 1 if alarm["namespace"] == "AWS/S3" else 1000
            window = alarm["period"] * alarm["evaluation_periods"]
            checked[name] = alarm["threshold"] / unit + window
    assert checked == {
        "payment-processing-aurora-replication-lag-use1-test": 240,
        "payment-processing-aurora-rpo-lag-use1-test": 240,
        "payment-processing-dynamodb-replication-latency-use1-test": 630,
        "payment-processing-aurora-replication-lag-use2-test": 330,
        "payment-processing-aurora-rpo-lag-use2-test": 360,
        "payment-processing-dynamodb-replication-latency-use2-test": 630,
        "payment-processing-s3-replication-latency-use2-test": 600,
    }
    assert all(seconds < 15 * 60 for seconds in checked.values()), checked


def test_attributes(built: Built) -> None:
    primary, secondary = built.alarms[PRIMARY], built.alarms[SECONDARY]
    assert primary.health_check_alarm_name == "payment-processing-health-check-use1-test"
    assert secondary.health_check_alarm_name is None
    assert set(primary.alarm_arns) == set(primary.alarm_names) == set(primary.alarms)
    assert all(arn.startswith("${TfToken[") for arn in primary.alarm_arns.values())
    assert secondary.alarm_names["aurora-replication-lag"] == (
        "payment-processing-aurora-replication-lag-use2-test"
    )
    assert primary.region == PRIMARY
    assert secondary.region == SECONDARY


def props(**overrides: Any) -> DrAlarmsProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "role": RegionRole.PRIMARY,
        "topic_arn": PRIMARY_TOPIC,
        "function_names": {"api": "payment-processing-payment-api-use1-test"},
        "api": API,
        "session_table_name": TABLE,
        "s3_replication": RULE,
        "health_check_id": HEALTH_CHECK,
    }
    values.update(overrides)
    return DrAlarmsProps(**values)


def limits(**values: Any) -> dict[str, Any]:
    return {"thresholds": AlarmThresholds(**values)}


def rule(
    source: str = SOURCE_BUCKET, destination: str = DESTINATION_BUCKET, rule_id: str = RULE_ID
) -> dict[str, Any]:
    return {"s3_replication": S3ReplicationRule(source, destination, rule_id)}


SECONDARY_SIDE = {
    "role": RegionRole.SECONDARY,
    "topic_arn": SECONDARY_TOPIC,
    "health_check_id": None,
}
AURORA = "aurora_cluster_identifier"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "primary"}, "role"),
        ({"topic_arn": SECONDARY_TOPIC}, "topic_arn"),
        ({"topic_arn": ""}, "topic_arn"),
        ({"function_names": {"API": "fn"}}, "function_names"),
        ({"function_names": {"api": f"{PRIMARY_TOPIC}:x"}}, "function_names.api"),
        ({"function_names": {"api": ""}}, "function_names.api"),
        ({"api": ApiStage('api"name', STAGE)}, "api.api_name"),
        ({"api": ApiStage(API_NAME, "v-1")}, "api.stage_name"),
        ({AURORA: "1-not-a-cluster"}, AURORA),
        ({**SECONDARY_SIDE, AURORA: "arn:aws:rds:us-east-2:111111111111:cluster:x"}, AURORA),
        ({"session_table_name": "ab"}, "session_table_name"),
        (rule(source="Bad_Bucket"), "s3_replication.source_bucket"),
        (
            rule(destination=f"arn:aws:s3:::{DESTINATION_BUCKET}"),
            "s3_replication.destination_bucket",
        ),
        (rule(rule_id=""), "s3_replication.rule_id"),
        ({"health_check_id": "not-an-id"}, "health_check_id"),
        ({**SECONDARY_SIDE, "health_check_id": HEALTH_CHECK}, "health_check_id"),
        (limits(aurora_replication_lag_seconds=900), "thresholds.aurora_replication_lag_seconds"),
        (limits(aurora_rpo_lag_seconds=0), "thresholds.aurora_rpo_lag_seconds"),
        (limits(aurora_evaluation_minutes=0), "thresholds.aurora_evaluation_minutes"),
        (limits(s3_replication_latency_seconds=901), "thresholds.s3_replication_latency_seconds"),
        (
            limits(dynamodb_replication_latency_seconds=-1),
            "thresholds.dynamodb_replication_latency_seconds",
        ),
        (limits(lambda_errors_per_minute=-1), "thresholds.lambda_errors_per_minute"),
        (limits(lambda_throttles_per_minute=True), "thresholds.lambda_throttles_per_minute"),
        (limits(api_5xx_rate=1.5), "thresholds.api_5xx_rate"),
        (limits(api_latency_p99_ms=30_000), "thresholds.api_latency_p99_ms"),
    ],
)
def test_bad_alarm_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        props(**overrides).validate()
    assert error.value.field == field


def test_cross_stack_references_are_not_format_checked() -> None:
    token = "${TfToken[TOKEN.42]}"
    props(
        topic_arn=token,
        function_names={"api": token},
        api=ApiStage(token, "${aws_api_gateway_stage.v1.stage_name}"),
        session_table_name=token,
        s3_replication=S3ReplicationRule(token, token, token),
        health_check_id=token,
    ).validate()
    props(
        role=RegionRole.SECONDARY,
        topic_arn=token,
        health_check_id=None,
        aurora_cluster_identifier=token,
    ).validate()


def test_only_the_families_given_are_created() -> None:
    specs = props(function_names={}, api=None, session_table_name=None, s3_replication=None,
                  health_check_id=None).specs()  # fmt: skip
    assert specs == ()


def _evaluate(alarm: Json, minutes: list[float | None]) -> str:
    """The state CloudWatch gives ``alarm`` after ``minutes`` of per-minute maxima (None: no
    datapoint), following the documented treat_missing_data rules for M-of-N alarms."""
    window = minutes[-alarm["evaluation_periods"] :]
    if alarm["treat_missing_data"] == "notBreaching":
        window = [value if value is not None else 0.0 for value in window]
    breaching = sum(1 for value in window if value is not None and value > alarm["threshold"])
    return "ALARM" if breaching >= alarm["datapoints_to_alarm"] else "OK"


@pytest.mark.parametrize(
    ("writer", "lagging"),
    [(PRIMARY, SECONDARY), (SECONDARY, PRIMARY)],
    ids=["us-east-1 writes", "after a role swap: us-east-2 writes"],
)
def test_lag_alarms_follow_the_secondary_in_both_role_assignments(
    built: Built, writer: str, lagging: str
) -> None:
    """Only the cluster that is secondary now publishes lag: its region's alarms fire on a
    breach, and the writer's silent metrics leave its alarms OK (not stuck in ALARM)."""
    alarms = alarms_by_name(built.synth)
    codes = {PRIMARY: "use1", SECONDARY: "use2"}
    for metric in ("replication-lag", "rpo-lag"):
        secondary_alarm = alarms[f"payment-processing-aurora-{metric}-{codes[lagging]}-test"]
        writer_alarm = alarms[f"payment-processing-aurora-{metric}-{codes[writer]}-test"]
        breach = [secondary_alarm["threshold"] + 1.0] * 10
        healthy = [secondary_alarm["threshold"] / 10] * 10
        silent: list[float | None] = [None] * 10
        assert _evaluate(secondary_alarm, list(breach)) == "ALARM"
        assert _evaluate(secondary_alarm, list(healthy)) == "OK"
        assert _evaluate(writer_alarm, silent) == "OK"
