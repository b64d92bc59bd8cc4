"""The ``gameday_experiments`` switch: on outside production, off in production unless set."""

from __future__ import annotations

import dataclasses

import pytest

from payment_dr_core import ConfigError, EnvironmentConfig, StateBackendConfig, names
from payment_dr_core.config import config_from_mapping

PRODUCTION = {
    "production": True,
    "alert_email": "oncall@acme-corp.io",
    "hosted_zone_name": "payments.acme-corp.io",
    "state": StateBackendConfig(bucket="acme-terraform-state"),
}


def test_default_environment_has_the_experiments() -> None:
    config = EnvironmentConfig()
    assert config.gameday_experiments is None
    assert config.gameday_experiments_enabled is True


def test_production_has_none_by_default() -> None:
    assert EnvironmentConfig(**PRODUCTION).gameday_experiments_enabled is False  # type: ignore[arg-type]


def test_production_opts_in_explicitly() -> None:
    config = EnvironmentConfig(**PRODUCTION, gameday_experiments=True)  # type: ignore[arg-type]
    assert config.gameday_experiments_enabled is True


def test_false_turns_them_off_anywhere() -> None:
    config = config_from_mapping("dev", {"gameday_experiments": False})
    assert config.gameday_experiments_enabled is False


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_a_non_boolean_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping("dev", {"gameday_experiments": value})
    assert caught.value.field == "gameday_experiments"
    assert "true or false" in str(caught.value)


def test_names_fit_at_the_longest_suffix() -> None:
    config = dataclasses.replace(EnvironmentConfig(), suffix="a" * 16)
    role = config.namer.of(names.GAMEDAY_FIS_ROLE, region="us-east-2")
    assert role.endswith("-gameday-fis-use2-" + "a" * 16)
    assert len(role) <= 64
    for spec in names.GAMEDAY_NAMES:
        assert spec in names.ALL
