"""How the whole suite is spread over parallel workers (``make test``: pytest-xdist).

A plugin of every run from the repository root (``conftest.py`` there loads it).
``make test`` runs ``pytest -n auto --dist loadgroup``: each test gets an ``xdist_group``
here, and xdist sends a whole group to one worker.

- Every test that uses the session's synthesized app (``synthesized_app``,
  ``production_app``, ``lambda_faults_app`` in ``tests/conftest.py``) is in one group, so
  each app is synthesized once per run, not once per worker.
- Every other test is grouped by its module, so a module-scoped fixture (the construct
  tests' throwaway stack, the drill's replicated pair) is built once.

Each worker is its own pytest session, so session fixtures are per worker: the runtime
tests' PostgreSQL server (``tests/runtime/conftest.py``) is a throwaway server of that
worker, and the roles the migrations create never meet another worker's.
"""

from __future__ import annotations

import pytest

APP_FIXTURES = frozenset({"synthesized_app", "production_app", "lambda_faults_app"})
APP_GROUP = "synthesized-app"


def xdist_group_of(nodeid: str, fixturenames: list[str]) -> str:
    """The group of one test: the synthesized app's, else its module's path."""
    if APP_FIXTURES.intersection(fixturenames):
        return APP_GROUP
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its group (before xdist reads the marks on a worker)."""
    for item in items:
        fixturenames = list(getattr(item, "fixturenames", ()))
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item.nodeid, fixturenames)))
