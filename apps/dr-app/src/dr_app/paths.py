"""Filesystem locations of the app (no CDKTF import, so light tools can use them).

In the repository checkout the environments directory and the output directory default to
``apps/dr-app/environments`` and ``apps/dr-app/cdktf.out``. An installed app (the wheel,
outside the checkout) defaults to ``./environments`` and ``./cdktf.out`` in the working
directory. Either can be set by a flag (``--environments-dir``, ``--outdir``/``--synth-dir``)
or by an environment variable (``PAYMENT_DR_ENVIRONMENTS_DIR``, ``PAYMENT_DR_OUTDIR``); a flag
wins over the variable, the variable over the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]
"""apps/dr-app in the checkout: where cdktf.json, main.py and environments/ live."""

IN_CHECKOUT = (APP_DIR / "cdktf.json").is_file()
"""True when this module runs from the repository checkout, not from an installed wheel."""

ENVIRONMENTS_DIR = APP_DIR / "environments"
"""The checkout's per-environment files: ``<suffix>.toml``."""

DEFAULT_OUTDIR = APP_DIR / "cdktf.out"
"""Where ``make synth`` writes the stacks."""

REPO_ROOT = APP_DIR.parents[1]
"""The monorepo root (meaningful only in the checkout)."""

ENVIRONMENTS_DIR_VAR = "PAYMENT_DR_ENVIRONMENTS_DIR"
OUTDIR_VAR = "PAYMENT_DR_OUTDIR"


def environments_dir(flag: str | Path | None, environ: Mapping[str, str]) -> Path:
    """The environments directory: the flag, else ``$PAYMENT_DR_ENVIRONMENTS_DIR``, else the
    checkout's ``apps/dr-app/environments``, else ``./environments``."""
    return _choose(flag, environ.get(ENVIRONMENTS_DIR_VAR), ENVIRONMENTS_DIR, "environments")


def output_dir(flag: str | Path | None, environ: Mapping[str, str]) -> Path:
    """The synth output directory: the flag, else ``$PAYMENT_DR_OUTDIR``, else
    ``$CDKTF_OUTDIR`` (set by the ``cdktf`` CLI for the app it runs), else the checkout's
    ``apps/dr-app/cdktf.out``, else ``./cdktf.out``."""
    variable = environ.get(OUTDIR_VAR) or environ.get("CDKTF_OUTDIR")
    return _choose(flag, variable, DEFAULT_OUTDIR, "cdktf.out")


def _choose(flag: str | Path | None, variable: str | None, checkout: Path, name: str) -> Path:
    if flag:
        return Path(flag)
    if variable:
        return Path(variable)
    return checkout if IN_CHECKOUT else Path.cwd() / name
