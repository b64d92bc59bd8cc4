"""Narrowing of boto3 responses (plain mappings) to the fields a check reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from payment_service.failover.clients import error_code


def field(value: object, name: str) -> object:
    """``value[name]`` when ``value`` is a mapping, else ``None``."""
    return value.get(name) if isinstance(value, Mapping) else None


def mappings(value: object, name: str) -> list[Mapping[str, object]]:
    """The mappings in the list ``value[name]`` (empty when absent or not a list)."""
    found = field(value, name)
    if not isinstance(found, Sequence) or isinstance(found, str):
        return []
    return [item for item in found if isinstance(item, Mapping)]


def text(value: object, name: str) -> str | None:
    """``value[name]`` when it is a string."""
    found = field(value, name)
    return found if isinstance(found, str) else None


def number(value: object, name: str) -> float | None:
    """``value[name]`` when it is a number (not a bool)."""
    found = field(value, name)
    if isinstance(found, bool) or not isinstance(found, int | float):
        return None
    return float(found)


def moment(value: object, name: str) -> datetime | None:
    """``value[name]`` when it is a timestamp (botocore parses them to ``datetime``)."""
    found = field(value, name)
    return found if isinstance(found, datetime) else None


def code_of(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``."""
    return error_code(exc)
