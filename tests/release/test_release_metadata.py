"""Every real package: ``__version__`` matches pyproject, and the CHANGELOG covers the version."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_versions.py"
PACKAGE_DIRS = sorted(
    path.parent
    for pattern in ("packages/*/pyproject.toml", "apps/*/pyproject.toml")
    for path in ROOT.glob(pattern)
)


def pyproject_version(package_dir: Path) -> str:
    data = tomllib.loads((package_dir / "pyproject.toml").read_text(encoding="utf-8"))
    version = data["project"]["version"]
    assert isinstance(version, str)
    return version


def test_every_workspace_package_is_covered() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in PACKAGE_DIRS}
    assert names >= {
        "packages/core",
        "packages/network",
        "packages/data",
        "packages/compute",
        "packages/edge",
        "packages/observability",
        "apps/dr-app",
        "apps/payment-service",
    }


@pytest.mark.parametrize("package_dir", PACKAGE_DIRS, ids=lambda p: p.name)
def test_version_attribute_matches_pyproject(package_dir: Path) -> None:
    inits = list((package_dir / "src").glob("*/__init__.py"))
    assert len(inits) == 1, inits
    declared = re.findall(
        r'^__version__ = "([^"]+)"$', inits[0].read_text(encoding="utf-8"), re.MULTILINE
    )
    assert declared == [pyproject_version(package_dir)]


@pytest.mark.parametrize("package_dir", PACKAGE_DIRS, ids=lambda p: p.name)
def test_changelog_has_an_entry_for_the_current_version(package_dir: Path) -> None:
    changelog = package_dir / "CHANGELOG.md"
    assert changelog.is_file(), f"{changelog.relative_to(ROOT)} is missing"
    text = changelog.read_text(encoding="utf-8")
    version = re.escape(pyproject_version(package_dir))
    heading = re.search(rf"^## \[{version}\] - (\d{{4}}-\d{{2}}-\d{{2}})$", text, re.MULTILINE)
    assert heading, f"{changelog.relative_to(ROOT)} has no '## [{version}] - YYYY-MM-DD' entry"
    entry = text[heading.end() :].split("\n## ", 1)[0]
    items = [line for line in entry.splitlines() if line.startswith("- ")]
    assert items, f"the {version} entry of {changelog.relative_to(ROOT)} lists nothing"


def test_script_passes_on_the_repository_against_head() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--base", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "__version__ matches pyproject.toml in all" in result.stdout, result.stdout
    # Uncommitted work is not compared (base...HEAD); every package is unchanged.
    assert result.returncode == 0, result.stdout
