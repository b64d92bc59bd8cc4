"""Run the steps of :mod:`dr_app.deploy.steps` (or print them, for ``--dry-run``).

Terraform's own output goes straight to the terminal. A failing command stops the run with
one line naming the stack and the command; terraform has printed its reason above it.

The primary's outputs decide what happens to the secondary (it reads them through
``terraform_remote_state``): when the primary's state lacks any output the secondary reads,

- ``plan`` plans the primary only and says that the secondary is planned once the primary is
  applied (on an empty environment the secondary cannot be planned before that);
- ``deploy`` stops with an error (the primary was just applied, so its outputs must be there);
- ``destroy`` skips the secondary, which cannot have been applied without those outputs, and
  goes on to the primary.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from dr_app.deploy.checks import DeployError
from dr_app.deploy.steps import Action, Command, Confirm, PrimaryOutputs, Step, remote_outputs_read

Execute = Callable[[Sequence[str]], int]
"""Run a command with the terminal attached; its exit status."""
Capture = Callable[[Sequence[str]], tuple[int, str]]
"""Run a command; its exit status and standard output (standard error to the terminal)."""
Ask = Callable[[str], str]
"""Print a prompt and read one line."""


def execute(argv: Sequence[str]) -> int:
    return subprocess.run(list(argv), check=False).returncode  # noqa: S603 - no shell


def capture(argv: Sequence[str]) -> tuple[int, str]:
    result = subprocess.run(  # noqa: S603 - no shell
        list(argv), check=False, stdout=subprocess.PIPE, text=True
    )
    return result.returncode, result.stdout


@dataclass
class Runner:
    """Runs steps in order; the I/O is injected so tests need no terraform."""

    action: Action
    out: TextIO
    ask: Ask = input
    execute: Execute = execute
    capture: Capture = capture
    skipped: set[str] = field(default_factory=set)

    def run(self, steps: Sequence[Step]) -> None:
        for step in steps:
            if step.stack in self.skipped:
                continue
            if isinstance(step, Command):
                self._command(step)
            elif isinstance(step, Confirm):
                self._confirm(step)
            else:
                self._primary_outputs(step)

    def _command(self, step: Command) -> None:
        self.out.write(f"\n$ {step.render()}\n")
        self.out.flush()
        status = self.execute(step.argv)
        if status != 0:
            raise DeployError(f"{step.stack}: `{step.render()}` failed (exit status {status})")

    def _confirm(self, step: Confirm) -> None:
        answer = self.ask(
            f"\nApply the plan above ({step.plan_file}) to {step.stack}? " "Only 'yes' applies it: "
        )
        if answer.strip() != "yes":
            raise DeployError(f"{step.stack}: not applied (the answer was not 'yes')")

    def _primary_outputs(self, step: PrimaryOutputs) -> None:
        self.out.write(f"\n$ {step.render()}\n")
        self.out.flush()
        status, stdout = self.capture(step.argv)
        if status != 0:
            raise DeployError(
                f"{step.primary}: `{Command(step.primary, step.argv).render()}` failed "
                f"(exit status {status})"
            )
        missing = missing_outputs(stdout, step.reader.read_text(encoding="utf-8"))
        if not missing:
            return
        notice = secondary_notice(self.action, step, missing)
        if self.action is Action.DEPLOY:
            raise DeployError(notice)
        self.out.write(f"\npayment-dr-deploy: {notice}\n")
        self.skipped.add(step.stack)


def missing_outputs(outputs_json: str, reader_text: str) -> tuple[str, ...]:
    """The outputs the reader reads that ``terraform output -json`` does not list, sorted."""
    try:
        outputs = json.loads(outputs_json or "{}")
    except json.JSONDecodeError as exc:
        raise DeployError(f"`terraform output -json` printed no JSON object: {exc}") from exc
    if not isinstance(outputs, dict):
        raise DeployError("`terraform output -json` printed no JSON object")
    return tuple(sorted(remote_outputs_read(reader_text) - set(outputs)))


def secondary_notice(action: Action, step: PrimaryOutputs, missing: Sequence[str]) -> str:
    """One line: why the secondary is not planned now, and what comes next."""
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    lacking = (
        f"the state of {step.primary} lacks {len(missing)} output(s) {step.stack} reads ({shown})"
    )
    if action is Action.PLAN:
        return (
            f"{step.stack} is not planned: {lacking} through terraform_remote_state. "
            f"It is planned after {step.primary} is applied: `make deploy` applies the "
            "primary's plan, then plans the secondary and shows it before applying."
        )
    if action is Action.DESTROY:
        return (
            f"{step.stack} skipped: {lacking}, so it cannot have been applied against this "
            f"primary; destroying {step.primary} next."
        )
    return f"{step.primary} was applied, but {lacking}; nothing of {step.stack} was planned."


def render(steps: Sequence[Step]) -> str:
    """The ``--dry-run`` listing: one line per step."""
    return "\n".join(step.render() for step in steps)
