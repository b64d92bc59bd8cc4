"""The payment service bundle, built once per synth and shared by both stacks."""

from __future__ import annotations

import tomllib

from dr_app.paths import APP_DIR, REPO_ROOT
from payment_dr_compute.bundle import Bundle, build_bundle

SERVICE_DIR = REPO_ROOT / "apps" / "payment-service"
BUILD_DIR = APP_DIR / "build"


def service_requirements() -> list[str]:
    """The runtime dependencies declared by apps/payment-service/pyproject.toml."""
    project = tomllib.loads((SERVICE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    requirements: list[str] = project["project"]["dependencies"]
    return requirements


def payment_service_bundle() -> Bundle:
    """Build (or confirm unchanged) ``apps/dr-app/build/payment-service.zip``."""
    return build_bundle(
        SERVICE_DIR / "src" / "payment_service",
        service_requirements(),
        BUILD_DIR / "payment-service.zip",
    )
