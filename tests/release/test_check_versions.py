"""scripts/check_versions.py against throwaway git repositories."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_versions.py"

PYPROJECT = """[project]
name = "{name}"
version = "{version}"

[tool.poetry]
packages = [{{ include = "{module}", from = "src" }}]
"""


@dataclass
class Repo:
    """A git repository with packages laid out like the monorepo."""

    root: Path
    env: dict[str, str]
    clock: int = 1_700_000_000

    def git(self, *args: str) -> str:
        # Each commit gets a later timestamp, so tag order by date is deterministic.
        self.clock += 60
        env = {
            **self.env,
            "GIT_AUTHOR_DATE": f"{self.clock} +0000",
            "GIT_COMMITTER_DATE": f"{self.clock} +0000",
        }
        result = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True
        )
        return result.stdout

    def write_package(
        self,
        directory: str,
        name: str,
        version: str,
        init_version: str | None = None,
        changelog: bool = True,
    ) -> None:
        module = name.replace("-", "_")
        package = self.root / directory
        (package / "src" / module).mkdir(parents=True, exist_ok=True)
        (package / "pyproject.toml").write_text(
            PYPROJECT.format(name=name, version=version, module=module), encoding="utf-8"
        )
        declared = version if init_version is None else init_version
        (package / "src" / module / "__init__.py").write_text(
            f'"""{name}."""\n\n__version__ = "{declared}"\n', encoding="utf-8"
        )
        if changelog:
            (package / "CHANGELOG.md").write_text(
                f"# Changelog\n\n## [{version}] - 2026-11-28\n\n- Version {version}.\n",
                encoding="utf-8",
            )

    def touch(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def check(self, *args: str) -> tuple[int, str]:
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--root", str(self.root), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode, result.stdout + result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """Two packages (``core`` and an app), committed and tagged ``v0.1.0``."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Release Test",
        "GIT_AUTHOR_EMAIL": "release@example.com",
        "GIT_COMMITTER_NAME": "Release Test",
        "GIT_COMMITTER_EMAIL": "release@example.com",
    }
    root = tmp_path / "repo"
    root.mkdir()
    made = Repo(root=root, env=env)
    made.git("init", "-q", "-b", "main")
    made.write_package("packages/core", "demo-core", "0.1.0")
    made.write_package("apps/service", "demo-service", "1.2.0")
    made.commit("initial")
    made.git("tag", "v0.1.0")
    return made


def test_unchanged_packages_pass_against_the_latest_tag(repo: Repo) -> None:
    code, output = repo.check()
    assert code == 0, output
    assert "demo-core 0.1.0: unchanged since v0.1.0" in output
    assert "demo-service 1.2.0: unchanged since v0.1.0" in output


def test_a_change_without_a_bump_fails_naming_package_and_versions(repo: Repo) -> None:
    repo.touch("packages/core/src/demo_core/extra.py", "X = 1\n")
    repo.commit("core: extra module")

    code, output = repo.check()

    assert code == 1
    failures = [line for line in output.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1, output
    assert "demo-core" in failures[0]
    assert "version 0.1.0 is not greater than 0.1.0 at v0.1.0" in failures[0]
    assert "demo-service 1.2.0: unchanged" in output
    assert output.rstrip().endswith("version check: FAILED")


def test_a_change_with_a_bump_passes(repo: Repo) -> None:
    repo.touch("packages/core/src/demo_core/extra.py", "X = 1\n")
    repo.write_package("packages/core", "demo-core", "0.1.1")
    repo.commit("core: extra module, 0.1.1")

    code, output = repo.check()

    assert code == 0, output
    assert "demo-core: 0.1.0 -> 0.1.1 (changed since v0.1.0)" in output


def test_a_lower_version_fails(repo: Repo) -> None:
    repo.write_package("apps/service", "demo-service", "1.1.9")
    repo.commit("service: wrong bump")

    code, output = repo.check()

    assert code == 1
    assert "demo-service" in output
    assert "version 1.1.9 is not greater than 1.2.0" in output


def test_versions_compare_as_versions_not_strings(repo: Repo) -> None:
    repo.write_package("packages/core", "demo-core", "0.10.0")
    repo.commit("core: 0.10.0")

    code, output = repo.check()

    assert code == 0, output
    assert "demo-core: 0.1.0 -> 0.10.0" in output


def test_a_package_tag_newer_than_the_repository_tag_is_the_base(repo: Repo) -> None:
    repo.write_package("packages/core", "demo-core", "0.2.0")
    repo.commit("core: 0.2.0")
    repo.git("tag", "demo-core-v0.2.0")
    repo.touch("packages/core/README.md", "changed\n")
    repo.commit("core: readme")

    code, output = repo.check()

    assert code == 1
    assert "not greater than 0.2.0 at demo-core-v0.2.0" in output
    # The other package still compares against the repository-wide tag.
    assert "demo-service 1.2.0: unchanged since v0.1.0" in output


def test_origin_main_is_the_base_when_there_is_no_tag(repo: Repo) -> None:
    repo.git("tag", "-d", "v0.1.0")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.touch("apps/service/src/demo_service/handler.py", "def handler() -> None: ...\n")
    repo.commit("service: handler")

    code, output = repo.check()

    assert code == 1
    assert "demo-service" in output
    assert "at origin/main" in output


def test_without_any_base_the_bump_check_is_skipped_with_a_message(repo: Repo) -> None:
    repo.git("tag", "-d", "v0.1.0")
    repo.touch("packages/core/src/demo_core/extra.py", "X = 1\n")
    repo.commit("core: extra module")

    code, output = repo.check()

    assert code == 0, output
    skipped = [line for line in output.splitlines() if line.startswith("skip")]
    assert len(skipped) == 2
    assert all("no base to compare against" in line for line in skipped)


def test_explicit_base_overrides_tags(repo: Repo) -> None:
    repo.touch("packages/core/src/demo_core/extra.py", "X = 1\n")
    repo.commit("core: extra module")

    assert repo.check("--base", "HEAD")[0] == 0
    code, output = repo.check("--base", "HEAD~1")
    assert code == 1
    assert "at HEAD~1" in output


def test_unknown_base_fails_clearly(repo: Repo) -> None:
    code, output = repo.check("--base", "no-such-ref")
    assert code == 1
    assert "base 'no-such-ref' is not a commit" in output


def test_a_package_new_since_the_base_needs_no_bump(repo: Repo) -> None:
    repo.write_package("packages/extra", "demo-extra", "0.0.1")
    repo.commit("extra package")

    code, output = repo.check()

    assert code == 0, output
    assert "demo-extra 0.0.1: new since v0.1.0" in output


MismatchSetup = Callable[[Repo], None]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        pytest.param(
            lambda r: r.write_package("packages/core", "demo-core", "0.1.0", init_version="0.0.9"),
            "__version__ '0.0.9' in packages/core/src/demo_core/__init__.py differs from "
            "version '0.1.0'",
            id="different",
        ),
        pytest.param(
            lambda r: r.touch("packages/core/src/demo_core/__init__.py", '"""No version."""\n'),
            "demo-core: no literal __version__ in packages/core/src/demo_core/__init__.py",
            id="missing",
        ),
    ],
)
def test_version_attribute_must_match_pyproject_even_without_a_base(
    repo: Repo, setup: MismatchSetup, expected: str
) -> None:
    repo.git("tag", "-d", "v0.1.0")
    setup(repo)

    code, output = repo.check()

    assert code == 1
    assert expected in output


def test_a_bump_without_a_changelog_entry_fails(repo: Repo) -> None:
    repo.touch("packages/core/src/demo_core/extra.py", "X = 1\n")
    repo.write_package("packages/core", "demo-core", "0.1.1", changelog=False)
    repo.commit("core: extra module, 0.1.1, changelog left at 0.1.0")

    code, output = repo.check()

    assert code == 1
    assert (
        "FAIL  demo-core 0.1.1: packages/core/CHANGELOG.md has no '## [0.1.1] - YYYY-MM-DD' "
        "entry listing the changes (changed since v0.1.0)" in output
    )


def test_a_dependency_range_that_excludes_the_workspace_version_fails(repo: Repo) -> None:
    repo.write_package("packages/core", "demo-core", "0.2.0")
    service = repo.root / "apps" / "service" / "pyproject.toml"
    service.write_text(
        service.read_text().replace(
            "[project]\n", '[project]\ndependencies = ["demo-core>=0.1.0,<0.2.0"]\n', 1
        ),
        encoding="utf-8",
    )
    repo.commit("core 0.2.0; the service still pins <0.2.0")

    code, output = repo.check("--base", "HEAD")

    assert code == 1
    assert (
        "FAIL  demo-service requires demo-core<0.2.0,>=0.1.0, which excludes demo-core 0.2.0 "
        "of this workspace" in output
    )
