"""SecureBucket: one region's bucket with the settings every data bucket needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import (
    S3BucketLoggingA,
    S3BucketLoggingTargetObjectKeyFormat,
    S3BucketLoggingTargetObjectKeyFormatPartitionedPrefix,
)
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, NameSpec, ResourceKind, names
from payment_dr_core.validation import Rule, check_all, in_range
from payment_dr_data._checks import check_bool, check_kms_key_arn, check_region
from payment_dr_data._s3 import (
    block_public_access,
    deny_insecure_transport,
    enable_versioning,
    enforce_bucket_owner,
)

if TYPE_CHECKING:
    from cdktf import TerraformProvider
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA

    from payment_dr_data.access_log_bucket import AccessLogBucket


@dataclass(frozen=True, kw_only=True)
class SecureBucketProps:
    """Props of :class:`SecureBucket`."""

    namer: Namer
    region: str
    """Region of the bucket; must be the region of ``provider``."""

    kms_key_arn: str
    """This region's customer-managed key (SSE-KMS default encryption, with bucket keys)."""

    name: NameSpec = field(default=names.DATA_BUCKET)
    """Name spec from the catalogue; must be a regional S3 bucket spec (S3 names are
    global, so the region code keeps the two regions' buckets apart)."""

    noncurrent_version_expiration_days: int = 30
    """Days after which a noncurrent object version is deleted (1 to 3650)."""

    abort_incomplete_multipart_upload_days: int = 7
    """Days after which an unfinished multipart upload is aborted (1 to 365)."""

    access_logs: AccessLogBucket | None = None
    """The bucket (same region, same stack) that receives this bucket's server access
    logs. None: no server access logging."""

    force_destroy: bool = True
    """True (dev/test): ``destroy`` deletes the bucket with every object and version in it.
    False (production): ``destroy`` fails while the bucket holds anything, so data is only
    deleted by an operator who empties it first (docs/deployment.md)."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("region", self.region)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, self.region)
        if self.name.kind is not ResourceKind.S3_BUCKET or not self.name.regional:
            raise ConfigError(
                "name", self.name.component, "a regional S3 bucket name spec (names.DATA_BUCKET)"
            )
        check_all(
            [
                (
                    Rule("noncurrent_version_expiration_days", in_range(1, 3650), "1 to 3650"),
                    self.noncurrent_version_expiration_days,
                ),
                (
                    Rule("abort_incomplete_multipart_upload_days", in_range(1, 365), "1 to 365"),
                    self.abort_incomplete_multipart_upload_days,
                ),
            ]
        )
        check_bool("force_destroy", self.force_destroy)
        if self.access_logs is not None and self.access_logs.region != self.region:
            raise ConfigError(
                "access_logs",
                self.access_logs.region,
                f"an access log bucket in {self.region} (S3 delivers logs within a region)",
            )


class SecureBucket(Construct):
    """A private, versioned bucket encrypted with this region's key.

    SSE-KMS default encryption with S3 bucket keys, every public access setting blocked,
    ``BucketOwnerEnforced`` ownership (no ACLs), a bucket policy that denies any request
    without TLS, lifecycle rules for noncurrent versions and unfinished multipart uploads,
    object events to EventBridge, optional server access logging, and ``force_destroy``
    (by default) so a dev/test environment can be destroyed with objects in it.
    """

    def __init__(self, scope: Construct, construct_id: str, props: SecureBucketProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider = props.provider
        self.region = props.region
        self.kms_key_arn = props.kms_key_arn
        name = props.namer.of(props.name, region=props.region)

        self.bucket = S3Bucket(
            self, "bucket", bucket=name, force_destroy=props.force_destroy, provider=provider
        )
        public_access = block_public_access(self, self.bucket, provider)
        enforce_bucket_owner(self, self.bucket, provider)
        self.versioning: S3BucketVersioningA = enable_versioning(self, self.bucket, provider)
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=props.kms_key_arn
                        )
                    ),
                    bucket_key_enabled=True,
                )
            ],
            provider=provider,
        )
        policy = DataAwsIamPolicyDocument(
            self,
            "policy-document",
            statement=[deny_insecure_transport(self.bucket)],
            provider=provider,
        )
        S3BucketPolicy(
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
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_expiration_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=props.abort_incomplete_multipart_upload_days
                        )
                    ],
                )
            ],
            depends_on=[self.versioning],
            provider=provider,
        )
        # Object events go to the region's default EventBridge bus, where monitoring
        # rules can watch for deletions and other changes.
        S3BucketNotification(
            self, "notifications", bucket=self.bucket.id, eventbridge=True, provider=provider
        )
        if props.access_logs is not None:
            S3BucketLoggingA(
                self,
                "access-logging",
                bucket=self.bucket.id,
                target_bucket=props.access_logs.bucket_name,
                target_prefix=f"{name}/",
                target_object_key_format=S3BucketLoggingTargetObjectKeyFormat(
                    partitioned_prefix=S3BucketLoggingTargetObjectKeyFormatPartitionedPrefix(
                        partition_date_source="EventTime"
                    )
                ),
                depends_on=[props.access_logs.policy],
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

    @property
    def bucket_regional_domain_name(self) -> str:
        """Regional domain name of the bucket."""
        return self.bucket.bucket_regional_domain_name
