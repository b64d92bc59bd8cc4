"""Idempotency records in the DynamoDB sessions table: a fast path in front of the database.

Item layout (one item per client and idempotency key):

* ``pk`` (S, partition key): ``IDEMPOTENCY#<client id>#<idempotency key>`` (neither contains
  ``#``; records written before keys belonged to clients, ``IDEMPOTENCY#<key>``, are never
  read and expire with their TTL)
* ``sk`` (S, sort key): ``RESULT``
* ``request_hash`` (S): SHA-256 of the canonical request
* ``payment_id`` (S): the payment's id
* ``status_code`` (N): HTTP status of the original response
* ``response`` (S): the original response body (payment JSON)
* ``created_at`` (N): epoch seconds when the record was written
* ``expires_at`` (N): epoch seconds; the table's TTL attribute

PostgreSQL stays the source of truth for exactly-once: a record is written only after the
payment transaction committed, first writer wins (conditional put), and a missing, expired
or unreadable record only means the request goes to the database. A hit with a different
request hash rejects the reuse of the key without the database; a hit with the same hash is
only a hint, confirmed in the writer before a replay (the record replicates on its own and can
outlive a row an unplanned failover lost; see :mod:`payment_service.api`).

The cache is optional and is treated as such (:class:`CacheGuard`): every call is a single
attempt with short socket timeouts, starts only when the request deadline leaves room for its
worst case, is interrupted when that worst case has passed (:mod:`payment_service.bounded`: a
table trickling its answer cannot hold the request), and a circuit breaker skips the cache
for a cool-down period after it fails, so a DynamoDB outage costs one short timeout per
cool-down, not seconds per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from payment_service.aws import CallTimeouts, error_code, string_attribute
from payment_service.bounded import call_within
from payment_service.deadline import Deadline
from payment_service.logging import get_logger
from payment_service.resolver import check_client_endpoint

if TYPE_CHECKING:
    from payment_service.aws import AttributeValue, DynamoDbClient

T = TypeVar("T")

#: Socket timeouts of the DynamoDB client when IDEMPOTENCY_CACHE_TIMEOUT_MS is not set. A
#: GetItem or PutItem within the region answers in single-digit milliseconds.
DEFAULT_CACHE_TIMEOUTS = CallTimeouts(connect_seconds=0.25, read_seconds=0.25)
#: Seconds the cache is skipped after a failure before one request tries it again.
DEFAULT_COOLDOWN_SECONDS = 30.0

_log = get_logger("payment_service.idempotency_cache")

KEY_PREFIX = "IDEMPOTENCY#"
SORT_KEY = "RESULT"


@dataclass(frozen=True)
class CachedResult:
    """The original outcome of a request, as recorded in DynamoDB."""

    request_hash: str
    payment_id: str
    status_code: int
    response: str


class IdempotencyStore(Protocol):
    """Where idempotency results are cached, by :func:`scoped_key`."""

    def get(self, key: str) -> CachedResult | None:
        """The recorded result for ``key`` (a :func:`scoped_key`), or ``None``."""
        ...

    def put(self, key: str, result: CachedResult) -> None:
        """Record the result for ``key`` unless one is already recorded (first writer wins:
        a later request never replaces the outcome the first one recorded)."""
        ...


def scoped_key(client_id: str, key: str) -> str:
    """The key a store keeps a client's record under: ``<client id>#<idempotency key>``.

    Stores are keyed by this one string, so that one client's key never finds another's
    record."""
    return f"{client_id}#{key}"


def item_key(scoped: str) -> dict[str, AttributeValue]:
    """The primary key of the record for a :func:`scoped_key`."""
    return {"pk": {"S": KEY_PREFIX + scoped}, "sk": {"S": SORT_KEY}}


def _number(item: Mapping[str, object], name: str) -> int | None:
    value = item.get(name)
    if isinstance(value, Mapping):
        text = value.get("N")
        if isinstance(text, str) and text.isdigit():
            return int(text)
    return None


class DynamoDbIdempotencyStore:
    """Idempotency records in the sessions table."""

    def __init__(
        self,
        client: DynamoDbClient,
        table_name: str,
        *,
        ttl_seconds: int = 86400,
        clock: Callable[[], float] = time.time,
        dns_seconds: float = DEFAULT_CACHE_TIMEOUTS.connect_seconds,
    ) -> None:
        self._client = client
        self._dns_seconds = dns_seconds
        """The longest wait for the endpoint's name (:mod:`payment_service.resolver`)."""
        self._table = table_name
        self._ttl = ttl_seconds
        self._clock = clock

    @property
    def table_name(self) -> str:
        """The DynamoDB table name."""
        return self._table

    def get(self, key: str) -> CachedResult | None:
        """The unexpired record for ``key`` (TTL deletion is lazy, so expiry is checked)."""
        check_client_endpoint(self._client, self._dns_seconds)
        response = self._client.get_item(
            TableName=self._table, Key=item_key(key), ConsistentRead=True
        )
        item = response.get("Item")
        if not isinstance(item, Mapping):
            return None
        expires_at = _number(item, "expires_at")
        if expires_at is None or expires_at <= self._clock():
            return None
        request_hash = string_attribute(item, "request_hash")
        payment_id = string_attribute(item, "payment_id")
        body = string_attribute(item, "response")
        status_code = _number(item, "status_code")
        if request_hash is None or payment_id is None or body is None or status_code is None:
            return None
        return CachedResult(request_hash, payment_id, status_code, body)

    def put(self, key: str, result: CachedResult) -> None:
        """Write the record once; an existing record for the key is kept."""
        now = int(self._clock())
        item: dict[str, AttributeValue] = {
            **item_key(key),
            "request_hash": {"S": result.request_hash},
            "payment_id": {"S": result.payment_id},
            "status_code": {"N": str(result.status_code)},
            "response": {"S": result.response},
            "created_at": {"N": str(now)},
            "expires_at": {"N": str(now + self._ttl)},
        }
        try:
            check_client_endpoint(self._client, self._dns_seconds)
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def table_status(self) -> str:
        """``TableStatus`` from DescribeTable (``ACTIVE`` when the table serves requests)."""
        check_client_endpoint(self._client, self._dns_seconds)
        response = self._client.describe_table(TableName=self._table)
        table = response.get("Table")
        status = table.get("TableStatus") if isinstance(table, Mapping) else None
        return status if isinstance(status, str) else "UNKNOWN"


class NoIdempotencyStore:
    """A store that remembers nothing: every request goes to the database."""

    def get(self, key: str) -> CachedResult | None:
        """Always ``None``."""
        return None

    def put(self, key: str, result: CachedResult) -> None:
        """Discard the result."""


class CircuitBreaker:
    """Closed, open for ``cooldown_seconds`` after ``failure_threshold`` failures in a row,
    then half-open: one call is let through, and its outcome closes or re-opens the circuit."""

    def __init__(
        self,
        *,
        failure_threshold: int = 1,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold={failure_threshold} must be at least 1")
        if cooldown_seconds < 0:
            raise ValueError(f"cooldown_seconds={cooldown_seconds} must not be negative")
        self._threshold = failure_threshold
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self._cooldown:
                return "half_open"
            return "open"

    def allow(self) -> bool:
        """True when a call may be made now (closed, or the one trial call when half-open)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self._cooldown or self._trial_running:
                return False
            self._trial_running = True
            return True

    def record_success(self) -> None:
        """Close the circuit."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        """Count a failure; open (or re-open) the circuit at the threshold."""
        with self._lock:
            self._failures += 1
            self._trial_running = False
            if self._failures >= self._threshold or self._opened_at is not None:
                self._opened_at = self._clock()


@dataclass(frozen=True)
class CacheOutcome(Generic[T]):
    """What a guarded call returned, or why it returned nothing."""

    value: T | None
    error: str | None = None
    """``None`` on success; otherwise the AWS error code, the exception type,
    ``circuit_open`` or ``no_time_left``."""


class CacheGuard:
    """Runs calls to the optional cache: deadline first, circuit breaker, never raises."""

    def __init__(
        self,
        *,
        call_seconds: float = DEFAULT_CACHE_TIMEOUTS.worst_case_seconds,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.call_seconds = call_seconds
        """The longest one call can take (the client's connect plus read timeout)."""
        self.breaker = breaker or CircuitBreaker()

    def call(
        self, operation: str, function: Callable[[], T], deadline: Deadline | None
    ) -> CacheOutcome[T]:
        """``function()``, unless the circuit is open or the deadline has no room for it."""
        if deadline is not None and not deadline.allows(self.call_seconds):
            _log.info("idempotency_cache_skipped", operation=operation, reason="no_time_left")
            return CacheOutcome(None, "no_time_left")
        if not self.breaker.allow():
            _log.debug("idempotency_cache_skipped", operation=operation, reason="circuit_open")
            return CacheOutcome(None, "circuit_open")
        # The whole call, not each read, ends within call_seconds (a table answering in slow
        # chunks or a byte at a time): after a commit, the record write never holds the answer.
        bound = (
            Deadline.after(self.call_seconds)
            if deadline is None
            else deadline.narrowed(self.call_seconds)
        )
        try:
            value = call_within(bound, f"dynamodb {operation}", function)
        except Exception as exc:
            self.breaker.record_failure()
            reason = error_code(exc) or type(exc).__name__
            _log.warning(
                "idempotency_cache_failed",
                operation=operation,
                reason=reason,
                circuit=self.breaker.state,
            )
            return CacheOutcome(None, reason)
        self.breaker.record_success()
        return CacheOutcome(value)
