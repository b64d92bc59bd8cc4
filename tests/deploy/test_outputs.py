"""``payment-dr-deploy outputs``: the live tests' outputs file from ``terraform output -json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from dr_app.deploy.checks import DeployError
from dr_app.deploy.outputs import collect, plain_outputs, write
from dr_app.deploy.steps import Stack

PRIMARY = Stack("payment-dr-ci7-primary", Path("/o/stacks/payment-dr-ci7-primary"))
SECONDARY = Stack("payment-dr-ci7-secondary", Path("/o/stacks/payment-dr-ci7-secondary"))

PRINTED = {
    "region": {"sensitive": False, "type": "string", "value": "us-east-1"},
    "cross-stack-output-aws_vpcnetwork_vpc_4E8F0223id": {
        "sensitive": True,
        "type": "string",
        "value": "vpc-0abc",
    },
}


def test_sensitive_outputs_are_left_out() -> None:
    assert plain_outputs(json.dumps(PRINTED)) == {"region": "us-east-1"}


def test_collect_runs_output_json_per_stack_and_writes_one_file(tmp_path: Path) -> None:
    calls: list[tuple[str, ...]] = []

    def run(argv: Sequence[str]) -> tuple[int, str]:
        calls.append(tuple(argv))
        return 0, json.dumps(PRINTED)

    collected = collect("terraform", (PRIMARY, SECONDARY), run)
    assert calls == [
        ("terraform", "-chdir=/o/stacks/payment-dr-ci7-primary", "output", "-json"),
        ("terraform", "-chdir=/o/stacks/payment-dr-ci7-secondary", "output", "-json"),
    ]
    write(tmp_path / "outputs.json", collected)
    assert json.loads((tmp_path / "outputs.json").read_text()) == {
        "payment-dr-ci7-primary": {"region": "us-east-1"},
        "payment-dr-ci7-secondary": {"region": "us-east-1"},
    }


def test_a_stack_without_outputs_is_an_error() -> None:
    with pytest.raises(
        DeployError, match=r"^payment-dr-ci7-primary has no outputs: apply it first"
    ):
        collect("terraform", (PRIMARY,), lambda argv: (0, "{}"))
    with pytest.raises(DeployError, match="failed \\(exit status 1\\)$"):
        collect("terraform", (PRIMARY,), lambda argv: (1, ""))
