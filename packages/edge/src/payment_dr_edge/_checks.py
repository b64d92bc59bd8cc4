"""Prop checks shared by the edge constructs.

Values that arrive as Terraform references (tokens, e.g. a cross-stack reference to a
domain name) cannot be inspected at synth time and are accepted as they are; literal
values are checked for shape and, for ARNs, for the region they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.provider import AwsProvider

from payment_dr_core import ConfigError
from payment_dr_core.config import LOG_RETENTION_DAYS

_ACCOUNT = r"\d{12}"
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = rf"(?=.{{4,253}}$){_LABEL}(\.{_LABEL})*\.[a-z]{{2,63}}"


def is_token(value: object) -> bool:
    """True when ``value`` is an unresolved Terraform reference rather than a literal."""
    return isinstance(value, str) and Token.is_unresolved(value)


def check_literal(field: str, value: object, pattern: str, allowed: str) -> None:
    """A non-empty string matching ``pattern``, or a token."""
    if not isinstance(value, str) or not value:
        raise ConfigError(field, value, allowed)
    if not is_token(value) and re.fullmatch(pattern, value) is None:
        raise ConfigError(field, value, allowed)


def check_domain_name(field: str, value: str) -> None:
    """A lowercase fully qualified domain name without a trailing dot or wildcard."""
    check_literal(
        field,
        value,
        _DOMAIN,
        "a lowercase fully qualified domain name such as api.example.com (no wildcard, "
        "no trailing dot)",
    )


def check_hosted_zone_id(field: str, value: str) -> None:
    """A Route 53 hosted zone ID (``Z`` and up to 32 uppercase letters or digits)."""
    check_literal(field, value, r"Z[A-Z0-9]{1,32}", "a Route 53 hosted zone ID like Z0123ABC")


def check_kms_key_arn(field: str, value: str, region: str) -> None:
    """The ARN of a KMS key in ``region``: every log group uses its own region's key."""
    check_literal(
        field,
        value,
        rf"arn:aws[a-z-]*:kms:{re.escape(region)}:{_ACCOUNT}:key/[A-Za-z0-9-]+",
        f"the ARN of a KMS key in {region} (each log group uses its own region's key)",
    )


def check_log_retention(field: str, value: int) -> None:
    """One of the retention values CloudWatch Logs accepts."""
    if isinstance(value, bool) or value not in LOG_RETENTION_DAYS:
        raise ConfigError(field, value, f"one of {LOG_RETENTION_DAYS}")


def check_one_of(field: str, value: object, allowed: Sequence[object]) -> None:
    """``value`` is one of ``allowed``."""
    if isinstance(value, bool) or value not in allowed:
        raise ConfigError(field, value, f"one of {tuple(allowed)}")


def check_bool(field: str, value: object) -> None:
    """A real boolean (not a truthy string or number)."""
    if not isinstance(value, bool):
        raise ConfigError(field, value, "True or False")


def check_int(field: str, value: object, low: int, high: int, allowed: str = "") -> None:
    """An integer (booleans excluded) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(field, value, allowed or f"an integer from {low} to {high}")


def check_number(field: str, value: object, low: float, high: float) -> None:
    """A number (booleans excluded) greater than ``low`` and at most ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise ConfigError(field, value, f"a number greater than {low} and at most {high}")


def check_provider_region(
    field: str, provider: TerraformProvider | None, region: str, *, required: bool = False
) -> None:
    """When ``provider`` is an AWS provider with a literal region, it must be ``region``.

    ``required``: None (the stack's default provider) is refused.
    """
    if provider is None:
        if required:
            raise ConfigError(field, None, f"an AWS provider for {region}")
        return
    if isinstance(provider, AwsProvider):
        configured = provider.region_input
        if isinstance(configured, str) and not is_token(configured) and configured != region:
            raise ConfigError(field, configured, f"a provider for {region}")
