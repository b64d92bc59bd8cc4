"""No resource names another resource of its stack by a literal without being ordered after it."""

from __future__ import annotations

import re

import pytest

from tests.app.literal_references import LiteralReference, literal_references
from tests.conftest import SynthesizedApp

ALLOWED: tuple[tuple[str, str, str], ...] = (
    (
        "aws_acm_certificate",
        r"domain_name",
        "A certificate is requested for a DNS name, before the custom domain that uses it "
        "exists; the custom domain references the certificate, so the order is right.",
    ),
    (
        "aws_cloudwatch_metric_alarm",
        r"dimensions\.[A-Za-z]+",
        "A metric dimension is a value to match, not a resource lookup: CloudWatch creates an "
        "alarm on a metric nobody has published yet (INSUFFICIENT_DATA until the first "
        "datapoint), so the alarm needs no ordering after the resource.",
    ),
)
"""(resource kind, attribute path pattern, reason) of the literal names that need no order."""


def _allowed(reference: LiteralReference) -> bool:
    kind = reference.source.split(".", 1)[0]
    return any(
        kind == allowed_kind and re.fullmatch(pattern, reference.path)
        for allowed_kind, pattern, _ in ALLOWED
    )


@pytest.mark.parametrize("stack_name", ["payment-dr-ci7-primary", "payment-dr-ci7-secondary"])
def test_no_unordered_literal_reference(synthesized_app: SynthesizedApp, stack_name: str) -> None:
    found = [r for r in literal_references(synthesized_app.stacks[stack_name]) if not _allowed(r)]
    assert found == []


def test_lambda_permissions_reference_the_function(synthesized_app: SynthesizedApp) -> None:
    for stack in synthesized_app.stacks.values():
        permissions = stack["resource"]["aws_lambda_permission"]
        assert len(permissions) >= 4
        for body in permissions.values():
            assert re.fullmatch(
                r"\$\{aws_lambda_function\.[A-Za-z0-9_-]+\.(function_name|arn)\}",
                body["function_name"],
            ), body


def test_the_allow_list_is_short_and_every_entry_is_used(synthesized_app: SynthesizedApp) -> None:
    assert len(ALLOWED) <= 3
    used = {
        (r.source.split(".", 1)[0], pattern)
        for stack in synthesized_app.stacks.values()
        for r in literal_references(stack)
        for kind, pattern, _ in ALLOWED
        if r.source.split(".", 1)[0] == kind and re.fullmatch(pattern, r.path)
    }
    assert used == {(kind, pattern) for kind, pattern, _ in ALLOWED}


FUNCTION = "payment-processing-payment-api-use1-x"


def _stack(permission: dict[str, object]) -> dict[str, dict[str, dict[str, object]]]:
    return {
        "resource": {
            "aws_lambda_function": {
                "fn": {"function_name": FUNCTION, "role": "${aws_iam_role.r.arn}"}
            },
            "aws_iam_role": {"r": {"name": FUNCTION}},
            "aws_lambda_permission": {"p": permission},
            "aws_lambda_alias": {"a": {"function_name": "${aws_lambda_permission.p.id}"}},
        }
    }


def test_scanner_finds_a_permission_naming_the_function_literally() -> None:
    found = literal_references(_stack({"function_name": FUNCTION}))
    # The role shares the function's name: both are named, neither is ordered.
    assert found == [
        LiteralReference(
            "aws_lambda_permission.p", "function_name", FUNCTION, "aws_lambda_function.fn"
        ),
        LiteralReference("aws_lambda_permission.p", "function_name", FUNCTION, "aws_iam_role.r"),
    ]


def test_scanner_finds_a_literal_arn() -> None:
    arn = f"arn:aws:lambda:us-east-1:${{data.aws_caller_identity.c.account_id}}:function:{FUNCTION}"
    found = literal_references(_stack({"function_name": arn}))
    assert [(r.source, r.target) for r in found] == [
        ("aws_lambda_permission.p", "aws_lambda_function.fn"),
        ("aws_lambda_permission.p", "aws_iam_role.r"),
    ]


@pytest.mark.parametrize(
    "permission",
    [
        {"function_name": "${aws_lambda_function.fn.function_name}"},
        {"function_name": FUNCTION, "depends_on": ["aws_lambda_function.fn"]},
        # ordered after the function through another resource that references it
        {"function_name": FUNCTION, "qualifier": "${aws_lambda_alias.b.name}"},
    ],
)
def test_scanner_accepts_an_ordered_reference(permission: dict[str, object]) -> None:
    stack = _stack(permission)
    aliases = stack["resource"]["aws_lambda_alias"]
    assert isinstance(aliases, dict)
    aliases["b"] = {"function_name": "${aws_lambda_function.fn.function_name}"}
    aliases.pop("a")
    assert literal_references(stack) == []
