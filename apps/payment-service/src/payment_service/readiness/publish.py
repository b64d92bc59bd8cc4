"""The evaluation as CloudWatch metrics, in embedded metric format.

One log line per check and one for the evaluation, each a CloudWatch embedded-metric-format
record: CloudWatch Logs extracts the metrics in the function's region (Amazon CloudWatch User
Guide, "Embedding metrics within logs"), so the function needs no
``cloudwatch:PutMetricData``, an action without resource-level permissions.

Metrics (namespace :data:`NAMESPACE`):

* ``CheckPassed``, dimensions ``Environment`` and ``Check``: 1 pass, 0 fail;
* ``Ready``, dimension ``Environment``: 1 when every check passed, 0 when one failed.

An unknown outcome publishes no datapoint: the ``Ready`` alarm treats missing data as
breaching, so an evaluator that stops, or that cannot tell, pages too.
"""

from __future__ import annotations

import json
from typing import TextIO

from payment_service.readiness.model import Evaluation, Outcome

NAMESPACE = "PaymentDR/Readiness"
CHECK_METRIC = "CheckPassed"
READY_METRIC = "Ready"


def _value(outcome: Outcome) -> int | None:
    return {Outcome.PASS: 1, Outcome.FAIL: 0}.get(outcome)


def emf_records(evaluation: Evaluation, environment: str) -> list[dict[str, object]]:
    """The embedded-metric-format records of ``evaluation`` (unknowns carry no metric)."""
    timestamp = int(evaluation.evaluated_at * 1000)
    records: list[dict[str, object]] = []

    def record(dimensions: list[str], metric: str, value: int | None, **fields: object) -> None:
        body: dict[str, object] = {"Environment": environment, **fields}
        if value is not None:
            body["_aws"] = {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [dimensions],
                        "Metrics": [{"Name": metric, "Unit": "Count"}],
                    }
                ],
            }
            body[metric] = value
        records.append(body)

    for result in evaluation.results:
        record(
            ["Environment", "Check"],
            CHECK_METRIC,
            _value(result.outcome),
            Check=result.check,
            outcome=result.outcome.value,
            reason=result.reason,
            evaluation_id=evaluation.evaluation_id,
        )
    record(
        ["Environment"],
        READY_METRIC,
        _value(evaluation.overall),
        outcome=evaluation.overall.value,
        counts=evaluation.counts(),
        evaluation_id=evaluation.evaluation_id,
    )
    return records


def write_metrics(evaluation: Evaluation, environment: str, out: TextIO) -> None:
    """Print one line per record (EMF needs each record on a line of its own)."""
    for record in emf_records(evaluation, environment):
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
    out.flush()
