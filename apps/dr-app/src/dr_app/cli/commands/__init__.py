"""One module per ``payment-dr`` command: ``register(subparsers)`` and ``run(ctx, args)``."""

from __future__ import annotations
