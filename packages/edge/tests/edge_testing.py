"""Helpers of the edge construct tests: one stack synthesized and queried, values and prop
builders.
"""

from __future__ import annotations

from typing import Any

from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

from payment_dr_core import Namer
from payment_dr_core.testing import Synth
from payment_dr_edge import FailoverRoutingProps, RegionalApiProps

PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
ACCOUNT = "111111111111"
DOMAIN = "api.example.com"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
PRIMARY_KEY = f"arn:aws:kms:{PRIMARY}:{ACCOUNT}:key/11111111-1111-1111-1111-111111111111"
SECONDARY_KEY = f"arn:aws:kms:{SECONDARY}:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
PRIMARY_FUNCTION = "payment-processing-payment-api-use1-test"
SECONDARY_FUNCTION = "payment-processing-payment-api-use2-test"
PRIMARY_TARGET = "d-aaaa1111.execute-api.us-east-1.amazonaws.com"
SECONDARY_TARGET = "d-bbbb2222.execute-api.us-east-2.amazonaws.com"
PRIMARY_TARGET_ZONE = "Z1UJRXOUMOOFQ8"
SECONDARY_TARGET_ZONE = "ZOJJZC49E0EPZ"
PRIMARY_HOST = "api-use1-test.example.com"
SECONDARY_HOST = "api-use2-test.example.com"
PRIMARY_AUTHORIZER = "payment-processing-payment-auth-use1-test"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:payment-processing-alerts-use1-test"
SHARED_VALIDATION_FQDN = "_0123456789abcdef0123456789abcdef.api.example.com"


def invoke_arn(region: str, function: str) -> str:
    """The API Gateway invoke ARN of a Lambda function."""
    return (
        f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function}/invocations"
    )


def api_props(**overrides: Any) -> RegionalApiProps:
    """Props of a primary-region API; ``overrides`` replace single fields."""
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": PRIMARY,
        "kms_key_arn": PRIMARY_KEY,
        "function_name": PRIMARY_FUNCTION,
        "function_invoke_arn": invoke_arn(PRIMARY, PRIMARY_FUNCTION),
        "domain_name": DOMAIN,
        "direct_domain_name": PRIMARY_HOST,
        "hosted_zone_id": ZONE_ID,
        "authorizer_function_name": PRIMARY_AUTHORIZER,
        "authorizer_invoke_arn": invoke_arn(PRIMARY, PRIMARY_AUTHORIZER),
    }
    values.update(overrides)
    return RegionalApiProps(**values)


def routing_props(us_east_1: AwsProvider, /, **overrides: Any) -> FailoverRoutingProps:
    """Props of the failover routing (alarm in ``us_east_1``); ``overrides`` replace fields."""
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "domain_name": DOMAIN,
        "hosted_zone_id": ZONE_ID,
        "primary_regional_domain_name": PRIMARY_TARGET,
        "primary_regional_zone_id": PRIMARY_TARGET_ZONE,
        "secondary_regional_domain_name": SECONDARY_TARGET,
        "secondary_regional_zone_id": SECONDARY_TARGET_ZONE,
        "primary_health_check_fqdn": PRIMARY_HOST,
        "secondary_health_check_fqdn": SECONDARY_HOST,
        "alarm_provider": us_east_1,
    }
    values.update(overrides)
    return FailoverRoutingProps(**values)


def region_provider(stack: TerraformStack, region: str) -> AwsProvider:
    """An aliased provider for ``region`` (alias: the region with underscores)."""
    alias = region.replace("-", "_")
    return AwsProvider(stack, f"aws-{region}", alias=alias, region=region)


def provider_reference(region: str) -> str:
    """How a resource names the aliased provider of ``region`` in the JSON."""
    return f"aws.{region.replace('-', '_')}"


def of_construct(synth: Synth, kind: str, prefix: str) -> list[dict[str, Any]]:
    """Resources of ``kind`` whose logical name starts with ``prefix`` (a construct ID)."""
    return [body for name, body in synth.resources(kind).items() if name.startswith(prefix)]


def throwaway_stack(name: str) -> TerraformStack:
    """A stack that is never synthesized, for constructing providers and constructs."""
    return TerraformStack(Testing.app(), name)
