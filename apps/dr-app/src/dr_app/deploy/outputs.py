"""``payment-dr-deploy outputs``: both stacks' outputs in one file, for the live tests.

The file has the shape the live tests read (``tests/live/outputs.py``):
``{"<stack name>": {"<output>": value, ...}, ...}``. Each stack's outputs come from
``terraform output -json`` ("the outputs are formatted as a JSON object, with a key per
output", each with ``value`` and ``sensitive``: Terraform CLI docs, "terraform output
command"); sensitive outputs (the cross-stack references) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from dr_app.deploy.checks import DeployError
from dr_app.deploy.runner import Capture, capture
from dr_app.deploy.steps import Command, Stack, output_command


def plain_outputs(printed: str) -> dict[str, object]:
    """The non-sensitive outputs of one ``terraform output -json``, by name."""
    try:
        outputs = json.loads(printed or "{}")
    except json.JSONDecodeError as exc:
        raise DeployError(f"`terraform output -json` printed no JSON object: {exc}") from exc
    if not isinstance(outputs, Mapping):
        raise DeployError("`terraform output -json` printed no JSON object")
    return {
        name: entry.get("value")
        for name, entry in outputs.items()
        if isinstance(entry, Mapping) and not entry.get("sensitive", False)
    }


def collect(terraform: str, stacks: Sequence[Stack], run: Capture = capture) -> dict[str, object]:
    """``{stack: {output: value}}``; a stack with no outputs (not applied) is an error."""
    collected: dict[str, object] = {}
    for stack in stacks:
        argv = output_command(terraform, stack)
        status, printed = run(argv)
        if status != 0:
            shown = Command(stack.name, argv).render()
            raise DeployError(f"{stack.name}: `{shown}` failed (exit status {status})")
        outputs = plain_outputs(printed)
        if not outputs:
            raise DeployError(f"{stack.name} has no outputs: apply it first (make deploy)")
        collected[stack.name] = outputs
    return collected


def write(path: Path, collected: Mapping[str, object]) -> None:
    path.write_text(json.dumps(collected, indent=2, sort_keys=True) + "\n", encoding="utf-8")
