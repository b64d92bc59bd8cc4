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


# --- gameday_lambda_faults: the api-errors game day, which changes the API function ----------

LAYER = "arn:aws:lambda:us-east-1:211125607513:layer:aws-fis-extension-x86_64:374"
FAULTS = {"gameday_lambda_faults": True, "gameday_fis_extension_layer_arn": LAYER}


def test_lambda_faults_are_off_by_default_everywhere() -> None:
    assert EnvironmentConfig().gameday_lambda_faults is False
    assert EnvironmentConfig().gameday_fis_extension_layer_arn == ""
    assert EnvironmentConfig(**PRODUCTION).gameday_lambda_faults is False  # type: ignore[arg-type]


def test_lambda_faults_with_the_layer_outside_production() -> None:
    config = config_from_mapping("dev", FAULTS)
    assert config.gameday_lambda_faults is True
    assert config.gameday_fis_extension_layer_arn == LAYER


def test_lambda_faults_need_the_layer() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping("dev", {"gameday_lambda_faults": True})
    assert caught.value.field == "gameday_fis_extension_layer_arn"
    assert "/aws/service/fis/lambda-extension/AWS-FIS-extension-x86_64/1.x.x" in str(caught.value)


@pytest.mark.parametrize(
    "layer",
    [
        LAYER.replace("us-east-1", "us-east-2"),  # another region's layer
        LAYER.replace("x86_64", "arm64"),  # not the functions' architecture
        LAYER.replace("aws-fis-extension", "my-layer"),
        LAYER.rsplit(":", 1)[0],  # no version
        LAYER.replace(":374", ":0"),
        "arn:aws:lambda:us-east-1:2111256075:layer:aws-fis-extension-x86_64:374",
    ],
)
def test_a_layer_arn_of_another_shape_is_refused(layer: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping("dev", {**FAULTS, "gameday_fis_extension_layer_arn": layer})
    assert caught.value.field == "gameday_fis_extension_layer_arn"
    assert "us-east-1 and x86_64" in str(caught.value)


def test_lambda_faults_are_refused_where_the_experiments_are_off() -> None:
    for settings in (
        {**PRODUCTION, **FAULTS},
        {**FAULTS, "gameday_experiments": False},
    ):
        with pytest.raises(ConfigError) as caught:
            EnvironmentConfig(**settings)  # type: ignore[arg-type]
        assert caught.value.field == "gameday_lambda_faults"
        assert "gameday_experiments = true" in str(caught.value)


def test_production_opts_in_to_lambda_faults_explicitly_twice() -> None:
    config = EnvironmentConfig(**PRODUCTION, **FAULTS, gameday_experiments=True)  # type: ignore[arg-type]
    assert config.gameday_lambda_faults is True


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_non_boolean_lambda_faults_is_refused(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping("dev", {**FAULTS, "gameday_lambda_faults": value})
    assert caught.value.field == "gameday_lambda_faults"
    with pytest.raises(ConfigError) as caught:  # built in code, past the TOML type check
        EnvironmentConfig(**{**FAULTS, "gameday_lambda_faults": value})  # type: ignore[arg-type]
    assert caught.value.field == "gameday_lambda_faults"
    assert "true or false" in str(caught.value)


def test_the_configuration_bucket_fits_at_the_longest_suffix() -> None:
    config = dataclasses.replace(EnvironmentConfig(), suffix="a" * 16)
    bucket = config.namer.of(names.GAMEDAY_FIS_CONFIG_BUCKET, region="us-east-1")
    assert bucket == "payment-processing-fis-config-use1-" + "a" * 16
    assert len(bucket) <= 63
    tag = config.namer.of(names.GAMEDAY_API_ERRORS_EXPERIMENT, region="us-east-1")
    assert tag == "payment-processing-gameday-api-errors-use1-" + "a" * 16
