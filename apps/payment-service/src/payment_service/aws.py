"""Typed views of the AWS clients this service uses, and a factory for real ones.

boto3 ships no type information; the protocols below describe the few calls made, with
results typed as plain mappings that callers narrow with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

AttributeValue = Mapping[str, str]
"""A DynamoDB attribute value in the low-level client format, e.g. ``{"S": "text"}``."""


class SecretsManagerClient(Protocol):
    """The part of the Secrets Manager client used here."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, object]:  # noqa: N803
        """Return the secret's current value."""
        ...


class DynamoDbClient(Protocol):
    """The part of the low-level DynamoDB client used here."""

    def get_item(
        self,
        *,
        TableName: str,  # noqa: N803
        Key: Mapping[str, AttributeValue],  # noqa: N803
        ConsistentRead: bool,  # noqa: N803
    ) -> Mapping[str, object]:
        """Read one item."""
        ...

    def put_item(
        self,
        *,
        TableName: str,  # noqa: N803
        Item: Mapping[str, AttributeValue],  # noqa: N803
        ConditionExpression: str,  # noqa: N803
    ) -> Mapping[str, object]:
        """Write one item if the condition holds."""
        ...

    def describe_table(self, *, TableName: str) -> Mapping[str, object]:  # noqa: N803
        """Describe a table."""
        ...


@dataclass(frozen=True)
class CallTimeouts:
    """Socket timeouts of one AWS client; with a single attempt, their sum bounds a call.

    botocore's ``connect_timeout`` bounds establishing the connection and ``read_timeout``
    each wait for response data; ``retries.total_max_attempts`` counts the first attempt, so
    1 turns botocore's own retries off
    (https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html,
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html). Retries, when
    any, are made by this package against the request deadline instead.
    """

    connect_seconds: float
    read_seconds: float

    @property
    def worst_case_seconds(self) -> float:
        """The longest one call can take against a server that never answers."""
        return self.connect_seconds + self.read_seconds


#: Secrets Manager is called at a cold start and when the credential cache expires; a VPC
#: interface endpoint answers in tens of milliseconds.
SECRETS_MANAGER_TIMEOUTS = CallTimeouts(connect_seconds=1.0, read_seconds=1.5)


def _client(service: str, region: str, timeouts: CallTimeouts, endpoint_url: str | None) -> Any:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        connect_timeout=timeouts.connect_seconds,
        read_timeout=timeouts.read_seconds,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.client(service, region_name=region, config=config, endpoint_url=endpoint_url)


def secrets_manager_client(
    region: str,
    timeouts: CallTimeouts = SECRETS_MANAGER_TIMEOUTS,
    *,
    endpoint_url: str | None = None,
) -> SecretsManagerClient:
    """A Secrets Manager client with short timeouts and a single attempt per call."""
    client: SecretsManagerClient = _client("secretsmanager", region, timeouts, endpoint_url)
    return client


def dynamodb_client(
    region: str, timeouts: CallTimeouts, *, endpoint_url: str | None = None
) -> DynamoDbClient:
    """A DynamoDB client with short timeouts and a single attempt per call."""
    client: DynamoDbClient = _client("dynamodb", region, timeouts, endpoint_url)
    return client


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``None`` for other exceptions)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            code = error.get("Code")
            if isinstance(code, str):
                return code
    return None
