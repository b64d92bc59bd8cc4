"""CDKTF entry point: synthesizes the environment named by ENVIRONMENT_SUFFIX (default dev).

The config is loaded and validated first, so a bad value fails in well under a second,
before the provider bindings (a few seconds to load through jsii) are imported.
"""

from __future__ import annotations

from dr_app.paths import ENVIRONMENTS_DIR
from payment_dr_core import load_config


def main() -> None:
    """Validate the config, then build and synthesize both stacks."""
    config = load_config(environments_dir=ENVIRONMENTS_DIR)
    from dr_app.app import build_app  # deferred: importing it loads jsii

    build_app(config).app.synth()


if __name__ == "__main__":
    main()
