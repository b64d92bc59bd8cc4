"""payment-dr-data: KMS keys, Aurora global database, session table, replicated buckets."""

from __future__ import annotations

from payment_dr_data.regional_key import (
    KEY_ADMIN_ACTIONS,
    KEY_USE_ACTIONS,
    SERVICES_VIA,
    RegionalKey,
    RegionalKeyProps,
)

__version__ = "0.1.0"

__all__ = [
    "KEY_ADMIN_ACTIONS",
    "KEY_USE_ACTIONS",
    "SERVICES_VIA",
    "RegionalKey",
    "RegionalKeyProps",
    "__version__",
]
