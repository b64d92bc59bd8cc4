"""The probe region: a validated third region for the vantage-point probe."""

from __future__ import annotations

import pytest

from payment_dr_core import ConfigError, EnvironmentConfig, RegionPair, StateBackendConfig, names
from payment_dr_core.config import config_from_mapping


def test_default_is_us_west_2() -> None:
    assert EnvironmentConfig().probe_region == "us-west-2"


def test_from_a_file_table() -> None:
    assert config_from_mapping("stg", {"probe_region": "ca-central-1"}).probe_region == (
        "ca-central-1"
    )


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("us-east-1", "a third region, neither the primary (us-east-1) nor the secondary"),
        ("us-east-2", "a third region, neither the primary (us-east-1) nor the secondary"),
        ("uswest2", "an AWS region name such as us-east-1"),
        ("", "an AWS region name such as us-east-1"),
    ],
)
def test_refused(value: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EnvironmentConfig(probe_region=value)
    assert caught.value.field == "probe_region"
    assert caught.value.value == value
    assert caught.value.allowed.startswith(allowed)


def test_refused_when_it_is_a_moved_region_pairs_secondary() -> None:
    with pytest.raises(ConfigError) as caught:
        EnvironmentConfig(
            regions=RegionPair(primary="us-east-1", secondary="us-west-2"),
            secondary_az_ids=("usw2-az1", "usw2-az2"),
            state=StateBackendConfig(region="eu-west-1"),
        )
    assert caught.value.field == "probe_region"


def test_probe_names_are_built_in_the_probe_region() -> None:
    namer = EnvironmentConfig(suffix="dev").namer
    assert namer.of(names.PROBE_FUNCTION, region="us-west-2") == (
        "payment-processing-primary-probe-usw2-dev"
    )
    assert namer.of(names.PROBE_ALARM, region="us-west-2") == (
        "payment-processing-primary-no-response-usw2-dev"
    )
    assert namer.of(names.PROBE_SCHEDULE, region="ca-central-1") == (
        "payment-processing-primary-probe-cac1-dev"
    )
