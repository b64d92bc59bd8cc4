"""Retry of RDS API calls refused for throttling, and nothing else.

RDS clients are created with botocore's own retries disabled, so a non-idempotent call such as
``FailoverGlobalCluster`` is repeated only when RDS said it was throttled (the request was
rejected before doing anything). Delays: capped exponential backoff with full jitter.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from payment_service.failover.clients import error_code
from payment_service.logging import get_logger
from payment_service.retry import RetryPolicy

T = TypeVar("T")

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded"})
"""Error codes RDS uses to reject a request for rate."""

DEFAULT_POLICY = RetryPolicy(max_attempts=5, base_delay_seconds=0.5, max_delay_seconds=8.0)
"""Five attempts; delays drawn from [0, 0.5 s], [0, 1 s], [0, 2 s], [0, 4 s]."""

_log = get_logger("payment_service.failover")


def is_throttling(exc: BaseException) -> bool:
    """True when ``exc`` is an AWS error whose code is a throttling code."""
    return error_code(exc) in THROTTLING_CODES


def with_throttle_retry(
    operation: str,
    call: Callable[[], T],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``call``; on a throttling error wait and try again, up to ``policy.max_attempts``."""
    for attempt in range(policy.max_attempts):
        try:
            return call()
        except Exception as exc:
            if not is_throttling(exc) or attempt + 1 >= policy.max_attempts:
                raise
            delay = policy.delay(attempt, rand)
            _log.warning(
                "rds_throttled",
                operation=operation,
                code=error_code(exc),
                attempt=attempt + 1,
                delay_ms=round(delay * 1000, 1),
            )
            sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")
