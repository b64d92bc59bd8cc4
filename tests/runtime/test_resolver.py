"""payment_service.resolver without a server: which lookup a request joins, how many hang at
once, what a request gets back and when, the AWS endpoints' names, and the TCP connection to
the addresses found.

Lookups are fakes that hang on an event until the test releases them; the resolver's clock
(when a lookup started, when an answer came) is a fake one the test moves, and only the waits
run on the real clock.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from payment_service import resolver
from payment_service.resolver import (
    AddressInfo,
    DnsLookupTimeoutError,
    EndpointNames,
    HostResolver,
    check_client_endpoint,
    connect_tcp,
)
from tests.runtime.faults import BlackHole
from tests.runtime.global_cluster import Clock

HOST = "db.example.internal"
PORT = 5432


def _address(ip: str, port: int = PORT) -> list[AddressInfo]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]


class HungLookups:
    """Lookups that hang until :meth:`release`, then answer ``answer``."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.answer = _address("10.0.0.1")
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[AddressInfo]:
        self.calls += 1
        self.released.wait(10)
        return self.answer

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def hung() -> Iterator[HungLookups]:
    lookups = HungLookups()
    yield lookups
    lookups.release()


def _times_out(resolver: HostResolver, timeout: float = 0.01) -> None:
    with pytest.raises(DnsLookupTimeoutError, match=f"no answer for {HOST} within"):
        resolver.resolve(HOST, PORT, timeout)


def test_a_request_joins_the_newest_lookup_until_it_is_a_quarter_second_old(
    hung: HungLookups,
) -> None:
    # time.monotonic() counts from boot: in a new execution environment it reads little more
    # than the lookups' ages, so the rule is checked at such readings too.
    clock = Clock()
    clock.now = 0.125
    resolver = HostResolver(hung, clock=clock)

    _times_out(resolver)  # starts a lookup at 0.125
    clock.now = 0.374
    _times_out(resolver)
    assert resolver.in_flight(HOST, PORT) == 1, "joined the lookup 0.249 s old"
    clock.now = 0.375
    _times_out(resolver)
    assert resolver.in_flight(HOST, PORT) == 2, "a new lookup: the newest was 0.25 s old"
    clock.now = 0.5  # the newest is 0.125 s old, the oldest 0.375 s
    _times_out(resolver)
    assert resolver.in_flight(HOST, PORT) == 2, "joined the newest lookup"
    assert resolver.in_flight(HOST, 5433) == 0, "another port is another lookup"


def test_at_most_eight_lookups_of_a_host_hang_at_once(hung: HungLookups) -> None:
    clock = Clock()
    resolver = HostResolver(hung, clock=clock)

    for _request in range(12):
        _times_out(resolver)
        clock.now += 1.0
    assert resolver.in_flight(HOST, PORT) == 8


def test_at_least_one_lookup_must_be_allowed() -> None:
    with pytest.raises(ValueError, match="max_lookups must be at least 1"):
        HostResolver(max_lookups=0)
    assert HostResolver(max_lookups=1).in_flight(HOST, PORT) == 0


def test_a_lookup_that_answers_serves_the_request_that_started_it() -> None:
    # The fake clock does not move: the answer is dated the instant the request asked.
    resolver = HostResolver(lambda host, port: _address("10.0.0.7", port), clock=Clock())

    started = time.monotonic()
    assert resolver.resolve(HOST, PORT, 2.0) == _address("10.0.0.7")
    assert time.monotonic() - started < 0.5
    assert resolver.in_flight(HOST, PORT) == 0


def test_no_answer_is_kept_for_a_later_request() -> None:
    """An address kept across a failover could lead to the wrong instance."""
    answers = [_address("10.0.0.1"), _address("10.0.0.2")]
    clock = Clock()
    resolver = HostResolver(lambda host, port: answers.pop(0), clock=clock)

    assert resolver.resolve(HOST, PORT, 2.0) == _address("10.0.0.1")
    clock.now = 1000.001
    assert resolver.resolve(HOST, PORT, 2.0) == _address("10.0.0.2")
    assert answers == []


def test_a_failed_lookup_answers_its_request_at_once_with_its_error() -> None:
    def no_such_name(host: str, port: int) -> list[AddressInfo]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    resolver = HostResolver(no_such_name, clock=Clock())

    started = time.monotonic()
    with pytest.raises(socket.gaierror, match="Name or service not known"):
        resolver.resolve(HOST, PORT, 2.0)
    assert time.monotonic() - started < 0.5
    assert resolver.in_flight(HOST, PORT) == 0


def test_a_request_waits_for_a_hung_lookup_its_own_timeout_and_no_longer(
    hung: HungLookups,
) -> None:
    resolver = HostResolver(hung, clock=Clock())

    started = time.monotonic()
    with pytest.raises(DnsLookupTimeoutError, match=f"no answer for {HOST} within 0.300 s"):
        resolver.resolve(HOST, PORT, 0.3)
    waited = time.monotonic() - started
    assert 0.29 <= waited < 0.5, f"waited {waited:.2f} s"

    started = time.monotonic()
    with pytest.raises(DnsLookupTimeoutError, match=r"within -1\.000 s"):
        resolver.resolve(HOST, PORT, -1.0)
    assert time.monotonic() - started < 0.1, "no time left: no wait"


def test_a_lookup_answering_while_the_request_waits_serves_it(hung: HungLookups) -> None:
    resolver = HostResolver(hung, clock=Clock())
    threading.Timer(0.1, hung.release).start()

    started = time.monotonic()
    assert resolver.resolve(HOST, PORT, 2.0) == _address("10.0.0.1")
    assert time.monotonic() - started < 0.5
    assert hung.calls == 1


def test_an_address_literal_needs_no_lookup() -> None:
    def unreachable(host: str, port: int) -> list[AddressInfo]:
        raise AssertionError("an address is not looked up")

    resolver = HostResolver(unreachable)

    assert resolver.resolve("127.0.0.1", PORT, 0.1) == _address("127.0.0.1")
    assert resolver.in_flight("127.0.0.1", PORT) == 0


HANGING_FOR_GOOD = """
import threading
from payment_service.resolver import DnsLookupTimeoutError, HostResolver

resolver = HostResolver(lambda host, port: threading.Event().wait(20))
try:
    resolver.resolve("db.example.internal", 5432, 0.05)
except DnsLookupTimeoutError:
    print("timed out")
"""


def test_a_hung_lookup_never_keeps_the_process_from_exiting() -> None:
    """The Lambda runtime ends an execution environment whatever its lookups are doing."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", HANGING_FOR_GOOD],
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "timed out"
    assert time.monotonic() - started < 10


# --- EndpointNames: the AWS endpoints' names, before botocore's own lookup ----------------


class Names:
    """Lookups that answer at once, except for ``hung`` (hangs) and ``missing`` (no such
    name), and record what they were asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.released = threading.Event()

    def __call__(self, host: str, port: int) -> list[AddressInfo]:
        self.asked.append(f"{host}:{port}")
        if host.startswith("hung."):
            self.released.wait(10)
        if host.startswith("missing."):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _address("10.0.0.1", port)


@pytest.fixture
def names() -> Iterator[Names]:
    lookups = Names()
    yield lookups
    lookups.released.set()


def test_an_endpoint_is_looked_up_on_the_port_its_url_names(names: Names) -> None:
    endpoints = EndpointNames(HostResolver(names), clock=Clock())

    endpoints.check("https://dynamodb.us-east-2.amazonaws.com", 0.5)
    endpoints.check("http://dynamodb.local", 0.5)
    endpoints.check("https://secrets.example.internal:8443/", 0.5)
    endpoints.check("http://127.0.0.1:8000", 0.5)  # an address: nothing to look up
    endpoints.check("not a url", 0.5)  # no host name: nothing to look up

    assert names.asked == [
        "dynamodb.us-east-2.amazonaws.com:443",
        "dynamodb.local:80",
        "secrets.example.internal:8443",
    ]


def test_an_endpoint_answer_is_fresh_for_five_seconds(names: Names) -> None:
    clock = Clock()
    clock.now = 0.125  # time.monotonic() counts from boot: small in a new environment
    endpoints = EndpointNames(HostResolver(names, clock=clock), clock=clock)
    url = "https://dynamodb.us-east-2.amazonaws.com"

    endpoints.check(url, 0.5)
    clock.now = 4.875
    endpoints.check(url, 0.5)
    assert len(names.asked) == 1, "4.75 s old: fresh"
    clock.now = 5.125
    endpoints.check(url, 0.5)
    assert len(names.asked) == 2, "5 s old: asked again"
    clock.now = 15.125
    endpoints.check(url, 0.5)
    assert len(names.asked) == 3, "10 s old: asked again"


def test_a_name_that_does_not_exist_is_an_answer_botocore_then_reports(names: Names) -> None:
    clock = Clock()
    endpoints = EndpointNames(HostResolver(names, clock=clock), clock=clock)

    endpoints.check("https://missing.example.internal", 0.5)  # returns: the call goes on
    clock.now = 1004.75
    endpoints.check("https://missing.example.internal", 0.5)
    assert names.asked == ["missing.example.internal:443"]


def test_a_hung_endpoint_name_fails_the_check_within_its_bound_and_is_asked_again(
    names: Names,
) -> None:
    clock = Clock()
    endpoints = EndpointNames(HostResolver(names, clock=clock), clock=clock)

    started = time.monotonic()
    with pytest.raises(DnsLookupTimeoutError, match=r"no answer for hung\.example\.internal"):
        endpoints.check("https://hung.example.internal", 0.2)
    waited = time.monotonic() - started
    assert 0.19 <= waited < 0.4, f"waited {waited:.2f} s"

    clock.now = 1001.0  # not an answer: the next call waits for the name again
    with pytest.raises(DnsLookupTimeoutError):
        endpoints.check("https://hung.example.internal", 0.05)
    assert names.asked == ["hung.example.internal:443"] * 2


class _Meta:
    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url


class _Client:
    def __init__(self, endpoint_url: str) -> None:
        self.meta = _Meta(endpoint_url)


def test_a_clients_endpoint_is_checked_and_a_test_double_without_one_is_not(
    names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolver, "ENDPOINT_NAMES", EndpointNames(HostResolver(names)))

    check_client_endpoint(_Client("https://dynamodb.us-east-1.amazonaws.com"), 0.5)
    check_client_endpoint(object(), 0.5)

    assert names.asked == ["dynamodb.us-east-1.amazonaws.com:443"]


# --- connect_tcp ---------------------------------------------------------------------------


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server
    server.close()


def _closed_port() -> int:
    """A port nothing listens on: connecting to it is refused at once."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


def test_the_first_address_that_accepts_is_connected(listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    addresses = _address("127.0.0.1", _closed_port()) + _address("127.0.0.1", port)

    sock = connect_tcp(addresses, 1.0)
    try:
        assert sock.getpeername() == ("127.0.0.1", port)
    finally:
        sock.close()


def test_when_no_address_accepts_the_last_error_is_raised() -> None:
    addresses = _address("127.0.0.1", _closed_port()) + _address("127.0.0.1", _closed_port())

    with pytest.raises(ConnectionRefusedError):
        connect_tcp(addresses, 1.0)


def test_the_connect_timeout_is_for_all_the_addresses_together() -> None:
    first, second = BlackHole(), BlackHole()
    try:
        addresses = _address("127.0.0.1", first.port) + _address("127.0.0.1", second.port)

        started = time.monotonic()
        with pytest.raises(TimeoutError):
            connect_tcp(addresses, 0.3)
        elapsed = time.monotonic() - started
    finally:
        first.close()
        second.close()
    assert 0.29 <= elapsed < 0.6, f"gave up after {elapsed:.2f} s"


def test_no_connection_is_tried_without_time_left(listening: socket.socket) -> None:
    addresses = _address("127.0.0.1", listening.getsockname()[1])

    with pytest.raises(TimeoutError, match="no time left to connect"):
        connect_tcp(addresses, 0.0)
