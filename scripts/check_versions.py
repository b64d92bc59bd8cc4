"""Check package versions: bumped where the package changed, and consistent with ``__version__``.

For every package (``packages/*`` and ``apps/*`` with a ``pyproject.toml``):

1. ``__version__`` in ``src/<import name>/__init__.py`` must equal ``[project].version`` in
   its ``pyproject.toml``. This check always runs.
2. If any file under the package directory changed between a base ref and ``HEAD``
   (``git diff --name-only <base>...HEAD -- <dir>``), its version must be greater than the
   version at the base (compared with ``packaging.version``), and its ``CHANGELOG.md`` must
   have a ``## [<version>] - YYYY-MM-DD`` entry that lists something. A package that does
   not exist at the base is new and needs no bump (but still needs the entry).
3. Every dependency of a package on another package of the workspace must admit that
   package's current version: a ``payment-dr-network`` at 0.2.0 next to an app that requires
   ``<0.2.0`` fails (``make release`` widens the range and bumps the app). This check always
   runs.

The base is ``--base REF`` when given. Otherwise, per package, the most recent tag merged
into ``HEAD`` that matches ``v*`` or ``<package>-v*`` (``<package>`` being the project name
or the directory name), else ``origin/main`` when it exists; with neither, the bump check
is skipped with a message.

Usage: ``python scripts/check_versions.py [--base REF] [--root DIR]``. Exit 0 when every
check passes (or was skipped), 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PACKAGE_GLOBS = ("packages/*/pyproject.toml", "apps/*/pyproject.toml")
FALLBACK_BASE = "origin/main"


class CheckError(Exception):
    """A check could not be carried out (unreadable file, failed git command)."""


@dataclass(frozen=True)
class Package:
    """One package of the monorepo."""

    directory: str
    """Path relative to the repository root, with forward slashes."""

    name: str
    version: str
    import_name: str
    dependencies: tuple[str, ...] = ()
    """``[project].dependencies`` as written (PEP 508 strings)."""


def _run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise CheckError("git is not installed")
    return subprocess.run(  # noqa: S603 - git with fixed subcommands, no shell
        [git, *args], cwd=root, capture_output=True, text=True, check=False
    )


def _git(root: Path, *args: str) -> str:
    result = _run_git(root, *args)
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit code {result.returncode}"
        raise CheckError(f"git {' '.join(args)} failed: {detail}")
    return result.stdout


def _project_table(pyproject_text: str, where: str) -> dict[str, object]:
    try:
        data = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as exc:
        raise CheckError(f"{where}: invalid TOML: {exc}") from exc
    project = data.get("project")
    if not isinstance(project, dict):
        raise CheckError(f"{where}: no [project] table")
    return project


def _import_name(package_dir: Path, pyproject_text: str) -> str:
    """The import package: ``[tool.poetry].packages`` ``include``, else the one dir in src/."""
    data = tomllib.loads(pyproject_text)
    includes = data.get("tool", {}).get("poetry", {}).get("packages", [])
    for entry in includes:
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            return str(entry["include"])
    candidates = sorted(p.parent.name for p in (package_dir / "src").glob("*/__init__.py"))
    if len(candidates) != 1:
        raise CheckError(
            f"{package_dir}: cannot tell the import package (found {candidates or 'none'} "
            "under src/ and no [tool.poetry] packages include)"
        )
    return candidates[0]


def discover(root: Path) -> list[Package]:
    """Every package under ``root``, sorted by directory."""
    packages = []
    for pattern in PACKAGE_GLOBS:
        for pyproject in sorted(root.glob(pattern)):
            text = pyproject.read_text(encoding="utf-8")
            where = pyproject.relative_to(root).as_posix()
            project = _project_table(text, where)
            name, version = project.get("name"), project.get("version")
            if not isinstance(name, str) or not isinstance(version, str):
                raise CheckError(f"{where}: [project] needs string 'name' and 'version'")
            dependencies = project.get("dependencies", [])
            if not isinstance(dependencies, list):
                raise CheckError(f"{where}: [project] dependencies must be a list")
            packages.append(
                Package(
                    directory=pyproject.parent.relative_to(root).as_posix(),
                    name=name,
                    version=version,
                    import_name=_import_name(pyproject.parent, text),
                    dependencies=tuple(str(d) for d in dependencies),
                )
            )
    return packages


def declared_version(root: Path, package: Package) -> str | None:
    """The literal ``__version__`` assigned in the package's ``__init__.py``, if any."""
    init = root / package.directory / "src" / package.import_name / "__init__.py"
    if not init.is_file():
        raise CheckError(f"{init.relative_to(root).as_posix()}: missing")
    tree = ast.parse(init.read_text(encoding="utf-8"), filename=str(init))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "__version__":
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
                return None
    return None


def check_declared_versions(root: Path, packages: Sequence[Package]) -> list[str]:
    """One failure line per package whose ``__version__`` differs from its pyproject."""
    failures = []
    for package in packages:
        declared = declared_version(root, package)
        init = f"{package.directory}/src/{package.import_name}/__init__.py"
        if declared is None:
            failures.append(f"{package.name}: no literal __version__ in {init}")
        elif declared != package.version:
            failures.append(
                f"{package.name}: __version__ {declared!r} in {init} differs from "
                f"version {package.version!r} in {package.directory}/pyproject.toml"
            )
    return failures


def changelog_entry(root: Path, package: Package, version: str | None = None) -> list[str]:
    """The ``- `` items of the ``## [<version>] - YYYY-MM-DD`` entry of the package's
    CHANGELOG.md (default: its current version); empty when there is no such entry."""
    path = root / package.directory / "CHANGELOG.md"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    wanted = re.escape(version or package.version)
    heading = re.search(rf"^## \[{wanted}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE)
    if heading is None:
        return []
    entry = text[heading.end() :].split("\n## ", 1)[0]
    return [line for line in entry.splitlines() if line.startswith("- ")]


def check_changelog(root: Path, package: Package) -> str | None:
    """A failure line when the current version has no CHANGELOG entry with items."""
    if changelog_entry(root, package):
        return None
    return (
        f"FAIL  {package.name} {package.version}: {package.directory}/CHANGELOG.md has no "
        f"'## [{package.version}] - YYYY-MM-DD' entry listing the changes"
    )


def workspace_requirements(
    package: Package, packages: Sequence[Package]
) -> list[tuple[Requirement, Package]]:
    """The package's requirements that name another workspace package, with that package."""
    by_name = {canonicalize_name(p.name): p for p in packages}
    found = []
    for line in package.dependencies:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise CheckError(f"{package.directory}/pyproject.toml: {line!r}: {exc}") from exc
        target = by_name.get(canonicalize_name(requirement.name))
        if target is not None and target is not package:
            found.append((requirement, target))
    return found


def check_ranges(packages: Sequence[Package]) -> list[str]:
    """One failure line per dependency range that excludes the workspace's version."""
    failures = []
    for package in packages:
        for requirement, target in workspace_requirements(package, packages):
            if not requirement.specifier.contains(target.version, prereleases=True):
                failures.append(
                    f"FAIL  {package.name} requires {requirement}, which excludes "
                    f"{target.name} {target.version} of this workspace: widen the range in "
                    f"{package.directory}/pyproject.toml and bump {package.name} "
                    "(make release does both)"
                )
    return failures


def _ref_exists(root: Path, ref: str) -> bool:
    return _run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def default_base(root: Path, package: Package) -> str | None:
    """Latest tag merged into HEAD matching ``v*`` or ``<package>-v*``, else origin/main."""
    patterns = ["v*", f"{package.name}-v*"]
    dir_name = package.directory.rsplit("/", 1)[-1]
    if dir_name != package.name:
        patterns.append(f"{dir_name}-v*")
    tags = _git(root, "tag", "--list", "--merged", "HEAD", "--sort=-creatordate", *patterns).split()
    if tags:
        return tags[0]
    return FALLBACK_BASE if _ref_exists(root, FALLBACK_BASE) else None


def version_at(root: Path, base: str, package: Package) -> str | None:
    """``[project].version`` of the package at ``base``; None when it did not exist there."""
    path = f"{package.directory}/pyproject.toml"
    result = _run_git(root, "show", f"{base}:{path}")
    if result.returncode != 0:
        return None
    project = _project_table(result.stdout, f"{base}:{path}")
    version = project.get("version")
    if not isinstance(version, str):
        raise CheckError(f"{base}:{path}: [project] has no string 'version'")
    return version


def _parse(version: str, where: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as exc:
        raise CheckError(f"{where}: invalid version {version!r}") from exc


def check_bump(root: Path, package: Package, base: str) -> tuple[bool, str]:
    """(passed, message) for the bump rule of one package against ``base``."""
    try:
        changed = _git(root, "diff", "--name-only", f"{base}...HEAD", "--", package.directory)
    except CheckError as exc:
        raise CheckError(
            f"{exc} (a shallow clone has no merge base: fetch the full history)"
        ) from exc
    if not changed.strip():
        return True, f"ok    {package.name} {package.version}: unchanged since {base}"
    missing_entry = check_changelog(root, package)
    if missing_entry is not None:
        return False, f"{missing_entry} (changed since {base})"
    old = version_at(root, base, package)
    if old is None:
        return True, f"ok    {package.name} {package.version}: new since {base}"
    new_version = _parse(package.version, f"{package.directory}/pyproject.toml")
    old_version = _parse(old, f"{base}:{package.directory}/pyproject.toml")
    if new_version > old_version:
        return True, f"ok    {package.name}: {old} -> {package.version} (changed since {base})"
    count = len(changed.split())
    return False, (
        f"FAIL  {package.name}: {count} file(s) under {package.directory}/ changed since "
        f"{base}, but version {package.version} is not greater than {old} at {base}; "
        f"bump [project].version and __version__"
    )


def run(root: Path, base: str | None, out: list[str]) -> int:
    """Run both checks, appending report lines to ``out``; return the exit code."""
    packages = discover(root)
    if not packages:
        out.append(f"no packages found under {root} ({', '.join(PACKAGE_GLOBS)})")
        return 1
    mismatches = check_declared_versions(root, packages)
    for line in mismatches:
        out.append(f"FAIL  {line}")
    if not mismatches:
        out.append(f"ok    __version__ matches pyproject.toml in all {len(packages)} packages")
    range_failures = check_ranges(packages)
    out.extend(range_failures)
    if not range_failures:
        out.append("ok    every dependency range admits the workspace's version of the package")
    failed = bool(mismatches) or bool(range_failures)
    if base is not None and not _ref_exists(root, base):
        out.append(f"FAIL  base {base!r} is not a commit in this repository")
        return 1
    for package in packages:
        package_base = base or default_base(root, package)
        if package_base is None:
            out.append(
                f"skip  {package.name}: no base to compare against (no v* or "
                f"{package.name}-v* tag merged into HEAD, no {FALLBACK_BASE}); "
                "version bump check skipped"
            )
            continue
        passed, message = check_bump(root, package, package_base)
        out.append(message)
        failed = failed or not passed
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--base",
        help="git ref to compare against (default: latest v* or <package>-v* tag, "
        f"else {FALLBACK_BASE}, else skip the bump check)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="repository root (default: this script's repository)",
    )
    args = parser.parse_args(argv)
    lines: list[str] = []
    try:
        code = run(Path(args.root), args.base, lines)
    except CheckError as exc:
        lines.append(f"FAIL  {exc}")
        code = 1
    print("\n".join(lines))
    print("version check: " + ("passed" if code == 0 else "FAILED"))
    return code


if __name__ == "__main__":
    sys.exit(main())
