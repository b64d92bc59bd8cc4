"""payment-dr-data: KMS keys, Aurora global database, session table, replicated buckets."""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

from payment_dr_data.access_log_bucket import AccessLogBucket, AccessLogBucketProps
from payment_dr_data.aurora_primary import AuroraGlobalPrimary, AuroraGlobalPrimaryProps
from payment_dr_data.aurora_secondary import AuroraGlobalSecondary, AuroraGlobalSecondaryProps
from payment_dr_data.aurora_settings import (
    ENGINE,
    ENGINE_VERSION,
    PARAMETER_GROUP_FAMILY,
    PORT,
    AuroraRegionProps,
)
from payment_dr_data.bucket_replication import (
    REPLICATION_RULE_ID,
    BucketReplication,
    BucketReplicationProps,
)
from payment_dr_data.regional_key import (
    KEY_ADMIN_ACTIONS,
    KEY_USE_ACTIONS,
    SERVICES_VIA,
    RegionalKey,
    RegionalKeyProps,
)
from payment_dr_data.secure_bucket import SecureBucket, SecureBucketProps
from payment_dr_data.session_table import (
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
    SessionTable,
    SessionTableProps,
)
from payment_dr_data.session_table_replica import SessionTableReplica, SessionTableReplicaProps

__version__ = "0.1.0"

__all__ = [
    "ENGINE",
    "ENGINE_VERSION",
    "KEY_ADMIN_ACTIONS",
    "KEY_USE_ACTIONS",
    "PARAMETER_GROUP_FAMILY",
    "PARTITION_KEY",
    "PORT",
    "REPLICATION_RULE_ID",
    "SERVICES_VIA",
    "SORT_KEY",
    "TTL_ATTRIBUTE",
    "AccessLogBucket",
    "AccessLogBucketProps",
    "AuroraGlobalPrimary",
    "AuroraGlobalPrimaryProps",
    "AuroraGlobalSecondary",
    "AuroraGlobalSecondaryProps",
    "AuroraRegionProps",
    "BucketReplication",
    "BucketReplicationProps",
    "RegionalKey",
    "RegionalKeyProps",
    "SecureBucket",
    "SecureBucketProps",
    "SessionTable",
    "SessionTableProps",
    "SessionTableReplica",
    "SessionTableReplicaProps",
    "__version__",
]
