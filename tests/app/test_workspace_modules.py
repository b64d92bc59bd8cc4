"""App-level checks that need dr_app beside the construct packages."""

from __future__ import annotations

import subprocess
import sys

from dr_app.paths import ENVIRONMENTS_DIR
from payment_dr_core import load_config


def test_example_environment_file_is_valid() -> None:
    config = load_config(
        environ={"ENVIRONMENT_SUFFIX": "example"}, environments_dir=ENVIRONMENTS_DIR
    )
    assert config.state.bucket == "example-payment-dr-tfstate"
    assert config.alert_email == "oncall@example.com"


def test_app_bundle_tooling_does_not_load_the_provider_bindings() -> None:
    probe = "import sys, payment_dr_compute, dr_app.bundles; print('cdktf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
