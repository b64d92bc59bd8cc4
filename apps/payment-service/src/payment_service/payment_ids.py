"""Payment ids that follow from the request: the same client, key and body give the same id in
either region, with or without DynamoDB, before and after a failover.

An id is the first 128 bits of ``HMAC-SHA256(id key, "payment-dr/payment-id/v1" NUL client id
NUL idempotency key NUL request hash)``, with the version (8: RFC 9562's layout for ids
computed by an application) and variant bits set, as a UUID in canonical form.

Why a keyed hash and not a plain one: anyone who knows (or guesses) a client id, one of its
idempotency keys and a body could compute a plain hash, and so another client's payment ids.
Under a secret key nobody outside the API can, and an id says nothing about the request it
came from. Ownership is still checked on every read (``GET /payments/{id}`` answers only the
client that created the payment); an id that cannot be computed is a second line.

Why the request hash is part of it: an id then names one (client, key, body) for ever. The
same key with another body is refused (``409``) wherever the original body is known (the
database row, or the DynamoDB record); where neither can be read (the row lost in an
unplanned failover and DynamoDB unavailable) the other body is accepted under a *different*
id, never the lost payment's, and ``payment-dr reconcile`` lists the key as one with two ids.
An id is therefore never reused for another payment.

The id key: 32 or more random bytes, base64 in the JSON secret named by
``PAYMENT_ID_KEY_SECRET_ARN`` (``{"payment_id_key": "<base64>"}``), replicated by Secrets
Manager to the standby region like the client keys. Its lifetime is the lifetime of the
environment's payments: it is **never rotated**. A new key would give a retry of a payment
whose row was lost (after a failover) a new id; rows that exist keep theirs (they are found
by client and key before any id is computed). A key that leaked lets its holder compute ids,
which still open nothing (the ownership check): it is not a reason to rotate.

The key is read on the first payment that needs a new id, then kept for the life of the
execution environment (it never changes), so a Secrets Manager outage after that costs
nothing. Without it no payment is created: ``503 id_key_unavailable`` (Secrets Manager did not
answer) or ``500 id_key_misconfigured`` (no such secret, no access, no valid key in it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import uuid
from typing import TYPE_CHECKING, Protocol

from payment_service.aws import SECRETS_MANAGER_TIMEOUTS
from payment_service.errors import ServiceError, ServiceUnavailableError
from payment_service.logging import get_logger
from payment_service.secrets import SecretReadError, read_secret_string

if TYPE_CHECKING:
    from payment_service.aws import SecretsManagerClient
    from payment_service.deadline import Deadline

ID_DOMAIN = b"payment-dr/payment-id/v1"
"""Separates these MACs from any other use of the key; ``v1`` is the derivation's version."""
MIN_KEY_BYTES = 32
SECRET_FIELD = "payment_id_key"  # noqa: S105 - the JSON field name, not a secret
LOCAL_ID_KEY = b"payment-dr local runs and tests only: never deployed"
"""The key of :meth:`PaymentIds.for_local_runs` (published here, so never used by a deployed
function: :func:`payment_service.api.build_service` always reads the secret)."""

_log = get_logger("payment_service.payment_ids")


class IdKeyUnavailableError(ServiceUnavailableError):
    """Secrets Manager did not give the id key in time: no new payment can be created."""

    code = "id_key_unavailable"


class IdKeyMisconfiguredError(ServiceError):
    """The id key secret is missing, unreadable or holds no valid key."""

    code = "id_key_misconfigured"


def derive_payment_id(
    key: bytes, client_id: str, idempotency_key: str, request_hash: str
) -> uuid.UUID:
    """The payment id of (client, idempotency key, request) under ``key``.

    The three inputs never contain NUL (client ids, idempotency keys and hex digests are
    validated), so the message is unambiguous.
    """
    message = b"\x00".join(
        (ID_DOMAIN, client_id.encode(), idempotency_key.encode(), request_hash.encode())
    )
    raw = bytearray(hmac.new(key, message, hashlib.sha256).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 9562 variant (10xx)
    return uuid.UUID(bytes=bytes(raw))


def parse_id_key(secret_string: str) -> bytes:
    """The key held in the secret's JSON; errors never quote the secret."""
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise ValueError("the id key secret is not valid JSON") from None
    encoded = document.get(SECRET_FIELD) if isinstance(document, dict) else None
    if not isinstance(encoded, str):
        raise ValueError(f"the id key secret has no string {SECRET_FIELD!r}")
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{SECRET_FIELD!r} is not base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"{SECRET_FIELD!r} holds {len(key)} bytes; expected {MIN_KEY_BYTES}+")
    return key


class IdKeySource(Protocol):
    """Where the id key comes from."""

    def key(self, deadline: Deadline | None) -> bytes:
        """The id key; a :class:`ServiceError` when it cannot be had."""
        ...


class StaticIdKey:
    """A fixed key (local runs and tests)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"an id key needs {MIN_KEY_BYTES} bytes or more")
        self._key = key

    def key(self, deadline: Deadline | None) -> bytes:
        """The fixed key."""
        return self._key


class SecretIdKey:
    """The id key from this region's copy of the secret, read once and then kept."""

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        call_seconds: float = SECRETS_MANAGER_TIMEOUTS.worst_case_seconds,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._call_seconds = call_seconds
        self._lock = threading.Lock()
        self._key: bytes | None = None

    def key(self, deadline: Deadline | None) -> bytes:
        """The key; fetched (at most :data:`payment_service.secrets.MAX_ATTEMPTS` calls a
        request) until it is known."""
        with self._lock:
            if self._key is None:
                self._key = self._fetch(deadline)
            return self._key

    def _fetch(self, deadline: Deadline | None) -> bytes:
        try:
            value = read_secret_string(
                self._client,
                self._secret_id,
                call_seconds=self._call_seconds,
                deadline=deadline,
                event="id_key_fetch_failed",
            )
        except SecretReadError as exc:
            if exc.aws_error is not None:
                _log.error("id_key_misconfigured", aws_error=exc.aws_error)
                raise IdKeyMisconfiguredError(
                    "the payment id key cannot be read; check the secret, its KMS key and "
                    "the function's permissions"
                ) from None
            if exc.misconfigured:
                _log.error("id_key_misconfigured", detail="the id key secret has no SecretString")
                raise IdKeyMisconfiguredError(
                    "the payment id key secret holds no valid key"
                ) from None
            _log.error("id_key_unavailable", reason=exc.reason)
            raise IdKeyUnavailableError("the payment id key is unavailable; retry later") from None
        try:
            return parse_id_key(value)
        except ValueError as exc:
            _log.error("id_key_misconfigured", detail=str(exc))
            raise IdKeyMisconfiguredError("the payment id key secret holds no valid key") from None


class PaymentIds:
    """Computes payment ids with the key from ``source``."""

    def __init__(self, source: IdKeySource) -> None:
        self._source = source

    @classmethod
    def for_local_runs(cls) -> PaymentIds:
        """Ids under :data:`LOCAL_ID_KEY`: local runs and tests, never a deployment."""
        return cls(StaticIdKey(LOCAL_ID_KEY))

    def derive(
        self,
        client_id: str,
        idempotency_key: str,
        request_hash: str,
        *,
        deadline: Deadline | None = None,
    ) -> uuid.UUID:
        """The id of this client's request under this key."""
        return derive_payment_id(
            self._source.key(deadline), client_id, idempotency_key, request_hash
        )


__all__ = [
    "ID_DOMAIN",
    "LOCAL_ID_KEY",
    "IdKeyMisconfiguredError",
    "IdKeySource",
    "IdKeyUnavailableError",
    "PaymentIds",
    "SecretIdKey",
    "StaticIdKey",
    "derive_payment_id",
    "parse_id_key",
]
