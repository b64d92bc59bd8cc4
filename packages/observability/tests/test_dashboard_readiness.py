"""DrDashboard's readiness widgets: the evaluator's overall Ready and one line per check, in
the secondary region's column."""

from __future__ import annotations

from typing import Any

import pytest

from observability_testing import PRIMARY, SECONDARY
from payment_dr_core import ConfigError, Namer
from payment_dr_observability import (
    DrDashboardProps,
    ReadinessMetrics,
    RegionView,
    build_dashboard_body,
)
from payment_dr_observability.dashboard_body import DashboardBody

CHECKS = ("global-cluster", "replication-lag", "alarms-reporting")
READINESS = ReadinessMetrics(region=SECONDARY, environment="test", checks=CHECKS)


@pytest.fixture(scope="module")
def body() -> DashboardBody:
    return build_dashboard_body(
        RegionView(PRIMARY, "payment-processing-aurora-use1-test"),
        RegionView(SECONDARY, "payment-processing-aurora-use2-test"),
        readiness=READINESS,
    )


def test_readiness_widgets_sit_in_the_secondary_column_below_the_rest(
    body: DashboardBody,
) -> None:
    *others, overall, checks = body["widgets"]
    for widget in (overall, checks):
        assert (widget["x"], widget["width"]) == (12, 12)
        assert widget["properties"]["region"] == SECONDARY
        assert widget["properties"]["period"] == 300
        assert widget["properties"]["stat"] == "Minimum"
    assert overall["y"] > max(widget["y"] for widget in others)
    assert checks["y"] == overall["y"] + 6
    assert overall["properties"]["title"] == (
        f"[{SECONDARY}] DR readiness (1 ready, 0 not ready; a gap: unknown or no evaluation)"
    )


def test_readiness_lines_are_the_metrics_the_evaluator_publishes(body: DashboardBody) -> None:
    overall, checks = body["widgets"][-2:]
    assert overall["properties"]["metrics"] == [
        ["PaymentDR/Readiness", "Ready", "Environment", "test", {"label": "ready"}]
    ]
    assert checks["properties"]["metrics"] == [
        [
            "PaymentDR/Readiness",
            "CheckPassed",
            "Environment",
            "test",
            "Check",
            check,
            {"label": check},
        ]
        for check in CHECKS
    ]


def props(**overrides: Any) -> DrDashboardProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "primary": RegionView(PRIMARY),
        "secondary": RegionView(SECONDARY),
        "readiness": READINESS,
    }
    values.update(overrides)
    return DrDashboardProps(**values)


@pytest.mark.parametrize(
    ("readiness", "field"),
    [
        (ReadinessMetrics(PRIMARY, "test", CHECKS), "readiness.region"),
        (ReadinessMetrics(SECONDARY, "test", ()), "readiness.checks"),
        (ReadinessMetrics(SECONDARY, "test", ('a"b',)), "readiness.checks"),
        (ReadinessMetrics(SECONDARY, "", CHECKS), "readiness.environment"),
    ],
)
def test_bad_readiness_props(readiness: ReadinessMetrics, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        props(readiness=readiness).validate()
    assert error.value.field == field
    props().validate()
