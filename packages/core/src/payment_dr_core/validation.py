"""Small rule tables: each rule is a predicate and the text that says what is allowed."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from payment_dr_core.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Rule(Generic[T]):
    """A check on one field: ``check(value)`` is true when the value is allowed."""

    field: str
    check: Callable[[T], bool]
    allowed: str

    def apply(self, value: T) -> None:
        """Raise :class:`ConfigError` when ``value`` breaks this rule."""
        if not self.check(value):
            raise ConfigError(self.field, value, self.allowed)


def check_all(rules: Iterable[tuple[Rule[T], T]]) -> None:
    """Apply each ``(rule, value)`` pair in order; the first broken rule raises."""
    for rule, value in rules:
        rule.apply(value)


def matches(pattern: str) -> Callable[[str], bool]:
    """A predicate that is true when the whole string matches ``pattern``."""
    compiled = re.compile(pattern)

    def _check(value: str) -> bool:
        return isinstance(value, str) and compiled.fullmatch(value) is not None

    return _check


def in_range(low: int, high: int) -> Callable[[int], bool]:
    """A predicate that is true for integers in ``[low, high]`` (booleans excluded)."""

    def _check(value: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return _check


def parse_ipv4_network(field: str, value: str) -> ipaddress.IPv4Network:
    """Parse an IPv4 CIDR block in canonical form (no host bits set)."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            field, value, "an IPv4 CIDR block with no host bits set, e.g. 10.0.0.0/16"
        ) from exc
    if not isinstance(network, ipaddress.IPv4Network):
        raise ConfigError(field, value, "an IPv4 CIDR block, e.g. 10.0.0.0/16")
    return network
