"""State backend of a stack: S3 with native locking, or local by explicit switch."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformStack

from payment_dr_core import EnvironmentConfig


def configure_backend(stack: TerraformStack, config: EnvironmentConfig, stack_name: str) -> None:
    """S3: ``<key_prefix>/<suffix>/<stack>.tfstate``, encrypted, locked with a lock file in S3.

    ``use_lockfile`` (S3-native locking, Terraform >= 1.10) is not in the CDKTF 0.21
    binding, so it is set by override. Local: ``terraform.<stack>.tfstate`` in the
    stack's synthesized directory.
    """
    if config.state.kind == "local":
        LocalBackend(stack, path=f"terraform.{stack_name}.tfstate")
        return
    S3Backend(
        stack,
        bucket=config.state_bucket,
        key=config.state_key(stack_name),
        region=config.state.region,
        encrypt=True,
    )
    stack.add_override("terraform.backend.s3.use_lockfile", True)
