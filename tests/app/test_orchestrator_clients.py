"""The orchestrator Lambda as deployed: its settings from the synthesized secondary stack's
environment variables, its clients from ``entry.build_orchestrator``, each client's region
asserted from ``client.meta.region_name``, with HTTP sending refused (building the clients must
not call AWS).

The variables hold Terraform references; each is resolved to what Terraform gives at apply
time from the referenced resource's own arguments in the synthesized JSON (an RDS cluster's
ARN from its ``cluster_identifier`` and its provider's region, an SNS topic's from its
``name``, a remote-state output from the primary stack's output). Lambda sets ``AWS_REGION``
to the function's region: its provider's. A Route 53 health check id is assigned by Route 53:
a placeholder stands for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from payment_dr_core import RegionRole
from payment_service.failover.clients import ROUTE53_API_REGION
from payment_service.orchestrator import clients as clients_module
from payment_service.orchestrator import entry
from payment_service.orchestrator.clients import Clients
from payment_service.orchestrator.settings import OrchestratorSettings
from tests.conftest import APP_SUFFIX, SynthesizedApp

ACCOUNT = "123456789012"
HEALTH_CHECK_ID = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
_TOKEN = re.compile(r"\$\{([^}]+)\}")


def _provider_region(stack: Mapping[str, Any], resource: Mapping[str, Any]) -> str:
    alias = str(resource.get("provider", "aws")).removeprefix("aws").removeprefix(".")
    for provider in stack["provider"]["aws"]:
        if provider.get("alias", "") == alias:
            return str(provider["region"])
    raise AssertionError(f"no aws provider {alias!r}")


def _attribute(stack: Mapping[str, Any], kind: str, name: str, attribute: str) -> str:
    body = stack["resource"][kind][name]
    region = _provider_region(stack, body)
    if (kind, attribute) == ("aws_rds_cluster", "arn"):
        return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{body['cluster_identifier']}"
    if (kind, attribute) == ("aws_sns_topic", "arn"):
        return f"arn:aws:sns:{region}:{ACCOUNT}:{body['name']}"
    if (kind, attribute) == ("aws_rds_global_cluster", "id"):
        return str(body["global_cluster_identifier"])
    if (kind, attribute) == ("aws_route53_health_check", "id"):
        return HEALTH_CHECK_ID
    value = body[attribute]
    assert isinstance(value, str), (kind, name, attribute, value)
    assert "${" not in value, (kind, name, attribute, value)
    return value


def resolve(value: str, stack: Mapping[str, Any], primary: Mapping[str, Any]) -> str:
    """``value`` with each Terraform reference replaced by its apply-time value."""

    def one(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        if parts[:2] == ["data", "terraform_remote_state"] and parts[3] == "outputs":
            return resolve(str(primary["output"][parts[4]]["value"]), primary, primary)
        kind, name, attribute = parts
        return _attribute(stack, kind, name, attribute)

    return _TOKEN.sub(one, value)


@pytest.fixture
def no_http(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuses every HTTP request botocore would send (and records it)."""
    from botocore.httpsession import URLLib3Session  # type: ignore[import-untyped]

    sent: list[str] = []

    def refuse(_self: object, request: Any) -> Any:
        sent.append(str(request.url))
        raise AssertionError(f"network call while building the orchestrator: {request.url}")

    monkeypatch.setattr(URLLib3Session, "send", refuse)
    return sent


def test_the_deployed_orchestrator_builds_each_client_in_its_region(
    synthesized_app: SynthesizedApp, no_http: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secondary = synthesized_app.stack(RegionRole.SECONDARY)
    primary = synthesized_app.stack(RegionRole.PRIMARY)
    (function,) = [
        f
        for f in secondary["resource"]["aws_lambda_function"].values()
        if f["function_name"] == f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}"
    ]
    env = {
        name: resolve(str(value), secondary, primary)
        for name, value in function["environment"]["variables"].items()
    }
    env["AWS_REGION"] = _provider_region(secondary, function)
    built: list[Clients] = []
    original = clients_module.boto3_clients

    def recording(**kwargs: Any) -> Clients:
        clients = original(**kwargs)
        built.append(clients)
        return clients

    monkeypatch.setattr(entry, "boto3_clients", recording)

    settings = OrchestratorSettings.from_env(env)
    entry.build_orchestrator(settings)

    (clients,) = built
    assert no_http == []
    assert env["SECONDARY_CLUSTER_ARN"] == (
        f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:payment-processing-aurora-use2-{APP_SUFFIX}"
    )
    assert env["GLOBAL_CLUSTER_ID"] == f"payment-processing-aurora-global-{APP_SUFFIX}"
    assert env["ALERT_TOPIC_ARN"] == (
        f"arn:aws:sns:us-east-2:{ACCOUNT}:payment-processing-alerts-use2-{APP_SUFFIX}"
    )
    assert (settings.region, settings.secondary_cluster_region, settings.topic_region) == (
        "us-east-2",
        "us-east-2",
        "us-east-2",
    )

    def region(client: Any) -> str:
        return str(client.meta.region_name)

    assert {
        "rds (the decision: DescribeGlobalClusters, FailoverGlobalCluster)": region(clients.rds),
        "rds_primary (snapshot copy, SwitchoverGlobalCluster)": region(clients.rds_primary),
        "cloudwatch (the Route 53 health alarm)": region(clients.cloudwatch),
        "local_alarms (this region's probe alarm)": region(clients.local_alarms),
        "local_metrics (AuroraGlobalDBRPOLag)": region(clients.local_metrics),
        "remote_alarms (the third region's probe alarm)": region(clients.remote_alarms),
        "route53": region(clients.route53),
        "ssm": region(clients.ssm),
        "dynamodb": region(clients.dynamodb),
        "sns": region(clients.sns),
    } == {
        "rds (the decision: DescribeGlobalClusters, FailoverGlobalCluster)": "us-east-2",
        "rds_primary (snapshot copy, SwitchoverGlobalCluster)": "us-east-1",
        "cloudwatch (the Route 53 health alarm)": "us-east-1",
        "local_alarms (this region's probe alarm)": "us-east-2",
        "local_metrics (AuroraGlobalDBRPOLag)": "us-east-2",
        "remote_alarms (the third region's probe alarm)": "us-west-2",
        # a global API: created for us-east-1 (ROUTE53_API_REGION), botocore resolves it to
        # its partition endpoint; the decision does not need it
        "route53": "aws-global",
        "ssm": "us-east-2",
        "dynamodb": "us-east-2",
        "sns": "us-east-2",
    }
    assert ROUTE53_API_REGION == "us-east-1"
    assert clients.route53.meta.endpoint_url == "https://route53.amazonaws.com"  # type: ignore[attr-defined]
    assert clients.rds.meta.endpoint_url == "https://rds.us-east-2.amazonaws.com"  # type: ignore[attr-defined]
    assert clients.rds_primary.meta.endpoint_url == "https://rds.us-east-1.amazonaws.com"  # type: ignore[union-attr]
