"""The global writer endpoint, the write fence and the role ``/health`` reports."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import pytest

from payment_service.api import PaymentService
from payment_service.db_auth import IamAuthCredentials
from payment_service.errors import ServiceUnavailableError
from payment_service.writer import (
    NotWriterRegionError,
    WriteFence,
    WriterLocator,
    WriterTarget,
    parse_cluster_endpoint,
)
from tests.runtime.conftest import STANDBY_DB, MakeDatabase, MakeService, count_payments
from tests.runtime.events import api_event, header, post_payment, response_json

GLOBAL = "payments-ci7.global-abcdef123456.global.rds.amazonaws.com"
USE1 = "payment-processing-aurora-use1-ci7.cluster-c9akciq32.us-east-1.rds.amazonaws.com"
USE2 = "payment-processing-aurora-use2-ci7.cluster-c8xyzabcd.us-east-2.rds.amazonaws.com"


def chain_to(*names: str) -> object:
    def resolve(name: str) -> tuple[str, ...]:
        assert name == GLOBAL
        return (name, *names, "ip-10-0-1-17.ec2.internal")

    return resolve


def test_cluster_endpoints_are_recognised_and_readers_are_not() -> None:
    assert parse_cluster_endpoint(USE1) == WriterTarget(
        USE1, "us-east-1", "payment-processing-aurora-use1-ci7"
    )
    assert parse_cluster_endpoint(USE2.upper() + ".") == WriterTarget(
        USE2, "us-east-2", "payment-processing-aurora-use2-ci7"
    )
    assert parse_cluster_endpoint(USE1.replace(".cluster-", ".cluster-ro-")) is None
    assert parse_cluster_endpoint(GLOBAL) is None


def test_the_locator_follows_the_alias_chain_to_the_writer_cluster() -> None:
    locator = WriterLocator(GLOBAL, resolve=chain_to(USE1))  # type: ignore[arg-type]
    target = locator.locate()
    assert (target.host, target.region) == (USE1, "us-east-1")


def test_an_unresolvable_name_is_a_lookup_error() -> None:
    def inactive(name: str) -> tuple[str, ...]:
        # An inactive writer endpoint: no DNS record at all.
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(LookupError, match="does not resolve"):
        WriterLocator(GLOBAL, resolve=inactive).locate()


def test_a_resolver_that_hangs_is_cut_off_at_the_timeout() -> None:
    def hangs(name: str) -> tuple[str, ...]:
        time.sleep(2.0)
        return (name, USE1)

    started = time.monotonic()
    with pytest.raises(LookupError, match="did not resolve within 0.2s"):
        WriterLocator(GLOBAL, resolve=hangs, timeout_seconds=0.2).locate()
    assert time.monotonic() - started < 1.0


def test_the_fence_refuses_a_region_whose_cluster_is_not_the_writer() -> None:
    fence = WriteFence(
        "us-east-2",
        "payment-processing-aurora-use2-ci7",
        WriterLocator(GLOBAL, resolve=chain_to(USE1)),  # type: ignore[arg-type]
    )
    with pytest.raises(NotWriterRegionError) as raised:
        fence.check()
    assert isinstance(raised.value, ServiceUnavailableError)
    assert raised.value.status == 503
    assert raised.value.headers == {"Retry-After": "30"}
    assert "payment-processing-aurora-use1-ci7 in us-east-1" in str(raised.value)
    assert fence.role() == ("standby", "us-east-1")


def test_iam_tokens_are_signed_for_the_writer_cluster_and_re_signed_when_it_moves() -> None:
    signed: list[tuple[str, str]] = []

    class Signer:
        def generate_db_auth_token(
            self,
            DBHostname: str,  # noqa: N803
            Port: int,  # noqa: N803
            DBUsername: str,  # noqa: N803
            Region: str | None = None,  # noqa: N803
        ) -> str:
            signed.append((DBHostname, str(Region)))
            return f"token-{len(signed)}"

    writer = [USE1]
    locator = WriterLocator(GLOBAL, resolve=lambda name: (name, writer[0]), cache_seconds=0)

    def target() -> tuple[str, str]:
        found = locator.locate()
        return found.host, found.region

    credentials = IamAuthCredentials(
        Signer(), host=GLOBAL, port=5432, user="payment_app", region="us-east-2", target=target
    )
    assert credentials.get().password == "token-1"
    assert credentials.get().password == "token-1"
    writer[0] = USE2
    assert credentials.get().password == "token-2"
    assert signed == [(USE1, "us-east-1"), (USE2, "us-east-2")]


def _fenced(service: PaymentService, region: str, writer: str) -> PaymentService:
    cluster = "payment-processing-aurora-use1-ci7"
    locator = WriterLocator(GLOBAL, resolve=chain_to(writer))  # type: ignore[arg-type]
    return replace(service, region=region, fence=WriteFence(region, cluster, locator))


def test_a_region_that_is_not_the_writer_refuses_payments_with_503(
    make_service: MakeService, admin: object, clean_payments: None
) -> None:
    service = _fenced(make_service(), "us-east-1", USE2)
    response = service.handle(post_payment("fence-key-0001"))
    assert response["statusCode"] == 503
    assert response_json(response)["error"]["code"] == "not_writer_region"  # type: ignore[index]
    assert header(response, "Retry-After") == "30"
    assert count_payments(admin, "fence-key-0001") == 0  # type: ignore[arg-type]


def test_the_writer_region_takes_payments(
    make_service: MakeService, admin: object, clean_payments: None
) -> None:
    service = _fenced(make_service(), "us-east-1", USE1)
    response = service.handle(post_payment("fence-key-0002"))
    assert response["statusCode"] == 201
    assert count_payments(admin, "fence-key-0002") == 1  # type: ignore[arg-type]


def test_a_standby_reports_its_role_and_the_writer_region_from_its_reader(
    make_service: MakeService, make_database: MakeDatabase
) -> None:
    service = replace(
        _fenced(make_service(), "us-east-1", USE2),
        reader=make_database(STANDBY_DB),
    )
    response = service.handle(api_event("GET", "/health"))
    body = response_json(response)
    assert response["statusCode"] == 503
    assert body["role"] == "standby"
    assert body["writer_region"] == "us-east-2"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"]["ok"] is True
    assert checks["database"]["transaction_read_only"] is True


def test_a_writable_database_behind_a_foreign_writer_is_fenced_not_served(
    make_service: MakeService,
) -> None:
    # The old primary came back writable but the global endpoint names the new writer.
    service = _fenced(make_service(), "us-east-1", USE2)
    response = service.handle(api_event("GET", "/health"))
    body = response_json(response)
    assert response["statusCode"] == 503
    assert body["role"] == "fenced"
    assert body["can_serve_payments"] is False
