"""Prop checks shared by the data constructs.

Values that arrive as Terraform references (tokens, e.g. a cross-stack reference to
a key ARN) cannot be inspected at synth time; they are accepted as they are. Literal
values are checked for shape and, for ARNs, for the region they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cdktf import Token

from payment_dr_core import ConfigError
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import parse_ipv4_network

_ACCOUNT = r"\d{12}"


def is_token(value: object) -> bool:
    """True when ``value`` is an unresolved Terraform reference rather than a literal."""
    return isinstance(value, str) and Token.is_unresolved(value)


def _literal(field: str, value: object, pattern: str, allowed: str) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(field, value, allowed)
    if is_token(value):
        return
    if re.fullmatch(pattern, value) is None:
        raise ConfigError(field, value, allowed)


def check_region(field: str, value: str) -> None:
    """An AWS region name."""
    validate_region(field, value)


def check_kms_key_arn(field: str, value: str, region: str) -> None:
    """The ARN of a KMS key (or alias) in ``region``: every consumer uses its own region's key."""
    _literal(
        field,
        value,
        rf"arn:aws[a-z-]*:kms:{re.escape(region)}:{_ACCOUNT}:(key|alias)/[A-Za-z0-9/_-]+",
        f"the ARN of a KMS key in {region} (each resource uses its own region's key)",
    )


def check_id(field: str, value: str, prefix: str) -> None:
    """An EC2 resource ID such as ``vpc-0abc`` or ``sg-0abc``."""
    _literal(field, value, rf"{prefix}-[0-9a-f]{{8,17}}", f"an ID like {prefix}-0123456789abcdef0")


def check_subnet_ids(field: str, values: Sequence[str]) -> None:
    """Two or three distinct subnet IDs (one per AZ of the private network)."""
    allowed = "a tuple of 2 or 3 distinct subnet IDs (subnet-...), one per AZ"
    if not isinstance(values, tuple) or not 2 <= len(values) <= 3:
        raise ConfigError(field, values, allowed)
    if len(set(values)) != len(values):
        raise ConfigError(field, values, allowed)
    for value in values:
        check_id(field, value, "subnet")


def check_private_cidr(field: str, value: str) -> None:
    """A private (RFC 1918) IPv4 block of /16 or smaller: a peer VPC, never the internet."""
    network = parse_ipv4_network(field, value)
    if not network.is_private or network.prefixlen < 16:
        raise ConfigError(field, value, "a private (RFC 1918) IPv4 block of /16 or smaller")


def check_arn(field: str, value: str, service: str, region: str, resource: str) -> None:
    """An ARN of ``service`` in ``region`` whose resource part matches ``resource``."""
    _literal(
        field,
        value,
        rf"arn:aws[a-z-]*:{service}:{re.escape(region)}:{_ACCOUNT}:{resource}",
        f"the ARN of a {service} resource in {region}",
    )


def check_bucket_arn(field: str, value: str) -> None:
    """An S3 bucket ARN (``arn:aws:s3:::name``)."""
    _literal(
        field, value, r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket ARN"
    )


def check_bucket_name(field: str, value: str) -> None:
    """An S3 bucket name."""
    _literal(field, value, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name")


def region_of_arn(value: str) -> str | None:
    """The region part of a literal ARN; None for a token or a global ARN."""
    if is_token(value):
        return None
    parts = value.split(":")
    return parts[3] or None if len(parts) > 3 else None


def check_bool(field: str, value: object) -> None:
    """A real ``bool`` (not 0/1 or a string)."""
    if not isinstance(value, bool):
        raise ConfigError(field, value, "true or false")
