"""Payment ids derived from the request under the id key, and the key read from its secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Iterator, Mapping

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from payment_service.api import PaymentService
from payment_service.aws import CallTimeouts, secrets_manager_client
from payment_service.connection import Connection
from payment_service.deadline import Deadline
from payment_service.errors import ServiceError
from payment_service.payment_ids import (
    LOCAL_ID_KEY,
    IdKeyMisconfiguredError,
    IdKeyUnavailableError,
    PaymentIds,
    SecretIdKey,
    StaticIdKey,
    derive_payment_id,
    parse_id_key,
)
from payment_service.validation import parse_payment_request
from tests.runtime.conftest import REGION, AwsResources, MakeService, count_payments
from tests.runtime.events import error_code, header, payment_body, post_payment, response_json
from tests.runtime.faults import SilentServer

KEY = bytes(range(32))
HASH = "a" * 64


def request_hash(**overrides: object) -> str:
    return parse_payment_request(json.dumps(payment_body(**overrides)).encode()).request_hash()


def test_the_derivation_is_pinned() -> None:
    """Changing it would give every retry of a payment whose row was lost a new id: a
    changed derivation is a new version of ``ID_DOMAIN``, never an edit of this one."""
    message = b"payment-dr/payment-id/v1\x00client-a\x00key-vector-01\x00" + HASH.encode()
    digest = bytearray(hmac.new(KEY, message, hashlib.sha256).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80
    digest[8] = (digest[8] & 0x3F) | 0x80

    derived = derive_payment_id(KEY, "client-a", "key-vector-01", HASH)

    assert derived == uuid.UUID(bytes=bytes(digest))
    assert str(derived) == "dadd927b-4f11-8d9b-83af-345f75a64565"
    assert derived.version == 8
    assert derived.variant == uuid.RFC_4122


@pytest.mark.parametrize(
    ("key", "client", "idempotency_key", "digest"),
    [
        (b"\x01" * 32, "client-a", "key-vector-01", HASH),
        (KEY, "client-b", "key-vector-01", HASH),
        (KEY, "client-a", "key-vector-02", HASH),
        (KEY, "client-a", "key-vector-01", "b" * 64),
        # the fields are separated: moving a character across a boundary changes the id
        (KEY, "client-ak", "ey-vector-01", HASH),
    ],
)
def test_every_input_changes_the_id(
    key: bytes, client: str, idempotency_key: str, digest: str
) -> None:
    assert derive_payment_id(key, client, idempotency_key, digest) != derive_payment_id(
        KEY, "client-a", "key-vector-01", HASH
    )


def test_the_handler_gives_the_id_derived_from_client_key_and_body(
    service: PaymentService,
) -> None:
    response = service.handle(post_payment("key-derived-01", payment_body(amount="7.5")))

    assert response_json(response)["id"] == str(
        derive_payment_id(LOCAL_ID_KEY, "client-a", "key-derived-01", request_hash(amount="7.50"))
    )


def test_without_the_key_nobody_computes_the_id(
    make_service: MakeService, clean_payments: None
) -> None:
    """The same request under another id key gets another id: an id cannot be computed
    from the client, key and body alone."""
    service = make_service()
    keyed = PaymentService(
        region=service.region,
        repository=service.repository,
        database=service.database,
        idempotency_store=service.idempotency_store,
        sessions_table=service.sessions_table,
        payment_ids=PaymentIds(StaticIdKey(KEY)),
    )

    response = keyed.handle(post_payment("key-secret-01"))

    expected = derive_payment_id(KEY, "client-a", "key-secret-01", request_hash())
    assert response_json(response)["id"] == str(expected)
    assert expected != derive_payment_id(LOCAL_ID_KEY, "client-a", "key-secret-01", request_hash())


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "no string 'payment_id_key'"),
        ('{"payment_id_key": 7}', "no string 'payment_id_key'"),
        ('{"payment_id_key": "***"}', "is not base64"),
        (json.dumps({"payment_id_key": base64.b64encode(b"k" * 31).decode()}), "holds 31 bytes"),
    ],
)
def test_a_secret_without_a_valid_key_is_refused_without_quoting_it(
    secret: str, message: str
) -> None:
    with pytest.raises(ValueError, match="id key|payment_id_key") as raised:
        parse_id_key(secret)
    assert message in str(raised.value)
    assert parse_id_key(json.dumps({"payment_id_key": base64.b64encode(KEY).decode()})) == KEY
    with pytest.raises(ValueError, match="32 bytes or more"):
        StaticIdKey(b"short")


class CountingSecrets:
    """Secrets Manager, counting GetSecretValue calls."""

    def __init__(self, client: object) -> None:
        self._client = client
        self.calls = 0

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, object]:  # noqa: N803
        self.calls += 1
        result: Mapping[str, object] = self._client.get_secret_value(  # type: ignore[attr-defined]
            SecretId=SecretId
        )
        return result


@pytest.fixture
def id_key_secret(aws: AwsResources) -> str:
    arn: str = aws.secretsmanager.create_secret(  # type: ignore[attr-defined]
        Name="payments-id-key",
        SecretString=json.dumps({"payment_id_key": base64.b64encode(KEY).decode()}),
    )["ARN"]
    return arn


def _with_ids(service: PaymentService, ids: PaymentIds) -> PaymentService:
    return PaymentService(
        region=service.region,
        repository=service.repository,
        database=service.database,
        idempotency_store=service.idempotency_store,
        sessions_table=service.sessions_table,
        payment_ids=ids,
    )


def test_the_key_is_read_from_its_secret_once(
    make_service: MakeService, clean_payments: None, aws: AwsResources, id_key_secret: str
) -> None:
    secrets = CountingSecrets(aws.secretsmanager)
    service = _with_ids(make_service(), PaymentIds(SecretIdKey(secrets, id_key_secret)))

    first = service.handle(post_payment("key-secret-11"))
    second = service.handle(post_payment("key-secret-12"))

    assert response_json(first)["id"] == str(
        derive_payment_id(KEY, "client-a", "key-secret-11", request_hash())
    )
    assert second["statusCode"] == 201
    assert secrets.calls == 1, "the key never changes: read once per execution environment"


@pytest.mark.parametrize("name", ["no-such-secret", "malformed"])
def test_a_missing_or_malformed_key_secret_creates_nothing(
    make_service: MakeService, clean_payments: None, admin: Connection, aws: AwsResources, name: str
) -> None:
    if name == "malformed":
        aws.secretsmanager.create_secret(  # type: ignore[attr-defined]
            Name=name, SecretString='{"payment_id_key": "c2hvcnQ="}'
        )
    ids = PaymentIds(SecretIdKey(aws.secretsmanager, name))  # type: ignore[arg-type]
    service = _with_ids(make_service(), ids)

    response = service.handle(post_payment("key-secret-21"))

    assert (response["statusCode"], error_code(response)) == (500, "id_key_misconfigured")
    assert count_payments(admin) == 0


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_an_unreachable_key_secret_is_503_for_a_new_payment_but_not_for_a_replay(
    make_service: MakeService, clean_payments: None, admin: Connection, silent: SilentServer
) -> None:
    service = make_service()
    original = service.handle(post_payment("key-secret-31"))
    client = secrets_manager_client(
        REGION, CallTimeouts(connect_seconds=0.2, read_seconds=0.2), endpoint_url=silent.url
    )
    unreachable = _with_ids(service, PaymentIds(SecretIdKey(client, "payments-id-key")))

    new = unreachable.handle(post_payment("key-secret-32"))
    replay = unreachable.handle(post_payment("key-secret-31"))

    assert (new["statusCode"], error_code(new)) == (503, "id_key_unavailable")
    assert header(new, "Retry-After") == "5"
    assert count_payments(admin, "key-secret-32") == 0
    assert replay["statusCode"] == 201
    assert response_json(replay) == response_json(original)


def test_key_errors_are_service_errors() -> None:
    assert issubclass(IdKeyUnavailableError, ServiceError)
    assert IdKeyUnavailableError("x").status == 503
    assert IdKeyMisconfiguredError("x").status == 500


def test_the_derivation_matches_an_independent_computation_for_many_inputs() -> None:
    """The version and variant bits are set whatever the digest's bits were."""
    for number in range(64):
        key = hashlib.sha256(f"key {number}".encode()).digest()
        client, idempotency_key = f"client-{number % 7}", f"key-{number:08d}"
        digest = hashlib.sha256(str(number).encode()).hexdigest()
        message = b"\x00".join(
            (
                b"payment-dr/payment-id/v1",
                client.encode(),
                idempotency_key.encode(),
                digest.encode(),
            )
        )
        raw = hmac.new(key, message, hashlib.sha256).digest()[:16]
        expected = bytes(
            (*raw[:6], 0x80 | (raw[6] & 0x0F), raw[7], 0x80 | (raw[8] & 0x3F), *raw[9:])
        )

        derived = derive_payment_id(key, client, idempotency_key, digest)

        assert derived.bytes == expected
        assert (derived.version, derived.variant) == (8, uuid.RFC_4122)


def test_a_key_longer_than_the_minimum_is_accepted() -> None:
    long_key = bytes(range(48))
    assert parse_id_key(json.dumps({"payment_id_key": base64.b64encode(long_key).decode()})) == (
        long_key
    )
    assert PaymentIds(StaticIdKey(long_key)).derive("client-a", "key-long-01", HASH) == (
        derive_payment_id(long_key, "client-a", "key-long-01", HASH)
    )


def test_the_deadline_and_timeouts_are_passed_by_name() -> None:
    """Positional use fails at binding, so a deadline or a timeout is never swapped with
    another argument by a caller."""
    with pytest.raises(TypeError):
        SecretIdKey(object(), "arn", 1.0)  # type: ignore[arg-type, misc]
    with pytest.raises(TypeError):
        PaymentIds.for_local_runs().derive("client-a", "key-name-01", HASH, None)  # type: ignore[misc]


class FailingSecrets:
    """GetSecretValue failing ``failures`` times, then answering with the key."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, object]:  # noqa: N803
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        # Every GetSecretValue answer names the secret (API Reference, "Response Syntax").
        return {
            "ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{SecretId}-AbCdEf",
            "Name": SecretId,
            "SecretString": json.dumps({"payment_id_key": base64.b64encode(KEY).decode()}),
        }


def _events(stream: io.StringIO, name: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == name]


def test_one_failed_fetch_is_tried_again_within_the_request(log_stream: io.StringIO) -> None:
    secrets = FailingSecrets([TimeoutError("read timed out")])

    key = SecretIdKey(secrets, "arn").key(Deadline.after(10))

    assert key == KEY
    assert secrets.calls == 2
    failed = _events(log_stream, "id_key_fetch_failed")
    assert [(e["reason"], e["attempt"]) for e in failed] == [("TimeoutError", 1)]


def test_two_failed_fetches_are_unavailable_with_their_reasons(log_stream: io.StringIO) -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "GetSecretValue")
    secrets = FailingSecrets([TimeoutError("read timed out"), throttled, TimeoutError()])

    with pytest.raises(IdKeyUnavailableError):
        SecretIdKey(secrets, "arn").key(Deadline.after(10))

    assert secrets.calls == 2
    failed = _events(log_stream, "id_key_fetch_failed")
    assert [(e["reason"], e["attempt"]) for e in failed] == [
        ("TimeoutError", 1),
        ("ThrottlingException", 2),
    ]
    assert [e["reason"] for e in _events(log_stream, "id_key_unavailable")] == [
        "ThrottlingException"
    ]


def test_no_fetch_starts_without_room_in_the_deadline(log_stream: io.StringIO) -> None:
    secrets = FailingSecrets([])
    source = SecretIdKey(secrets, "arn", call_seconds=2.5)

    with pytest.raises(IdKeyUnavailableError):
        source.key(Deadline.after(2.0))

    assert secrets.calls == 0
    assert [e["reason"] for e in _events(log_stream, "id_key_unavailable")] == ["deadline"]
    assert source.key(Deadline.after(3.0)) == KEY
    assert source.key(None) == KEY
    assert secrets.calls == 1
