"""Every known constraint of the runbook names the test that proves it, and that test exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def constraints() -> str:
    text = (REPO / "docs" / "runbook.md").read_text(encoding="utf-8")
    return text.split("## Known constraints (read first)")[1].split("\n## ")[0]


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_each_constraint_names_a_test_that_exists() -> None:
    section = constraints()
    bullets = section.split("\n* ")[1:]
    assert len(bullets) == 7
    for bullet in bullets:
        named = NAMED.findall(bullet)
        assert named, f"no test named for: {bullet[:60]}"
        for file, name in named:
            path = REPO / file
            assert path.is_file(), f"{file} does not exist"
            assert name in defined_tests(path), f"{file}::{name} does not exist"
