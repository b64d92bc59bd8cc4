"""Whole-call deadlines: a dependency call ends by its deadline, whatever its peer does.

Socket timeouts bound each wait for data, not a call. A peer that answers in slow chunks or
trickles a byte at a time keeps every read under the socket timeout and the call as long as
it likes: a DynamoDB PutItem, a GetSecretValue or a PostgreSQL statement could then outlast
the Lambda function, and API Gateway would answer 5xx for a request whose payment exists.

:func:`call_within` runs one call against a :class:`~payment_service.deadline.Deadline`. An
interval timer (``signal.setitimer(signal.ITIMER_REAL, ...)``) fires when the deadline comes;
its ``SIGALRM`` handler raises :class:`CallInterrupted` in the thread running the call, and
:func:`call_within` turns that into :class:`DependencyTimeoutError` (a ``TimeoutError``).
``CallInterrupted`` derives from ``BaseException``, so the ``except Exception`` handlers of the
libraries it unwinds through (botocore's error wrapping and retries, pg8000's) neither swallow
nor wrap it. No thread is started and no timer outlives the call.

Documented behaviour this rests on:

* "Python signal handlers are always executed in the main Python thread of the main
  interpreter, even if the signal was received in another thread", and only the main thread
  may install one (Python documentation, ``signal``, "Signals and threads").
* A system call interrupted by a signal whose handler raises an exception fails with that
  exception; it is retried only when the handler returns (PEP 475). So a ``recv``, ``send``,
  ``connect`` or ``poll`` waiting on a slow peer ends at the deadline.
* The AWS Lambda Python runtime runs the function's handler in the process's main thread: the
  runtime interface client calls it from its main loop (aws-lambda-python-runtime-interface-
  client, ``awslambdaric/bootstrap.py``, ``run`` -> ``handle_event_request``), and installs no
  ``SIGALRM`` handler of its own. :func:`enforced` reports whether this process can interrupt
  calls; the API logs it at its cold start (``whole_call_deadline``), so the first deployment
  shows it.

Off the main thread (a worker thread, a test runner's thread) :func:`call_within` cannot
interrupt anything: it still refuses to start a call with no time left, and logs
``whole_call_deadline_unenforced`` once.

Not covered: a lookup in the C library's resolver (``getaddrinfo``) is not interrupted by a
signal (glibc retries its ``poll`` on ``EINTR``: ``resolv/res_send.c``). The database host
is therefore resolved by :mod:`payment_service.resolver`, which never waits on a lookup past
its bound, and the AWS endpoints' names are looked up there first
(:class:`payment_service.resolver.EndpointNames`) before botocore looks them up again.

What happens to the connection of an interrupted call: urllib3 closes a connection whose
response was not read to the end when an exception (any ``BaseException``) leaves it, so
botocore never reuses it; the database layer discards a PostgreSQL connection whose statement
was interrupted (:mod:`payment_service.db`). The tests check that sockets return to their
baseline.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from payment_service.logging import get_logger

if TYPE_CHECKING:
    from types import FrameType

    from payment_service.deadline import Deadline

T = TypeVar("T")

#: The timer fires this long before a level's expiry at the earliest; an alarm that comes
#: earlier than that (it cannot, but clocks differ) re-arms instead of interrupting.
_EARLY_SECONDS = 0.0005

_log = get_logger("payment_service.bounded")


class CallInterrupted(BaseException):
    """Raised by the ``SIGALRM`` handler inside a call that reached its deadline."""


class DependencyTimeoutError(TimeoutError):
    """A dependency call did not finish by its deadline and was interrupted."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not finish within {seconds:.3f} s")
        self.what = what
        self.seconds = seconds


_expiries: list[float] = []
"""Expiry (``time.monotonic``) of each call in progress, innermost last; main thread only."""
_installed = False
_warned = False


def enforced() -> bool:
    """True when calls made in this thread are interrupted at their deadline."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_within(deadline: Deadline, what: str, call: Callable[[], T]) -> T:
    """``call()``, interrupted when ``deadline`` comes (:class:`DependencyTimeoutError`).

    A call never starts with no time left. Calls may nest: an inner call ends no later than
    the one around it.
    """
    seconds = deadline.remaining()
    if seconds <= 0.0:
        raise DependencyTimeoutError(what, 0.0)
    if not enforced():
        _warn_unenforced()
        return call()
    _install()
    expires = time.monotonic() + seconds
    if _expiries:
        expires = min(expires, _expiries[-1])
    depth = len(_expiries)
    try:
        try:
            _expiries.append(expires)
            _arm(expires)
            return call()
        finally:
            _leave(depth)
    except CallInterrupted:
        # Raised by the call, or by an alarm that came while leaving: leave again (idempotent).
        _leave(depth)
        raise DependencyTimeoutError(what, seconds) from None


def _leave(depth: int) -> None:
    """Disarm first, drop this level (and any inner one), re-arm for the level around it."""
    signal.setitimer(signal.ITIMER_REAL, 0.0)
    del _expiries[depth:]
    if _expiries:
        _arm(_expiries[-1])


def _arm(expires: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(expires - time.monotonic(), 1e-6))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if not _expiries:
        return  # the call ended meanwhile
    if time.monotonic() + _EARLY_SECONDS >= _expiries[-1]:
        raise CallInterrupted
    _arm(_expiries[-1])


def _install() -> None:
    global _installed
    if not _installed:
        signal.signal(signal.SIGALRM, _on_alarm)
        _installed = True


def _warn_unenforced() -> None:
    global _warned
    if not _warned:
        _warned = True
        _log.warning(
            "whole_call_deadline_unenforced",
            thread=threading.current_thread().name,
            detail="calls are bounded by their socket timeouts only",
        )


__all__ = ["CallInterrupted", "DependencyTimeoutError", "call_within", "enforced"]
