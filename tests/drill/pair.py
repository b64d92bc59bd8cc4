"""Two PostgreSQL servers standing in for the two regions: a primary and a streaming standby.

Replication is asynchronous (``synchronous_standby_names`` empty), like an Aurora global
database, and durability settings are PostgreSQL's defaults (``synchronous_commit``,
``fsync`` and ``full_page_writes`` on). After a promotion the promoted server becomes the
primary of the next pair: a new standby is cloned from it with ``pg_basebackup``, so one
``initdb`` serves every run of a drill.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from payment_service.connection import Connection
from tests.runtime.postgres import (
    PostgresServer,
    create_migrated_databases,
    create_server,
    create_standby,
    remove,
)

APP_USER = "payments_app"
DATABASE = "payments"
DEFAULT_DURABILITY = {"synchronous_commit": "on", "fsync": "on", "full_page_writes": "on"}
"""The helper's fast test settings turned back to PostgreSQL's defaults."""


def scalar(connection: Connection, sql: str) -> object:
    rows = connection.run(sql)
    assert rows, sql
    return rows[0][0]


@dataclass
class ReplicatedPair:
    """The current primary and standby, and every server made so far (for cleanup)."""

    primary: PostgresServer
    standby: PostgresServer
    app_password: str
    servers: list[PostgresServer] = field(default_factory=list)

    @classmethod
    def create(cls) -> ReplicatedPair:
        """initdb, start, create the application role, database and schema, clone a standby."""
        primary = create_server(DEFAULT_DURABILITY, replication=True)
        servers = [primary]
        try:
            primary.start()
            app_password = create_migrated_databases(primary, APP_USER, (DATABASE,))
            pair = cls(primary, primary, app_password, servers)
            pair.standby = pair._new_standby()
            return pair
        except BaseException:
            for server in servers:
                server.stop()
                remove(server)
            raise

    def _new_standby(self) -> PostgresServer:
        standby = create_standby(self.primary, DEFAULT_DURABILITY)
        self.servers.append(standby)
        standby.start()
        self.wait_streaming()
        return standby

    def wait_streaming(self, timeout: float = 30.0) -> None:
        """Until the primary reports a streaming standby."""
        deadline = time.monotonic() + timeout
        admin = self.primary.connect()
        try:
            while time.monotonic() < deadline:
                rows = admin.run(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                )
                if rows and rows[0][0] == 1:
                    return
                time.sleep(0.02)
        finally:
            admin.close()
        raise TimeoutError("the standby did not start streaming")

    def rotate(self) -> None:
        """After a promotion: the promoted standby is the primary; clone a new standby."""
        self.primary = self.standby
        self.standby = self._new_standby()

    def replay_caught_up(self, timeout: float = 10.0) -> str:
        """Wait until the standby replayed the primary's current WAL position; return it."""
        admin = self.primary.connect()
        try:
            target = str(scalar(admin, "SELECT pg_current_wal_lsn()"))
        finally:
            admin.close()
        replica = self.standby.connect()
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                behind = scalar(
                    replica, f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())"
                )
                if float(str(behind)) <= 0:
                    return target
                time.sleep(0.002)
        finally:
            replica.close()
        raise TimeoutError(f"the standby did not replay up to {target}")

    def cut_replication(self) -> None:
        """Stop the standby's WAL receiver (empty ``primary_conninfo``): later commits on the
        primary are never replicated. Used to prove that data loss is detected."""
        replica = self.standby.connect()
        try:
            replica.run("ALTER SYSTEM SET primary_conninfo = ''")
            replica.run("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if scalar(replica, "SELECT count(*) FROM pg_stat_wal_receiver") == 0:
                    return
                time.sleep(0.01)
        finally:
            replica.close()
        raise TimeoutError("the WAL receiver did not stop")

    def keys_on(self, server: PostgresServer, prefix: str) -> dict[str, str]:
        """Idempotency key -> payment id of the payments whose key starts with ``prefix``."""
        connection = server.connect(DATABASE)
        try:
            rows = connection.run(
                "SELECT idempotency_key, id::text FROM payments WHERE idempotency_key LIKE :p",
                p=prefix + "%",
            )
        finally:
            connection.close()
        return {str(key): str(payment_id) for key, payment_id in rows or []}

    def close(self) -> None:
        """Stop and remove every server."""
        for server in self.servers:
            server.stop()
            remove(server)
