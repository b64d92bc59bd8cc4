"""The write fence as deployed: the API built from its environment (``build_service``) with the
RDS API of moto, and a promotion on a real streaming standby, with the deployed defaults."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import boto3  # type: ignore[import-untyped]
import pytest

from payment_service import api, connection
from payment_service.api import PaymentService, build_service
from payment_service.config import DatabaseSettings, Settings
from payment_service.db import Database
from payment_service.errors import ConfigError
from payment_service.repository import PaymentRepository
from payment_service.resolver import HostResolver
from payment_service.secrets import DbCredentials, StaticCredentials
from payment_service.writer import PROMOTION_BOUND_SECONDS
from payment_service.writer_sources import NO_CLUSTER_ENDPOINT, read_writer_sources
from tests.drill.pair import APP_USER, DATABASE, ReplicatedPair
from tests.runtime.conftest import REGION, TABLE_NAME, AwsResources, Databases, count_payments
from tests.runtime.events import post_payment, response_json
from tests.runtime.global_cluster import (
    GLOBAL_ID,
    USE1_ARN,
    USE2_ARN,
    USE2_HOST,
    USE2_ID,
    Clock,
    FakeRds,
    fence_in,
)
from tests.runtime.postgres import PostgresUnavailableError

CLUSTER_ID = "payment-processing-aurora-use1-ci7"
ID_KEY_ARN = "arn:aws:secretsmanager:us-east-2:123456789012:secret:payments-id-key-AbCdEf"


@pytest.fixture
def moto_global_cluster(aws: AwsResources) -> str:
    """A global cluster in moto whose only member, this region's cluster, is the writer."""
    rds = boto3.client("rds", region_name=REGION)
    rds.create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, Engine="aurora-postgresql", EngineVersion="16.4"
    )
    rds.create_db_cluster(
        DBClusterIdentifier=CLUSTER_ID,
        GlobalClusterIdentifier=GLOBAL_ID,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword="not-used-here-1",
    )
    return GLOBAL_ID


def test_the_deployed_function_writes_while_the_global_endpoint_chain_has_no_cluster_endpoint(
    databases: Databases,
    aws: AwsResources,
    moto_global_cluster: str,
    admin: object,
    clean_payments: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved: list[str] = []

    def chain_without_cluster_endpoint(name: str) -> tuple[str, list[str], list[str]]:
        # A global endpoint whose CNAME chain never passes through a cluster endpoint.
        resolved.append(name)
        return ("ec2-3-5-7-9.compute-1.amazonaws.com", [name], ["3.5.7.9"])

    monkeypatch.setattr(socket, "gethostbyname_ex", chain_without_cluster_endpoint)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secret_arn = secrets.create_secret(
        Name="payments-app-db",
        SecretString=json.dumps(
            {"username": databases.credentials.username, "password": databases.app_password}
        ),
    )["ARN"]
    id_key_arn = secrets.create_secret(
        Name="payments-id-key",
        SecretString=json.dumps({"payment_id_key": base64.b64encode(bytes(range(32))).decode()}),
    )["ARN"]
    env = {
        "AWS_REGION": REGION,
        "DB_HOST": databases.server.host,  # this region's cluster endpoint
        "DB_PORT": str(databases.server.port),
        "DB_NAME": "payments",
        "DB_SECRET_ARN": secret_arn,
        "DB_CA_BUNDLE": str(databases.server.ca_file),
        "DB_CLUSTER_ID": CLUSTER_ID,
        "DB_GLOBAL_CLUSTER_ID": GLOBAL_ID,
        "SESSION_TABLE_NAME": TABLE_NAME,
        "PAYMENT_ID_KEY_SECRET_ARN": id_key_arn,
    }
    service = build_service(Settings.from_env(env))
    try:
        response = service.handle(post_payment("as-deployed-0001"))
    finally:
        assert isinstance(service.database, Database)
        service.database.close()

    assert response["statusCode"] == 201, response_json(response)
    assert count_payments(admin, "as-deployed-0001") == 1  # type: ignore[arg-type]
    assert resolved == []  # the fence never looks at the global endpoint's DNS
    comparison = read_writer_sources(
        [(REGION, boto3.client("rds", region_name=REGION))], moto_global_cluster
    )
    assert comparison.verdict == NO_CLUSTER_ENDPOINT
    assert (comparison.api_writer_region, comparison.api_writer_cluster) == (REGION, CLUSTER_ID)


@pytest.fixture
def pair() -> Iterator[ReplicatedPair]:
    try:
        created = ReplicatedPair.create()
    except PostgresUnavailableError as exc:
        pytest.skip(f"needs PostgreSQL: {exc}")
    yield created
    created.close()


def test_after_a_promotion_the_new_region_writes_within_the_stated_bound(
    pair: ReplicatedPair, aws: AwsResources
) -> None:
    # us-east-2's API in front of the standby, which RDS does not yet report as the writer.
    rds, clock = FakeRds(writer=USE1_ARN), Clock()
    standby = pair.standby
    fence = fence_in("us-east-2", rds, clock, host=standby.host)
    database = Database(
        DatabaseSettings(
            host=standby.host,
            port=standby.port,
            name=DATABASE,
            secret_arn="",
            ca_bundle=standby.ca_file,
        ),
        StaticCredentials(DbCredentials(APP_USER, pair.app_password)),
        guard=fence,
    )
    service = PaymentService(
        region="us-east-2",
        repository=PaymentRepository(database),
        database=database,
        idempotency_store=aws.store,
        sessions_table=aws.store,
        fence=fence,
    )
    try:
        refused = service.handle(post_payment("promotion-0001"))
        assert refused["statusCode"] == 503
        assert response_json(refused)["error"]["code"] == "not_writer_region"  # type: ignore[index]

        standby.promote()  # FailoverGlobalCluster: the database writes ...
        rds.writer = USE2_ARN  # ... and us-east-2's RDS API reports it
        promoted_at = clock.now

        clock.now = promoted_at + PROMOTION_BOUND_SECONDS - 0.001
        still = service.handle(post_payment("promotion-0002"))
        assert still["statusCode"] == 503
        clock.now = promoted_at + PROMOTION_BOUND_SECONDS
        created = service.handle(post_payment("promotion-0003"))
        assert created["statusCode"] == 201
    finally:
        database.close()
    assert set(pair.keys_on(standby, "promotion-")) == {"promotion-0003"}


def test_iam_tokens_are_signed_for_this_regions_cluster_endpoint_and_region(
    aws: AwsResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed: list[tuple[str, int, str, str | None]] = []
    opened: list[tuple[str, str]] = []

    class Rds(FakeRds):
        def generate_db_auth_token(
            self,
            DBHostname: str,  # noqa: N803
            Port: int,  # noqa: N803
            DBUsername: str,  # noqa: N803
            Region: str | None = None,  # noqa: N803
        ) -> str:
            signed.append((DBHostname, Port, DBUsername, Region))
            return f"token-{len(signed)}"

    class Unreachable:
        def __init__(self, **params: object) -> None:
            opened.append((str(params["host"]), str(params["password"])))
            raise ConnectionRefusedError("connection refused")

    rds = Rds(writer=USE2_ARN)
    monkeypatch.setattr(api, "boto3_client", lambda service, region, limits: rds)
    monkeypatch.setattr(connection, "ScramOnlyConnection", Unreachable)
    # The cluster endpoint's name resolves (here to a local listener) so that the connection
    # reaches the point where the token is sent.
    listener = socket.create_server(("127.0.0.1", 0))
    address = listener.getsockname()
    monkeypatch.setattr(
        connection,
        "RESOLVER",
        HostResolver(lambda host, port: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]),
    )
    env = {
        "AWS_REGION": "us-east-2",
        "DB_HOST": USE2_HOST,
        "DB_IAM_USER": "payment_app",
        "DB_CLUSTER_ID": USE2_ID,
        "DB_GLOBAL_CLUSTER_ID": GLOBAL_ID,
        "SESSION_TABLE_NAME": TABLE_NAME,
        "PAYMENT_ID_KEY_SECRET_ARN": ID_KEY_ARN,
    }
    service = build_service(Settings.from_env(env))

    try:
        response = service.handle(post_payment("as-deployed-iam-0001"))
    finally:
        listener.close()

    assert response["statusCode"] == 503
    assert rds.asked == [GLOBAL_ID]
    assert signed == [(USE2_HOST, 5432, "payment_app", "us-east-2")]
    assert opened[0] == (USE2_HOST, "token-1")
    assert {host for host, _token in opened} == {USE2_HOST}


@pytest.mark.parametrize(("cluster", "global_cluster"), [(USE2_ID, ""), ("", GLOBAL_ID)])
def test_the_fence_needs_both_cluster_identifiers(cluster: str, global_cluster: str) -> None:
    env = {
        "AWS_REGION": "us-east-2",
        "DB_HOST": USE2_HOST,
        "DB_IAM_USER": "payment_app",
        "DB_CLUSTER_ID": cluster,
        "DB_GLOBAL_CLUSTER_ID": global_cluster,
        "SESSION_TABLE_NAME": TABLE_NAME,
    }

    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert str(raised.value) == (
        f"DB_CLUSTER_ID={cluster!r} and DB_GLOBAL_CLUSTER_ID={global_cluster!r}; "
        "expected both (the write fence) or neither"
    )
