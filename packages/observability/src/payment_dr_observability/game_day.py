"""GameDayExperiments: AWS FIS experiment templates for game days, and the role FIS assumes.

Two templates, and a third on request, each stating what it proves (docs/gameday.md has the
whole table):

* ``dynamodb-pause``: ``aws:dynamodb:global-table-pause-replication`` on the session table's
  replica in the secondary region. Expected: the session table's replication alarm and a
  degraded ``/health`` (the cache only degrades it), **no failover**. AWS FIS pauses the
  replication by a resource-based policy on the replica that denies the replication
  service-linked role; a replica left in ``REPLICATION_NOT_AUTHORIZED`` for more than
  20 hours is turned, irreversibly, into a single-region table (DynamoDB Developer Guide,
  "DynamoDB global tables security", multi-Region eventually consistent tables). The
  duration is therefore capped at :data:`DYNAMODB_PAUSE_MAX_MINUTES`, far below that.
* ``s3-pause``: ``aws:s3:bucket-pause-replication`` on the data bucket (primary region),
  towards the secondary region. Expected: the S3 replication-latency (RTC) alarm in the
  secondary region fires; nothing fails over.
* ``api-errors`` (only with :attr:`GameDayExperimentsProps.lambda_faults`):
  ``aws:lambda:invocation-error`` on the primary API function, which must carry the AWS FIS
  Lambda extension (``payment_dr_compute.FisLambdaExtension``). Expected: an API-only fault,
  the database healthy, so the kit **switches over** and nothing is lost.

Each template stops on the alarms given for it (FIS stop conditions are CloudWatch alarms,
``aws:cloudwatch:alarm``); the role has only what the actions need, on the exact table,
bucket and function ARNs (the permissions AWS lists for these actions: FIS User Guide,
"Actions reference", and "Use the AWS FIS aws:lambda:function actions"; the AWS Resilience
Hub execution-role policy for the FIS "Multi-Region: isolation" template). The Aurora failover
has no FIS action and is run by ``payment-dr gameday``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.fis_experiment_template import (
    FisExperimentTemplate,
    FisExperimentTemplateAction,
    FisExperimentTemplateActionParameter,
    FisExperimentTemplateActionTarget,
    FisExperimentTemplateStopCondition,
    FisExperimentTemplateTarget,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from payment_dr_core import ConfigError, Namer, ResourceKind, names
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_core.naming import NameSpec

DYNAMODB_PAUSE_MAX_MINUTES = 60
"""Cap of the DynamoDB pause: an hour, against AWS's 20 hours after which a replica left
unauthorized becomes a single-region table for good."""

S3_PAUSE_MAX_MINUTES = 60
"""Cap of the S3 pause: long enough for the RTC threshold (15 minutes) and the alarm."""

API_ERRORS_MAX_MINUTES = 60
"""Cap of the API fault: long enough for the orchestrator's consecutive failed evaluations,
the switchover and the load to show the secondary answering."""

DYNAMODB_ACTION = "aws:dynamodb:global-table-pause-replication"
S3_ACTION = "aws:s3:bucket-pause-replication"
LAMBDA_ERROR_ACTION = "aws:lambda:invocation-error"

TARGET_KEYS = {DYNAMODB_ACTION: "Tables", S3_ACTION: "Buckets", LAMBDA_ERROR_ACTION: "Functions"}
"""The action target keys used. ``aws_fis_experiment_template`` checks ``action.target.key``
against a fixed list in the provider (``validExperimentTemplateActionTargetKey`` in
``internal/service/fis/experiment_template.go``). ``Tables`` and ``Buckets`` have been in it
since hashicorp/terraform-provider-aws#35299 was fixed, well before the pinned 6.25.0.
``Functions`` was added by hashicorp/terraform-provider-aws#41209, released in 6.22.0 (the
provider's CHANGELOG.md, 6.22.0, November 20, 2025: "resource/aws_fis_experiment_template: Add
support for ``Functions`` to ``action.*.target``"; its acceptance test
``TestAccFISExperimentTemplate_lambdaFunctions`` uses this action with ``resource_type``
``aws:lambda:function``), so the pinned 6.25.0 accepts it."""


@dataclass(frozen=True)
class LambdaFaultTarget:
    """The primary API function, prepared for AWS FIS Lambda actions (its extension layer and
    configuration location are set on the function by ``PaymentFunctions``)."""

    function_arn: str
    """The function, in the primary region."""
    configuration_bucket_arn: str
    """The bucket of ``AWS_FIS_CONFIGURATION_LOCATION`` (primary region)."""
    configuration_prefix: str
    """Its folder (``FisConfigs/``): FIS writes and deletes there only."""
    kms_key_arn: str
    """The primary region's key: the bucket's default encryption and the function's
    environment variables."""
    stop_alarm_arns: Sequence[str]
    """CloudWatch alarms of the primary region that stop the experiment. Not the API's own
    error, 5XX or health alarms: the fault raises those by design, and stopping on them would
    end the experiment before the orchestrator's consecutive failed evaluations, so the
    switchover it is meant to show could never happen."""
    duration_minutes: int = 15
    """How long invocations fail, 5 to :data:`API_ERRORS_MAX_MINUTES`."""
    invocation_percentage: int = 100
    """Share of invocations that fail, 1 to 100."""
    prevent_execution: bool = True
    """True: a failed invocation does not run the handler at all (nothing is written), the
    cleanest API-only fault; False: the handler runs and its answer is replaced by an
    error."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first field that is not allowed."""
        if not 5 <= self.duration_minutes <= API_ERRORS_MAX_MINUTES:
            raise ConfigError(
                "lambda_faults.duration_minutes",
                self.duration_minutes,
                f"5 to {API_ERRORS_MAX_MINUTES} minutes (the orchestrator needs several "
                "evaluations in a row before it moves the writer)",
            )
        if not 1 <= self.invocation_percentage <= 100:
            raise ConfigError(
                "lambda_faults.invocation_percentage", self.invocation_percentage, "1 to 100"
            )
        if not self.configuration_prefix.endswith("/"):
            raise ConfigError(
                "lambda_faults.configuration_prefix",
                self.configuration_prefix,
                "the folder of AWS_FIS_CONFIGURATION_LOCATION, ending with '/'",
            )
        alarms = tuple(self.stop_alarm_arns)
        if not 1 <= len(alarms) <= 5:
            raise ConfigError(
                "lambda_faults.stop_alarm_arns",
                alarms,
                "1 to 5 alarms of the primary region (FIS quota: 5 stop conditions)",
            )

    @property
    def parameters(self) -> dict[str, str]:
        """The action's parameters (FIS User Guide, "Actions reference",
        aws:lambda:invocation-error: duration, invocationPercentage, preventExecution)."""
        return {
            "duration": f"PT{self.duration_minutes}M",
            "invocationPercentage": str(self.invocation_percentage),
            "preventExecution": "true" if self.prevent_execution else "false",
        }


@dataclass(frozen=True)
class GameDayExperimentsProps:
    """Props of :class:`GameDayExperiments`."""

    namer: Namer
    region: str
    """The secondary region: the role, and the DynamoDB template (its replica is here)."""
    primary_region: str
    """The primary region: the S3 template (the replicated bucket is its source there)."""
    session_table_replica_arn: str
    """The session table's replica in ``region``: the pause's target."""
    data_bucket_arn: str
    """The replicated data bucket in ``primary_region`` (the replication source)."""
    stop_alarm_arns: Mapping[str, Sequence[str]]
    """CloudWatch alarm ARNs by region: each template stops on the alarms of its own region
    (both regions need at least one)."""
    dynamodb_pause_minutes: int = 10
    """How long replication stays paused, 1 to :data:`DYNAMODB_PAUSE_MAX_MINUTES`."""
    s3_pause_minutes: int = 20
    """How long replication stays paused, 16 to :data:`S3_PAUSE_MAX_MINUTES`: more than the
    15 minutes of Replication Time Control, so that its latency alarm can fire."""
    lambda_faults: LambdaFaultTarget | None = None
    """The ``api-errors`` template on the primary API function, and what its role needs for
    it. None (the default): no Lambda fault, no permission on the function."""
    provider: TerraformProvider | None = None
    """Provider of ``region``."""
    primary_provider: TerraformProvider | None = None
    """Provider of ``primary_region``."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        if not 1 <= self.dynamodb_pause_minutes <= DYNAMODB_PAUSE_MAX_MINUTES:
            raise ConfigError(
                "dynamodb_pause_minutes",
                self.dynamodb_pause_minutes,
                f"1 to {DYNAMODB_PAUSE_MAX_MINUTES} minutes (AWS makes a replica left "
                "unauthorized for 20 hours a single-region table)",
            )
        if not 16 <= self.s3_pause_minutes <= S3_PAUSE_MAX_MINUTES:
            raise ConfigError(
                "s3_pause_minutes",
                self.s3_pause_minutes,
                f"16 to {S3_PAUSE_MAX_MINUTES} minutes (past the 15 minutes of S3 RTC)",
            )
        for region in (self.region, self.primary_region):
            alarms = tuple(self.stop_alarm_arns.get(region, ()))
            if not alarms:
                raise ConfigError(
                    "stop_alarm_arns", dict(self.stop_alarm_arns), f"at least one alarm in {region}"
                )
            if len(alarms) > 5:
                raise ConfigError(
                    "stop_alarm_arns", alarms, "at most 5 stop conditions per template (FIS quota)"
                )
        if self.lambda_faults is not None:
            self.lambda_faults.validate()


class GameDayExperiments(Construct):
    """The FIS role and the replication-pause experiment templates."""

    def __init__(self, scope: Construct, construct_id: str, props: GameDayExperimentsProps) -> None:
        super().__init__(scope, construct_id)
        props.validate()
        self.props = props
        account = DataAwsCallerIdentity(self, "caller", provider=props.provider).account_id
        assume = service_assume_role_policy(
            self,
            "assume",
            service="fis.amazonaws.com",
            provider=props.provider,
            source_account=account,
        )
        role_name = props.namer.of(names.GAMEDAY_FIS_ROLE, region=props.region)
        self.role = IamRole(
            self,
            "role",
            name=role_name,
            assume_role_policy=assume.json,
            provider=props.provider,
        )
        policy = DataAwsIamPolicyDocument(
            self, "policy", statement=self._statements(), provider=props.provider
        )
        self.role_policy = IamRolePolicy(
            self,
            "role-policy",
            name=props.namer.name(ResourceKind.IAM_POLICY, "gameday-fis", region=props.region),
            role=self.role.id,
            policy=policy.json,
            provider=props.provider,
        )
        self.dynamodb_pause = self._template(
            "dynamodb-pause",
            names.GAMEDAY_DYNAMODB_EXPERIMENT,
            props.region,
            description=(
                "Game day: DynamoDB session table replication paused "
                f"{props.dynamodb_pause_minutes} min into {props.region}. Expected: replication "
                "alarm, degraded /health, no failover (docs/gameday.md)"
            ),
            action=DYNAMODB_ACTION,
            resource_type="aws:dynamodb:global-table",
            resource_arn=props.session_table_replica_arn,
            parameters={"duration": f"PT{props.dynamodb_pause_minutes}M"},
            provider=props.provider,
        )
        self.s3_pause = self._template(
            "s3-pause",
            names.GAMEDAY_S3_EXPERIMENT,
            props.primary_region,
            description=(
                f"Game day: S3 replication to {props.region} paused {props.s3_pause_minutes} "
                "min. Expected: the RTC replication-latency alarm fires, no failover "
                "(docs/gameday.md)"
            ),
            action=S3_ACTION,
            resource_type="aws:s3:bucket",
            resource_arn=props.data_bucket_arn,
            parameters={"duration": f"PT{props.s3_pause_minutes}M", "region": props.region},
            provider=props.primary_provider,
        )
        self.api_errors: FisExperimentTemplate | None = None
        faults = props.lambda_faults
        if faults is not None:
            self.api_errors = self._template(
                "api-errors",
                names.GAMEDAY_API_ERRORS_EXPERIMENT,
                props.primary_region,
                description=(
                    f"Game day: {faults.invocation_percentage}% of the primary API function's "
                    f"invocations fail for {faults.duration_minutes} min (AWS FIS Lambda "
                    "extension). Expected: the kit switches over to "
                    f"{props.region}, nothing lost (docs/gameday.md)"
                ),
                action=LAMBDA_ERROR_ACTION,
                resource_type="aws:lambda:function",
                resource_arn=faults.function_arn,
                parameters=faults.parameters,
                provider=props.primary_provider,
                stop_alarm_arns=faults.stop_alarm_arns,
            )

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        return self._replication_statements() + self._lambda_fault_statements()

    def _lambda_fault_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """What ``aws:lambda:invocation-error`` needs (FIS User Guide, "Use the AWS FIS
        aws:lambda:function actions", the experiment's write policy; "Actions reference"):
        read the function's configuration to find ``AWS_FIS_CONFIGURATION_LOCATION``, write
        and delete the fault there. Two KMS uses follow from this kit's customer-managed
        key: writing an SSE-KMS object takes ``kms:GenerateDataKey`` (Amazon S3 User Guide,
        "Using server-side encryption with AWS KMS keys (SSE-KMS)"), and "only users in your
        account with access to the KMS key can view or manage environment variables on the
        function" (Lambda Developer Guide, "Securing Lambda environment variables"). The
        action also lists ``tag:GetResources``, for targets chosen by tag: this template
        targets the function by ARN."""
        faults = self.props.lambda_faults
        if faults is None:
            return []
        region = self.props.primary_region

        def via(service: str) -> list[DataAwsIamPolicyDocumentStatementCondition]:
            return [
                DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals",
                    variable="kms:ViaService",
                    values=[f"{service}.{region}.amazonaws.com"],
                )
            ]

        return [
            DataAwsIamPolicyDocumentStatement(
                sid="ReadApiFunctionForFaults",
                effect="Allow",
                actions=["lambda:GetFunction"],
                resources=[faults.function_arn],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="ReadApiFunctionEnvironment",
                effect="Allow",
                actions=["kms:Decrypt"],
                resources=[faults.kms_key_arn],
                condition=via("lambda"),
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="WriteFaultConfiguration",
                effect="Allow",
                actions=["s3:PutObject", "s3:DeleteObject"],
                resources=[f"{faults.configuration_bucket_arn}/{faults.configuration_prefix}*"],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="EncryptFaultConfiguration",
                effect="Allow",
                actions=["kms:GenerateDataKey"],
                resources=[faults.kms_key_arn],
                condition=via("s3"),
            ),
        ]

    def _replication_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        props = self.props
        bucket = props.data_bucket_arn
        return [
            DataAwsIamPolicyDocumentStatement(
                sid="PauseSessionTableReplication",
                effect="Allow",
                actions=[
                    "dynamodb:DescribeTable",
                    "dynamodb:GetResourcePolicy",
                    "dynamodb:PutResourcePolicy",
                    "dynamodb:DeleteResourcePolicy",
                ],
                resources=[props.session_table_replica_arn],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="PauseDataBucketReplication",
                effect="Allow",
                actions=["s3:PauseReplication"],
                resources=[bucket],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals", variable="s3:DestinationRegion", values=[props.region]
                    )
                ],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="ReadWriteReplicationForPause",
                effect="Allow",
                actions=["s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration"],
                resources=[bucket],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="BoolIfExists",
                        variable="s3:IsReplicationPauseRequest",
                        values=["true"],
                    )
                ],
            ),
        ]

    def _template(
        self,
        construct_id: str,
        name_spec: NameSpec,
        region: str,
        *,
        description: str,
        action: str,
        resource_type: str,
        resource_arn: str,
        parameters: Mapping[str, str],
        provider: TerraformProvider | None,
        stop_alarm_arns: Sequence[str] | None = None,
    ) -> FisExperimentTemplate:
        props = self.props
        target_name = TARGET_KEYS[action]
        alarms = props.stop_alarm_arns[region] if stop_alarm_arns is None else stop_alarm_arns
        return FisExperimentTemplate(
            self,
            construct_id,
            description=description[:512],
            role_arn=self.role.arn,
            stop_condition=[
                FisExperimentTemplateStopCondition(source="aws:cloudwatch:alarm", value=arn)
                for arn in alarms
            ],
            target=[
                FisExperimentTemplateTarget(
                    name=target_name,
                    resource_type=resource_type,
                    resource_arns=[resource_arn],
                    selection_mode="ALL",
                )
            ],
            action=[
                FisExperimentTemplateAction(
                    name=construct_id,
                    action_id=action,
                    parameter=[
                        FisExperimentTemplateActionParameter(key=key, value=value)
                        for key, value in parameters.items()
                    ],
                    target=FisExperimentTemplateActionTarget(key=target_name, value=target_name),
                )
            ],
            tags={
                **props.tags,
                "Name": props.namer.of(name_spec, region=region),
                "Purpose": "game-day",
            },
            provider=provider,
        )

    @property
    def template_ids(self) -> dict[str, str]:
        """Experiment template ID by scenario (``dynamodb-pause``, ``s3-pause``, and
        ``api-errors`` when it exists)."""
        ids = {
            "dynamodb-pause": Token.as_string(self.dynamodb_pause.id),
            "s3-pause": Token.as_string(self.s3_pause.id),
        }
        if self.api_errors is not None:
            ids["api-errors"] = Token.as_string(self.api_errors.id)
        return ids
