"""Build the CDKTF app of one environment: the primary and the secondary stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf import App

from dr_app.bundles import build_dir_for, payment_service_bundle
from dr_app.paths import APP_DIR, ENVIRONMENTS_DIR
from dr_app.stack import PaymentDrStack
from payment_dr_core import EnvironmentConfig, RegionRole

__all__ = ["APP_DIR", "ENVIRONMENTS_DIR", "PaymentDrApp", "build_app"]


@dataclass(frozen=True)
class PaymentDrApp:
    """The app and its two stacks."""

    app: App
    primary: PaymentDrStack
    secondary: PaymentDrStack


def build_app(config: EnvironmentConfig, outdir: str | Path | None = None) -> PaymentDrApp:
    """Create both stacks of ``config``'s environment (config is validated already)."""
    app = App(outdir=str(outdir)) if outdir is not None else App()
    bundle = payment_service_bundle(build_dir_for(Path(outdir) if outdir is not None else None))
    primary = PaymentDrStack(app, config, RegionRole.PRIMARY, bundle)
    secondary = PaymentDrStack(app, config, RegionRole.SECONDARY, bundle, primary=primary)
    return PaymentDrApp(app=app, primary=primary, secondary=secondary)
