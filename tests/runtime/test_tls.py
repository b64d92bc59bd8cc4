"""The database connection verifies the server certificate and host name."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from payment_service.config import packaged_ca_bundle, resolve_ca_bundle
from payment_service.connection import Connection, ConnectParams, create_ssl_context, pg8000_connect
from payment_service.errors import ConfigError, DatabaseUnavailableError
from tests.runtime.conftest import Databases, MakeDatabase


class CountingConnect:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, params: ConnectParams) -> Connection:
        self.calls += 1
        return pg8000_connect(params)


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def test_connection_uses_verified_tls(make_database: MakeDatabase) -> None:
    database = make_database()

    def tls_in_use(connection: Connection) -> tuple[object, object]:
        rows = connection.run("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert rows is not None
        return rows[0][0], rows[0][1]

    ssl_on, version = database.session(tls_in_use)

    assert ssl_on is True
    assert version in {"TLSv1.2", "TLSv1.3"}


def test_a_ca_that_did_not_sign_the_server_certificate_is_refused(
    make_database: MakeDatabase, databases: Databases
) -> None:
    connect = CountingConnect()
    database = make_database(ca_file=databases.server.other_ca_file, connect=connect)

    with pytest.raises(DatabaseUnavailableError) as raised:
        database.probe()

    assert isinstance(_root_cause(raised.value), ssl.SSLCertVerificationError)
    assert connect.calls == 1, "a TLS verification failure must not be retried"


def test_a_host_name_not_in_the_certificate_is_refused(make_database: MakeDatabase) -> None:
    database = make_database(host="127.0.0.2")

    with pytest.raises(DatabaseUnavailableError) as raised:
        database.probe()

    cause = _root_cause(raised.value)
    assert isinstance(cause, ssl.SSLCertVerificationError)
    assert "127.0.0.2" in str(cause) or "mismatch" in str(cause).lower()


def test_the_ssl_context_verifies_and_checks_host_names(databases: Databases) -> None:
    context = create_ssl_context(databases.server.ca_file)

    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    subjects = [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()]  # type: ignore[misc]
    assert subjects == [{"commonName": "payment-dr ca"}]


def test_a_missing_ca_file_is_a_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DB_CA_BUNDLE"):
        create_ssl_context(tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="DB_CA_BUNDLE"):
        resolve_ca_bundle(str(tmp_path / "missing.pem"))


def test_a_ca_file_without_certificates_is_a_configuration_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")

    with pytest.raises(ConfigError, match="no valid PEM"):
        create_ssl_context(empty)


def test_the_packaged_rds_bundle_is_the_default_and_loads() -> None:
    path = resolve_ca_bundle(None)

    assert path == packaged_ca_bundle()
    context = create_ssl_context(path)
    names = {
        dict(item[0] for item in ca["subject"])["commonName"]  # type: ignore[misc]
        for ca in context.get_ca_certs()
    }
    for region in ("us-east-1", "us-east-2"):
        for kind in ("RSA2048", "RSA4096", "ECC384"):
            assert f"Amazon RDS {region} Root CA {kind} G1" in names
    assert len(names) > 80


def test_db_ca_bundle_overrides_the_packaged_bundle(databases: Databases) -> None:
    assert resolve_ca_bundle(str(databases.server.ca_file)) == databases.server.ca_file
