"""Waiting for replication: poll until a result appears or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    check: Callable[[], T | None],
    *,
    timeout: float,
    interval: float,
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``check`` until it returns something other than None; at least once.

    Raises :class:`TimeoutError` naming ``what``, the timeout and the attempts made.
    """
    deadline = clock() + timeout
    attempts = 0
    while True:
        attempts += 1
        result = check()
        if result is not None:
            return result
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimeoutError(f"{what}: not seen within {timeout:g} s ({attempts} attempts)")
        sleep(min(interval, remaining))


def seconds_from_env(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from ``environ[name]``, else ``default``."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"{name}: got {raw!r}; allowed: a positive number of seconds")
    return value
