"""Test support for the construct packages: no real AWS, and one throwaway stack synthesized
and queried.

Only tests import this module (``payment_dr_core``'s ``__init__`` does not): it loads CDKTF.
Each package's ``tests/conftest.py`` applies :func:`no_real_aws` to every test, and its test
helper module builds on :class:`Synth` and :func:`synth_stack`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

if TYPE_CHECKING:
    import pytest

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no shared profile or config, so nothing can reach real AWS."""
    for key, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


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
