"""Import a file of ``scripts/`` as a module, for the tests of the scripts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def load_script(stem: str) -> ModuleType:
    """``scripts/<stem>.py`` as the module ``<stem>_script`` (its siblings importable)."""
    scripts = str(REPO / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)  # the scripts import their siblings (doc_sections, mutate)
    spec = importlib.util.spec_from_file_location(f"{stem}_script", REPO / "scripts" / f"{stem}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module
