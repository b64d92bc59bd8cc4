"""``payment-dr preflight`` against moto (S3, Route 53, RDS) and a local DNS server."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from dr_app.cli.commands.preflight import CheckResult, boto3_client, run_checks
from dr_app.cli.preflight_dns import DnsLookupError, build_query, lookup_ns, parse_ns_reply
from payment_dr_core import EnvironmentConfig

ZONE = "payments.example.com"
NAME_SERVERS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"]


class _Lambda:
    """GetAccountSettings with the response shape of the Lambda API reference (moto 5.2
    answers 404 "Not yet implemented" for this operation)."""

    def __init__(self, unreserved: int, total: int = 1000) -> None:
        self.limits = {"ConcurrentExecutions": total, "UnreservedConcurrentExecutions": unreserved}

    def get_account_settings(self) -> dict[str, Any]:
        return {"AccountLimit": self.limits, "AccountUsage": {"FunctionCount": 0}}


LOGGING_ROLE = "arn:aws:iam::123456789012:role/apigw-cloudwatch"


class _ApiGateway:
    """GetAccount with the response shape of the API Gateway API reference: ``cloudwatchRoleArn``
    is absent until an account setting names a role (moto's API Gateway needs an extra
    package this workspace does not install)."""

    def __init__(self, role: str | None) -> None:
        self.role = role

    def get_account(self) -> dict[str, Any]:
        account: dict[str, Any] = {
            "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
            "apiKeyVersion": "4",
        }
        if self.role is not None:
            account["cloudwatchRoleArn"] = self.role
        return account


def _clients(unreserved: dict[str, int], roles: dict[str, str | None] | None = None) -> Any:
    def make(service: str, region: str) -> Any:
        if service == "lambda":
            return _Lambda(unreserved[region])
        if service == "apigateway":
            return _ApiGateway((roles or {}).get(region, LOGGING_ROLE))
        return boto3_client(service, region)

    return make


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    with mock_aws():
        route53 = boto3.client("route53", region_name="us-east-1")
        zone = route53.create_hosted_zone(Name=ZONE, CallerReference="preflight")
        servers = zone["DelegationSet"]["NameServers"]
        s3 = boto3.client("s3", region_name="us-west-2")
        s3.create_bucket(
            Bucket="payment-processing-tfstate-pf1",
            CreateBucketConfiguration={"LocationConstraint": "us-west-2"},
        )
        s3.put_bucket_versioning(
            Bucket="payment-processing-tfstate-pf1", VersioningConfiguration={"Status": "Enabled"}
        )
        yield {"servers": ",".join(servers)}


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def test_a_ready_account_passes_every_check(aws: dict[str, str]) -> None:
    config = EnvironmentConfig(suffix="pf1", hosted_zone_name=ZONE)
    served = {s.lower() for s in aws["servers"].split(",")}
    results = run_checks(
        config, "14.6", _clients({"us-east-1": 1000, "us-east-2": 1000}), lambda _: served
    )
    assert [r.line() for r in results if not r.passed] == []
    assert [r.name for r in results] == [
        "bucket name payment-processing-data-use1-pf1",
        "bucket name payment-processing-access-logs-use1-pf1",
        "bucket name payment-processing-data-use2-pf1",
        "bucket name payment-processing-access-logs-use2-pf1",
        f"hosted zone {ZONE}",
        "state bucket payment-processing-tfstate-pf1 (us-west-2)",
        "Lambda concurrency us-east-1",
        "Lambda concurrency us-east-2",
        "Aurora PostgreSQL 14.6 db.serverless us-east-1",
        "Aurora PostgreSQL 14.6 db.serverless us-east-2",
        "API Gateway logging role us-east-1",
        "API Gateway logging role us-east-2",
        "secret payment-processing-api-client-keys-pf1 us-east-1",
        "secret payment-processing-api-client-keys-pf1 us-east-2",
        "secret payment-processing-payment-id-key-pf1 us-east-1",
        "secret payment-processing-payment-id-key-pf1 us-east-2",
    ]
    assert results[11].detail == f"set to {LOGGING_ROLE}"
    # Before the first apply the secrets do not exist: nothing to write yet.
    assert results[-1].detail == (
        "not created yet: after the first apply write the payment id key (docs/deployment.md, 4c)"
    )


def test_an_account_without_the_api_gateway_logging_role_fails_unless_managed_here() -> None:
    from dr_app.cli.commands.preflight import check_api_gateway_account

    clients = _clients({}, {"us-east-1": LOGGING_ROLE, "us-east-2": None})
    config = EnvironmentConfig(suffix="pf1")
    assert check_api_gateway_account(config, clients, "us-east-1").passed
    missing = check_api_gateway_account(config, clients, "us-east-2")
    assert missing.line() == (
        "FAIL  API Gateway logging role us-east-2: not set: stages cannot log until it is; "
        "set it once per account and region (docs/deployment.md) or set "
        "manage_api_gateway_account = true in one environment"
    )
    managed = EnvironmentConfig(suffix="pf1", manage_api_gateway_account=True)
    assert check_api_gateway_account(managed, clients, "us-east-2").line() == (
        "PASS  API Gateway logging role us-east-2: managed by this environment "
        "(manage_api_gateway_account)"
    )


def test_each_problem_fails_its_own_line(aws: dict[str, str]) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(
        Bucket="payment-processing-data-use1-pf1"
    )
    boto3.client("s3", region_name="us-west-2").put_bucket_versioning(
        Bucket="payment-processing-tfstate-pf1", VersioningConfiguration={"Status": "Suspended"}
    )
    config = EnvironmentConfig(suffix="pf1", hosted_zone_name=ZONE)
    results = _by_name(
        run_checks(
            config,
            "9.9",
            _clients({"us-east-1": 1000, "us-east-2": 50}),
            lambda _: {"ns1.registrar-parking.example"},
        )
    )
    failed = {name: r.detail for name, r in results.items() if not r.passed}
    assert failed == {
        "bucket name payment-processing-data-use1-pf1": (
            "exists already in this account: import or delete it"
        ),
        f"hosted zone {ZONE}": failed[f"hosted zone {ZONE}"],
        "state bucket payment-processing-tfstate-pf1 (us-west-2)": (
            "versioning is Suspended: enable it"
        ),
        "Lambda concurrency us-east-2": (
            "50 unreserved of 1000; need 510 (api_throttle_rate 500/s x 1 s + 10): "
            "request a quota increase"
        ),
        "Aurora PostgreSQL 9.9 db.serverless us-east-1": (
            "not orderable: pick a version this region offers"
        ),
        "Aurora PostgreSQL 9.9 db.serverless us-east-2": (
            "not orderable: pick a version this region offers"
        ),
    }
    assert failed[f"hosted zone {ZONE}"].startswith(
        "not delegated to this zone: DNS serves ['ns1.registrar-parking.example']"
    )


def test_missing_zone_and_state_bucket_fail(aws: dict[str, str]) -> None:
    config = EnvironmentConfig(
        suffix="pf2", hosted_zone_name="other.example.com", domain_name="api.other.example.com"
    )
    results = _by_name(
        run_checks(config, "14.6", _clients({"us-east-1": 1000, "us-east-2": 1000}), set)
    )
    assert results["hosted zone other.example.com"].line() == (
        "FAIL  hosted zone other.example.com: no public hosted zone with this name "
        "(create_hosted_zone is false)"
    )
    assert results["state bucket payment-processing-tfstate-pf2 (us-west-2)"].line() == (
        "FAIL  state bucket payment-processing-tfstate-pf2 (us-west-2): does not exist: "
        "create it with versioning first"
    )


def test_concurrency_boundary() -> None:
    from dr_app.cli.commands.preflight import check_lambda_concurrency

    config = EnvironmentConfig(suffix="pf1", api_throttle_rate=90, api_throttle_burst=200)
    just_enough = check_lambda_concurrency(config, lambda *_: _Lambda(100), "us-east-2")
    one_short = check_lambda_concurrency(config, lambda *_: _Lambda(99), "us-east-2")
    assert (
        just_enough.line() == "PASS  Lambda concurrency us-east-2: 100 unreserved of 1000; need 100"
    )
    assert one_short.passed is False


def test_dns_lookup_failure_fails_the_zone_check(aws: dict[str, str]) -> None:
    def timeout(_: str) -> set[str]:
        raise DnsLookupError("no answer from 192.0.2.1 within 3 s")

    config = EnvironmentConfig(suffix="pf1", hosted_zone_name=ZONE)
    results = _by_name(
        run_checks(config, "14.6", _clients({"us-east-1": 1000, "us-east-2": 1000}), timeout)
    )
    assert results[f"hosted zone {ZONE}"].detail == (
        "not delegated: NS lookup failed: no answer from 192.0.2.1 within 3 s"
    )


@pytest.mark.skip(
    reason="moto 5.2 does not implement Lambda GetAccountSettings (it answers 404 'Not yet "
    "implemented'); the concurrency check is tested above with the documented response shape"
)
def test_lambda_concurrency_against_moto() -> None:
    with mock_aws():
        boto3.client("lambda", region_name="us-east-1").get_account_settings()


def _reply(query: bytes, servers: list[str]) -> bytes:
    query_id = struct.unpack("!H", query[:2])[0]
    question = query[12:]
    header = struct.pack("!HHHHHH", query_id, 0x8180, 1, len(servers), 0, 0)
    answers = b""
    for server in servers:
        target = b"".join(bytes([len(p)]) + p.encode() for p in server.split(".")) + b"\x00"
        answers += b"\xc0\x0c" + struct.pack("!HHIH", 2, 1, 300, len(target)) + target
    return header + question + answers


@pytest.fixture
def dns_server() -> Iterator[tuple[str, int]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def serve() -> None:
        query, peer = sock.recvfrom(512)
        sock.sendto(_reply(query, NAME_SERVERS), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()
    sock.close()


def test_ns_lookup_reads_the_answer_of_a_dns_server(dns_server: tuple[str, int]) -> None:
    host, port = dns_server
    assert lookup_ns(ZONE, server=host, port=port, timeout=2) == set(NAME_SERVERS)


def test_ns_lookup_times_out_instead_of_hanging() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(DnsLookupError, match=r"within 0\.2 s"):
            lookup_ns(ZONE, server="127.0.0.1", port=silent.getsockname()[1], timeout=0.2)
    finally:
        silent.close()


def test_an_nxdomain_reply_is_an_error() -> None:
    query = build_query(ZONE, 7)
    reply = bytearray(_reply(query, []))
    reply[3] = (reply[3] & 0xF0) | 3
    with pytest.raises(DnsLookupError, match="NXDOMAIN"):
        parse_ns_reply(bytes(reply), 7)


def test_a_secret_the_apply_created_without_a_value_fails_until_it_holds_one() -> None:
    from dr_app.cli.commands.preflight import check_secret_value

    config = EnvironmentConfig(suffix="pf1")
    with mock_aws():
        for region in ("us-east-1", "us-east-2"):
            # Terraform creates the secret without a value (aws_secretsmanager_secret).
            boto3.client("secretsmanager", region_name=region).create_secret(
                Name="payment-processing-payment-id-key-pf1"
            )
        boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
            SecretId="payment-processing-payment-id-key-pf1", SecretString='{"k": "v"}'
        )
        written = check_secret_value(config, boto3_client, "us-east-1", "payment-id-key")
        empty = check_secret_value(config, boto3_client, "us-east-2", "payment-id-key")

    assert written.line() == (
        "PASS  secret payment-processing-payment-id-key-pf1 us-east-1: holds the payment id key"
    )
    assert empty.line() == (
        "FAIL  secret payment-processing-payment-id-key-pf1 us-east-2: has no value: write the "
        "payment id key (docs/deployment.md, 4c); until then the API cannot serve payments"
    )


def test_the_secret_names_are_the_ones_the_stacks_create() -> None:
    from dr_app.cli.commands.preflight import OPERATOR_SECRETS
    from payment_dr_compute.client_keys import CLIENT_KEYS_COMPONENT
    from payment_dr_compute.payment_id_key import PAYMENT_ID_KEY_COMPONENT

    assert [component for component, _what, _step in OPERATOR_SECRETS] == [
        CLIENT_KEYS_COMPONENT,
        PAYMENT_ID_KEY_COMPONENT,
    ]
