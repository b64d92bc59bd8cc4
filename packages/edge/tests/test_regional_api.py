"""RegionalApi in both regions, synthesized once: the primary with every default, the
secondary as the app builds it (its own provider, the primary's validation record) with
the switches turned the other way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cdktf import TerraformOutput, TerraformStack

from edge_testing import (
    DOMAIN,
    PRIMARY,
    PRIMARY_AUTHORIZER,
    PRIMARY_FUNCTION,
    PRIMARY_HOST,
    PRIMARY_KEY,
    SECONDARY,
    SECONDARY_FUNCTION,
    SECONDARY_HOST,
    SECONDARY_KEY,
    ZONE_ID,
    api_props,
    invoke_arn,
    of_construct,
    provider_reference,
    region_provider,
)
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_edge import PAYMENT_REQUEST_SCHEMA, RegionalApi

Json = dict[str, Any]
ROLES = ("primary", "secondary")
PROVIDERS = {"primary": None, "secondary": provider_reference(SECONDARY)}
"""The primary API uses the stack's default provider (us-east-1): no provider argument."""
KEYS = {"primary": PRIMARY_KEY, "secondary": SECONDARY_KEY}


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        primary = RegionalApi(stack, "primary", api_props(manage_account_logging_role=True))
        secondary = RegionalApi(
            stack,
            "secondary",
            api_props(
                region=SECONDARY,
                kms_key_arn=SECONDARY_KEY,
                function_name=SECONDARY_FUNCTION,
                function_invoke_arn=invoke_arn(SECONDARY, SECONDARY_FUNCTION),
                direct_domain_name=SECONDARY_HOST,
                shared_validation_record_fqdn=primary.validation_record_fqdn,
                waf_enabled=False,
                manage_account_logging_role=False,
                authorization="NONE",
                execution_logging_level="INFO",
                stage_name="live",
                log_retention_days=90,
                throttling_rate_limit=250.5,
                throttling_burst_limit=500,
                provider=region_provider(stack, SECONDARY),
            ),
        )
        for role, api in (("primary", primary), ("secondary", secondary)):
            values = {
                "api_name": api.rest_api_name,
                "health_fqdn": api.health_check_fqdn,
                "health_path": api.health_check_path,
                "regional_domain": api.regional_domain_name,
                "regional_zone": api.regional_zone_id,
                "certificate": api.certificate_arn,
                "direct_certificate": api.direct_certificate_arn,
                "validation_fqdn": api.validation_record_fqdn,
                "web_acl": api.web_acl_arn or "none",
                "waf_logs": api.waf_log_group_name or "none",
            }
            for name, value in values.items():
                TerraformOutput(stack, f"{role}-{name}", value=value)

    return synth_stack(build, region=PRIMARY)


def one(synth: Synth, kind: str, role: str, fragment: str = "") -> Json:
    found = [
        body
        for name, body in synth.resources(kind).items()
        if name.startswith(f"{role}_") and fragment in name
    ]
    assert len(found) == 1, f"expected one {kind} of {role} matching {fragment!r}"
    return found[0]


def output(synth: Synth, name: str) -> str:
    value: str = synth.doc["output"][name]["value"]
    return value


@pytest.mark.parametrize("role", ROLES)
def test_rest_api_is_regional_in_its_own_region(synth: Synth, role: str) -> None:
    api = one(synth, "aws_api_gateway_rest_api", role)
    assert api["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert api["name"] == "payment-processing-api-test"
    # The default execute-api endpoint accepts TLS 1.0: off, in every region.
    assert api["disable_execute_api_endpoint"] is True
    assert api["lifecycle"] == {"create_before_destroy": True}
    for kind in (
        "aws_api_gateway_rest_api",
        "aws_api_gateway_stage",
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_api_gateway_domain_name",
        "aws_cloudwatch_log_group",
        "aws_lambda_permission",
    ):
        assert {body.get("provider") for body in of_construct(synth, kind, f"{role}_")} == {
            PROVIDERS[role]
        }, kind


def test_routes_are_lambda_proxy_integrations(synth: Synth) -> None:
    resources = of_construct(synth, "aws_api_gateway_resource", "primary_")
    assert sorted(r["path_part"] for r in resources) == ["health", "payments", "{id}"]
    payment = one(synth, "aws_api_gateway_resource", "primary", "routes_payment_")
    assert payment["parent_id"].startswith("${aws_api_gateway_resource.primary_routes_payments_")
    integrations = of_construct(synth, "aws_api_gateway_integration", "primary_")
    assert len(integrations) == 3
    for integration in integrations:
        assert integration["type"] == "AWS_PROXY"
        assert integration["integration_http_method"] == "POST"
        assert integration["uri"] == invoke_arn(PRIMARY, PRIMARY_FUNCTION)


def test_post_payments_requires_idempotency_key_and_a_valid_body(synth: Synth) -> None:
    method = one(synth, "aws_api_gateway_method", "primary", "create-payment")
    assert method["http_method"] == "POST"
    assert method["authorization"] == "CUSTOM"
    assert method["authorizer_id"].startswith("${aws_api_gateway_authorizer.primary_authorizer_")
    assert method["request_parameters"] == {"method.request.header.Idempotency-Key": True}
    assert method["request_models"]["application/json"].startswith(
        "${aws_api_gateway_model.primary_routes_payment-request_"
    )
    assert "validate-body" in method["request_validator_id"]
    validator = one(synth, "aws_api_gateway_request_validator", "primary", "validate-body")
    assert validator["validate_request_body"] is True
    assert validator["validate_request_parameters"] is True
    model = one(synth, "aws_api_gateway_model", "primary")
    assert model["content_type"] == "application/json"
    schema = json.loads(model["schema"])
    assert model["schema"] == PAYMENT_REQUEST_SCHEMA
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert set(schema["required"]) == {
        "amount",
        "currency",
        "merchant_reference",
        "customer_reference",
    }
    assert schema["additionalProperties"] is False


def test_get_payment_requires_the_path_parameter(synth: Synth) -> None:
    method = one(synth, "aws_api_gateway_method", "primary", "get-payment")
    assert method["http_method"] == "GET"
    assert method["request_parameters"] == {"method.request.path.id": True}
    assert "validate-parameters" in method["request_validator_id"]
    assert "request_models" not in method
    validator = one(synth, "aws_api_gateway_request_validator", "primary", "validate-param")
    assert validator["validate_request_body"] is False
    assert validator["validate_request_parameters"] is True


def test_health_is_open_even_when_payments_need_iam(synth: Synth) -> None:
    health = one(synth, "aws_api_gateway_method", "primary", "health")
    assert health["http_method"] == "GET"
    assert health["authorization"] == "NONE"
    secondary = of_construct(synth, "aws_api_gateway_method", "secondary_")
    assert {m["authorization"] for m in secondary} == {"NONE"}


def test_lambda_may_be_invoked_only_by_each_route_of_this_stage(synth: Synth) -> None:
    expected = {
        ("primary", "create-payment"): "/v1/POST/payments",
        ("primary", "get-payment"): "/v1/GET/payments/*",
        ("primary", "health"): "/v1/GET/health",
        ("secondary", "create-payment"): "/live/POST/payments",
    }
    functions = {"primary": PRIMARY_FUNCTION, "secondary": SECONDARY_FUNCTION}
    for (role, route), suffix in expected.items():
        permission = one(synth, "aws_lambda_permission", role, f"{route}-permission")
        assert permission["principal"] == "apigateway.amazonaws.com"
        assert permission["action"] == "lambda:InvokeFunction"
        assert permission["function_name"] == functions[role]
        api = f"${{aws_api_gateway_rest_api.{role}_"
        assert permission["source_arn"].startswith(api)
        assert permission["source_arn"].endswith(f".execution_arn}}{suffix}")


@pytest.mark.parametrize("role", ROLES)
def test_deployment_has_no_stage_and_redeploys_on_change(synth: Synth, role: str) -> None:
    deployment = one(synth, "aws_api_gateway_deployment", role)
    assert "stage_name" not in deployment
    assert "stage_description" not in deployment
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    trigger = deployment["triggers"]["redeployment"]
    assert trigger.startswith("${sha1(jsonencode([")
    for kind in ("aws_api_gateway_method", "aws_api_gateway_integration"):
        for name in synth.resources(kind):
            if name.startswith(f"{role}_"):
                assert f"{kind}.{name}.id" in trigger
    integrations = [n for n in synth.resources("aws_api_gateway_integration") if role in n]
    assert all(f"aws_api_gateway_integration.{n}.uri" in trigger for n in integrations)
    assert f"aws_api_gateway_model.{role}_routes_payment-request_" in trigger
    stage = one(synth, "aws_api_gateway_stage", role)
    assert stage["deployment_id"].startswith(f"${{aws_api_gateway_deployment.{role}_deployment_")


def test_api_definition_hash_differs_with_authorization(synth: Synth) -> None:
    def literal_hash(role: str) -> str:
        trigger = one(synth, "aws_api_gateway_deployment", role)["triggers"]["redeployment"]
        return str(trigger.split('"')[1])

    assert literal_hash("primary") != literal_hash("secondary")


@pytest.mark.parametrize("role", ROLES)
def test_stage_traces_and_logs_json_to_an_encrypted_group(synth: Synth, role: str) -> None:
    stage = one(synth, "aws_api_gateway_stage", role)
    assert stage["xray_tracing_enabled"] is True
    assert stage["cache_cluster_enabled"] is False
    settings = stage["access_log_settings"]
    assert settings["destination_arn"].startswith(
        f"${{aws_cloudwatch_log_group.{role}_access-logs_"
    )
    fields = json.loads(settings["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["resourcePath"] == "$context.resourcePath"
    assert not any("header" in v or "body" in v.lower() for v in fields.values())
    group = one(synth, "aws_cloudwatch_log_group", role, "access-logs")
    assert group["name"] == "/aws/apigateway/payment-processing-api-access-test"
    assert group["kms_key_id"] == KEYS[role]
    assert group["retention_in_days"] == (365 if role == "primary" else 90)
    assert any("access-logs" in d for d in stage["depends_on"])
    assert any("execution-logs" in d for d in stage["depends_on"])


@pytest.mark.parametrize("role", ROLES)
def test_execution_log_group_is_precreated_encrypted(synth: Synth, role: str) -> None:
    group = one(synth, "aws_cloudwatch_log_group", role, "execution-logs")
    stage = "v1" if role == "primary" else "live"
    assert group["name"].startswith("API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.")
    assert group["name"].endswith(f".id}}/{stage}")
    assert group["kms_key_id"] == KEYS[role]


def test_method_settings_throttle_everything_without_data_trace(synth: Synth) -> None:
    primary = one(synth, "aws_api_gateway_method_settings", "primary")
    assert primary["method_path"] == "*/*"
    assert primary["settings"] == {
        "metrics_enabled": True,
        "logging_level": "ERROR",
        "data_trace_enabled": False,
        "throttling_rate_limit": 100,
        "throttling_burst_limit": 200,
        "caching_enabled": False,
    }
    assert primary["stage_name"].startswith("${aws_api_gateway_stage.primary_stage_")
    secondary = one(synth, "aws_api_gateway_method_settings", "secondary")["settings"]
    assert secondary["logging_level"] == "INFO"
    assert secondary["data_trace_enabled"] is False
    assert secondary["throttling_rate_limit"] == 250.5
    assert secondary["throttling_burst_limit"] == 500


def test_account_logging_role_is_not_managed_by_default() -> None:
    """An account-level singleton: owned by a stack only when asked."""
    assert api_props().manage_account_logging_role is False


def test_account_logging_role_is_managed_only_when_switched_on(synth: Synth) -> None:
    accounts = synth.resources("aws_api_gateway_account")
    assert len(accounts) == 1
    (name, account) = next(iter(accounts.items()))
    assert name.startswith("primary_")
    assert account["cloudwatch_role_arn"].startswith("${aws_iam_role.primary_account-logging_")
    role = synth.only("aws_iam_role")
    assert role["name"] == "payment-processing-apigw-cloudwatch-use1-test"
    trust = synth.policy_document(role["assume_role_policy"])["statement"]
    assert [s["principals"][0]["identifiers"] for s in trust] == [["apigateway.amazonaws.com"]]
    attachment = synth.only("aws_iam_role_policy_attachment")
    assert attachment["policy_arn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )
    stage = one(synth, "aws_api_gateway_stage", "primary")
    assert "aws_api_gateway_account." + name in stage["depends_on"]
    secondary_stage = one(synth, "aws_api_gateway_stage", "secondary")
    assert not any("account" in d for d in secondary_stage["depends_on"])


@pytest.mark.parametrize("role", ROLES)
def test_custom_domain_is_regional_tls12_with_a_certificate_of_its_region(
    synth: Synth, role: str
) -> None:
    domain = one(synth, "aws_api_gateway_domain_name", role, "_domain_")
    assert domain["domain_name"] == DOMAIN
    assert domain["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert domain["security_policy"] == "TLS_1_2"
    # regional certificate only: an edge-optimized domain would take certificate_arn,
    # from us-east-1, whatever the API's region
    assert "certificate_arn" not in domain
    assert domain["regional_certificate_arn"].startswith(
        f"${{aws_acm_certificate_validation.{role}_certificate_validation_"
    )
    certificate = one(synth, "aws_acm_certificate", role, "_certificate_")
    assert certificate["domain_name"] == DOMAIN
    assert certificate["validation_method"] == "DNS"
    assert certificate.get("provider") == domain.get("provider") == PROVIDERS[role]
    assert certificate["lifecycle"] == {"create_before_destroy": True}
    mapping = one(synth, "aws_api_gateway_base_path_mapping", role, "_base-path_")
    assert "base_path" not in mapping
    assert mapping["stage_name"].startswith(f"${{aws_api_gateway_stage.{role}_stage_")
    assert mapping["domain_name"].startswith(f"${{aws_api_gateway_domain_name.{role}_domain_")


def test_only_the_primary_writes_the_shared_validation_record(synth: Synth) -> None:
    # (each region's direct hostname has a validation record and an alias of its own)
    records = {
        n: r for n, r in synth.resources("aws_route53_record").items() if "_direct-" not in n
    }
    assert len(records) == 1
    (name, record) = next(iter(records.items()))
    assert name.startswith("primary_certificate_validation-record_")
    certificate = "aws_acm_certificate.primary_certificate_"
    assert record["name"].startswith(f"${{tolist({certificate}")
    assert record["name"].endswith(".domain_validation_options).0.resource_record_name}")
    assert record["zone_id"] == ZONE_ID
    assert record["allow_overwrite"] is True
    primary = one(synth, "aws_acm_certificate_validation", "primary", "_certificate_validation")
    assert primary["validation_record_fqdns"] == [f"${{aws_route53_record.{name}.fqdn}}"]
    secondary = one(synth, "aws_acm_certificate_validation", "secondary", "_certificate_validation")
    assert secondary["validation_record_fqdns"] == [f"${{aws_route53_record.{name}.fqdn}}"]
    assert secondary["certificate_arn"].startswith("${aws_acm_certificate.secondary_")
    assert output(synth, "secondary-validation_fqdn") == output(synth, "primary-validation_fqdn")


def test_waf_protects_the_primary_stage(synth: Synth) -> None:
    acl = synth.only("aws_wafv2_web_acl")
    assert acl["scope"] == "REGIONAL"
    assert acl["name"] == "payment-processing-api-waf-test"
    assert acl["default_action"] == {"allow": {}}
    rules = sorted(acl["rule"], key=lambda rule: rule["priority"])
    managed = [r["statement"]["managed_rule_group_statement"] for r in rules[:3]]
    assert [(m["vendor_name"], m["name"]) for m in managed] == [
        ("AWS", "AWSManagedRulesCommonRuleSet"),
        ("AWS", "AWSManagedRulesKnownBadInputsRuleSet"),
        ("AWS", "AWSManagedRulesAmazonIpReputationList"),
    ]
    assert all(r["override_action"] == {"none": {}} for r in rules[:3])
    rate = rules[3]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rate_based_statement"] == {
        "limit": 2000,
        "aggregate_key_type": "IP",
        "evaluation_window_sec": 300,
    }
    assert all(r["visibility_config"]["cloudwatch_metrics_enabled"] for r in rules)
    association = synth.only("aws_wafv2_web_acl_association")
    assert association["resource_arn"].startswith("${aws_api_gateway_stage.primary_stage_")
    assert association["resource_arn"].endswith(".arn}")
    assert output(synth, "primary-web_acl").startswith("${aws_wafv2_web_acl.primary_waf_")


def test_waf_logs_to_an_encrypted_aws_waf_logs_group(synth: Synth) -> None:
    group = one(synth, "aws_cloudwatch_log_group", "primary", "waf_logs")
    assert group["name"] == "aws-waf-logs-payment-processing-api-waf-test"
    assert group["kms_key_id"] == PRIMARY_KEY
    assert group["retention_in_days"] == 365
    logging = synth.only("aws_wafv2_web_acl_logging_configuration")
    assert logging["log_destination_configs"] == [
        "${aws_cloudwatch_log_group."
        + next(n for n in synth.resources("aws_cloudwatch_log_group") if "waf_logs" in n)
        + ".arn}"
    ]
    assert [f["single_header"]["name"] for f in logging["redacted_fields"]] == [
        "authorization",
        "cookie",
    ]
    policy = synth.only("aws_cloudwatch_log_resource_policy")
    assert policy["policy_name"] == "payment-processing-waf-log-delivery-test"
    statement = synth.policy_document(policy["policy_document"])["statement"][0]
    assert statement["principals"][0]["identifiers"] == ["delivery.logs.amazonaws.com"]
    assert statement["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["resources"][0].endswith(".arn}:*")
    assert {c["variable"] for c in statement["condition"]} == {
        "aws:SourceAccount",
        "aws:SourceArn",
    }


def test_no_waf_when_switched_off(synth: Synth) -> None:
    for kind in (
        "aws_wafv2_web_acl",
        "aws_wafv2_web_acl_association",
        "aws_wafv2_web_acl_logging_configuration",
    ):
        assert of_construct(synth, kind, "secondary_") == [], kind
    groups = of_construct(synth, "aws_cloudwatch_log_group", "secondary_")
    assert not any(g["name"].startswith("aws-waf-logs-") for g in groups)
    assert output(synth, "secondary-web_acl") == "none"
    assert output(synth, "secondary-waf_logs") == "none"


def test_health_check_target_is_the_regions_direct_hostname(synth: Synth) -> None:
    for role in ("primary", "secondary"):
        fqdn = output(synth, f"{role}-health_fqdn")
        assert fqdn.startswith(f"${{aws_route53_record.{role}_direct-record_")
        assert fqdn.endswith(".fqdn}")
        # the custom domain maps its root to the stage, whatever the stage is called
        assert output(synth, f"{role}-health_path") == "/health"
        assert output(synth, f"{role}-api_name") == "payment-processing-api-test"
        assert output(synth, f"{role}-regional_domain").endswith(".regional_domain_name}")
        assert output(synth, f"{role}-regional_zone").endswith(".regional_zone_id}")


@pytest.mark.parametrize(
    ("role", "host"), [("primary", PRIMARY_HOST), ("secondary", SECONDARY_HOST)]
)
def test_direct_hostname_has_its_own_certificate_tls_1_2_and_alias(
    synth: Synth, role: str, host: str
) -> None:
    domain = one(synth, "aws_api_gateway_domain_name", role, "direct-domain")
    assert domain["domain_name"] == host
    assert domain["security_policy"] == "TLS_1_2"
    assert domain["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert domain["regional_certificate_arn"].startswith(
        f"${{aws_acm_certificate_validation.{role}_direct-certificate_validation_"
    )
    assert output(synth, f"{role}-direct_certificate") == domain["regional_certificate_arn"]
    certificate = one(synth, "aws_acm_certificate", role, "direct-certificate")
    assert certificate["domain_name"] == host
    assert certificate["validation_method"] == "DNS"
    # each region validates its own name with its own record
    one(synth, "aws_route53_record", role, "direct-certificate_validation-record")
    mapping = one(synth, "aws_api_gateway_base_path_mapping", role, "direct-base-path")
    assert mapping["domain_name"].startswith(
        f"${{aws_api_gateway_domain_name.{role}_direct-domain_"
    )
    assert mapping["stage_name"].startswith(f"${{aws_api_gateway_stage.{role}_stage_")
    record = one(synth, "aws_route53_record", role, "direct-record")
    assert record["zone_id"] == ZONE_ID
    assert record["type"] == "A"
    assert "failover_routing_policy" not in record
    assert record["alias"]["name"].endswith(".regional_domain_name}")
    assert record["alias"]["evaluate_target_health"] is False


def test_authorizer_is_a_token_authorizer_invoked_only_by_this_api(synth: Synth) -> None:
    authorizer = one(synth, "aws_api_gateway_authorizer", "primary")
    assert authorizer["type"] == "TOKEN"
    assert authorizer["identity_source"] == "method.request.header.Authorization"
    assert authorizer["identity_validation_expression"] == (
        r"^Bearer [a-z0-9-]{1,32}\.[A-Za-z0-9_-]{43}$"
    )
    assert authorizer["authorizer_result_ttl_in_seconds"] == 300
    assert authorizer["authorizer_uri"] == invoke_arn(PRIMARY, PRIMARY_AUTHORIZER)
    permission = one(synth, "aws_lambda_permission", "primary", "authorizer_permission")
    assert permission["function_name"] == PRIMARY_AUTHORIZER
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["source_arn"].startswith("${aws_api_gateway_rest_api.primary_api_")
    assert re.fullmatch(
        r"\$\{aws_api_gateway_rest_api\.primary_api_[0-9A-F]{8}\.execution_arn\}"
        r"/authorizers/\$\{aws_api_gateway_authorizer\.primary_authorizer_[0-9A-F]{8}\.id\}",
        permission["source_arn"],
    ), permission["source_arn"]
    assert of_construct(synth, "aws_api_gateway_authorizer", "secondary_") == []
    health = one(synth, "aws_api_gateway_method", "primary", "health")
    assert health["authorization"] == "NONE"
    assert "authorizer_id" not in health


def test_an_authorizer_that_cannot_decide_is_503_with_retry_after_not_500(synth: Synth) -> None:
    """AUTHORIZER_FAILURE (the function failed: no keys it can read) and
    AUTHORIZER_CONFIGURATION_ERROR (API Gateway could not invoke it) answer 503 with
    Retry-After and the API's JSON error shape; a wrong key stays 401 (no UNAUTHORIZED
    override)."""
    body = {
        "error": {
            "code": "authorizer_unavailable",
            "message": "client authentication is unavailable; retry later",
            "request_id": "$context.requestId",
        }
    }
    responses = of_construct(synth, "aws_api_gateway_gateway_response", "primary_")
    assert sorted(r["response_type"] for r in responses) == [
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
    ]
    for response in responses:
        assert response["status_code"] == "503"
        assert response["response_parameters"] == {"gatewayresponse.header.Retry-After": "'5'"}
        assert json.loads(response["response_templates"]["application/json"]) == body
        assert response["rest_api_id"].startswith("${aws_api_gateway_rest_api.primary_api_")
    # The secondary test API has no authorizer, so nothing to answer for it.
    assert of_construct(synth, "aws_api_gateway_gateway_response", "secondary_") == []
    # A stage serves gateway response changes once deployed again.
    trigger = one(synth, "aws_api_gateway_deployment", "primary")["triggers"]["gateway_responses"]
    for name in synth.resources("aws_api_gateway_gateway_response"):
        if name.startswith("primary_"):
            assert f"aws_api_gateway_gateway_response.{name}.id" in trigger
    assert (
        "gateway_responses" not in one(synth, "aws_api_gateway_deployment", "secondary")["triggers"]
    )
