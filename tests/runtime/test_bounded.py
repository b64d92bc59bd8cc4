"""payment_service.bounded: a call is interrupted at its deadline, and nothing is left armed."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
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


def test_an_inner_call_with_a_nearer_deadline_is_cut_and_the_outer_call_goes_on() -> None:
    inner: list[tuple[str, float]] = []

    def outer_body() -> None:
        started = time.monotonic()
        try:
            call_within(Deadline.after(0.2), "inner", lambda: time.sleep(2.0))
        except DependencyTimeoutError as exc:
            inner.append((exc.what, time.monotonic() - started))
        time.sleep(2.0)  # the outer call's own deadline still comes

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="outer"):
        call_within(Deadline.after(0.6), "outer", outer_body)
    elapsed = time.monotonic() - started
    [(what, inner_elapsed)] = inner
    assert what == "inner"
    assert 0.19 <= inner_elapsed < 0.4, f"inner cut after {inner_elapsed:.2f} s"
    assert 0.59 <= elapsed < 0.9, f"outer cut after {elapsed:.2f} s"
    assert _no_timer_left()


def test_a_call_two_levels_down_ends_with_the_nearest_deadline_around_it() -> None:
    def middle() -> None:
        call_within(Deadline.after(5.0), "innermost", lambda: time.sleep(2.0))

    def outer() -> None:
        call_within(Deadline.after(0.2), "middle", middle)

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError):
        call_within(Deadline.after(5.0), "outer", outer)
    assert time.monotonic() - started < 0.5
    assert _no_timer_left()


def test_after_a_call_two_levels_down_the_nearest_deadline_around_is_armed_again() -> None:
    def middle() -> None:
        call_within(Deadline.after(5.0), "innermost", lambda: None)
        time.sleep(2.0)

    def outer() -> None:
        call_within(Deadline.after(0.3), "middle", middle)

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="middle"):
        call_within(Deadline.after(5.0), "outer", outer)
    elapsed = time.monotonic() - started
    assert 0.29 <= elapsed < 0.6, f"cut after {elapsed:.2f} s"
    assert _no_timer_left()


def test_a_call_that_catches_an_inner_timeout_still_ends_at_its_own_deadline() -> None:
    """As the database layer's retries do. The inner call ends with the outer deadline, so
    the interruption may reach the outer call before or after the handler below runs."""

    def retrying() -> str:
        with contextlib.suppress(DependencyTimeoutError):
            call_within(Deadline.after(5.0), "attempt", lambda: time.sleep(2.0))
        time.sleep(2.0)
        return "retried"

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="request"):
        call_within(Deadline.after(0.3), "request", retrying)
    elapsed = time.monotonic() - started
    assert 0.29 <= elapsed < 0.6, f"cut after {elapsed:.2f} s"
    assert _no_timer_left()


def _stray_alarm_then(seconds: float) -> str:
    signal.raise_signal(signal.SIGALRM)
    time.sleep(seconds)
    return "finished"


def test_an_alarm_before_the_deadline_neither_cuts_the_call_nor_disarms_it() -> None:
    """A stray SIGALRM (another timer, a kill) re-arms the call's own deadline."""
    assert call_within(Deadline.after(0.5), "stray", lambda: _stray_alarm_then(0.1)) == "finished"
    assert _no_timer_left()

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="stray"):
        call_within(Deadline.after(0.3), "stray", lambda: _stray_alarm_then(2.0))
    elapsed = time.monotonic() - started
    assert 0.29 <= elapsed < 0.6, f"cut after {elapsed:.2f} s"
    assert _no_timer_left()


def test_an_alarm_before_an_inner_deadline_re_arms_the_inner_one() -> None:
    def inner() -> str:
        return call_within(Deadline.after(0.3), "inner", lambda: _stray_alarm_then(2.0))

    started = time.monotonic()
    with pytest.raises(DependencyTimeoutError, match="inner"):
        call_within(Deadline.after(5.0), "outer", inner)
    elapsed = time.monotonic() - started
    assert 0.29 <= elapsed < 0.6, f"cut after {elapsed:.2f} s"
    assert _no_timer_left()


def test_an_alarm_within_half_a_millisecond_of_the_deadline_ends_the_call() -> None:
    """The timer and time.monotonic may disagree by a fraction of a millisecond: the
    deadline's alarm coming that little early ends the call, it is not armed again."""
    deadline = Deadline.after(0.3)

    def alarm_just_early() -> str:
        just_early = time.monotonic() + deadline.remaining() - 0.0002
        while time.monotonic() < just_early:
            pass
        signal.raise_signal(signal.SIGALRM)
        return "finished"

    with pytest.raises(DependencyTimeoutError, match="early"):
        call_within(deadline, "early", alarm_just_early)
    assert _no_timer_left()


UNENFORCED = """
import sys, threading
from payment_service.logging import configure_logging
from payment_service.bounded import call_within
from payment_service.deadline import Deadline

configure_logging(stream=sys.stdout)

def worker():
    for _ in range(2):
        call_within(Deadline.after(1.0), "worker", lambda: None)

thread = threading.Thread(target=worker, name="request-worker")
thread.start()
thread.join()
"""


def test_calls_off_the_main_thread_are_logged_unenforced_once_per_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", UNENFORCED], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [(line["event"], line["level"], line["thread"]) for line in lines] == [
        ("whole_call_deadline_unenforced", "warning", "request-worker")
    ]
    assert lines[0]["detail"] == "calls are bounded by their socket timeouts only"
