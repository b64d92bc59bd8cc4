"""Live tests: a deployed environment, found through its outputs file.

Without ``PAYMENT_DR_OUTPUTS_FILE`` (or with a path that does not exist) every live test
is skipped with the reason. With it, tests marked ``live`` run against AWS with boto3's
default credential chain: the suite-wide fixture that installs fake credentials runs first,
then :func:`_real_aws_for_live_tests` puts back the AWS settings the process started with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.live.client import CLIENT_KEY_ENV, client_key_from
from tests.live.outputs import HOW_TO_PRODUCE, OUTPUTS_ENV, SUFFIX_ENV, Deployment, load_outputs

_STARTUP_ENVIRON = dict(os.environ)
"""The environment at collection time, before any test's fixtures changed it."""


def outputs_file(environ: Mapping[str, str]) -> Path | None:
    """The configured outputs file, or None when it is not set."""
    value = environ.get(OUTPUTS_ENV, "").strip()
    return Path(value) if value else None


def skip_reason(environ: Mapping[str, str]) -> str | None:
    """Why the live tests cannot run, or None when the outputs file is there."""
    path = outputs_file(environ)
    if path is None:
        return f"{OUTPUTS_ENV} is not set: {HOW_TO_PRODUCE}"
    if not path.is_file():
        return f"{OUTPUTS_ENV}={path}: no such file: {HOW_TO_PRODUCE}"
    return None


def restore_aws_environment(monkeypatch: pytest.MonkeyPatch, snapshot: Mapping[str, str]) -> None:
    """Make every ``AWS_*`` variable what it was in ``snapshot`` (undone after the test)."""
    for key in sorted({*os.environ, *snapshot}):
        if not key.startswith("AWS_"):
            continue
        if key in snapshot:
            monkeypatch.setenv(key, snapshot[key])
        else:
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def _real_aws_for_live_tests(
    _no_real_aws: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For ``live`` tests with an outputs file: the real AWS settings, not the fake ones.

    Depends on the root ``_no_real_aws`` fixture by name, so it runs after it.
    """
    if request.node.get_closest_marker("live") is None:
        return
    if skip_reason(_STARTUP_ENVIRON) is not None:
        return
    restore_aws_environment(monkeypatch, _STARTUP_ENVIRON)


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    """The deployed environment; skips the test when there is no outputs file."""
    reason = skip_reason(_STARTUP_ENVIRON)
    if reason is not None:
        pytest.skip(reason)
    path = outputs_file(_STARTUP_ENVIRON)
    assert path is not None
    return load_outputs(path, _STARTUP_ENVIRON.get(SUFFIX_ENV) or None)


@pytest.fixture
def aws(_real_aws_for_live_tests: None, deployment: Deployment) -> Any:
    """A boto3 session on the default credential chain (after the real settings are back)."""
    import boto3  # type: ignore[import-untyped]

    return boto3.session.Session()


@pytest.fixture
def client_key() -> str:
    """The API client key of the live tests; they are skipped, with the reason, without one."""
    key = client_key_from()
    if key is None:
        pytest.skip(
            f"{CLIENT_KEY_ENV} is not set: create a client key and add its hash to the "
            "client-keys secret (docs/deployment.md), then set it to '<client id>.<key>'"
        )
    return key


@pytest.fixture
def live_env(_real_aws_for_live_tests: None) -> dict[str, str]:
    """The environment for subprocesses of live tests (the current, restored one)."""
    return dict(os.environ)
