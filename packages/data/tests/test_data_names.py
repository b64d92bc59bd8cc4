from __future__ import annotations

from payment_dr_core import EnvironmentConfig, Namer, names


def test_every_data_name_is_in_the_catalogue_that_config_validation_builds() -> None:
    data = [
        names.KMS_KEY_ALIAS,
        names.AURORA_GLOBAL_CLUSTER,
        names.AURORA_CLUSTER,
        names.AURORA_INSTANCE,
        names.AURORA_PARAMETER_GROUP,
        names.AURORA_SUBNET_GROUP,
        names.AURORA_SECURITY_GROUP,
        names.AURORA_MONITORING_ROLE,
        names.AURORA_MASTER_SECRET,
        names.SESSION_TABLE,
        names.DATA_BUCKET,
        names.ACCESS_LOG_BUCKET,
        names.REPLICATION_ROLE,
        names.REPLICATION_POLICY,
    ]
    assert all(spec in names.ALL for spec in data)
    assert len(set(names.ALL)) == len(names.ALL)


def test_names_that_must_differ_per_region_do() -> None:
    namer = Namer("dev")
    for spec in (
        names.DATA_BUCKET,
        names.ACCESS_LOG_BUCKET,
        names.AURORA_MONITORING_ROLE,
        names.REPLICATION_ROLE,
    ):
        assert namer.of(spec, region="us-east-1") != namer.of(spec, region="us-east-2")
    # Global table and secret replica keep one name in both regions.
    assert not names.SESSION_TABLE.regional
    assert not names.AURORA_MASTER_SECRET.regional


def test_the_longest_suffix_fits_every_data_name() -> None:
    config = EnvironmentConfig(suffix="a" * 16)
    assert config.namer.of(names.AURORA_INSTANCE, region="us-east-2") == (
        "payment-processing-aurora-instance-use2-aaaaaaaaaaaaaaaa"
    )
