"""GameDayExperiments: AWS FIS experiment templates for game days, and the role FIS assumes.

Two templates, each stating what it proves (docs/gameday.md has the whole table):

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

Each template stops on the alarms given for its region (FIS stop conditions are CloudWatch
alarms, ``aws:cloudwatch:alarm``); the role has only what the two actions need, on the exact
table and bucket ARNs (the permissions AWS lists for these actions: FIS User Guide, "Actions
reference", and the AWS Resilience Hub execution-role policy for the FIS "Multi-Region:
isolation" template). The Lambda fault (``aws:lambda:invocation-error``) and the Aurora
failover are not here: the first needs the FIS extension layer on the API function and the
provider version question settled (docs/gameday.md), the second has no FIS action and is run
by ``payment-dr gameday``.
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

DYNAMODB_ACTION = "aws:dynamodb:global-table-pause-replication"
S3_ACTION = "aws:s3:bucket-pause-replication"

TARGET_KEYS = {DYNAMODB_ACTION: "Tables", S3_ACTION: "Buckets"}
"""The action target keys used. ``aws_fis_experiment_template`` checks ``action.target.key``
against a fixed list in the provider (``validExperimentTemplateActionTargetKey``); ``Tables``
and ``Buckets`` have been in it since hashicorp/terraform-provider-aws#35299 was fixed, well
before the pinned 6.25.0."""


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

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
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
    ) -> FisExperimentTemplate:
        props = self.props
        target_name = TARGET_KEYS[action]
        return FisExperimentTemplate(
            self,
            construct_id,
            description=description[:512],
            role_arn=self.role.arn,
            stop_condition=[
                FisExperimentTemplateStopCondition(source="aws:cloudwatch:alarm", value=arn)
                for arn in props.stop_alarm_arns[region]
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
        """Experiment template ID by scenario (``dynamodb-pause``, ``s3-pause``)."""
        return {
            "dynamodb-pause": Token.as_string(self.dynamodb_pause.id),
            "s3-pause": Token.as_string(self.s3_pause.id),
        }
