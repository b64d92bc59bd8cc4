"""RegionalKey: the customer-managed KMS key of one region."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from payment_dr_core import Namer, names
from payment_dr_core.iam import confused_deputy_conditions
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, in_range

KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
"""What IAM principals of the account may do to manage the key (no data-plane use)."""

KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
"""Data-plane actions, granted only through the services below."""

SERVICES_VIA = ("rds", "dynamodb", "s3", "lambda", "secretsmanager", "sns")
"""Services through which IAM principals of the account may use the key (kms:ViaService)."""


@dataclass(frozen=True)
class RegionalKeyProps:
    """Props of :class:`RegionalKey`."""

    namer: Namer
    region: str
    """Region of the key; must be the region of ``provider``."""

    deletion_window_days: int = 7
    """Days between ``destroy`` and deletion of the key (7 to 30)."""

    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        Rule("deletion_window_days", in_range(7, 30), "7 to 30").apply(self.deletion_window_days)


class RegionalKey(Construct):
    """A symmetric key with rotation and a key policy scoped to the services that use it.

    * Account IAM principals may administer the key, and use it only through
      RDS, DynamoDB, S3, Lambda, Secrets Manager and SNS in this region.
    * CloudWatch Logs in this region may use it for this account's log groups.
    * CloudWatch (alarm actions) may publish to SNS topics encrypted with it, for alarms
      of this account and region only (``aws:SourceAccount``, ``aws:SourceArn``).
    """

    def __init__(self, scope: Construct, construct_id: str, props: RegionalKeyProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        region, provider = props.region, props.provider
        identity = DataAwsCallerIdentity(self, "caller", provider=provider)
        account = identity.account_id
        root = f"arn:aws:iam::{account}:root"

        def principals(
            kind: str, identifier: str
        ) -> list[DataAwsIamPolicyDocumentStatementPrincipals]:
            return [
                DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=[identifier])
            ]

        policy = DataAwsIamPolicyDocument(
            self,
            "policy",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="AccountAdministersKey",
                    effect="Allow",
                    principals=principals("AWS", root),
                    actions=list(KEY_ADMIN_ACTIONS),
                    resources=["*"],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="AccountUsesKeyThroughServices",
                    effect="Allow",
                    principals=principals("AWS", root),
                    actions=[*KEY_USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
                    resources=["*"],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable="kms:ViaService",
                            values=[
                                f"{service}.{region}.amazonaws.com" for service in SERVICES_VIA
                            ],
                        ),
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals", variable="kms:CallerAccount", values=[account]
                        ),
                    ],
                ),
                # Confused-deputy protection for CloudWatch Logs is the encryption context
                # condition: the log group ARN, which names this account and region
                # (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using
                # AWS KMS": the documented key policy conditions on
                # kms:EncryptionContext:aws:logs:arn).
                DataAwsIamPolicyDocumentStatement(
                    sid="CloudWatchLogsEncryptsLogGroups",
                    effect="Allow",
                    principals=principals("Service", f"logs.{region}.amazonaws.com"),
                    actions=list(KEY_USE_ACTIONS),
                    resources=["*"],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="ArnLike",
                            variable="kms:EncryptionContext:aws:logs:arn",
                            values=[f"arn:aws:logs:{region}:{account}:log-group:*"],
                        )
                    ],
                ),
                # Only alarms of this account in this region may use the key to publish
                # to encrypted topics: CloudWatch sets aws:SourceAccount and aws:SourceArn
                # (the alarm ARN) on these calls (Amazon SNS developer guide, "Enable
                # compatibility between event sources from AWS services and encrypted
                # topics", which lists CloudWatch among the sources supporting both keys).
                DataAwsIamPolicyDocumentStatement(
                    sid="CloudWatchAlarmsPublishToEncryptedTopics",
                    effect="Allow",
                    principals=principals("Service", "cloudwatch.amazonaws.com"),
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=["*"],
                    condition=confused_deputy_conditions(
                        account, f"arn:aws:cloudwatch:{region}:{account}:alarm:*"
                    ),
                ),
            ],
            provider=provider,
        )
        self.key = KmsKey(
            self,
            "key",
            description=f"payment-processing data key, environment {props.namer.suffix}, {region}",
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=policy.json,
            provider=provider,
        )
        self.alias = KmsAlias(
            self,
            "alias",
            name=props.namer.of(names.KMS_KEY_ALIAS, region=region),
            target_key_id=self.key.key_id,
            provider=provider,
        )
        self.region = region

    @property
    def key_arn(self) -> str:
        """ARN of the key."""
        return self.key.arn

    @property
    def key_id(self) -> str:
        """Key ID."""
        return self.key.key_id

    @property
    def alias_name(self) -> str:
        """``alias/payment-processing-key-<region code>-<suffix>``."""
        return self.alias.name
