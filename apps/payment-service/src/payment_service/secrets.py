"""Database credentials from AWS Secrets Manager, cached with a time-to-live.

The secret is JSON with at least ``username`` and ``password`` (the format RDS and Aurora
use). Credentials are reused for ``ttl_seconds`` and fetched again earlier when the caller
asks for a refresh, which the database layer does after an authentication failure (for
example right after a rotation).

Failures are classified here, so that the API answers with what actually went wrong:

* the secret does not exist, is scheduled for deletion, cannot be decrypted, or the function
  may not read it (``ResourceNotFoundException``, ``InvalidRequestException``,
  ``InvalidParameterException``, ``DecryptionFailure``, ``AccessDeniedException``, the errors
  GetSecretValue documents:
  https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html),
  or it does not hold the expected JSON: :class:`SecretMisconfiguredError` (500, no retry);
* anything else (``InternalServiceError``, throttling, a connection or read timeout, a call
  still unfinished after ``call_seconds`` however its bytes arrive, an answer cut short): the
  service is unavailable, :class:`SecretUnavailableError` (503 ``secret_unavailable``), after
  at most one more attempt when the request deadline leaves room for it. A warm function whose
  cached credentials merely aged past the TTL keeps using them meanwhile.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import SECRETS_MANAGER_TIMEOUTS, error_code
from payment_service.bounded import call_within
from payment_service.deadline import Deadline
from payment_service.errors import (
    ConfigError,
    SecretMisconfiguredError,
    SecretUnavailableError,
)
from payment_service.logging import get_logger
from payment_service.resolver import check_client_endpoint

if TYPE_CHECKING:
    from payment_service.aws import SecretsManagerClient

#: GetSecretValue errors that retrying cannot fix, and the API error code each maps to.
MISCONFIGURATION_CODES = {
    "ResourceNotFoundException": "secret_not_found",
    "InvalidRequestException": "secret_not_found",
    "InvalidParameterException": "secret_not_found",
    "DecryptionFailure": "secret_access_denied",
    "AccessDeniedException": "secret_access_denied",
}
#: Attempts at GetSecretValue per request (each a single botocore attempt).
MAX_ATTEMPTS = 2

_log = get_logger("payment_service.secrets")


@dataclass(frozen=True)
class DbCredentials:
    """A database user name and password. The password never appears in ``repr``."""

    username: str
    password: str = field(repr=False)


class CredentialsProvider(Protocol):
    """Anything that hands out database credentials."""

    def get(
        self, *, force_refresh: bool = False, deadline: Deadline | None = None
    ) -> DbCredentials:
        """Current credentials; ``force_refresh`` bypasses any cache.

        A fetch starts only when ``deadline`` leaves room for it.
        """
        ...


class IncompleteResponseError(Exception):
    """A GetSecretValue answer without the fields every answer has (``ARN``, ``Name``): the
    connection was cut mid-answer, so the secret is unavailable, not malformed."""


def get_secret_value(
    client: SecretsManagerClient,
    secret_id: str,
    *,
    call_seconds: float,
    deadline: Deadline | None,
) -> Mapping[str, object]:
    """One GetSecretValue call that ends within ``call_seconds`` and the deadline as a whole
    (:mod:`payment_service.bounded`), and whose answer is complete.

    Every GetSecretValue response names the secret (``ARN``, ``Name``: Secrets Manager API
    Reference, GetSecretValue, "Response Syntax"); a connection cut after the status line can
    reach botocore as an empty 200, which has neither: :class:`IncompleteResponseError`, for
    the caller to count as unavailable (retried), never as a malformed secret.
    """
    bound = Deadline.after(call_seconds) if deadline is None else deadline.narrowed(call_seconds)

    def call() -> Mapping[str, object]:
        # The endpoint's name first, never waited on past the bound: botocore's own lookup
        # cannot be interrupted (payment_service.resolver.EndpointNames).
        check_client_endpoint(client, call_seconds)
        return client.get_secret_value(SecretId=secret_id)

    response = call_within(bound, "secretsmanager GetSecretValue", call)
    if not isinstance(response.get("ARN"), str) or not isinstance(response.get("Name"), str):
        raise IncompleteResponseError("GetSecretValue answered without ARN and Name")
    return response


class SecretReadError(Exception):
    """A secret's string could not be read (:func:`read_secret_string`)."""

    def __init__(self, reason: str, *, aws_error: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.aws_error = aws_error
        """The GetSecretValue error code that retrying cannot fix (a key of
        :data:`MISCONFIGURATION_CODES`), or ``None``."""

    @property
    def misconfigured(self) -> bool:
        """True when retrying cannot help: an operator must fix the secret, its KMS key or the
        function's permissions, or write the secret's string."""
        return self.aws_error is not None or self.reason == NO_SECRET_STRING


#: :class:`SecretReadError` reason of a secret that holds no string (binary, or no value).
NO_SECRET_STRING = "no SecretString"  # noqa: S105 (a reason, not a password)


def read_secret_string(
    client: SecretsManagerClient,
    secret_id: str,
    *,
    call_seconds: float,
    deadline: Deadline | None,
    event: str,
) -> str:
    """The secret's string, in at most :data:`MAX_ATTEMPTS` calls of :func:`get_secret_value`,
    each started only when ``deadline`` leaves ``call_seconds``.

    A misconfiguration answer (:data:`MISCONFIGURATION_CODES`) or a secret without a string is
    not retried; anything else (unavailable, throttled, cut short, too slow) is, once. Each
    failed attempt is logged as ``event`` (the caller's name for it). Raises
    :class:`SecretReadError`.
    """
    reason = "deadline"
    for attempt in range(MAX_ATTEMPTS):
        if deadline is not None and not deadline.allows(call_seconds):
            break
        try:
            response = get_secret_value(
                client, secret_id, call_seconds=call_seconds, deadline=deadline
            )
        except Exception as exc:
            code = error_code(exc)
            if code in MISCONFIGURATION_CODES:
                raise SecretReadError(code, aws_error=code) from None
            reason = code or type(exc).__name__
            _log.warning(event, reason=reason, attempt=attempt + 1)
            continue
        value = response.get("SecretString")
        if not isinstance(value, str):
            raise SecretReadError(NO_SECRET_STRING)
        return value
    raise SecretReadError(reason)


class SecretFormatError(ConfigError):
    """The secret exists but does not hold ``{"username": ..., "password": ...}``."""


def parse_credentials(secret_string: str) -> DbCredentials:
    """Parse a Secrets Manager string. Error messages never include the secret's content."""
    try:
        document: object = json.loads(secret_string)
    except ValueError:
        raise SecretFormatError("the database secret is not valid JSON") from None
    if not isinstance(document, dict):
        raise SecretFormatError("the database secret must be a JSON object")
    username = document.get("username")
    password = document.get("password")
    if not isinstance(username, str) or not username:
        raise SecretFormatError("the database secret has no non-empty string 'username'")
    if not isinstance(password, str) or not password:
        raise SecretFormatError("the database secret has no non-empty string 'password'")
    return DbCredentials(username=username, password=password)


class StaticCredentials:
    """Fixed credentials (local runs and tests)."""

    def __init__(self, credentials: DbCredentials) -> None:
        self._credentials = credentials

    def get(
        self, *, force_refresh: bool = False, deadline: Deadline | None = None
    ) -> DbCredentials:
        """The fixed credentials."""
        return self._credentials


class SecretCache:
    """Credentials from one Secrets Manager secret, cached for ``ttl_seconds``.

    ``call_seconds`` is the longest one GetSecretValue call can take (the client's connect
    plus read timeout, with a single botocore attempt): a call starts only when the request
    deadline leaves that much.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        ttl_seconds: float = 300.0,
        call_seconds: float = SECRETS_MANAGER_TIMEOUTS.worst_case_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl_seconds
        self._call_seconds = call_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: DbCredentials | None = None
        self._fetched_at = 0.0

    def get(
        self, *, force_refresh: bool = False, deadline: Deadline | None = None
    ) -> DbCredentials:
        """Cached credentials, fetched again when stale or when ``force_refresh`` is set.

        Raises :class:`SecretMisconfiguredError` or :class:`SecretUnavailableError`. When the
        cached credentials are only older than the TTL (not refused by the database) and
        Secrets Manager is unavailable, the cached credentials are returned.
        """
        with self._lock:
            now = self._clock()
            fresh = self._cached is not None and now - self._fetched_at < self._ttl
            if self._cached is not None and fresh and not force_refresh:
                return self._cached
            try:
                secret_string = self._fetch(deadline)
            except SecretUnavailableError:
                if self._cached is not None and not force_refresh:
                    _log.warning("secret_refresh_failed_using_cached")
                    return self._cached
                raise
            try:
                credentials = parse_credentials(secret_string)
            except SecretFormatError as exc:
                _log.error("secret_misconfigured", code="secret_malformed", detail=str(exc))
                raise SecretMisconfiguredError(
                    "the database secret is not in the expected format", code="secret_malformed"
                ) from None
            self._cached = credentials
            self._fetched_at = now
            return credentials

    def invalidate(self) -> None:
        """Forget the cached credentials; the next :meth:`get` fetches them."""
        with self._lock:
            self._cached = None

    def _fetch(self, deadline: Deadline | None) -> str:
        try:
            return read_secret_string(
                self._client,
                self._secret_id,
                call_seconds=self._call_seconds,
                deadline=deadline,
                event="secret_fetch_failed",
            )
        except SecretReadError as exc:
            if exc.aws_error is not None:
                api_code = MISCONFIGURATION_CODES[exc.aws_error]
                _log.error("secret_misconfigured", code=api_code, aws_error=exc.aws_error)
                raise SecretMisconfiguredError(
                    "the database secret cannot be read; check the secret, its KMS key "
                    "and the function's permissions",
                    code=api_code,
                ) from None
            if exc.misconfigured:
                _log.error("secret_misconfigured", code="secret_malformed", detail="no string")
                raise SecretMisconfiguredError(
                    "the database secret has no SecretString", code="secret_malformed"
                ) from None
            reason = exc.reason
        _log.error("secret_unavailable", reason=reason)
        raise SecretUnavailableError("the database credentials are unavailable; retry later")
