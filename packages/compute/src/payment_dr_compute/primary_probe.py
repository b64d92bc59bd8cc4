"""PrimaryProbe: a vantage point outside the primary region that probes the primary's /health."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

from payment_dr_compute._schedule import schedule_function
from payment_dr_compute.bundle import Bundle
from payment_dr_compute.function import RegionalFunction, RegionalFunctionProps
from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import Rule, in_range

HANDLER = "payment_service.primary_probe.handler"
METRIC_NAMESPACE = "PaymentDR/PrimaryProbe"
"""Namespace the runtime (payment_service.primary_probe.NAMESPACE) publishes to."""

PROBE_FUNCTION_TIMEOUT_SECONDS = 15
"""The probe's wall-clock bound (its timeout + 1 s, at most 11 s) fits inside."""

_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[\x21-\x7e]*)?")


@dataclass(frozen=True, kw_only=True)
class PrimaryProbeProps:
    """Props of :class:`PrimaryProbe`. It runs in a region other than the primary."""

    namer: Namer
    region: str
    """Where the probe, its metric and its alarm live (the secondary or the probe region)."""

    primary_region: str
    """The region probed; refused as ``region`` (a probe there is no independent view)."""

    bundle: Bundle
    kms_key_arn: str
    """A key in ``region``: environment variables and the log group."""

    url: str
    """``https://api-<primary code>-<suffix>.<zone>/<stage>/health``: the primary's own host."""

    probe_timeout_seconds: float = 5.0
    """Seconds the probe waits for an answer (0.5 to 10)."""

    alarm_evaluation_periods: int = 2
    """Minutes in a row without any answer before the alarm is in ALARM (1 to 10)."""

    alarm_topic_arn: str | None = None
    """Topic in ``region`` notified on ALARM and OK; None: the alarm only records the state
    (the failover orchestrator reads it with DescribeAlarms)."""

    log_retention_days: int = 365
    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        validate_region("primary_region", self.primary_region)
        if self.region == self.primary_region:
            raise ConfigError(
                "region",
                self.region,
                f"a region other than the primary ({self.primary_region}): the probe is a "
                "vantage point outside it",
            )
        if _HTTPS_URL.fullmatch(self.url) is None and "${" not in self.url:
            raise ConfigError("url", self.url, "an https:// URL of the primary's /health")
        Rule[float](
            "probe_timeout_seconds",
            lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0.5 <= v <= 10,
            "0.5 to 10 seconds",
        ).apply(self.probe_timeout_seconds)
        Rule[int]("alarm_evaluation_periods", in_range(1, 10), "1 to 10").apply(
            self.alarm_evaluation_periods
        )


class PrimaryProbe(Construct):
    """A function that probes the primary every minute, and its no-response alarm.

    The function is not attached to a VPC (it probes a public endpoint and calls no AWS
    API); its role may only write its own logs and traces. It publishes ``NoResponse``,
    ``Healthy`` and ``ResponseTimeMs`` in CloudWatch embedded metric format: CloudWatch Logs
    extracts them in this region, so no ``cloudwatch:PutMetricData`` (an action without
    resource-level permissions) is granted. The alarm is in ALARM after
    ``alarm_evaluation_periods`` minutes whose every probe got no answer; minutes without a
    probe are missing data (INSUFFICIENT_DATA when all are missing: the orchestrator reads
    that as unknown, never as down).
    """

    def __init__(self, scope: Construct, construct_id: str, props: PrimaryProbeProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        namer, region, provider = props.namer, props.region, props.provider
        self.function = RegionalFunction(
            self,
            "function",
            RegionalFunctionProps(
                namer=namer,
                region=region,
                component=names.PROBE_FUNCTION.component,
                handler=HANDLER,
                description=f"Probes the primary region's /health from {region} every minute",
                bundle=props.bundle,
                kms_key_arn=props.kms_key_arn,
                vpc_attached=False,
                environment={
                    "PROBE_URL": props.url,
                    "PROBE_TIMEOUT_SECONDS": f"{props.probe_timeout_seconds:g}",
                    "ENVIRONMENT_SUFFIX": namer.suffix,
                },
                memory_mb=128,
                timeout_seconds=PROBE_FUNCTION_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                provider=provider,
            ),
        )
        # rate(1 minute) is the shortest EventBridge schedule (EventBridge User Guide,
        # "Creating a rule that runs on a schedule": rate expressions take minutes).
        self.schedule = schedule_function(
            self,
            self.function,
            name=namer.of(names.PROBE_SCHEDULE, region=region),
            description="Probes the primary region's /health",
            minutes=1,
            provider=provider,
        )
        actions = [props.alarm_topic_arn] if props.alarm_topic_arn else None
        periods = props.alarm_evaluation_periods
        self.alarm = CloudwatchMetricAlarm(
            self,
            "no-response",
            alarm_name=namer.of(names.PROBE_ALARM, region=region),
            alarm_description=(
                f"No answer at all from the primary region's /health, probed from {region}, "
                f"for {periods} minute(s) in a row"
            ),
            namespace=METRIC_NAMESPACE,
            metric_name="NoResponse",
            dimensions={"Environment": namer.suffix, "ProbeRegion": region},
            statistic="Minimum",
            period=60,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # A minute without a probe is no evidence either way.
            treat_missing_data="missing",
            alarm_actions=actions,
            ok_actions=actions,
            provider=provider,
        )

    @property
    def alarm_name(self) -> str:
        """Name of the no-response alarm (in the probe's region)."""
        return self.alarm.alarm_name

    @property
    def alarm_arn(self) -> str:
        """ARN of the no-response alarm."""
        return self.alarm.arn

    @property
    def function_name(self) -> str:
        """Name of the probe function."""
        return self.function.function_name
