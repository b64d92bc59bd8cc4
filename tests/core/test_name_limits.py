"""Each resource kind's AWS name limits, at their exact boundaries, with the literal message.

The limits are AWS facts, checked here against the API references rather than against the
code's own table (a changed number in naming.py must fail here):

* S3 bucket: 3-63 characters (S3 User Guide, "General purpose bucket naming rules").
* RDS DBClusterIdentifier, DBInstanceIdentifier, GlobalClusterIdentifier: 1-63 letters,
  digits or hyphens, first a letter, no trailing hyphen, no two hyphens in a row (RDS API
  reference, CreateDBCluster / CreateDBInstance / CreateGlobalCluster).
* RDS DB cluster parameter group and cluster snapshot identifiers: 1-255 (RDS API reference,
  CreateDBClusterParameterGroup, DeleteDBCluster FinalDBSnapshotIdentifier).
* DB subnet group: at most 255 characters (RDS API reference, CreateDBSubnetGroup).
* Lambda FunctionName: 64 characters when given as a name (Lambda API reference,
  CreateFunction).
* IAM RoleName 64, PolicyName 128 (IAM API reference, CreateRole / CreatePolicy).
* CloudWatch Logs logGroupName 1-512 (CloudWatch Logs API reference, CreateLogGroup).
* KMS alias: 1-256 characters including ``alias/``; ``alias/aws/`` is reserved (KMS Developer
  Guide, "Create aliases"); ``alias/`` plus one character is the shortest, 7.
* EC2 security group GroupName: up to 255 characters, not starting with ``sg-`` (EC2 API
  reference, CreateSecurityGroup).
* DynamoDB TableName 3-255 (DynamoDB API reference, CreateTable).
* SNS topic name: up to 256 characters (SNS API reference, CreateTopic).
* Secrets Manager secret name: up to 512 characters (Secrets Manager API reference,
  CreateSecret).
* SSM parameter name: 1011 characters (SSM API reference, PutParameter; AWS counts the ARN
  prefix in that length, so 1011 is an upper bound this check enforces, not a guarantee).
* CloudWatch AlarmName 1-255, dashboard name 1-255 (CloudWatch API reference, PutMetricAlarm,
  PutDashboard).
* API Gateway REST API name: the bound this check enforces, 1024.
* WAFv2 web ACL Name 1-128 (WAFv2 API reference, CreateWebACL).
* EventBridge rule Name 1-64 (EventBridge API reference, PutRule).
* A tag value (the ``Name`` tag): up to 256 characters (Tagging AWS resources).
"""

from __future__ import annotations

import dataclasses

import pytest

from payment_dr_core import ConfigError, Namer, NameSpec, ResourceKind

RDS_TEXT = "starts with a letter; letters, digits, '-'; no trailing '-'"


@pytest.mark.parametrize(
    ("kind", "longest", "text"),
    [
        (ResourceKind.S3_BUCKET, 63, "S3 bucket name of 3-63 characters "
         "(lowercase letters, digits, '.', '-')"),
        (ResourceKind.RDS_CLUSTER, 63, f"RDS cluster name of 1-63 characters ({RDS_TEXT})"),
        (ResourceKind.RDS_INSTANCE, 63, f"RDS instance name of 1-63 characters ({RDS_TEXT})"),
        (ResourceKind.RDS_GLOBAL_CLUSTER, 63,
         f"RDS global cluster name of 1-63 characters ({RDS_TEXT})"),
        (ResourceKind.RDS_PARAMETER_GROUP, 255, "RDS parameter group name of 1-255 characters "
         "(starts with a lowercase letter; lowercase letters, digits, '-')"),
        (ResourceKind.RDS_CLUSTER_SNAPSHOT, 255,
         f"RDS cluster snapshot name of 1-255 characters ({RDS_TEXT})"),
        (ResourceKind.DB_SUBNET_GROUP, 255, "DB subnet group name of 1-255 characters "
         "(lowercase letters, digits, ' ._-')"),
        (ResourceKind.LAMBDA_FUNCTION, 64, "Lambda function name of 1-64 characters "
         "(letters, digits, '-', '_')"),
        (ResourceKind.IAM_ROLE, 64, "IAM role name of 1-64 characters "
         "(letters, digits, '+=,.@_-')"),
        (ResourceKind.IAM_POLICY, 128, "IAM policy name of 1-128 characters "
         "(letters, digits, '+=,.@_-')"),
        (ResourceKind.LOG_GROUP, 512, "CloudWatch log group name of 1-512 characters "
         "(letters, digits, '._-/#')"),
        (ResourceKind.SECURITY_GROUP, 255, "security group name of 1-255 characters "
         "(ASCII letters, digits and common punctuation, not starting with 'sg-')"),
        (ResourceKind.DYNAMODB_TABLE, 255, "DynamoDB table name of 3-255 characters "
         "(letters, digits, '_.-')"),
        (ResourceKind.SNS_TOPIC, 256, "SNS topic name of 1-256 characters "
         "(letters, digits, '_-')"),
        (ResourceKind.SECRET, 512, "Secrets Manager secret name of 1-512 characters "
         "(letters, digits, '/_+=.@-')"),
        (ResourceKind.CLOUDWATCH_ALARM, 255, "CloudWatch alarm name of 1-255 characters "
         "(printable characters)"),
        (ResourceKind.DASHBOARD, 255, "CloudWatch dashboard name of 1-255 characters "
         "(letters, digits, '_-')"),
        (ResourceKind.REST_API, 1024, "API Gateway REST API name of 1-1024 characters "
         "(printable characters)"),
        (ResourceKind.WAF_WEB_ACL, 128, "WAF web ACL name of 1-128 characters "
         "(letters, digits, '_-')"),
        (ResourceKind.EVENTBRIDGE_RULE, 64, "EventBridge rule name of 1-64 characters "
         "(letters, digits, '._-')"),
        (ResourceKind.NAME_TAG, 256, "Name tag name of 1-256 characters "
         "(letters, digits, ' _.:/=+-@')"),
    ],
)  # fmt: skip
def test_longest_name_fits_and_one_more_character_is_refused(
    kind: ResourceKind, longest: int, text: str
) -> None:
    rule = kind.value
    rule.check("a" * longest)
    with pytest.raises(ConfigError) as raised:
        rule.check("a" * (longest + 1))
    assert str(raised.value) == (
        f"name of {text.split(' name of ')[0]}: got '{'a' * (longest + 1)}'; "
        f"allowed: a {text}; this one has {longest + 1}"
    )


def test_a_63_character_rds_cluster_identifier_fits_and_64_do_not() -> None:
    """DBClusterIdentifier: 1 to 63 letters, numbers or hyphens (RDS API reference,
    CreateDBCluster, "for Aurora DB clusters"); built through the Namer as deployed."""
    component = "c" * 40  # payment-processing- (19) + 40 + -dev (4) = 63
    name = Namer("dev").name(ResourceKind.RDS_CLUSTER, component)
    assert name == "payment-processing-" + component + "-dev"
    assert len(name) == 63
    with pytest.raises(ConfigError) as raised:
        Namer("dev").name(ResourceKind.RDS_CLUSTER, component + "c")
    assert raised.value.field == "name of RDS cluster"
    assert raised.value.allowed == (
        f"a RDS cluster name of 1-63 characters ({RDS_TEXT}); this one has 64"
    )


@pytest.mark.parametrize(
    ("kind", "shortest", "too_short", "message"),
    [
        # S3: at least 3 (S3 User Guide); two characters is refused for its length
        (ResourceKind.S3_BUCKET, "abc", "ab", "name of S3 bucket: got 'ab'; allowed: a S3 bucket "
         "name of 3-63 characters (lowercase letters, digits, '.', '-'); this one has 2"),
        # DynamoDB: at least 3 (CreateTable)
        (ResourceKind.DYNAMODB_TABLE, "ab_", "a_", "name of DynamoDB table: got 'a_'; allowed: "
         "a DynamoDB table name of 3-255 characters (letters, digits, '_.-'); this one has 2"),
        # RDS: one letter is a valid identifier (1 to 63 characters)
        (ResourceKind.RDS_CLUSTER, "a", "", "name of RDS cluster: got ''; allowed: a RDS "
         f"cluster name of 1-63 characters ({RDS_TEXT}); this one has 0"),
        (ResourceKind.RDS_PARAMETER_GROUP, "a", "", "name of RDS parameter group: got ''; "
         "allowed: a RDS parameter group name of 1-255 characters (starts with a lowercase "
         "letter; lowercase letters, digits, '-'); this one has 0"),
        # KMS: 'alias/' and one character; 'alias/' alone is refused for its length
        (ResourceKind.KMS_ALIAS, "alias/k", "alias/", "name of KMS alias: got 'alias/'; "
         "allowed: a KMS alias name of 7-256 characters ('alias/' then letters, digits, '/_-', "
         "not under alias/aws/); this one has 6"),
        (ResourceKind.LAMBDA_FUNCTION, "f", "", "name of Lambda function: got ''; allowed: a "
         "Lambda function name of 1-64 characters (letters, digits, '-', '_'); this one has 0"),
        (ResourceKind.SSM_PARAMETER, "/p", "", "name of SSM parameter: got ''; allowed: a SSM "
         "parameter name of 1-1011 characters ('/' then letters, digits, '_.-/'); "
         "this one has 0"),
    ],
)  # fmt: skip
def test_shortest_name_fits_and_a_shorter_one_is_refused_for_its_length(
    kind: ResourceKind, shortest: str, too_short: str, message: str
) -> None:
    kind.value.check(shortest)
    with pytest.raises(ConfigError) as raised:
        kind.value.check(too_short)
    assert str(raised.value) == message


def test_prefixed_kinds_at_their_longest() -> None:
    """KMS alias 256 including 'alias/'; SSM parameter 1011 including the leading '/'."""
    ResourceKind.KMS_ALIAS.value.check("alias/" + "k" * 250)
    with pytest.raises(ConfigError, match="this one has 257$"):
        ResourceKind.KMS_ALIAS.value.check("alias/" + "k" * 251)
    ResourceKind.SSM_PARAMETER.value.check("/" + "p" * 1010)
    with pytest.raises(ConfigError, match="this one has 1012$"):
        ResourceKind.SSM_PARAMETER.value.check("/" + "p" * 1011)
    with pytest.raises(ConfigError, match="not under alias/aws/\\)$"):
        ResourceKind.KMS_ALIAS.value.check("alias/aws/payment")


@pytest.mark.parametrize(
    "kind",
    [
        ResourceKind.RDS_CLUSTER,
        ResourceKind.RDS_INSTANCE,
        ResourceKind.RDS_GLOBAL_CLUSTER,
        ResourceKind.RDS_PARAMETER_GROUP,
        ResourceKind.RDS_CLUSTER_SNAPSHOT,
    ],
)
def test_rds_identifiers_refuse_two_hyphens_in_a_row(kind: ResourceKind) -> None:
    """RDS identifiers "can't contain two consecutive hyphens" (RDS API reference)."""
    kind.value.check("payment-x")
    with pytest.raises(ConfigError) as raised:
        kind.value.check("payment--x")
    assert raised.value.allowed.endswith(", without '--'")
    assert raised.value.value == "payment--x"


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        # S3 allows consecutive hyphens (only '..' and some prefixes/suffixes are reserved)
        (ResourceKind.S3_BUCKET, "payment--x"),
        (ResourceKind.LAMBDA_FUNCTION, "payment--x"),
        (ResourceKind.DYNAMODB_TABLE, "payment--x"),
        (ResourceKind.IAM_ROLE, "payment--x"),
    ],
)
def test_other_kinds_accept_two_hyphens(kind: ResourceKind, name: str) -> None:
    kind.value.check(name)


def test_non_regional_spec_ignores_a_given_region_and_needs_none() -> None:
    spec = NameSpec(ResourceKind.SNS_TOPIC, "alerts")
    assert Namer("dev").of(spec) == "payment-processing-alerts-dev"
    assert Namer("dev").of(spec, region="us-east-2") == "payment-processing-alerts-dev"
    with pytest.raises(ConfigError) as raised:
        Namer("dev").of(NameSpec(ResourceKind.S3_BUCKET, "logs", regional=True))
    assert str(raised.value) == (
        "region for logs: got None; allowed: a region name: this name is per region"
    )


def test_a_component_that_is_not_a_string_is_refused_with_the_field() -> None:
    with pytest.raises(ConfigError) as raised:
        Namer("dev").name(ResourceKind.LAMBDA_FUNCTION, 5)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "name component: got 5; allowed: lowercase letters, digits and single hyphens, "
        "starting with a letter"
    )


def test_naming_values_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ResourceKind.S3_BUCKET.value.max_length = 64  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        NameSpec(ResourceKind.S3_BUCKET, "logs").regional = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Namer("dev").suffix = "prod"  # type: ignore[misc]


def test_region_and_path_are_keyword_only() -> None:
    """``name(kind, component, region, path)`` positionally would let a region land in
    ``path`` (``/us-east-1payment-...``) unnoticed by a reader: both must be named."""
    spec = NameSpec(ResourceKind.S3_BUCKET, "logs", regional=True)
    with pytest.raises(TypeError):
        Namer("dev").of(spec, "us-east-1")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Namer("dev").name(ResourceKind.LOG_GROUP, "api", "us-east-1")  # type: ignore[misc]
    assert Namer("dev").of(spec, region="us-east-1") == "payment-processing-logs-use1-dev"
