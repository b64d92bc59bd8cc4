"""Test setup of payment-dr-core: no way to reach real AWS.

Importing payment_dr_core first selects the Node.js that jsii runs on (payment_dr_core.node)
and makes the AWS provider bindings load lazily.
"""

from __future__ import annotations

import pytest

from payment_dr_core.testing import no_real_aws


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with fake credentials and no shared profile."""
    no_real_aws(monkeypatch)
