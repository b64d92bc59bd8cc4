"""The authorizer answers within its timeout, keeps last-known-good keys for a bounded time,
answers 500 (never 401) when it has no keys, and isolates a malformed client entry.

Secrets Manager is played by a real HTTP server that trickles its answer to a real boto3 client,
and by a scripted fake on a fake clock where time matters: each call costs fake seconds, and a
hang sleeps in real time until the whole-call bound interrupts it.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from payment_service import authorizer
from payment_service.authorizer import (
    ClientEntryInvalidError,
    ClientKeys,
    KeyCache,
    KeysUnavailableError,
    UnauthorizedError,
    authorize,
    hash_key,
)
from payment_service.aws import secrets_manager_client
from payment_service.deadline import Deadline
from payment_service.logging import bind
from tests.runtime.faults import SlowHttpServer

REGION = "us-east-1"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:client-keys-AbCdEf"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/POST/payments"
KEY_A = "a" * 43
KEY_B = "b" * 43
TOKEN_A = f"Bearer acme.{KEY_A}"
TOKEN_B = f"Bearer beta.{KEY_B}"
BOTH = json.dumps({"clients": {"acme": [hash_key(KEY_A)], "beta": [hash_key(KEY_B)]}})
ONLY_A = json.dumps({"clients": {"acme": [hash_key(KEY_A)], "beta": []}})


def event(token: str) -> dict[str, object]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": METHOD_ARN}


class LambdaContext:
    """The Lambda context's remaining time, shrinking as real time passes."""

    def __init__(self, timeout_ms: int) -> None:
        self._ends_at = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends_at - time.monotonic()) * 1000))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- A real endpoint that trickles GetSecretValue's answer -------------------------------------


def _client_keys_answer(target: str) -> dict[str, object]:
    """GetSecretValue's answer (API Reference, "Response Syntax") with both clients' hashes."""
    return {
        "ARN": SECRET_ARN,
        "Name": "client-keys",
        "VersionId": "00000000-0000-4000-8000-000000000001",
        "SecretString": BOTH,
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": 1767225600.0,
    }


@pytest.fixture
def trickling() -> Iterator[SlowHttpServer]:
    """A Secrets Manager endpoint that answers at once until its ``delay`` is set; then one
    byte every ``delay`` seconds (each wait for data stays far under botocore's read timeout,
    the answer as a whole takes minutes)."""
    server = SlowHttpServer(_client_keys_answer, delay=0.0)
    yield server
    server.close()


@pytest.fixture
def deployed_cache(monkeypatch: pytest.MonkeyPatch, trickling: SlowHttpServer) -> Clock:
    """The handler's key cache with the deployed settings, a real boto3 client pointed at the
    trickling endpoint, and a fake clock for the cache's TTL."""
    clock = Clock()
    client = secrets_manager_client(REGION, endpoint_url=trickling.url)
    monkeypatch.setattr(authorizer, "_cache", KeyCache(client, SECRET_ARN, clock=clock))
    return clock


def test_a_trickling_secret_is_cut_at_its_bound_and_the_answer_is_500_within_the_timeout(
    trickling: SlowHttpServer, deployed_cache: Clock
) -> None:
    baseline = threading.active_count() - 1  # the server's accept thread
    trickling.delay = 0.2
    context = LambdaContext(timeout_ms=5000)  # the deployed authorizer timeout

    started = time.monotonic()
    with pytest.raises(Exception, match="^client keys unavailable$") as raised:
        authorizer.handler(event(TOKEN_A), context)
    elapsed = time.monotonic() - started

    # One attempt, interrupted at its 2.5 s bound (1 s connect + 1.5 s read); 2 s left of
    # the 4.5 s deadline is too little for a second one.
    assert elapsed < 5.0
    assert 2.5 <= elapsed < 4.5
    assert len(trickling.requests) == 1
    assert type(raised.value) is RuntimeError
    assert str(raised.value) == "client keys unavailable"
    trickling.close()
    assert threading.active_count() == baseline


def test_a_trickling_secret_after_the_ttl_answers_from_last_known_good_within_the_timeout(
    trickling: SlowHttpServer, deployed_cache: Clock
) -> None:
    first = authorizer.handler(event(TOKEN_A), LambdaContext(timeout_ms=5000))
    trickling.delay = 0.2
    deployed_cache.now = 61.0

    started = time.monotonic()
    second = authorizer.handler(event(TOKEN_B), LambdaContext(timeout_ms=5000))
    elapsed = time.monotonic() - started

    assert first["principalId"] == "acme"
    assert second["principalId"] == "beta"
    assert 2.5 <= elapsed < 4.5
    assert len(trickling.requests) == 2


# --- Scripted Secrets Manager on a fake clock --------------------------------------------------


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetSecretValue",
    )


@dataclass(frozen=True)
class Hang:
    """A call that never ends on its own (a silent endpoint): sleeps in real time."""


INCOMPLETE: Mapping[str, object] = {"ResponseMetadata": {"HTTPStatusCode": 200}}
"""What botocore returns for a connection cut right after the status line: no ARN, no Name."""

Answer = str | Exception | Hang | Mapping[str, object]


class ScriptedSecretsManager:
    """GetSecretValue answering from ``answer`` (repeated until changed); every call costs
    ``cost`` seconds of the fake clock."""

    def __init__(self, clock: Clock, answer: Answer, cost: float = 0.05) -> None:
        self.clock = clock
        self.answer: Answer = answer
        self.cost = cost
        self.calls = 0
        self.completed_hangs = 0
        """Hangs that ran their whole 30 s instead of being interrupted at the call's bound."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, object]:  # noqa: N803
        self.calls += 1
        self.clock.now += self.cost
        answer = self.answer
        if isinstance(answer, Hang):
            time.sleep(30)
            self.completed_hangs += 1
            raise AssertionError("the call was not interrupted")
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, str):
            return {"ARN": SecretId, "Name": "client-keys", "SecretString": answer}
        return answer


def scripted(
    answer: Answer, *, cost: float = 0.05, call_seconds: float = 2.5
) -> tuple[Clock, ScriptedSecretsManager, KeyCache]:
    clock = Clock()
    fake = ScriptedSecretsManager(clock, answer, cost)
    return clock, fake, KeyCache(fake, SECRET_ARN, call_seconds=call_seconds, clock=clock)


def decide(cache: KeyCache, token: str) -> str:
    """What API Gateway would answer for ``token``, as the handler maps it."""
    try:
        decision = authorize(event(token), cache.get)
    except UnauthorizedError:
        return "401"
    except (KeysUnavailableError, ClientEntryInvalidError):
        return "500"
    return f"allow {decision['principalId']}"


UNREADABLE: list[Answer] = [
    client_error("InternalServiceError", 500),
    client_error("ThrottlingException", 400),
    client_error("AccessDeniedException", 400),
    client_error("DecryptionFailure", 400),
    client_error("ResourceNotFoundException", 400),
    INCOMPLETE,
    Hang(),
    "not json",
    json.dumps({"keys": {}}),
    {"ARN": SECRET_ARN, "Name": "client-keys", "SecretBinary": b"x"},
]


@pytest.mark.parametrize("failure", UNREADABLE, ids=repr)
def test_last_known_good_keys_serve_until_the_bound_then_500(failure: Answer) -> None:
    clock, fake, cache = scripted(BOTH, call_seconds=0.2)
    assert decide(cache, TOKEN_A) == "allow acme"
    fake.answer = failure

    clock.now = 60.0  # the cache TTL has passed: read again, fails
    assert decide(cache, TOKEN_B) == "allow beta"
    clock.now = 959.8  # the read costs 0.1 s: ends before 60 s TTL + 900 s last-known-good
    assert decide(cache, TOKEN_A) == "allow acme"
    assert decide(cache, f"Bearer acme.{'x' * 43}") == "401"
    clock.now = 960.0
    assert decide(cache, TOKEN_A) == "500"
    assert decide(cache, TOKEN_B) == "500"
    assert fake.completed_hangs == 0


def test_while_last_known_good_is_in_use_the_secret_is_tried_every_10_seconds() -> None:
    clock, fake, cache = scripted(BOTH)
    decide(cache, TOKEN_A)
    fake.answer = client_error("InternalServiceError", 500)

    clock.now = 60.0
    decide(cache, TOKEN_A)
    after_first_failure = fake.calls
    clock.now = 70.0  # the failed read ended at 60.1 (two calls of 0.05 s)
    decide(cache, TOKEN_A)
    clock.now = 70.1
    decide(cache, TOKEN_A)

    assert after_first_failure == 3  # the first read, then a failure retried once
    assert fake.calls == 5


def test_without_any_keys_every_request_tries_the_secret() -> None:
    clock, fake, cache = scripted(client_error("InternalServiceError", 500))
    assert decide(cache, TOKEN_A) == "500"
    clock.now = 1.0
    assert decide(cache, TOKEN_A) == "500"
    assert fake.calls == 4


@pytest.mark.parametrize(
    ("failure", "calls"),
    [
        (client_error("InternalServiceError", 500), 2),
        (client_error("ThrottlingException", 400), 2),
        (INCOMPLETE, 2),
        (client_error("AccessDeniedException", 400), 1),
        (client_error("ResourceNotFoundException", 400), 1),
        ("not json", 1),
    ],
    ids=repr,
)
def test_unavailable_is_retried_once_and_misconfiguration_not_at_all(
    failure: Answer, calls: int
) -> None:
    _clock, fake, cache = scripted(failure)
    assert decide(cache, TOKEN_A) == "500"
    assert fake.calls == calls


@pytest.mark.parametrize(("cost", "calls"), [(2.0, 2), (2.1, 1)])
def test_the_retry_starts_only_when_the_deadline_has_room_for_a_whole_call(
    cost: float, calls: int
) -> None:
    clock, fake, cache = scripted(client_error("InternalServiceError", 500), cost=cost)
    deadline = Deadline.after(4.5, clock=clock)  # 5 s timeout - 0.5 s margin
    with pytest.raises(KeysUnavailableError):
        cache.get(deadline=deadline)
    assert fake.calls == calls


def test_a_revoked_key_stops_working_at_the_next_read_after_the_ttl() -> None:
    clock, fake, cache = scripted(BOTH)
    assert decide(cache, TOKEN_B) == "allow beta"
    fake.answer = ONLY_A  # the operator removes beta's hash

    clock.now = 59.9
    assert decide(cache, TOKEN_B) == "allow beta"
    clock.now = 60.0
    assert decide(cache, TOKEN_B) == "401"
    assert decide(cache, TOKEN_A) == "allow acme"
    clock.now = 119.0  # the new value is the cached one now
    assert decide(cache, TOKEN_B) == "401"
    assert fake.calls == 2


def test_a_key_revoked_during_an_outage_stops_working_once_the_secret_is_readable() -> None:
    clock, fake, cache = scripted(BOTH)
    decide(cache, TOKEN_B)
    fake.answer = client_error("InternalServiceError", 500)
    clock.now = 300.0
    assert decide(cache, TOKEN_B) == "allow beta"  # last-known-good

    fake.answer = ONLY_A
    clock.now = 305.0  # within the 10 s backoff: not read yet
    assert decide(cache, TOKEN_B) == "allow beta"
    clock.now = 310.1
    assert decide(cache, TOKEN_B) == "401"
    assert decide(cache, TOKEN_A) == "allow acme"
    clock.now = 369.0  # the new value is the cached one now
    assert decide(cache, TOKEN_B) == "401"
    assert fake.calls == 4


def test_one_malformed_client_entry_is_500_for_that_client_only(log_stream: io.StringIO) -> None:
    secret = json.dumps(
        {
            "clients": {
                "acme": [hash_key(KEY_A)],
                "beta": ["not-a-digest"],
                "gamma": hash_key(KEY_B),
                "Bad Id!": [hash_key(KEY_B)],
            }
        }
    )
    _clock, _fake, cache = scripted(secret)

    assert decide(cache, TOKEN_A) == "allow acme"
    assert decide(cache, TOKEN_B) == "500"
    assert decide(cache, f"Bearer gamma.{KEY_B}") == "500"
    assert decide(cache, f"Bearer delta.{KEY_B}") == "401"

    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    invalid = [line for line in lines if line["event"] == "client_keys_entry_invalid"]
    assert [line.get("client_id") for line in invalid] == ["beta", "gamma", None]
    assert [line.get("client_id_length") for line in invalid] == [None, None, 7]
    assert "not-a-digest" not in log_stream.getvalue()
    assert hash_key(KEY_B) not in log_stream.getvalue()


def test_keys_unavailable_is_not_unauthorized(monkeypatch: pytest.MonkeyPatch) -> None:
    _clock, _fake, cache = scripted(client_error("InternalServiceError", 500))
    monkeypatch.setattr(authorizer, "_cache", cache)

    with pytest.raises(Exception, match="^client keys unavailable$") as raised:
        authorizer.handler(event(TOKEN_A), LambdaContext(timeout_ms=5000))

    assert str(raised.value) != "Unauthorized"
    assert (type(raised.value), str(raised.value)) == (RuntimeError, "client keys unavailable")


def test_a_malformed_entry_is_500_and_a_wrong_key_401_through_the_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = json.dumps({"clients": {"acme": [hash_key(KEY_A)], "beta": "x"}})
    _clock, _fake, cache = scripted(secret)
    monkeypatch.setattr(authorizer, "_cache", cache)
    context = LambdaContext(timeout_ms=5000)

    with pytest.raises(Exception, match="^client entry invalid$") as broken:
        authorizer.handler(event(TOKEN_B), context)
    with pytest.raises(Exception, match="^Unauthorized$") as wrong:
        authorizer.handler(event(f"Bearer acme.{KEY_B}"), context)
    allowed = authorizer.handler(event(TOKEN_A), context)

    assert (type(broken.value), str(broken.value)) == (RuntimeError, "client entry invalid")
    assert (type(wrong.value), str(wrong.value)) == (Exception, "Unauthorized")
    assert allowed["principalId"] == "acme"


def test_a_malformed_token_is_401_without_reading_the_secret() -> None:
    _clock, fake, cache = scripted(client_error("InternalServiceError", 500))
    assert decide(cache, "Bearer acme.short") == "401"
    assert fake.calls == 0


def test_the_revocation_bounds() -> None:
    assert authorizer.REVOCATION_SECONDS_READABLE == 360
    assert authorizer.REVOCATION_SECONDS == 1260


def test_a_parsed_secret_lists_broken_entries_apart() -> None:
    keys = ClientKeys.parse(json.dumps({"clients": {"acme": [hash_key(KEY_A)], "beta": [1]}}))
    assert dict(keys.hashes) == {"acme": frozenset({hash_key(KEY_A)})}
    assert keys.invalid == frozenset({"beta"})


def test_an_invocation_logs_under_its_own_request_id_and_nothing_an_earlier_one_bound(
    log_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda reuses the execution environment: the context of the previous invocation (a
    client id, an idempotency key) must not label this one's log lines."""
    _clock, _fake, cache = scripted(BOTH)
    monkeypatch.setattr(authorizer, "_cache", cache)
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    bind(client_id="client-of-an-earlier-invocation", idempotency_key="key-earlier")

    class Context(LambdaContext):
        aws_request_id = "6f1e2d3c-0000-4000-8000-000000000001"

    with pytest.raises(Exception, match="^Unauthorized$"):
        authorizer.handler(event(f"Bearer delta.{KEY_B}"), Context(timeout_ms=5000))

    (line,) = [json.loads(text) for text in log_stream.getvalue().splitlines()]
    assert line["event"] == "request_unauthorized"
    assert line["request_id"] == "6f1e2d3c-0000-4000-8000-000000000001"
    assert line["region"] == "us-east-2"
    assert "client_id" not in line
    assert "idempotency_key" not in line
