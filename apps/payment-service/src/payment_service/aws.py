"""Typed views of the AWS clients this service uses, and a factory for real ones.

boto3 ships no type information; the protocols below describe the few calls made, with
results typed as plain mappings that callers narrow with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def _client(service: str, region: str) -> Any:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        connect_timeout=2,
        read_timeout=3,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    return boto3.client(service, region_name=region, config=config)


def secrets_manager_client(region: str) -> SecretsManagerClient:
    """A Secrets Manager client with short timeouts, suited to a request path."""
    client: SecretsManagerClient = _client("secretsmanager", region)
    return client


def dynamodb_client(region: str) -> DynamoDbClient:
    """A DynamoDB client with short timeouts, suited to a request path."""
    client: DynamoDbClient = _client("dynamodb", region)
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
