"""Settings every bucket of this package gets: private, owner-enforced, versioned, TLS only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)

if TYPE_CHECKING:
    from cdktf import TerraformProvider
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from constructs import Construct


def block_public_access(
    scope: Construct, bucket: S3Bucket, provider: TerraformProvider | None
) -> S3BucketPublicAccessBlock:
    """All four public access settings on."""
    return S3BucketPublicAccessBlock(
        scope,
        "public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        provider=provider,
    )


def enforce_bucket_owner(
    scope: Construct, bucket: S3Bucket, provider: TerraformProvider | None
) -> S3BucketOwnershipControls:
    """``BucketOwnerEnforced``: ACLs are disabled; the account owns every object."""
    return S3BucketOwnershipControls(
        scope,
        "ownership",
        bucket=bucket.id,
        rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        provider=provider,
    )


def enable_versioning(
    scope: Construct, bucket: S3Bucket, provider: TerraformProvider | None
) -> S3BucketVersioningA:
    """Versioning on (replication needs it on both sides)."""
    return S3BucketVersioningA(
        scope,
        "versioning",
        bucket=bucket.id,
        versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        provider=provider,
    )


def deny_insecure_transport(bucket: S3Bucket) -> DataAwsIamPolicyDocumentStatement:
    """Deny every request that does not use TLS (``aws:SecureTransport`` false)."""
    return DataAwsIamPolicyDocumentStatement(
        sid="DenyInsecureTransport",
        effect="Deny",
        principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
        actions=["s3:*"],
        resources=[bucket.arn, f"{bucket.arn}/*"],
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(
                test="Bool", variable="aws:SecureTransport", values=["false"]
            )
        ],
    )
