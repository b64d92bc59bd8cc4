"""Reading validated settings from a function's environment variables.

Each reader raises :class:`~payment_service.errors.ConfigError` naming the variable, the value
received and what is allowed; the DR control plane's functions (the orchestrator, the
readiness evaluator) read their settings with them at cold start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from payment_service.errors import ConfigError


def required(env: Mapping[str, str], name: str, pattern: re.Pattern[str], allowed: str) -> str:
    """The value of ``name``, which must be set and match ``pattern``."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set; expected {allowed}")
    if pattern.fullmatch(value) is None:
        raise ConfigError(f"{name}={value!r} is invalid; expected {allowed}")
    return value


def number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """A number from ``low`` to ``high``; ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; expected {low:g}..{high:g}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw} is out of range; expected {low:g}..{high:g}")
    return value


def integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer from ``low`` to ``high``; ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name}={raw!r} is not an integer; expected {low}..{high}")
    value = int(raw)
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range; expected {low}..{high}")
    return value
