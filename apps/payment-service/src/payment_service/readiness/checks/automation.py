"""Checks of the failover automation: switch, decisions, schedule, probes, concurrency."""

from __future__ import annotations

from payment_service.orchestrator.store import DECISION_PARTITION
from payment_service.primary_probe import NAMESPACE as PROBE_NAMESPACE
from payment_service.readiness.checks._fields import code_of, field, mappings, number, text
from payment_service.readiness.checks._metrics import datapoints
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding, combine, failed, passed

PROBE_METRIC = "NoResponse"
"""Published by every probe run, answer or not (:mod:`payment_service.primary_probe`)."""
PROBE_WINDOW_SECONDS = 300.0


def auto_failover_switch(ctx: CheckContext) -> Finding:
    """The auto-failover switch is on.

    Source: SSM API Reference, ``GetParameter``: ``Parameter.Value`` (``true`` turns automatic
    failover on; anything else, or ``ParameterNotFound``, leaves it off, as the orchestrator
    reads it).
    """
    name = ctx.settings.switch_parameter_name
    try:
        response = ctx.clients.ssm(ctx.settings.region).get_parameter(Name=name)
    except Exception as exc:
        if code_of(exc) == "ParameterNotFound":
            return failed(f"{name} does not exist: automatic failover is off")
        raise
    value = text(field(response, "Parameter"), "Value")
    if value is not None and value.strip().lower() == "true":
        return passed(f"{name} = true")
    return failed(f"{name} = {value!r}: automatic failover is off")


def orchestrator_decisions(ctx: CheckContext) -> Finding:
    """The orchestrator recorded a decision recently (it runs and can write its log).

    Source: DynamoDB API Reference, ``Query`` of the decision table, partition ``DECISION``,
    newest first (``ScanIndexForward`` false, ``Limit`` 1): ``Items[0]`` with
    ``evaluated_at`` (N, epoch seconds), ``action`` and ``reason``
    (:mod:`payment_service.orchestrator.store`). Older than ``DECISION_MAX_AGE_SECONDS``
    fails.
    """
    settings = ctx.settings
    response = ctx.clients.dynamodb(settings.region).query(
        TableName=settings.decision_table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": DECISION_PARTITION}},
        ScanIndexForward=False,
        Limit=1,
    )
    items = mappings(response, "Items")
    if not items:
        return failed(f"no decision in {settings.decision_table_name}")
    newest = items[0]
    raw = text(field(newest, "evaluated_at"), "N")
    action = text(field(newest, "action"), "S")
    if raw is None:
        return failed("the newest decision has no evaluated_at")
    age = ctx.now - float(raw)
    limit = settings.decision_max_age_seconds
    if age > limit:
        return failed(f"the newest decision is {age:.0f} s old (limit {limit:g} s): {action}")
    return passed(f"last decision {age:.0f} s ago: {action}")


def orchestrator_schedule(ctx: CheckContext) -> Finding:
    """The orchestrator's EventBridge schedule is enabled.

    Source: EventBridge API Reference, ``DescribeRule`` (default event bus): ``State``
    (``ENABLED``, ``DISABLED``) and ``ScheduleExpression``; ``ResourceNotFoundException`` when
    the rule does not exist.
    """
    name = ctx.settings.orchestrator_rule_name
    try:
        response = ctx.clients.events(ctx.settings.region).describe_rule(Name=name)
    except Exception as exc:
        if code_of(exc) == "ResourceNotFoundException":
            return failed(f"rule {name} does not exist")
        raise
    state, schedule = text(response, "State"), text(response, "ScheduleExpression")
    if state != "ENABLED":
        return failed(f"rule {name} is {state} (expected ENABLED)")
    return passed(f"rule {name} ENABLED, {schedule}")


def probes_publishing(ctx: CheckContext) -> Finding:
    """Each probe of the primary published a result in the last 5 minutes.

    Source: CloudWatch ``GetMetricStatistics`` of ``PaymentDR/PrimaryProbe`` ``NoResponse``
    (every probe run publishes it, answer or not), dimensions ``Environment`` and
    ``ProbeRegion``, in the probe's region, ``SampleCount`` per minute over the last 5
    minutes: at least one datapoint.
    """
    settings = ctx.settings

    def read(region: str) -> Finding:
        points = datapoints(
            ctx.clients.cloudwatch(region),
            namespace=PROBE_NAMESPACE,
            metric=PROBE_METRIC,
            dimensions={"Environment": settings.environment_suffix, "ProbeRegion": region},
            now=ctx.now,
            window_seconds=PROBE_WINDOW_SECONDS,
            period=60,
            statistic="SampleCount",
        )
        runs = sum(point.value for point in points)
        if runs <= 0:
            return failed(f"the probe in {region} published nothing in 5 minutes")
        return passed(f"the probe in {region} published {runs:g} result(s) in 5 minutes")

    return combine(ctx.each(settings.probe_regions, read, lambda region: f"probe in {region}"))


def standby_concurrency(ctx: CheckContext) -> Finding:
    """No function of the standby region is throttled to zero.

    Source: Lambda API Reference, ``GetFunctionConcurrency``: ``ReservedConcurrentExecutions``
    (absent when nothing is reserved: the function uses the account's unreserved pool; ``0``
    stops every invocation); ``ResourceNotFoundException`` when the function does not exist.
    """
    region = ctx.settings.region

    def read(name: str) -> Finding:
        try:
            response = ctx.clients.lambda_(region).get_function_concurrency(FunctionName=name)
        except Exception as exc:
            if code_of(exc) == "ResourceNotFoundException":
                return failed(f"{name} does not exist")
            raise
        reserved = number(response, "ReservedConcurrentExecutions")
        if reserved is None:
            return passed(f"{name}: unreserved")
        if reserved <= 0:
            return failed(f"{name}: reserved concurrency 0, every invocation is throttled")
        return passed(f"{name}: {reserved:g} reserved")

    return combine(
        ctx.each(ctx.settings.standby_functions, read, lambda name: name, one_at_a_time=True)
    )
