from __future__ import annotations

from payment_dr_core import EnvironmentConfig, Namer, names

OBSERVABILITY = [
    names.ALERT_TOPIC,
    names.DR_DASHBOARD,
    names.AURORA_REPLICATION_LAG_ALARM,
    names.AURORA_RPO_LAG_ALARM,
    names.S3_REPLICATION_LATENCY_ALARM,
    names.S3_REPLICATION_FAILED_ALARM,
    names.DYNAMODB_REPLICATION_LATENCY_ALARM,
    names.LAMBDA_ERRORS_ALARM,
    names.LAMBDA_THROTTLES_ALARM,
    names.API_5XX_ALARM,
    names.API_LATENCY_ALARM,
    names.HEALTH_CHECK_ALARM,
]


def test_every_observability_name_is_in_the_catalogue() -> None:
    assert all(spec in names.ALL for spec in OBSERVABILITY)
    assert len(set(names.ALL)) == len(names.ALL)


def test_topics_and_alarms_differ_per_region_and_the_dashboard_is_one() -> None:
    namer = Namer("dev")
    for spec in OBSERVABILITY:
        if spec is names.DR_DASHBOARD:
            assert not spec.regional
        else:
            assert namer.of(spec, region="us-east-1") != namer.of(spec, region="us-east-2")
    assert namer.of(names.DR_DASHBOARD) == "payment-processing-dr-dev"


def test_the_longest_suffix_fits_every_observability_name() -> None:
    config = EnvironmentConfig(suffix="a" * 16)
    assert config.namer.of(names.ALERT_TOPIC, region="us-east-2") == (
        "payment-processing-alerts-use2-aaaaaaaaaaaaaaaa"
    )
