"""Retry policy: capped exponential backoff with full jitter."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how long apart, a transient failure is retried."""

    max_attempts: int = 3
    """Total attempts including the first; 1 disables retries."""
    base_delay_seconds: float = 0.05
    """Upper bound of the first delay; doubles with every attempt."""
    max_delay_seconds: float = 1.0
    """Cap on the upper bound of any single delay."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts={self.max_attempts} must be at least 1")
        if self.base_delay_seconds < 0 or self.max_delay_seconds < 0:
            raise ValueError("retry delays must not be negative")

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Delay before retry number ``attempt + 1`` (``attempt`` counts from 0).

        Full jitter: a uniform draw from ``[0, min(cap, base * 2**attempt)]``, where ``rand``
        returns a float in ``[0, 1)``.
        """
        ceiling = min(self.max_delay_seconds, math.ldexp(self.base_delay_seconds, attempt))
        return ceiling * rand()
