"""scripts/drill.py writes its section into a copy of docs/benchmarks.md and keeps the rest."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "drill_script", REPO_ROOT / "scripts" / "drill.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_section_appends_then_replaces(tmp_path: Path) -> None:
    script = load_script()
    original = (REPO_ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    original = original.split("\n## DR drill\n", 1)[0].rstrip("\n") + "\n"
    path = tmp_path / "benchmarks.md"
    path.write_text(original, encoding="utf-8")
    first = f"{script.BEGIN}\nfirst figures\n{script.END}"
    second = f"{script.BEGIN}\nsecond figures\n{script.END}"

    script.write_section(first, path)
    script.write_section(second, path)

    text = path.read_text(encoding="utf-8")
    assert text.startswith(original.rstrip("\n"))
    assert text.count("## DR drill") == 1
    assert "second figures" in text
    assert "first figures" not in text
    assert text.endswith(script.END + "\n")
