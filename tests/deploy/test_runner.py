"""Running the steps with fake terraform: the secondary's dependency on the primary's outputs,
confirmation and failures."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from dr_app.deploy.checks import DeployError
from dr_app.deploy.runner import Runner, missing_outputs, render
from dr_app.deploy.steps import Action, Stack, build_steps

READS = (
    "cross-stack-output-aws_vpcnetwork_vpc_4E8F0223id",
    "cross-stack-output-aws_kms_keykey_arn",
)


class FakeTerraform:
    """Records every command; ``output -json`` prints ``outputs``; ``fail`` exits 1."""

    def __init__(self, outputs: dict[str, object], fail: str = "") -> None:
        self.outputs = outputs
        self.fail = fail
        self.calls: list[tuple[str, ...]] = []

    def execute(self, argv: Sequence[str]) -> int:
        self.calls.append(tuple(argv))
        return 1 if self.fail and self.fail in argv else 0

    def capture(self, argv: Sequence[str]) -> tuple[int, str]:
        self.calls.append(tuple(argv))
        return 0, json.dumps(self.outputs)


@pytest.fixture
def stacks(tmp_path: Path) -> tuple[Stack, Stack]:
    primary = Stack("payment-dr-ci7-primary", tmp_path / "payment-dr-ci7-primary")
    secondary = Stack("payment-dr-ci7-secondary", tmp_path / "payment-dr-ci7-secondary")
    secondary.directory.mkdir()
    refs = [
        f"${{data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-primary.outputs.{name}}}"
        for name in READS
    ]
    secondary.document.write_text(json.dumps({"resource": {"x": refs}}), encoding="utf-8")
    return primary, secondary


def run(
    action: Action,
    stacks: tuple[Stack, Stack],
    terraform: FakeTerraform,
    answers: Sequence[str] = (),
    auto_approve: bool = False,
) -> str:
    out = io.StringIO()
    replies = iter(answers)
    runner = Runner(
        action,
        out,
        ask=lambda prompt: next(replies),
        execute=terraform.execute,
        capture=terraform.capture,
    )
    runner.run(build_steps("terraform", *stacks, action, auto_approve=auto_approve))
    return out.getvalue()


def verbs(calls: list[tuple[str, ...]]) -> list[str]:
    """``<stack role> <subcommand>`` of each call."""
    return [f"{argv[1].rsplit('-', 1)[1]} {argv[2]}" for argv in calls]


def test_plan_of_an_empty_environment_plans_the_primary_and_says_why_not_the_secondary(
    stacks: tuple[Stack, Stack],
) -> None:
    terraform = FakeTerraform(outputs={})
    printed = run(Action.PLAN, stacks, terraform)
    assert verbs(terraform.calls) == [
        "primary init",
        "primary plan",
        "primary show",
        "secondary init",
        "primary output",
    ]
    assert (
        "payment-dr-deploy: payment-dr-ci7-secondary is not planned: the state of "
        "payment-dr-ci7-primary lacks 2 output(s) payment-dr-ci7-secondary reads "
        "(cross-stack-output-aws_kms_keykey_arn, cross-stack-output-aws_vpcnetwork_vpc_4E8F0223id)"
        " through terraform_remote_state. It is planned after payment-dr-ci7-primary is applied: "
        "`make deploy` applies the primary's plan, then plans the secondary and shows it before "
        "applying.\n"
    ) in printed


def test_plan_of_an_applied_primary_plans_both(stacks: tuple[Stack, Stack]) -> None:
    terraform = FakeTerraform(outputs={name: {"value": "x"} for name in (*READS, "region")})
    printed = run(Action.PLAN, stacks, terraform)
    assert verbs(terraform.calls)[-2:] == ["secondary plan", "secondary show"]
    assert "not planned" not in printed


def test_deploy_stops_when_the_applied_primary_lacks_an_output(stacks: tuple[Stack, Stack]) -> None:
    terraform = FakeTerraform(outputs={READS[0]: {"value": "vpc-1"}})
    with pytest.raises(DeployError) as caught:
        run(Action.DEPLOY, stacks, terraform, auto_approve=True)
    assert str(caught.value) == (
        "payment-dr-ci7-primary was applied, but the state of payment-dr-ci7-primary lacks 1 "
        "output(s) payment-dr-ci7-secondary reads (cross-stack-output-aws_kms_keykey_arn); "
        "nothing of payment-dr-ci7-secondary was planned."
    )
    assert "secondary plan" not in verbs(terraform.calls)


def test_destroy_without_primary_outputs_skips_the_secondary_and_destroys_the_primary(
    stacks: tuple[Stack, Stack],
) -> None:
    terraform = FakeTerraform(outputs={})
    printed = run(Action.DESTROY, stacks, terraform, answers=["yes"])
    assert verbs(terraform.calls) == [
        "secondary init",
        "primary init",
        "primary output",
        "primary plan",
        "primary show",
        "primary apply",
    ]
    assert "payment-dr-ci7-secondary skipped:" in printed


def test_only_yes_applies_a_plan(stacks: tuple[Stack, Stack]) -> None:
    terraform = FakeTerraform(outputs={})
    with pytest.raises(
        DeployError, match=r"^payment-dr-ci7-primary: not applied \(the answer was not 'yes'\)$"
    ):
        run(Action.DEPLOY, stacks, terraform, answers=["y"])
    assert verbs(terraform.calls) == ["primary init", "primary plan", "primary show"]


def test_a_failing_command_stops_the_run_with_one_line(stacks: tuple[Stack, Stack]) -> None:
    terraform = FakeTerraform(outputs={}, fail="plan")
    with pytest.raises(DeployError) as caught:
        run(Action.PLAN, stacks, terraform)
    assert str(caught.value) == (
        f"payment-dr-ci7-primary: `terraform -chdir={stacks[0].directory} plan -input=false "
        "-out=payment-dr-ci7-primary.tfplan` failed (exit status 1)"
    )
    assert verbs(terraform.calls) == ["primary init", "primary plan"]


def test_missing_outputs_refuses_output_that_is_not_a_json_object() -> None:
    with pytest.raises(DeployError, match="printed no JSON object"):
        missing_outputs("[]", "")
    assert missing_outputs("", "") == ()


def test_render_prints_one_line_per_step(stacks: tuple[Stack, Stack]) -> None:
    lines = render(
        build_steps("terraform", *stacks, Action.DEPLOY, auto_approve=False)
    ).splitlines()
    assert len(lines) == 11
    assert lines[3] == (
        "# confirm: apply payment-dr-ci7-primary.tfplan to payment-dr-ci7-primary "
        "(only 'yes' applies it)"
    )
