"""Find values in a synthesized stack that name another resource of the stack literally.

A resource that names another by its literal physical name or ARN, with no ``${...}``
reference to it and no ``depends_on`` on it (directly or through other resources), gets
no ordering from Terraform: on a first apply it may be created before the resource it
names. :func:`literal_references` reports every such value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PHYSICAL_NAME_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "aws_api_gateway_domain_name": ("domain_name",),
    "aws_api_gateway_rest_api": ("name",),
    "aws_cloudwatch_dashboard": ("dashboard_name",),
    "aws_cloudwatch_event_rule": ("name",),
    "aws_cloudwatch_log_group": ("name",),
    "aws_cloudwatch_metric_alarm": ("alarm_name",),
    "aws_db_subnet_group": ("name",),
    "aws_dynamodb_table": ("name",),
    "aws_iam_policy": ("name",),
    "aws_iam_role": ("name",),
    "aws_kms_alias": ("name",),
    "aws_lambda_function": ("function_name",),
    "aws_rds_cluster": ("cluster_identifier",),
    "aws_rds_cluster_instance": ("identifier",),
    "aws_rds_cluster_parameter_group": ("name",),
    "aws_rds_global_cluster": ("global_cluster_identifier",),
    "aws_route53_zone": ("name",),
    "aws_s3_bucket": ("bucket",),
    "aws_secretsmanager_secret": ("name",),
    "aws_security_group": ("name",),
    "aws_sns_topic": ("name",),
    "aws_sqs_queue": ("name",),
    "aws_ssm_parameter": ("name",),
    "aws_wafv2_web_acl": ("name",),
}
"""The attribute holding each resource kind's physical name (what other resources and
AWS APIs use to find it)."""

_OWN_NAME = frozenset({"name", "name_prefix", "description"})
"""A resource's own name (an IAM role called like its function, a subnet group like its
security group) shares a value with another resource without referring to it."""

_SKIPPED = ("depends_on", "tags", "//", "lifecycle", "provider")

_REFERENCE = re.compile(r"\$\{[^}]*?\b((?:aws|data\.aws)_[a-z0-9_]+\.[A-Za-z0-9_-]+)")
_ARN_SEPARATORS = re.compile(r"[:/]")


@dataclass(frozen=True)
class LiteralReference:
    """``source`` holds ``value`` at ``path``: the literal name or ARN of ``target``."""

    source: str
    path: str
    value: str
    target: str


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")
    else:
        yield path, node


def _resources(stack: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{kind}.{name}": body
        for kind, items in stack.get("resource", {}).items()
        for name, body in items.items()
    }


def _direct_dependencies(body: Mapping[str, Any]) -> set[str]:
    found: set[str] = {str(item) for item in body.get("depends_on", ())}
    for _, value in _walk(body):
        if isinstance(value, str):
            found.update(_REFERENCE.findall(value))
    return found


def _ordered_after(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, set[str]]:
    """Every resource each resource is ordered after, through references and depends_on."""
    direct = {address: _direct_dependencies(body) for address, body in resources.items()}
    closure: dict[str, set[str]] = {}

    def visit(address: str, trail: frozenset[str]) -> set[str]:
        if address in closure:
            return closure[address]
        result: set[str] = set()
        for dependency in direct.get(address, ()):
            result.add(dependency)
            if dependency not in trail:
                result |= visit(dependency, trail | {dependency})
        closure[address] = result
        return result

    for address in resources:
        visit(address, frozenset({address}))
    return closure


def _physical_names(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Literal physical name -> addresses of the resources called so (an IAM role and its
    function may share a name)."""
    names: dict[str, list[str]] = {}
    for address, body in resources.items():
        kind = address.split(".", 1)[0]
        for attribute in PHYSICAL_NAME_ATTRIBUTES.get(kind, ()):
            value = body.get(attribute)
            if isinstance(value, str) and value and "${" not in value:
                names.setdefault(value, []).append(address)
    return names


def _named_targets(value: str, names: Mapping[str, list[str]]) -> list[str]:
    if value in names:
        return names[value]
    if value.startswith("arn:"):
        # arn:aws:<service>:<region>:<account>:<type>:<name> or .../<type>/<name>
        for segment in _ARN_SEPARATORS.split(value)[5:]:
            if segment in names:
                return names[segment]
    return []


def literal_references(stack: Mapping[str, Any]) -> list[LiteralReference]:
    """Every literal name or ARN of a resource of ``stack`` held by a resource of the same
    stack that is not ordered after it. Data sources are not scanned: they create nothing
    (an IAM policy document may name a resource that does not exist yet). A resource's
    own name, tags and description are not references."""
    resources = _resources(stack)
    names = _physical_names(resources)
    ordered_after = _ordered_after(resources)
    found: list[LiteralReference] = []
    for source, body in resources.items():
        own = _OWN_NAME | set(PHYSICAL_NAME_ATTRIBUTES.get(source.split(".", 1)[0], ()))
        for path, value in _walk(body):
            if not isinstance(value, str) or path in own or path.startswith(_SKIPPED):
                continue
            for target in _named_targets(value, names):
                if target != source and target not in ordered_after[source]:
                    found.append(LiteralReference(source, path, value, target))
    return found
