"""Every props validation rule of the edge constructs, each with a bad value (no synth)."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.provider import AwsProvider

from edge_testing import (
    ACCOUNT,
    DOMAIN,
    PRIMARY,
    PRIMARY_FUNCTION,
    PRIMARY_HOST,
    PRIMARY_TARGET,
    SECONDARY,
    SECONDARY_KEY,
    TOPIC,
    api_props,
    invoke_arn,
    region_provider,
    routing_props,
    throwaway_stack,
)
from payment_dr_core import ConfigError
from payment_dr_edge import HostedZoneProps, RegionalApi


class Providers:
    """AWS providers for each region in a throwaway stack (never synthesized)."""

    def __init__(self) -> None:
        self.stack = throwaway_stack("props")
        self.by_region = {
            region: region_provider(self.stack, region) for region in (PRIMARY, SECONDARY)
        }

    def __getitem__(self, region: str) -> AwsProvider:
        return self.by_region[region]


@pytest.fixture(scope="module")
def providers() -> Providers:
    return Providers()


def token() -> str:
    """An unresolved reference, like a cross-stack value."""
    return Token.as_string(Fn.lower("X"))


OTHER_REGION_FUNCTION = f"arn:aws:lambda:{SECONDARY}:{ACCOUNT}:function:{PRIMARY_FUNCTION}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "nowhere"}, "region"),
        ({"kms_key_arn": SECONDARY_KEY}, "kms_key_arn"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
        ({"function_name": "bad name!"}, "function_name"),
        ({"function_name": OTHER_REGION_FUNCTION}, "function_name"),
        ({"function_invoke_arn": invoke_arn(SECONDARY, PRIMARY_FUNCTION)}, "function_invoke_arn"),
        ({"function_invoke_arn": OTHER_REGION_FUNCTION}, "function_invoke_arn"),
        ({"domain_name": "API.Example.com"}, "domain_name"),
        ({"domain_name": "*.example.com"}, "domain_name"),
        ({"domain_name": "api.example.com."}, "domain_name"),
        ({"domain_name": "localhost"}, "domain_name"),
        ({"hosted_zone_id": "example.com"}, "hosted_zone_id"),
        ({"shared_validation_record_fqdn": DOMAIN}, "shared_validation_record_fqdn"),
        ({"stage_name": "v 1"}, "stage_name"),
        ({"stage_name": ""}, "stage_name"),
        ({"log_retention_days": 2}, "log_retention_days"),
        ({"log_retention_days": True}, "log_retention_days"),
        ({"throttling_rate_limit": 0}, "throttling_rate_limit"),
        ({"throttling_rate_limit": 10_001}, "throttling_rate_limit"),
        ({"throttling_rate_limit": True}, "throttling_rate_limit"),
        ({"throttling_burst_limit": 0}, "throttling_burst_limit"),
        ({"throttling_burst_limit": 5001}, "throttling_burst_limit"),
        ({"throttling_burst_limit": 1.5}, "throttling_burst_limit"),
        ({"execution_logging_level": "DEBUG"}, "execution_logging_level"),
        ({"authorization": "COGNITO_USER_POOLS"}, "authorization"),
        ({"waf_enabled": "yes"}, "waf_enabled"),
        ({"waf_rate_limit": 99}, "waf_rate_limit"),
        ({"waf_rate_limit": 2_000_000_001}, "waf_rate_limit"),
        ({"manage_account_logging_role": 1}, "manage_account_logging_role"),
    ],
)
def test_bad_api_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        api_props(**overrides).validate()
    assert error.value.field == field


def test_api_refuses_a_provider_of_another_region(providers: Providers) -> None:
    with pytest.raises(ConfigError) as error:
        api_props(provider=providers[SECONDARY]).validate()
    assert error.value.field == "provider"
    assert error.value.value == SECONDARY
    api_props(provider=providers[PRIMARY]).validate()


def test_api_validates_before_creating_anything(providers: Providers) -> None:
    with pytest.raises(ConfigError):
        RegionalApi(providers.stack, "bad", api_props(stage_name="bad stage"))
    assert providers.stack.node.try_find_child("bad") is None


def test_api_accepts_references(providers: Providers) -> None:
    api_props(
        kms_key_arn=token(),
        function_name=token(),
        function_invoke_arn=token(),
        domain_name=token(),
        hosted_zone_id=token(),
        shared_validation_record_fqdn=token(),
        provider=providers[PRIMARY],
    ).validate()


ROUTING_CASES: list[tuple[dict[str, Any], str]] = [
    ({"domain_name": "Api.Example.com"}, "domain_name"),
    ({"hosted_zone_id": "zone-1"}, "hosted_zone_id"),
    ({"primary_regional_domain_name": DOMAIN}, "primary_regional_domain_name"),
    ({"secondary_regional_domain_name": "example.org"}, "secondary_regional_domain_name"),
    ({"primary_regional_zone_id": "z1"}, "primary_regional_zone_id"),
    ({"secondary_regional_zone_id": ""}, "secondary_regional_zone_id"),
    ({"primary_health_check_fqdn": DOMAIN}, "primary_health_check_fqdn"),
    ({"primary_health_check_fqdn": PRIMARY_TARGET}, "primary_health_check_fqdn"),
    ({"secondary_health_check_fqdn": None}, "secondary_health_check_fqdn"),
    ({"secondary_health_check_fqdn": PRIMARY_HOST}, "secondary_health_check_fqdn"),
    ({"secondary_health_check_fqdn": DOMAIN}, "secondary_health_check_fqdn"),
    ({"secondary_health_check_enabled": "no"}, "secondary_health_check_enabled"),
    ({"health_check_path": "health"}, "health_check_path"),
    ({"health_check_path": "/health?x=1"}, "health_check_path"),
    ({"request_interval": 15}, "request_interval"),
    ({"failure_threshold": 0}, "failure_threshold"),
    ({"failure_threshold": 11}, "failure_threshold"),
    ({"checker_regions": ("us-east-1", "us-west-2")}, "checker_regions"),
    ({"checker_regions": ("us-east-1", "us-east-1", "us-west-2")}, "checker_regions"),
    ({"checker_regions": ["us-east-1", "us-west-2", "eu-west-1"]}, "checker_regions"),
    ({"checker_regions": ("us-east-1", "us-west-2", "eu-central-1")}, "checker_regions"),
    ({"measure_latency": "no"}, "measure_latency"),
    ({"alarm_provider": None}, "alarm_provider"),
    ({"alarm_topic_arns": (TOPIC.replace(PRIMARY, SECONDARY),)}, "alarm_topic_arns"),
    ({"alarm_topic_arns": (TOPIC,) * 6}, "alarm_topic_arns"),
    ({"alarm_topic_arns": [TOPIC]}, "alarm_topic_arns"),
]


@pytest.mark.parametrize(("overrides", "field"), ROUTING_CASES)
def test_bad_routing_props(providers: Providers, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        routing_props(providers[PRIMARY], **overrides).validate()
    assert error.value.field == field


def test_us_east_2_is_refused_as_a_checker_region(providers: Providers) -> None:
    with pytest.raises(ConfigError) as error:
        routing_props(
            providers[PRIMARY], checker_regions=("us-east-1", "us-east-2", "us-west-2")
        ).validate()
    assert error.value.field == "checker_regions"
    assert error.value.value == "us-east-2"
    assert "us-east-2 has no health checkers" in error.value.allowed


def test_alarm_provider_must_be_us_east_1(providers: Providers) -> None:
    with pytest.raises(ConfigError) as error:
        routing_props(providers[SECONDARY]).validate()
    assert error.value.field == "alarm_provider"
    assert error.value.value == SECONDARY


def test_secondary_check_may_be_switched_off_without_a_host(providers: Providers) -> None:
    routing_props(
        providers[PRIMARY], secondary_health_check_enabled=False, secondary_health_check_fqdn=None
    ).validate()


def test_routing_accepts_references(providers: Providers) -> None:
    routing_props(
        providers[PRIMARY],
        hosted_zone_id=token(),
        primary_regional_domain_name=token(),
        primary_regional_zone_id=token(),
        secondary_regional_domain_name=token(),
        secondary_regional_zone_id=token(),
        primary_health_check_fqdn=token(),
        secondary_health_check_fqdn=token(),
        alarm_topic_arns=(token(),),
    ).validate()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"zone_name": "Example.COM"}, "zone_name"),
        ({"zone_name": ""}, "zone_name"),
        ({"create_zone": "yes"}, "create_zone"),
    ],
)
def test_bad_zone_props(overrides: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"zone_name": "example.com"}
    values.update(overrides)
    with pytest.raises(ConfigError) as error:
        HostedZoneProps(**values).validate()
    assert error.value.field == field
