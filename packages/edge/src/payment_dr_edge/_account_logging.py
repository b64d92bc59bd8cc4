"""The API Gateway account logging role of one region (a per-region account setting)."""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from payment_dr_core import Namer, names
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_edge.settings import APIGW_LOGGING_POLICY_ARN


class ApiGatewayAccountLogging(Construct):
    """``aws_api_gateway_account`` pointing at a role that API Gateway assumes to write
    execution and access logs. AWS requires the role before a stage may log; its
    permissions come from the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        namer: Namer,
        region: str,
        provider: TerraformProvider | None,
    ) -> None:
        super().__init__(scope, construct_id)
        assume = service_assume_role_policy(
            self,
            "assume",
            service="apigateway.amazonaws.com",
            provider=provider,
        )
        self.role = IamRole(
            self,
            "role",
            name=namer.of(names.API_GATEWAY_LOGGING_ROLE, region=region),
            description=f"API Gateway writes CloudWatch logs in {region}",
            assume_role_policy=assume.json,
            provider=provider,
        )
        self.policy = IamRolePolicyAttachment(
            self,
            "push-to-logs",
            role=self.role.name,
            policy_arn=APIGW_LOGGING_POLICY_ARN,
            provider=provider,
        )
        self.account = ApiGatewayAccount(
            self,
            "account",
            cloudwatch_role_arn=self.role.arn,
            depends_on=[self.policy],
            provider=provider,
        )
