"""A replicated PostgreSQL pair for the drill tests (skipped without server binaries)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from payment_service.logging import configure_logging
from tests.drill.pair import ReplicatedPair
from tests.runtime.postgres import PostgresUnavailableError


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    try:
        replicated = ReplicatedPair.create()
    except PostgresUnavailableError as exc:
        pytest.skip(f"the DR drill needs PostgreSQL server binaries: {exc}")
    try:
        yield replicated
    finally:
        replicated.close()


@pytest.fixture(autouse=True)
def _quiet_handler_logs() -> Iterator[None]:
    """Thousands of requests: keep their JSON log lines out of the test output."""
    configure_logging("ERROR", stream=io.StringIO())
    yield
    configure_logging()
