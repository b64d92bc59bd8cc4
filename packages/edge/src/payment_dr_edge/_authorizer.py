"""The payment API's Lambda (TOKEN) authorizer and its invoke permission."""

from __future__ import annotations

import hashlib
import json

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.api_gateway_authorizer import ApiGatewayAuthorizer
from cdktf_cdktf_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from payment_dr_edge.settings import (
    AUTHORIZER_HEADER_PATTERN,
    AUTHORIZER_IDENTITY_SOURCE,
    AUTHORIZER_NAME,
    AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS,
)

#: Gateway response types API Gateway answers with when the authorizer fails rather than
#: refuses: AUTHORIZER_FAILURE "when a custom or Amazon Cognito authorizer failed to
#: authenticate the caller" (the function raised an error other than "Unauthorized", our
#: "no keys" answer) and AUTHORIZER_CONFIGURATION_ERROR "for failing to connect to a custom or
#: Amazon Cognito authorizer" (API Gateway Developer Guide, "Gateway response types for API
#: Gateway"); both 500 by default, with a body of API Gateway's own.
UNAVAILABLE_RESPONSE_TYPES = ("AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR")


class TokenAuthorizer(Construct):
    """A ``TOKEN`` authorizer reading ``Authorization``, backed by this region's function.

    API Gateway rejects a header that does not match :data:`AUTHORIZER_HEADER_PATTERN`
    with 401 before invoking the function, and caches the function's policy per token
    for ``cache_seconds`` (``aws_api_gateway_authorizer``: ``identity_source``,
    ``identity_validation_expression``, ``authorizer_result_ttl_in_seconds``, 0 to 3600,
    300 by default). The permission lets only this API's authorizers invoke the function
    (source ARN ``<execution arn>/authorizers/<id>``) and names the function through the
    caller's reference to it, so it is created after the function.

    When the authorizer fails instead of deciding (:data:`UNAVAILABLE_RESPONSE_TYPES`: no keys
    it can read, an invocation error or timeout), clients get ``503`` with ``Retry-After`` and
    the API's JSON error shape, code ``authorizer_unavailable``, not API Gateway's default
    ``500``: gateway responses may set the status code, headers (``response_parameters``,
    static values in single quotes) and body templates, which may use ``$context`` variables
    (API Gateway Developer Guide, "Set up a gateway response for a REST API";
    ``aws_api_gateway_gateway_response``). A wrong or unknown key stays ``401``
    (``UNAUTHORIZED``, unchanged), so "unavailable" never reads as "wrong key". A stage
    serves gateway response changes once deployed again: :attr:`definition` goes into the
    deployment's triggers.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rest_api: ApiGatewayRestApi,
        function_name: str,
        invoke_arn: str,
        cache_seconds: int,
        provider: TerraformProvider | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.authorizer = ApiGatewayAuthorizer(
            self,
            "authorizer",
            name=AUTHORIZER_NAME,
            rest_api_id=rest_api.id,
            type="TOKEN",
            authorizer_uri=invoke_arn,
            identity_source=AUTHORIZER_IDENTITY_SOURCE,
            identity_validation_expression=AUTHORIZER_HEADER_PATTERN,
            authorizer_result_ttl_in_seconds=cache_seconds,
            provider=provider,
        )
        template = json.dumps(
            {
                "error": {
                    "code": "authorizer_unavailable",
                    "message": "client authentication is unavailable; retry later",
                    "request_id": "$context.requestId",
                }
            }
        )
        self.unavailable_responses = [
            ApiGatewayGatewayResponse(
                self,
                response_type.lower().replace("_", "-"),
                rest_api_id=rest_api.id,
                response_type=response_type,
                status_code="503",
                response_parameters={
                    "gatewayresponse.header.Retry-After": (
                        f"'{AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS}'"
                    ),
                },
                response_templates={"application/json": template},
                provider=provider,
            )
            for response_type in UNAVAILABLE_RESPONSE_TYPES
        ]
        # The template's digest, not the template: its quotes would have to be escaped
        # inside the Terraform expression.
        settings = hashlib.sha256(
            f"{template}|{AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS}".encode()
        ).hexdigest()
        self.definition = Fn.sha1(
            Fn.jsonencode([settings] + [response.id for response in self.unavailable_responses])
        )
        """Changes whenever the gateway responses do (a deployment trigger)."""
        self.permission = LambdaPermission(
            self,
            "permission",
            statement_id="AllowApiGatewayAuthorizer",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{rest_api.execution_arn}/authorizers/{self.authorizer.id}",
            provider=provider,
        )

    @property
    def authorizer_id(self) -> str:
        """ID of the authorizer (methods with ``CUSTOM`` authorization name it)."""
        return self.authorizer.id
