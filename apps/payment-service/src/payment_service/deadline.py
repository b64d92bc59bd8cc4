"""The per-request deadline: what is left of the Lambda invocation, minus a safety margin.

Lambda passes a context object whose ``get_remaining_time_in_millis()`` returns the
milliseconds left before the execution times out
(https://docs.aws.amazon.com/lambda/latest/dg/python-context.html). The handler turns that
into a :class:`Deadline` at the start of every request, keeping back a margin for building
the response and writing the last log lines. Every dependency call (Secrets Manager,
DynamoDB, each PostgreSQL connect and statement, each retry and its backoff) asks the
deadline how much time is left and takes no more, so a request answers before the function
times out whatever a dependency does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """A point on a monotonic clock after which no dependency call may still be running."""

    __slots__ = ("_clock", "_expires_at")

    def __init__(self, expires_at: float, *, clock: Clock = time.monotonic) -> None:
        self._expires_at = expires_at
        self._clock = clock

    @classmethod
    def after(cls, seconds: float, *, clock: Clock = time.monotonic) -> Deadline:
        """A deadline ``seconds`` from now (negative values mean already expired)."""
        return cls(clock() + seconds, clock=clock)

    @classmethod
    def from_context(
        cls,
        context: object,
        *,
        margin_seconds: float,
        fallback_seconds: float,
        clock: Clock = time.monotonic,
    ) -> Deadline:
        """The deadline of one invocation: remaining time from ``context`` minus the margin.

        ``context`` is the Lambda context object; when it has no
        ``get_remaining_time_in_millis`` (a local run, a test), ``fallback_seconds`` stands in
        for the function timeout.
        """
        remaining = _remaining_seconds(context)
        budget = fallback_seconds if remaining is None else remaining
        return cls.after(budget - margin_seconds, clock=clock)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._expires_at - self._clock())

    def expired(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0.0

    def allows(self, seconds: float) -> bool:
        """True when at least ``seconds`` are left (a call of that worst case fits)."""
        return self.remaining() >= seconds

    def cap(self, seconds: float) -> float:
        """``seconds``, or what is left when that is less."""
        return min(seconds, self.remaining())

    def narrowed(self, seconds: float) -> Deadline:
        """This deadline or one ``seconds`` from now, whichever comes first."""
        return Deadline(
            min(self._expires_at, self._clock() + seconds),
            clock=self._clock,
        )


def _remaining_seconds(context: object) -> float | None:
    method = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(method):
        return None
    value = method()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) / 1000.0
