"""payment-dr-observability: alert topics, DR alarms and the cross-region DR dashboard."""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

from payment_dr_observability.alarm_spec import (
    AlarmSpec,
    AlarmThresholds,
    Comparison,
    TreatMissingData,
)
from payment_dr_observability.alert_topics import AlertTopics, AlertTopicsProps
from payment_dr_observability.cross_region_subscription import (
    CrossRegionSubscription,
    CrossRegionSubscriptionProps,
)
from payment_dr_observability.dashboard_body import (
    DashboardBody,
    RegionView,
    Widget,
    build_dashboard_body,
)
from payment_dr_observability.dr_alarms import DrAlarms, DrAlarmsProps
from payment_dr_observability.dr_dashboard import DrDashboard, DrDashboardProps
from payment_dr_observability.game_day import (
    GameDayExperiments,
    GameDayExperimentsProps,
    LambdaFaultTarget,
)
from payment_dr_observability.targets import (
    ROUTE53_METRICS_REGION,
    ApiStage,
    ReadinessMetrics,
    S3ReplicationRule,
)

__version__ = "0.1.0"

__all__ = [
    "ROUTE53_METRICS_REGION",
    "AlarmSpec",
    "AlarmThresholds",
    "AlertTopics",
    "AlertTopicsProps",
    "ApiStage",
    "Comparison",
    "CrossRegionSubscription",
    "CrossRegionSubscriptionProps",
    "DashboardBody",
    "DrAlarms",
    "DrAlarmsProps",
    "DrDashboard",
    "DrDashboardProps",
    "GameDayExperiments",
    "GameDayExperimentsProps",
    "LambdaFaultTarget",
    "ReadinessMetrics",
    "RegionView",
    "S3ReplicationRule",
    "TreatMissingData",
    "Widget",
    "__version__",
    "build_dashboard_body",
]
