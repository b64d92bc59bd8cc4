"""Helpers of the data construct tests: one stack synthesized and queried, two regions, their
keys, a peer provider.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from payment_dr_core.testing import Synth

PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
PRIMARY_KEY = "arn:aws:kms:us-east-1:111111111111:key/11111111-1111-1111-1111-111111111111"
SECONDARY_KEY = "arn:aws:kms:us-east-2:111111111111:key/22222222-2222-2222-2222-222222222222"
SECONDARY_PROVIDER = "aws.secondary"


def secondary_provider(stack: TerraformStack) -> AwsProvider:
    """An aliased provider for the secondary region, as the secondary stack has one for
    the primary region: the test stack's default provider is in the primary region."""
    return AwsProvider(stack, "aws-secondary", alias="secondary", region=SECONDARY)


def output(synth: Synth, name: str) -> str:
    """The expression a test output resolved to (attributes are references)."""
    value: str = synth.doc["output"][name]["value"]
    return value


def address(kind: str, fragment: str, synth: Synth) -> str:
    """``<kind>.<logical name>`` of the one ``kind`` whose logical name has ``fragment``."""
    names = [name for name in synth.resources(kind) if fragment in name]
    assert len(names) == 1, f"expected one {kind} matching {fragment!r}, found {names}"
    return f"{kind}.{names[0]}"


def reference(kind: str, fragment: str, synth: Synth, attribute: str) -> str:
    """``${<kind>.<logical name>.<attribute>}`` of the one ``kind`` whose name has ``fragment``."""
    return f"${{{address(kind, fragment, synth)}.{attribute}}}"
