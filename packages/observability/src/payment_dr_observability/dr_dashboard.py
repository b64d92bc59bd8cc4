"""DrDashboard: one CloudWatch dashboard showing both regions side by side."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_observability._checks import check_label, check_literal
from payment_dr_observability.dashboard_body import (
    DashboardBody,
    RegionView,
    build_dashboard_body,
)
from payment_dr_observability.targets import (
    CLUSTER_IDENTIFIER,
    FUNCTION_NAME,
    HEALTH_CHECK_ID,
    TABLE_NAME,
    ReadinessMetrics,
    S3ReplicationRule,
)


@dataclass(frozen=True)
class DrDashboardProps:
    """Props of :class:`DrDashboard`."""

    namer: Namer
    primary: RegionView
    """The primary region's resources: the left column."""

    secondary: RegionView
    """The secondary region's resources: the right column."""

    session_table_name: str | None = None
    """The DynamoDB global table: replication latency in each direction."""

    s3_replication: S3ReplicationRule | None = None
    """The primary-to-secondary replication rule: failures (primary), latency and pending
    operations (secondary)."""

    health_check_id: str | None = None
    """Route 53 health check of the primary endpoint, shown from us-east-1."""

    secondary_health_check_id: str | None = None
    """Route 53 health check of the secondary endpoint, if there is one (also us-east-1)."""

    readiness: ReadinessMetrics | None = None
    """The readiness evaluator's metrics: the overall ``Ready`` and one line per check, in the
    secondary region's column. None: no readiness widgets."""

    provider: TerraformProvider | None = None
    """Provider the dashboard is managed through: the secondary region's, so that the
    dashboard can be changed while the primary region is down."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        for side, view in (("primary", self.primary), ("secondary", self.secondary)):
            validate_region(f"{side}.region", view.region)
            if view.aurora_cluster_identifier is not None:
                check_literal(
                    f"{side}.aurora_cluster_identifier",
                    view.aurora_cluster_identifier,
                    CLUSTER_IDENTIFIER,
                    "an Aurora cluster identifier",
                )
            for label, name in view.function_names.items():
                check_label(f"{side}.function_names", label)
                check_literal(
                    f"{side}.function_names.{label}",
                    name,
                    FUNCTION_NAME,
                    "a Lambda function name (not ARN)",
                )
            if view.api is not None:
                view.api.validate(f"{side}.api")
        if self.primary.region == self.secondary.region:
            raise ConfigError(
                "secondary.region",
                self.secondary.region,
                f"a region other than the primary's ({self.primary.region})",
            )
        if self.session_table_name is not None:
            check_literal(
                "session_table_name", self.session_table_name, TABLE_NAME, "a DynamoDB table name"
            )
        if self.s3_replication is not None:
            self.s3_replication.validate("s3_replication")
        for name, value in (
            ("health_check_id", self.health_check_id),
            ("secondary_health_check_id", self.secondary_health_check_id),
        ):
            if value is not None:
                check_literal(name, value, HEALTH_CHECK_ID, "a Route 53 health check ID")
        if self.readiness is not None:
            self.readiness.validate("readiness")
            if self.readiness.region != self.secondary.region:
                raise ConfigError(
                    "readiness.region",
                    self.readiness.region,
                    f"the secondary region ({self.secondary.region}), where the evaluator runs",
                )


class DrDashboard(Construct):
    """The DR dashboard: Aurora, Lambda, API, S3 and DynamoDB replication, health checks,
    and DR readiness.

    A dashboard is one account-wide object shown in every region's console, whatever
    region its API call went to; each widget queries the region named in it. The
    dashboard is managed through the secondary region's provider (in the secondary
    stack) so that it can still be created or changed, and opened from the secondary
    region's console, while the primary region is down; the secondary column keeps
    drawing because its metrics come from the secondary region.

    The body is a Terraform ``jsonencode(...)`` of :attr:`body`: names in it are often
    references to other resources or stacks, and only Terraform can encode their
    values correctly into the JSON document.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DrDashboardProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.console_region = props.secondary.region
        self.body: DashboardBody = build_dashboard_body(
            props.primary,
            props.secondary,
            session_table_name=props.session_table_name,
            s3_replication=props.s3_replication,
            health_check_id=props.health_check_id,
            secondary_health_check_id=props.secondary_health_check_id,
            readiness=props.readiness,
        )
        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=props.namer.of(names.DR_DASHBOARD),
            dashboard_body=Fn.jsonencode(self.body),
            provider=props.provider,
        )
        self._name = props.namer.of(names.DR_DASHBOARD)

    @property
    def dashboard_name(self) -> str:
        """``payment-processing-dr-<suffix>``."""
        return self._name

    @property
    def dashboard_arn(self) -> str:
        """ARN of the dashboard."""
        return self.dashboard.dashboard_arn

    @property
    def console_url(self) -> str:
        """The dashboard in the secondary region's console (reachable when the primary is not)."""
        region = self.console_region
        return (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#dashboards/dashboard/{self._name}"
        )
