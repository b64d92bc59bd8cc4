"""payment-dr-network: RegionalNetwork and CrossRegionPeering."""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

from payment_dr_network.peering import CrossRegionPeering, CrossRegionPeeringProps, PeeringSide
from payment_dr_network.regional_network import (
    GATEWAY_ENDPOINT_SERVICES,
    RegionalNetwork,
    RegionalNetworkProps,
    private_subnet_cidrs,
)

__version__ = "0.1.0"

__all__ = [
    "GATEWAY_ENDPOINT_SERVICES",
    "CrossRegionPeering",
    "CrossRegionPeeringProps",
    "PeeringSide",
    "RegionalNetwork",
    "RegionalNetworkProps",
    "__version__",
    "private_subnet_cidrs",
]
