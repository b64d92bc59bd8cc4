"""The catalogue of every physical name the project creates.

Constructs take their names from here, and environment config validation
builds each of them for the configured suffix and regions, so a suffix that
would overflow any AWS limit is refused before a construct is built.
"""

from __future__ import annotations

from payment_dr_core.naming import NameSpec
from payment_dr_core.naming import ResourceKind as K

# network
VPC = NameSpec(K.NAME_TAG, "vpc", regional=True)
PRIVATE_SUBNET = NameSpec(K.NAME_TAG, "private-az", regional=True)
PRIVATE_ROUTE_TABLE = NameSpec(K.NAME_TAG, "private-rt-az", regional=True)
ENDPOINT_SECURITY_GROUP = NameSpec(K.SECURITY_GROUP, "vpc-endpoints", regional=True)
APPLICATION_SECURITY_GROUP = NameSpec(K.SECURITY_GROUP, "lambda", regional=True)
DEFAULT_SECURITY_GROUP = NameSpec(K.NAME_TAG, "default-deny", regional=True)
FLOW_LOG_GROUP = NameSpec(K.LOG_GROUP, "vpc-flow-logs", regional=True, path="/aws/vpc/")
FLOW_LOG_ROLE = NameSpec(K.IAM_ROLE, "vpc-flow-logs", regional=True)
FLOW_LOG_POLICY = NameSpec(K.IAM_POLICY, "vpc-flow-logs", regional=True)
PEERING = NameSpec(K.NAME_TAG, "vpc-peering")

# data
KMS_KEY_ALIAS = NameSpec(K.KMS_ALIAS, "key", regional=True)
AURORA_GLOBAL_CLUSTER = NameSpec(K.RDS_GLOBAL_CLUSTER, "aurora-global")
AURORA_CLUSTER = NameSpec(K.RDS_CLUSTER, "aurora", regional=True)
AURORA_INSTANCE = NameSpec(K.RDS_INSTANCE, "aurora-instance", regional=True)
AURORA_PARAMETER_GROUP = NameSpec(K.RDS_PARAMETER_GROUP, "aurora-cluster-params", regional=True)
AURORA_SUBNET_GROUP = NameSpec(K.DB_SUBNET_GROUP, "aurora", regional=True)
AURORA_SECURITY_GROUP = NameSpec(K.SECURITY_GROUP, "aurora", regional=True)
AURORA_MONITORING_ROLE = NameSpec(K.IAM_ROLE, "rds-monitoring", regional=True)
AURORA_MASTER_SECRET = NameSpec(K.SECRET, "aurora-master")
SESSION_TABLE = NameSpec(K.DYNAMODB_TABLE, "sessions")
DATA_BUCKET = NameSpec(K.S3_BUCKET, "data", regional=True)
ACCESS_LOG_BUCKET = NameSpec(K.S3_BUCKET, "access-logs", regional=True)
REPLICATION_ROLE = NameSpec(K.IAM_ROLE, "s3-replication", regional=True)
REPLICATION_POLICY = NameSpec(K.IAM_POLICY, "s3-replication", regional=True)

ALL: tuple[NameSpec, ...] = (
    VPC,
    PRIVATE_SUBNET,
    PRIVATE_ROUTE_TABLE,
    ENDPOINT_SECURITY_GROUP,
    APPLICATION_SECURITY_GROUP,
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG_GROUP,
    FLOW_LOG_ROLE,
    FLOW_LOG_POLICY,
    PEERING,
    KMS_KEY_ALIAS,
    AURORA_GLOBAL_CLUSTER,
    AURORA_CLUSTER,
    AURORA_INSTANCE,
    AURORA_PARAMETER_GROUP,
    AURORA_SUBNET_GROUP,
    AURORA_SECURITY_GROUP,
    AURORA_MONITORING_ROLE,
    AURORA_MASTER_SECRET,
    SESSION_TABLE,
    DATA_BUCKET,
    ACCESS_LOG_BUCKET,
    REPLICATION_ROLE,
    REPLICATION_POLICY,
)
"""Every name spec above; config validation builds each one."""
