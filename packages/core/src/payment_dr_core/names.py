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
AURORA_FINAL_SNAPSHOT = NameSpec(K.RDS_CLUSTER_SNAPSHOT, "aurora-final", regional=True)
"""Final snapshot each production cluster takes when it is deleted."""
FAILOVER_SNAPSHOT_TIME_TAIL = len("-YYYYMMDDHHMMSS")
"""What the failover plan appends to a snapshot copy's name: ``-`` and the snapshot time."""
AURORA_FAILOVER_SNAPSHOT_COPY = NameSpec(
    K.RDS_CLUSTER_SNAPSHOT_COPY, "failover", tail=FAILOVER_SNAPSHOT_TIME_TAIL
)
"""Start of the manual copies of an ``rds:unplanned-global-failover-*`` snapshot, made in the
old primary's region; each copy is ``<this>-<snapshot time, YYYYMMDDHHMMSS>``. Snapshot
identifiers are unique per account and region, so the name carries no region code, which
keeps it, with the 15 characters of the time, within CopyDBClusterSnapshot's 63."""
SESSION_TABLE = NameSpec(K.DYNAMODB_TABLE, "sessions")
DATA_BUCKET = NameSpec(K.S3_BUCKET, "data", regional=True)
ACCESS_LOG_BUCKET = NameSpec(K.S3_BUCKET, "access-logs", regional=True)
REPLICATION_ROLE = NameSpec(K.IAM_ROLE, "s3-replication", regional=True)
REPLICATION_POLICY = NameSpec(K.IAM_POLICY, "s3-replication", regional=True)

# edge
REST_API = NameSpec(K.REST_API, "api")
API_ACCESS_LOG_GROUP = NameSpec(K.LOG_GROUP, "api-access", path="/aws/apigateway/")
API_GATEWAY_LOGGING_ROLE = NameSpec(K.IAM_ROLE, "apigw-cloudwatch", regional=True)
WEB_ACL = NameSpec(K.WAF_WEB_ACL, "api-waf")
WAF_LOG_GROUP = NameSpec(K.LOG_GROUP, "api-waf", path="aws-waf-logs-")
"""AWS WAF only delivers logs to log groups whose name starts with ``aws-waf-logs-``."""
WAF_LOG_DELIVERY_POLICY = NameSpec(K.IAM_POLICY, "waf-log-delivery")
"""CloudWatch Logs resource policy; its names follow the IAM policy name rules."""
PRIMARY_HEALTH_CHECK = NameSpec(K.NAME_TAG, "api-health-primary")
SECONDARY_HEALTH_CHECK = NameSpec(K.NAME_TAG, "api-health-secondary")
PRIMARY_HEALTH_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "api-primary-unhealthy")

# observability
ALERT_TOPIC = NameSpec(K.SNS_TOPIC, "alerts", regional=True)
DR_DASHBOARD = NameSpec(K.DASHBOARD, "dr")
AURORA_REPLICATION_LAG_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "aurora-replication-lag", regional=True)
AURORA_RPO_LAG_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "aurora-rpo-lag", regional=True)
S3_REPLICATION_LATENCY_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "s3-replication-latency", regional=True)
S3_REPLICATION_FAILED_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "s3-replication-failed", regional=True)
DYNAMODB_REPLICATION_LATENCY_ALARM = NameSpec(
    K.CLOUDWATCH_ALARM, "dynamodb-replication-latency", regional=True
)
LAMBDA_ERRORS_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "lambda-errors", regional=True)
LAMBDA_THROTTLES_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "lambda-throttles", regional=True)
API_5XX_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "api-5xx", regional=True)
API_LATENCY_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "api-latency-p99", regional=True)
HEALTH_CHECK_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "health-check", regional=True)

# failover automation (components shared with the payment-dr CLI)
ORCHESTRATOR_FUNCTION = NameSpec(K.LAMBDA_FUNCTION, "failover-orchestrator", regional=True)
ORCHESTRATOR_SCHEDULE = NameSpec(K.EVENTBRIDGE_RULE, "failover-orchestrator", regional=True)
DECISION_TABLE = NameSpec(K.DYNAMODB_TABLE, "failover-decisions")
SWITCH_PARAMETER = NameSpec(K.SSM_PARAMETER, "auto-failover-enabled")

# vantage points: probes of the primary's direct /health from outside the primary region
# (the secondary region and the third, probe region)
PROBE_FUNCTION = NameSpec(K.LAMBDA_FUNCTION, "primary-probe", regional=True)
PROBE_SCHEDULE = NameSpec(K.EVENTBRIDGE_RULE, "primary-probe", regional=True)
PROBE_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "primary-no-response", regional=True)
"""In ALARM when the probe in that region got no response from the primary at all."""
PROBE_NAMES: tuple[NameSpec, ...] = (PROBE_FUNCTION, PROBE_SCHEDULE, PROBE_ALARM, KMS_KEY_ALIAS)
"""The names also created in the probe region (config validation builds them there)."""

# continuous readiness: the evaluator in the secondary region, its schedule and its alarm
READINESS_FUNCTION = NameSpec(K.LAMBDA_FUNCTION, "readiness", regional=True)
"""``<prefix>-readiness-<region code>-<suffix>``; its role and policy carry the same name."""
READINESS_SCHEDULE = NameSpec(K.EVENTBRIDGE_RULE, "readiness", regional=True)
READINESS_ALARM = NameSpec(K.CLOUDWATCH_ALARM, "dr-not-ready", regional=True)
"""In ALARM when the DR pair is not shown ready (a check failed, or no evaluation at all)."""

# game days: AWS FIS experiment templates (opt-in, ``gameday_experiments``) and their role
GAMEDAY_FIS_ROLE = NameSpec(K.IAM_ROLE, "gameday-fis", regional=True)
"""The role AWS FIS assumes for the game-day experiments; only what their actions need."""
GAMEDAY_DYNAMODB_EXPERIMENT = NameSpec(K.NAME_TAG, "gameday-dynamodb-pause", regional=True)
"""Name tag of the experiment template pausing the session table's replication."""
GAMEDAY_S3_EXPERIMENT = NameSpec(K.NAME_TAG, "gameday-s3-pause", regional=True)
"""Name tag of the experiment template pausing the data bucket's replication."""
GAMEDAY_API_ERRORS_EXPERIMENT = NameSpec(K.NAME_TAG, "gameday-api-errors", regional=True)
"""Name tag of the experiment template injecting errors into the primary API function
(opt-in, ``gameday_lambda_faults``)."""
GAMEDAY_FIS_CONFIG_BUCKET = NameSpec(K.S3_BUCKET, "fis-config", regional=True)
"""The bucket through which AWS FIS hands a fault to its Lambda extension (opt-in,
``gameday_lambda_faults``): one per region, in the primary region."""
GAMEDAY_NAMES: tuple[NameSpec, ...] = (
    GAMEDAY_FIS_ROLE,
    GAMEDAY_DYNAMODB_EXPERIMENT,
    GAMEDAY_S3_EXPERIMENT,
    GAMEDAY_API_ERRORS_EXPERIMENT,
    GAMEDAY_FIS_CONFIG_BUCKET,
)

ALL: tuple[NameSpec, ...] = (
    ORCHESTRATOR_FUNCTION,
    ORCHESTRATOR_SCHEDULE,
    DECISION_TABLE,
    SWITCH_PARAMETER,
    PROBE_FUNCTION,
    PROBE_SCHEDULE,
    PROBE_ALARM,
    READINESS_FUNCTION,
    READINESS_SCHEDULE,
    READINESS_ALARM,
    GAMEDAY_FIS_ROLE,
    GAMEDAY_DYNAMODB_EXPERIMENT,
    GAMEDAY_S3_EXPERIMENT,
    GAMEDAY_API_ERRORS_EXPERIMENT,
    GAMEDAY_FIS_CONFIG_BUCKET,
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
    AURORA_FINAL_SNAPSHOT,
    AURORA_FAILOVER_SNAPSHOT_COPY,
    SESSION_TABLE,
    DATA_BUCKET,
    ACCESS_LOG_BUCKET,
    REPLICATION_ROLE,
    REPLICATION_POLICY,
    REST_API,
    API_ACCESS_LOG_GROUP,
    API_GATEWAY_LOGGING_ROLE,
    WEB_ACL,
    WAF_LOG_GROUP,
    WAF_LOG_DELIVERY_POLICY,
    PRIMARY_HEALTH_CHECK,
    SECONDARY_HEALTH_CHECK,
    PRIMARY_HEALTH_ALARM,
    ALERT_TOPIC,
    DR_DASHBOARD,
    AURORA_REPLICATION_LAG_ALARM,
    AURORA_RPO_LAG_ALARM,
    S3_REPLICATION_LATENCY_ALARM,
    S3_REPLICATION_FAILED_ALARM,
    DYNAMODB_REPLICATION_LATENCY_ALARM,
    LAMBDA_ERRORS_ALARM,
    LAMBDA_THROTTLES_ALARM,
    API_5XX_ALARM,
    API_LATENCY_ALARM,
    HEALTH_CHECK_ALARM,
)
"""Every name spec above; config validation builds each one."""
