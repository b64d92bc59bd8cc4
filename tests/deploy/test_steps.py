"""The exact terraform commands of plan, deploy and destroy, and their order."""

from __future__ import annotations

from pathlib import Path

from dr_app.deploy.steps import (
    Action,
    Command,
    Confirm,
    PrimaryOutputs,
    Stack,
    build_steps,
    remote_outputs_read,
)

OUT = Path("/srv/out/stacks")
PRIMARY = Stack("payment-dr-ci7-primary", OUT / "payment-dr-ci7-primary")
SECONDARY = Stack("payment-dr-ci7-secondary", OUT / "payment-dr-ci7-secondary")
P = "-chdir=/srv/out/stacks/payment-dr-ci7-primary"
S = "-chdir=/srv/out/stacks/payment-dr-ci7-secondary"


def listing(action: Action, *, auto_approve: bool = False) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for step in build_steps("terraform", PRIMARY, SECONDARY, action, auto_approve=auto_approve):
        if isinstance(step, Command):
            rows.append(step.argv)
        elif isinstance(step, Confirm):
            rows.append(("confirm", step.stack, step.plan_file))
        else:
            rows.append(("outputs-of-primary-for", step.stack, *step.argv))
    return rows


def test_plan_inits_plans_and_shows_the_primary_then_the_secondary() -> None:
    assert listing(Action.PLAN) == [
        ("terraform", P, "init", "-input=false"),
        ("terraform", P, "plan", "-input=false", "-out=payment-dr-ci7-primary.tfplan"),
        ("terraform", P, "show", "payment-dr-ci7-primary.tfplan"),
        ("terraform", S, "init", "-input=false"),
        ("outputs-of-primary-for", "payment-dr-ci7-secondary", "terraform", P, "output", "-json"),
        ("terraform", S, "plan", "-input=false", "-out=payment-dr-ci7-secondary.tfplan"),
        ("terraform", S, "show", "payment-dr-ci7-secondary.tfplan"),
    ]


def test_deploy_applies_the_saved_plan_that_was_shown_after_confirmation() -> None:
    assert listing(Action.DEPLOY) == [
        ("terraform", P, "init", "-input=false"),
        ("terraform", P, "plan", "-input=false", "-out=payment-dr-ci7-primary.tfplan"),
        ("terraform", P, "show", "payment-dr-ci7-primary.tfplan"),
        ("confirm", "payment-dr-ci7-primary", "payment-dr-ci7-primary.tfplan"),
        ("terraform", P, "apply", "-input=false", "payment-dr-ci7-primary.tfplan"),
        ("terraform", S, "init", "-input=false"),
        ("outputs-of-primary-for", "payment-dr-ci7-secondary", "terraform", P, "output", "-json"),
        ("terraform", S, "plan", "-input=false", "-out=payment-dr-ci7-secondary.tfplan"),
        ("terraform", S, "show", "payment-dr-ci7-secondary.tfplan"),
        ("confirm", "payment-dr-ci7-secondary", "payment-dr-ci7-secondary.tfplan"),
        ("terraform", S, "apply", "-input=false", "payment-dr-ci7-secondary.tfplan"),
    ]


def test_destroy_runs_the_secondary_first_with_destroy_plans() -> None:
    assert listing(Action.DESTROY, auto_approve=True) == [
        ("terraform", S, "init", "-input=false"),
        ("terraform", P, "init", "-input=false"),
        ("outputs-of-primary-for", "payment-dr-ci7-secondary", "terraform", P, "output", "-json"),
        (
            "terraform",
            S,
            "plan",
            "-destroy",
            "-input=false",
            "-out=payment-dr-ci7-secondary.destroy.tfplan",
        ),
        ("terraform", S, "show", "payment-dr-ci7-secondary.destroy.tfplan"),
        ("terraform", S, "apply", "-input=false", "payment-dr-ci7-secondary.destroy.tfplan"),
        (
            "terraform",
            P,
            "plan",
            "-destroy",
            "-input=false",
            "-out=payment-dr-ci7-primary.destroy.tfplan",
        ),
        ("terraform", P, "show", "payment-dr-ci7-primary.destroy.tfplan"),
        ("terraform", P, "apply", "-input=false", "payment-dr-ci7-primary.destroy.tfplan"),
    ]


def test_auto_approve_drops_only_the_confirmations() -> None:
    asked = listing(Action.DEPLOY)
    approved = listing(Action.DEPLOY, auto_approve=True)
    assert approved == [row for row in asked if row[0] != "confirm"]
    assert len(asked) - len(approved) == 2


def test_the_executable_is_used_as_given() -> None:
    steps = build_steps("/opt/tf/terraform", PRIMARY, SECONDARY, Action.PLAN, auto_approve=False)
    assert {s.argv[0] for s in steps if isinstance(s, Command | PrimaryOutputs)} == {
        "/opt/tf/terraform"
    }


def test_the_output_check_reads_the_secondary_document() -> None:
    checks = [
        s
        for s in build_steps("terraform", PRIMARY, SECONDARY, Action.PLAN, auto_approve=False)
        if isinstance(s, PrimaryOutputs)
    ]
    assert [(c.stack, c.primary, c.reader) for c in checks] == [
        (SECONDARY.name, PRIMARY.name, SECONDARY.directory / "cdk.tf.json")
    ]


def test_remote_outputs_read_finds_each_referenced_output_once() -> None:
    text = (
        '"vpc_id": "${data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-'
        'primary.outputs.cross-stack-output-aws_vpcnetwork_vpc_4E8F0223id}", "arn": "${replace('
        "data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-primary.outputs."
        'cross-stack-output-aws_kms_keykey_F64E54E4arn, \\":us-east-1:\\", \\":us-east-2:\\")}", '
        '"again": "${data.terraform_remote_state.x.outputs.cross-stack-output-aws_vpcnetwork_vpc_'
        '4E8F0223id}", "not": "${aws_vpc.outputs.id}"'
    )
    assert remote_outputs_read(text) == {
        "cross-stack-output-aws_vpcnetwork_vpc_4E8F0223id",
        "cross-stack-output-aws_kms_keykey_F64E54E4arn",
    }
