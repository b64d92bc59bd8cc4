"""Readiness checks against botocore Stubber: every request and response is checked against
the service's model, so a field the checks read must exist where the API reference puts it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.stub import Stubber  # type: ignore[import-untyped]

from payment_service.readiness.checks import Check
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import CheckResult, Finding
from payment_service.readiness.runner import evaluate
from payment_service.readiness.settings import ReadinessSettings

ACCOUNT = "111111111111"
PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
PROBE = "us-west-2"
SUFFIX = "rdy"
GLOBAL_ID = f"payment-processing-aurora-global-{SUFFIX}"
PRIMARY_CLUSTER_ID = f"payment-processing-aurora-use1-{SUFFIX}"
SECONDARY_CLUSTER_ID = f"payment-processing-aurora-use2-{SUFFIX}"
PRIMARY_CLUSTER = f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:cluster:{PRIMARY_CLUSTER_ID}"
SECONDARY_CLUSTER = f"arn:aws:rds:{SECONDARY}:{ACCOUNT}:cluster:{SECONDARY_CLUSTER_ID}"
TABLE = f"payment-processing-sessions-{SUFFIX}"
SOURCE_BUCKET = f"payment-processing-data-use1-{SUFFIX}"
DESTINATION_BUCKET = f"payment-processing-data-use2-{SUFFIX}"
RULE_ID = "replicate-everything"
SECRET_NAME = f"payment-processing-api-client-keys-{SUFFIX}"
SECRET = f"arn:aws:secretsmanager:{PRIMARY}:{ACCOUNT}:secret:{SECRET_NAME}-AbCdEf"
REPLICA = SECRET.replace(f":{PRIMARY}:", f":{SECONDARY}:")
CERT_USE1 = f"arn:aws:acm:{PRIMARY}:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
CERT_USE2 = f"arn:aws:acm:{SECONDARY}:{ACCOUNT}:certificate/66666666-7777-8888-9999-000000000000"
HEALTH_CHECK = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
ZONE = "Z0123456789ABCDEFGHIJ"
DOMAIN = f"api-{SUFFIX}.payments.example.com"
SWITCH = f"/payment-processing-auto-failover-enabled-{SUFFIX}"
DECISIONS = f"payment-processing-failover-decisions-{SUFFIX}"
RULE = f"payment-processing-failover-orchestrator-use2-{SUFFIX}"
API_FUNCTION = f"payment-processing-payment-api-use2-{SUFFIX}"
ORCHESTRATOR_FUNCTION = f"payment-processing-failover-orchestrator-use2-{SUFFIX}"
PRIMARY_ALARMS = (
    f"payment-processing-api-5xx-use1-{SUFFIX}",
    f"payment-processing-api-primary-unhealthy-{SUFFIX}",
)
SECONDARY_ALARMS = (
    f"payment-processing-api-5xx-use2-{SUFFIX}",
    f"payment-processing-primary-no-response-use2-{SUFFIX}",
)

NOW = datetime(2025, 6, 2, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = NOW.timestamp()


def environment(**overrides: str) -> dict[str, str]:
    """The evaluator's environment, as the construct sets it."""
    env = {
        "AWS_REGION": SECONDARY,
        "ENVIRONMENT_SUFFIX": SUFFIX,
        "PRIMARY_REGION": PRIMARY,
        "GLOBAL_CLUSTER_ID": GLOBAL_ID,
        "PRIMARY_CLUSTER_ARN": PRIMARY_CLUSTER,
        "SECONDARY_CLUSTER_ARN": SECONDARY_CLUSTER,
        "SESSION_TABLE_NAME": TABLE,
        "SOURCE_BUCKET": SOURCE_BUCKET,
        "DESTINATION_BUCKET": DESTINATION_BUCKET,
        "REPLICATION_RULE_ID": RULE_ID,
        "CLIENT_KEYS_SECRET_ARN": SECRET,
        "CLIENT_KEYS_REPLICA_ARN": REPLICA,
        "CERTIFICATE_ARNS": f"{CERT_USE1},{CERT_USE2}",
        "HEALTH_CHECK_ID": HEALTH_CHECK,
        "HOSTED_ZONE_ID": ZONE,
        "API_DOMAIN_NAME": DOMAIN,
        "SWITCH_PARAMETER_NAME": SWITCH,
        "DECISION_TABLE_NAME": DECISIONS,
        "ORCHESTRATOR_RULE_NAME": RULE,
        "PROBE_REGIONS": f"{SECONDARY},{PROBE}",
        "STANDBY_FUNCTIONS": f"{API_FUNCTION},{ORCHESTRATOR_FUNCTION}",
        "WATCHED_ALARMS": json.dumps(
            {
                "prefix": "payment-processing-",
                "suffix": f"-{SUFFIX}",
                "alarms": {
                    region: [
                        name.removeprefix("payment-processing-").removesuffix(f"-{SUFFIX}")
                        for name in alarms
                    ]
                    for region, alarms in ((PRIMARY, PRIMARY_ALARMS), (SECONDARY, SECONDARY_ALARMS))
                },
            }
        ),
        "LAG_ALARM_SECONDS": "60",
        "CHECKS_BUDGET_SECONDS": "5",
        "FUNCTION_TIMEOUT_SECONDS": "60",
        "DNS_TIMEOUT_SECONDS": "1",
    }
    env.update(overrides)
    return env


def settings(**overrides: str) -> ReadinessSettings:
    return ReadinessSettings.from_env(environment(**overrides))


class Stubs:
    """Region-bound clients, each with its Stubber; the ReadinessClients protocol."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], Any] = {}
        self._stubbers: dict[tuple[str, str], Stubber] = {}
        self._lock = threading.Lock()
        self.replaced: dict[tuple[str, str], Any] = {}
        """Clients put in place of a stubbed one (a hanging fake)."""

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key in self.replaced:
            return self.replaced[key]
        with self._lock:
            if key not in self._clients:
                client = boto3.client(service, region_name=region)
                stubber = Stubber(client)
                stubber.activate()
                self._clients[key], self._stubbers[key] = client, stubber
        return self._clients[key]

    def stub(self, service: str, region: str) -> Stubber:
        self.client(service, region)
        return self._stubbers[(service, region)]

    def assert_no_pending(self) -> None:
        for stubber in self._stubbers.values():
            stubber.assert_no_pending_responses()

    def rds(self, region: str) -> Any:
        return self.client("rds", region)

    def cloudwatch(self, region: str) -> Any:
        return self.client("cloudwatch", region)

    def dynamodb(self, region: str) -> Any:
        return self.client("dynamodb", region)

    def s3(self, region: str) -> Any:
        return self.client("s3", region)

    def secretsmanager(self, region: str) -> Any:
        return self.client("secretsmanager", region)

    def acm(self, region: str) -> Any:
        return self.client("acm", region)

    def route53(self) -> Any:
        return self.client("route53", PRIMARY)

    def ssm(self, region: str) -> Any:
        return self.client("ssm", region)

    def events(self, region: str) -> Any:
        return self.client("events", region)

    def lambda_(self, region: str) -> Any:
        return self.client("lambda", region)


class Hanging:
    """A client whose every call blocks until released: an API that never answers."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(**_kwargs: object) -> Any:
            self.calls.append(name)
            self.release.wait(30)
            raise TimeoutError("released")

        return call


@contextmanager
def hanging(stubs: Stubs, service: str, region: str) -> Iterator[Hanging]:
    """Replace one client by a :class:`Hanging` one, released when the block ends."""
    fake = Hanging()
    stubs.replaced[(service, region)] = fake
    try:
        yield fake
    finally:
        fake.release.set()


def context(stubs: Stubs, **overrides: str) -> CheckContext:
    """A context whose clock is :data:`NOW`, for calling one check directly."""
    return CheckContext(
        settings=settings(**overrides),
        clients=stubs,
        now=NOW_EPOCH,
        deadline=time.monotonic() + 5,
        monotonic=time.monotonic,
        resolve=lambda name: (name,),
    )


def run_check(
    stubs: Stubs,
    run: Callable[[CheckContext], Finding],
    *,
    resolve: Callable[[str], Sequence[str]] = lambda name: (name,),
    **overrides: str,
) -> CheckResult:
    """One check through the runner (so a raised error is unknown, as in the evaluator)."""
    evaluation = evaluate(
        settings(**overrides),
        stubs,
        checks=[Check("under-test", run)],
        clock=lambda: NOW_EPOCH,
        resolve=resolve,
    )
    (result,) = evaluation.results
    return result


def datapoints(statistic: str, *values: float, age_seconds: float = 60) -> dict[str, Any]:
    """A GetMetricStatistics response with ``values``, the last ``age_seconds`` old, one a
    minute before it for each earlier value."""
    count = len(values)
    return {
        "Label": "metric",
        "Datapoints": [
            {
                "Timestamp": datetime.fromtimestamp(
                    NOW_EPOCH - age_seconds - 60 * (count - 1 - index), UTC
                ),
                statistic: value,
                "Unit": "None",
            }
            for index, value in enumerate(values)
        ],
    }


def client_error(stubber: Stubber, method: str, code: str, status: int = 400) -> None:
    stubber.add_client_error(method, service_error_code=code, http_status_code=status)
