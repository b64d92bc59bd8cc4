"""Payment API Lambda handler for API Gateway REST proxy events.

Routes:

* ``POST /payments``: create a payment exactly once per ``Idempotency-Key``.
* ``GET /payments/{id}``: read a payment.
* ``GET /health``: deep health check (database writer, DynamoDB reachable).

The handler keeps its dependencies (database connection, AWS clients) in a module-level
service built at the first invocation and reused by later ones.

Every request runs against a deadline: the invocation's remaining time (Lambda context) minus
``REQUEST_DEADLINE_MARGIN_MS``; ``GET /health`` also against ``HEALTH_BUDGET_MS``. Each
dependency call gets only what is left of it (see :mod:`payment_service.deadline`). For
``POST /payments`` the database commit is the last step that decides the answer: after it only
the optional DynamoDB record is written, and only when the deadline leaves room for the
call's worst case.

Payments belong to the client the API's authorizer identified (``requestContext.authorizer
.clientId``; never a value of the request): an idempotency key is the client's own, and
``GET /payments/{id}`` answers only the client that created the payment (``404`` to every
other). A request without that identity is refused (``401 client_not_identified``).

``GET /payments/{id}`` in a region that is not the writer (the write fence names another
cluster) reads this region's reader endpoint, never the other region, and never answers ``404``
for an id that may still be replicating. When the reader has no row for the id (for this
client), the same connection reads this region's replication lag
(:meth:`payment_service.db.Database.replication_lag`): ``rpo_lag_in_msec`` of this region's row
of ``aurora_global_db_status()`` (Aurora User Guide, "aurora_global_db_status": one row per
cluster of the global database; the time between the most recent commit stored in that
cluster and the most recent commit on the primary; -1 for the primary), else ``now() -
pg_last_xact_replay_timestamp()`` (PostgreSQL documentation, "Recovery Information Functions":
the time stamp, taken on the primary, of the last transaction replayed). A payment committed
in the writer region before the request started is visible on the reader once the lag measured
has passed. So:

* the lag is known and waiting it out, ``max(lag, 0) + STANDBY_READ_MARGIN_SECONDS``, is at
  most ``STANDBY_READ_WAIT_SECONDS`` (1 s) and leaves ``STANDBY_REREAD_RESERVE_SECONDS`` of the
  deadline for a second read: wait that long (``PaymentService.sleep``) and read the row (and,
  when it is still missing, the lag) again. Found: ``200``. Still missing while the lag now
  read is at most the time waited (the reader has replayed past the first reading, which came
  after the request started): ``404``. Still missing while the lag is unknown or grew beyond
  the time waited (replication slowed or stopped meanwhile): ``503`` as below.
* the lag is unknown (no source answers, or the reader is not in recovery) or too large to
  wait out: ``503 payment_may_be_replicating`` with ``Retry-After`` the lag rounded up to whole
  seconds, 1 to 30 (5 when unknown).

Another client's payment is "no row" for the caller, so it gets the same answers. In the writer
region a missing row is ``404`` at once. A write in a standby is refused by the fence (``503
not_writer_region``). With the replay time stamp as the source, a writer that commits nothing
makes the lag grow with the time since its last commit, so a standby answers ``503`` rather
than ``404`` until the next commit has replicated; Aurora's ``rpo_lag_in_msec`` has no such
effect.

A payment's id follows from the request (:mod:`payment_service.payment_ids`): the same client,
key and body give the same id in either region, with or without DynamoDB, before and after a
failover. A replay is answered only from a row in the database this region writes to, inside
a write transaction (so the write fence decides, as for a new payment). A retry whose row is
missing there (the writer's last commits were lost in an unplanned failover) is processed
again under the id of the DynamoDB record when there is one, else under the derived id, which
is the same: the client's retry gets ``201`` (not marked as a replay) and ``GET
/payments/{id}`` finds the payment again. A record whose request hash differs answers ``409``
without the database.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from payment_service import bounded
from payment_service import logging as service_logging
from payment_service.aws import CallTimeouts, dynamodb_client, secrets_manager_client
from payment_service.config import Settings
from payment_service.db import Database, sqlstate
from payment_service.db_auth import IamAuthCredentials, TokenSigner, rds_token_signer
from payment_service.deadline import Deadline
from payment_service.errors import (
    RETRY_AFTER_UNAVAILABLE_SECONDS,
    BadRequestError,
    ConfigError,
    IdempotencyConflictError,
    MethodNotAllowedError,
    NotFoundError,
    PaymentMayBeReplicatingError,
    ServiceError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from payment_service.failover.clients import boto3_client
from payment_service.gateway import (
    ApiRequest,
    error_response,
    json_response,
    parse_event,
)
from payment_service.health import check_health
from payment_service.idempotency_cache import (
    CachedResult,
    CacheGuard,
    DynamoDbIdempotencyStore,
    IdempotencyStore,
    scoped_key,
)
from payment_service.payment_ids import PaymentIds, SecretIdKey
from payment_service.repository import Payment, PaymentRepository, ReplicaRead
from payment_service.secrets import CredentialsProvider, SecretCache
from payment_service.validation import parse_payment_request, validate_idempotency_key
from payment_service.writer import RDS_CALL_TIMEOUTS, GlobalWriterStatus, WriteFence

if TYPE_CHECKING:
    from payment_service.health import DatabaseProbe, TableProbe

#: Response header set when the response replays an earlier result for the same key.
REPLAY_HEADER = "Idempotent-Replayed"
#: The payment API function's timeout in production (PaymentFunctionsProps.api_timeout_seconds);
#: the budget of a request when no Lambda context tells the remaining time (local runs).
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 15.0
#: A payment id in canonical UUID form: 8-4-4-4-12 hexadecimal digits (either case).
CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)

#: Longest wait for replication before a standby's reader may answer ``404``: above it (or
#: when the deadline has no room for the wait) a missing payment is ``503
#: payment_may_be_replicating``. Aurora global databases typically replicate within a second
#: (Aurora User Guide, "Using Amazon Aurora Global Database").
STANDBY_READ_WAIT_SECONDS = 1.0
#: Added to the replication lag before the second read: the lag is read once and rounded, and
#: the reader instance applies what its cluster volume received a little later.
STANDBY_READ_MARGIN_SECONDS = 0.1
#: Deadline left after the wait for the second read (its connect reuse, statement timeout
#: setting and select): a wait that would leave less answers ``503`` at once.
STANDBY_REREAD_RESERVE_SECONDS = 0.5

_log = service_logging.get_logger("payment_service.api")


@dataclass(frozen=True)
class PaymentService:
    """The API's dependencies and request handling."""

    region: str
    repository: PaymentRepository
    database: DatabaseProbe
    idempotency_store: IdempotencyStore
    sessions_table: TableProbe
    cache_guard: CacheGuard = field(default_factory=CacheGuard)
    """Timeout budget and circuit breaker of the optional DynamoDB cache."""
    deadline_margin_seconds: float = 1.0
    """Kept back from the invocation's remaining time for answering."""
    health_budget_seconds: float = 1.5
    """Longest time ``GET /health`` may take."""
    fallback_timeout_seconds: float = DEFAULT_FUNCTION_TIMEOUT_SECONDS
    """The invocation's time when no Lambda context is passed."""
    fence: WriteFence | None = None
    """This region's role for ``/health`` and for choosing where reads go; the same fence is
    the :class:`~payment_service.db.WriteGuard` of the writer database, which refuses writes
    (503) unless this region's cluster writes. ``None``: a single database (local runs)."""
    reader: DatabaseProbe | None = None
    """This region's reader endpoint, probed by ``/health`` while the region is a standby."""
    reader_repository: PaymentRepository | None = None
    """Payments read through this region's reader endpoint: ``GET /payments/{id}`` while the
    region is a standby (its cluster endpoint is inactive; reads never cross regions)."""
    payment_ids: PaymentIds = field(default_factory=PaymentIds.for_local_runs)
    """Derives new payments' ids. The default's key is published (local runs and tests);
    :func:`build_service` always uses the id key secret of this region."""
    standby_read_wait_seconds: float = STANDBY_READ_WAIT_SECONDS
    """Longest wait for replication before a standby answers ``404`` for a payment its reader
    does not have (see the module docstring)."""
    sleep: Callable[[float], None] = time.sleep
    """Waits out the replication lag of a standby read."""
    clock: Callable[[], float] = time.monotonic
    """Monotonic clock of every request's deadline."""

    def handle(self, event: Mapping[str, object], context: object = None) -> dict[str, object]:
        """Handle one proxy event within the deadline taken from ``context``; never raises."""
        started = time.perf_counter()
        deadline = Deadline.from_context(
            context,
            margin_seconds=self.deadline_margin_seconds,
            fallback_seconds=self.fallback_timeout_seconds,
            clock=self.clock,
        )
        request = parse_event(event)
        service_logging.bind_request(request_id=request.request_id, region=self.region)
        route = "unknown"
        try:
            route, action = self._route(request, deadline)
            response = action()
        except ServiceError as exc:
            response = error_response(exc, request_id=request.request_id)
            _log.info("request_rejected", code=exc.code, status=exc.status)
        except Exception as exc:
            code = sqlstate(exc)
            if code is None:
                _log.exception("request_failed", error_type=type(exc).__name__)
            else:  # server messages can quote row values: log the SQLSTATE only
                _log.error("request_failed", error_type=type(exc).__name__, sqlstate=code)
            response = error_response(
                ServiceError("internal error", code="internal_error"),
                request_id=request.request_id,
            )
        _log.info(
            "request_completed",
            method=request.method,
            route=route,
            status=response["statusCode"],
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return response

    def _route(
        self, request: ApiRequest, deadline: Deadline
    ) -> tuple[str, Callable[[], dict[str, object]]]:
        """The route template and the action serving the request (405/404 when none)."""
        segments = [part for part in request.path.split("/") if part]
        if segments == ["health"]:
            self._allow(request, ("GET",))
            return "/health", lambda: self._health(request, deadline)
        if segments == ["payments"]:
            self._allow(request, ("POST",))
            return "/payments", lambda: self._create(request, deadline)
        if len(segments) == 2 and segments[0] == "payments":
            self._allow(request, ("GET",))
            return "/payments/{id}", lambda: self._get(request, segments[1], deadline)
        raise NotFoundError("no such route", code="route_not_found")

    @staticmethod
    def _allow(request: ApiRequest, methods: tuple[str, ...]) -> None:
        if request.method not in methods:
            raise MethodNotAllowedError(request.method or "(none)", methods)

    def _health(self, request: ApiRequest, deadline: Deadline) -> dict[str, object]:
        budget = deadline.narrowed(self.health_budget_seconds)
        global_role = self.fence.role(budget) if self.fence is not None else None
        database = self.database
        if global_role is not None and global_role[0] != "writer" and self.reader is not None:
            database = self.reader
        report = check_health(
            database,
            self.sessions_table,
            self.region,
            deadline=budget,
            cache_guard=self.cache_guard,
            global_role=global_role,
        )
        headers = (
            {}
            if report.status_code == 200
            else {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
        )
        _log.info("health_checked", status=report.status_code, role=report.body.get("role"))
        return json_response(
            report.status_code, report.body, request_id=request.request_id, headers=headers
        )

    @staticmethod
    def _client(request: ApiRequest) -> str:
        """The client the authorizer identified; :class:`UnauthorizedError` without one."""
        if request.client_id is None:
            raise UnauthorizedError(
                "the request carries no client identity (the API's authorizer sets it)"
            )
        service_logging.bind(client_id=request.client_id)
        return request.client_id

    def _create(self, request: ApiRequest, deadline: Deadline) -> dict[str, object]:
        client_id = self._client(request)
        key = validate_idempotency_key(request.header_values("Idempotency-Key"))
        service_logging.bind(idempotency_key=key)
        content_type = (request.header("Content-Type") or "application/json").lower()
        if content_type.split(";")[0].strip() != "application/json":
            raise UnsupportedMediaTypeError("Content-Type must be application/json")
        payment_request = parse_payment_request(request.body())
        request_hash = payment_request.request_hash()
        scope = scoped_key(client_id, key)

        cached = self.cache_guard.call(
            "get_item", lambda: self.idempotency_store.get(scope), deadline
        ).value
        record_id: uuid.UUID | None = None
        if cached is not None:
            if cached.request_hash != request_hash:
                raise IdempotencyConflictError()
            # A record is only a hint: it replicates on its own (global table) and can outlive
            # the row when an unplanned failover loses the writer's last commits. The replay
            # is confirmed in the database this region writes to; a missing row is created
            # again under the id the record holds (the id the client was given).
            record_id = _parse_uuid(cached.payment_id)

        def new_id() -> uuid.UUID:
            if record_id is not None:
                return record_id
            return self.payment_ids.derive(client_id, key, request_hash, deadline=deadline)

        # One write transaction, replays included: the writer database's guard (the fence)
        # refuses with 503 + Retry-After unless this region's cluster writes, and writes only
        # over a connection to its cluster endpoint.
        outcome = self.repository.create(
            client_id, key, payment_request, self.region, new_id=new_id, deadline=deadline
        )
        # Committed: from here on nothing may turn the answer into an error.
        payment = outcome.payment
        payload = payment.to_json()
        response = json_response(
            201,
            payload,
            request_id=request.request_id,
            headers=self._payment_headers(str(payment.id), replayed=not outcome.created),
        )
        body = response["body"]
        if cached is None and isinstance(body, str):
            record = CachedResult(request_hash, str(payment.id), 201, body)
            self.cache_guard.call(
                "put_item", lambda: self.idempotency_store.put(scope, record), deadline
            )
        if record_id is not None and outcome.created:
            _log.warning(
                "payment_reprocessed",
                payment_id=str(payment.id),
                reason="idempotency_record_without_row",
            )
        elif record_id is not None and payment.id != record_id:
            _log.warning(
                "idempotency_record_stale",
                payment_id=str(payment.id),
                record_payment_id=str(record_id),
            )
        _log.info(
            "payment_created" if outcome.created else "payment_replayed",
            payment_id=str(payment.id),
            source="database",
        )
        return response

    @staticmethod
    def _payment_headers(payment_id: str, *, replayed: bool) -> dict[str, str]:
        headers = {"Location": f"/payments/{payment_id}"}
        if replayed:
            headers[REPLAY_HEADER] = "true"
        return headers

    def _get(self, request: ApiRequest, raw_id: str, deadline: Deadline) -> dict[str, object]:
        client_id = self._client(request)
        if not CANONICAL_UUID.fullmatch(raw_id):
            raise BadRequestError(
                "payment id must be a UUID in canonical form "
                "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)",
                code="invalid_payment_id",
                field="id",
            )
        payment_id = uuid.UUID(raw_id)
        # Only the client that created it: any other gets the same answer as for no payment,
        # so an id tells nobody else whether it exists.
        if (
            self.fence is not None
            and self.reader_repository is not None
            and self.fence.role(deadline)[0] != "writer"
        ):
            payment = self._read_standby(self.reader_repository, payment_id, client_id, deadline)
        else:
            payment = self.repository.get(payment_id, client_id, deadline=deadline)
        if payment is None:
            raise NotFoundError("no payment with this id", code="payment_not_found")
        return json_response(200, payment.to_json(), request_id=request.request_id)

    def _read_standby(
        self,
        reader: PaymentRepository,
        payment_id: uuid.UUID,
        client_id: str,
        deadline: Deadline,
    ) -> Payment | None:
        """The payment from this region's reader; ``None`` only when replication cannot hold
        it back any more; :class:`PaymentMayBeReplicatingError` when it may (module docstring).
        """
        first = reader.get_on_replica(payment_id, client_id, deadline=deadline)
        if first.payment is not None:
            return first.payment
        lag = _lag_seconds(first)
        wait = None if lag is None else max(lag, 0.0) + STANDBY_READ_MARGIN_SECONDS
        if (
            wait is None
            or wait > self.standby_read_wait_seconds
            or not deadline.allows(wait + STANDBY_REREAD_RESERVE_SECONDS)
        ):
            raise _may_be_replicating(first, waited_seconds=0.0)
        self.sleep(wait)
        second = reader.get_on_replica(payment_id, client_id, deadline=deadline)
        if second.payment is not None:
            _log.info("standby_read_found_after_wait", waited_ms=round(wait * 1000, 1))
            return second.payment
        after = _lag_seconds(second)
        if after is None or after > wait:
            raise _may_be_replicating(second, waited_seconds=wait)
        return None


def _lag_seconds(read: ReplicaRead) -> float | None:
    return read.lag.seconds if read.lag is not None else None


def _may_be_replicating(read: ReplicaRead, *, waited_seconds: float) -> ServiceError:
    """The ``503`` for a payment a standby has not found and cannot yet rule out."""
    lag = read.lag
    _log.warning(
        "standby_read_deferred",
        lag_seconds=lag.seconds if lag is not None else None,
        lag_source=lag.source if lag is not None else None,
        lag_unavailable=lag.unavailable if lag is not None else None,
        waited_ms=round(waited_seconds * 1000, 1),
    )
    return PaymentMayBeReplicatingError(_lag_seconds(read))


def _parse_uuid(text: str) -> uuid.UUID | None:
    """``text`` as a UUID, or ``None`` when a record holds something else."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def build_service(settings: Settings) -> PaymentService:
    """Wire the real dependencies (pg8000, Secrets Manager, DynamoDB, RDS) from settings."""
    credentials: CredentialsProvider
    db = settings.database
    secrets_manager = secrets_manager_client(settings.region)
    rds: Any = None
    fence: WriteFence | None = None
    if db.cluster_id is not None and db.global_cluster_id is not None:
        # One RDS client of this region: DescribeGlobalClusters through this region's endpoint
        # (bounded, one attempt) and local signing of IAM tokens.
        rds = boto3_client("rds", settings.region, RDS_CALL_TIMEOUTS.limits())
        status = GlobalWriterStatus(rds, db.global_cluster_id, settings.region, db.cluster_id)
        fence = WriteFence(settings.region, db.cluster_id, db.host, status)
    reader: Database | None = None
    if db.iam_user is not None:
        signer: TokenSigner = rds if rds is not None else rds_token_signer(settings.region)
        credentials = IamAuthCredentials(
            signer, host=db.host, port=db.port, user=db.iam_user, region=settings.region
        )
        if db.reader_host is not None:
            reader_credentials = IamAuthCredentials(
                signer,
                host=db.reader_host,
                port=db.port,
                user=db.iam_user,
                region=settings.region,
            )
            reader = Database(
                replace(db, host=db.reader_host), reader_credentials, lag_region=settings.region
            )
    else:
        credentials = SecretCache(
            secrets_manager,
            settings.database.secret_arn,
            ttl_seconds=settings.database.secret_ttl_seconds,
        )
    database = Database(settings.database, credentials, guard=fence, lag_region=settings.region)
    cache_timeout = settings.cache_timeout_ms / 1000
    cache_timeouts = CallTimeouts(connect_seconds=cache_timeout, read_seconds=cache_timeout)
    store = DynamoDbIdempotencyStore(
        dynamodb_client(settings.region, cache_timeouts),
        settings.session_table_name,
        ttl_seconds=settings.idempotency_ttl_seconds,
        dns_seconds=cache_timeouts.connect_seconds,
    )
    return PaymentService(
        region=settings.region,
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=store,
        sessions_table=store,
        cache_guard=CacheGuard(call_seconds=cache_timeouts.worst_case_seconds),
        deadline_margin_seconds=settings.deadline_margin_ms / 1000,
        health_budget_seconds=settings.health_budget_ms / 1000,
        fence=fence,
        reader=reader,
        reader_repository=PaymentRepository(reader) if reader is not None else None,
        payment_ids=PaymentIds(SecretIdKey(secrets_manager, settings.payment_id_key_secret_arn)),
    )


_service: PaymentService | None = None


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point (``payment_service.api.handler``)."""
    global _service
    if _service is None:
        try:
            settings = Settings.from_env(os.environ)
            service_logging.configure_logging(settings.log_level)
            _service = build_service(settings)
            # Whether dependency calls are cut at the deadline as a whole (the handler runs in
            # the main thread: payment_service.bounded); the first deployment's logs show it.
            _log.info("whole_call_deadline", enforced=bounded.enforced())
        except ConfigError as exc:
            service_logging.configure_logging()
            request_id = parse_event(event).request_id
            service_logging.bind_request(
                request_id=request_id, region=os.environ.get("AWS_REGION", "")
            )
            _log.error("configuration_invalid", detail=str(exc))
            return error_response(
                ServiceError("the service is misconfigured", code="service_misconfigured"),
                request_id=request_id,
            )
    return _service.handle(event, context)
