"""SessionTable: the DynamoDB global table for sessions and idempotency records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from constructs import Construct

from payment_dr_core import Namer, names
from payment_dr_core.validation import Rule, in_range
from payment_dr_data._checks import check_bool, check_kms_key_arn, check_region

if TYPE_CHECKING:
    from cdktf import TerraformProvider

PARTITION_KEY = "pk"
"""String partition key, e.g. ``SESSION#<session id>`` or ``IDEMPOTENCY#<key>``."""

SORT_KEY = "sk"
"""String sort key, e.g. ``META`` for the item itself or ``RESPONSE`` for a stored reply."""

TTL_ATTRIBUTE = "expires_at"
"""Epoch seconds after which DynamoDB deletes the item (sessions, idempotency windows)."""

STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
"""Required by global tables (replication reads the stream)."""


@dataclass(frozen=True, kw_only=True)
class SessionTableProps:
    """Props of :class:`SessionTable` (the table in the primary region, primary stack)."""

    namer: Namer
    region: str
    """Region of the table; must be the region of ``provider``."""

    kms_key_arn: str
    """This region's customer-managed key (server-side encryption)."""

    point_in_time_recovery_days: int = 35
    """Point-in-time recovery window, 1 to 35 days."""

    deletion_protection: bool = False
    """True: DynamoDB refuses DeleteTable (``deletion_protection_enabled``) until it is turned
    off; production environments set it. False: ``destroy`` deletes the table."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_region("region", self.region)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, self.region)
        Rule("point_in_time_recovery_days", in_range(1, 35), "1 to 35").apply(
            self.point_in_time_recovery_days
        )
        check_bool("deletion_protection", self.deletion_protection)


class SessionTable(Construct):
    """On-demand table with ``pk``/``sk`` string keys, TTL on ``expires_at``, streams
    (new and old images), KMS encryption with this region's key, point-in-time recovery
    and deletion protection when ``deletion_protection`` is set.

    The table declares no ``replica`` block: its replica is an ``aws_dynamodb_table_replica``
    (:class:`SessionTableReplica`) in the secondary stack, and the two cannot be mixed.
    Changes to ``replica`` are ignored here so this stack does not remove that replica.
    """

    def __init__(self, scope: Construct, construct_id: str, props: SessionTableProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.region = props.region
        self.table = DynamodbTable(
            self,
            "table",
            name=props.namer.of(names.SESSION_TABLE),
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attribute=[
                DynamodbTableAttribute(name=PARTITION_KEY, type="S"),
                DynamodbTableAttribute(name=SORT_KEY, type="S"),
            ],
            ttl=DynamodbTableTtl(attribute_name=TTL_ATTRIBUTE, enabled=True),
            stream_enabled=True,
            stream_view_type=STREAM_VIEW_TYPE,
            server_side_encryption=DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=props.kms_key_arn
            ),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(
                enabled=True, recovery_period_in_days=props.point_in_time_recovery_days
            ),
            deletion_protection_enabled=props.deletion_protection,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["replica"]),
            provider=props.provider,
        )

    @property
    def table_name(self) -> str:
        """Name of the table (the same in every region of the global table)."""
        return self.table.name

    @property
    def table_arn(self) -> str:
        """ARN of the table in this region (the replica is created from it)."""
        return self.table.arn

    @property
    def stream_arn(self) -> str:
        """ARN of the table's stream."""
        return self.table.stream_arn
