"""Lambda TOKEN authorizer of the payment API: client keys checked against hashed keys.

A client sends ``Authorization: Bearer <client id>.<key>``. The key is 32 random bytes in
unpadded base64url; the secret named by ``CLIENT_KEYS_SECRET_ARN`` (this region's copy:
the primary secret or its replica) holds only SHA-256 hashes of keys::

    {"clients": {"<client id>": ["<sha256 hex of key>", ...]}}

A client may have several hashes at once, which is how keys rotate without downtime
(add the new hash, move the client, remove the old hash). The decision depends only on
the token and the secret's value, which Secrets Manager replicates to the standby
region, so a token accepted in one region is accepted in the other with no change on
the client. The allow policy covers the payment routes of this API and stage (API
Gateway caches one decision per token for every method).

What API Gateway answers, by what the function does (API Gateway Developer Guide, "Use API
Gateway Lambda authorizers": a TOKEN authorizer that fails with the error message
``Unauthorized`` makes API Gateway answer 401, any other error 500; "Gateway response types
for API Gateway": ``UNAUTHORIZED`` 401, ``ACCESS_DENIED`` 403, ``AUTHORIZER_FAILURE`` 500,
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):

* malformed token, unknown client, wrong key: ``Exception("Unauthorized")``, 401;
* no client keys can be had (the secret cannot be read and no last-known-good keys are young
  enough, see below), or this client's own entry in the secret is malformed:
  ``RuntimeError``, ``AUTHORIZER_FAILURE``: the server's fault, never "wrong key". The stack
  answers it 503 with ``Retry-After`` (packages/edge, ``TokenAuthorizer``; API Gateway's
  default is 500);
* the function never returns a Deny policy (which would be 403, ``ACCESS_DENIED``).

Time: every invocation runs against a deadline, the Lambda context's remaining time minus
:data:`DEADLINE_MARGIN_SECONDS` (:class:`~payment_service.deadline.Deadline`). GetSecretValue
is bounded as a whole (:func:`payment_service.secrets.get_secret_value`, interrupted at its
bound however slowly the answer arrives), made at most twice, and each attempt starts only
when the deadline has room for its worst case, so the function answers before its timeout.

Keys are re-read every :data:`KEY_CACHE_TTL_SECONDS`. When a re-read fails (timeout,
throttling, 5xx, a connection cut mid-answer, a value that is not the JSON above, and also
the misconfiguration answers of :data:`payment_service.secrets.MISCONFIGURATION_CODES`, logged
as errors), the last keys read successfully stay in use for at most
:data:`LAST_KNOWN_GOOD_SECONDS` more; after that every request answers 503 until the secret
can be read again. While the last-known-good keys are in use, the secret is tried again at
most every :data:`REFRESH_BACKOFF_SECONDS`, so a slow Secrets Manager does not slow every
invocation. Revocation time (a hash removed from the secret stops being accepted): at most
:data:`REVOCATION_SECONDS_READABLE` while the secret is readable, at most
:data:`REVOCATION_SECONDS` when it is not, both counted from when the new value reaches this
region's copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from payment_service import bounded
from payment_service.aws import (
    SECRETS_MANAGER_TIMEOUTS,
    SecretsManagerClient,
    secrets_manager_client,
)
from payment_service.deadline import Deadline
from payment_service.logging import bind_request, configure_logging, get_logger
from payment_service.secrets import SecretReadError, read_secret_string

TOKEN = re.compile(r"Bearer (?P<client>[a-z0-9-]{1,32})\.(?P<key>[A-Za-z0-9_-]{43})")
"""The same pattern as the authorizer's ``identity_validation_expression``."""
CLIENT_ID = re.compile(r"[a-z0-9-]{1,32}")
"""A client id a token can name."""
METHOD_ARN = re.compile(
    r"(?P<api>arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+)/(?P<stage>[A-Za-z0-9_-]+)/"
    r"[A-Z]+/.*"
)
PAYMENT_ROUTES = ("POST/payments", "GET/payments/*")
"""What an authenticated client may call (the resources of the allow policy)."""
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

FUNCTION_TIMEOUT_SECONDS = 5.0
"""The authorizer function's deployed timeout (``payment_dr_compute.payment_functions``):
the invocation's budget when the context does not tell the remaining time."""
DEADLINE_MARGIN_SECONDS = 0.5
"""Kept back from the remaining time for building the answer and the last log lines."""
KEY_CACHE_TTL_SECONDS = 60.0
"""How long keys read from the secret are used before the secret is read again."""
LAST_KNOWN_GOOD_SECONDS = 900.0
"""How long past :data:`KEY_CACHE_TTL_SECONDS` the last keys read successfully stay in use
while the secret cannot be read."""
REFRESH_BACKOFF_SECONDS = 10.0
"""While last-known-good keys are in use, the secret is tried again at most this often."""
AUTHORIZER_RESULT_TTL_SECONDS = 300
"""API Gateway's authorizer result cache as deployed (``aws_api_gateway_authorizer``
``authorizer_result_ttl_in_seconds``, ``payment_dr_edge.settings``; API Gateway REST API
reference, Authorizer ``authorizerResultTtlInSeconds``: "If this field is not set, the default
value is 300. The maximum value is 3600"). An allow decision is reused for the same token for
that long without invoking this function."""
REVOCATION_SECONDS_READABLE = KEY_CACHE_TTL_SECONDS + AUTHORIZER_RESULT_TTL_SECONDS
"""Longest time a removed hash is still accepted while the secret is readable (360 s)."""
REVOCATION_SECONDS = KEY_CACHE_TTL_SECONDS + LAST_KNOWN_GOOD_SECONDS + AUTHORIZER_RESULT_TTL_SECONDS
"""Longest time a removed hash is still accepted, whatever Secrets Manager does (1260 s)."""

_log = get_logger("payment_service.authorizer")


class UnauthorizedError(Exception):
    """The request carries no valid client credential (API Gateway answers 401)."""


class KeysUnavailableError(Exception):
    """No client keys can be had: the secret cannot be read or holds no usable document, and
    there are no last-known-good keys young enough (AUTHORIZER_FAILURE: 503 as deployed)."""


class ClientEntryInvalidError(Exception):
    """The token's client has an entry in the secret, but it is malformed (500 for that client
    only: the server cannot tell whether the key is right)."""


class _UnreadableError(Exception):
    """One attempt to read and parse the secret failed (``reason`` is log-safe)."""

    def __init__(self, reason: str, *, misconfigured: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.misconfigured = misconfigured


@dataclass(frozen=True)
class ClientKeys:
    """Client id -> accepted SHA-256 key hashes; ``invalid``: clients whose entry is malformed."""

    hashes: Mapping[str, frozenset[str]]
    invalid: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, secret_string: str) -> ClientKeys:
        """Parse the secret, one client entry at a time; errors never quote its content.

        A secret that is not JSON or has no ``clients`` object raises ``ValueError`` (the
        document as a whole is unusable). A client whose entry is not a list of SHA-256 hex
        digests is listed in ``invalid`` and logged with its id, never its values; every other
        client is unaffected. An id no token can name (not ``[a-z0-9-]{1,32}``) is logged by
        length only and skipped.
        """
        try:
            document = json.loads(secret_string)
        except ValueError:
            raise ValueError("the client keys secret is not valid JSON") from None
        clients = document.get("clients") if isinstance(document, dict) else None
        if not isinstance(clients, dict):
            raise ValueError("the client keys secret has no 'clients' object")
        hashes: dict[str, frozenset[str]] = {}
        invalid: set[str] = set()
        for client, values in clients.items():
            if not CLIENT_ID.fullmatch(client):
                _log.error(
                    "client_keys_entry_invalid",
                    client_id_length=len(client),
                    detail="client id is not [a-z0-9-]{1,32}",
                )
                continue
            if not isinstance(values, list) or not all(
                isinstance(v, str) and _SHA256_HEX.fullmatch(v) for v in values
            ):
                _log.error(
                    "client_keys_entry_invalid",
                    client_id=client,
                    detail="expected a list of SHA-256 hex digests",
                )
                invalid.add(client)
                continue
            hashes[client] = frozenset(values)
        return cls(hashes, frozenset(invalid))

    def identify(self, token: str) -> str:
        """The client id of a valid ``Bearer <client>.<key>`` token.

        :class:`UnauthorizedError` for a malformed token, an unknown client or a wrong key;
        :class:`ClientEntryInvalidError` when the client's entry in the secret is malformed.
        """
        match = TOKEN.fullmatch(token)
        if match is None:
            raise UnauthorizedError("malformed token")
        client = match["client"]
        if client in self.invalid:
            raise ClientEntryInvalidError(client)
        digest = hashlib.sha256(match["key"].encode("ascii")).hexdigest()
        accepted = self.hashes.get(client, frozenset())
        # Compare against every hash, in constant time per hash.
        if not any(hmac.compare_digest(digest, known) for known in accepted):
            raise UnauthorizedError("unknown client or key")
        return client


def hash_key(key: str) -> str:
    """The value to store in the secret for ``key`` (documented for operators)."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def allow_policy(client: str, method_arn: str) -> dict[str, object]:
    """An API Gateway authorizer response allowing ``client`` the payment routes of the
    API and stage of ``method_arn``."""
    match = METHOD_ARN.fullmatch(method_arn)
    if match is None:
        raise UnauthorizedError("unexpected method ARN")
    base = f"{match['api']}/{match['stage']}"
    return {
        "principalId": client,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": [f"{base}/{route}" for route in PAYMENT_ROUTES],
                }
            ],
        },
        "context": {"clientId": client},
    }


class KeyCache:
    """The parsed secret of this region: re-read every ``ttl_seconds``, and kept as
    last-known-good for ``last_known_good_seconds`` more while the secret cannot be read.

    ``call_seconds`` bounds one GetSecretValue call as a whole (the client's connect plus read
    timeout with a single botocore attempt); an attempt starts only when the deadline leaves
    that much, and there are at most :data:`payment_service.secrets.MAX_ATTEMPTS`.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        ttl_seconds: float = KEY_CACHE_TTL_SECONDS,
        last_known_good_seconds: float = LAST_KNOWN_GOOD_SECONDS,
        backoff_seconds: float = REFRESH_BACKOFF_SECONDS,
        call_seconds: float = SECRETS_MANAGER_TIMEOUTS.worst_case_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl_seconds
        self._last_known_good = last_known_good_seconds
        self._backoff = backoff_seconds
        self._call_seconds = call_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: ClientKeys | None = None
        self._fetched_at = 0.0
        self._retry_at = 0.0

    def get(self, *, deadline: Deadline | None = None) -> ClientKeys:
        """The current keys: cached, read again after the TTL, or last-known-good.

        ``_fetched_at`` is when the last successful read started, so the keys it returned are
        never older than their age says. Raises :class:`KeysUnavailableError`.
        """
        with self._lock:
            now = self._clock()
            keys = self._keys
            if keys is not None and now - self._fetched_at < self._ttl:
                return keys
            if keys is not None and now < self._retry_at and self._usable(now):
                return keys
            try:
                fresh = self._read(deadline)
            except _UnreadableError as exc:
                after = self._clock()
                self._retry_at = after + self._backoff
                return self._fall_back(exc, after)
            self._keys = fresh
            self._fetched_at = now
            self._retry_at = 0.0
            return fresh

    def _usable(self, now: float) -> bool:
        return now - self._fetched_at < self._ttl + self._last_known_good

    def _fall_back(self, exc: _UnreadableError, now: float) -> ClientKeys:
        keys = self._keys
        event = "client_keys_misconfigured" if exc.misconfigured else "client_keys_refresh_failed"
        if keys is not None and self._usable(now):
            log = _log.error if exc.misconfigured else _log.warning
            log(
                event,
                reason=exc.reason,
                using="last_known_good",
                age_seconds=round(now - self._fetched_at, 3),
            )
            return keys
        _log.error(
            event,
            reason=exc.reason,
            using="none",
            age_seconds=None if keys is None else round(now - self._fetched_at, 3),
        )
        raise KeysUnavailableError("client keys unavailable") from None

    def _read(self, deadline: Deadline | None) -> ClientKeys:
        """Read and parse the secret: at most MAX_ATTEMPTS calls, each within the deadline."""
        try:
            value = read_secret_string(
                self._client,
                self._secret_id,
                call_seconds=self._call_seconds,
                deadline=deadline,
                event="client_keys_fetch_failed",
            )
        except SecretReadError as exc:
            raise _UnreadableError(exc.reason, misconfigured=exc.misconfigured) from None
        try:
            return ClientKeys.parse(value)
        except ValueError as exc:
            raise _UnreadableError(str(exc), misconfigured=True) from None


def authorize(event: Mapping[str, object], keys: Callable[[], ClientKeys]) -> dict[str, object]:
    """Decide one TOKEN authorizer event: an allow policy, or :class:`UnauthorizedError`
    (401), :class:`KeysUnavailableError` or :class:`ClientEntryInvalidError` (both 500).

    A token of the wrong shape is refused before the keys are fetched.
    """
    token = event.get("authorizationToken")
    method_arn = event.get("methodArn")
    if not isinstance(token, str) or not isinstance(method_arn, str):
        raise UnauthorizedError("no token")
    if TOKEN.fullmatch(token) is None:
        raise UnauthorizedError("malformed token")
    client = keys().identify(token)
    return allow_policy(client, method_arn)


_cache: KeyCache | None = None


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point.

    Raising ``Exception("Unauthorized")`` is how a Lambda authorizer makes API Gateway answer
    401; raising any other error makes it answer 500 (API Gateway developer guide, "Use API
    Gateway Lambda authorizers"; gateway response ``AUTHORIZER_FAILURE``). The deadline is the
    context's remaining time (Lambda developer guide, "Using the Lambda context object to
    retrieve Python function information": ``get_remaining_time_in_millis``) minus
    :data:`DEADLINE_MARGIN_SECONDS`.
    """
    global _cache
    # A new invocation: nothing bound by an earlier one (in this execution environment) may
    # label its log lines. ``aws_request_id`` is the Lambda context's request id (Lambda
    # developer guide, "Using the Lambda context object to retrieve Python function
    # information").
    request_id = getattr(context, "aws_request_id", None)
    bind_request(
        request_id=request_id if isinstance(request_id, str) else "",
        region=os.environ.get("AWS_REGION", ""),
    )
    deadline = Deadline.from_context(
        context,
        margin_seconds=DEADLINE_MARGIN_SECONDS,
        fallback_seconds=FUNCTION_TIMEOUT_SECONDS,
    )
    if _cache is None:
        configure_logging()
        _log.info("whole_call_deadline", enforced=bounded.enforced())
        region = os.environ["AWS_REGION"]
        _cache = KeyCache(secrets_manager_client(region), os.environ["CLIENT_KEYS_SECRET_ARN"])
    cache = _cache
    try:
        return authorize(event, lambda: cache.get(deadline=deadline))
    except UnauthorizedError as exc:
        _log.info("request_unauthorized", reason=str(exc))
        raise Exception("Unauthorized") from None
    except KeysUnavailableError:
        _log.error("authorizer_failure", reason="client_keys_unavailable")
        raise RuntimeError("client keys unavailable") from None
    except ClientEntryInvalidError as exc:
        _log.error("authorizer_failure", reason="client_entry_invalid", client_id=str(exc))
        raise RuntimeError("client entry invalid") from None
