"""Work that may hang, run in daemon threads: a call still running when its caller gives up
is left behind, and holds neither the caller nor the process at exit (``payment-dr readiness
--now`` ends when its budget does, not when a hanging API finally times out). The same choice
as :func:`payment_service.writer_sources.read_writer_sources` makes for its DNS lookup."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def _settle(future: Future[T], work: Callable[[], T]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(work())
    except BaseException as exc:  # reported through the future, like an executor's
        future.set_exception(exc)


def spawn(work: Callable[[], T], name: str) -> Future[T]:
    """``work()`` in a daemon thread of its own; its outcome in the returned future."""
    future: Future[T] = Future()
    threading.Thread(target=_settle, args=(future, work), name=name, daemon=True).start()
    return future


def spawn_in_order(works: Sequence[Callable[[], T]], name: str) -> list[Future[T]]:
    """Each of ``works`` in turn, in one daemon thread (calls on one client that must not
    interleave); a future whose work has not started yet stays pending."""
    futures: list[Future[T]] = [Future() for _ in works]

    def run() -> None:
        for future, work in zip(futures, works, strict=True):
            _settle(future, work)

    threading.Thread(target=run, name=name, daemon=True).start()
    return futures
