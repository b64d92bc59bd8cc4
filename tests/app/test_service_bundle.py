"""The payment service's Lambda bundle, built from the workspace's installed distributions."""

from __future__ import annotations

from pathlib import Path

import pytest

from payment_dr_compute.bundle import build_bundle
from payment_dr_core import ConfigError

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "apps" / "payment-service" / "src" / "payment_service"
REQUIREMENTS = ("pg8000", "structlog", "boto3")


def test_bundle_holds_the_service_and_its_pure_python_dependencies(tmp_path: Path) -> None:
    bundle = build_bundle(SOURCE, REQUIREMENTS, tmp_path / "payment.zip")
    names = set(bundle.files)
    assert "payment_service/__init__.py" in names
    assert "payment_service/api.py" in names
    assert "payment_service/migrations/0001_payments.sql" in names
    assert "payment_service/certs/rds-global-bundle.pem" in names
    assert "pg8000/__init__.py" in names
    assert "scramp/__init__.py" in names
    assert "structlog/__init__.py" in names
    assert not any(n.startswith(("boto3/", "botocore/")) for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert any(d.startswith("pg8000==") for d in bundle.distributions)


def test_compiled_distributions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pure-Python"):
        build_bundle(SOURCE, ("PyYAML",), tmp_path / "x.zip")
