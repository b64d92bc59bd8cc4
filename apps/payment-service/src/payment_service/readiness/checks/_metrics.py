"""CloudWatch ``GetMetricStatistics`` reads of the checks.

Source: CloudWatch API Reference, ``GetMetricStatistics``: request ``Namespace``,
``MetricName``, ``Dimensions`` (``Name``/``Value``), ``StartTime``, ``EndTime``, ``Period``,
``Statistics``; response ``Datapoints[]`` with ``Timestamp`` and one field per statistic
(``Average``, ``Maximum``, ``SampleCount``, ...). A metric with no datapoint in the window
returns an empty list, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from payment_service.readiness.checks._fields import mappings, moment, number
from payment_service.readiness.clients import CloudWatchReads


@dataclass(frozen=True)
class Datapoint:
    """One datapoint: epoch seconds and the statistic's value."""

    at: float
    value: float


def datapoints(
    client: CloudWatchReads,
    *,
    namespace: str,
    metric: str,
    dimensions: Mapping[str, str],
    now: float,
    window_seconds: float,
    period: int,
    statistic: str,
) -> list[Datapoint]:
    """The datapoints of one metric over the last ``window_seconds``, oldest first."""
    response = client.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": name, "Value": value} for name, value in dimensions.items()],
        StartTime=datetime.fromtimestamp(now - window_seconds, UTC),
        EndTime=datetime.fromtimestamp(now, UTC),
        Period=period,
        Statistics=[statistic],
    )
    found: list[Datapoint] = []
    for point in mappings(response, "Datapoints"):
        stamp, value = moment(point, "Timestamp"), number(point, statistic)
        if stamp is not None and value is not None:
            found.append(Datapoint(stamp.timestamp(), value))
    return sorted(found, key=lambda point: point.at)
