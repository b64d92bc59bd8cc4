"""Shared test setup: no way to reach real AWS, and the app synthesized once per session.

Importing payment_dr_core (below) selects a supported Node.js for jsii and makes the AWS
provider bindings load lazily.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from payment_dr_core import EnvironmentConfig, RegionRole, StateBackendConfig

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with fake credentials and no shared profile."""
    for key, value in _FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@dataclass(frozen=True)
class SynthesizedApp:
    """The whole app of one environment, synthesized once per test session."""

    outdir: Path
    config: EnvironmentConfig
    stacks: dict[str, dict[str, Any]]

    @property
    def stacks_dir(self) -> Path:
        return self.outdir / "stacks"

    def stack(self, role: RegionRole) -> dict[str, Any]:
        return self.stacks[self.config.stack_name(role)]


APP_SUFFIX = "ci7"


def _synthesize(config: EnvironmentConfig, outdir: Path) -> SynthesizedApp:
    from dr_app.app import build_app  # imported here: only app-level tests pay for jsii

    build_app(config, outdir).app.synth()
    stacks = {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in (outdir / "stacks").glob("*/cdk.tf.json")
    }
    return SynthesizedApp(outdir=outdir, config=config, stacks=stacks)


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Both stacks of the ``ci7`` environment with the default config and an S3 backend."""
    return _synthesize(EnvironmentConfig(suffix=APP_SUFFIX), tmp_path_factory.mktemp("cdktf.out"))


LAMBDA_FAULTS_SUFFIX = "ci8"
FIS_EXTENSION_LAYER = "arn:aws:lambda:us-east-1:211125607513:layer:aws-fis-extension-x86_64:374"
"""A layer version ARN of the shape AWS publishes (FIS User Guide, "Available versions of the
AWS FIS extension for Lambda"); no test reaches AWS, so its version is only a shape."""


@pytest.fixture(scope="session")
def lambda_faults_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Both stacks of a dev/test environment with the ``api-errors`` game day on
    (``gameday_lambda_faults``): the one opt-in that changes the API function's deployment,
    so it gets its own synth."""
    config = EnvironmentConfig(
        suffix=LAMBDA_FAULTS_SUFFIX,
        gameday_lambda_faults=True,
        gameday_fis_extension_layer_arn=FIS_EXTENSION_LAYER,
    )
    return _synthesize(config, tmp_path_factory.mktemp("cdktf-lambda-faults.out"))


PRODUCTION_SUFFIX = "prod-payments-16"
"""16 characters: the longest suffix, so every name is checked at its longest."""
PRODUCTION_PREFIX = "acme-pay"
PRODUCTION_ALERT_EMAIL = "payments-oncall@example.com"
PRODUCTION_ALERT_URL = "https://events.example.com/integration/7c1d/enqueue"


@pytest.fixture(scope="session")
def production_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Both stacks of a production environment: the one extra synth. It also carries the
    longest suffix, a name prefix of its own and the API Gateway account setting."""
    config = EnvironmentConfig(
        suffix=PRODUCTION_SUFFIX,
        name_prefix=PRODUCTION_PREFIX,
        hosted_zone_name="payments.acme-corp.io",
        state=StateBackendConfig(bucket="acme-pay-terraform-state"),
        manage_api_gateway_account=True,
        production=True,
        alert_email=PRODUCTION_ALERT_EMAIL,
        alert_https_url=PRODUCTION_ALERT_URL,
        backup_retention_days=14,
        aurora_global_db_rpo_seconds=120,
    )
    return _synthesize(config, tmp_path_factory.mktemp("cdktf-production.out"))
