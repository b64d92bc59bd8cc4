"""``payment-dr status`` against the deployed environment (read-only AWS calls)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.live.outputs import Deployment

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("deployment")]


def test_status_reports_a_writer_region(deployment: Deployment, live_env: dict[str, str]) -> None:
    command = [
        sys.executable,
        "-m",
        "dr_app.cli",
        "--suffix",
        deployment.suffix,
        "--region-primary",
        deployment.primary.region,
        "--region-secondary",
        deployment.secondary.region,
        "--json",  # a global option: before the command
        "status",
        "--domain",
        deployment.api_domain_name,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, env=live_env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status = json.loads(result.stdout)
    assert status["environment"] == deployment.suffix
    assert status["writer_region"] in (deployment.primary.region, deployment.secondary.region)
    assert status["dns"]["name"] == deployment.api_domain_name
