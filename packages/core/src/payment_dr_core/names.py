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
DEFAULT_SECURITY_GROUP = NameSpec(K.NAME_TAG, "default-deny", regional=True)
FLOW_LOG_GROUP = NameSpec(K.LOG_GROUP, "vpc-flow-logs", regional=True, path="/aws/vpc/")
FLOW_LOG_ROLE = NameSpec(K.IAM_ROLE, "vpc-flow-logs", regional=True)
FLOW_LOG_POLICY = NameSpec(K.IAM_POLICY, "vpc-flow-logs", regional=True)
PEERING = NameSpec(K.NAME_TAG, "vpc-peering")

# data
KMS_KEY_ALIAS = NameSpec(K.KMS_ALIAS, "key", regional=True)

ALL: tuple[NameSpec, ...] = (
    VPC,
    PRIVATE_SUBNET,
    PRIVATE_ROUTE_TABLE,
    ENDPOINT_SECURITY_GROUP,
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG_GROUP,
    FLOW_LOG_ROLE,
    FLOW_LOG_POLICY,
    PEERING,
    KMS_KEY_ALIAS,
)
"""Every name spec above; config validation builds each one."""
