from __future__ import annotations

import pytest

from payment_dr_core import ConfigError, Namer, NameSpec, ResourceKind, names, region_code


def test_name_pattern() -> None:
    namer = Namer("dev")
    assert namer.name(ResourceKind.LAMBDA_FUNCTION, "api") == "payment-processing-api-dev"
    assert (
        namer.name(ResourceKind.S3_BUCKET, "artifacts", region="us-east-2")
        == "payment-processing-artifacts-use2-dev"
    )
    assert namer.name(ResourceKind.KMS_ALIAS, "key") == "alias/payment-processing-key-dev"
    assert (
        namer.name(ResourceKind.LOG_GROUP, "api", path="/aws/lambda/")
        == "/aws/lambda/payment-processing-api-dev"
    )


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("us-east-1", "use1"),
        ("us-east-2", "use2"),
        ("us-west-2", "usw2"),
        ("eu-central-1", "euc1"),
        ("ap-southeast-2", "apse2"),
        ("ap-south-1", "aps1"),
        ("us-gov-west-1", "usgw1"),
    ],
)
def test_region_codes_are_short_and_distinct(region: str, code: str) -> None:
    assert region_code(region) == code


@pytest.mark.parametrize("region", ["mars-1", "us-east", "us-middle-1"])
def test_bad_region_for_a_code(region: str) -> None:
    with pytest.raises(ConfigError):
        region_code(region)


@pytest.mark.parametrize(
    ("kind", "limit"),
    [
        (ResourceKind.S3_BUCKET, 63),
        (ResourceKind.RDS_CLUSTER, 63),
        (ResourceKind.RDS_INSTANCE, 63),
        (ResourceKind.RDS_GLOBAL_CLUSTER, 63),
        (ResourceKind.LAMBDA_FUNCTION, 64),
        (ResourceKind.IAM_ROLE, 64),
        (ResourceKind.IAM_POLICY, 128),
        (ResourceKind.EVENTBRIDGE_RULE, 64),
        (ResourceKind.WAF_WEB_ACL, 128),
    ],
)
def test_length_limit_per_kind(kind: ResourceKind, limit: int) -> None:
    fixed = len("payment-processing--dev")
    fits = "c" * (limit - fixed)
    assert len(Namer("dev").name(kind, fits)) == limit
    with pytest.raises(ConfigError) as error:
        Namer("dev").name(kind, fits + "c")
    assert kind.value.label in error.value.field
    assert str(limit) in error.value.allowed


def test_rds_names_refuse_double_hyphen_and_digit_start() -> None:
    with pytest.raises(ConfigError, match="without '--'"):
        ResourceKind.RDS_CLUSTER.value.check("payment--x")
    with pytest.raises(ConfigError):
        ResourceKind.RDS_CLUSTER.value.check("1payment")
    with pytest.raises(ConfigError):
        ResourceKind.RDS_CLUSTER.value.check("payment-")


def test_s3_names_are_lowercase_only() -> None:
    with pytest.raises(ConfigError):
        ResourceKind.S3_BUCKET.value.check("Payment-bucket")
    with pytest.raises(ConfigError):
        ResourceKind.S3_BUCKET.value.check("ab")


def test_security_group_names_may_not_start_with_sg() -> None:
    with pytest.raises(ConfigError):
        ResourceKind.SECURITY_GROUP.value.check("sg-payment")


@pytest.mark.parametrize("component", ["", "API", "-api", "api-", "a--b", "1api", "a_b"])
def test_bad_components(component: str) -> None:
    with pytest.raises(ConfigError) as error:
        Namer("dev").name(ResourceKind.LAMBDA_FUNCTION, component)
    assert error.value.field == "name component"


def test_regional_spec_needs_a_region() -> None:
    spec = NameSpec(ResourceKind.S3_BUCKET, "logs", regional=True)
    with pytest.raises(ConfigError):
        Namer("dev").of(spec)
    assert Namer("dev").of(spec, region="us-east-1") == "payment-processing-logs-use1-dev"


def test_every_catalogued_name_contains_project_and_suffix() -> None:
    namer = Namer("zz9")
    for spec in names.ALL:
        name = namer.of(spec, region="us-east-2")
        assert "payment-processing-" in name
        assert name.endswith("-zz9")


def test_catalogue_has_no_duplicate_names() -> None:
    namer = Namer("dev")
    built = [(spec.kind, namer.of(spec, region="us-east-1")) for spec in names.ALL]
    assert len(built) == len(set(built))


def test_the_readiness_names_fit_their_limits_with_the_longest_suffix_and_prefix() -> None:
    suffix = "abcdefghij-lmnop"  # 16 characters, the longest suffix
    function = Namer(suffix).of(names.READINESS_FUNCTION, region="us-east-2")
    assert function == "payment-processing-readiness-use2-abcdefghij-lmnop"
    assert len(function) == 50  # Lambda function and IAM role names: 64
    namer = Namer(suffix, "p" * 24)  # the longest name_prefix
    for spec in (names.READINESS_FUNCTION, names.READINESS_SCHEDULE):
        assert len(namer.of(spec, region="us-east-2")) == 56
    assert namer.name(ResourceKind.IAM_ROLE, "readiness", region="us-east-2") == (
        f"{'p' * 24}-readiness-use2-{suffix}"
    )
    assert Namer("dev").of(names.READINESS_ALARM, region="us-east-2") == (
        "payment-processing-dr-not-ready-use2-dev"
    )
