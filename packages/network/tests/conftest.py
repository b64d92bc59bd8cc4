"""Test setup of payment-dr-network: no way to reach real AWS.

Importing payment_dr_core first selects the Node.js that jsii runs on (payment_dr_core.node)
and makes the AWS provider bindings load lazily.
"""

from __future__ import annotations

import pytest

import payment_dr_core

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

__all__ = ["payment_dr_core"]


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with fake credentials and no shared profile."""
    for key, value in _FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
