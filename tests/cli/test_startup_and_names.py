"""The CLI starts without CDKTF or boto3, and its resource names follow the naming rules."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from dr_app.cli.names import ResourceNames
from payment_dr_core import EnvironmentConfig
from payment_dr_core.config import SUFFIX_MAX_LENGTH

HEAVY = (
    "cdktf",
    "constructs",
    "jsii",
    "cdktf_cdktf_provider_aws",
    "boto3",
    "botocore",
    "payment_dr_network",
    "payment_dr_data",
    "payment_dr_compute",
    "payment_dr_edge",
    "payment_dr_observability",
)


def test_cli_imports_no_cdktf_nor_boto3_and_starts_fast() -> None:
    probe = (
        "import sys, dr_app.cli.main\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]\n"
        "print(','.join(heavy))\n"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    assert result.stdout.strip() == ""
    assert elapsed < 5.0


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dr_app.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("status", "switchover", "failover", "failback", "drill", "rto-budget"):
        assert command in result.stdout


def test_names_come_from_the_catalogue_and_namer() -> None:
    names = ResourceNames.for_environment(EnvironmentConfig(suffix="dev"), "us-east-1", "us-east-2")

    assert names.global_cluster == "payment-processing-aurora-global-dev"
    assert names.primary_cluster == "payment-processing-aurora-use1-dev"
    assert names.secondary_cluster == "payment-processing-aurora-use2-dev"
    assert names.decision_table == "payment-processing-failover-decisions-dev"
    assert names.switch_parameter == "/payment-processing-auto-failover-enabled-dev"
    assert names.health_check_tags == (
        "payment-processing-api-health-primary-dev",
        "payment-processing-api-health-secondary-dev",
    )
    assert names.primary_alarm == "payment-processing-api-primary-unhealthy-dev"
    assert names.api_domain == "api-dev.payments.example.com"
    assert names.alert_topic == "payment-processing-alerts-use2-dev"
    assert names.orchestrator_function == "payment-processing-failover-orchestrator-use2-dev"
    assert names.is_environment_alarm("payment-processing-api-5xx-use1-dev")
    assert not names.is_environment_alarm("payment-processing-api-5xx-use1-dev2")


@pytest.mark.parametrize(
    "regions", [("us-east-1", "us-east-2"), ("ap-southeast-1", "ap-northeast-2")]
)
def test_names_fit_aws_limits_for_the_longest_suffix(regions: tuple[str, str]) -> None:
    suffix = "a" * SUFFIX_MAX_LENGTH
    names = ResourceNames.for_environment(EnvironmentConfig(suffix=suffix), *regions)
    assert len(names.orchestrator_function) <= 64
    assert names.decision_table.endswith(suffix)
