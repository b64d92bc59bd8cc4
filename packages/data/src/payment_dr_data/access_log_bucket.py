"""AccessLogBucket: the bucket that receives one region's S3 server access logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, NameSpec, ResourceKind, names
from payment_dr_core.validation import Rule, in_range
from payment_dr_data._checks import check_bool, check_region
from payment_dr_data._s3 import (
    block_public_access,
    deny_insecure_transport,
    enable_versioning,
    enforce_bucket_owner,
)

if TYPE_CHECKING:
    from cdktf import TerraformProvider

LOG_DELIVERY_PRINCIPAL = "logging.s3.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class AccessLogBucketProps:
    """Props of :class:`AccessLogBucket`."""

    namer: Namer
    region: str
    """Region of the bucket; the same as the buckets that log into it."""

    name: NameSpec = field(default=names.ACCESS_LOG_BUCKET)
    """Name spec from the catalogue; must be a regional S3 bucket spec."""

    retention_days: int = 365
    """Days a log object is kept (1 to 3650; one year by default, as PCI DSS asks)."""

    force_destroy: bool = True
    """True (dev/test): ``destroy`` deletes the bucket with its logs. False (production):
    ``destroy`` fails while logs remain, so audit records are only deleted on purpose."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("region", self.region)
        if self.name.kind is not ResourceKind.S3_BUCKET or not self.name.regional:
            raise ConfigError(
                "name",
                self.name.component,
                "a regional S3 bucket name spec (names.ACCESS_LOG_BUCKET)",
            )
        Rule("retention_days", in_range(1, 3650), "1 to 3650").apply(self.retention_days)
        check_bool("force_destroy", self.force_destroy)


class AccessLogBucket(Construct):
    """Private, owner-enforced, versioned, TLS-only bucket for server access logs.

    S3 log delivery writes with the ``logging.s3.amazonaws.com`` service principal, granted
    by the bucket policy (ACLs are disabled) for this account's buckets only. Default
    encryption is SSE-S3: S3 server access log delivery does not support SSE-KMS default
    encryption on the destination bucket. Access logs hold request metadata, not payment
    data. Logs expire after ``retention_days``.
    """

    def __init__(self, scope: Construct, construct_id: str, props: AccessLogBucketProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider = props.provider
        self.region = props.region
        name = props.namer.of(props.name, region=props.region)

        self.bucket = S3Bucket(
            self, "bucket", bucket=name, force_destroy=props.force_destroy, provider=provider
        )
        public_access = block_public_access(self, self.bucket, provider)
        enforce_bucket_owner(self, self.bucket, provider)
        versioning = enable_versioning(self, self.bucket, provider)
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="AES256"
                        )
                    ),
                )
            ],
            provider=provider,
        )
        identity = DataAwsCallerIdentity(self, "caller", provider=provider)
        policy = DataAwsIamPolicyDocument(
            self,
            "policy-document",
            statement=[
                deny_insecure_transport(self.bucket),
                DataAwsIamPolicyDocumentStatement(
                    sid="S3ServerAccessLogDelivery",
                    effect="Allow",
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Service", identifiers=[LOG_DELIVERY_PRINCIPAL]
                        )
                    ],
                    actions=["s3:PutObject"],
                    resources=[f"{self.bucket.arn}/*"],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable="aws:SourceAccount",
                            values=[identity.account_id],
                        )
                    ],
                ),
            ],
            provider=provider,
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=policy.json,
            depends_on=[public_access],
            provider=provider,
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],
                    expiration=[
                        S3BucketLifecycleConfigurationRuleExpiration(days=props.retention_days)
                    ],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=1
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=1
                        )
                    ],
                )
            ],
            depends_on=[versioning],
            provider=provider,
        )

    @property
    def bucket_name(self) -> str:
        """Name of the bucket."""
        return self.bucket.bucket

    @property
    def bucket_arn(self) -> str:
        """ARN of the bucket."""
        return self.bucket.arn
