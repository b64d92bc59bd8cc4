"""payment_service.bounded: a call is interrupted at its deadline, and nothing is left armed."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

from payment_service.bounded import DependencyTimeoutError, call_within, enforced
from payment_service.deadline import Deadline


def _no_timer_left() -> bool:
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_blocked_recv_is_interrupted_at_the_deadline() -> None:
    left, right = socket.socketpair()
    try:
        left.settimeout(5.0)  # the per-read timeout would wait 5 s
        started = time.monotonic()
        with pytest.raises(DependencyTimeoutError, match=r"peer read did not finish within 0\.2"):
            call_within(Deadline.after(0.2), "peer read", lambda: left.recv(1))
        elapsed = time.monotonic() - started
    finally:
        left.close()
        right.close()
    assert 0.19 <= elapsed < 0.4
    assert _no_timer_left()


def test_a_trickling_peer_is_cut_although_every_read_is_answered() -> None:
    left, right = socket.socketpair()
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.02):
            right.send(b"x")

    sender = threading.Thread(target=trickle)
    sender.start()
    received: list[bytes] = []

    def read_100() -> None:
        while len(received) < 100:  # two seconds' worth at one byte per 20 ms
            received.append(left.recv(1))

    try:
        left.settimeout(1.0)
        with pytest.raises(DependencyTimeoutError):
            call_within(Deadline.after(0.3), "trickle", read_100)
    finally:
        stop.set()
        sender.join()
        left.close()
        right.close()
    assert 5 <= len(received) < 100
    assert _no_timer_left()


def test_a_call_that_finishes_in_time_returns_its_value_and_disarms() -> None:
    assert call_within(Deadline.after(1.0), "quick", lambda: 42) == 42
    assert _no_timer_left()
    time.sleep(1.1)  # nothing fires later


def test_no_call_starts_without_time_left() -> None:
    calls: list[int] = []
    with pytest.raises(DependencyTimeoutError, match="within 0.000 s"):
        call_within(Deadline.after(-1.0), "late", lambda: calls.append(1))
    assert calls == []


def test_an_inner_call_never_outlives_the_one_around_it() -> None:
    def inner() -> None:
        call_within(Deadline.after(5.0), "inner", lambda: time.sleep(2.0))

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError):  # both deadlines came: either may be named
        call_within(Deadline.after(0.2), "outer", inner)
    assert time.monotonic() - started < 0.5
    assert _no_timer_left()


def test_the_outer_deadline_is_armed_again_after_an_inner_call() -> None:
    def inner_then_sleep() -> None:
        call_within(Deadline.after(1.0), "inner", lambda: None)
        time.sleep(2.0)

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="outer"):
        call_within(Deadline.after(0.3), "outer", inner_then_sleep)
    assert time.monotonic() - started < 0.6


def test_library_handlers_of_exception_do_not_swallow_the_interruption() -> None:
    """botocore and pg8000 catch ``Exception``; the interruption is not one."""

    def swallowing() -> str:
        try:
            time.sleep(2.0)
        except Exception:
            return "swallowed"
        return "finished"

    with pytest.raises(DependencyTimeoutError):
        call_within(Deadline.after(0.1), "library", swallowing)


def test_off_the_main_thread_nothing_is_interrupted_but_nothing_starts_late() -> None:
    outcome: list[object] = []

    def worker() -> None:
        outcome.append(enforced())
        outcome.append(call_within(Deadline.after(0.05), "worker", lambda: time.sleep(0.1)))
        try:
            call_within(Deadline.after(-1.0), "worker", lambda: None)
        except DependencyTimeoutError as exc:
            outcome.append(exc.what)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome == [False, None, "worker"]
    assert enforced() is True
