"""Looking up the database host without ever waiting on a hung lookup.

pg8000 resolves its host with ``socket.create_connection``, that is with the C library's
``getaddrinfo``. A lookup there cannot be cancelled or interrupted: glibc retries its ``poll``
when a signal arrives and gives up only after its own timeout and attempts (``resolv.conf(5)``:
``timeout`` 5 s and ``attempts`` 2 by default, per name server). A resolver that stops
answering would hold a request far past its deadline, and the Lambda function past its
timeout.

:class:`HostResolver` runs each lookup in a daemon thread and waits for it at most what the
caller allows; the connection is then opened to the address found, with TLS still checking
the host name (pg8000 is given the socket and the host name). The rules:

* a request waits for a lookup at most its own bound (the connect timeout, capped by the
  request deadline); on timeout it fails like a connect timeout (503 after the database
  layer's bounded retries);
* a request joins the newest lookup in flight when it started less than
  ``RESTART_AFTER_SECONDS`` (0.25 s) ago; otherwise it starts a new one. A lookup hung on a
  resolver that has since recovered therefore never holds anyone: the first request after the
  recovery starts a fresh lookup (within 0.25 s of the newest), which answers;
* any lookup that succeeds serves every request waiting at that moment;
* at most ``MAX_LOOKUPS`` (8) lookups are in flight per host; beyond that a request waits for
  the newest (the threads are bounded while a resolver hangs, each ending when the C library
  gives up).

No result is cached: a connection is opened rarely (it is reused across invocations), and an
address kept across a failover could lead to the wrong instance.

A lookup thread can outlive the request that started it: ``getaddrinfo`` cannot be stopped.
That is the one exception to "nothing a request starts outlives it", and it is bounded by
``MAX_LOOKUPS`` and by the C library's resolver timeout.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from payment_service.logging import get_logger

AddressInfo = tuple[
    socket.AddressFamily,
    socket.SocketKind,
    int,
    str,
    tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes],
]
Lookup = Callable[[str, int], Sequence[AddressInfo]]
"""``lookup(host, port)``: the addresses of ``host`` (``socket.getaddrinfo`` for TCP)."""

RESTART_AFTER_SECONDS = 0.25
"""A request starts a new lookup when the newest in flight is this old."""
MAX_LOOKUPS = 8
"""Lookups in flight per host at most."""

_log = get_logger("payment_service.resolver")


def tcp_lookup(host: str, port: int) -> Sequence[AddressInfo]:
    """``socket.getaddrinfo`` for a TCP connection to ``host:port``."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class DnsLookupTimeoutError(TimeoutError):
    """No lookup of the host answered in time."""


@dataclass
class _Lookup:
    started_at: float
    done: bool = False
    addresses: Sequence[AddressInfo] | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


class HostResolver:
    """``getaddrinfo`` in daemon threads, never waited on past the caller's bound."""

    def __init__(
        self,
        lookup: Lookup = tcp_lookup,
        *,
        restart_after_seconds: float = RESTART_AFTER_SECONDS,
        max_lookups: int = MAX_LOOKUPS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_lookups < 1:
            raise ValueError("max_lookups must be at least 1")
        self._lookup = lookup
        self._restart_after = restart_after_seconds
        self._max = max_lookups
        self._clock = clock
        self._changed = threading.Condition()
        self._in_flight: dict[tuple[str, int], list[_Lookup]] = {}
        self._answers: dict[tuple[str, int], tuple[float, Sequence[AddressInfo]]] = {}

    def in_flight(self, host: str, port: int) -> int:
        """Lookups of ``host:port`` not finished yet."""
        with self._changed:
            return len(self._in_flight.get((host, port), []))

    def resolve(self, host: str, port: int, timeout_seconds: float) -> Sequence[AddressInfo]:
        """The addresses of ``host``; :class:`DnsLookupTimeoutError` after ``timeout_seconds``,
        or the lookup's own error (``socket.gaierror``) when the newest lookup fails."""
        if _is_ip_literal(host):
            return tcp_lookup(host, port)  # no name to look up: answers at once
        key = (host, port)
        with self._changed:
            asked_at = self._clock()
            mine = self._join_or_start(key, asked_at)
            end = time.monotonic() + max(timeout_seconds, 0.0)
            while True:
                answer = self._answers.get(key)
                if answer is not None and answer[0] >= asked_at:
                    return answer[1]
                if mine.done and mine.error is not None:
                    raise mine.error
                left = end - time.monotonic()
                if left <= 0:
                    _log.warning(
                        "dns_lookup_timeout", host=host, in_flight=len(self._in_flight[key])
                    )
                    raise DnsLookupTimeoutError(
                        f"no answer for {host} within {timeout_seconds:.3f} s"
                    )
                self._changed.wait(left)

    def _join_or_start(self, key: tuple[str, int], now: float) -> _Lookup:
        running = self._in_flight.setdefault(key, [])
        newest = running[-1] if running else None
        if newest is not None and (
            now - newest.started_at < self._restart_after or len(running) >= self._max
        ):
            return newest
        lookup = _Lookup(started_at=now)
        thread = threading.Thread(
            target=self._run, args=(key, lookup), name="dns-lookup", daemon=True
        )
        lookup.thread = thread
        running.append(lookup)
        thread.start()
        return lookup

    def _run(self, key: tuple[str, int], lookup: _Lookup) -> None:
        try:
            addresses = self._lookup(*key)
        except BaseException as exc:  # reported to the requests waiting on this lookup
            outcome: tuple[Sequence[AddressInfo] | None, BaseException | None] = (None, exc)
        else:
            outcome = (addresses, None)
        with self._changed:
            lookup.addresses, lookup.error = outcome
            lookup.done = True
            self._in_flight[key].remove(lookup)
            if lookup.addresses:
                self._answers[key] = (self._clock(), lookup.addresses)
            self._changed.notify_all()


class EndpointNames:
    """Before an AWS SDK call: the endpoint's host name resolves within the caller's bound.

    botocore (through urllib3) looks its endpoint up with ``getaddrinfo`` when it opens a
    connection, and no signal interrupts that lookup (:mod:`payment_service.bounded`): a hung
    resolver would hold the call until the C library gives up. So the name is looked up first
    through a :class:`HostResolver`, never waited on past the bound; the call is made only
    when the resolver answered (an address, or an error, which botocore's own lookup then
    meets as fast; either is reused for ``fresh_seconds``). botocore's lookup asks a resolver
    that has just answered.
    """

    def __init__(
        self,
        resolver: HostResolver | None = None,
        *,
        fresh_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolver = resolver or HostResolver()
        self._fresh = fresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._answered: dict[tuple[str, int], float] = {}

    def check(self, endpoint_url: str, timeout_seconds: float) -> None:
        """Return when ``endpoint_url``'s host resolves, or when the resolver answers with an
        error; :class:`DnsLookupTimeoutError` when it does not answer within
        ``timeout_seconds``."""
        parsed = urlsplit(endpoint_url)
        host = parsed.hostname
        if host is None or _is_ip_literal(host):
            return
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        key = (host, port)
        with self._lock:
            answered = self._answered.get(key)
            if answered is not None and self._clock() - answered < self._fresh:
                return
        try:
            self._resolver.resolve(host, port, timeout_seconds)
        except DnsLookupTimeoutError:
            raise
        except OSError:
            # The resolver answered, with an error (no such name, no network): botocore's
            # own lookup gets the same answer as fast, and reports it. Only a hang is kept
            # from the call; an answer of either kind is fresh for fresh_seconds.
            pass
        with self._lock:
            self._answered[key] = self._clock()


ENDPOINT_NAMES = EndpointNames()
"""The execution environment's check of AWS endpoint names."""


def check_client_endpoint(client: object, timeout_seconds: float) -> None:
    """:meth:`EndpointNames.check` for a boto3 client (``client.meta.endpoint_url``, boto3
    documentation, "Clients"); objects without one (test doubles) are not checked."""
    meta = getattr(client, "meta", None)
    url = getattr(meta, "endpoint_url", None)
    if isinstance(url, str):
        ENDPOINT_NAMES.check(url, timeout_seconds)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def connect_tcp(addresses: Sequence[AddressInfo], timeout_seconds: float) -> socket.socket:
    """A TCP connection to the first of ``addresses`` that accepts within what is left of
    ``timeout_seconds`` (each try gets the rest); the last error when none does."""
    end = time.monotonic() + timeout_seconds
    last: OSError | None = None
    for family, kind, proto, _name, address in addresses:
        left = end - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(left)
            sock.connect(address)
        except BaseException as exc:
            sock.close()
            if not isinstance(exc, OSError):
                raise
            last = exc
            continue
        return sock
    raise last if last is not None else TimeoutError("no time left to connect")


__all__ = [
    "ENDPOINT_NAMES",
    "MAX_LOOKUPS",
    "RESTART_AFTER_SECONDS",
    "AddressInfo",
    "DnsLookupTimeoutError",
    "EndpointNames",
    "HostResolver",
    "Lookup",
    "check_client_endpoint",
    "connect_tcp",
    "tcp_lookup",
]
