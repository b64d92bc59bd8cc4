"""ApiClientKeys: the secret holding the API clients' key hashes, replicated to the standby."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.secretsmanager_secret import (
    SecretsmanagerSecret,
    SecretsmanagerSecretReplica,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, ResourceKind
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, in_range

CLIENT_KEYS_COMPONENT = "api-client-keys"
"""Name component of the secret: ``payment-processing-api-client-keys-<suffix>``."""


@dataclass(frozen=True, kw_only=True)
class ApiClientKeysProps:
    """Props of :class:`ApiClientKeys`."""

    namer: Namer
    region: str
    """Region of the secret (the provider's): the primary region."""

    kms_key_arn: str
    """Key of ``region`` that encrypts the secret."""

    replica_region: str
    """Region of the read-only replica (the standby): its authorizer reads it there."""

    replica_kms_key_arn: str
    """Key of ``replica_region`` that encrypts the replica."""

    recovery_window_days: int = 0
    """0 (default): ``destroy`` deletes the secret at once, so the environment can be
    recreated under the same name. 7 to 30: Secrets Manager keeps it that long."""

    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        region = validate_region("region", self.region)
        replica = validate_region("replica_region", self.replica_region)
        if replica == region:
            raise ConfigError("replica_region", replica, f"a region other than {region}")
        Rule[int](
            "recovery_window_days",
            lambda v: v == 0 or in_range(7, 30)(v),
            "0 (delete at once) or 7 to 30",
        ).apply(self.recovery_window_days)


class ApiClientKeys(Construct):
    """One Secrets Manager secret with a replica in the standby region.

    Terraform creates the secret but never its value: operators write the client key
    hashes (``docs/security.md``) into the primary secret, and Secrets Manager copies every
    new version to the replica. Each region's authorizer reads the copy in its own region,
    so authentication keeps working while the other region is down. Until a value exists
    the authorizers let no request through (fail closed): they fail with an error, which API
    Gateway answers 503 with Retry-After (the AUTHORIZER_FAILURE gateway response of
    packages/edge), so that "no keys yet" never reads as a wrong key (401).
    """

    component = CLIENT_KEYS_COMPONENT
    """Name component of the secret."""
    description = "SHA-256 hashes of the payment API client keys (read by the authorizers)"

    def __init__(self, scope: Construct, construct_id: str, props: ApiClientKeysProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.region = props.region
        self.replica_region = props.replica_region
        self.secret = SecretsmanagerSecret(
            self,
            "secret",
            name=props.namer.name(ResourceKind.SECRET, self.component),
            description=self.description,
            kms_key_id=props.kms_key_arn,
            # Secrets Manager replicates every version of the primary secret to the replica
            # region (aws_secretsmanager_secret: ``replica`` block, kms_key_id per region).
            replica=[
                SecretsmanagerSecretReplica(
                    region=props.replica_region, kms_key_id=props.replica_kms_key_arn
                )
            ],
            force_overwrite_replica_secret=True,
            recovery_window_in_days=props.recovery_window_days,
            provider=props.provider,
        )

    @property
    def secret_arn(self) -> str:
        """ARN of the secret in ``region``."""
        return self.secret.arn

    @property
    def replica_secret_arn(self) -> str:
        """ARN of the replica: the same name and random suffix in ``replica_region``."""
        return Fn.replace(self.secret.arn, f":{self.region}:", f":{self.replica_region}:")
