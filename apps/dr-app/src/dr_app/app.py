"""Build the CDKTF app of one environment: the primary and the secondary stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf import App

from dr_app.bundles import payment_service_bundle
from dr_app.stack import PaymentDrStack
from payment_dr_core import EnvironmentConfig, RegionRole

APP_DIR = Path(__file__).resolve().parents[2]
"""apps/dr-app: where cdktf.json, main.py and environments/ live."""

ENVIRONMENTS_DIR = APP_DIR / "environments"


@dataclass(frozen=True)
class PaymentDrApp:
    """The app and its two stacks."""

    app: App
    primary: PaymentDrStack
    secondary: PaymentDrStack


def build_app(config: EnvironmentConfig, outdir: str | Path | None = None) -> PaymentDrApp:
    """Create both stacks of ``config``'s environment (config is validated already)."""
    app = App(outdir=str(outdir)) if outdir is not None else App()
    bundle = payment_service_bundle()
    primary = PaymentDrStack(app, config, RegionRole.PRIMARY, bundle)
    secondary = PaymentDrStack(app, config, RegionRole.SECONDARY, bundle, primary=primary)
    return PaymentDrApp(app=app, primary=primary, secondary=secondary)
