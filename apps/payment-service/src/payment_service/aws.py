"""Typed views of the AWS clients the payment API uses, and factories for real ones.

boto3 ships no type information; the protocols below describe the few calls made, with
results typed as plain mappings that callers narrow with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from payment_service.failover.clients import REQUEST_PATH_LIMITS, boto3_client, error_code

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


def secrets_manager_client(region: str) -> SecretsManagerClient:
    """A Secrets Manager client with short timeouts, suited to a request path."""
    client: SecretsManagerClient = boto3_client("secretsmanager", region, REQUEST_PATH_LIMITS)
    return client


def dynamodb_client(region: str) -> DynamoDbClient:
    """A DynamoDB client with short timeouts, suited to a request path."""
    client: DynamoDbClient = boto3_client("dynamodb", region, REQUEST_PATH_LIMITS)
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
