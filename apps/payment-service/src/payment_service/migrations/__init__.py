"""Versioned schema migrations, shipped as SQL files in this package.

Files are named ``NNNN_description.sql`` and applied in version order. Each migration runs in
its own transaction together with its row in ``schema_migrations`` (version, name, SHA-256
checksum, applied_at), so a migration is either fully applied and recorded or not at all.
The whole run holds a PostgreSQL advisory lock, so concurrent runners (two deployments, a
retry) apply each migration once; a second run finds nothing to do. A recorded migration whose
file changed afterwards stops the run. On a read-only standby nothing is applied (the schema
arrives by replication) and the run reports ``skipped``.

Entry points: :func:`handler` (Lambda, ``payment_service.migrations.handler``) and
``python -m payment_service.migrations``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from payment_service.aws import secrets_manager_client
from payment_service.config import DatabaseSettings
from payment_service.db import Database
from payment_service.errors import ConfigError, ServiceError
from payment_service.failover.clients import boto3_client
from payment_service.logging import configure_logging, get_logger
from payment_service.secrets import SecretCache
from payment_service.writer import RDS_CALL_TIMEOUTS, GlobalWriterStatus, WriteFence

if TYPE_CHECKING:
    from payment_service.connection import Connection

#: Key of the advisory lock held while migrating (``pg_advisory_lock(bigint)``).
ADVISORY_LOCK_KEY = 7_020_931_810_001
MIGRATION_FILE = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")

_CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""

_log = get_logger("payment_service.migrations")


class MigrationError(Exception):
    """The migrations cannot be applied safely."""


@dataclass(frozen=True)
class Migration:
    """One versioned SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the SQL text."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """``NNNN_name``."""
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class MigrationResult:
    """What a run did."""

    applied: tuple[str, ...]
    current_version: int
    skipped_reason: str | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable summary."""
        return {
            "status": "skipped" if self.skipped_reason else "ok",
            "applied": list(self.applied),
            "current_version": self.current_version,
            "skipped_reason": self.skipped_reason,
        }


def load_migrations() -> tuple[Migration, ...]:
    """Every migration shipped with the package, in version order."""
    found: dict[int, Migration] = {}
    for entry in resources.files(__name__).iterdir():
        match = MIGRATION_FILE.fullmatch(entry.name)
        if match is None:
            continue
        version = int(match["version"])
        if version in found:
            raise MigrationError(f"two migration files share version {version:04d}")
        found[version] = Migration(version, match["name"], entry.read_text(encoding="utf-8"))
    return tuple(found[version] for version in sorted(found))


def _is_read_only(connection: Connection) -> bool:
    read_only = connection.run("SHOW transaction_read_only")
    in_recovery = connection.run("SELECT pg_is_in_recovery()")
    return bool(read_only and read_only[0][0] == "on") or bool(
        in_recovery and in_recovery[0][0] is True
    )


def _recorded(connection: Connection) -> dict[int, str]:
    rows = connection.run("SELECT version, checksum FROM schema_migrations") or []
    recorded: dict[int, str] = {}
    for version, checksum in rows:
        if isinstance(version, int) and isinstance(checksum, str):
            recorded[version] = checksum
    return recorded


def _current_version_if_present(connection: Connection) -> int:
    rows = connection.run("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not rows or rows[0][0] is not True:
        return 0
    return max(_recorded(connection), default=0)


def _apply_one(connection: Connection, migration: Migration) -> None:
    connection.run("BEGIN")
    try:
        connection.run(migration.sql)
        connection.run(
            "INSERT INTO schema_migrations (version, name, checksum) "
            "VALUES (:version, :name, :checksum)",
            version=migration.version,
            name=migration.name,
            checksum=migration.checksum,
        )
    except BaseException:
        connection.run("ROLLBACK")
        raise
    connection.run("COMMIT")


def apply_migrations(
    connection: Connection, migrations: Sequence[Migration] | None = None
) -> MigrationResult:
    """Apply every pending migration on ``connection`` (outside any open transaction)."""
    planned = load_migrations() if migrations is None else tuple(migrations)
    if _is_read_only(connection):
        current = _current_version_if_present(connection)
        _log.info("migrations_skipped", reason="read_only", current_version=current)
        return MigrationResult((), current, skipped_reason="read_only")
    connection.run("SELECT pg_advisory_lock(:key)", key=ADVISORY_LOCK_KEY)
    try:
        connection.run(_CREATE_SCHEMA_MIGRATIONS)
        recorded = _recorded(connection)
        for migration in planned:
            checksum = recorded.get(migration.version)
            if checksum is not None and checksum != migration.checksum:
                raise MigrationError(
                    f"migration {migration.label} changed after it was applied "
                    f"(recorded checksum {checksum[:12]}, file {migration.checksum[:12]})"
                )
        unknown = sorted(set(recorded) - {m.version for m in planned})
        if unknown:
            _log.warning("migrations_unknown_versions_recorded", versions=unknown)
        applied: list[str] = []
        for migration in planned:
            if migration.version in recorded:
                continue
            _apply_one(connection, migration)
            applied.append(migration.label)
            _log.info("migration_applied", migration=migration.label)
        current = max([*recorded, *(m.version for m in planned)], default=0)
    finally:
        connection.run("SELECT pg_advisory_unlock(:key)", key=ADVISORY_LOCK_KEY)
    return MigrationResult(tuple(applied), current)


def run(database: Database) -> MigrationResult:
    """Apply pending migrations through ``database`` (transient errors are retried)."""
    return database.session(apply_migrations)


def database_from_env(env: Mapping[str, str]) -> Database:
    """A :class:`Database` configured from DB_* variables, credentials from Secrets Manager."""
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if not region:
        raise ConfigError("AWS_REGION is not set; expected an AWS region such as us-east-1")
    settings = DatabaseSettings.from_env(env)
    if settings.iam_user is not None:
        raise ConfigError(
            f"DB_IAM_USER={settings.iam_user!r} is set; migrations run as the master user "
            "of DB_SECRET_ARN, not as the application role"
        )
    credentials = SecretCache(
        secrets_manager_client(region),
        settings.secret_arn,
        ttl_seconds=settings.secret_ttl_seconds,
    )
    if settings.cluster_id is None or settings.global_cluster_id is None:
        return Database(settings, credentials)
    # DB_HOST is this region's cluster endpoint: migrate only where this region's cluster
    # writes (DescribeGlobalClusters through this region's RDS API; without an answer, the
    # migrations' own read-only check decides: see payment_service.writer).
    rds = boto3_client("rds", region, RDS_CALL_TIMEOUTS.limits())
    status = GlobalWriterStatus(rds, settings.global_cluster_id, region, settings.cluster_id)
    WriteFence(region, settings.cluster_id, settings.host, status).approve()
    return Database(settings, credentials)


def run_from_env(env: Mapping[str, str]) -> MigrationResult:
    """Build the database from ``env``, apply pending migrations and close the connection."""
    database = database_from_env(env)
    try:
        result = run(database)
    finally:
        database.close()
    _log.info(
        "migrations_finished",
        applied=list(result.applied),
        current_version=result.current_version,
        skipped_reason=result.skipped_reason,
    )
    return result


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point (``payment_service.migrations.handler``); raises on failure."""
    configure_logging(os.environ.get("LOG_LEVEL", "INFO").upper())
    return run_from_env(os.environ).to_json()


def main(env: Mapping[str, str] | None = None) -> int:
    """Command-line entry point: apply migrations, print the result as JSON, return 0 or 1."""
    configure_logging(stream=sys.stderr)
    try:
        result = run_from_env(os.environ if env is None else env)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    except (MigrationError, ServiceError) as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_json(), sort_keys=True))
    return 0
