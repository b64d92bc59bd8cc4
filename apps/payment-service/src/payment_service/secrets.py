"""Database credentials from AWS Secrets Manager, cached with a time-to-live.

The secret is JSON with at least ``username`` and ``password`` (the format RDS and Aurora
use). Credentials are reused for ``ttl_seconds`` and fetched again earlier when the caller
asks for a refresh, which the database layer does after an authentication failure (for
example right after a rotation).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from payment_service.errors import ConfigError

if TYPE_CHECKING:
    from payment_service.aws import SecretsManagerClient


@dataclass(frozen=True)
class DbCredentials:
    """A database user name and password. The password never appears in ``repr``."""

    username: str
    password: str = field(repr=False)


class CredentialsProvider(Protocol):
    """Anything that hands out database credentials."""

    def get(self, *, force_refresh: bool = False) -> DbCredentials:
        """Current credentials; ``force_refresh`` bypasses any cache."""
        ...


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

    def get(self, *, force_refresh: bool = False) -> DbCredentials:
        """The fixed credentials."""
        return self._credentials


class SecretCache:
    """Credentials from one Secrets Manager secret, cached for ``ttl_seconds``."""

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: DbCredentials | None = None
        self._fetched_at = 0.0

    def get(self, *, force_refresh: bool = False) -> DbCredentials:
        """Cached credentials, fetched again when stale or when ``force_refresh`` is set."""
        with self._lock:
            now = self._clock()
            fresh = self._cached is not None and now - self._fetched_at < self._ttl
            if self._cached is not None and fresh and not force_refresh:
                return self._cached
            response = self._client.get_secret_value(SecretId=self._secret_id)
            secret_string = response.get("SecretString")
            if not isinstance(secret_string, str):
                raise SecretFormatError("the database secret has no SecretString")
            self._cached = parse_credentials(secret_string)
            self._fetched_at = now
            return self._cached

    def invalidate(self) -> None:
        """Forget the cached credentials; the next :meth:`get` fetches them."""
        with self._lock:
            self._cached = None
