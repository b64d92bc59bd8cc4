"""payment-dr-compute: Lambda bundles, functions, roles and log groups."""

from __future__ import annotations

from payment_dr_compute.bundle import Bundle, build_bundle
from payment_dr_compute.function import PolicyStatement, RegionalFunction, RegionalFunctionProps
from payment_dr_compute.orchestrator import FailoverOrchestrator, FailoverOrchestratorProps
from payment_dr_compute.payment_functions import PaymentFunctions, PaymentFunctionsProps

__version__ = "0.1.0"

__all__ = [
    "Bundle",
    "FailoverOrchestrator",
    "FailoverOrchestratorProps",
    "PaymentFunctions",
    "PaymentFunctionsProps",
    "PolicyStatement",
    "RegionalFunction",
    "RegionalFunctionProps",
    "__version__",
    "build_bundle",
]
