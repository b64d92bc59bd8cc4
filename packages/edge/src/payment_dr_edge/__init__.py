"""payment-dr-edge: regional REST APIs, custom domains, WAF and Route 53 failover routing."""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

from payment_dr_edge.failover_routing import FailoverRouting, FailoverRoutingProps
from payment_dr_edge.hosted_zone import HostedZone, HostedZoneProps
from payment_dr_edge.regional_api import RegionalApi, RegionalApiProps
from payment_dr_edge.settings import (
    ACCESS_LOG_FORMAT,
    DEFAULT_CHECKER_REGIONS,
    DEFAULT_HEALTH_CHECK_PATH,
    DEFAULT_STAGE_NAME,
    HEALTH_CHECKER_REGIONS,
    MANAGED_RULE_GROUPS,
    PAYMENT_REQUEST_SCHEMA,
)

__version__ = "0.1.0"

__all__ = [
    "ACCESS_LOG_FORMAT",
    "DEFAULT_CHECKER_REGIONS",
    "DEFAULT_HEALTH_CHECK_PATH",
    "DEFAULT_STAGE_NAME",
    "HEALTH_CHECKER_REGIONS",
    "MANAGED_RULE_GROUPS",
    "PAYMENT_REQUEST_SCHEMA",
    "FailoverRouting",
    "FailoverRoutingProps",
    "HostedZone",
    "HostedZoneProps",
    "RegionalApi",
    "RegionalApiProps",
    "__version__",
]
