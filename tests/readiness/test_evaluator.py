"""The evaluator as a whole: its budget (a hanging API is unknown, never a timeout), the
metrics it publishes, its record in the decision table, its settings, and its handler."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from payment_service.errors import ConfigError
from payment_service.readiness import entry
from payment_service.readiness.checks import CHECK_NAMES, CHECKS, Check
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import (
    CheckResult,
    Evaluation,
    Finding,
    Outcome,
    failed,
    passed,
    unknown,
)
from payment_service.readiness.publish import NAMESPACE, emf_records
from payment_service.readiness.runner import evaluate
from payment_service.readiness.settings import ReadinessSettings
from payment_service.readiness.store import from_item, latest, record, to_item
from payment_service.readiness.threads import spawn_in_order
from tests.readiness.support import (
    DECISIONS,
    NOW_EPOCH,
    SECONDARY,
    SUFFIX,
    Hanging,
    environment,
    settings,
)


class AllHanging:
    """Every client of every region hangs: a control plane that never answers."""

    def __init__(self) -> None:
        self.fake = Hanging()

    def __getattr__(self, name: str) -> Any:
        return lambda *_args: self.fake


@pytest.fixture
def all_hanging() -> Iterator[AllHanging]:
    clients = AllHanging()
    yield clients
    clients.fake.release.set()


def test_every_check_is_registered_once_with_a_source_in_its_docstring() -> None:
    assert len(CHECK_NAMES) == len(set(CHECK_NAMES)) == 16
    for check in CHECKS:
        doc = check.run.__doc__ or ""
        assert "Source:" in doc, check.name


def test_hanging_apis_make_every_check_unknown_within_the_budget(
    all_hanging: AllHanging,
) -> None:
    started = time.monotonic()
    out = io.StringIO()
    result = entry.run_once(
        settings(CHECKS_BUDGET_SECONDS="1.5"),
        all_hanging,
        trigger="schedule",
        out=out,
        record_timeout_seconds=0.5,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 3.5  # budget 1.5 s + record 0.5 s, never the calls' 30 s
    assert result["overall"] == "unknown"
    assert result["counts"] == {"pass": 0, "fail": 0, "unknown": 16}
    assert (result["recorded"], result["record_error"]) == (False, "no answer within 0.5 s")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 17
    assert not any("_aws" in line for line in lines)  # unknown publishes no datapoint
    # the calls still hanging are left in daemon threads: they cannot hold the process at exit
    left = [t for t in threading.enumerate() if t.name.startswith("readiness")]
    assert left
    assert all(thread.daemon for thread in left)


def test_work_in_order_runs_one_at_a_time_and_leaves_the_rest_pending() -> None:
    release = threading.Event()
    started: list[str] = []

    def work(name: str, block: bool) -> str:
        started.append(name)
        if block:
            release.wait(10)
        return name

    futures = spawn_in_order(
        [lambda: work("a", False), lambda: work("b", True), lambda: work("c", False)],
        "readiness-test",
    )
    assert futures[0].result(timeout=5) == "a"
    time.sleep(0.2)
    assert started == ["a", "b"]
    assert not futures[2].running()
    assert not futures[2].done()
    release.set()
    assert [future.result(timeout=5) for future in futures] == ["a", "b", "c"]


def test_a_check_that_raises_is_unknown_and_the_others_still_count() -> None:
    def broken(ctx: CheckContext) -> Finding:
        raise KeyError("Table")

    evaluation = evaluate(
        settings(),
        AllHanging(),
        checks=[Check("broken", broken), Check("fine", lambda ctx: passed("ok"))],
        clock=lambda: NOW_EPOCH,
    )
    assert [(r.check, r.outcome) for r in evaluation.results] == [
        ("broken", Outcome.UNKNOWN),
        ("fine", Outcome.PASS),
    ]
    assert evaluation.results[0].reason == "KeyError: 'Table'"
    assert evaluation.overall is Outcome.UNKNOWN


def evaluation_of(*outcomes: Outcome) -> Evaluation:
    findings = {Outcome.PASS: passed, Outcome.FAIL: failed, Outcome.UNKNOWN: unknown}
    return Evaluation(
        evaluation_id="e1",
        evaluated_at=NOW_EPOCH,
        trigger="schedule",
        results=tuple(
            CheckResult(f"check-{index}", outcome, findings[outcome](f"reason {index}").reason)
            for index, outcome in enumerate(outcomes)
        ),
        duration_seconds=1.25,
    )


def test_overall_fails_on_any_failure_and_is_unknown_on_any_unknown() -> None:
    assert evaluation_of(Outcome.PASS, Outcome.PASS).overall is Outcome.PASS
    assert evaluation_of(Outcome.PASS, Outcome.UNKNOWN).overall is Outcome.UNKNOWN
    assert evaluation_of(Outcome.UNKNOWN, Outcome.FAIL).overall is Outcome.FAIL


def test_metrics_one_per_check_and_ready_in_embedded_metric_format() -> None:
    records = emf_records(evaluation_of(Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN), SUFFIX)
    passing, failing, silent, overall = records
    assert passing["_aws"] == {
        "Timestamp": int(NOW_EPOCH * 1000),
        "CloudWatchMetrics": [
            {
                "Namespace": NAMESPACE,
                "Dimensions": [["Environment", "Check"]],
                "Metrics": [{"Name": "CheckPassed", "Unit": "Count"}],
            }
        ],
    }
    assert (passing["Environment"], passing["Check"], passing["CheckPassed"]) == (
        SUFFIX,
        "check-0",
        1,
    )
    assert (failing["CheckPassed"], failing["outcome"]) == (0, "fail")
    assert "_aws" not in silent
    assert "CheckPassed" not in silent
    metadata: Any = overall["_aws"]
    assert metadata["CloudWatchMetrics"][0]["Dimensions"] == [["Environment"]]
    assert overall["Ready"] == 0
    ready = emf_records(evaluation_of(Outcome.PASS), SUFFIX)[-1]
    assert ready["Ready"] == 1
    assert "Ready" not in emf_records(evaluation_of(Outcome.UNKNOWN), SUFFIX)[-1]


def test_record_round_trips_through_its_own_partition() -> None:
    evaluation = evaluation_of(Outcome.PASS, Outcome.FAIL)
    item = to_item(evaluation, ttl_seconds=7 * 86400)
    assert item["pk"] == {"S": "READINESS"}
    assert item["sk"] == {"S": "2025-06-02T12:00:00.000Z#e1"}
    assert item["expires_at"] == {"N": str(int(NOW_EPOCH) + 7 * 86400)}
    assert from_item(item) == evaluation
    with pytest.raises(ValueError, match="not a readiness item"):
        from_item({"pk": {"S": "DECISION"}, "evaluated_at": {"N": "1"}})


@pytest.fixture
def decision_table() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=SECONDARY)
        client.create_table(
            TableName=DECISIONS,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )
        yield client


def test_latest_reads_the_newest_readiness_item_and_ignores_decisions(
    decision_table: Any,
) -> None:
    assert latest(decision_table, DECISIONS) is None
    older = evaluation_of(Outcome.FAIL)
    newer = Evaluation(
        "e2", NOW_EPOCH + 300, "schedule", (CheckResult("check-0", Outcome.PASS, "ok"),)
    )
    record(decision_table, DECISIONS, older, 86400)
    record(decision_table, DECISIONS, newer, 86400)
    decision_table.put_item(
        TableName=DECISIONS,
        Item={"pk": {"S": "DECISION"}, "sk": {"S": "2099-01-01T00:00:00.000Z#x"}},
    )
    found = latest(decision_table, DECISIONS)
    assert found is not None
    assert (found.evaluation_id, found.overall) == ("e2", Outcome.PASS)


def test_settings_name_the_variable_and_bound_the_budget() -> None:
    env = environment()
    del env["HOSTED_ZONE_ID"]
    with pytest.raises(ConfigError, match="HOSTED_ZONE_ID is not set"):
        ReadinessSettings.from_env(env)
    with pytest.raises(ConfigError, match="exceed FUNCTION_TIMEOUT_SECONDS=30"):
        settings(CHECKS_BUDGET_SECONDS="25", FUNCTION_TIMEOUT_SECONDS="30")
    with pytest.raises(ConfigError, match="WATCHED_ALARMS is not JSON"):
        settings(WATCHED_ALARMS="{us-east-1: a}")
    with pytest.raises(ConfigError, match="'eu-nowhere' is not a region"):
        settings(WATCHED_ALARMS=json.dumps({"alarms": {"eu-nowhere": ["a"]}}))
    with pytest.raises(ConfigError, match="CERTIFICATE_ARNS: 'arn:aws:acm:x' is invalid"):
        settings(CERTIFICATE_ARNS="arn:aws:acm:x")
    parsed = settings()
    assert parsed.probe_regions == ("us-east-2", "us-west-2")
    assert parsed.watched_alarms[0] == (
        "us-east-1",
        ("payment-processing-api-5xx-use1-rdy", "payment-processing-api-primary-unhealthy-rdy"),
    )
    whole = settings(WATCHED_ALARMS=json.dumps({"alarms": {"us-east-2": ["other-alarm"]}}))
    assert whole.watched_alarms == (("us-east-2", ("other-alarm",)),)
    # the failover record's FQDN, as Terraform reports it, may end with the root's dot
    assert settings(API_DOMAIN_NAME="api-rdy.payments.example.com.").api_domain_name.endswith(".")
    with pytest.raises(ConfigError, match="API_DOMAIN_NAME='api rdy' is invalid"):
        settings(API_DOMAIN_NAME="api rdy")
    with pytest.raises(ConfigError, match="the alarms of us-east-2 are invalid"):
        settings(WATCHED_ALARMS=json.dumps({"alarms": {"us-east-2": []}}))
    assert (parsed.secondary_cluster_id, parsed.rpo_seconds) == (
        "payment-processing-aurora-use2-rdy",
        900.0,
    )


def test_handler_evaluates_publishes_and_records(
    decision_table: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in environment(CHECKS_BUDGET_SECONDS="10").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(entry, "_state", None)
    result = entry.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    assert result["trigger"] == "schedule"
    assert result["recorded"] is True
    checks: Any = result["checks"]
    assert [check["check"] for check in checks] == list(CHECK_NAMES)
    # nothing exists in this account: nothing can pass
    assert result["overall"] in ("fail", "unknown")
    found = latest(decision_table, DECISIONS)
    assert found is not None
    assert found.evaluation_id == result["evaluation_id"]
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    metric_lines = [line for line in lines if line.get("evaluation_id") == result["evaluation_id"]]
    assert len(metric_lines) == 17
