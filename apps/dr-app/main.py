"""CDKTF entry point: synthesizes the environment named by ENVIRONMENT_SUFFIX (default dev)."""

from __future__ import annotations

from dr_app.node import use_supported_node

use_supported_node()

from payment_dr_core import load_config  # noqa: E402

from dr_app.app import ENVIRONMENTS_DIR, build_app  # noqa: E402


def main() -> None:
    """Validate the config, then build and synthesize both stacks."""
    config = load_config(environments_dir=ENVIRONMENTS_DIR)
    build_app(config).app.synth()


if __name__ == "__main__":
    main()
