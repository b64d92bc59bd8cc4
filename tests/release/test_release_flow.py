"""``scripts/release.py`` end to end: a clone of this repository, a real package index
(pypiserver on 127.0.0.1, started here), then the released set installed into a fresh venv."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.release.venvs import (
    POETRY,
    ROOT,
    clean_env,
    fresh_venv,
    run,
    third_party_requirements,
)

PUSH_COMMAND = "git push --follow-tags origin HEAD"
"""What docs/releasing.md and the release's last line tell a team to run."""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release-test@example.com",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release-test@example.com",
}
PACKAGES = (
    ("payment-dr-core", "packages/core", "payment_dr_core"),
    ("payment-dr-network", "packages/network", "payment_dr_network"),
    ("payment-dr-data", "packages/data", "payment_dr_data"),
    ("payment-dr-compute", "packages/compute", "payment_dr_compute"),
    ("payment-dr-edge", "packages/edge", "payment_dr_edge"),
    ("payment-dr-observability", "packages/observability", "payment_dr_observability"),
    ("payment-service", "apps/payment-service", "payment_service"),
    ("payment-dr-app", "apps/dr-app", "dr_app"),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A pypiserver on 127.0.0.1 that accepts uploads without authentication."""
    packages = tmp_path / "index"
    packages.mkdir()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-a",
            ".",
            "-P",
            ".",
            str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "simple/", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "pypiserver did not start in 30 s"
                assert server.poll() is None, "pypiserver exited"
                time.sleep(0.2)
        yield url, packages
    finally:
        server.terminate()
        server.wait(timeout=10)


def _git(repo: Path, *args: str) -> str:
    return run(["git", *args], repo, clean_env(**GIT_ENV))


def _bump(repo: Path, directory: str, module: str, old: str, new: str) -> None:
    pyproject = repo / directory / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(f'version = "{old}"', f'version = "{new}"', 1)
    )
    init = repo / directory / "src" / module / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{old}"', f'__version__ = "{new}"'))


def _changelog(repo: Path, directory: str, version: str, item: str) -> None:
    path = repo / directory / "CHANGELOG.md"
    path.write_text(
        path.read_text().replace(
            "## [Unreleased]\n", f"## [Unreleased]\n\n## [{version}] - 2026-12-01\n\n- {item}\n", 1
        )
    )


def _release(repo: Path, *args: str, url: str | None = None) -> tuple[int, str]:
    command = [
        sys.executable,
        str(repo / "scripts" / "release.py"),
        "--root",
        str(repo),
        "--poetry",
        shlex.join(POETRY),
        "--twine",
        f"{shlex.quote(sys.executable)} -m twine",
        "--date",
        "2026-12-02",
        *args,
    ]
    if url is not None:
        command += ["--repository-url", url]
    env = clean_env(**GIT_ENV, TWINE_USERNAME="release", TWINE_PASSWORD="unused")
    done = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_release_two_changed_packages_and_the_dependent_whose_range_excluded_one(
    tmp_path: Path, index: tuple[str, Path]
) -> None:
    url, served = index
    repo = tmp_path / "repo"
    run(["git", "clone", "-q", str(ROOT), str(repo)], tmp_path)
    for name, _, _ in PACKAGES:
        _git(repo, "tag", f"{name}-v0.1.0")  # the previous release of every package

    # Two packages change: core gets a patch release, network a minor one (0.2.0), which
    # payment-dr-app's range (<0.2.0) does not admit.
    readme = repo / "packages" / "core" / "README.md"
    readme.write_text(readme.read_text() + "\nA fix.\n")
    _bump(repo, "packages/core", "payment_dr_core", "0.1.0", "0.1.1")
    _changelog(repo, "packages/core", "0.1.1", "A fix.")
    _bump(repo, "packages/network", "payment_dr_network", "0.1.0", "0.2.0")
    _git(repo, "commit", "-q", "-am", "core fix, network 0.2.0")

    # network has no CHANGELOG entry for 0.2.0 yet: the release refuses, and says why.
    code, out = _release(repo, "--dry-run")
    assert code == 1, out
    assert (
        "FAIL  payment-dr-network 0.2.0: packages/network/CHANGELOG.md has no "
        "'## [0.2.0] - YYYY-MM-DD' entry listing the changes" in out
    )
    _changelog(repo, "packages/network", "0.2.0", "Breaking change.")
    _git(repo, "commit", "-q", "-am", "network changelog")
    head = _git(repo, "rev-parse", "HEAD")

    code, out = _release(repo, "--dry-run")
    assert code == 0, out
    assert out.splitlines()[:5] == [
        "release payment-dr-core 0.1.1 (4 file(s) changed since payment-dr-core-v0.1.0)"
        " -> tag payment-dr-core-v0.1.1",
        "release payment-dr-network 0.2.0 (3 file(s) changed since payment-dr-network-v0.1.0)"
        " -> tag payment-dr-network-v0.2.0",
        "release payment-dr-app 0.1.1 (its range on payment-dr-network must admit 0.2.0)"
        " -> tag payment-dr-app-v0.1.1",
        "  range payment-dr-app -> payment-dr-network>=0.2.0,<0.3.0",
        "  bump payment-dr-app 0.1.0 -> 0.1.1",
    ]
    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert "v0.1.1" not in _git(repo, "tag")

    code, out = _release(repo, url=url)
    assert code == 0, out
    assert f"release: done (push the commit and the tags: {PUSH_COMMAND})" in out
    tags = set(_git(repo, "tag", "--points-at", "HEAD").split())
    assert tags == {"payment-dr-core-v0.1.1", "payment-dr-network-v0.2.0", "payment-dr-app-v0.1.1"}
    assert _git(repo, "log", "-1", "--format=%s").strip() == (
        "release: payment-dr-core 0.1.1, payment-dr-network 0.2.0, payment-dr-app 0.1.1"
    )
    app = (repo / "apps" / "dr-app" / "pyproject.toml").read_text()
    assert '"payment-dr-network<0.3.0,>=0.2.0"' in app
    assert 'version = "0.1.1"' in app
    assert '__version__ = "0.1.1"' in (repo / "apps/dr-app/src/dr_app/__init__.py").read_text()
    assert (
        "## [0.1.1] - 2026-12-02\n\n### Changed\n\n- Accepts payment-dr-network `>=0.2.0,<0.3.0`."
        in (repo / "apps" / "dr-app" / "CHANGELOG.md").read_text()
    )
    assert sorted(path.name for path in served.iterdir()) == [
        "payment_dr_app-0.1.1-py3-none-any.whl",
        "payment_dr_app-0.1.1.tar.gz",
        "payment_dr_core-0.1.1-py3-none-any.whl",
        "payment_dr_core-0.1.1.tar.gz",
        "payment_dr_network-0.2.0-py3-none-any.whl",
        "payment_dr_network-0.2.0.tar.gz",
    ]
    # The documented push sends the release commit and its three annotated tags (the clone's
    # own origin is the checkout: a bare repository stands in for the team's remote).
    origin = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", str(origin)], tmp_path)
    _git(repo, "remote", "set-url", "origin", str(origin))
    _git(repo, *shlex.split(PUSH_COMMAND)[1:])
    assert set(_git(origin, "tag", "--list").split()) == tags
    assert _git(origin, "cat-file", "-t", "payment-dr-network-v0.2.0").strip() == "tag"

    # Released, so a second run has nothing to do.
    code, out = _release(repo, "--dry-run")
    assert code == 0, out
    assert "nothing to release: no package changed since its last tag" in out

    # The released set, from the index only, in a fresh venv: third-party dependencies
    # come first from the normal index, then ours from the local server alone.
    python = fresh_venv(tmp_path / "venv")
    wheels = sorted((repo / "dist" / "release").glob("payment_dr_[cn]*.whl"))
    run([str(python), "-m", "pip", "install", "-q", *third_party_requirements(wheels)], tmp_path)
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--isolated",
            "--index-url",
            f"{url}simple/",
            "payment-dr-network==0.2.0",
        ],
        tmp_path,
    )
    imported = run(
        [
            str(python),
            "-c",
            "import payment_dr_network, payment_dr_core; "
            "from payment_dr_network import RegionalNetwork; "
            "print(payment_dr_network.__version__, payment_dr_core.__version__)",
        ],
        tmp_path,
    )
    assert imported.split() == ["0.2.0", "0.1.1"]
    assert os.path.isdir(tmp_path / "venv")
