"""The exact terraform commands of a plan, deploy or destroy, built offline.

Per stack: ``init``, ``plan -out=<file>``, ``show <file>``, then (deploy, destroy) a
confirmation and ``apply <file>``. ``apply`` with a saved plan file "performs the operations
in the saved plan without prompting you for confirmation", so the plan that was shown is the
one applied, and ``show`` "provides human-readable output from a state or plan file"
(Terraform CLI docs, "terraform apply command", Saved Plan Mode, and "terraform show
command"). Every command names its stack directory with the global option ``-chdir``, which
makes Terraform "change its working directory to the given directory before running the
given subcommand" (Terraform CLI docs, "Terraform CLI Overview", Switching working
directory with -chdir): the plan file, ``.terraform/`` and the lock file stay beside the
stack's ``cdk.tf.json``.

Order: primary then secondary; destroy: secondary then primary. The secondary reads the
primary's outputs through ``terraform_remote_state``, so before it is planned its run reads
the primary's outputs (``terraform output -json``: "the outputs are formatted as a JSON
object, with a key per output", Terraform CLI docs, "terraform output command") and checks
that every output the secondary reads is there (:mod:`dr_app.deploy.runner`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Action(StrEnum):
    """What a run does."""

    PLAN = "plan"
    """Init, plan and show each stack; apply nothing."""
    DEPLOY = "deploy"
    """Plan, show, confirm and apply each stack, primary first."""
    DESTROY = "destroy"
    """Plan the destruction, show, confirm and apply it, secondary first."""


@dataclass(frozen=True)
class Stack:
    """One synthesized stack: its name and the directory of its ``cdk.tf.json``."""

    name: str
    directory: Path

    @property
    def document(self) -> Path:
        """The synthesized Terraform JSON."""
        return self.directory / "cdk.tf.json"


@dataclass(frozen=True)
class Command:
    """A terraform command run for one stack; a non-zero exit stops the run."""

    stack: str
    argv: tuple[str, ...]

    def render(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Confirm:
    """Ask on the terminal before the saved plan of ``stack`` is applied."""

    stack: str
    plan_file: str

    def render(self) -> str:
        return f"# confirm: apply {self.plan_file} to {self.stack} (only 'yes' applies it)"


@dataclass(frozen=True)
class PrimaryOutputs:
    """Read the primary's outputs (``argv``) before ``stack`` (the secondary) is planned."""

    stack: str
    primary: str
    argv: tuple[str, ...]
    reader: Path
    """The secondary's ``cdk.tf.json``: which outputs it reads."""

    def render(self) -> str:
        return (
            f"{shlex.join(self.argv)}  "
            f"# {self.stack} is planned only once this lists every output it reads"
        )


Step = Command | Confirm | PrimaryOutputs


def plan_file(stack: Stack, action: Action) -> str:
    """The saved plan's file name, relative to the stack directory."""
    return f"{stack.name}.destroy.tfplan" if action is Action.DESTROY else f"{stack.name}.tfplan"


def init_command(terraform: str, stack: Stack) -> tuple[str, ...]:
    return (terraform, f"-chdir={stack.directory}", "init", "-input=false")


def plan_command(terraform: str, stack: Stack, action: Action) -> tuple[str, ...]:
    mode = ("-destroy",) if action is Action.DESTROY else ()
    return (
        terraform,
        f"-chdir={stack.directory}",
        "plan",
        *mode,
        "-input=false",
        f"-out={plan_file(stack, action)}",
    )


def show_command(terraform: str, stack: Stack, action: Action) -> tuple[str, ...]:
    return (terraform, f"-chdir={stack.directory}", "show", plan_file(stack, action))


def apply_command(terraform: str, stack: Stack, action: Action) -> tuple[str, ...]:
    return (
        terraform,
        f"-chdir={stack.directory}",
        "apply",
        "-input=false",
        plan_file(stack, action),
    )


def output_command(terraform: str, stack: Stack) -> tuple[str, ...]:
    return (terraform, f"-chdir={stack.directory}", "output", "-json")


def build_steps(
    terraform: str, primary: Stack, secondary: Stack, action: Action, *, auto_approve: bool
) -> list[Step]:
    """Every step of a run, in order."""
    order = (secondary, primary) if action is Action.DESTROY else (primary, secondary)
    steps: list[Step] = []
    initialized: set[str] = set()

    def init(stack: Stack) -> None:
        if stack.name not in initialized:
            initialized.add(stack.name)
            steps.append(Command(stack.name, init_command(terraform, stack)))

    for stack in order:
        init(stack)
        if stack is secondary:
            init(primary)  # destroy: the primary's outputs are read before it is planned
            steps.append(
                PrimaryOutputs(
                    secondary.name,
                    primary.name,
                    output_command(terraform, primary),
                    secondary.document,
                )
            )
        steps.append(Command(stack.name, plan_command(terraform, stack, action)))
        steps.append(Command(stack.name, show_command(terraform, stack, action)))
        if action is Action.PLAN:
            continue
        if not auto_approve:
            steps.append(Confirm(stack.name, plan_file(stack, action)))
        steps.append(Command(stack.name, apply_command(terraform, stack, action)))
    return steps


_REMOTE_OUTPUT = re.compile(
    r"data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_-]+)"
)


def remote_outputs_read(document_text: str) -> frozenset[str]:
    """The names of the outputs a stack reads through ``terraform_remote_state``."""
    return frozenset(_REMOTE_OUTPUT.findall(document_text))
