"""Lambda runtime code for the payment API and the failover orchestrator."""

from __future__ import annotations

__version__ = "0.2.0"
