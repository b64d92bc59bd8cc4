"""The payment API's routes: resources, validated methods and Lambda proxy integrations."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_model import ApiGatewayModel
from cdktf_cdktf_provider_aws.api_gateway_request_validator import ApiGatewayRequestValidator
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from payment_dr_edge.settings import PAYMENT_REQUEST_MODEL, PAYMENT_REQUEST_SCHEMA


@dataclass(frozen=True)
class Route:
    """One method of the API."""

    key: str
    """Construct ID part and Lambda permission statement suffix."""

    method: str
    path: str
    """Resource path, e.g. ``/payments/{id}``."""

    parameters: tuple[str, ...] = ()
    """Required request parameters (``method.request.header.X`` / ``method.request.path.x``)."""

    validator: str | None = None
    """``body`` (body and parameters) or ``parameters``; None: no request validation."""

    body_model: bool = False
    """True: the JSON body must match the payment request model."""

    public: bool = False
    """True: no authorization even when the API requires it (Route 53 health checkers
    send no credentials)."""


ROUTES = (
    Route(
        "create-payment",
        "POST",
        "/payments",
        parameters=("method.request.header.Idempotency-Key",),
        validator="body",
        body_model=True,
    ),
    Route(
        "get-payment",
        "GET",
        "/payments/{id}",
        parameters=("method.request.path.id",),
        validator="parameters",
    ),
    Route("health", "GET", "/health", validator="parameters", public=True),
)
"""Every route of the payment API; the function routes on the same paths."""

RESOURCES = {"/payments": "payments", "/payments/{id}": "payment", "/health": "health"}
"""Construct ID of each resource path."""


def _definition_hash(authorization: str) -> str:
    """Hash of the literal part of the API definition (routes, schema, authorization)."""
    literal = {
        "routes": [asdict(route) for route in ROUTES],
        "schema": PAYMENT_REQUEST_SCHEMA,
        "authorization": authorization,
    }
    return hashlib.sha256(json.dumps(literal, sort_keys=True).encode()).hexdigest()


class PaymentRoutes(Construct):
    """Resources, request validators, the body model, methods, ``AWS_PROXY`` integrations
    and one Lambda permission per route, scoped to that route of this API's stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rest_api: ApiGatewayRestApi,
        stage_name: str,
        function_name: str,
        function_invoke_arn: str,
        authorization: str,
        authorizer_id: str | None,
        provider: TerraformProvider | None,
    ) -> None:
        super().__init__(scope, construct_id)
        api_id = rest_api.id
        self.resources: dict[str, ApiGatewayResource] = {}
        for path, resource_id in RESOURCES.items():
            parent, _, part = path.rpartition("/")
            self.resources[path] = ApiGatewayResource(
                self,
                resource_id,
                rest_api_id=api_id,
                parent_id=self.resources[parent].id if parent else rest_api.root_resource_id,
                path_part=part,
                provider=provider,
            )
        self.validators = {
            "body": ApiGatewayRequestValidator(
                self,
                "validate-body",
                rest_api_id=api_id,
                name="body-and-parameters",
                validate_request_body=True,
                validate_request_parameters=True,
                provider=provider,
            ),
            "parameters": ApiGatewayRequestValidator(
                self,
                "validate-parameters",
                rest_api_id=api_id,
                name="parameters",
                validate_request_body=False,
                validate_request_parameters=True,
                provider=provider,
            ),
        }
        self.model = ApiGatewayModel(
            self,
            "payment-request",
            rest_api_id=api_id,
            name=PAYMENT_REQUEST_MODEL,
            description="Body of POST /payments",
            content_type="application/json",
            schema=PAYMENT_REQUEST_SCHEMA,
            provider=provider,
        )
        self.methods: dict[str, ApiGatewayMethod] = {}
        self.integrations: dict[str, ApiGatewayIntegration] = {}
        self.permissions: dict[str, LambdaPermission] = {}
        for route in ROUTES:
            resource = self.resources[route.path]
            method = ApiGatewayMethod(
                self,
                f"{route.key}-method",
                rest_api_id=api_id,
                resource_id=resource.id,
                http_method=route.method,
                authorization="NONE" if route.public else authorization,
                authorizer_id=None if route.public else authorizer_id,
                request_parameters=dict.fromkeys(route.parameters, True) or None,
                request_validator_id=self.validators[route.validator].id
                if route.validator
                else None,
                request_models={"application/json": self.model.name} if route.body_model else None,
                provider=provider,
            )
            self.methods[route.key] = method
            self.integrations[route.key] = ApiGatewayIntegration(
                self,
                f"{route.key}-integration",
                rest_api_id=api_id,
                resource_id=resource.id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=function_invoke_arn,
                provider=provider,
            )
            source_path = route.path.replace("{id}", "*")
            self.permissions[route.key] = LambdaPermission(
                self,
                f"{route.key}-permission",
                statement_id=f"AllowApiGateway-{route.key}",
                action="lambda:InvokeFunction",
                function_name=function_name,
                principal="apigateway.amazonaws.com",
                source_arn=f"{rest_api.execution_arn}/{stage_name}/{route.method}{source_path}",
                provider=provider,
            )
        definition: list[str] = [_definition_hash(authorization), self.model.schema]
        if authorizer_id is not None:
            definition.append(authorizer_id)
        definition += [resource.id for resource in self.resources.values()]
        definition += [validator.id for validator in self.validators.values()]
        definition += [method.id for method in self.methods.values()]
        for integration in self.integrations.values():
            definition += [integration.id, integration.uri]
        # Changes whenever the API definition does: the deployment's trigger.
        self.redeployment_trigger = Fn.sha1(Fn.jsonencode(definition))
