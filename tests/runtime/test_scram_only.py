"""Database authentication is SCRAM only: a server that asks for a cleartext or MD5 password,
or skips authentication, gets nothing, even though its certificate passes verification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg8000 import native as pg_native  # type: ignore[import-untyped]

from payment_service.connection import (
    AuthenticationMethodRefusedError,
    Connection,
    ConnectParams,
    create_ssl_context,
    pg8000_connect,
)
from payment_service.errors import DatabaseUnavailableError
from payment_service.secrets import DbCredentials, StaticCredentials
from tests.runtime.conftest import Databases, MakeDatabase
from tests.runtime.faults import AUTH_OK, CLEARTEXT, MD5, FakePostgresAuth

PASSWORD = "harvest-me-if-you-can"


@pytest.fixture
def tls_files(databases: Databases) -> tuple[Path, Path]:
    tls = databases.server.base_dir / "tls"
    return tls / "server.crt", tls / "server.key"


def _fake(request: bytes, tls_files: tuple[Path, Path]) -> FakePostgresAuth:
    return FakePostgresAuth(request, *tls_files)


def _params(databases: Databases, port: int) -> ConnectParams:
    return ConnectParams(
        host="127.0.0.1",
        port=port,
        database="payments",
        user="payments_app",
        password=PASSWORD,
        ssl_context=create_ssl_context(databases.server.ca_file),
        timeout_seconds=3,
        statement_timeout_ms=5000,
    )


@pytest.fixture(params=[CLEARTEXT, MD5, AUTH_OK], ids=["cleartext", "md5", "no-auth"])
def fake_server(
    request: pytest.FixtureRequest, tls_files: tuple[Path, Path]
) -> Iterator[FakePostgresAuth]:
    server = _fake(request.param, tls_files)
    yield server
    server.close()


def test_the_password_is_never_sent_to_a_server_that_does_not_ask_for_scram(
    fake_server: FakePostgresAuth, databases: Databases
) -> None:
    with pytest.raises(AuthenticationMethodRefusedError):
        pg8000_connect(_params(databases, fake_server.port))

    assert fake_server.done.wait(5)
    assert b"payments_app" in fake_server.startup, "the fake got as far as the startup message"
    assert PASSWORD.encode() not in fake_server.received_after_request
    assert not fake_server.received_after_request.startswith(b"p")  # no PasswordMessage
    assert fake_server.received_after_request in (b"", b"X\x00\x00\x00\x04")  # Terminate only


def test_unpatched_pg8000_would_send_the_cleartext_password(
    tls_files: tuple[Path, Path], databases: Databases
) -> None:
    """The fake server really asks for the password: plain pg8000 hands it over."""
    server = _fake(CLEARTEXT, tls_files)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the fake never completes startup
            pg_native.Connection(
                user="payments_app",
                password=PASSWORD,
                host="127.0.0.1",
                port=server.port,
                database="payments",
                ssl_context=create_ssl_context(databases.server.ca_file),
                timeout=2,
            )
        assert server.done.wait(5)
    finally:
        server.close()

    assert PASSWORD.encode() in server.received_after_request


def test_the_database_layer_reports_unavailable_without_retrying(
    tls_files: tuple[Path, Path], databases: Databases, make_database: MakeDatabase
) -> None:
    attempts: list[int] = []

    def connect(params: ConnectParams) -> Connection:
        attempts.append(params.port)
        return pg8000_connect(params)

    server = _fake(CLEARTEXT, tls_files)
    try:
        database = make_database(
            port=server.port,
            connect=connect,
            credentials=StaticCredentials(DbCredentials("payments_app", PASSWORD)),
        )
        with pytest.raises(DatabaseUnavailableError):
            database.probe()
    finally:
        server.close()

    assert attempts == [server.port]
    assert PASSWORD.encode() not in server.received_after_request


def test_scram_against_the_real_server_still_works(make_database: MakeDatabase) -> None:
    assert make_database().probe().writable is True
