"""Typed views of the AWS clients the payment API uses, and factories for real ones.

boto3 ships no type information; the protocols below describe the few calls made, with
results typed as plain mappings that callers narrow with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from payment_service.failover.clients import ClientLimits, boto3_client, error_code

AttributeValue = Mapping[str, str]
"""A DynamoDB attribute value in the low-level client format, e.g. ``{"S": "text"}``."""


def string_attribute(item: Mapping[str, object], name: str) -> str | None:
    """The string (``S``) attribute ``name`` of a low-level DynamoDB item, if it is one."""
    value = item.get(name)
    if isinstance(value, Mapping):
        text = value.get("S")
        if isinstance(text, str):
            return text
    return None


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

    def limits(self) -> ClientLimits:
        """These timeouts as client limits with a single attempt."""
        return ClientLimits(self.connect_seconds, self.read_seconds, max_attempts=1)


#: Secrets Manager is called at a cold start and when the credential cache expires; a VPC
#: interface endpoint answers in tens of milliseconds.
SECRETS_MANAGER_TIMEOUTS = CallTimeouts(connect_seconds=1.0, read_seconds=1.5)


def secrets_manager_client(
    region: str,
    timeouts: CallTimeouts = SECRETS_MANAGER_TIMEOUTS,
    *,
    endpoint_url: str | None = None,
) -> SecretsManagerClient:
    """A Secrets Manager client with short timeouts and a single attempt per call."""
    client: SecretsManagerClient = boto3_client(
        "secretsmanager", region, timeouts.limits(), endpoint_url=endpoint_url
    )
    return client


def dynamodb_client(
    region: str, timeouts: CallTimeouts, *, endpoint_url: str | None = None
) -> DynamoDbClient:
    """A DynamoDB client with short timeouts and a single attempt per call."""
    client: DynamoDbClient = boto3_client(
        "dynamodb", region, timeouts.limits(), endpoint_url=endpoint_url
    )
    return client


__all__ = [
    "AttributeValue",
    "DynamoDbClient",
    "SecretsManagerClient",
    "dynamodb_client",
    "error_code",
    "secrets_manager_client",
    "string_attribute",
]
