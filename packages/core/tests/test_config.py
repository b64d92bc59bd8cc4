from __future__ import annotations

from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from payment_dr_core import (
    ConfigError,
    DataProtection,
    EnvironmentConfig,
    RegionPair,
    RegionRole,
    ResourceKind,
    StateBackendConfig,
    TomlSyntaxError,
    config_from_mapping,
    load_config,
    names,
    standard_tags,
)


def test_defaults_make_a_valid_dev_environment() -> None:
    config = load_config(environ={}, environments_dir=None)
    assert config.suffix == "dev"
    assert (config.regions.primary, config.regions.secondary) == ("us-east-1", "us-east-2")
    assert (config.primary_cidr, config.secondary_cidr) == ("10.0.0.0/16", "10.1.0.0/16")
    assert config.state.kind == "s3"
    assert config.state.region not in ("us-east-1",)
    assert config.state_bucket == "payment-processing-tfstate-dev"
    assert (
        config.state_key("payment-dr-dev-primary")
        == "payment-dr/dev/payment-dr-dev-primary.tfstate"
    )


def test_the_default_endpoints_reach_secrets_manager_and_the_rds_api() -> None:
    # The write fence calls DescribeGlobalClusters in its own region from private subnets
    # without NAT: the RDS API needs its interface endpoint.
    assert load_config(environ={}, environments_dir=None).interface_endpoints == (
        "secretsmanager",
        "rds",
    )


def test_config_is_frozen() -> None:
    config = EnvironmentConfig()
    with pytest.raises(FrozenInstanceError):
        config.suffix = "prod"  # type: ignore[misc]


def test_suffix_comes_from_the_environment_variable() -> None:
    config = load_config(environ={"ENVIRONMENT_SUFFIX": "pr42"})
    assert config.suffix == "pr42"
    assert config.stack_name(RegionRole.PRIMARY) == "payment-dr-pr42-primary"
    assert config.stack_name(RegionRole.SECONDARY) == "payment-dr-pr42-secondary"


def test_environment_file_overrides_defaults(tmp_path: Path) -> None:
    (tmp_path / "stage.toml").write_text(
        'primary_cidr = "10.20.0.0/16"\n'
        'secondary_cidr = "10.21.0.0/16"\n'
        'interface_endpoints = ["secretsmanager"]\n'
        "[state]\n"
        'bucket = "acme-tfstate-stage"\n'
        'region = "eu-west-1"\n',
        encoding="utf-8",
    )
    config = load_config(environ={"ENVIRONMENT_SUFFIX": "stage"}, environments_dir=tmp_path)
    assert config.primary_cidr == "10.20.0.0/16"
    assert config.interface_endpoints == ("secretsmanager",)
    assert config.state == StateBackendConfig(bucket="acme-tfstate-stage", region="eu-west-1")


def test_missing_environment_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(environ={"ENVIRONMENT_SUFFIX": "qa"}, environments_dir=tmp_path)
    assert config == EnvironmentConfig(suffix="qa")


def test_local_backend_switch(tmp_path: Path) -> None:
    config = load_config(environ={"PAYMENT_DR_BACKEND": "local"}, environments_dir=tmp_path)
    assert config.state.kind == "local"
    with pytest.raises(ConfigError) as error:
        load_config(environ={"PAYMENT_DR_BACKEND": "consul"})
    assert error.value.field == "PAYMENT_DR_BACKEND"


def test_unparsable_file_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "dev.toml").write_text("primary_cidr = ", encoding="utf-8")
    with pytest.raises(TomlSyntaxError) as error:
        load_config(environ={}, environments_dir=tmp_path)
    assert error.value.path == tmp_path / "dev.toml"
    assert str(error.value) == "invalid TOML: Invalid value (at end of document)"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"primary_cidrs": "10.0.0.0/16"}, "primary_cidrs"),
        ({"state": {"buckett": "x"}}, "state.buckett"),
        ({"regions": {"tertiary": "us-west-2"}}, "regions.tertiary"),
        ({"state": "bucket"}, "state"),
    ],
)
def test_unknown_keys_are_refused(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_from_mapping("dev", data)
    assert error.value.field == field


PROD: dict[str, Any] = {
    "production": True,
    "alert_email": "oncall@example.com",
    "hosted_zone_name": "payments.acme.io",
    "state": StateBackendConfig(bucket="acme-payment-dr-tfstate"),
}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"suffix": "Dev"}, "suffix"),
        ({"suffix": ""}, "suffix"),
        ({"suffix": "dev_1"}, "suffix"),
        ({"suffix": "-dev"}, "suffix"),
        ({"suffix": "dev-"}, "suffix"),
        ({"suffix": "a--b"}, "suffix"),
        ({"suffix": "1dev"}, "suffix"),
        ({"suffix": "a" * 17}, "suffix"),
        ({"primary_cidr": "10.0.0.0/33"}, "primary_cidr"),
        ({"primary_cidr": "10.0.0.1/16"}, "primary_cidr"),
        ({"primary_cidr": "10.0.0.0/12"}, "primary_cidr"),
        ({"primary_cidr": "8.8.0.0/16"}, "primary_cidr"),
        ({"secondary_cidr": "10.0.0.0/16"}, "secondary_cidr"),
        ({"secondary_cidr": "10.0.128.0/17"}, "secondary_cidr"),
        ({"secondary_cidr": "fd00::/64"}, "secondary_cidr"),
        ({"primary_az_ids": ("use1-az1",)}, "primary_az_ids"),
        ({"primary_az_ids": ("use1-az1", "use1-az1")}, "primary_az_ids"),
        ({"secondary_az_ids": ("use1-az1", "use1-az2")}, "secondary_az_ids"),
        ({"secondary_az_ids": ["use2-az1", "use2-az2"]}, "secondary_az_ids"),
        ({"regions": RegionPair(primary="us-west-2")}, "regions.primary"),
        ({"hosted_zone_name": "Payments.Example.com"}, "hosted_zone_name"),
        ({"hosted_zone_name": "example.com."}, "hosted_zone_name"),
        ({"domain_name": "api.other.org"}, "domain_name"),
        ({"domain_name": "api_x.payments.example.com"}, "domain_name"),
        ({"alert_email": "oncall"}, "alert_email"),
        ({"api_throttle_rate": 0}, "api_throttle_rate"),
        ({"api_throttle_burst": 5001}, "api_throttle_burst"),
        ({"replication_lag_alarm_seconds": 900}, "replication_lag_alarm_seconds"),
        ({"failover_consecutive_checks": 0}, "failover_consecutive_checks"),
        ({"orchestrator_schedule_minutes": 60}, "orchestrator_schedule_minutes"),
        ({"waf_enabled": "yes"}, "waf_enabled"),
        ({"production": 1}, "production"),
        ({"allow_destroy": "true"}, "allow_destroy"),
        ({"backup_retention_days": 0}, "backup_retention_days"),
        ({"backup_retention_days": 36}, "backup_retention_days"),
        ({"backup_retention_days": True}, "backup_retention_days"),
        ({**PROD, "backup_retention_days": 6}, "backup_retention_days"),
        ({**PROD, "backup_retention_days": 36}, "backup_retention_days"),
        ({"aurora_instances_per_cluster": -1}, "aurora_instances_per_cluster"),
        ({"aurora_instances_per_cluster": 17}, "aurora_instances_per_cluster"),
        ({**PROD, "aurora_instances_per_cluster": 1}, "aurora_instances_per_cluster"),
        ({"aurora_global_db_rpo_seconds": 19}, "aurora_global_db_rpo_seconds"),
        ({"aurora_global_db_rpo_seconds": 901}, "aurora_global_db_rpo_seconds"),
        ({"alert_https_url": "http://events.example.com/x"}, "alert_https_url"),
        ({"alert_https_url": "events.example.com"}, "alert_https_url"),
        ({"alert_https_url": "https://a b.example.com"}, "alert_https_url"),
        ({"production": True}, "alert_email"),
        ({"production": True, "alert_email": "oncall"}, "alert_email"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"log_retention_days": True}, "log_retention_days"),
        ({"interface_endpoints": ("ec2",)}, "interface_endpoints"),
        ({"interface_endpoints": ("ssm", "ssm")}, "interface_endpoints"),
        ({"owner": ""}, "owner"),
        ({"cost_center": "x" * 300}, "cost_center"),
        ({"data_classification": "a\nb"}, "data_classification"),
        ({"state": StateBackendConfig(region="us-east-1")}, "state.region"),
        ({"state": StateBackendConfig(region="nowhere")}, "state.region"),
        ({"state": StateBackendConfig(bucket="Bad_Bucket")}, "state.bucket"),
        ({"state": StateBackendConfig(bucket="ab")}, "state.bucket"),
        ({"state": StateBackendConfig(kind="consul")}, "state.kind"),  # type: ignore[arg-type]
        ({"state": StateBackendConfig(key_prefix="/abs")}, "state.key_prefix"),
    ],
)
def test_bad_config_names_the_field_and_value(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(**overrides)
    assert error.value.field == field
    assert field in str(error.value)
    assert "allowed:" in str(error.value)


def test_production_without_a_pager_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(production=True)
    assert str(error.value) == (
        "alert_email: got ''; allowed: an e-mail address, or alert_https_url set: a production "
        "environment must page a person (signals_unreadable, failover_failed and "
        "secondary_unhealthy reach no one otherwise)"
    )


def test_production_backup_floor_is_explained() -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(**PROD, backup_retention_days=3)
    assert str(error.value) == (
        "backup_retention_days: got 3; allowed: 7 to 35 days (production keeps at least a week)"
    )


def test_profiles() -> None:
    dev = EnvironmentConfig()
    assert (dev.backup_retention_days, dev.aurora_instance_count) == (7, 1)
    assert dev.data_protection == DataProtection(
        deletion_protection=False,
        final_snapshot=False,
        force_destroy=True,
        secret_recovery_window_days=0,
        keep_automated_backups=False,
    )
    assert dev.alert_endpoints == ()
    assert EnvironmentConfig(allow_destroy=True).data_protection == dev.data_protection

    prod = EnvironmentConfig(**PROD, alert_https_url="https://events.example.com/i/1")
    assert prod.aurora_instance_count == 2
    assert prod.data_protection == DataProtection(
        deletion_protection=True,
        final_snapshot=True,
        force_destroy=False,
        secret_recovery_window_days=30,
        keep_automated_backups=True,
    )
    assert prod.alert_endpoints == (
        ("email", "oncall@example.com"),
        ("https", "https://events.example.com/i/1"),
    )
    assert EnvironmentConfig(**PROD, aurora_instances_per_cluster=3).aurora_instance_count == 3
    assert EnvironmentConfig(aurora_instances_per_cluster=2).aurora_instance_count == 2


def test_allow_destroy_lifts_only_the_protections_that_block_destroy() -> None:
    protection = EnvironmentConfig(**PROD, allow_destroy=True).data_protection
    assert protection == DataProtection(
        deletion_protection=False,
        final_snapshot=True,
        force_destroy=True,
        secret_recovery_window_days=30,
        keep_automated_backups=True,
    )


def test_production_settings_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "prod.toml").write_text(
        'production = true\nalert_https_url = "https://events.example.com/x"\n'
        'hosted_zone_name = "payments.acme.io"\n'
        "backup_retention_days = 35\naurora_instances_per_cluster = 3\n"
        "aurora_global_db_rpo_seconds = 20\n"
        '[state]\nbucket = "acme-tfstate"\n'
    )
    config = load_config({"ENVIRONMENT_SUFFIX": "prod"}, tmp_path)
    assert (config.backup_retention_days, config.aurora_instance_count) == (35, 3)
    assert config.aurora_global_db_rpo_seconds == 20


def test_api_domain_defaults_inside_the_zone() -> None:
    assert EnvironmentConfig(suffix="qa").api_domain_name == "api-qa.payments.example.com"
    config = EnvironmentConfig(hosted_zone_name="pay.acme.io", domain_name="api.pay.acme.io")
    assert config.api_domain_name == "api.pay.acme.io"


def test_local_state_may_sit_in_the_primary_region() -> None:
    config = EnvironmentConfig(state=StateBackendConfig(kind="local", region="us-east-1"))
    assert config.state.kind == "local"


@pytest.mark.parametrize(
    ("primary", "secondary", "field"),
    [
        ("us-east-1", "us-east-1", "regions.secondary"),
        ("us-east", "us-east-2", "regions.primary"),
        ("us-east-1", "US-EAST-2", "regions.secondary"),
    ],
)
def test_region_pair_rules(primary: str, secondary: str, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        RegionPair(primary=primary, secondary=secondary)
    assert error.value.field == field


def test_region_roles() -> None:
    pair = RegionPair()
    assert pair.region_for(RegionRole.PRIMARY) == "us-east-1"
    assert pair.region_for(RegionRole.SECONDARY) == "us-east-2"
    assert RegionRole.PRIMARY.peer is RegionRole.SECONDARY
    assert RegionRole.SECONDARY.peer is RegionRole.PRIMARY


def test_longest_suffix_still_fits_every_generated_name() -> None:
    config = EnvironmentConfig(suffix="a" * 16)
    assert config.suffix == "a" * 16
    sixteen = EnvironmentConfig(suffix="a" * 16, aurora_instances_per_cluster=16)
    assert (
        sixteen.namer.name(ResourceKind.RDS_INSTANCE, "aurora-instance-16", region="us-east-2")
        == "payment-processing-aurora-instance-16-use2-" + "a" * 16
    )
    final = config.namer.of(names.AURORA_FINAL_SNAPSHOT, region="us-east-1")
    assert final == "payment-processing-aurora-final-use1-" + "a" * 16


def test_standard_tags() -> None:
    tags = standard_tags(EnvironmentConfig(suffix="prod"), RegionRole.SECONDARY)
    assert tags == {
        "Environment": "prod",
        "Project": "payment-processing",
        "Owner": "platform-engineering",
        "CostCenter": "payments",
        "DataClassification": "confidential",
        "ManagedBy": "cdktf",
        "RegionRole": "secondary",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"backup_retention_days": "7"},
            "backup_retention_days: got '7'; allowed: an integer (type error: got a string)",
        ),
        (
            {"backup_retention_days": 7.5},
            "backup_retention_days: got 7.5; allowed: an integer (type error: got a float)",
        ),
        (
            {"api_throttle_rate": True},
            "api_throttle_rate: got True; allowed: an integer (type error: got a boolean)",
        ),
        (
            {"waf_enabled": "yes"},
            "waf_enabled: got 'yes'; allowed: true or false (type error: got a string)",
        ),
        (
            {"interface_endpoints": "secretsmanager"},
            "interface_endpoints: got 'secretsmanager'; allowed: an array of strings "
            "(type error: got a string)",
        ),
        (
            {"state": {"bucket": 1}},
            "state.bucket: got 1; allowed: a string (type error: got an integer)",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_a_type_error_naming_the_key(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        config_from_mapping("dev", data)
    assert str(error.value) == message


@pytest.mark.parametrize("region", ["us-est-1", "us-east-9", "eu-middle-1"])
def test_an_unknown_region_is_refused_by_name(region: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_from_mapping("dev", {"regions": {"primary": "us-east-2", "secondary": region}})
    assert error.value.field == "regions.secondary"
    assert str(error.value).startswith(
        f"regions.secondary: got {region!r}; allowed: an existing AWS Region; "
        f"{region!r} is not one (known: af-south-1, ap-east-1,"
    )
