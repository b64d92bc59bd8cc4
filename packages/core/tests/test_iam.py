"""The service trust policy helper: one synth of a throwaway stack with both forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from payment_dr_core import ConfigError
from payment_dr_core.iam import service_assume_role_policy


@dataclass(frozen=True)
class Synth:
    """The synthesized JSON of the throwaway stack."""

    doc: dict[str, Any]

    def data(self, kind: str) -> dict[str, Any]:
        found: dict[str, Any] = self.doc.get("data", {}).get(kind, {})
        return found


@pytest.fixture(scope="module")
def synth() -> Synth:
    stack = TerraformStack(cdktf.Testing.app(), "test")
    AwsProvider(stack, "aws", region="us-east-1")
    service_assume_role_policy(stack, "plain", service="lambda.amazonaws.com", provider=None)
    service_assume_role_policy(
        stack,
        "scoped",
        service="s3.amazonaws.com",
        source_account="123456789012",
        provider=None,
    )
    return Synth(json.loads(cdktf.Testing.synth(stack)))


def test_trust_policy_without_condition(synth: Synth) -> None:
    assert synth.data("aws_iam_policy_document")["plain"]["statement"] == [
        {
            "actions": ["sts:AssumeRole"],
            "effect": "Allow",
            "principals": [{"identifiers": ["lambda.amazonaws.com"], "type": "Service"}],
        }
    ]


def test_trust_policy_scoped_to_the_source_account(synth: Synth) -> None:
    assert synth.data("aws_iam_policy_document")["scoped"]["statement"] == [
        {
            "actions": ["sts:AssumeRole"],
            "condition": [
                {
                    "test": "StringEquals",
                    "values": ["123456789012"],
                    "variable": "aws:SourceAccount",
                }
            ],
            "effect": "Allow",
            "principals": [{"identifiers": ["s3.amazonaws.com"], "type": "Service"}],
        }
    ]


@pytest.mark.parametrize("service", ["lambda", "arn:aws:iam::1:root", ".amazonaws.com", ""])
def test_a_service_that_is_not_a_service_principal_is_refused(service: str) -> None:
    with pytest.raises(ConfigError, match=r"service: got .*; allowed: a service principal"):
        service_assume_role_policy(
            TerraformStack(cdktf.Testing.app(), "refused"), "bad", service=service, provider=None
        )
