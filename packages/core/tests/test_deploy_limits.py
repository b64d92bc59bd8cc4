"""Limits AWS enforces at apply time, refused at config time instead: name prefix, name and
hostname lengths, the region pair and the partition."""

from __future__ import annotations

from typing import Any

import pytest

from payment_dr_core import (
    ConfigError,
    EnvironmentConfig,
    Namer,
    RegionPair,
    RegionRole,
    ResourceKind,
    StateBackendConfig,
    UnknownKeyError,
    config_from_mapping,
    names,
    standard_tags,
)

PRODUCTION: dict[str, Any] = {
    "production": True,
    "alert_email": "oncall@acme.io",
    "hosted_zone_name": "payments.acme.io",
    "state": StateBackendConfig(bucket="acme-payment-dr-tfstate"),
}
LONGEST_SUFFIX = "abcdefghij-lmnop"
"""16 characters: the longest suffix the config accepts."""


def test_the_longest_suffix_fits_every_name_with_the_default_prefix() -> None:
    config = EnvironmentConfig(suffix=LONGEST_SUFFIX)
    assert len(LONGEST_SUFFIX) == 16
    assert config.namer.of(names.AURORA_FAILOVER_SNAPSHOT_COPY) == (
        "payment-processing-failover-abcdefghij-lmnop"
    )
    assert config.namer.of(names.AURORA_INSTANCE, region="us-east-2") == (
        "payment-processing-aurora-instance-use2-abcdefghij-lmnop"
    )


def test_a_snapshot_copy_name_counts_the_time_appended_at_run_time() -> None:
    """CopyDBClusterSnapshot allows 63 characters; the plan appends ``-YYYYMMDDHHMMSS``."""
    rule = ResourceKind.RDS_CLUSTER_SNAPSHOT_COPY.value
    rule.check("a" * 48, tail=15)
    with pytest.raises(ConfigError) as error:
        rule.check("a" * 49, tail=15)
    assert error.value.allowed.endswith("this one has 49 + 15 appended at run time = 64")
    assert names.AURORA_FAILOVER_SNAPSHOT_COPY.tail == 15


def test_the_namer_refuses_a_copy_prefix_whose_copies_rds_would_refuse() -> None:
    fits = Namer("s" * 19, prefix="p" * 19)  # 19 + len("-failover-") + 19 = 48
    assert len(fits.of(names.AURORA_FAILOVER_SNAPSHOT_COPY)) == 48
    with pytest.raises(ConfigError) as error:
        Namer("s" * 20, prefix="p" * 19).of(names.AURORA_FAILOVER_SNAPSHOT_COPY)
    assert error.value.field == "name of RDS cluster snapshot copy"


def test_the_name_prefix_names_everything_and_the_state_bucket() -> None:
    config = EnvironmentConfig(suffix="dev", name_prefix="acme-pay")
    assert config.namer.of(names.DATA_BUCKET, region="us-east-1") == "acme-pay-data-use1-dev"
    assert config.namer.of(names.AURORA_FAILOVER_SNAPSHOT_COPY) == "acme-pay-failover-dev"
    assert config.state_bucket == "acme-pay-tfstate-dev"
    assert standard_tags(config, RegionRole.PRIMARY)["Project"] == "acme-pay"
    default = EnvironmentConfig(suffix="dev")
    assert default.namer.of(names.DATA_BUCKET, region="us-east-1") == (
        "payment-processing-data-use1-dev"
    )
    assert standard_tags(default, RegionRole.PRIMARY)["Project"] == "payment-processing"


def test_the_name_prefix_is_read_from_the_file() -> None:
    config = config_from_mapping("dev", {"name_prefix": "acme"})
    assert config.namer.of(names.SESSION_TABLE) == "acme-sessions-dev"


@pytest.mark.parametrize(
    "prefix", ["", "Acme", "acme-", "-acme", "ac--me", "1acme", "acme_pay", "a" * 25]
)
def test_a_bad_name_prefix_is_refused_by_name(prefix: str) -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(name_prefix=prefix)
    assert error.value.field == "name_prefix"
    assert "1-24 characters" in error.value.allowed


def test_a_prefix_too_long_for_some_name_names_the_prefix_and_the_name() -> None:
    # 24 + the longest suffix overflows the 63 characters of a snapshot copy with its time.
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(suffix=LONGEST_SUFFIX, name_prefix="a" * 24)
    assert error.value.field == "name_prefix"
    assert "with the suffix 'abcdefghij-lmnop'" in error.value.allowed


def test_a_suffix_too_long_with_the_default_prefix_names_the_suffix() -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(suffix="a" * 17)
    assert error.value.field == "suffix"


def _zone_of_length(total: int, suffix: str) -> str:
    """A hosted zone that makes ``api-use1-<suffix>.<zone>`` exactly ``total`` characters."""
    head = f"api-use1-{suffix}."
    label_room = total - len(head) - len(".io")
    return "z" * label_room + ".io"


def test_certificate_domain_names_of_64_characters_are_accepted() -> None:
    zone = _zone_of_length(64, "dev")
    config = EnvironmentConfig(suffix="dev", hosted_zone_name=zone)
    assert len(config.direct_api_domain_name(RegionRole.PRIMARY)) == 64


def test_a_certificate_domain_name_over_64_characters_is_refused() -> None:
    """ACM RequestCertificate: the domain name (Common Name) cannot exceed 64 octets."""
    zone = _zone_of_length(65, "dev")
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(suffix="dev", hosted_zone_name=zone)
    assert error.value.field == "hosted_zone_name"
    assert error.value.allowed == (
        "a name that keeps every certificate's domain name within 64 characters (ACM "
        f"RequestCertificate); api-use1-dev.{zone} has 65"
    )


def test_a_custom_domain_over_64_characters_is_refused_as_domain_name() -> None:
    zone = "payments.acme.io"
    domain = "x" * (65 - len(zone) - 1) + "." + zone
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(suffix="dev", hosted_zone_name=zone, domain_name=domain)
    assert error.value.field == "domain_name"
    assert error.value.allowed.endswith(f"{domain} has 65")


def test_the_primary_region_must_be_us_east_1() -> None:
    """Route 53 health-check metrics exist only in us-east-1, where the primary's alarm is."""
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(
            regions=RegionPair(primary="us-west-2", secondary="us-east-2"),
            primary_az_ids=("usw2-az1", "usw2-az2", "usw2-az3"),
            probe_region="eu-west-1",
        )
    assert error.value.field == "regions.primary"
    assert error.value.allowed.startswith("us-east-1: Route 53 publishes health-check metrics")


def test_another_secondary_region_is_accepted() -> None:
    config = EnvironmentConfig(
        regions=RegionPair(primary="us-east-1", secondary="us-west-2"),
        secondary_az_ids=("usw2-az1", "usw2-az2", "usw2-az3"),
        probe_region="us-east-2",
    )
    assert config.regions.secondary == "us-west-2"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: RegionPair(secondary="us-gov-west-1"), "regions.secondary"),
        (lambda: EnvironmentConfig(probe_region="us-gov-east-1"), "probe_region"),
        (
            lambda: EnvironmentConfig(state=StateBackendConfig(region="us-gov-west-1")),
            "state.region",
        ),
    ],
)
def test_govcloud_regions_are_refused(build: object, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        build()  # type: ignore[operator]
    assert error.value.field == field
    assert "GovCloud (aws-us-gov) is not supported" in error.value.allowed


def test_the_api_gateway_account_setting_is_opt_in() -> None:
    assert EnvironmentConfig().manage_api_gateway_account is False
    opted_in = config_from_mapping("dev", {"manage_api_gateway_account": True})
    assert opted_in.manage_api_gateway_account is True
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(manage_api_gateway_account=1)  # type: ignore[arg-type]
    assert error.value.field == "manage_api_gateway_account"


def test_production_protects_the_dynamodb_tables_unless_destroy_is_allowed() -> None:
    assert EnvironmentConfig().data_protection.deletion_protection is False
    production = EnvironmentConfig(**PRODUCTION)
    assert production.data_protection.deletion_protection is True
    leaving = EnvironmentConfig(**PRODUCTION, allow_destroy=True)
    assert leaving.data_protection.deletion_protection is False


@pytest.mark.parametrize(
    "zone",
    [
        "payments.example.com",
        "example.org",
        "pay.example.net",
        "payments.example",
        "pay.test",
        "x.invalid",
        "api.localhost",
    ],
)
def test_production_refuses_a_zone_reserved_for_examples(zone: str) -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(**{**PRODUCTION, "hosted_zone_name": zone})
    assert error.value.field == "hosted_zone_name"
    assert error.value.allowed.startswith("a zone you own: production refuses the names reserved")


def test_a_zone_that_only_looks_like_an_example_is_accepted() -> None:
    config = EnvironmentConfig(**{**PRODUCTION, "hosted_zone_name": "myexample.com"})
    assert config.hosted_zone_name == "myexample.com"
    assert EnvironmentConfig().hosted_zone_name == "payments.example.com"  # fine outside prod


def test_production_refuses_the_default_state_bucket() -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(**{**PRODUCTION, "state": StateBackendConfig()})
    assert error.value.field == "state.bucket"
    assert error.value.allowed == (
        "the name of the state bucket you created (docs/deployment.md, step 2): production "
        "does not fall back to the default payment-processing-tfstate-dev"
    )
    local = EnvironmentConfig(**{**PRODUCTION, "state": StateBackendConfig(kind="local")})
    assert local.state.kind == "local"


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        (
            {"alert_emial": "a@b.io"},
            "alert_emial",
            "alert_emial: unknown key (did you mean 'alert_email'?)",
        ),
        (
            {"state": {"bukcet": "b"}},
            "state.bukcet",
            "state.bukcet: unknown key (did you mean 'state.bucket'?)",
        ),
        ({"zzz": 1}, "zzz", "zzz: unknown key (see docs/configuration.md)"),
    ],
)
def test_an_unknown_key_is_named_unknown_with_a_suggestion(
    data: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(UnknownKeyError) as error:
        config_from_mapping("dev", data)
    assert error.value.field == field
    assert str(error.value) == text
