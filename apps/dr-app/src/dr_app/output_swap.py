"""Publishing a synth: build the new output aside, then swap it in whole.

``payment-dr-synth`` synthesizes into a staging directory beside the output directory, and
only once that has succeeded replaces the previous output with it. A failed synth (a
traceback in a construct, an interrupt) leaves the previous output as it was.

Terraform's own files in a stack directory are never deleted, with ``--clean`` or without:
the working directory's ``.terraform/`` (providers and modules of ``terraform init``), the
dependency lock file ``.terraform.lock.hcl`` and any state file (``*.tfstate``,
``*.tfstate.backup``) are carried into the new output. ``--clean`` drops everything else of
the previous output (the JSON and assets of stacks the new synth no longer makes); without
it, stack directories the new synth did not make are carried over whole.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

KEPT_NAMES = frozenset({".terraform", ".terraform.lock.hcl"})
"""Terraform's working-directory files, kept in every stack directory."""
KEPT_SUFFIXES = (".tfstate", ".tfstate.backup")
"""State files (a local backend's, or one left by an older layout), kept wherever they are."""


def is_kept(path: Path) -> bool:
    """True for a file or directory of Terraform's that a synth never deletes."""
    return path.name in KEPT_NAMES or path.name.endswith(KEPT_SUFFIXES)


@contextlib.contextmanager
def staging_dir(outdir: Path) -> Iterator[Path]:
    """A fresh directory beside ``outdir`` (same file system, so the swap is a rename);
    removed on the way out unless :func:`publish` moved it into place."""
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.staging-", dir=outdir.parent))
    try:
        yield staging
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _carry(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        source.rename(target)


def publish(staging: Path, outdir: Path, *, clean: bool) -> None:
    """Replace ``outdir`` with ``staging``, carrying over what must survive (module doc)."""
    previous_stacks = outdir / "stacks"
    if previous_stacks.is_dir():
        for stack in sorted(p for p in previous_stacks.iterdir() if p.is_dir()):
            target = staging / "stacks" / stack.name
            if not target.exists() and not clean:
                _carry(stack, target)
                continue
            for item in sorted(stack.iterdir()):
                if is_kept(item):
                    _carry(item, target / item.name)
    if outdir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.previous-", dir=outdir.parent))
        retired.rmdir()
        outdir.rename(retired)
        staging.rename(outdir)
        shutil.rmtree(retired)
    else:
        staging.rename(outdir)
