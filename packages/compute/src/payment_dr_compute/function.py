"""RegionalFunction: one VPC-attached Python 3.11 Lambda with its role and log group."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import AssetType, ITerraformDependable, TerraformAsset, TerraformProvider, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from constructs import Construct

from payment_dr_compute.bundle import Bundle
from payment_dr_core import ConfigError, Namer, ResourceKind
from payment_dr_core.config import LOG_RETENTION_DAYS
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, check_all, in_range, matches

RUNTIME = "python3.11"
VPC_ACCESS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
"""AWS-managed: exactly the EC2 network-interface actions a VPC-attached function's role needs
(ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface,
AssignPrivateIpAddresses, UnassignPrivateIpAddresses: Lambda Developer Guide, "Giving Lambda
functions access to resources in an Amazon VPC", execution role permissions; AWS Managed
Policy Reference, AWSLambdaENIManagementAccess). DescribeNetworkInterfaces works only on
``*``, so AWS ships this policy for the purpose. Not AWSLambdaVPCAccessExecutionRole: that one
also allows logs:CreateLogGroup/CreateLogStream/PutLogEvents on ``*``, which would undo the
function's own log statement scoped to its log group."""

MAX_LAYERS = 5
"""Layers a function may use (Lambda Developer Guide, "Lambda quotas": function layers, five)."""

_RESERVED_ENV = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "_HANDLER",
    }
)


@dataclass(frozen=True)
class PolicyStatement:
    """One Allow statement of a function's own policy: exact actions on exact ARNs."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """``(test, variable, values)`` triples."""


@dataclass(frozen=True)
class RegionalFunctionProps:
    """Props of :class:`RegionalFunction`."""

    namer: Namer
    region: str
    component: str
    """Name component: the function is ``payment-processing-<component>-<region code>-<suffix>``."""

    handler: str
    """``module.function`` inside the bundle."""

    bundle: Bundle
    kms_key_arn: str
    """This region's key: encrypts the environment variables and the log group."""

    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    vpc_attached: bool = True
    """Attach to the private subnets. False only for functions that must reach public AWS
    endpoints without an endpoint in the VPC (Route 53's API) or other regions' public URLs."""

    statements: tuple[PolicyStatement, ...] = ()
    """The function's own permissions, beyond logs, tracing and VPC access."""

    environment: Mapping[str, str] = field(default_factory=dict)
    layer_arns: tuple[str, ...] = ()
    """Layer version ARNs of this region, at most :data:`MAX_LAYERS`. None by default: the
    bundle carries every dependency."""

    memory_mb: int = 512
    """Memory (and so CPU) in MB, 128 to 10240."""

    timeout_seconds: int = 15
    """Run time limit; API Gateway gives up after 29 s, so API functions stay below that."""

    log_retention_days: int = 365
    description: str = ""
    reads_metrics: bool = False
    """True: the role may read CloudWatch metric statistics (``cloudwatch:GetMetricStatistics``),
    which has no resource types or condition keys (Service Authorization Reference, Amazon
    CloudWatch), so its only valid resource is ``*``, like X-Ray's trace writes."""
    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        check_all(
            [
                (Rule[int]("memory_mb", in_range(128, 10240), "128 to 10240"), self.memory_mb),
                (Rule[int]("timeout_seconds", in_range(1, 900), "1 to 900"), self.timeout_seconds),
                (
                    Rule[int](
                        "log_retention_days",
                        lambda v: v in LOG_RETENTION_DAYS,
                        f"one of {LOG_RETENTION_DAYS}",
                    ),
                    self.log_retention_days,
                ),
            ]
        )
        Rule[str]("handler", matches(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*"), "module.function").apply(
            self.handler
        )
        if self.vpc_attached and not self.subnet_ids:
            raise ConfigError("subnet_ids", list(self.subnet_ids), "at least one private subnet")
        if self.vpc_attached and not self.security_group_ids:
            raise ConfigError("security_group_ids", list(self.security_group_ids), "at least one")
        if not self.vpc_attached and (self.subnet_ids or self.security_group_ids):
            raise ConfigError(
                "vpc_attached", False, "True when subnet_ids or security_group_ids are given"
            )
        for key in self.environment:
            if key in _RESERVED_ENV or not key.isidentifier() or key != key.upper():
                raise ConfigError(
                    "environment", key, "UPPER_CASE names not reserved by the Lambda runtime"
                )
        layer = rf"arn:aws:lambda:{re.escape(self.region)}:\d{{12}}:layer:[A-Za-z0-9_-]+:[1-9]\d*"
        layers = self.layer_arns
        if (
            not isinstance(layers, tuple)
            or len(layers) > MAX_LAYERS
            or len(set(layers)) != len(layers)
            or any(
                not Token.is_unresolved(arn) and re.fullmatch(layer, arn) is None for arn in layers
            )
        ):
            raise ConfigError(
                "layer_arns",
                layers,
                f"a tuple of at most {MAX_LAYERS} distinct layer version ARNs in {self.region}",
            )
        for statement in self.statements:
            for action in statement.actions:
                if "*" in action:
                    raise ConfigError(
                        f"statements.{statement.sid}", action, "exact actions, no wildcards"
                    )
            if not statement.resources or "*" in statement.resources:
                raise ConfigError(
                    f"statements.{statement.sid}", list(statement.resources), "exact ARNs, not '*'"
                )


class RegionalFunction(Construct):
    """A Lambda function in the private subnets, with tracing, its role and its log group.

    The role trusts lambda.amazonaws.com. Its inline policy
    writes to its own log group, sends traces, and holds the ``statements`` given.
    The function waits for its policies and log group, so the first invocation
    after a deploy cannot fail on missing permissions. No reserved concurrency.
    """

    def __init__(self, scope: Construct, construct_id: str, props: RegionalFunctionProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider, region = props.provider, props.region
        self.physical_name = props.namer.name(
            ResourceKind.LAMBDA_FUNCTION, props.component, region=region
        )
        """The function's name as a literal: for names derived before the function exists
        (its log group, which the function waits for). Everything that acts on the
        function uses :attr:`function_name`, a reference that orders it after creation."""
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=f"/aws/lambda/{self.physical_name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
            provider=provider,
        )
        assume = service_assume_role_policy(
            self,
            "assume",
            service="lambda.amazonaws.com",
            provider=provider,
        )
        self.role = IamRole(
            self,
            "role",
            name=props.namer.name(ResourceKind.IAM_ROLE, props.component, region=region),
            assume_role_policy=assume.json,
            provider=provider,
        )
        statements = [
            DataAwsIamPolicyDocumentStatement(
                sid="WriteOwnLogs",
                effect="Allow",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{self.log_group.arn}:*"],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="SendTraces",
                effect="Allow",
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            ),
        ]
        if props.reads_metrics:
            statements.append(
                DataAwsIamPolicyDocumentStatement(
                    sid="ReadMetricStatistics",
                    effect="Allow",
                    actions=["cloudwatch:GetMetricStatistics"],
                    resources=["*"],
                )
            )
        statements += [
            DataAwsIamPolicyDocumentStatement(
                sid=statement.sid,
                effect="Allow",
                actions=list(statement.actions),
                resources=list(statement.resources),
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test=test, variable=variable, values=list(values)
                    )
                    for test, variable, values in statement.conditions
                ]
                or None,
            )
            for statement in props.statements
        ]
        policy = DataAwsIamPolicyDocument(self, "policy", statement=statements, provider=provider)
        self.role_policy = IamRolePolicy(
            self,
            "role-policy",
            name=props.namer.name(ResourceKind.IAM_POLICY, props.component, region=region),
            role=self.role.id,
            policy=policy.json,
            provider=provider,
        )
        waits_for: list[ITerraformDependable] = [self.role_policy, self.log_group]
        if props.vpc_attached:
            waits_for.append(
                IamRolePolicyAttachment(
                    self,
                    "vpc-access",
                    role=self.role.name,
                    policy_arn=VPC_ACCESS_POLICY_ARN,
                    provider=provider,
                )
            )
        asset = TerraformAsset(self, "code", path=str(props.bundle.path), type=AssetType.FILE)
        self.function = LambdaFunction(
            self,
            "function",
            function_name=self.physical_name,
            description=props.description or None,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=["x86_64"],
            handler=props.handler,
            filename=asset.path,
            source_code_hash=props.bundle.sha256_base64,
            memory_size=props.memory_mb,
            timeout=props.timeout_seconds,
            kms_key_arn=props.kms_key_arn,
            layers=list(props.layer_arns) or None,
            environment=LambdaFunctionEnvironment(variables=dict(props.environment))
            if props.environment
            else None,
            vpc_config=LambdaFunctionVpcConfig(
                subnet_ids=list(props.subnet_ids),
                security_group_ids=list(props.security_group_ids),
            )
            if props.vpc_attached
            else None,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            depends_on=waits_for,
            provider=provider,
        )

    @property
    def function_name(self) -> str:
        """Name of the function, as a reference to the created function: a resource that
        names the function through it (a Lambda permission) is created after it. A literal
        name gives Terraform no ordering, and the provider retries a missing function for
        only a few minutes (``aws_lambda_permission`` docs: ``function_name`` takes the
        name or ARN; reference the function's attribute)."""
        return self.function.function_name

    @property
    def function_arn(self) -> str:
        """ARN of the function."""
        return self.function.arn

    @property
    def invoke_arn(self) -> str:
        """ARN API Gateway uses to invoke the function."""
        return self.function.invoke_arn

    @property
    def role_arn(self) -> str:
        """ARN of the execution role."""
        return self.role.arn

    @property
    def log_group_name(self) -> str:
        """``/aws/lambda/<function name>``."""
        return self.log_group.name
