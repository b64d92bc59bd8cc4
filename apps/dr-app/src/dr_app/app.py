"""Build the CDKTF app of one environment: the primary and the secondary stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf import App

from dr_app.backend import local_state_dir
from dr_app.bundles import build_dir, payment_service_bundle
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


def build_app(
    config: EnvironmentConfig,
    outdir: str | Path | None = None,
    *,
    published_outdir: str | Path | None = None,
) -> PaymentDrApp:
    """Create both stacks of ``config``'s environment (config is validated already).

    ``published_outdir`` is where the output will live when it is synthesized aside first
    (``payment-dr-synth``); paths that outlive the synth (the local backend's state) are
    placed relative to it. Default: ``outdir``.
    """
    app = App(outdir=str(outdir)) if outdir is not None else App()
    bundle = payment_service_bundle(build_dir())
    final = published_outdir if published_outdir is not None else outdir
    state_dir = local_state_dir(Path(final) if final is not None else Path("cdktf.out"), config)
    primary = PaymentDrStack(app, config, RegionRole.PRIMARY, bundle, state_dir=state_dir)
    secondary = PaymentDrStack(
        app, config, RegionRole.SECONDARY, bundle, primary=primary, state_dir=state_dir
    )
    return PaymentDrApp(app=app, primary=primary, secondary=secondary)
