"""Helpers of the data construct tests: one stack synthesized and queried, two regions, their
keys, a peer provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

Json = dict[str, Any]


@dataclass(frozen=True)
class Synth:
    """The synthesized JSON of one stack."""

    doc: Json

    def resources(self, kind: str) -> dict[str, Json]:
        """All resources of ``kind`` by logical name (empty when there are none)."""
        found: dict[str, Json] = self.doc.get("resource", {}).get(kind, {})
        return found

    def data(self, kind: str) -> dict[str, Json]:
        """All data sources of ``kind`` by logical name."""
        found: dict[str, Json] = self.doc.get("data", {}).get(kind, {})
        return found

    def only(self, kind: str) -> Json:
        """The single resource of ``kind``; fails when there are zero or several."""
        found = self.resources(kind)
        assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
        return next(iter(found.values()))

    def find(self, kind: str, fragment: str) -> Json:
        """The single resource of ``kind`` whose logical name contains ``fragment``."""
        matches = {name: body for name, body in self.resources(kind).items() if fragment in name}
        assert (
            len(matches) == 1
        ), f"expected one {kind} matching {fragment!r}, found {sorted(matches)}"
        return next(iter(matches.values()))

    def policy_document(self, reference: str) -> Json:
        """The aws_iam_policy_document data source that ``reference`` (a ${...} token) names."""
        name = reference.removeprefix("${").split(".")[2]
        return self.data("aws_iam_policy_document")[name]


def synth_stack(build: Callable[[TerraformStack], object], region: str = "us-east-1") -> Synth:
    """Build constructs in a fresh stack with one default AWS provider and synthesize it."""
    app = Testing.app()
    stack = TerraformStack(app, "test")
    AwsProvider(stack, "aws", region=region)
    build(stack)
    return Synth(json.loads(Testing.synth(stack)))


PRIMARY = "us-east-1"
SECONDARY = "us-east-2"
PRIMARY_KEY = "arn:aws:kms:us-east-1:111111111111:key/11111111-1111-1111-1111-111111111111"
SECONDARY_KEY = "arn:aws:kms:us-east-2:111111111111:key/22222222-2222-2222-2222-222222222222"
SECONDARY_PROVIDER = "aws.secondary"


def secondary_provider(stack: TerraformStack) -> AwsProvider:
    """An aliased provider for the secondary region, as the secondary stack has one for
    the primary region: the test stack's default provider is in the primary region."""
    return AwsProvider(stack, "aws-secondary", alias="secondary", region=SECONDARY)


def output(synth: Synth, name: str) -> str:
    """The expression a test output resolved to (attributes are references)."""
    value: str = synth.doc["output"][name]["value"]
    return value


def address(kind: str, fragment: str, synth: Synth) -> str:
    """``<kind>.<logical name>`` of the one ``kind`` whose logical name has ``fragment``."""
    names = [name for name in synth.resources(kind) if fragment in name]
    assert len(names) == 1, f"expected one {kind} matching {fragment!r}, found {names}"
    return f"{kind}.{names[0]}"


def reference(kind: str, fragment: str, synth: Synth, attribute: str) -> str:
    """``${<kind>.<logical name>.<attribute>}`` of the one ``kind`` whose name has ``fragment``."""
    return f"${{{address(kind, fragment, synth)}.{attribute}}}"
