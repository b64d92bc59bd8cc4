"""Prop checks shared by the observability constructs.

Most props are names and ARNs that come from other constructs, often from the other
stack as cross-stack references. Such a value is an unresolved Terraform reference
(a token, or any string starting with ``${``) and is accepted as it is: its shape can
only be known at apply time. Literal values are checked for shape and, for ARNs, for
the region they must be in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cdktf import Token

from payment_dr_core import ConfigError

_ACCOUNT = r"\d{12}"


def is_reference(value: object) -> bool:
    """True when ``value`` is a Terraform reference rather than a literal."""
    return isinstance(value, str) and (Token.is_unresolved(value) or value.startswith("${"))


def check_literal(field: str, value: object, pattern: str, allowed: str) -> None:
    """A non-empty string; when literal, it must match ``pattern`` in full."""
    if not isinstance(value, str) or not value:
        raise ConfigError(field, value, allowed)
    if is_reference(value):
        return
    if re.fullmatch(pattern, value) is None:
        raise ConfigError(field, value, allowed)


def check_arn(field: str, value: object, service: str, region: str, resource: str) -> None:
    """An ARN of ``service`` in ``region`` whose resource part matches ``resource``."""
    check_literal(
        field,
        value,
        rf"arn:aws[a-z-]*:{service}:{re.escape(region)}:{_ACCOUNT}:{resource}",
        f"the ARN of a {service} resource in {region}",
    )


def check_kms_key_arn(field: str, value: object, region: str) -> None:
    """The ARN of a KMS key (or alias) in ``region``: each topic uses its own region's key."""
    check_literal(
        field,
        value,
        rf"arn:aws[a-z-]*:kms:{re.escape(region)}:{_ACCOUNT}:(key|alias)/[A-Za-z0-9/_-]+",
        f"the ARN of a KMS key in {region} (each topic uses its own region's key)",
    )


def check_label(field: str, value: object) -> None:
    """A short label used in construct IDs and alarm names (``api``, ``failover``)."""
    check_literal(
        field,
        value,
        r"(?=.{1,24}$)[a-z][a-z0-9]*(-[a-z0-9]+)*",
        "1-24 lowercase letters, digits and single hyphens, starting with a letter",
    )


def positive_up_to(high: float) -> Callable[[float], bool]:
    """A predicate that is true for numbers (booleans excluded) in ``(0, high]``."""

    def _check(value: float) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= high

    return _check
