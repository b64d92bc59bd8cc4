"""mypy still checks our calls into the provider bindings.

pyproject.toml tells mypy to skip the provider package's ``__init__`` (it only re-exports
~2,200 submodules, and following them costs about 3 GB and minutes). This test plants a
wrong call into a resource class and requires mypy, with the project's own settings, to
reject it: widening that override to the submodules would make this test fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PLANTED = """\
from __future__ import annotations

from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct


def build(scope: Construct) -> None:
    Vpc(scope, "vpc", cidr_block=5, no_such_argument=True)
"""


def test_mypy_rejects_a_wrong_call_into_a_resource_class(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(PLANTED, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(planted),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Unexpected keyword argument "no_such_argument" for "Vpc"' in result.stdout
    assert 'Argument "cidr_block" to "Vpc" has incompatible type "int"' in result.stdout
