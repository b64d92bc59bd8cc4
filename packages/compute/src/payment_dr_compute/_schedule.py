"""A function invoked by an EventBridge schedule: the rule, its target and the permission."""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from payment_dr_compute.function import RegionalFunction


def rate_expression(minutes: int) -> str:
    """``rate(1 minute)`` / ``rate(N minutes)``: EventBridge wants the singular for 1."""
    return f"rate({minutes} minute{'s' if minutes > 1 else ''})"


def schedule_function(
    scope: Construct,
    function: RegionalFunction,
    *,
    name: str,
    description: str,
    minutes: int,
    provider: TerraformProvider | None,
) -> CloudwatchEventRule:
    """Invoke ``function`` every ``minutes`` (construct IDs ``schedule``, ``schedule-target``,
    ``schedule-permission`` in ``scope``: part of the contract).

    The permission names the function by its attribute, so Terraform creates it after the
    function (a literal name would give no ordering).
    """
    rule = CloudwatchEventRule(
        scope,
        "schedule",
        name=name,
        description=description,
        schedule_expression=rate_expression(minutes),
        provider=provider,
    )
    CloudwatchEventTarget(
        scope,
        "schedule-target",
        rule=rule.name,
        arn=function.function_arn,
        provider=provider,
    )
    LambdaPermission(
        scope,
        "schedule-permission",
        statement_id="AllowScheduleInvoke",
        action="lambda:InvokeFunction",
        function_name=function.function_name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        provider=provider,
    )
    return rule
