"""The write fence's decisions, without a database: who writes, from DescribeGlobalClusters
through this region's RDS API (cached, one call in flight, rate-bounded after failures, never
waited on past a deadline), the database's answer on a connection, and the promotion bound.

Every test uses the defaults as deployed (5 s and 30 s answers, 10 s after a failure, 0.5 s
wait); time moves on a fake clock, except where a call must really hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import FrozenInstanceError

import pytest

from payment_service.deadline import Deadline
from payment_service.errors import DatabaseReadOnlyError, ServiceUnavailableError
from payment_service.writer import (
    CALL_WAIT_SECONDS,
    ERROR_INTERVAL_SECONDS,
    PROMOTION_BOUND_SECONDS,
    RDS_CALL_TIMEOUTS,
    STANDBY_ANSWER_TTL_SECONDS,
    WRITER_ANSWER_TTL_SECONDS,
    NotWriterRegionError,
    WriteFence,
)
from tests.runtime.global_cluster import (
    ACCOUNT,
    GLOBAL_ID,
    USE1_ARN,
    USE2_ARN,
    USE2_HOST,
    USE2_ID,
    Clock,
    FakeRds,
    fence_in,
    throttled,
)


@pytest.fixture
def hung() -> Iterator[FakeRds]:
    """An RDS API whose calls hang until the test ends."""
    rds = FakeRds()
    rds.gate = threading.Event()
    yield rds
    rds.gate.set()


def test_the_deployed_defaults() -> None:
    assert (STANDBY_ANSWER_TTL_SECONDS, WRITER_ANSWER_TTL_SECONDS) == (5.0, 30.0)
    assert (ERROR_INTERVAL_SECONDS, CALL_WAIT_SECONDS) == (10.0, 0.5)
    assert PROMOTION_BOUND_SECONDS == 5.0
    assert (RDS_CALL_TIMEOUTS.connect_seconds, RDS_CALL_TIMEOUTS.read_seconds) == (1.0, 2.0)


def test_the_region_whose_cluster_is_writer_writes_to_its_own_cluster_endpoint() -> None:
    rds = FakeRds(writer=USE2_ARN)
    fence = fence_in("us-east-2", rds, Clock())

    assert fence.approve() == USE2_HOST
    assert fence.role() == ("writer", "us-east-2")
    assert rds.asked == [GLOBAL_ID]


def test_another_regions_writer_is_refused_with_503_naming_it() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=USE1_ARN), Clock())

    with pytest.raises(NotWriterRegionError) as raised:
        fence.approve()
    assert isinstance(raised.value, ServiceUnavailableError)
    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "30"}
    assert str(raised.value) == (
        "this region does not hold the writer: "
        "the writer is payment-processing-aurora-use1-ci7 in us-east-1"
    )
    assert fence.role() == ("standby", "us-east-1")


def test_no_writer_member_while_a_failover_runs_is_refused() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=None), Clock())

    with pytest.raises(NotWriterRegionError, match="no cluster is the writer"):
        fence.approve()
    assert fence.role() == ("standby", None)


@pytest.mark.parametrize(
    "writer",
    [
        # the same identifier in another region is another cluster
        f"arn:aws:rds:us-west-2:{ACCOUNT}:cluster:{USE2_ID}",
        f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:{USE2_ID}",
        # another cluster of this region (this one detached, say) is not this cluster
        f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:payment-processing-aurora-use2-other",
        f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:payment-processing-aurora-use2-aaa",
    ],
)
def test_only_this_regions_own_cluster_counts_as_this_region_writing(writer: str) -> None:
    rds = FakeRds(writer=writer)
    rds.members = [writer, USE2_ARN]

    with pytest.raises(NotWriterRegionError):
        fence_in("us-east-2", rds, Clock()).approve()


def test_a_standby_answer_is_reused_for_5_seconds_then_asked_again() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)

    for elapsed in (0.0, 4.999):
        clock.now = 1000.0 + elapsed
        with pytest.raises(NotWriterRegionError):
            fence.approve()
    assert len(rds.asked) == 1
    clock.now = 1005.0
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    assert len(rds.asked) == 2


def test_a_writer_answer_is_reused_for_30_seconds_then_asked_again() -> None:
    rds, clock = FakeRds(writer=USE2_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)

    fence.approve()
    clock.now = 1029.999
    fence.approve()
    assert fence.role() == ("writer", "us-east-2")
    assert len(rds.asked) == 1
    clock.now = 1030.0
    fence.approve()
    assert len(rds.asked) == 2


def test_throttled_the_database_decides_and_no_call_starts_for_10_seconds() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    rds.failures.append(throttled())
    fence = fence_in("us-east-2", rds, clock)

    assert fence.approve() == USE2_HOST  # no answer: the connection check decides
    clock.now = 1009.999
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 1
    clock.now = 1010.0
    with pytest.raises(NotWriterRegionError):  # asked again: another cluster writes
        fence.approve()
    assert len(rds.asked) == 2


def test_an_answer_or_a_failure_long_past_is_asked_again() -> None:
    # Long past, at times whose remainders modulo the earlier ones fall inside the bounds.
    rds, clock = FakeRds(writer=USE2_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)
    fence.approve()  # asked at 1000: this cluster writes
    clock.now = 2010.0
    rds.writer = USE1_ARN
    with pytest.raises(NotWriterRegionError):  # asked at 2010: another cluster writes
        fence.approve()
    rds.failures.append(throttled())
    clock.now = 4023.0
    assert fence.approve() == USE2_HOST  # failed at 4023: the database decides
    clock.now = 8050.0
    with pytest.raises(NotWriterRegionError):  # asked again
        fence.approve()
    assert len(rds.asked) == 4


def test_an_answer_cannot_be_changed_once_given() -> None:
    rds, clock = FakeRds(writer=USE2_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)
    answer = fence.status.current()
    assert answer is not None
    with pytest.raises(FrozenInstanceError):
        answer.this_cluster_writes = False  # type: ignore[misc]


def test_an_answer_without_the_global_cluster_is_a_failed_call() -> None:
    class Empty(FakeRds):
        def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Mapping[str, object]:  # noqa: N803
            self.asked.append(GlobalClusterIdentifier)
            return {"GlobalClusters": []}

    rds, clock = Empty(), Clock()
    fence = fence_in("us-east-2", rds, clock)

    assert fence.approve() == USE2_HOST
    clock.now = 1009.0
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 1


def test_a_hung_call_is_waited_on_half_a_second_and_stays_the_only_call(hung: FakeRds) -> None:
    fence = fence_in("us-east-2", hung, Clock())

    for _request in range(2):
        started = time.monotonic()
        assert fence.approve() == USE2_HOST  # the database decides
        waited = time.monotonic() - started
        assert 0.45 <= waited < 1.0
    assert len(hung.asked) == 1


def _in_flight(fence: WriteFence) -> bool:
    return fence.status.call_in_flight


def test_a_call_in_flight_holds_requests_only_until_it_is_half_a_second_old(
    hung: FakeRds,
) -> None:
    clock = Clock()
    fence = fence_in("us-east-2", hung, clock)
    assert fence.approve(Deadline.after(0.0)) == USE2_HOST  # the call starts at 1000.0
    assert _in_flight(fence) is True

    clock.now = 1000.2  # the call is 0.2 s old: this request waits the 0.3 s left
    started = time.monotonic()
    assert fence.approve(Deadline.after(1.0)) == USE2_HOST
    waited = time.monotonic() - started
    assert 0.25 <= waited < 0.45, f"waited {waited:.2f} s"

    clock.now = 1000.6  # 0.6 s old: waited for already, it holds nobody
    started = time.monotonic()
    assert fence.approve(Deadline.after(1.0)) == USE2_HOST
    assert fence.role(Deadline.after(1.0)) == ("writer", "us-east-2")
    assert time.monotonic() - started < 0.1
    assert hung.asked == [GLOBAL_ID], "still the one call"
    assert _in_flight(fence) is True

    assert hung.gate is not None
    hung.gate.set()  # the call answers: this cluster does not write
    answered_by = time.monotonic() + 5
    while _in_flight(fence) and time.monotonic() < answered_by:
        time.sleep(0.01)
    assert _in_flight(fence) is False
    with pytest.raises(NotWriterRegionError):
        fence.approve(Deadline.after(1.0))


def test_a_hung_call_never_holds_a_request_past_its_deadline(hung: FakeRds) -> None:
    fence = fence_in("us-east-2", hung, Clock())

    started = time.monotonic()
    assert fence.approve(Deadline.after(0.1)) == USE2_HOST
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    assert fence.role(Deadline.after(0.0)) == ("writer", "us-east-2")
    assert time.monotonic() - started < 0.2


def test_after_a_promotion_writes_pass_the_fence_within_the_stated_bound() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    fence = fence_in("us-east-2", rds, clock)
    with pytest.raises(NotWriterRegionError):
        fence.approve()

    promoted_at = clock.now
    rds.writer = USE2_ARN  # FailoverGlobalCluster done: us-east-2's RDS API reports it
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS - 0.001
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS
    assert fence.approve() == USE2_HOST


def test_a_call_in_flight_during_the_promotion_does_not_extend_the_bound() -> None:
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    rds.gate = threading.Event()
    fence = fence_in("us-east-2", rds, clock)
    try:
        assert fence.approve() == USE2_HOST  # asked at t0, answer held back: database decides
        promoted_at = clock.now
        rds.writer = USE2_ARN
        clock.now = promoted_at + 3.0
    finally:
        rds.gate.set()  # the stale answer (dated t0) arrives 3 s after the promotion
    answered_by = time.monotonic() + 5
    while fence.status.call_in_flight and time.monotonic() < answered_by:
        time.sleep(0.01)
    with pytest.raises(NotWriterRegionError):
        fence.approve()
    clock.now = promoted_at + PROMOTION_BOUND_SECONDS
    assert fence.approve() == USE2_HOST
    assert len(rds.asked) == 2


class Answers:
    """A connection whose read-only check answers ``row``."""

    def __init__(self, *rows: list[object]) -> None:
        self.rows = [list(row) for row in rows]
        self.sql: list[str] = []

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        self.sql.append(sql)
        return self.rows

    def close(self) -> None:
        raise AssertionError("the fence never closes a connection itself")


READ_ONLY_CHECK = "SELECT current_setting('transaction_read_only'), pg_is_in_recovery()"


def wire(text: str) -> str:
    """A string as pg8000 returns it: a new object, never the interned literal."""
    return text.encode("ascii").decode("ascii")


def test_a_writable_connection_is_confirmed_with_one_query() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=USE2_ARN), Clock())
    connection = Answers([wire("off"), False])

    fence.confirm(connection)

    assert connection.sql == [READ_ONLY_CHECK]


@pytest.mark.parametrize("row", [["on", False], ["off", True], ["on", True], ["off", None]])
def test_a_read_only_or_recovering_connection_is_refused(row: list[object]) -> None:
    rds, clock = FakeRds(writer=USE2_ARN), Clock()
    rds.failures.append(throttled())
    fence = fence_in("us-east-2", rds, clock)
    assert fence.role() == ("writer", "us-east-2")  # no answer yet: the database decides

    with pytest.raises(DatabaseReadOnlyError) as raised:
        fence.confirm(Answers(row))
    assert raised.value.headers == {"Retry-After": "30"}
    assert fence.role() == ("standby", None)  # still no answer: the database said read-only
    fence.confirm(Answers(["off", False]))
    assert fence.role() == ("writer", "us-east-2")


@pytest.mark.parametrize("rows", [[], [["off"]], [["off", False, "extra"]]])
def test_a_check_without_its_row_is_an_error_not_a_confirmation(rows: list[list[object]]) -> None:
    fence = fence_in("us-east-2", FakeRds(writer=USE2_ARN), Clock())

    with pytest.raises(RuntimeError, match="the read-only check returned no row"):
        fence.confirm(Answers(*rows))


def test_an_answer_overrides_the_databases_last_word_for_the_role() -> None:
    fence = fence_in("us-east-2", FakeRds(writer=USE1_ARN), Clock())
    fence.confirm(Answers(["off", False]))

    assert fence.role() == ("standby", "us-east-1")
