"""A throwaway PostgreSQL server with TLS for the runtime tests.

The server runs from the machine's PostgreSQL binaries in a temporary directory, listens on a
free port on 127.0.0.1 (and 127.0.0.2, for the host-name check test) and accepts only TLS
connections with SCRAM passwords. Its certificate is signed by a CA generated for the session
with the ``openssl`` command; a second, unrelated CA is generated for negative tests. A
streaming hot standby of a server can be made with :func:`create_standby` (the DR drill).
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pg8000 import native as pg_native  # type: ignore[import-untyped]

from payment_service.connection import Connection
from payment_service.migrations import apply_migrations

SUPERUSER = "postgres"


class PostgresUnavailableError(Exception):
    """PostgreSQL server binaries or the openssl command are missing."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    raise PostgresUnavailableError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via `pg_config --bindir` "
        "or /usr/lib/postgresql/*/bin; install the postgresql package"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(directory: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", "-subj", f"/CN=payment-dr {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip


def make_certificates(directory: Path) -> tuple[Path, Path, Path, Path]:
    """CA, other CA, server certificate (CN localhost, SAN localhost/127.0.0.1) and key."""
    if shutil.which("openssl") is None:
        raise PostgresUnavailableError("the openssl command is not installed")
    _make_ca(directory, "ca")
    _make_ca(directory, "other-ca")
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=localhost",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-set_serial", "1001", "-days", "2", "-sha256", "-extfile", "server.ext",
        "-out", "server.crt",
        cwd=directory,
    )  # fmt: skip
    return (
        directory / "ca.crt",
        directory / "other-ca.crt",
        directory / "server.crt",
        directory / "server.key",
    )


@dataclass
class PostgresServer:
    """A running server and how to reach it."""

    bindir: Path
    base_dir: Path
    port: int
    ca_file: Path
    other_ca_file: Path
    superuser_password: str = field(repr=False)
    run_as: str | None
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    def ssl_context(self, ca_file: Path | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(ca_file or self.ca_file))
        context.check_hostname = True
        return context

    def connect(
        self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None
    ) -> Connection:
        connection: Connection = pg_native.Connection(
            user=user,
            password=password if password is not None else self.superuser_password,
            host=self.host,
            port=self.port,
            database=database,
            ssl_context=self.ssl_context(),
            timeout=10,
        )
        return connection

    def _pg(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            check=False,
            user=self.run_as,
            group=pwd.getpwnam(self.run_as).pw_gid if self.run_as else None,
            extra_groups=[] if self.run_as else None,
            timeout=60,
        )

    def start(self) -> None:
        result = self._pg(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.base_dir / "server.log"),
            "-w", "-t", "30", "start",
        )  # fmt: skip
        if result.returncode != 0:
            log = (self.base_dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}\n{log}")

    def stop(self, mode: str = "immediate") -> None:
        """``pg_ctl stop -m <mode>``: ``immediate`` (a crash, no checkpoint) or ``fast``."""
        self._pg("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def promote(self) -> None:
        """``pg_ctl promote -w``: end recovery on a standby and accept writes."""
        result = self._pg("pg_ctl", "-D", str(self.data_dir), "-w", "-t", "30", "promote")
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl promote failed: {result.stderr.strip()}")


def _service_user() -> str | None:
    """The account to run PostgreSQL as: the current one unless it is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresUnavailableError("running as root and neither a 'postgres' nor 'nobody' account")


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _new_base_dir(run_as: str | None) -> Path:
    base_dir = Path(tempfile.mkdtemp(prefix="payment-dr-pg-"))
    os.chmod(base_dir, 0o700)
    (base_dir / "sock").mkdir()
    if run_as is not None:
        _chown_tree(base_dir, run_as)
    return base_dir


def _settings_text(settings: Mapping[str, str]) -> str:
    return "".join(f"{name} = {value}\n" for name, value in settings.items())


def create_server(
    settings: Mapping[str, str] | None = None, *, replication: bool = False
) -> PostgresServer:
    """initdb, TLS material and configuration; the server is not started yet.

    ``settings`` are appended to postgresql.conf after the defaults below, so they override
    them (for example ``synchronous_commit``). ``replication`` also accepts TLS replication
    connections of the superuser (for ``pg_basebackup`` and streaming standbys).
    """
    bindir = find_bindir()
    run_as = _service_user()
    base_dir = Path(tempfile.mkdtemp(prefix="payment-dr-pg-"))
    os.chmod(base_dir, 0o700)
    tls_dir = base_dir / "tls"
    tls_dir.mkdir()
    ca_file, other_ca_file, server_crt, server_key = make_certificates(tls_dir)
    os.chmod(server_key, 0o600)
    password = secrets.token_urlsafe(24)
    (base_dir / "pwfile").write_text(password + "\n")
    (base_dir / "sock").mkdir()
    if run_as is not None:
        _chown_tree(base_dir, run_as)
    server = PostgresServer(
        bindir=bindir,
        base_dir=base_dir,
        port=free_port(),
        ca_file=ca_file,
        other_ca_file=other_ca_file,
        superuser_password=password,
        run_as=run_as,
    )
    result = server._pg(
        "initdb", "-D", str(server.data_dir), "-U", SUPERUSER,
        f"--pwfile={base_dir / 'pwfile'}", "--auth=scram-sha-256", "-E", "UTF8",
        "--locale=C", "--no-sync",
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"""
listen_addresses = '127.0.0.1,127.0.0.2'
port = {server.port}
unix_socket_directories = '{base_dir / "sock"}'
ssl = on
ssl_cert_file = '{server_crt}'
ssl_key_file = '{server_key}'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
"""
        )
        conf.write(_settings_text(settings or {}))
    hba = (
        "local   all all                scram-sha-256\n"
        "hostssl all all 127.0.0.1/32   scram-sha-256\n"
        "hostssl all all 127.0.0.2/32   scram-sha-256\n"
    )
    if replication:
        hba += f"hostssl replication {SUPERUSER} 127.0.0.1/32 scram-sha-256\n"
    (server.data_dir / "pg_hba.conf").write_text(hba)
    return server


def create_standby(
    primary: PostgresServer, settings: Mapping[str, str] | None = None
) -> PostgresServer:
    """A hot standby of the running ``primary``: ``pg_basebackup -R`` over TLS, own port.

    The primary must have been created with ``replication=True``. The standby streams WAL
    asynchronously (``synchronous_standby_names`` stays empty) and is not started yet.
    """
    base_dir = _new_base_dir(primary.run_as)
    standby = PostgresServer(
        bindir=primary.bindir,
        base_dir=base_dir,
        port=free_port(),
        ca_file=primary.ca_file,
        other_ca_file=primary.other_ca_file,
        superuser_password=primary.superuser_password,
        run_as=primary.run_as,
    )
    conninfo = (
        f"host={primary.host} port={primary.port} user={SUPERUSER} "
        f"password={primary.superuser_password} sslmode=verify-full "
        f"sslrootcert={primary.ca_file} sslcert={base_dir / 'no-client.crt'} "
        f"sslkey={base_dir / 'no-client.key'} application_name=standby"
    )  # no client certificate (libpq would otherwise look in the caller's home directory)
    result = standby._pg(
        "pg_basebackup", "-d", conninfo, "-D", str(standby.data_dir), "-R",
        "-X", "stream", "-c", "fast", "--no-sync",
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"pg_basebackup failed: {result.stderr.strip()}")
    with (standby.data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {standby.port}\n"
            f"unix_socket_directories = '{base_dir / 'sock'}'\n"
            "hot_standby = on\n"
        )
        conf.write(_settings_text(settings or {}))
    return standby


def create_migrated_databases(
    server: PostgresServer, user: str, databases: Sequence[str], *, rds_iam: bool = False
) -> str:
    """The role that runs the migrations, owning ``databases``, each migrated; its password.

    Like Aurora's master user the role may create roles: the migrations create the role the
    API connects as (``payment_app``). Roles belong to the whole server, so a server is
    migrated by one such role at a time. ``rds_iam`` also creates the role RDS provides for
    IAM database authentication and lets ``user`` grant it, as on Aurora.
    """
    password = secrets.token_urlsafe(18)
    admin = server.connect()
    try:
        admin.run(f"CREATE ROLE {user} LOGIN CREATEROLE PASSWORD '{password}'")
        if rds_iam:
            admin.run(
                "DO $$ BEGIN CREATE ROLE rds_iam NOLOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
            admin.run(f"GRANT rds_iam TO {user} WITH ADMIN OPTION")
        for name in databases:
            admin.run(f"CREATE DATABASE {name} OWNER {user}")
    finally:
        admin.close()
    for name in databases:
        app = server.connect(name, user=user, password=password)
        try:
            apply_migrations(app)
        finally:
            app.close()
    return password


def remove(server: PostgresServer) -> None:
    shutil.rmtree(server.base_dir, ignore_errors=True)
