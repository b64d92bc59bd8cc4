"""FisLambdaExtension: what a function needs so that AWS FIS can inject faults into it.

The ``aws:lambda:function`` actions of AWS FIS (``aws:lambda:invocation-error`` and the
others) work through an AWS-managed extension (FIS User Guide, "Use the AWS FIS
aws:lambda:function actions"):

* the extension is attached to the function as a layer, whose ARN AWS publishes per region and
  architecture ("Available versions of the AWS FIS extension for Lambda");
* ``AWS_LAMBDA_EXEC_WRAPPER=/opt/aws-fis/bootstrap`` starts the function through it, and
  ``AWS_FIS_CONFIGURATION_LOCATION=arn:aws:s3:::<bucket>/<prefix>/`` tells it where FIS writes
  the fault to apply;
* the function's role may list that prefix (``s3:ListBucket`` with an ``s3:prefix`` condition)
  and read its objects (``s3:GetObject``).

The bucket here is encrypted with the region's customer-managed key (SSE-KMS): reading an
object so encrypted also takes ``kms:Decrypt`` on that key (Amazon S3 User Guide, "Using
server-side encryption with AWS KMS keys (SSE-KMS)", permissions), granted here only through
S3 in the function's region (``kms:ViaService``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token

from payment_dr_compute.function import PolicyStatement
from payment_dr_core import ConfigError

EXEC_WRAPPER = "/opt/aws-fis/bootstrap"
"""``AWS_LAMBDA_EXEC_WRAPPER``: the extension's wrapper script inside its layer."""

CONFIGURATION_PREFIX = "FisConfigs/"
"""Folder of the configuration bucket FIS writes faults to (the FIS User Guide's example)."""


def _literal(value: str) -> bool:
    return not Token.is_unresolved(value)


@dataclass(frozen=True)
class FisLambdaExtension:
    """The AWS FIS Lambda extension on one function: its layer, where it reads faults, and
    the key those faults are encrypted with."""

    layer_arn: str
    """Layer version ARN of the extension in the function's region, for its architecture."""

    configuration_bucket_arn: str
    """The configuration bucket (``arn:aws:s3:::<name>``), in the function's region: FIS
    writes there, the extension reads there (one bucket per region)."""

    configuration_key_arn: str
    """The KMS key of the configuration bucket's default encryption."""

    configuration_prefix: str = CONFIGURATION_PREFIX
    """Folder of the bucket, ending with ``/``: the only objects the function may read."""

    def validate(self, region: str) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        layer = rf"arn:aws:lambda:{re.escape(region)}:\d{{12}}:layer:[A-Za-z0-9_-]+:[1-9]\d*"
        if _literal(self.layer_arn) and re.fullmatch(layer, self.layer_arn) is None:
            raise ConfigError(
                "fis_extension.layer_arn",
                self.layer_arn,
                f"a Lambda layer version ARN in {region} (the function's region)",
            )
        bucket = self.configuration_bucket_arn
        if (
            _literal(bucket)
            and re.fullmatch(r"arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}", bucket) is None
        ):
            raise ConfigError("fis_extension.configuration_bucket_arn", bucket, "an S3 bucket ARN")
        key = self.configuration_key_arn
        if (
            _literal(key)
            and re.fullmatch(rf"arn:aws:kms:{re.escape(region)}:\d{{12}}:key/[\w-]+", key) is None
        ):
            raise ConfigError(
                "fis_extension.configuration_key_arn",
                key,
                f"the ARN of a KMS key in {region}",
            )
        if re.fullmatch(r"([A-Za-z0-9_-]+/)+", self.configuration_prefix) is None:
            raise ConfigError(
                "fis_extension.configuration_prefix",
                self.configuration_prefix,
                "folder names of letters, digits, '_' and '-', each ending with '/'",
            )

    @property
    def configuration_location(self) -> str:
        """``AWS_FIS_CONFIGURATION_LOCATION``: the bucket ARN and the folder."""
        return f"{self.configuration_bucket_arn}/{self.configuration_prefix}"

    @property
    def environment(self) -> dict[str, str]:
        """The variables the extension needs on the function."""
        return {
            "AWS_LAMBDA_EXEC_WRAPPER": EXEC_WRAPPER,
            "AWS_FIS_CONFIGURATION_LOCATION": self.configuration_location,
        }

    def statements(self, region: str) -> tuple[PolicyStatement, ...]:
        """The function role's permissions on the configuration location: the FIS User
        Guide's read policy for the extension, and the bucket key through S3."""
        return (
            PolicyStatement(
                "ListFaultConfiguration",
                ("s3:ListBucket",),
                (self.configuration_bucket_arn,),
                (("StringLike", "s3:prefix", (f"{self.configuration_prefix}*",)),),
            ),
            PolicyStatement(
                "ReadFaultConfiguration",
                ("s3:GetObject",),
                (f"{self.configuration_bucket_arn}/{self.configuration_prefix}*",),
            ),
            PolicyStatement(
                "DecryptFaultConfigurationThroughS3",
                ("kms:Decrypt",),
                (self.configuration_key_arn,),
                (("StringEquals", "kms:ViaService", (f"s3.{region}.amazonaws.com",)),),
            ),
        )
