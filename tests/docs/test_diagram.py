from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from payment_dr_core import EnvironmentConfig

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "diagram.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("diagram", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_diagram_source_matches_the_code() -> None:
    diagram = load()
    assert diagram.DOT_FILE.read_text(encoding="utf-8") == diagram.render_dot(EnvironmentConfig())
    assert diagram.PNG_FILE.stat().st_size > 10_000


def test_diagram_shows_both_regions_and_the_failover_path() -> None:
    dot = load().render_dot(EnvironmentConfig())
    assert "primary: us-east-1" in dot
    assert "secondary: us-east-2" in dot
    assert "FailoverGlobalCluster" in dot
    assert "payment-processing-aurora-use2-dev" in dot
