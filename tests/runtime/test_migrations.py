"""Schema migrations: versioned, recorded, idempotent, locked, skipped on a standby."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from payment_service import migrations
from payment_service.connection import Connection
from payment_service.migrations import (
    MigrationError,
    MigrationResult,
    apply_migrations,
    load_migrations,
)
from tests.runtime.conftest import APP_USER, STANDBY_DB, AwsResources, Databases, MakeDatabase

ALL = ("0001_payments", "0002_application_role", "0003_client_scoped_keys")

_counter = iter(range(1, 10_000))


@pytest.fixture
def fresh_db(databases: Databases) -> Iterator[str]:
    """An empty database owned by the application role."""
    name = f"migrate_{os.getpid()}_{next(_counter)}"
    admin = databases.server.connect()
    admin.run(f"CREATE DATABASE {name} OWNER {APP_USER}")
    yield name
    admin.run(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


def _tables(connection: Connection) -> set[str]:
    rows = connection.run(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {str(row[0]) for row in rows or []}


def test_shipped_migrations_are_ordered_and_named() -> None:
    shipped = load_migrations()

    assert [m.label for m in shipped][:1] == ["0001_payments"]
    assert [m.version for m in shipped] == sorted({m.version for m in shipped})
    assert all(len(m.checksum) == 64 for m in shipped)
    assert "CREATE TABLE payments" in shipped[0].sql


def test_first_run_applies_and_second_run_does_nothing(
    make_database: MakeDatabase, fresh_db: str
) -> None:
    database = make_database(fresh_db)

    first = migrations.run(database)
    second = migrations.run(database)

    assert first == MigrationResult(applied=ALL, current_version=3)
    assert second == MigrationResult(applied=(), current_version=3)

    def inspect(connection: Connection) -> tuple[set[str], list[list[object]]]:
        rows = connection.run("SELECT version, name, checksum FROM schema_migrations")
        return _tables(connection), rows or []

    tables, recorded = database.session(inspect)
    assert {"payments", "schema_migrations"} <= tables
    shipped = load_migrations()
    assert sorted(recorded) == [
        [1, "payments", shipped[0].checksum],
        [2, "application_role", shipped[1].checksum],
        [3, "client_scoped_keys", shipped[2].checksum],
    ]


def test_a_changed_migration_file_stops_the_run(make_database: MakeDatabase, fresh_db: str) -> None:
    database = make_database(fresh_db)
    migrations.run(database)
    changed = [dataclasses.replace(load_migrations()[0], sql="SELECT 1")]

    with pytest.raises(MigrationError, match="0001_payments changed"):
        database.session(lambda connection: apply_migrations(connection, changed))


def test_a_failing_migration_leaves_nothing_behind(
    make_database: MakeDatabase, fresh_db: str
) -> None:
    database = make_database(fresh_db)
    broken = [
        migrations.Migration(1, "half", "CREATE TABLE half_done (id int); SELECT 1/0;"),
    ]

    with pytest.raises(Exception, match="division by zero"):
        database.session(lambda connection: apply_migrations(connection, broken))

    def inspect(connection: Connection) -> tuple[set[str], list[list[object]]]:
        return _tables(connection), connection.run("SELECT version FROM schema_migrations") or []

    tables, recorded = database.session(inspect)
    assert "half_done" not in tables
    assert recorded == []


def test_concurrent_runs_apply_each_migration_once(
    make_database: MakeDatabase, fresh_db: str
) -> None:
    runners = 4
    databases = [make_database(fresh_db) for _ in range(runners)]
    barrier = threading.Barrier(runners)
    results: list[MigrationResult] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(migrations.run(databases[index]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(len(r.applied) for r in results) == [0, 0, 0, 3]
    assert {r.current_version for r in results} == {3}


def test_a_read_only_standby_is_skipped(make_database: MakeDatabase) -> None:
    result = migrations.run(make_database(STANDBY_DB))

    assert result == MigrationResult(applied=(), current_version=3, skipped_reason="read_only")
    assert result.to_json()["status"] == "skipped"


def _env(databases: Databases, name: str, secret_arn: str) -> dict[str, str]:
    return {
        "AWS_REGION": "us-east-1",
        "DB_HOST": databases.server.host,
        "DB_PORT": str(databases.server.port),
        "DB_NAME": name,
        "DB_SECRET_ARN": secret_arn,
        "DB_CA_BUNDLE": str(databases.server.ca_file),
    }


def test_lambda_handler_applies_migrations(
    databases: Databases,
    fresh_db: str,
    aws: AwsResources,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
        SecretId=aws.secret_arn,
        SecretString=json.dumps({"username": APP_USER, "password": databases.app_password}),
    )
    for key, value in _env(databases, fresh_db, aws.secret_arn).items():
        monkeypatch.setenv(key, value)

    first = migrations.handler({}, None)
    second = migrations.handler({}, None)

    assert first == {
        "status": "ok",
        "applied": list(ALL),
        "current_version": 3,
        "skipped_reason": None,
    }
    assert second["applied"] == []


def test_cli_main_prints_the_result(
    databases: Databases,
    fresh_db: str,
    aws: AwsResources,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws.secretsmanager.put_secret_value(  # type: ignore[attr-defined]
        SecretId=aws.secret_arn,
        SecretString=json.dumps({"username": APP_USER, "password": databases.app_password}),
    )

    code = migrations.main(_env(databases, fresh_db, aws.secret_arn))

    assert code == 0
    assert json.loads(capsys.readouterr().out)["applied"] == list(ALL)


def test_python_dash_m_entry_point_reports_missing_configuration() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-m", "payment_service.migrations"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "configuration error" in result.stderr
    assert "AWS_REGION" in result.stderr


def test_the_api_role_may_only_read_and_insert_payments(
    make_database: MakeDatabase, fresh_db: str, databases: Databases
) -> None:
    migrations.run(make_database(fresh_db))
    admin = databases.server.connect(fresh_db)
    try:
        attributes = admin.run(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin "
            "FROM pg_roles WHERE rolname = 'payment_app'"
        )
        iam = admin.run("SELECT pg_has_role('payment_app', 'rds_iam', 'MEMBER')")
        privileges = {
            privilege: admin.run(
                f"SELECT has_table_privilege('payment_app', 'payments', '{privilege}')"
            )
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
        }
        migrations_table = admin.run(
            "SELECT has_table_privilege('payment_app', 'schema_migrations', 'SELECT')"
        )
        create_in_public = admin.run(
            "SELECT has_schema_privilege('payment_app', 'public', 'CREATE')"
        )
    finally:
        admin.close()
    assert attributes == [[False, False, False, True]]
    assert iam == [[True]]
    assert privileges == {
        "SELECT": [[True]],
        "INSERT": [[True]],
        "UPDATE": [[False]],
        "DELETE": [[False]],
        "TRUNCATE": [[False]],
    }
    assert migrations_table == [[False]]
    assert create_in_public == [[False]]
