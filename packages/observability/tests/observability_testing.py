"""Helpers of the observability tests: one stack synthesized and queried, the region pair,
keys, names.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from payment_dr_core.testing import Synth

PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
ACCOUNT = "111111111111"
PRIMARY_KEY = f"arn:aws:kms:{PRIMARY}:{ACCOUNT}:key/11111111-1111-1111-1111-111111111111"
SECONDARY_KEY = f"arn:aws:kms:{SECONDARY}:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
SECONDARY_PROVIDER = "aws.secondary"
"""How a resource created through :func:`secondary_provider` names its provider."""

PRIMARY_TOPIC = f"arn:aws:sns:{PRIMARY}:{ACCOUNT}:payment-processing-alerts-use1-test"
SECONDARY_TOPIC = f"arn:aws:sns:{SECONDARY}:{ACCOUNT}:payment-processing-alerts-use2-test"
ORCHESTRATOR = (
    f"arn:aws:lambda:{SECONDARY}:{ACCOUNT}:function:payment-processing-failover-use2-test"
)
HEALTH_CHECK = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SECONDARY_HEALTH_CHECK = "1f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SOURCE_BUCKET = "payment-processing-data-use1-test"
DESTINATION_BUCKET = "payment-processing-data-use2-test"
RULE_ID = "replicate-everything"
TABLE = "payment-processing-sessions-test"
API_NAME = "payment-processing-api-test"
STAGE = "v1"
PRIMARY_CLUSTER = "payment-processing-aurora-use1-test"
SECONDARY_CLUSTER = "payment-processing-aurora-use2-test"


def secondary_provider(stack: TerraformStack) -> AwsProvider:
    """An aliased provider for the secondary region; the stack's default is the primary."""
    return AwsProvider(stack, "aws-secondary", alias="secondary", region=SECONDARY)


def address(synth: Synth, kind: str, fragment: str) -> str:
    """``<kind>.<logical name>`` of the one ``kind`` whose logical name contains ``fragment``."""
    found = [name for name in synth.resources(kind) if fragment in name]
    assert len(found) == 1, f"expected one {kind} matching {fragment!r}, found {found}"
    return f"{kind}.{found[0]}"


def reference(synth: Synth, kind: str, fragment: str, attribute: str) -> str:
    """``${<kind>.<logical name>.<attribute>}`` of the one matching resource."""
    return f"${{{address(synth, kind, fragment)}.{attribute}}}"
