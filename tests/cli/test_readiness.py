"""``payment-dr readiness``: the last recorded evaluation (fresh, stale, failing, missing,
unreadable) and ``--now`` (the deployed evaluator's configuration, the same checks run with
the operator's credentials)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from dr_app.cli.commands import readiness
from dr_app.cli.context import CliContext
from dr_app.cli.main import Runtime, run_cli
from dr_app.cli.names import ResourceNames
from payment_dr_core import EnvironmentConfig
from payment_service.readiness.checks import CHECK_NAMES
from payment_service.readiness.model import CheckResult, Evaluation, Outcome
from payment_service.readiness.store import record
from tests.readiness.support import environment

SECONDARY = "us-east-2"
TABLE = "payment-processing-failover-decisions-dev"
FUNCTION = "payment-processing-readiness-use2-dev"
NOW = 1_780_000_000.0


class DynamoDbOnly:
    """The CLI's client factory: moto's DynamoDB; any other service is a test error."""

    def dynamodb(self, region: str) -> Any:
        return boto3.client("dynamodb", region_name=region)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"payment-dr readiness must not call {name}")


def create_decision_table() -> Any:
    """The orchestrator's decision table, where the evaluator records (inside ``mock_aws``)."""
    client = boto3.client("dynamodb", region_name=SECONDARY)
    client.create_table(
        TableName=TABLE,
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
    return client


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        yield create_decision_table()


def cli(tmp_path: Path, *args: str, clients: Any = None, now: float = NOW) -> tuple[int, str]:
    out = io.StringIO()
    runtime = Runtime(
        clients=clients if clients is not None else DynamoDbOnly(),
        out=out,
        err=io.StringIO(),
        environ={"PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path)},
        wall_clock=lambda: now,
    )
    return run_cli(["--suffix", "dev", *args], runtime), out.getvalue()


def evaluation(*outcomes: Outcome, at: float = NOW - 120) -> Evaluation:
    return Evaluation(
        "abc123",
        at,
        "schedule",
        tuple(
            CheckResult(name, outcome, f"{name} reason")
            for name, outcome in zip(CHECK_NAMES, outcomes, strict=False)
        ),
        2.5,
    )


def test_the_last_recorded_evaluation_is_printed_with_its_age(table: Any, tmp_path: Path) -> None:
    record(table, TABLE, evaluation(Outcome.FAIL, at=NOW - 900), 86400)
    record(table, TABLE, evaluation(Outcome.PASS, Outcome.PASS), 86400)
    code, out = cli(tmp_path, "readiness")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("readiness PASS at ")
    assert lines[0].endswith("(schedule): 2 pass, 0 fail, 0 unknown")
    assert lines[1] == "  PASS    global-cluster: global-cluster reason"
    assert lines[-1] == f"recorded 120 s ago in {TABLE} (us-east-2)"


def test_a_failing_or_stale_evaluation_exits_1(table: Any, tmp_path: Path) -> None:
    record(table, TABLE, evaluation(Outcome.PASS, Outcome.UNKNOWN), 86400)
    code, out = cli(tmp_path, "readiness")
    assert code == 1
    assert "  UNKNOWN cluster-instances: cluster-instances reason" in out
    code, out = cli(tmp_path, "readiness", now=NOW + 3600)
    assert code == 1
    assert "STALE: no evaluation for 62 minutes" in out


def test_json_carries_the_evaluation(table: Any, tmp_path: Path) -> None:
    record(table, TABLE, evaluation(Outcome.PASS), 86400)
    code, out = cli(tmp_path, "--json", "readiness")
    document = json.loads(out)
    assert code == 0
    assert (document["source"], document["ready"], document["stale"]) == ("recorded", True, False)
    assert document["age_seconds"] == 120
    assert document["evaluation"]["checks"] == [
        {"check": "global-cluster", "outcome": "pass", "reason": "global-cluster reason"}
    ]


def test_nothing_recorded_or_an_unreadable_table_exits_1(table: Any, tmp_path: Path) -> None:
    code, out = cli(tmp_path, "readiness")
    assert code == 1
    assert f"no evaluation recorded in {TABLE} (us-east-2); is the evaluator {FUNCTION}" in out
    table.delete_table(TableName=TABLE)
    code, out = cli(tmp_path, "readiness")
    assert code == 1
    assert out.startswith(f"readiness: unknown: the decision table {TABLE} in us-east-2")
    assert "warning: us-east-2 dynamodb unavailable: ResourceNotFoundException" in out


# --- --now -----------------------------------------------------------------------------------


def deploy_evaluator() -> None:
    """The evaluator as deployed: its function and configuration (inside ``mock_aws``)."""
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName=FUNCTION,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    variables = environment(CHECKS_BUDGET_SECONDS="10")
    del variables["AWS_REGION"]  # reserved: Lambda sets it
    boto3.client("lambda", region_name=SECONDARY).create_function(
        FunctionName=FUNCTION,
        Runtime="python3.11",
        Role=role,
        Handler="payment_service.readiness.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": variables},
    )


@pytest.fixture
def deployed() -> Iterator[None]:
    """The evaluator as deployed: its function and configuration (moto)."""
    with mock_aws():
        deploy_evaluator()
        yield


def test_now_runs_every_check_on_the_deployed_configuration(deployed: None, tmp_path: Path) -> None:
    code, out = cli(tmp_path, "--json", "readiness", "--now", clients=DynamoDbOnly())
    document = json.loads(out)
    # nothing the configuration names exists in this account: not ready
    assert code == 1
    assert (document["source"], document["function"], document["ready"]) == (
        "now",
        FUNCTION,
        False,
    )
    assert document["evaluation"]["trigger"] == "operator"
    checks = {c["check"]: c for c in document["evaluation"]["checks"]}
    assert list(checks) == list(CHECK_NAMES)
    assert checks["auto-failover-switch"]["outcome"] == "fail"
    assert checks["auto-failover-switch"]["reason"].startswith(
        "/payment-processing-auto-failover-enabled-rdy does not exist"
    )


def test_now_without_a_deployed_evaluator_says_so(tmp_path: Path) -> None:
    with mock_aws():
        code, out = cli(tmp_path, "readiness", "--now")
    assert code == 1
    assert out.splitlines()[0] == (
        "readiness --now: the evaluator's configuration is unreadable "
        f"(GetFunctionConfiguration {FUNCTION} in us-east-2)"
    )
    assert "warning: us-east-2 lambda unavailable: ResourceNotFoundException" in out


class FakeLambda:
    def __init__(self, configuration: dict[str, Any]) -> None:
        self.configuration = configuration

    def get_function_configuration(self, *, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        assert FunctionName == FUNCTION
        return self.configuration


def context() -> CliContext:
    config = EnvironmentConfig(suffix="dev")
    return CliContext(
        names=ResourceNames.for_environment(config, "us-east-1", SECONDARY),
        clients=DynamoDbOnly(),
        out=io.StringIO(),
        err=io.StringIO(),
        stdin=io.StringIO(),
        config=config,
    )


def test_now_reports_variables_lambda_cannot_show_or_an_invalid_configuration() -> None:
    ctx = context()
    unreadable = FakeLambda(
        {"Environment": {"Error": {"ErrorCode": "KMSAccessDeniedException", "Message": "no"}}}
    )
    assert readiness.run_now(ctx, lambda_client=lambda region: unreadable) == 1
    assert [e.error for e in ctx.errors] == ["KMSAccessDeniedException: no"]
    ctx = context()
    invalid = FakeLambda({"Environment": {"Variables": {"ENVIRONMENT_SUFFIX": "dev"}}})
    assert readiness.run_now(ctx, lambda_client=lambda region: invalid) == 1
    assert "the evaluator's configuration is invalid" in ctx.out.getvalue()  # type: ignore[attr-defined]
    assert "is not set" in ctx.out.getvalue()  # type: ignore[attr-defined]
