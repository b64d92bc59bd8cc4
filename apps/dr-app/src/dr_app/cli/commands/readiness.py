"""``payment-dr readiness``: is the DR pair ready for a failover, check by check.

Without options: the last evaluation the readiness evaluator recorded (the orchestrator's
decision table, partition ``READINESS``, in the secondary region), with its age; one older
than :data:`RECORD_STALE_SECONDS` is reported stale. With ``--now``: the same checks
(:func:`payment_service.readiness.runner.evaluate`) run from here with the operator's
credentials, on the configuration the deployed evaluator has (Lambda
``GetFunctionConfiguration``: ``Environment.Variables``); nothing is recorded or published.

Exit 0 only when every check passed (and, for a recorded evaluation, it is fresh); 1 when a
check failed or is unknown, when the evaluation is stale or missing, or when it could not be
read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.output import emit
from payment_service.errors import ConfigError
from payment_service.failover.clients import OPERATOR_LIMITS, Response, boto3_client
from payment_service.failover.clients import explain_error as explain
from payment_service.readiness.clients import Boto3ReadinessClients, ReadinessClients
from payment_service.readiness.model import Evaluation, Outcome
from payment_service.readiness.runner import evaluate
from payment_service.readiness.settings import ReadinessSettings
from payment_service.readiness.store import latest

RECORD_STALE_SECONDS = 15 * 60
"""Three evaluator periods: the readiness alarm pages after as long without a Ready of 1."""


class FunctionConfigurationApi(Protocol):
    """Lambda ``GetFunctionConfiguration``."""

    def get_function_configuration(self, *, FunctionName: str) -> Response:  # noqa: N803
        """A function's configuration, its environment variables included."""
        ...


def boto3_lambda(region: str) -> FunctionConfigurationApi:
    """Lambda in ``region`` with the operator's bounds."""
    client: FunctionConfigurationApi = boto3_client("lambda", region, OPERATOR_LIMITS)
    return client


LambdaFactory = Callable[[str], FunctionConfigurationApi]
ClientsFactory = Callable[[], ReadinessClients]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``readiness`` command."""
    parser = subparsers.add_parser(
        "readiness",
        help="DR readiness, check by check: the last recorded evaluation, or one now (--now)",
        description="Print the last evaluation the readiness evaluator recorded (every 5 "
        "minutes, in the secondary region), or with --now run the same checks from here with "
        "your credentials on the deployed evaluator's configuration. Exit 0 only when every "
        "check passed (and the record is at most 15 minutes old).",
    )
    parser.add_argument(
        "--now",
        action="store_true",
        help="run every check now with your credentials (reads the evaluator's configuration "
        "with GetFunctionConfiguration; records and publishes nothing)",
    )
    parser.set_defaults(run=run)


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """The recorded evaluation, or one now."""
    if args.now:
        return run_now(ctx)
    return show_recorded(ctx)


def _lines(evaluation: Evaluation) -> list[str]:
    return evaluation.lines()


def show_recorded(ctx: CliContext) -> int:
    """Print the newest recorded evaluation and its age."""
    region, table = ctx.names.secondary_region, ctx.names.decision_table
    document: dict[str, object] = {"source": "recorded", "table": table, "region": region}
    try:
        evaluation = latest(ctx.clients.dynamodb(region), table)
    except Exception as exc:
        ctx.record_error(region, "dynamodb", explain(exc))
        emit(
            ctx,
            {**document, "ready": False, "evaluation": None},
            [f"readiness: unknown: the decision table {table} in {region} could not be read"],
        )
        return Exit.FAILED
    if evaluation is None:
        emit(
            ctx,
            {**document, "ready": False, "evaluation": None},
            [
                f"readiness: no evaluation recorded in {table} ({region}); is the evaluator "
                f"{ctx.names.readiness_function} deployed? ('payment-dr readiness --now' runs "
                "the checks from here)"
            ],
        )
        return Exit.FAILED
    age = ctx.wall_clock() - evaluation.evaluated_at
    stale = age > RECORD_STALE_SECONDS
    ready = evaluation.overall is Outcome.PASS and not stale
    lines = _lines(evaluation)
    lines.append(f"recorded {age:.0f} s ago in {table} ({region})")
    if stale:
        lines.append(
            f"STALE: no evaluation for {age / 60:.0f} minutes (expected every 5): check the "
            f"evaluator {ctx.names.readiness_function} (its errors, its schedule)"
        )
    emit(
        ctx,
        {
            **document,
            "ready": ready,
            "age_seconds": round(age),
            "stale": stale,
            "evaluation": evaluation.to_json(),
        },
        lines,
    )
    return Exit.OK if ready else Exit.FAILED


def _variables(configuration: Mapping[str, object]) -> tuple[dict[str, str] | None, str | None]:
    """``Environment.Variables`` of a function configuration, or why there are none."""
    environment = configuration.get("Environment")
    if not isinstance(environment, Mapping):
        return None, "the function has no environment variables"
    error = environment.get("Error")
    if isinstance(error, Mapping):
        return None, f"{error.get('ErrorCode')}: {error.get('Message')}"
    variables = environment.get("Variables")
    if not isinstance(variables, Mapping):
        return None, "the function has no environment variables"
    return {str(key): str(value) for key, value in variables.items()}, None


@dataclass(frozen=True)
class NowEvaluation:
    """An evaluation run now with the operator's credentials, or why there is none."""

    function: str
    """The deployed evaluator whose configuration the checks ran on."""
    region: str
    evaluation: Evaluation | None = None
    problem: str | None = None
    """Why no check ran: the evaluator's configuration is unreadable or invalid."""
    error: str | None = None
    """The configuration error, when it is invalid."""

    @property
    def ready(self) -> bool:
        """Every check passed."""
        return self.evaluation is not None and self.evaluation.overall is Outcome.PASS


def evaluate_now(
    ctx: CliContext,
    *,
    lambda_client: LambdaFactory = boto3_lambda,
    readiness_clients: ClientsFactory = Boto3ReadinessClients,
) -> NowEvaluation:
    """Read the deployed evaluator's configuration and run every check with the operator's
    credentials: ``payment-dr readiness --now``, and the gate of ``payment-dr gameday``.
    Records and publishes nothing."""
    region, function = ctx.names.secondary_region, ctx.names.readiness_function
    source = f"GetFunctionConfiguration {function} in {region}"
    try:
        configuration = lambda_client(region).get_function_configuration(FunctionName=function)
        variables, problem = _variables(configuration)
    except Exception as exc:
        variables, problem = None, explain(exc)
    if variables is None:
        ctx.record_error(region, "lambda", problem or "no configuration")
        return NowEvaluation(
            function, region, problem=f"the evaluator's configuration is unreadable ({source})"
        )
    try:
        settings = ReadinessSettings.from_env({**variables, "AWS_REGION": region})
    except ConfigError as exc:
        return NowEvaluation(
            function,
            region,
            problem=f"the evaluator's configuration is invalid ({source}): {exc}",
            error=str(exc),
        )
    evaluation = evaluate(
        settings,
        readiness_clients(),
        trigger="operator",
        clock=ctx.wall_clock,
        monotonic=ctx.clock,
    )
    return NowEvaluation(function, region, evaluation=evaluation)


def run_now(
    ctx: CliContext,
    *,
    lambda_client: LambdaFactory = boto3_lambda,
    readiness_clients: ClientsFactory = Boto3ReadinessClients,
) -> int:
    """Read the evaluator's configuration, run every check with the operator's credentials,
    print the evaluation."""
    now = evaluate_now(ctx, lambda_client=lambda_client, readiness_clients=readiness_clients)
    document: dict[str, object] = {"source": "now", "function": now.function, "region": now.region}
    if now.evaluation is None:
        if now.error is not None:
            document["error"] = now.error
        emit(
            ctx,
            {**document, "ready": False, "evaluation": None},
            [f"readiness --now: {now.problem}"],
        )
        return Exit.FAILED
    lines = _lines(now.evaluation)
    lines.append(
        f"run now with your credentials on the configuration of {now.function} ({now.region})"
    )
    emit(ctx, {**document, "ready": now.ready, "evaluation": now.evaluation.to_json()}, lines)
    return Exit.OK if now.ready else Exit.FAILED
