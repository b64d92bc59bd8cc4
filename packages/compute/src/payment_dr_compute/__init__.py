"""payment-dr-compute: Lambda bundles, functions, roles and log groups.

The construct classes load the AWS provider bindings (a few seconds: jsii starts Node.js
and loads the provider assembly), so they are imported on first use; ``bundle`` alone
stays a light import for build tooling.
"""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

import importlib
from typing import TYPE_CHECKING

from payment_dr_compute.bundle import Bundle, build_bundle

if TYPE_CHECKING:
    from payment_dr_compute.client_keys import ApiClientKeys, ApiClientKeysProps
    from payment_dr_compute.fis_extension import FisLambdaExtension
    from payment_dr_compute.function import (
        PolicyStatement,
        RegionalFunction,
        RegionalFunctionProps,
    )
    from payment_dr_compute.orchestrator import FailoverOrchestrator, FailoverOrchestratorProps
    from payment_dr_compute.payment_functions import PaymentFunctions, PaymentFunctionsProps
    from payment_dr_compute.payment_id_key import PaymentIdKey, PaymentIdKeyProps
    from payment_dr_compute.primary_probe import PrimaryProbe, PrimaryProbeProps
    from payment_dr_compute.readiness import ReadinessEvaluator, ReadinessEvaluatorProps

__version__ = "0.1.0"

_LAZY = {
    "ApiClientKeys": "payment_dr_compute.client_keys",
    "ApiClientKeysProps": "payment_dr_compute.client_keys",
    "FisLambdaExtension": "payment_dr_compute.fis_extension",
    "PolicyStatement": "payment_dr_compute.function",
    "RegionalFunction": "payment_dr_compute.function",
    "RegionalFunctionProps": "payment_dr_compute.function",
    "FailoverOrchestrator": "payment_dr_compute.orchestrator",
    "FailoverOrchestratorProps": "payment_dr_compute.orchestrator",
    "PaymentFunctions": "payment_dr_compute.payment_functions",
    "PaymentFunctionsProps": "payment_dr_compute.payment_functions",
    "PaymentIdKey": "payment_dr_compute.payment_id_key",
    "PaymentIdKeyProps": "payment_dr_compute.payment_id_key",
    "PrimaryProbe": "payment_dr_compute.primary_probe",
    "PrimaryProbeProps": "payment_dr_compute.primary_probe",
    "ReadinessEvaluator": "payment_dr_compute.readiness",
    "ReadinessEvaluatorProps": "payment_dr_compute.readiness",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'payment_dr_compute' has no attribute {name!r}")


__all__ = [
    "ApiClientKeys",
    "ApiClientKeysProps",
    "Bundle",
    "FailoverOrchestrator",
    "FailoverOrchestratorProps",
    "FisLambdaExtension",
    "PaymentFunctions",
    "PaymentFunctionsProps",
    "PaymentIdKey",
    "PaymentIdKeyProps",
    "PolicyStatement",
    "PrimaryProbe",
    "PrimaryProbeProps",
    "ReadinessEvaluator",
    "ReadinessEvaluatorProps",
    "RegionalFunction",
    "RegionalFunctionProps",
    "__version__",
    "build_bundle",
]
