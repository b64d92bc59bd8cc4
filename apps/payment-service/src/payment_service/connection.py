"""Opening one PostgreSQL connection: pg8000 over verified TLS, SCRAM-SHA-256 only.

:func:`create_ssl_context` trusts only the configured CA bundle, requires TLS 1.2 or later
and checks the host name. :class:`ScramOnlyConnection` refuses a server that asks for a
cleartext or MD5 password, or that reports success without completing SCRAM, before the
password leaves the function. Retries, transactions and deadlines are
:mod:`payment_service.db`'s.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pg8000 import native as pg_native  # type: ignore[import-untyped]
from pg8000.exceptions import InterfaceError as PgInterfaceError  # type: ignore[import-untyped]

from payment_service.errors import ConfigError
from payment_service.resolver import HostResolver, connect_tcp

if TYPE_CHECKING:
    from pathlib import Path

#: Authentication request codes of the PostgreSQL protocol (message ``R``,
#: https://www.postgresql.org/docs/current/protocol-message-formats.html).
AUTH_OK = 0
AUTH_CLEARTEXT_PASSWORD = 3
AUTH_MD5_PASSWORD = 5
AUTH_SASL = 10
AUTH_SASL_CONTINUE = 11
AUTH_SASL_FINAL = 12


class Connection(Protocol):
    """The part of ``pg8000.native.Connection`` used here."""

    def run(self, sql: str, **params: object) -> list[list[object]] | None:
        """Execute ``sql`` with ``:name`` placeholders; rows for statements that return rows."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@runtime_checkable
class SupportsTimeout(Protocol):
    """A connection whose socket timeout can be changed between statements."""

    def set_timeout(self, seconds: float) -> None:
        """Socket timeout for the next reads and writes."""
        ...


class AuthenticationMethodRefusedError(PgInterfaceError):  # type: ignore[misc]
    """The server asked for a password method other than SCRAM, or skipped authentication."""


class ScramOnlyConnection(pg_native.Connection):  # type: ignore[misc]
    """``pg8000.native.Connection`` that authenticates with SCRAM-SHA-256 only.

    pg8000 answers whatever authentication request the server sends, including a cleartext
    (code 3) or MD5 (code 5) password request, and has no option to refuse them. This
    override of its authentication-request hook refuses both before anything is sent, and
    also refuses an ``AuthenticationOk`` that does not follow a completed SCRAM exchange (the
    server's final SCRAM message proves it holds the password verifier; pg8000 checks that
    signature). libpq offers the same policy as ``require_auth=scram-sha-256``.
    """

    _scram_completed = False

    def handle_AUTHENTICATION_REQUEST(self, data: bytes, context: object) -> None:  # noqa: N802
        """Refuse every method but SCRAM; then let pg8000 answer."""
        code = int.from_bytes(data[:4], "big", signed=True)
        if code == AUTH_CLEARTEXT_PASSWORD:
            raise AuthenticationMethodRefusedError(
                "the server asked for a cleartext password; only SCRAM-SHA-256 is allowed"
            )
        if code == AUTH_MD5_PASSWORD:
            raise AuthenticationMethodRefusedError(
                "the server asked for an MD5 password; only SCRAM-SHA-256 is allowed"
            )
        if code == AUTH_OK and not self._scram_completed:
            raise AuthenticationMethodRefusedError(
                "the server reported success without SCRAM authentication; refused"
            )
        if code not in (AUTH_OK, AUTH_SASL, AUTH_SASL_CONTINUE, AUTH_SASL_FINAL):
            raise AuthenticationMethodRefusedError(
                f"the server asked for authentication method {code}; only SCRAM is allowed"
            )
        super().handle_AUTHENTICATION_REQUEST(data, context)
        if code == AUTH_SASL_FINAL:
            self._scram_completed = True

    def close(self) -> None:
        """Close the connection and release its socket now.

        pg8000 closes the socket but not the file object it reads through
        (``socket.makefile``), and "closing the file object returned by makefile() won't close
        the original socket unless all other file objects have been closed and socket.close()
        has been called on the socket object" (Python documentation, ``socket.makefile``): the
        descriptor would stay open until garbage collection, which an interrupted statement's
        traceback can delay. Both are closed here.
        """
        reader, sock = self._sock, self._usock
        try:
            super().close()
        finally:
            if reader is not None:
                with contextlib.suppress(Exception):  # a broken stream: nothing to flush to
                    reader.close()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    def set_timeout(self, seconds: float) -> None:
        """Socket timeout for the next reads and writes on this connection."""
        sock = self._usock
        if sock is not None:
            try:
                sock.settimeout(seconds)
            except OSError:  # already closed; the next statement reports it
                return


@dataclass(frozen=True)
class ConnectParams:
    """Everything needed to open one connection."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ssl_context: ssl.SSLContext = field(repr=False)
    timeout_seconds: float
    statement_timeout_ms: int
    application_name: str = "payment-service"
    resolver: HostResolver | None = field(default=None, repr=False, compare=False)
    """Looks ``host`` up (:data:`RESOLVER` when ``None``)."""


RESOLVER = HostResolver()
"""The execution environment's resolver of database hosts (:mod:`payment_service.resolver`)."""

ConnectionFactory = Callable[[ConnectParams], Connection]


def pg8000_connect(params: ConnectParams) -> Connection:
    """Open a pg8000 connection over TLS with the given (verifying) SSL context, SCRAM only.

    The host is looked up by a :class:`~payment_service.resolver.HostResolver` (never waited
    on past ``timeout_seconds``) and connected to within what is left of it; pg8000 gets the
    socket and the host name, so TLS still checks the certificate against ``host``.
    """
    started = time.monotonic()
    resolver = params.resolver or RESOLVER
    addresses = resolver.resolve(params.host, params.port, params.timeout_seconds)
    left = params.timeout_seconds - (time.monotonic() - started)
    sock = connect_tcp(addresses, left)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        connection: Connection = ScramOnlyConnection(
            user=params.user,
            password=params.password,
            host=params.host,
            port=params.port,
            database=params.database,
            ssl_context=params.ssl_context,
            timeout=params.timeout_seconds,
            application_name=params.application_name,
            startup_params={"statement_timeout": str(params.statement_timeout_ms)},
            sock=sock,
        )
    except BaseException:
        sock.close()  # pg8000 closes only the sockets it opened
        raise
    return connection


def create_ssl_context(ca_file: Path) -> ssl.SSLContext:
    """A client TLS context that trusts only ``ca_file`` and checks the host name.

    TLS 1.2 is the minimum; certificate verification and host-name checking are on.
    """
    if not ca_file.is_file():
        raise ConfigError(f"CA bundle {str(ca_file)!r} does not exist; set DB_CA_BUNDLE")
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_file))
    except ssl.SSLError as exc:
        raise ConfigError(f"CA bundle {str(ca_file)!r} holds no valid PEM certificate") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context
