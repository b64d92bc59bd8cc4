"""Runtime configuration read from environment variables.

Every value is validated once, at cold start; an invalid value raises :class:`ConfigError`
naming the variable, the value received and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from payment_service.errors import ConfigError

#: The Amazon RDS CA bundle shipped inside this package (see README, "TLS to the database").
PACKAGED_CA_BUNDLE = "certs/rds-global-bundle.pem"

_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_CLUSTER_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")
_DB_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _required(env: Mapping[str, str], name: str, allowed: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set; expected {allowed}")
    return value


def _matching(env: Mapping[str, str], name: str, pattern: re.Pattern[str], allowed: str) -> str:
    value = _required(env, name, allowed)
    if not pattern.fullmatch(value):
        raise ConfigError(f"{name}={value!r} is invalid; expected {allowed}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer; expected {low}..{high}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range; expected {low}..{high}")
    return value


def packaged_ca_bundle() -> Path:
    """Path of the Amazon RDS CA bundle shipped as package data."""
    return Path(str(resources.files("payment_service").joinpath(PACKAGED_CA_BUNDLE)))


def resolve_ca_bundle(value: str | None) -> Path:
    """The CA file used to verify the database server certificate.

    ``value`` (from ``DB_CA_BUNDLE``) wins when set; otherwise the packaged RDS bundle is used.
    Raises :class:`ConfigError` when the file does not exist.
    """
    if value is not None and value.strip():
        path = Path(value.strip())
        if not path.is_file():
            raise ConfigError(
                f"DB_CA_BUNDLE={value!r} does not exist or is not a file; expected the path of "
                "a PEM file holding the CA certificates that sign the database server "
                "certificate (for Aurora: the Amazon RDS global bundle)"
            )
        return path
    path = packaged_ca_bundle()
    if not path.is_file():
        raise ConfigError(
            f"the packaged RDS CA bundle is missing at {path}; set DB_CA_BUNDLE to the path of "
            "the Amazon RDS global bundle (global-bundle.pem)"
        )
    return path


@dataclass(frozen=True)
class DatabaseSettings:
    """How to reach the PostgreSQL (Aurora) writer endpoint."""

    host: str
    """DB_HOST: endpoint host name; it must match the server certificate. With the write fence
    (DB_CLUSTER_ID and DB_GLOBAL_CLUSTER_ID): this region's own cluster endpoint."""
    secret_arn: str
    """DB_SECRET_ARN: Secrets Manager secret holding JSON ``{"username", "password"}``
    (the migrations' master secret). Empty when ``iam_user`` is set."""
    ca_bundle: Path
    """DB_CA_BUNDLE: PEM file of trusted CAs; defaults to the packaged RDS bundle."""
    port: int = 5432
    """DB_PORT: TCP port; 5432 when unset."""
    name: str = "payments"
    """DB_NAME: database name; ``payments`` when unset."""
    connect_timeout_seconds: int = 5
    """DB_CONNECT_TIMEOUT_SECONDS: socket timeout for connecting and for each round trip."""
    statement_timeout_ms: int = 5000
    """DB_STATEMENT_TIMEOUT_MS: server-side statement timeout for every session."""
    secret_ttl_seconds: int = 300
    """SECRET_CACHE_TTL_SECONDS: how long fetched credentials are reused."""
    iam_user: str | None = None
    """DB_IAM_USER: connect as this role with IAM database authentication (the API);
    unset: the user and password of DB_SECRET_ARN (the migrations)."""
    cluster_id: str | None = None
    """DB_CLUSTER_ID: this region's Aurora cluster identifier. With DB_GLOBAL_CLUSTER_ID it
    turns the write fence on (:mod:`payment_service.writer`): writes go to DB_HOST, this
    cluster's endpoint, only while DescribeGlobalClusters (through this region's RDS API)
    reports this cluster as the writer, or, without an answer, while the database is
    writable."""
    global_cluster_id: str | None = None
    """DB_GLOBAL_CLUSTER_ID: the Aurora global cluster identifier; set with DB_CLUSTER_ID."""
    reader_host: str | None = None
    """DB_READER_HOST: this region's reader endpoint; a standby region checks its readiness
    (``pg_is_in_recovery()``, replication lag) through it."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DatabaseSettings:
        """Read and validate the DB_* variables."""
        iam_user = env.get("DB_IAM_USER", "").strip() or None
        if iam_user is not None:
            _matching(env, "DB_IAM_USER", _DB_NAME, "a PostgreSQL role name (letters, digits, _)")
        cluster_id = env.get("DB_CLUSTER_ID", "").strip() or None
        if cluster_id is not None:
            _matching(env, "DB_CLUSTER_ID", _CLUSTER_ID, "an Aurora cluster identifier")
        global_cluster_id = env.get("DB_GLOBAL_CLUSTER_ID", "").strip() or None
        if global_cluster_id is not None:
            _matching(
                env, "DB_GLOBAL_CLUSTER_ID", _CLUSTER_ID, "an Aurora global cluster identifier"
            )
        if (cluster_id is None) != (global_cluster_id is None):
            raise ConfigError(
                f"DB_CLUSTER_ID={cluster_id or ''!r} and DB_GLOBAL_CLUSTER_ID="
                f"{global_cluster_id or ''!r}; expected both (the write fence) or neither"
            )
        reader_host = env.get("DB_READER_HOST", "").strip() or None
        if reader_host is not None:
            _matching(env, "DB_READER_HOST", _HOST, "a DNS name or IPv4 address")
        return cls(
            cluster_id=cluster_id,
            global_cluster_id=global_cluster_id,
            reader_host=reader_host,
            host=_matching(env, "DB_HOST", _HOST, "a DNS name or IPv4 address"),
            secret_arn=""
            if iam_user is not None
            else _matching(env, "DB_SECRET_ARN", _SECRET_ARN, "a Secrets Manager ARN"),
            iam_user=iam_user,
            ca_bundle=resolve_ca_bundle(env.get("DB_CA_BUNDLE")),
            port=_int(env, "DB_PORT", 5432, 1, 65535),
            name=(
                _matching(env, "DB_NAME", _DB_NAME, "a PostgreSQL identifier (letters, digits, _)")
                if env.get("DB_NAME", "").strip()
                else "payments"
            ),
            connect_timeout_seconds=_int(env, "DB_CONNECT_TIMEOUT_SECONDS", 5, 1, 60),
            statement_timeout_ms=_int(env, "DB_STATEMENT_TIMEOUT_MS", 5000, 100, 60000),
            secret_ttl_seconds=_int(env, "SECRET_CACHE_TTL_SECONDS", 300, 0, 3600),
        )


@dataclass(frozen=True)
class Settings:
    """Everything the payment API needs at cold start."""

    region: str
    """AWS_REGION: the region this function runs in (set by Lambda)."""
    database: DatabaseSettings
    session_table_name: str
    """SESSION_TABLE_NAME: DynamoDB table for sessions and idempotency records."""
    payment_id_key_secret_arn: str
    """PAYMENT_ID_KEY_SECRET_ARN: this region's copy of the secret holding the key payment ids
    are derived with (:mod:`payment_service.payment_ids`); never rotated."""
    idempotency_ttl_seconds: int = 86400
    """IDEMPOTENCY_TTL_SECONDS: lifetime of an idempotency record in DynamoDB (24 h)."""
    log_level: str = "INFO"
    """LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    deadline_margin_ms: int = 1000
    """REQUEST_DEADLINE_MARGIN_MS: time kept back from the invocation's remaining time; the
    request deadline is the remaining time minus this margin."""
    cache_timeout_ms: int = 250
    """IDEMPOTENCY_CACHE_TIMEOUT_MS: connect and read timeout of the DynamoDB client (one
    attempt), so a cache call takes at most twice this."""
    health_budget_ms: int = 1500
    """HEALTH_BUDGET_MS: time ``GET /health`` may take. Route 53 HTTP(S) health checkers
    expect a status code within two seconds of connecting."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and validate every variable the API handler uses."""
        log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in _LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL={log_level!r} is invalid; expected one of {_LOG_LEVELS}")
        return cls(
            region=_matching(env, "AWS_REGION", _REGION, "an AWS region such as us-east-1"),
            database=DatabaseSettings.from_env(env),
            session_table_name=_matching(
                env, "SESSION_TABLE_NAME", _TABLE_NAME, "a DynamoDB table name (3-255 chars)"
            ),
            payment_id_key_secret_arn=_matching(
                env, "PAYMENT_ID_KEY_SECRET_ARN", _SECRET_ARN, "a Secrets Manager ARN"
            ),
            idempotency_ttl_seconds=_int(env, "IDEMPOTENCY_TTL_SECONDS", 86400, 60, 2592000),
            log_level=log_level,
            deadline_margin_ms=_int(env, "REQUEST_DEADLINE_MARGIN_MS", 1000, 50, 10000),
            cache_timeout_ms=_int(env, "IDEMPOTENCY_CACHE_TIMEOUT_MS", 250, 10, 5000),
            health_budget_ms=_int(env, "HEALTH_BUDGET_MS", 1500, 100, 30000),
        )
