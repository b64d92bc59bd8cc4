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
Gateway caches one decision per token for every method). Any failure denies: a missing
secret value, bad JSON, an unknown client, a wrong key.
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
from dataclasses import dataclass

from payment_service.aws import SecretsManagerClient, secrets_manager_client
from payment_service.logging import get_logger

TOKEN = re.compile(r"Bearer (?P<client>[a-z0-9-]{1,32})\.(?P<key>[A-Za-z0-9_-]{43})")
"""The same pattern as the authorizer's ``identity_validation_expression``."""
METHOD_ARN = re.compile(
    r"(?P<api>arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+)/(?P<stage>[A-Za-z0-9_-]+)/"
    r"[A-Z]+/.*"
)
PAYMENT_ROUTES = ("POST/payments", "GET/payments/*")
"""What an authenticated client may call (the resources of the allow policy)."""
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

_log = get_logger("payment_service.authorizer")


class UnauthorizedError(Exception):
    """The request carries no valid client credential (API Gateway answers 401)."""


@dataclass(frozen=True)
class ClientKeys:
    """Client id -> accepted SHA-256 key hashes."""

    hashes: Mapping[str, frozenset[str]]

    @classmethod
    def parse(cls, secret_string: str) -> ClientKeys:
        """Parse the secret; errors never quote its content."""
        try:
            document = json.loads(secret_string)
        except ValueError:
            raise ValueError("the client keys secret is not valid JSON") from None
        clients = document.get("clients") if isinstance(document, dict) else None
        if not isinstance(clients, dict):
            raise ValueError("the client keys secret has no 'clients' object")
        hashes: dict[str, frozenset[str]] = {}
        for client, values in clients.items():
            if not isinstance(values, list) or not all(
                isinstance(v, str) and _SHA256_HEX.fullmatch(v) for v in values
            ):
                raise ValueError(f"client {client!r}: expected a list of SHA-256 hex digests")
            hashes[str(client)] = frozenset(values)
        return cls(hashes)

    def identify(self, token: str) -> str:
        """The client id of a valid ``Bearer <client>.<key>`` token; else UnauthorizedError."""
        match = TOKEN.fullmatch(token)
        if match is None:
            raise UnauthorizedError("malformed token")
        client = match["client"]
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
    """The parsed secret of this region, re-read every ``ttl_seconds``."""

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: ClientKeys | None = None
        self._fetched_at = 0.0

    def get(self) -> ClientKeys:
        """The current keys (cached)."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at >= self._ttl:
                response = self._client.get_secret_value(SecretId=self._secret_id)
                value = response.get("SecretString")
                if not isinstance(value, str):
                    raise ValueError("the client keys secret has no SecretString")
                self._keys = ClientKeys.parse(value)
                self._fetched_at = now
            return self._keys


def authorize(event: Mapping[str, object], keys: Callable[[], ClientKeys]) -> dict[str, object]:
    """Decide one TOKEN authorizer event: an allow policy, or :class:`UnauthorizedError`."""
    token = event.get("authorizationToken")
    method_arn = event.get("methodArn")
    if not isinstance(token, str) or not isinstance(method_arn, str):
        raise UnauthorizedError("no token")
    try:
        current = keys()
    except Exception as exc:  # fail closed: no readable keys, nobody gets in
        _log.error("client_keys_unavailable", error=type(exc).__name__)
        raise UnauthorizedError("client keys unavailable") from None
    client = current.identify(token)
    return allow_policy(client, method_arn)


_cache: KeyCache | None = None


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point. Raising ``Exception("Unauthorized")`` is how a Lambda authorizer
    makes API Gateway answer 401 (API Gateway developer guide, "Use API Gateway Lambda
    authorizers")."""
    global _cache
    if _cache is None:
        region = os.environ["AWS_REGION"]
        _cache = KeyCache(secrets_manager_client(region), os.environ["CLIENT_KEYS_SECRET_ARN"])
    try:
        return authorize(event, _cache.get)
    except UnauthorizedError as exc:
        _log.info("request_unauthorized", reason=str(exc))
        raise Exception("Unauthorized") from None
