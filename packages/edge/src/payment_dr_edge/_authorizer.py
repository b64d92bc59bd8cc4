"""The payment API's Lambda (TOKEN) authorizer and its invoke permission."""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.api_gateway_authorizer import ApiGatewayAuthorizer
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from payment_dr_edge.settings import (
    AUTHORIZER_HEADER_PATTERN,
    AUTHORIZER_IDENTITY_SOURCE,
    AUTHORIZER_NAME,
)


class TokenAuthorizer(Construct):
    """A ``TOKEN`` authorizer reading ``Authorization``, backed by this region's function.

    API Gateway rejects a header that does not match :data:`AUTHORIZER_HEADER_PATTERN`
    with 401 before invoking the function, and caches the function's policy per token
    for ``cache_seconds`` (``aws_api_gateway_authorizer``: ``identity_source``,
    ``identity_validation_expression``, ``authorizer_result_ttl_in_seconds``, 0 to 3600,
    300 by default). The permission lets only this API's authorizers invoke the function
    (source ARN ``<execution arn>/authorizers/<id>``) and names the function through the
    caller's reference to it, so it is created after the function.
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
