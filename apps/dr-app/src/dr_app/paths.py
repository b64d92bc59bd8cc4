"""Filesystem locations of the app (no CDKTF import, so light tools can use them)."""

from __future__ import annotations

from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]
"""apps/dr-app: where cdktf.json, main.py and environments/ live."""

ENVIRONMENTS_DIR = APP_DIR / "environments"
"""Optional per-environment files: ``<suffix>.toml``."""

DEFAULT_OUTDIR = APP_DIR / "cdktf.out"
"""Where ``make synth`` writes the stacks."""

REPO_ROOT = APP_DIR.parents[1]
"""The monorepo root."""
