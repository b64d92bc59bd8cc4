"""The validation helpers every construct's props use: literal fields, values and messages."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from payment_dr_core import ConfigError
from payment_dr_core.validation import Rule, check_all, in_range, matches, parse_ipv4_network


@pytest.mark.parametrize(
    ("value", "ok"),
    [(1, True), (10, True), (5, True), (0, False), (11, False), (True, False), ("5", False)],
)
def test_in_range_is_inclusive_and_refuses_booleans(value: object, ok: bool) -> None:
    assert in_range(1, 10)(value) is ok  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "ok"),
    [("abc", True), ("abcd", False), ("xabc", False), ("", False), (3, False)],
)
def test_matches_the_whole_string_only(value: object, ok: bool) -> None:
    assert matches(r"[a-c]{1,3}")(value) is ok  # type: ignore[arg-type]


def test_the_first_broken_rule_raises_with_field_value_and_what_is_allowed() -> None:
    rules = [
        (Rule[int]("retries", in_range(1, 5), "1 to 5"), 3),
        (Rule[int]("days", in_range(1, 35), "1 to 35"), 0),
        (Rule[int]("minutes", in_range(1, 10), "1 to 10"), 99),
    ]
    with pytest.raises(ConfigError) as raised:
        check_all(rules)
    assert str(raised.value) == "days: got 0; allowed: 1 to 35"
    assert (raised.value.field, raised.value.value, raised.value.allowed) == ("days", 0, "1 to 35")
    check_all([(Rule[int]("retries", in_range(1, 5), "1 to 5"), 5)])


def test_parse_ipv4_network() -> None:
    assert parse_ipv4_network("cidr", "10.20.0.0/16") == ipaddress.IPv4Network("10.20.0.0/16")
    with pytest.raises(ConfigError) as host_bits:
        parse_ipv4_network("vpc_cidr", "10.20.0.1/16")
    assert str(host_bits.value) == (
        "vpc_cidr: got '10.20.0.1/16'; allowed: an IPv4 CIDR block with no host bits set, "
        "e.g. 10.0.0.0/16"
    )
    with pytest.raises(ConfigError) as v6:
        parse_ipv4_network("vpc_cidr", "fd00::/8")
    assert (
        str(v6.value) == "vpc_cidr: got 'fd00::/8'; allowed: an IPv4 CIDR block, e.g. 10.0.0.0/16"
    )


def test_a_rule_is_immutable() -> None:
    """Rules are shared module-level tables: one construct must not be able to loosen them."""
    rule = Rule[int]("retries", in_range(1, 5), "1 to 5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.allowed = "anything"  # type: ignore[misc]
