"""Test setup of payment-dr-compute: no way to reach real AWS.

Importing payment_dr_core first selects the Node.js that jsii runs on (payment_dr_core.node)
and makes the AWS provider bindings load lazily.
"""

from __future__ import annotations

import pytest

from payment_dr_compute.bundle import Bundle, build_bundle
from payment_dr_core.testing import no_real_aws


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with fake credentials and no shared profile."""
    no_real_aws(monkeypatch)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """A one-module Lambda bundle for the constructs under test, built once per module."""
    package = tmp_path_factory.mktemp("src") / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("def handler(event, context):\n    return {}\n")
    return build_bundle(package, (), tmp_path_factory.mktemp("out") / "svc.zip")
