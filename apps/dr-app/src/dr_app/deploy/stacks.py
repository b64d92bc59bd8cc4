"""The stacks of one environment: where they are synthesized, and synthesizing them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dr_app.deploy.checks import DeployError
from dr_app.deploy.steps import Stack
from payment_dr_core import EnvironmentConfig, RegionRole


def stacks_of(config: EnvironmentConfig, outdir: Path) -> tuple[Stack, Stack]:
    """The primary and secondary stacks of ``config`` synthesized under ``outdir``."""
    primary, secondary = (
        config.stack_name(RegionRole.PRIMARY),
        config.stack_name(RegionRole.SECONDARY),
    )
    return (
        Stack(primary, outdir / "stacks" / primary),
        Stack(secondary, outdir / "stacks" / secondary),
    )


def synth_argv(suffix: str, environments: str | None, outdir: Path) -> list[str]:
    """The ``payment-dr-synth`` arguments of a run (no ``--clean``: a stack directory keeps
    its ``.terraform/`` and any local state between runs)."""
    argv = ["--suffix", suffix, "--outdir", str(outdir)]
    if environments:
        argv += ["--environments-dir", environments]
    return argv


def synthesize(suffix: str, environments: str | None, outdir: Path, env: Mapping[str, str]) -> None:
    from dr_app import synth

    outdir.parent.mkdir(parents=True, exist_ok=True)
    if synth.main(synth_argv(suffix, environments, outdir), env) != 0:
        raise DeployError("synthesis failed (above)")
