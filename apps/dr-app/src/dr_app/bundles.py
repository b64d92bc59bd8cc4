"""The payment service bundle, built once per synth and shared by both stacks.

The service is the installed ``payment-service`` distribution (a dependency of this app), so
the bundle is the same from the checkout (an editable install) and from the released wheels.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

from dr_app.paths import APP_DIR, IN_CHECKOUT
from payment_dr_compute.bundle import Bundle, build_bundle

SERVICE_DISTRIBUTION = "payment-service"
BUILD_DIR = APP_DIR / "build"
"""Where the checkout keeps the bundle between synths (an installed app: the user's cache)."""


def service_requirements() -> list[str]:
    """The runtime dependencies the installed payment-service declares (no extras)."""
    declared = importlib.metadata.requires(SERVICE_DISTRIBUTION) or []
    return [line for line in declared if "extra ==" not in line]


def service_source() -> Path:
    """The directory of the installed ``payment_service`` package."""
    spec = importlib.util.find_spec("payment_service")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("payment_service is not installed (pip install payment-service)")
    return Path(next(iter(spec.submodule_search_locations)))


def build_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``apps/dr-app/build`` in the checkout. An installed app never writes into the caller's
    working directory: ``$XDG_CACHE_HOME/payment-dr/build`` (default ``~/.cache``)."""
    if IN_CHECKOUT:
        return BUILD_DIR
    env = os.environ if environ is None else environ
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "payment-dr" / "build"


def payment_service_bundle(build_dir: Path = BUILD_DIR) -> Bundle:
    """Build (or confirm unchanged) ``<build_dir>/payment-service.zip``."""
    return build_bundle(service_source(), service_requirements(), build_dir / "payment-service.zip")
