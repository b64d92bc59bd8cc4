"""Which database endpoint every function uses, and what the write fence needs: each region
writes to its own cluster's endpoint, fenced on DescribeGlobalClusters through its own RDS API
(an interface endpoint in its VPC, an IAM grant on the global cluster) and on the database's
read-only state; nothing depends on the global writer endpoint's DNS."""

from __future__ import annotations

import json
import re
from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, SynthesizedApp

PRIMARY, SECONDARY = RegionRole.PRIMARY, RegionRole.SECONDARY
CLUSTER = "aws_rds_cluster.aurora_cluster_059EF40F"
CLUSTER_ENDPOINT_REFERENCE = re.compile(r"aws_rds_cluster\.[A-Za-z0-9_-]+\.endpoint\b")
GLOBAL_ENDPOINT_REFERENCE = re.compile(r"aws_rds_global_cluster[A-Za-z0-9_.-]*endpoint\b")
GLOBAL_ID = {
    PRIMARY: "${aws_rds_global_cluster.aurora_global-cluster_8288691D.id}",
    SECONDARY: (
        "${data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-primary."
        "outputs.cross-stack-output-aws_rds_global_clusteraurora_global-cluster_8288691Did}"
    ),
}
CODES = {PRIMARY: ("use1", "us-east-1"), SECONDARY: ("use2", "us-east-2")}


def _functions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["function_name"]: f for f in doc["resource"]["aws_lambda_function"].values()}


def _statements(doc: dict[str, Any], policy_prefix: str) -> dict[str, dict[str, Any]]:
    documents = doc["data"]["aws_iam_policy_document"]
    (policy,) = [d for key, d in documents.items() if key.startswith(policy_prefix)]
    return {s["sid"]: s for s in policy["statement"]}


def test_api_and_migrations_write_to_their_own_regions_cluster_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        code = CODES[role][0]
        functions = _functions(synthesized_app.stack(role))
        for component in ("payment-api", "payment-migrate"):
            variables = functions[f"payment-processing-{component}-{code}-{APP_SUFFIX}"][
                "environment"
            ]["variables"]
            assert variables["DB_HOST"] == f"${{{CLUSTER}.endpoint}}"
            assert variables["DB_CLUSTER_ID"] == f"${{{CLUSTER}.cluster_identifier}}"
            assert variables["DB_GLOBAL_CLUSTER_ID"] == GLOBAL_ID[role]


def test_no_other_function_uses_a_cluster_endpoint_or_the_global_writer_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        for name, function in _functions(synthesized_app.stack(role)).items():
            text = json.dumps(function)
            assert GLOBAL_ENDPOINT_REFERENCE.search(text) is None, name
            if "payment-api" in name or "payment-migrate" in name:
                continue
            assert CLUSTER_ENDPOINT_REFERENCE.search(text) is None, name


def test_the_pattern_finds_a_cluster_endpoint_reference() -> None:
    # The check above is only as good as its pattern: it must match the cluster's own
    # endpoint attribute and not its reader endpoint.
    assert CLUSTER_ENDPOINT_REFERENCE.search(f'"${{{CLUSTER}.endpoint}}"')
    assert not CLUSTER_ENDPOINT_REFERENCE.search(f'"${{{CLUSTER}.reader_endpoint}}"')
    # and the global writer endpoint, in this stack or through a cross-stack output
    assert GLOBAL_ENDPOINT_REFERENCE.search(
        "${aws_rds_global_cluster.aurora_global-cluster_8288691D.endpoint}"
    )
    assert GLOBAL_ENDPOINT_REFERENCE.search(
        "outputs.cross-stack-output-aws_rds_global_clusteraurora_global-cluster_8288691Dendpoint}"
    )
    assert not GLOBAL_ENDPOINT_REFERENCE.search(GLOBAL_ID[SECONDARY])


def test_each_api_checks_readiness_and_reads_as_a_standby_on_its_reader(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        variables = _functions(synthesized_app.stack(role))[
            f"payment-processing-payment-api-{CODES[role][0]}-{APP_SUFFIX}"
        ]["environment"]["variables"]
        assert variables["DB_READER_HOST"] == f"${{{CLUSTER}.reader_endpoint}}"


def test_api_and_migrations_may_describe_only_the_global_cluster(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        doc = synthesized_app.stack(role)
        for prefix in ("functions_api_policy", "functions_migrate_policy"):
            statement = _statements(doc, prefix)["ReadGlobalClusterWriter"]
            assert statement["actions"] == ["rds:DescribeGlobalClusters"]
            (resource,) = statement["resources"]
            assert resource.startswith("arn:aws:rds::${data.aws_caller_identity.")
            assert resource.endswith(f":global-cluster:{GLOBAL_ID[role]}")
        authorizer = _statements(doc, "functions_authorizer_policy")
        assert "rds:DescribeGlobalClusters" not in json.dumps(authorizer)


def test_each_vpc_reaches_its_own_rds_api_through_a_private_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        doc = synthesized_app.stack(role)
        region = CODES[role][1]
        endpoints = doc["resource"]["aws_vpc_endpoint"]
        rds = endpoints["network_if-rds_C9469A9C"]
        assert rds["service_name"] == f"com.amazonaws.{region}.rds"
        assert rds["vpc_endpoint_type"] == "Interface"
        assert rds["private_dns_enabled"] is True
        assert rds["subnet_ids"] == endpoints["network_if-secretsmanager_BB8C7B63"]["subnet_ids"]
        assert len(rds["subnet_ids"]) == 3
        (group,) = rds["security_group_ids"]
        assert group == "${aws_security_group.network_endpoint-sg_5C960FF1.id}"
        # HTTPS from the VPC to the endpoint, and from the functions' group to the VPC.
        ingress = doc["resource"]["aws_vpc_security_group_ingress_rule"]
        (https_in,) = [rule for key, rule in ingress.items() if "endpoint-sg-https" in key]
        assert https_in["security_group_id"] == group
        egress = doc["resource"]["aws_vpc_security_group_egress_rule"]
        (https_out,) = [rule for key, rule in egress.items() if "app-sg-https-vpc" in key]
        for rule in (https_in, https_out):
            assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
            assert rule["cidr_ipv4"] == ("10.0.0.0/16" if role is PRIMARY else "10.1.0.0/16")


def test_the_orchestrator_is_told_its_own_timeout(synthesized_app: SynthesizedApp) -> None:
    orchestrator = _functions(synthesized_app.stack(SECONDARY))[
        f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}"
    ]
    assert orchestrator["timeout"] == 30
    assert orchestrator["environment"]["variables"]["FUNCTION_TIMEOUT_SECONDS"] == "30"
