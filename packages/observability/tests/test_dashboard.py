"""DrDashboard: the body structure before encoding, and the synthesized jsonencode expression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

from observability_testing import (
    API_NAME,
    DESTINATION_BUCKET,
    HEALTH_CHECK,
    PRIMARY,
    PRIMARY_CLUSTER,
    RULE_ID,
    SECONDARY,
    SECONDARY_CLUSTER,
    SECONDARY_HEALTH_CHECK,
    SECONDARY_PROVIDER,
    SOURCE_BUCKET,
    STAGE,
    TABLE,
    address,
    secondary_provider,
)
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_observability import (
    ApiStage,
    DrDashboard,
    DrDashboardProps,
    RegionView,
    S3ReplicationRule,
    build_dashboard_body,
)
from payment_dr_observability.dashboard_body import DashboardBody, MetricLine, Widget

RULE = S3ReplicationRule(SOURCE_BUCKET, DESTINATION_BUCKET, RULE_ID)
API = ApiStage(API_NAME, STAGE)
PRIMARY_API_FN = "payment-processing-payment-api-use1-test"
SECONDARY_API_FN = "payment-processing-payment-api-use2-test"
FAILOVER_FN = "payment-processing-failover-use2-test"
PRIMARY_VIEW = RegionView(PRIMARY, PRIMARY_CLUSTER, {"api": PRIMARY_API_FN}, API)
SECONDARY_VIEW = RegionView(
    SECONDARY, SECONDARY_CLUSTER, {"api": SECONDARY_API_FN, "failover": FAILOVER_FN}, API
)


@pytest.fixture(scope="module")
def body() -> DashboardBody:
    return build_dashboard_body(
        PRIMARY_VIEW,
        SECONDARY_VIEW,
        session_table_name=TABLE,
        s3_replication=RULE,
        health_check_id=HEALTH_CHECK,
        secondary_health_check_id=SECONDARY_HEALTH_CHECK,
    )


Metric = tuple[str, str, tuple[tuple[str, str], ...]]


def metrics_of(widget: Widget) -> set[Metric]:
    """(namespace, metric, dimensions) of each line; rendering options left out."""
    found = set()
    for line in widget["properties"]["metrics"]:
        parts = [part for part in line if isinstance(part, str)]
        namespace, metric, rest = parts[0], parts[1], parts[2:]
        found.add((namespace, metric, tuple(zip(rest[::2], rest[1::2], strict=True))))
    return found


def by_title(body: DashboardBody) -> dict[str, Widget]:
    return {w["properties"]["title"]: w for w in body["widgets"]}


def test_every_widget_names_its_region_and_sits_in_its_regions_column(
    body: DashboardBody,
) -> None:
    for widget in body["widgets"]:
        properties = widget["properties"]
        region = properties["region"]
        assert region in (PRIMARY, SECONDARY)
        assert properties["title"].startswith(f"[{region}] ")
        assert widget["type"] == "metric"
        assert widget["width"] == 12
        assert widget["x"] == (0 if region == PRIMARY else 12)


def test_widgets_do_not_overlap(body: DashboardBody) -> None:
    places = [(w["x"], w["y"]) for w in body["widgets"]]
    assert len(places) == len(set(places))
    assert all(w["height"] == 6 and w["y"] % 6 == 0 for w in body["widgets"])


def cluster(name: str) -> tuple[tuple[str, str], ...]:
    return (("DBClusterIdentifier", name),)


def function(name: str) -> tuple[tuple[str, str], ...]:
    return (("FunctionName", name),)


STAGE_DIMS = (("ApiName", API_NAME), ("Stage", STAGE))
S3_DIMS = (
    ("SourceBucket", SOURCE_BUCKET),
    ("DestinationBucket", DESTINATION_BUCKET),
    ("RuleId", RULE_ID),
)


def region_widgets(region: str, aurora: str, functions: dict[str, str]) -> dict[str, set[Metric]]:
    rds, gateway = "AWS/RDS", "AWS/ApiGateway"
    return {
        f"[{region}] Aurora CPU and capacity": {
            (rds, "CPUUtilization", cluster(aurora)),
            (rds, "ACUUtilization", cluster(aurora)),
            (rds, "ServerlessDatabaseCapacity", cluster(aurora)),
        },
        f"[{region}] Aurora connections and commit latency": {
            (rds, "DatabaseConnections", cluster(aurora)),
            (rds, "CommitLatency", cluster(aurora)),
        },
        f"[{region}] Aurora global lag ms (reported while this cluster is the secondary)": {
            (rds, "AuroraGlobalDBReplicationLag", cluster(aurora)),
            (rds, "AuroraGlobalDBRPOLag", cluster(aurora)),
        },
        f"[{region}] Lambda invocations and errors": {
            ("AWS/Lambda", metric, function(name))
            for name in functions.values()
            for metric in ("Invocations", "Errors")
        },
        f"[{region}] Lambda duration": {
            ("AWS/Lambda", "Duration", function(name)) for name in functions.values()
        },
        f"[{region}] API requests and errors": {
            (gateway, metric, STAGE_DIMS) for metric in ("Count", "4XXError", "5XXError")
        },
        f"[{region}] API latency ms": {(gateway, "Latency", STAGE_DIMS)},
    }


EXPECTED: dict[str, set[Metric]] = {
    **region_widgets(PRIMARY, PRIMARY_CLUSTER, {"api": PRIMARY_API_FN}),
    **region_widgets(SECONDARY, SECONDARY_CLUSTER, {"api": SECONDARY_API_FN, "f": FAILOVER_FN}),
    f"[{PRIMARY}] S3 replication failures (published in the source region)": {
        ("AWS/S3", "OperationsFailedReplication", S3_DIMS)
    },
    f"[{SECONDARY}] S3 replication latency and backlog (published in the destination region)": {
        ("AWS/S3", "ReplicationLatency", S3_DIMS),
        ("AWS/S3", "OperationsPendingReplication", S3_DIMS),
    },
    f"[{PRIMARY}] DynamoDB replication latency ms to {SECONDARY}": {
        (
            "AWS/DynamoDB",
            "ReplicationLatency",
            (("TableName", TABLE), ("ReceivingRegion", SECONDARY)),
        )
    },
    f"[{SECONDARY}] DynamoDB replication latency ms to {PRIMARY}": {
        ("AWS/DynamoDB", "ReplicationLatency", (("TableName", TABLE), ("ReceivingRegion", PRIMARY)))
    },
    f"[{PRIMARY}] Route 53 health checks (1 healthy, 0 failing)": {
        ("AWS/Route53", "HealthCheckStatus", (("HealthCheckId", HEALTH_CHECK),)),
        ("AWS/Route53", "HealthCheckStatus", (("HealthCheckId", SECONDARY_HEALTH_CHECK),)),
    },
}


def test_exactly_the_expected_widgets(body: DashboardBody) -> None:
    assert sorted(by_title(body)) == sorted(EXPECTED)
    assert len(body["widgets"]) == len(EXPECTED)


@pytest.mark.parametrize("title", sorted(EXPECTED))
def test_widget_metrics(body: DashboardBody, title: str) -> None:
    assert metrics_of(by_title(body)[title]) == EXPECTED[title]


def test_the_two_regions_are_side_by_side(body: DashboardBody) -> None:
    widgets = by_title(body)
    for what in ("Aurora CPU and capacity", "Lambda duration", "API latency ms"):
        left, right = widgets[f"[{PRIMARY}] {what}"], widgets[f"[{SECONDARY}] {what}"]
        assert (left["x"], right["x"]) == (0, 12)
        assert left["y"] == right["y"]
    failures = widgets[f"[{PRIMARY}] S3 replication failures (published in the source region)"]
    latency = widgets[
        f"[{SECONDARY}] S3 replication latency and backlog (published in the destination region)"
    ]
    assert failures["y"] == latency["y"]


def options(line: MetricLine) -> dict[str, Any]:
    last = line[-1]
    return dict(last) if isinstance(last, dict) else {}


def test_percentiles_and_axes(body: DashboardBody) -> None:
    widgets = by_title(body)
    latency = widgets[f"[{SECONDARY}] API latency ms"]["properties"]["metrics"]
    assert [options(line)["stat"] for line in latency] == ["p50", "p99"]
    capacity = widgets[f"[{PRIMARY}] Aurora CPU and capacity"]["properties"]["metrics"]
    assert options(capacity[2]) == {"label": "ACUs", "yAxis": "right"}


def test_sections_without_resources_are_left_out() -> None:
    body = build_dashboard_body(RegionView(PRIMARY), RegionView(SECONDARY))
    assert body == {"widgets": []}


@dataclass
class Built:
    synth: Synth
    dashboard: DrDashboard


@pytest.fixture(scope="module")
def built() -> Built:
    made: list[DrDashboard] = []

    def build(stack: TerraformStack) -> None:
        # A resource whose name stands in for a cross-stack reference.
        stand_in = SnsTopic(stack, "stand-in", name="stand-in")
        made.append(
            DrDashboard(
                stack,
                "dashboard",
                DrDashboardProps(
                    namer=Namer("test"),
                    primary=RegionView(PRIMARY, PRIMARY_CLUSTER, {"api": stand_in.name}, API),
                    secondary=SECONDARY_VIEW,
                    session_table_name=TABLE,
                    s3_replication=RULE,
                    health_check_id=HEALTH_CHECK,
                    provider=secondary_provider(stack),
                ),
            )
        )

    return Built(synth_stack(build, region=PRIMARY), made[0])


def test_dashboard_is_managed_through_the_secondary_region(built: Built) -> None:
    dashboard = built.synth.only("aws_cloudwatch_dashboard")
    assert dashboard["provider"] == SECONDARY_PROVIDER
    assert dashboard["dashboard_name"] == "payment-processing-dr-test"


def test_body_is_a_terraform_jsonencode_expression(built: Built) -> None:
    body = built.synth.only("aws_cloudwatch_dashboard")["dashboard_body"]
    assert body.startswith("${jsonencode({")
    assert body.endswith("})}")
    # The reference is an HCL expression inside jsonencode, not text inside a JSON string.
    name = address(built.synth, "aws_sns_topic", "stand-in")
    assert f'"FunctionName", {name}.name, ' in body
    assert "TfToken" not in body
    assert f'"region" = "{SECONDARY}"' in body


def test_construct_keeps_the_structure_it_encoded(built: Built) -> None:
    dashboard = built.dashboard
    first = dashboard.body["widgets"][0]["properties"]
    assert first["region"] == PRIMARY
    lambda_lines = by_title(dashboard.body)[f"[{PRIMARY}] Lambda duration"]["properties"]["metrics"]
    assert str(lambda_lines[0][3]).startswith("${TfToken[")
    assert dashboard.dashboard_name == "payment-processing-dr-test"
    assert dashboard.console_url == (
        "https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2"
        "#dashboards/dashboard/payment-processing-dr-test"
    )


def dashboard_props(**overrides: Any) -> DrDashboardProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "primary": PRIMARY_VIEW,
        "secondary": SECONDARY_VIEW,
        "session_table_name": TABLE,
        "s3_replication": RULE,
        "health_check_id": HEALTH_CHECK,
    }
    values.update(overrides)
    return DrDashboardProps(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"primary": RegionView("nowhere")}, "primary.region"),
        ({"secondary": RegionView(PRIMARY)}, "secondary.region"),
        ({"primary": RegionView(PRIMARY, "bad--cluster")}, "primary.aurora_cluster_identifier"),
        (
            {"secondary": RegionView(SECONDARY, function_names={"Api": "x"})},
            "secondary.function_names",
        ),
        (
            {"secondary": RegionView(SECONDARY, function_names={"api": 'a"b'})},
            "secondary.function_names.api",
        ),
        ({"primary": RegionView(PRIMARY, api=ApiStage(API_NAME, ""))}, "primary.api.stage_name"),
        ({"session_table_name": "a"}, "session_table_name"),
        (
            {"s3_replication": S3ReplicationRule(SOURCE_BUCKET, "B", RULE_ID)},
            "s3_replication.destination_bucket",
        ),
        ({"health_check_id": "x"}, "health_check_id"),
        ({"secondary_health_check_id": "x"}, "secondary_health_check_id"),
    ],
)
def test_bad_dashboard_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        dashboard_props(**overrides).validate()
    assert error.value.field == field
