"""State backend of a stack: S3 with native locking, or local by explicit switch."""

from __future__ import annotations

from pathlib import Path

from cdktf import LocalBackend, S3Backend, TerraformStack

from payment_dr_core import EnvironmentConfig


def local_state_dir(outdir: Path, config: EnvironmentConfig) -> Path:
    """``<directory of the output>/terraform-state/<suffix>``, absolute: outside the synth
    output, so no synth (``--clean`` included) touches it."""
    return (outdir.resolve().parent / "terraform-state" / config.suffix).resolve()


def configure_backend(
    stack: TerraformStack, config: EnvironmentConfig, stack_name: str, state_dir: Path
) -> None:
    """S3: ``<key_prefix>/<suffix>/<stack>.tfstate``, encrypted, locked with a lock file in S3.

    ``use_lockfile`` (S3-native locking, Terraform >= 1.10) is not in the CDKTF 0.21
    binding, so it is set by override. Local: ``<state_dir>/<stack>.tfstate``, an absolute
    path: the secondary stack reads the primary's outputs through ``terraform_remote_state``
    with the same path but from its own stack directory, and a relative path is taken
    relative to the root module that reads it (Terraform docs, "Backend Type: local":
    ``path`` "defaults to terraform.tfstate relative to the root module"), so a relative
    path would name a file in the secondary's directory that does not exist.
    """
    if config.state.kind == "local":
        LocalBackend(stack, path=str(state_dir / f"{stack_name}.tfstate"))
        return
    S3Backend(
        stack,
        bucket=config.state_bucket,
        key=config.state_key(stack_name),
        region=config.state.region,
        encrypt=True,
    )
    stack.add_override("terraform.backend.s3.use_lockfile", True)
