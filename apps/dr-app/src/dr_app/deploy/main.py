"""``payment-dr-deploy``: synthesize one environment, then plan, deploy, destroy or validate it.

::

    payment-dr-deploy plan      # init + plan + show, primary then secondary
    payment-dr-deploy deploy    # ... + confirm + apply the saved plan, primary first
    payment-dr-deploy destroy   # plan -destroy + show + confirm + apply, secondary first
    payment-dr-deploy validate  # terraform validate of copies, against a provider mirror
    payment-dr-deploy outputs --outputs-file outputs.json   # both stacks' outputs, one file
    payment-dr-deploy deploy --dry-run   # print the exact commands, run nothing

The environment is chosen as for ``payment-dr-synth`` (``--suffix``, else
``$ENVIRONMENT_SUFFIX``, else ``dev``). terraform is ``--terraform``, else ``$TERRAFORM``,
else ``terraform`` on PATH. ``--auto-approve`` (or ``AUTO_APPROVE=1``) applies each shown
plan without asking; without it, deploy and destroy need a terminal to ask on.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from dr_app.deploy.checks import (
    DeployError,
    require_credentials,
    require_terraform,
    terraform_name,
)
from dr_app.deploy.runner import Runner, render
from dr_app.deploy.stacks import stacks_of, synth_argv, synthesize
from dr_app.deploy.steps import Action, build_steps
from dr_app.paths import output_dir
from dr_app.synth import SynthError, resolve
from payment_dr_core import EnvironmentConfig

PROG = "payment-dr-deploy"
AUTO_APPROVE_VAR = "AUTO_APPROVE"
FAILURE = 1
USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--suffix", help="environment suffix (default $ENVIRONMENT_SUFFIX or dev)")
    common.add_argument("--environments-dir", help="directory of <suffix>.toml files")
    common.add_argument("--outdir", help="synth output directory (default as for payment-dr-synth)")
    common.add_argument("--terraform", help="terraform executable (default $TERRAFORM or PATH)")
    common.add_argument(
        "--skip-synth",
        action="store_true",
        help="use the stacks already synthesized in the output directory",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Synthesize an environment, then run terraform on its two stacks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for action, text in (
        (Action.PLAN, "init, plan and show each stack (primary, then secondary)"),
        (Action.DEPLOY, "plan, show, confirm and apply each stack, primary first"),
        (Action.DESTROY, "plan the destruction, show, confirm and apply it, secondary first"),
    ):
        sub = commands.add_parser(action.value, parents=[common], help=text, description=text)
        sub.add_argument(
            "--dry-run", action="store_true", help="print the exact commands; run nothing"
        )
        if action is not Action.PLAN:
            sub.add_argument(
                "--auto-approve",
                action="store_true",
                help="apply each shown plan without asking (also AUTO_APPROVE=1)",
            )
    outputs = commands.add_parser(
        "outputs",
        parents=[common],
        help="write both stacks' outputs to one file (for the live tests)",
        description="terraform output -json of each applied stack, written as "
        '{"<stack>": {"<output>": value}} without the sensitive outputs.',
    )
    outputs.add_argument("--outputs-file", required=True, help="file to write")
    validate = commands.add_parser(
        "validate",
        parents=[common],
        help="terraform validate copies of the stacks against a provider mirror",
        description="terraform init -backend=false and validate -json on a temporary copy of "
        "each stack, with the provider from a filesystem mirror when there is one.",
    )
    validate.add_argument(
        "--mirror", help="provider filesystem mirror (default $TF_PLUGIN_MIRROR, /opt/tf-plugins)"
    )
    return parser


def auto_approved(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    return bool(getattr(args, "auto_approve", False)) or env.get(AUTO_APPROVE_VAR, "") in {
        "1",
        "true",
        "yes",
    }


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Console entry point (``payment-dr-deploy``)."""
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        config, _source = resolve(args.suffix, args.environments_dir, env)
    except SynthError as exc:
        sys.stderr.write(f"{PROG}: configuration error: {exc}\n")
        return USAGE_ERROR
    outdir = output_dir(args.outdir, env).absolute()
    terraform = terraform_name(args.terraform, env)
    try:
        if args.command == "validate":
            from dr_app.deploy import validate

            return validate.run_cli(args, config, outdir, terraform, env)
        if args.command == "outputs":
            return _outputs(args, config, outdir, terraform, env)
        return _run(args, config, outdir, terraform, env)
    except DeployError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return FAILURE


def _outputs(
    args: argparse.Namespace,
    config: EnvironmentConfig,
    outdir: Path,
    terraform: str,
    env: Mapping[str, str],
) -> int:
    """Both stacks' outputs into ``--outputs-file`` (no synthesis: the stacks are applied)."""
    from dr_app.deploy import outputs

    require_terraform(terraform, env)
    require_credentials(env)
    collected = outputs.collect(terraform, stacks_of(config, outdir))
    outputs.write(Path(args.outputs_file), collected)
    print(f"{PROG}: outputs of {', '.join(collected)} written to {args.outputs_file}")
    return 0


def _run(
    args: argparse.Namespace,
    config: EnvironmentConfig,
    outdir: Path,
    terraform: str,
    env: Mapping[str, str],
) -> int:
    action = Action(args.command)
    approve = auto_approved(args, env)
    primary, secondary = stacks_of(config, outdir)
    steps = build_steps(terraform, primary, secondary, action, auto_approve=approve)
    if args.dry_run:
        if not args.skip_synth:
            argv = synth_argv(config.suffix, args.environments_dir, outdir)
            print(" ".join(["payment-dr-synth", *argv]))
        print(render(steps))
        return 0
    require_terraform(terraform, env)
    require_credentials(env)
    if action is not Action.PLAN and not approve and not sys.stdin.isatty():
        raise DeployError(
            f"{action.value} asks before applying each plan, and standard input is not a "
            "terminal: run it from one, or pass --auto-approve (AUTO_APPROVE=1)"
        )
    if not args.skip_synth:
        synthesize(config.suffix, args.environments_dir, outdir, env)
    for stack in (primary, secondary):
        if not stack.document.is_file():
            raise DeployError(f"{stack.document}: not synthesized (run without --skip-synth)")
    Runner(action, sys.stdout).run(steps)
    print(f"\n{PROG}: {action.value} of {config.suffix} finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
