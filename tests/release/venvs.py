"""Build this repository's packages and install them into fresh virtual environments.

Used by the tests that check what a user outside the checkout gets: a venv made with
``python -m venv`` in a temporary directory, the third-party dependencies from the normal
index (pip's cache keeps repeat runs short), and our own distributions only from local
files (``--no-index --find-links``), so a same-named project on a public index can never
stand in for ours.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
POETRY = (
    str(ROOT / ".tools" / "poetry-2.2.1" / "bin" / "python"),
    str(ROOT / "tools" / "poetry_simple_index.py"),
)
OUR_PREFIXES = ("payment-dr-", "payment-service")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing of this checkout's venv or Node choice."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "JSII_NODE", "PYTHONHOME"}
    }
    env.update(extra)
    return env


def run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure the assertion shows its whole output."""
    done = subprocess.run(
        list(args),
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def build(package_dir: Path, outdir: Path, fmt: str = "wheel") -> Path:
    """Build one distribution (``wheel`` or ``sdist``) of a package with the project's Poetry."""
    before = set(outdir.glob("*")) if outdir.exists() else set()
    run(
        [*POETRY, "build", "--no-interaction", "--format", fmt, "--output", str(outdir)],
        package_dir,
    )
    made = sorted(set(outdir.glob("*")) - before)
    assert len(made) == 1, f"expected one {fmt} from {package_dir}, got {made}"
    return made[0]


def is_ours(name: str) -> bool:
    return name.lower().replace("_", "-").startswith(OUR_PREFIXES)


def third_party_requirements(wheels: Iterable[Path]) -> list[str]:
    """Requires-Dist of the wheels that name no package of this repository."""
    found: set[str] = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            metadata_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        for line in metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if not is_ours(requirement.name):
                found.add(str(requirement))
    return sorted(found)


def fresh_venv(path: Path) -> Path:
    """A new venv at ``path`` (outside the repository); returns its Python."""
    assert ROOT not in path.resolve().parents, f"{path} is inside the checkout"
    run([sys.executable, "-m", "venv", str(path)], path.parent)
    return path / "bin" / "python"


def install(python: Path, wheels: Sequence[Path], extra: Sequence[str] = ()) -> None:
    """Install the wheels: third-party dependencies from the index, ours only from files."""
    third_party = [*third_party_requirements(wheels), *extra]
    if third_party:
        run([str(python), "-m", "pip", "install", "--quiet", *third_party], python.parent)
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            *(arg for d in sorted({w.parent for w in wheels}) for arg in ("--find-links", str(d))),
            *(str(w) for w in wheels),
        ],
        python.parent,
    )
