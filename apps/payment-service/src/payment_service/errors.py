"""Errors the service raises, each mapped to an HTTP status and a machine-readable code."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})

#: Seconds a client should wait before retrying when the database is unreachable.
RETRY_AFTER_UNAVAILABLE_SECONDS = 5
#: Seconds a client should wait before retrying when this region's database is a read-only
#: standby. DNS failover or a promotion is expected to change the answer within this window.
RETRY_AFTER_READ_ONLY_SECONDS = 30
#: Seconds a client should wait before retrying when a statement hit a lock or statement
#: timeout (another transaction holds the row, typically a concurrent request with the same
#: idempotency key).
RETRY_AFTER_BUSY_SECONDS = 1
#: Seconds a client should wait before asking a standby again for a payment it has not found
#: while its replication lag is unknown.
RETRY_AFTER_REPLICATING_UNKNOWN_SECONDS = 5
#: Bounds of the Retry-After of a payment that may still be replicating: the replication lag
#: rounded up, at least one second and at most this many.
RETRY_AFTER_REPLICATING_MAX_SECONDS = 30


class ConfigError(Exception):
    """The runtime configuration (environment variables, CA bundle) is invalid."""


class ServiceError(Exception):
    """An error with a defined API response: HTTP status, error code and message."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.headers: Mapping[str, str] = headers if headers is not None else _NO_HEADERS


class BadRequestError(ServiceError):
    """The request is malformed or fails validation (400)."""

    status = 400
    code = "invalid_request"


class UnauthorizedError(ServiceError):
    """The request carries no client identity from the API's authorizer (401)."""

    status = 401
    code = "client_not_identified"


class NotFoundError(ServiceError):
    """The route or the resource does not exist (404)."""

    status = 404
    code = "not_found"


class MethodNotAllowedError(ServiceError):
    """The route exists but not for this HTTP method (405)."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, method: str, allowed: tuple[str, ...]) -> None:
        super().__init__(
            f"method {method} is not allowed here; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )


class IdempotencyConflictError(ServiceError):
    """The idempotency key was already used with a different request body (409)."""

    status = 409
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different request body",
            field="Idempotency-Key",
        )


class PayloadTooLargeError(ServiceError):
    """The request body is larger than the API accepts (413)."""

    status = 413
    code = "body_too_large"


class UnsupportedMediaTypeError(ServiceError):
    """The request body is not JSON (415)."""

    status = 415
    code = "unsupported_media_type"


class ServiceUnavailableError(ServiceError):
    """This region cannot serve the request right now (503, with Retry-After)."""

    status = 503
    code = "service_unavailable"
    retry_after_seconds = RETRY_AFTER_UNAVAILABLE_SECONDS

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": str(self.retry_after_seconds)})


class DatabaseUnavailableError(ServiceUnavailableError):
    """The database could not be reached, or kept failing with transient errors."""

    code = "database_unavailable"


class DatabaseReadOnlyError(ServiceUnavailableError):
    """The database in this region is a read-only standby; writes are refused."""

    code = "database_read_only"
    retry_after_seconds = RETRY_AFTER_READ_ONLY_SECONDS


class DatabaseBusyError(ServiceUnavailableError):
    """A lock or statement timeout (SQLSTATE 55P03 or 57014): the work was rolled back."""

    code = "database_busy"
    retry_after_seconds = RETRY_AFTER_BUSY_SECONDS


class PaymentMayBeReplicatingError(ServiceUnavailableError):
    """A standby's reader has no row for the id, and the replication lag does not rule out a
    payment committed in the writer region that has not reached this region yet (503).

    ``Retry-After`` is the lag rounded up to whole seconds, bounded to 1 to
    :data:`RETRY_AFTER_REPLICATING_MAX_SECONDS`; :data:`RETRY_AFTER_REPLICATING_UNKNOWN_SECONDS`
    when the lag is unknown.
    """

    code = "payment_may_be_replicating"

    def __init__(self, lag_seconds: float | None) -> None:
        self.lag_seconds = lag_seconds
        self.retry_after_seconds = retry_after_for_lag(lag_seconds)
        super().__init__(
            "no payment with this id has reached this region's database yet, and one committed "
            "in the writer region may still be replicating; retry later"
        )


def retry_after_for_lag(lag_seconds: float | None) -> int:
    """Seconds to wait for a replication lag: rounded up, bounded to 1 to
    :data:`RETRY_AFTER_REPLICATING_MAX_SECONDS`; the unknown-lag value for ``None``."""
    if lag_seconds is None:
        return RETRY_AFTER_REPLICATING_UNKNOWN_SECONDS
    return min(RETRY_AFTER_REPLICATING_MAX_SECONDS, max(1, math.ceil(lag_seconds)))


class SecretUnavailableError(ServiceUnavailableError):
    """Secrets Manager did not answer, or answered with a server-side or throttling error."""

    code = "secret_unavailable"


class SecretMisconfiguredError(ServiceError):
    """The database secret is missing, unreadable or not in the expected format (500).

    Retrying does not help: an operator must fix the secret, its KMS key or the function's
    permissions. ``code`` says which (``secret_not_found``, ``secret_access_denied``,
    ``secret_malformed``).
    """

    status = 500
    code = "secret_misconfigured"
