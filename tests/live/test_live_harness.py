"""The live tests run with the AWS settings the process started with, not the fake ones."""

from __future__ import annotations

import os

import pytest

from tests.live.conftest import _STARTUP_ENVIRON
from tests.live.outputs import Deployment

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("deployment")]


def test_live_tests_see_the_startup_aws_settings(deployment: Deployment) -> None:
    # The suite-wide fixture sets AWS_ACCESS_KEY_ID, AWS_CONFIG_FILE, ... to fakes; any of
    # them still present here without having been set at startup fails the comparison.
    keys = {key for key in (*os.environ, *_STARTUP_ENVIRON) if key.startswith("AWS_")}
    for key in sorted(keys):
        assert os.environ.get(key) == _STARTUP_ENVIRON.get(key), key
