"""The release's tags reach the remote with the push docs/releasing.md documents.

``make release`` tags each released package; the documented ``git push --follow-tags origin
HEAD`` sends annotated tags only. Each test pushes to a bare repository in a temporary
directory, like a team's ``origin``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.mutation.scripts import REPO, load_script

release = load_script("release")

PACKAGES = (
    release.Package("packages/core", "demo-core", "0.1.1", "demo_core"),
    release.Package("packages/network", "demo-network", "0.2.0", "demo_network"),
    release.Package("apps/app", "demo-app", "0.1.1", "demo_app"),
)
TAGS = {"demo-core-v0.1.1", "demo-network-v0.2.0", "demo-app-v0.1.1"}


def ci_recipe() -> list[str]:
    """The commands of the "In CI" recipe of docs/releasing.md, in order."""
    text = (REPO / "docs" / "releasing.md").read_text(encoding="utf-8")
    section = text.split("\n## In CI\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/releasing.md: no bash block under '## In CI'"
    return [line.split("  #")[0].strip() for line in block[1].splitlines() if line.strip()]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """git with no user or system configuration, and a fixed identity."""
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Release Test",
        "GIT_AUTHOR_EMAIL": "release@example.com",
        "GIT_COMMITTER_NAME": "Release Test",
        "GIT_COMMITTER_EMAIL": "release@example.com",
    }


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def clone_with_origin(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A work repository with one commit and a bare ``origin``."""
    origin = tmp_path / "origin.git"
    git(tmp_path, env, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    git(tmp_path, env, "init", "-q", "-b", "main", str(work))
    (work / "README.md").write_text("demo\n", encoding="utf-8")
    git(work, env, "add", "README.md")
    git(work, env, "commit", "-q", "-m", "release: demo-core 0.1.1, ...")
    git(work, env, "remote", "add", "origin", str(origin))
    return work, origin


def push_as_documented(work: Path, env: dict[str, str]) -> None:
    push = ci_recipe()[-1]
    assert push == release.PUSH_COMMAND
    git(work, env, *shlex.split(push)[1:])


def remote_tags(origin: Path, env: dict[str, str]) -> set[str]:
    listed = git(origin, env, "for-each-ref", "--format=%(refname:strip=2)", "refs/tags")
    return set(listed.split())


def test_the_ci_recipe_releases_before_it_checks_the_versions_then_pushes() -> None:
    """``make versions`` fails while a dependent's range excludes a bumped package, which is
    what ``make release`` fixes (it widens the range and bumps the dependent), so the check
    runs on the released tree; the push comes last."""
    steps = [line.split()[0:2] for line in ci_recipe()]
    assert steps == [
        ["make", "test"],
        ["make", "release"],
        ["make", "versions"],
        ["git", "push"],
    ]


def test_release_tags_are_annotated_with_the_package_and_version(
    tmp_path: Path, env: dict[str, str]
) -> None:
    work, _ = clone_with_origin(tmp_path, env)

    assert set(release.tag_release(work, PACKAGES)) == TAGS

    for package in PACKAGES:
        tag = f"{package.name}-v{package.version}"
        assert git(work, env, "cat-file", "-t", tag).strip() == "tag"
        message = git(work, env, "tag", "--list", "--format=%(contents:subject)", tag)
        assert message.strip() == f"{package.name} {package.version}"
        assert git(work, env, "rev-parse", f"{tag}^{{commit}}") == git(
            work, env, "rev-parse", "HEAD"
        )


def test_the_documented_push_sends_the_release_commit_and_every_tag(
    tmp_path: Path, env: dict[str, str]
) -> None:
    work, origin = clone_with_origin(tmp_path, env)
    release.tag_release(work, PACKAGES)

    push_as_documented(work, env)

    assert remote_tags(origin, env) == TAGS
    assert git(origin, env, "rev-parse", "main") == git(work, env, "rev-parse", "HEAD")


def test_the_documented_push_sends_the_tags_of_a_commit_the_remote_has_already(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A release without edits tags a commit that was pushed before."""
    work, origin = clone_with_origin(tmp_path, env)
    git(work, env, "push", "-q", "origin", "HEAD")
    release.tag_release(work, PACKAGES)

    push_as_documented(work, env)

    assert remote_tags(origin, env) == TAGS


def test_lightweight_tags_would_stay_behind(tmp_path: Path, env: dict[str, str]) -> None:
    """Why the tags are annotated: the same push leaves lightweight tags on the machine."""
    work, origin = clone_with_origin(tmp_path, env)
    git(work, env, "tag", "demo-core-v0.1.1")

    push_as_documented(work, env)

    assert remote_tags(origin, env) == set()
