"""Least privilege across the synthesized app: database ingress and KMS service principals."""

from __future__ import annotations

from typing import Any

import pytest

from payment_dr_core import RegionRole
from tests.conftest import SynthesizedApp


@pytest.mark.parametrize("role", list(RegionRole))
def test_postgres_is_open_only_to_the_function_security_group(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    resources = synthesized_app.stack(role)["resource"]
    postgres = [
        rule
        for rule in resources["aws_vpc_security_group_ingress_rule"].values()
        if rule["from_port"] == 5432
    ]
    # No cross-region database client exists: no peer-VPC CIDR on 5432.
    assert len(postgres) == 1
    assert "cidr_ipv4" not in postgres[0]
    assert postgres[0]["referenced_security_group_id"].startswith(
        "${aws_security_group.network_app-sg_"
    )


def _key_statements(stack: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for name, document in stack["data"]["aws_iam_policy_document"].items()
        if "key_policy" in name
        for statement in document["statement"]
    ]


def test_every_service_principal_in_a_key_policy_is_conditioned(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = synthesized_app.stack(RegionRole.PRIMARY)
    statements = _key_statements(primary)
    assert len(statements) == 8  # two keys (us-east-1 and us-east-2), four statements each
    for statement in statements:
        (principal,) = statement["principals"]
        if principal["type"] != "Service":
            continue
        variables = {c["variable"] for c in statement["condition"]}
        if principal["identifiers"] == ["cloudwatch.amazonaws.com"]:
            assert variables == {"aws:SourceAccount", "aws:SourceArn"}
            by_variable = {c["variable"]: c for c in statement["condition"]}
            account = by_variable["aws:SourceAccount"]["values"][0]
            assert account.startswith("${data.aws_caller_identity.")
            (arn,) = by_variable["aws:SourceArn"]["values"]
            assert arn.startswith("arn:aws:cloudwatch:us-east-")
            assert arn.endswith(":alarm:*")
            assert by_variable["aws:SourceArn"]["test"] == "ArnLike"
        else:
            assert principal["identifiers"][0].startswith("logs.us-east-")
            assert variables == {"kms:EncryptionContext:aws:logs:arn"}
