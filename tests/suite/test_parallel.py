"""How make test spreads the suite over workers, and what it leaves to make test-slow."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.parallel import APP_GROUP, xdist_group_of

REPO = Path(__file__).resolve().parents[2]


def test_tests_of_the_synthesized_app_share_one_group_whatever_their_module() -> None:
    assert xdist_group_of("tests/app/test_links.py::test_x", ["synthesized_app", "tmp_path"]) == (
        APP_GROUP
    )
    assert xdist_group_of("tests/security/test_checkov.py::test_y[a]", ["production_app"]) == (
        APP_GROUP
    )
    assert xdist_group_of("tests/app/test_gameday_stacks.py::t", ["lambda_faults_app"]) == (
        APP_GROUP
    )


def test_every_other_test_is_grouped_by_its_module() -> None:
    assert xdist_group_of("tests/runtime/test_tls.py::test_z", ["databases"]) == (
        "tests/runtime/test_tls.py"
    )
    assert xdist_group_of("packages/network/tests/test_a.py::TestB::test_c", []) == (
        "packages/network/tests/test_a.py"
    )


def test_this_test_carries_its_module_group(request: pytest.FixtureRequest) -> None:
    groups = [mark.args[0] for mark in request.node.iter_markers("xdist_group")]
    assert groups == ["tests/suite/test_parallel.py"]


def _pytest_command(target: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = [line for line in done.stdout.splitlines() if re.search(r"python -m pytest\b", line)]
    assert len(commands) == 1, done.stdout
    return commands[0]


def test_make_test_runs_in_parallel_without_the_slow_tests() -> None:
    command = _pytest_command("test")
    assert "-n auto --dist loadgroup" in command
    assert command.endswith('-m "not slow"')


def test_make_test_slow_runs_only_the_slow_tests() -> None:
    command = _pytest_command("test-slow")
    assert "-n auto --dist loadgroup" in command
    assert command.endswith("-m slow")


def test_make_test_all_runs_every_test() -> None:
    assert _pytest_command("test-all").endswith("--dist loadgroup")


def test_ci_runs_make_test_then_the_slow_tests() -> None:
    steps = [
        line.split("#")[0].strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.startswith("make ")
    ]
    assert steps[:2] == ["make test", "make test-slow"]


def _marked_slow() -> set[str]:
    """``path::test`` of every test function decorated ``@pytest.mark.slow``."""
    found = set()
    for path in [*REPO.glob("tests/**/test_*.py"), *REPO.glob("packages/*/tests/test_*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.strip() != "@pytest.mark.slow":
                continue
            following = next(text for text in lines[number + 1 :] if text.startswith("def "))
            name = following.removeprefix("def ").split("(", 1)[0]
            found.add(f"{path.relative_to(REPO).as_posix()}::{name}")
    return found


def test_docs_testing_lists_every_slow_test_with_its_times() -> None:
    text = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    section = text.split("## Parallel workers and slow tests", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([^`]+::[^`]+)` \|.*\| \d+ s \| \d+ s \|$", section, re.M))
    assert listed == _marked_slow()
    assert listed, "no slow test listed"
