"""Defaults and fixed settings of the edge constructs, in one place."""

from __future__ import annotations

import json
from types import MappingProxyType

DEFAULT_STAGE_NAME = "v1"
"""Stage of each regional API; the health check path starts with it."""

HEALTH_PATH = "/health"
"""Resource path of the deep health endpoint, relative to the stage."""

DEFAULT_HEALTH_CHECK_PATH = HEALTH_PATH
"""Path Route 53 requests on each region's direct hostname, whose root is the stage."""

AUTHORIZER_NAME = "payment-client-keys"
"""Name of the Lambda authorizer of each regional API."""

AUTHORIZER_IDENTITY_SOURCE = "method.request.header.Authorization"
"""Where the TOKEN authorizer reads the client's credential."""

AUTHORIZER_HEADER_PATTERN = r"^Bearer [a-z0-9-]{1,32}\.[A-Za-z0-9_-]{43}$"
"""``Bearer <client id>.<key>``: a client id and a 32-byte key in unpadded base64url.
API Gateway answers 401 to anything else without invoking the authorizer."""

DEFAULT_AUTHORIZER_CACHE_SECONDS = 300
"""How long API Gateway reuses an authorizer decision for one token (API Gateway's default)."""

AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS = 5
"""``Retry-After`` of the 503 clients get while the authorizer cannot decide (its key secret
unreadable and no last good keys): the payment API's own value for a dependency that is
unavailable (``payment_service.errors``)."""

TLS_SECURITY_POLICY = "TLS_1_2"
"""Minimum TLS version of the custom domains."""

APIGW_LOGGING_POLICY_ARN = (
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
)
"""AWS-managed policy API Gateway requires on its account logging role."""

HEALTH_CHECKER_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
"""Regions Route 53 health checkers run from (us-east-2 is not one of them)."""

DEFAULT_CHECKER_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
"""Three checker regions on two continents: Route 53 needs at least three."""

ROUTE53_METRICS_REGION = "us-east-1"
"""Route 53 health-check metrics exist only in us-east-1; alarms on them live there."""

ALIAS_TARGET_TTL_SECONDS = 60
"""TTL resolvers cache for an alias to an API Gateway regional endpoint (the target's TTL)."""

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
"""AWS managed WAF rule groups on every regional API, in priority order."""

WAF_RATE_WINDOW_SECONDS = 300
"""Window over which the WAF rate-based rule counts requests per client IP."""

WAF_REDACTED_HEADERS = ("authorization", "cookie")
"""Headers replaced by ``REDACTED`` in WAF logs (credentials never reach the logs)."""

PAYMENT_REQUEST_MODEL = "PaymentRequest"
"""Name of the JSON body model of ``POST /payments``."""

PAYMENT_REQUEST_SCHEMA: str = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": PAYMENT_REQUEST_MODEL,
        "type": "object",
        "required": ["amount", "currency", "merchant_reference", "customer_reference"],
        "additionalProperties": False,
        "properties": {
            "amount": {"type": ["string", "number"]},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "merchant_reference": {"type": "string", "minLength": 1, "maxLength": 64},
            "customer_reference": {"type": "string", "minLength": 1, "maxLength": 64},
        },
    },
    sort_keys=True,
)
"""JSON Schema (draft 4, what API Gateway supports) of a payment request. The shape only:
the function applies the business rules (amount range, currency list, reference charset)."""

ACCESS_LOG_FIELDS = MappingProxyType(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "sourceIp": "$context.identity.sourceIp",
        "caller": "$context.identity.userArn",
        "userAgent": "$context.identity.userAgent",
        "domainName": "$context.domainName",
        "stage": "$context.stage",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "protocol": "$context.protocol",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "wafResponseCode": "$context.wafResponseCode",
        "errorMessage": "$context.error.message",
        "xrayTraceId": "$context.xrayTraceId",
    }
)
"""Access log fields: who called what and how it went. No headers, query strings or bodies,
and the route template (``/payments/{id}``) rather than the concrete path."""

ACCESS_LOG_FORMAT: str = json.dumps(dict(ACCESS_LOG_FIELDS), separators=(",", ":"))
"""One JSON object per request."""
