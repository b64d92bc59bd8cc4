"""Retry of RDS calls rejected for throttling, and of nothing else."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import structlog

from dr_app.cli.clients import error_code

T = TypeVar("T")

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded"})
MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0

_log = structlog.get_logger("payment_dr.cli")


def retry_throttling(
    operation: str,
    call: Callable[[], T],
    *,
    sleep: Callable[[float], None],
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``call``; after a throttling error wait (full jitter, capped) and try again."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            return call()
        except Exception as exc:
            if error_code(exc) not in THROTTLING_CODES or attempt + 1 >= MAX_ATTEMPTS:
                raise
            delay = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**attempt) * rand()
            _log.warning("rds_throttled", operation=operation, attempt=attempt + 1, delay=delay)
            sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")
