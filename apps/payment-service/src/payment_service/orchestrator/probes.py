"""Reading the signals: HTTPS probes, Route 53, the alarm, the switch and the secondary.

Every reader turns an exception into an ``unknown``/``unreadable`` result; nothing here
raises for an AWS or network failure.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from payment_service.failover.clients import (
    AlarmsApi,
    Route53HealthApi,
    SsmApi,
    describe_error,
    error_code,
)
from payment_service.logging import get_logger
from payment_service.orchestrator import rules
from payment_service.orchestrator.clients import MetricsApi
from payment_service.orchestrator.model import (
    Evidence,
    SecondaryReadiness,
    Signal,
    SignalName,
    SwitchState,
)

MAX_BODY_BYTES = 64 * 1024


_log = get_logger("payment_service.orchestrator.probes")


@dataclass(frozen=True)
class ProbeResult:
    """The answer to one HTTP GET, or why there was none."""

    status: int | None
    body: str = ""
    error: str | None = None


Probe = Callable[[str, float], ProbeResult]
"""``probe(url, timeout_seconds)``."""


def https_probe(url: str, timeout_seconds: float) -> ProbeResult:
    """``GET url`` with certificate verification; any HTTP status is a result, not an error."""
    if not url.startswith("https://"):
        return ProbeResult(None, error="only https URLs are probed")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, headers={"User-Agent": "payment-dr-orchestrator", "Accept": "application/json"}
    )
    context = ssl.create_default_context()
    try:
        with urllib.request.urlopen(  # noqa: S310 - the scheme is checked above
            request, timeout=timeout_seconds, context=context
        ) as response:
            body = response.read(MAX_BODY_BYTES).decode("utf-8", "replace")
            return ProbeResult(int(response.status), body)
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_BODY_BYTES).decode("utf-8", "replace") if exc.fp else ""
        return ProbeResult(exc.code, body)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None)
        return ProbeResult(None, error=type(reason or exc).__name__)


def read_route53(client: Route53HealthApi, health_check_id: str) -> Signal:
    """The Route 53 signal; ``unknown`` when the status cannot be read."""
    try:
        response = client.get_health_check_status(HealthCheckId=health_check_id)
    except Exception as exc:
        detail = f"unreadable: {describe_error(exc)}"
        return Signal(SignalName.ROUTE53, Evidence.UNKNOWN, detail)
    observations = response.get("HealthCheckObservations")
    results: list[bool] = []
    for observation in observations if isinstance(observations, list) else []:
        report = observation.get("StatusReport") if isinstance(observation, Mapping) else None
        status = report.get("Status") if isinstance(report, Mapping) else None
        if isinstance(status, str):
            results.append(status.startswith("Success"))
    return rules.route53_signal(results)


def read_probe(probe: Probe, url: str, timeout_seconds: float, *, region: str) -> Signal:
    """The direct-probe signal for the primary's ``/health``, seen from ``region``."""
    try:
        result = probe(url, timeout_seconds)
    except Exception as exc:
        return rules.probe_signal(None, error=describe_error(exc), region=region)
    return rules.probe_signal(result.status, result.body, result.error, region=region)


def read_alarm(client: AlarmsApi, alarm_name: str) -> Signal:
    """The alarm signal; ``unknown`` when the alarm cannot be read."""
    try:
        response = client.describe_alarms(AlarmNames=[alarm_name])
    except Exception as exc:
        return rules.alarm_signal(None, f"unreadable: {describe_error(exc)}")
    for key in ("MetricAlarms", "CompositeAlarms"):
        alarms = response.get(key)
        for alarm in alarms if isinstance(alarms, list) else []:
            if isinstance(alarm, Mapping) and alarm.get("AlarmName") == alarm_name:
                state = alarm.get("StateValue")
                return rules.alarm_signal(state if isinstance(state, str) else None)
    return rules.alarm_signal(None, f"alarm {alarm_name!r} not found")


def read_remote_probe(client: AlarmsApi, alarm_name: str, region: str) -> Signal:
    """The third-region probe's alarm, read from CloudWatch in that region."""
    try:
        response = client.describe_alarms(AlarmNames=[alarm_name])
    except Exception as exc:
        return rules.remote_probe_signal(None, region, f"unreadable: {describe_error(exc)}")
    alarms = response.get("MetricAlarms")
    for alarm in alarms if isinstance(alarms, list) else []:
        if isinstance(alarm, Mapping) and alarm.get("AlarmName") == alarm_name:
            state = alarm.get("StateValue")
            return rules.remote_probe_signal(state if isinstance(state, str) else None, region)
    return rules.remote_probe_signal(None, region)


def read_secondary_probe(client: AlarmsApi, alarm_name: str, region: str) -> Signal:
    """The scheduled probe's alarm in the orchestrator's own region (the same vantage point,
    a region, as the direct probe)."""
    name = SignalName.SECONDARY_PROBE
    try:
        response = client.describe_alarms(AlarmNames=[alarm_name])
    except Exception as exc:
        return rules.no_response_alarm_signal(
            name, None, region, f"unreadable: {describe_error(exc)}"
        )
    alarms = response.get("MetricAlarms")
    for alarm in alarms if isinstance(alarms, list) else []:
        if isinstance(alarm, Mapping) and alarm.get("AlarmName") == alarm_name:
            state = alarm.get("StateValue")
            return rules.no_response_alarm_signal(
                name, state if isinstance(state, str) else None, region
            )
    return rules.no_response_alarm_signal(name, None, region)


NO_DATAPOINT = "no datapoint"
RPO_LAG_METRIC = "AuroraGlobalDBRPOLag"
"""Milliseconds; published for a secondary cluster of an Aurora PostgreSQL global database in
its own Region, dimension ``DBClusterIdentifier`` (Aurora User Guide, "Amazon CloudWatch
metrics for Amazon Aurora"; the same metric the ``aurora-rpo-lag`` alarms watch)."""


def read_rpo_lag(
    client: MetricsApi,
    cluster_id: str,
    now: float,
    window_seconds: float,
    period_seconds: int = 60,
) -> tuple[tuple[float, float] | None, str | None]:
    """The newest ``AuroraGlobalDBRPOLag`` datapoint of ``cluster_id`` in the last
    ``window_seconds``: (epoch seconds, lag in seconds), or ``None`` with why. A datapoint's
    ``Timestamp`` is the start of its period (CloudWatch API Reference, ``Datapoint``), so
    with RDS's one-minute metrics the newest is at most a minute behind its last sample."""
    try:
        response = client.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName=RPO_LAG_METRIC,
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
            StartTime=datetime.fromtimestamp(now - window_seconds, UTC),
            EndTime=datetime.fromtimestamp(now, UTC),
            Period=period_seconds,
            Statistics=["Maximum"],
        )
    except Exception as exc:
        return None, f"unreadable: {describe_error(exc)}"
    points = response.get("Datapoints")
    newest: tuple[float, float] | None = None
    for point in points if isinstance(points, list) else []:
        if not isinstance(point, Mapping):
            continue
        stamp, value = point.get("Timestamp"), point.get("Maximum")
        if isinstance(stamp, datetime) and isinstance(value, int | float):
            at = stamp.timestamp()
            if newest is None or at > newest[0]:
                newest = (at, float(value) / 1000.0)
    return newest, None if newest is not None else NO_DATAPOINT


def read_switch(client: SsmApi, parameter_name: str) -> SwitchState:
    """``on`` only when the parameter's value is ``true`` (case-insensitive)."""
    try:
        response = client.get_parameter(Name=parameter_name)
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return SwitchState.OFF
        _log.warning("switch_unreadable", reason=describe_error(exc))
        return SwitchState.UNREADABLE
    parameter = response.get("Parameter")
    value = parameter.get("Value") if isinstance(parameter, Mapping) else None
    if isinstance(value, str) and value.strip().lower() == "true":
        return SwitchState.ON
    return SwitchState.OFF


def health_body_ready(result: ProbeResult) -> tuple[bool, str]:
    """Whether a region's ``/health`` answer shows it can take over.

    200 (it already writes) is ready. A 503 is ready when its body shows the database
    reachable (a standby answers ``writable: false``) and DynamoDB serving: that is the normal
    answer of a healthy standby region.
    """
    if result.status is None:
        return False, f"/health unreachable ({result.error or 'error'})"
    if result.status == 200:
        return True, "/health 200"
    try:
        body = json.loads(result.body)
    except ValueError:
        return False, f"/health {result.status} without a JSON body"
    checks = body.get("checks") if isinstance(body, dict) else None
    if not isinstance(checks, dict):
        return False, f"/health {result.status} without checks"
    database, dynamodb = checks.get("database"), checks.get("dynamodb")
    database_ok = isinstance(database, dict) and database.get("ok") is True
    dynamodb_ok = isinstance(dynamodb, dict) and dynamodb.get("ok") is True
    if database_ok and dynamodb_ok:
        return True, f"/health {result.status}: database reachable, DynamoDB serving"
    failed = [name for name, ok in (("database", database_ok), ("dynamodb", dynamodb_ok)) if not ok]
    return False, f"/health {result.status}: {', '.join(failed)} failing"


def secondary_readiness(
    probe_result: ProbeResult, cluster_status: str | None, cluster_error: str | None
) -> SecondaryReadiness:
    """Ready when ``/health`` shows a serving standby and the RDS cluster is ``available``."""
    health_ok, health_reason = health_body_ready(probe_result)
    if cluster_status is None:
        cluster_ok, cluster_reason = False, f"cluster unreadable ({cluster_error or 'error'})"
    else:
        cluster_ok, cluster_reason = cluster_status == "available", f"cluster {cluster_status}"
    return SecondaryReadiness(health_ok and cluster_ok, f"{health_reason}; {cluster_reason}")
