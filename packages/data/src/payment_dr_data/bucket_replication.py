"""BucketReplication: cross-region replication from the primary bucket to the standby one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold,
    S3BucketReplicationConfigurationRuleDestinationReplicationTime,
    S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_data._checks import (
    check_bucket_arn,
    check_bucket_name,
    check_kms_key_arn,
    check_region,
)

if TYPE_CHECKING:
    from cdktf import ITerraformDependable, TerraformProvider

    from payment_dr_data.secure_bucket import SecureBucket

REPLICATION_MINUTES = 15
"""S3 Replication Time Control: 99.99% of objects within 15 minutes (the only value S3
accepts), inside the 15-minute RPO; metrics and missed-threshold events at 15 minutes."""

REPLICATION_RULE_ID = "replicate-everything"
"""ID of the single replication rule (a dimension of the S3 replication metrics)."""


@dataclass(frozen=True, kw_only=True)
class BucketReplicationProps:
    """Props of :class:`BucketReplication` (secondary stack, source region's provider)."""

    namer: Namer
    source_region: str
    """Region of the source bucket; must be the region of ``provider``."""

    source_bucket_name: str
    """Name of the source bucket (a cross-stack reference)."""

    source_bucket_arn: str
    """ARN of the source bucket (a cross-stack reference)."""

    source_kms_key_arn: str
    """The source region's key, which encrypts the source objects."""

    destination: SecureBucket
    """The destination bucket, in another region and in this stack; replication is created
    after its versioning."""

    depends_on: tuple[ITerraformDependable, ...] = ()
    """More resources to create first (the source bucket's versioning when source and
    destination live in one stack; across stacks the stack order already ensures it)."""

    provider: TerraformProvider | None = None
    """Provider for ``source_region`` (S3 replication is configured on the source bucket)."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("source_region", self.source_region)
        if self.source_region == self.destination.region:
            raise ConfigError(
                "source_region",
                self.source_region,
                f"a region other than the destination's ({self.destination.region})",
            )
        check_bucket_name("source_bucket_name", self.source_bucket_name)
        check_bucket_arn("source_bucket_arn", self.source_bucket_arn)
        check_kms_key_arn("source_kms_key_arn", self.source_kms_key_arn, self.source_region)


class BucketReplication(Construct):
    """One replication configuration (all objects, delete markers, SSE-KMS objects
    re-encrypted with the destination region's key, Replication Time Control and
    replication metrics at 15 minutes) and its least-privilege IAM role."""

    def __init__(self, scope: Construct, construct_id: str, props: BucketReplicationProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider = props.provider
        source_region = props.source_region
        destination = props.destination
        source_arn = props.source_bucket_arn

        identity = DataAwsCallerIdentity(self, "caller", provider=provider)
        assume = service_assume_role_policy(
            self,
            "assume",
            service="s3.amazonaws.com",
            source_account=identity.account_id,
            provider=provider,
        )
        self.role = IamRole(
            self,
            "role",
            name=props.namer.of(names.REPLICATION_ROLE, region=source_region),
            description="S3 cross-region replication of the payment data bucket",
            assume_role_policy=assume.json,
            provider=provider,
        )

        def via(service_region: str) -> list[DataAwsIamPolicyDocumentStatementCondition]:
            return [
                DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals",
                    variable="kms:ViaService",
                    values=[f"s3.{service_region}.amazonaws.com"],
                )
            ]

        permissions = DataAwsIamPolicyDocument(
            self,
            "permissions",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="ReadSourceReplicationConfiguration",
                    effect="Allow",
                    actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    resources=[source_arn],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="ReadSourceObjectVersions",
                    effect="Allow",
                    actions=[
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                    ],
                    resources=[f"{source_arn}/*"],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="WriteDestinationReplicas",
                    effect="Allow",
                    actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                    resources=[f"{destination.bucket_arn}/*"],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="DecryptWithSourceKey",
                    effect="Allow",
                    actions=["kms:Decrypt"],
                    resources=[props.source_kms_key_arn],
                    condition=via(source_region),
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="EncryptWithDestinationKey",
                    effect="Allow",
                    actions=["kms:Encrypt"],
                    resources=[destination.kms_key_arn],
                    condition=via(destination.region),
                ),
            ],
            provider=provider,
        )
        IamRolePolicy(
            self,
            "policy",
            name=props.namer.of(names.REPLICATION_POLICY, region=source_region),
            role=self.role.id,
            policy=permissions.json,
            provider=provider,
        )

        self.configuration = S3BucketReplicationConfigurationA(
            self,
            "configuration",
            bucket=props.source_bucket_name,
            role=self.role.arn,
            rule=[
                S3BucketReplicationConfigurationRule(
                    id=REPLICATION_RULE_ID,
                    status="Enabled",
                    priority=1,
                    filter=S3BucketReplicationConfigurationRuleFilter(),
                    delete_marker_replication=(
                        S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                            status="Enabled"
                        )
                    ),
                    source_selection_criteria=(
                        S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                            sse_kms_encrypted_objects=(
                                S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                                    status="Enabled"
                                )
                            )
                        )
                    ),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=destination.bucket_arn,
                        storage_class="STANDARD",
                        encryption_configuration=(
                            S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                                replica_kms_key_id=destination.kms_key_arn
                            )
                        ),
                        replication_time=(
                            S3BucketReplicationConfigurationRuleDestinationReplicationTime(
                                status="Enabled",
                                time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(
                                    minutes=REPLICATION_MINUTES
                                ),
                            )
                        ),
                        metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
                            status="Enabled",
                            event_threshold=(
                                S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(
                                    minutes=REPLICATION_MINUTES
                                )
                            ),
                        ),
                    ),
                )
            ],
            depends_on=[destination.versioning, *props.depends_on],
            provider=provider,
        )

    @property
    def role_arn(self) -> str:
        """ARN of the replication role."""
        return self.role.arn

    @property
    def role_name(self) -> str:
        """Name of the replication role."""
        return self.role.name

    @property
    def rule_id(self) -> str:
        """ID of the replication rule (S3 replication metrics are reported per rule)."""
        return REPLICATION_RULE_ID
