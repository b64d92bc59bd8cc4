"""The CLI tests reuse the scenario world (moto plus the fake RDS)."""

from __future__ import annotations

from tests.scenarios.conftest import world

__all__ = ["world"]
