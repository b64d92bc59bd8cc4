"""IAM database authentication: the API's credentials as the application role.

The API connects as the role the migrations create (``0002_application_role.sql``),
which is a member of ``rds_iam``: its password is a 15-minute token signed with the
function's own IAM credentials, for the host the API connects to (this region's cluster
endpoint, ``DB_HOST``) and this region (see :mod:`payment_service.writer`), computed locally
by ``boto3`` ``RDS.Client.generate_db_auth_token`` (no network call; RDS User Guide,
"Connecting to your DB cluster using IAM authentication and the AWS SDK for Python").
The IAM policy allows ``rds-db:connect`` to that one database user of this region's
cluster. The token is only checked when a connection opens, so an open connection
outlives it; a new token is made for each new connection, well before expiry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from payment_service.secrets import DbCredentials

if TYPE_CHECKING:
    from payment_service.deadline import Deadline

TOKEN_REUSE_SECONDS = 600.0
"""Reuse one token for new connections for 10 minutes (it is valid for 15)."""


class TokenSigner(Protocol):
    """The part of the boto3 RDS client used here."""

    def generate_db_auth_token(
        self,
        DBHostname: str,  # noqa: N803
        Port: int,  # noqa: N803
        DBUsername: str,  # noqa: N803
        Region: str | None = None,  # noqa: N803
    ) -> str:
        """A signed authentication token for ``DBUsername`` at ``DBHostname:Port``."""
        ...


def rds_token_signer(region: str) -> TokenSigner:
    """A boto3 RDS client of ``region`` (signing only: it never calls the RDS API)."""
    import boto3  # type: ignore[import-untyped]

    signer: TokenSigner = boto3.client("rds", region_name=region)
    return signer


class IamAuthCredentials:
    """A :class:`~payment_service.secrets.CredentialsProvider` handing out the
    application role and a fresh IAM authentication token."""

    def __init__(
        self,
        signer: TokenSigner,
        *,
        host: str,
        port: int,
        user: str,
        region: str,
        reuse_seconds: float = TOKEN_REUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signer = signer
        self._host, self._port, self._user, self._region = host, port, user, region
        self._reuse = reuse_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: DbCredentials | None = None
        self._made_at = 0.0

    def get(
        self, *, force_refresh: bool = False, deadline: Deadline | None = None
    ) -> DbCredentials:
        """The role and a token at most ``reuse_seconds`` old (a new one when forced).

        Signing makes no network call, so it fits any ``deadline``.
        """
        del deadline
        with self._lock:
            now = self._clock()
            if force_refresh or self._cached is None or now - self._made_at >= self._reuse:
                token = self._signer.generate_db_auth_token(
                    DBHostname=self._host,
                    Port=self._port,
                    DBUsername=self._user,
                    Region=self._region,
                )
                self._cached = DbCredentials(username=self._user, password=token)
                self._made_at = now
            return self._cached
