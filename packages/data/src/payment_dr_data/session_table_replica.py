"""SessionTableReplica: the standby region's replica of the session table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.dynamodb_table_replica import DynamodbTableReplicaA
from constructs import Construct

from payment_dr_core import ConfigError
from payment_dr_data._checks import check_bool, check_kms_key_arn, check_region, is_token

if TYPE_CHECKING:
    from cdktf import TerraformProvider

_TABLE_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d):\d{12}:table/[a-zA-Z0-9_.-]{3,255}"
)


@dataclass(frozen=True, kw_only=True)
class SessionTableReplicaProps:
    """Props of :class:`SessionTableReplica` (secondary stack)."""

    region: str
    """Region of the replica; must be the region of ``provider``."""

    table_arn: str
    """ARN of the table in the primary region (a cross-stack reference)."""

    kms_key_arn: str
    """The replica region's customer-managed key."""

    deletion_protection: bool = False
    """True: the replica refuses deletion (``deletion_protection_enabled``; each replica has its
    own setting, DynamoDB Developer Guide, "Using deletion protection"); production sets it."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("region", self.region)
        check_bool("deletion_protection", self.deletion_protection)
        allowed = f"the ARN of a DynamoDB table in a region other than {self.region}"
        if not is_token(self.table_arn):
            match = (
                _TABLE_ARN.fullmatch(self.table_arn) if isinstance(self.table_arn, str) else None
            )
            if match is None or match["region"] == self.region:
                raise ConfigError("table_arn", self.table_arn, allowed)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, self.region)


class SessionTableReplica(Construct):
    """An ``aws_dynamodb_table_replica`` of the session table (global tables 2019.11.21),
    encrypted with its own region's key, with point-in-time recovery and deletion protection
    when ``deletion_protection`` is set."""

    def __init__(
        self, scope: Construct, construct_id: str, props: SessionTableReplicaProps
    ) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.region = props.region
        self.replica = DynamodbTableReplicaA(
            self,
            "replica",
            global_table_arn=props.table_arn,
            kms_key_arn=props.kms_key_arn,
            point_in_time_recovery=True,
            deletion_protection_enabled=props.deletion_protection,
            provider=props.provider,
        )

    @property
    def replica_arn(self) -> str:
        """ARN of the table in the replica region."""
        return self.replica.arn

    @property
    def table_name(self) -> str:
        """Name of the table (the same in every region)."""
        return Token.as_string(Fn.element(Fn.split(":", self.replica.id), 0))
