"""What AWS would refuse or get wrong at apply time, checked on the synthesized JSON of the
default environment and of a production one (16-character suffix, own name prefix)."""

from __future__ import annotations

from typing import Any

import pytest

from payment_dr_core import RegionRole
from tests.conftest import SynthesizedApp

PRIMARY, SECONDARY = RegionRole.PRIMARY, RegionRole.SECONDARY
ROLES = (PRIMARY, SECONDARY)
ENI_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"


def resources(app: SynthesizedApp, role: RegionRole, kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = app.stack(role).get("resource", {}).get(kind, {})
    return found


def policy_statements(app: SynthesizedApp, role: RegionRole, fragment: str) -> dict[str, Any]:
    documents = app.stack(role)["data"]["aws_iam_policy_document"]
    (document,) = [d for name, d in documents.items() if fragment in name]
    return {s["sid"]: s for s in document["statement"]}


@pytest.mark.parametrize("role", ROLES)
def test_vpc_functions_get_only_the_network_interface_managed_policy(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    """AWSLambdaVPCAccessExecutionRole would add logs:* on "*" beside the scoped statement."""
    attachments = resources(synthesized_app, role, "aws_iam_role_policy_attachment")
    vpc = [a["policy_arn"] for n, a in attachments.items() if "vpc-access" in n]
    assert vpc
    assert set(vpc) == {ENI_POLICY}
    assert "AWSLambdaVPCAccessExecutionRole" not in str(synthesized_app.stack(role))


@pytest.mark.parametrize("role", ROLES)
def test_the_api_may_use_the_key_that_encrypts_its_regions_session_table(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    statement = policy_statements(synthesized_app, role, "functions_api_policy")[
        "UseSessionTableKeyThroughDynamoDb"
    ]
    if role is PRIMARY:
        (table,) = resources(synthesized_app, role, "aws_dynamodb_table").values()
        table_key = table["server_side_encryption"]["kms_key_arn"]
    else:
        (replica,) = resources(synthesized_app, role, "aws_dynamodb_table_replica").values()
        table_key = replica["kms_key_arn"]
    assert statement["resources"] == [table_key]
    region = "us-east-1" if role is PRIMARY else "us-east-2"
    assert statement["condition"][0]["values"] == [f"dynamodb.{region}.amazonaws.com"]
    assert statement["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]


@pytest.mark.parametrize("role", ROLES)
def test_the_api_gateway_account_setting_is_left_alone_by_default(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    assert resources(synthesized_app, role, "aws_api_gateway_account") == {}


@pytest.mark.parametrize("role", ROLES)
def test_an_environment_that_opts_in_owns_the_api_gateway_account_setting(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    (account,) = resources(production_app, role, "aws_api_gateway_account").values()
    assert account["cloudwatch_role_arn"].startswith("${aws_iam_role.api_account-logging_role_")
    code = "use1" if role is PRIMARY else "use2"
    roles = {r["name"] for r in resources(production_app, role, "aws_iam_role").values()}
    assert f"acme-pay-apigw-cloudwatch-{code}-prod-payments-16" in roles


def _table_protection(app: SynthesizedApp) -> dict[str, bool]:
    protection = {
        t["name"]: t["deletion_protection_enabled"]
        for role in ROLES
        for t in resources(app, role, "aws_dynamodb_table").values()
    }
    for replica in resources(app, SECONDARY, "aws_dynamodb_table_replica").values():
        protection["replica"] = replica["deletion_protection_enabled"]
    return protection


def test_production_protects_every_dynamodb_table_and_the_replica(
    production_app: SynthesizedApp, synthesized_app: SynthesizedApp
) -> None:
    assert _table_protection(production_app) == {
        "acme-pay-sessions-prod-payments-16": True,
        "acme-pay-failover-decisions-prod-payments-16": True,
        "replica": True,
    }
    assert _table_protection(synthesized_app) == {
        "payment-processing-sessions-ci7": False,
        "payment-processing-failover-decisions-ci7": False,
        "replica": False,
    }


def test_the_failover_snapshot_copy_fits_copydbclustersnapshot_at_the_longest_suffix(
    production_app: SynthesizedApp,
) -> None:
    functions = resources(production_app, SECONDARY, "aws_lambda_function").values()
    (orchestrator,) = [f for f in functions if "failover-orchestrator" in f["function_name"]]
    prefix = orchestrator["environment"]["variables"]["FAILOVER_SNAPSHOT_PREFIX"]
    assert prefix == "acme-pay-failover-prod-payments-16"
    assert len(prefix) + len("-20261206045959") <= 63


@pytest.mark.parametrize("role", ROLES)
def test_certificate_domain_names_fit_acm_at_the_longest_suffix(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    domains = sorted(
        c["domain_name"] for c in resources(production_app, role, "aws_acm_certificate").values()
    )
    code = "use1" if role is PRIMARY else "use2"
    assert domains == [
        "api-prod-payments-16.payments.acme-corp.io",
        f"api-{code}-prod-payments-16.payments.acme-corp.io",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_name_carries_the_prefix_and_the_project_tag_follows_it(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    provider = production_app.stack(role)["provider"]["aws"][0]
    assert provider["default_tags"][0]["tags"]["Project"] == "acme-pay"
    functions = resources(production_app, role, "aws_lambda_function").values()
    assert all(f["function_name"].startswith("acme-pay-") for f in functions)
    backend = production_app.stack(role)["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "acme-pay-terraform-state"
