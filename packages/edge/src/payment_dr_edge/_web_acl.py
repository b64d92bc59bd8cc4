"""The WAF web ACL in front of one regional API stage, with its logging."""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_resource_policy import CloudwatchLogResourcePolicy
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

from payment_dr_core import Namer, names
from payment_dr_core.iam import confused_deputy_conditions
from payment_dr_edge.settings import (
    MANAGED_RULE_GROUPS,
    WAF_RATE_WINDOW_SECONDS,
    WAF_REDACTED_HEADERS,
)

RATE_RULE_NAME = "RateLimitPerClientIp"


def _visibility(metric_name: str) -> Wafv2WebAclRuleVisibilityConfig:
    return Wafv2WebAclRuleVisibilityConfig(
        cloudwatch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


class ApiWebAcl(Construct):
    """A REGIONAL web ACL (allow by default) with the AWS managed rule groups of
    :data:`MANAGED_RULE_GROUPS` and a per-IP rate limit, associated with one stage.

    Logs go to ``aws-waf-logs-...`` (the prefix WAF requires), encrypted with the
    region's key, with credential headers redacted. The log group's resource policy
    lets the log delivery service write to that group only, for this account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        namer: Namer,
        region: str,
        stage_arn: str,
        rate_limit: int,
        kms_key_arn: str,
        log_retention_days: int,
        provider: TerraformProvider | None,
    ) -> None:
        super().__init__(scope, construct_id)
        name = namer.of(names.WEB_ACL)
        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action=Wafv2WebAclRuleOverrideAction(
                    none=Wafv2WebAclRuleOverrideActionNone()
                ),
                statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                visibility_config=_visibility(f"{name}-{group}"),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            Wafv2WebAclRule(
                name=RATE_RULE_NAME,
                priority=len(MANAGED_RULE_GROUPS),
                action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
                statement={
                    "rate_based_statement": {
                        "limit": rate_limit,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": WAF_RATE_WINDOW_SECONDS,
                    }
                },
                visibility_config=_visibility(f"{name}-{RATE_RULE_NAME}"),
            )
        )
        self.web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=name,
            description="Payment API: AWS managed rules and a per-IP rate limit",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
            provider=provider,
        )
        self.association = Wafv2WebAclAssociation(
            self,
            "association",
            resource_arn=stage_arn,
            web_acl_arn=self.web_acl.arn,
            provider=provider,
        )
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=namer.of(names.WAF_LOG_GROUP),
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
            provider=provider,
        )
        account = DataAwsCallerIdentity(self, "caller", provider=provider).account_id
        delivery = DataAwsIamPolicyDocument(
            self,
            "delivery-policy",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="WafLogDelivery",
                    effect="Allow",
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Service", identifiers=["delivery.logs.amazonaws.com"]
                        )
                    ],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{self.log_group.arn}:*"],
                    condition=confused_deputy_conditions(
                        account, f"arn:aws:logs:{region}:{account}:*"
                    ),
                )
            ],
            provider=provider,
        )
        self.log_policy = CloudwatchLogResourcePolicy(
            self,
            "log-policy",
            policy_name=namer.of(names.WAF_LOG_DELIVERY_POLICY),
            policy_document=delivery.json,
            provider=provider,
        )
        self.logging = Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(
                        name=header
                    )
                )
                for header in WAF_REDACTED_HEADERS
            ],
            depends_on=[self.log_policy],
            provider=provider,
        )
