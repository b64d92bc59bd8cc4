"""Check of the environment's alarms: none left without data."""

from __future__ import annotations

from payment_service.readiness.checks._fields import mappings, text
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding, combine, failed, passed

ALARM_NAMES_PER_CALL = 100
"""``DescribeAlarms`` takes at most 100 ``AlarmNames``."""


def alarms_reporting(ctx: CheckContext) -> Finding:
    """No watched alarm is in ``INSUFFICIENT_DATA``, and every one exists.

    An alarm without data cannot fire: its metric is not published (a probe that stopped, a
    renamed dimension). The alarms on metrics that exist only while data moves (the DynamoDB
    and S3 replication latencies) are not watched here; the ``dynamodb-replica`` and
    ``s3-replication`` checks read those metrics themselves.

    Source: CloudWatch API Reference, ``DescribeAlarms`` with ``AlarmNames`` (up to 100), in
    each alarm's region: ``MetricAlarms[]`` with ``AlarmName``, ``StateValue`` (``OK``,
    ``ALARM``, ``INSUFFICIENT_DATA``) and ``StateReason``.
    """

    def read(watched: tuple[str, tuple[str, ...]]) -> Finding:
        region, names = watched
        client = ctx.clients.cloudwatch(region)
        states: dict[str, str | None] = {}
        for start in range(0, len(names), ALARM_NAMES_PER_CALL):
            response = client.describe_alarms(
                AlarmNames=list(names[start : start + ALARM_NAMES_PER_CALL])
            )
            for alarm in mappings(response, "MetricAlarms"):
                name = text(alarm, "AlarmName")
                if name is not None:
                    states[name] = text(alarm, "StateValue")
        missing = [name for name in names if name not in states]
        silent = [name for name in names if states.get(name) == "INSUFFICIENT_DATA"]
        firing = [name for name in names if states.get(name) == "ALARM"]
        problems = []
        if missing:
            problems.append(f"missing: {', '.join(missing)}")
        if silent:
            problems.append(f"INSUFFICIENT_DATA: {', '.join(silent)}")
        if problems:
            return failed(f"{region}: " + "; ".join(problems))
        return passed(f"{region}: {len(names)} alarm(s) reporting, {len(firing)} in ALARM")

    return combine(
        ctx.each(ctx.settings.watched_alarms, read, lambda watched: f"alarms in {watched[0]}")
    )
