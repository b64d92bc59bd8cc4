"""Release the packages that changed since their last release (``make release``).

For every package (``packages/*``, ``apps/*``), the last release is its most recent tag
``<package>-v<version>`` merged into ``HEAD`` (the highest version). A package is released
when it has no such tag yet, or when a file under its directory changed since that tag.

For each package to release, the script:

1. requires a version greater than the tagged one and a ``## [<version>] - YYYY-MM-DD``
   CHANGELOG entry that lists something (the same rules as ``make versions``);
2. checks every dependent's range on it: a range that excludes the new version is widened
   to ``>=<new>,<next>`` (``next``: the next minor for 0.x, else the next major), and that
   dependent gets a patch bump and a CHANGELOG entry and is released too (repeated until
   nothing changes);
3. refreshes ``poetry.lock``, commits the edits (``release: ...``);
4. builds only the packages to release (sdist and wheel, dependencies first) into
   ``--dist``;
5. uploads them with twine to ``--repository-url`` (or ``$PAYMENT_DR_RELEASE_URL``;
   credentials from ``$TWINE_USERNAME``/``$TWINE_PASSWORD`` as twine reads them);
6. tags each released package ``<package>-v<version>`` on the release commit, as an
   annotated tag, so that ``git push --follow-tags origin HEAD`` (:data:`PUSH_COMMAND`)
   sends the commit and every tag.

``--dry-run`` prints the plan (steps 1 and 2) and changes nothing. Exit status 0 when the
release (or the plan) succeeded, 1 when a rule failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from check_versions import (
    CheckError,
    Package,
    _git,
    _run_git,
    changelog_entry,
    check_declared_versions,
    discover,
    workspace_requirements,
)
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POETRY = f"{ROOT}/.tools/poetry-2.2.1/bin/python {ROOT}/tools/poetry_simple_index.py"
URL_VARIABLE = "PAYMENT_DR_RELEASE_URL"
PUSH_COMMAND = "git push --follow-tags origin HEAD"
"""What pushes a release: ``--follow-tags`` sends annotated tags only, so the tags are annotated."""


def tag_name(package: Package, version: str | None = None) -> str:
    return f"{package.name}-v{version or package.version}"


def last_release(root: Path, package: Package) -> tuple[str, str] | None:
    """(tag, version) of the highest ``<package>-v<version>`` tag merged into HEAD."""
    prefix = f"{package.name}-v"
    tags = _git(root, "tag", "--list", "--merged", "HEAD", f"{prefix}*").split()
    versions = []
    for tag in tags:
        try:
            versions.append((Version(tag.removeprefix(prefix)), tag))
        except ValueError:
            continue
    if not versions:
        return None
    version, tag = max(versions)
    return tag, str(version)


def tag_release(root: Path, packages: Sequence[Package]) -> list[str]:
    """Tag ``HEAD`` ``<package>-v<version>`` for each package: annotated tags (a tagger, a
    date and the message ``<package> <version>``), which ``git push --follow-tags`` sends;
    it leaves lightweight tags behind."""
    tags = []
    for package in packages:
        tag = tag_name(package)
        _git(root, "tag", "--annotate", "--message", f"{package.name} {package.version}", tag)
        tags.append(tag)
    return tags


def changed_since(root: Path, package: Package, tag: str) -> list[str]:
    return _git(root, "diff", "--name-only", f"{tag}..HEAD", "--", package.directory).split()


def next_range(version: str) -> str:
    """``>=<version>,<next>``: the next minor for 0.x (0.2.0 -> <0.3.0), else the next major."""
    parsed = Version(version)
    upper = f"0.{parsed.minor + 1}.0" if parsed.major == 0 else f"{parsed.major + 1}.0.0"
    return f">={version},<{upper}"


def patch_bump(version: str) -> str:
    parsed = Version(version)
    return f"{parsed.major}.{parsed.minor}.{parsed.micro + 1}"


@dataclass
class Edit:
    """What the release changes in one dependent package."""

    package: Package
    new_version: str
    ranges: dict[str, str] = field(default_factory=dict)
    """Dependency name -> its new specifier."""


@dataclass
class Plan:
    """The packages to release, in build order, and the edits that come first."""

    release: list[Package]
    reasons: dict[str, str]
    edits: dict[str, Edit]
    failures: list[str]


def _build_order(packages: Sequence[Package], names: set[str]) -> list[Package]:
    """The named packages, each after the workspace packages it depends on."""
    ordered: list[Package] = []
    seen: set[str] = set()

    def visit(package: Package) -> None:
        if package.name in seen:
            return
        seen.add(package.name)
        for _, target in workspace_requirements(package, packages):
            visit(target)
        if package.name in names:
            ordered.append(package)

    for package in sorted(packages, key=lambda p: p.name):
        visit(package)
    return ordered


def plan_release(root: Path, packages: list[Package]) -> Plan:
    """Which packages to release and which dependents to edit (nothing is written)."""
    failures = [f"FAIL  {line}" for line in check_declared_versions(root, packages)]
    reasons: dict[str, str] = {}
    for package in packages:
        released = last_release(root, package)
        if released is None:
            reasons[package.name] = "never released"
        else:
            tag, version = released
            files = changed_since(root, package, tag)
            if not files:
                continue
            reasons[package.name] = f"{len(files)} file(s) changed since {tag}"
            if Version(package.version) <= Version(version):
                failures.append(
                    f"FAIL  {package.name}: changed since {tag} but its version "
                    f"{package.version} is not greater than {version}: bump "
                    "[project].version and __version__"
                )
        if not changelog_entry(root, package):
            failures.append(
                f"FAIL  {package.name} {package.version}: {package.directory}/CHANGELOG.md "
                f"has no '## [{package.version}] - YYYY-MM-DD' entry listing the changes"
            )
        if _run_git(root, "rev-parse", "--verify", "--quiet", tag_name(package)).returncode == 0:
            failures.append(
                f"FAIL  {package.name}: tag {tag_name(package)} exists already: bump the version"
            )

    # Dependents whose range excludes a new version: widen, bump, release; until stable.
    current = {p.name: p for p in packages}
    edits: dict[str, Edit] = {}
    growing = True
    while growing:
        growing = False
        for package in list(current.values()):
            for requirement, target in workspace_requirements(package, list(current.values())):
                if target.name not in reasons:
                    continue
                if requirement.specifier.contains(target.version, prereleases=True):
                    continue
                edit = edits.get(package.name)
                if edit is None:
                    bumped = (
                        package.version if package.name in reasons else patch_bump(package.version)
                    )
                    edit = edits[package.name] = Edit(package=package, new_version=bumped)
                    reasons.setdefault(
                        package.name, f"its range on {target.name} must admit {target.version}"
                    )
                edit.ranges[target.name] = next_range(target.version)
                dependencies = tuple(
                    _with_specifier(line, target.name, edit.ranges[target.name])
                    for line in package.dependencies
                )
                current[package.name] = replace(
                    package, version=edit.new_version, dependencies=dependencies
                )
                growing = True
    ordered = _build_order(list(current.values()), set(reasons))
    return Plan(release=ordered, reasons=reasons, edits=edits, failures=failures)


def _with_specifier(line: str, name: str, specifier: str) -> str:
    """The requirement string ``line`` with its version range replaced when it names ``name``."""
    from packaging.requirements import Requirement

    requirement = Requirement(line)
    if canonicalize_name(requirement.name) != canonicalize_name(name):
        return line
    requirement.specifier = SpecifierSet(specifier)
    return str(requirement)


def describe(plan: Plan) -> list[str]:
    lines = []
    for package in plan.release:
        edit = plan.edits.get(package.name)
        lines.append(
            f"release {package.name} {package.version} ({plan.reasons[package.name]}) "
            f"-> tag {tag_name(package)}"
        )
        if edit is not None:
            for name, specifier in sorted(edit.ranges.items()):
                lines.append(f"  range {package.name} -> {name}{specifier}")
            if edit.new_version != edit.package.version:
                lines.append(f"  bump {package.name} {edit.package.version} -> {edit.new_version}")
    if not plan.release:
        lines.append("nothing to release: no package changed since its last tag")
    return lines


# --- applying the plan ---------------------------------------------------------------------


def _replace_once(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise CheckError(f"{path}: no match for {pattern!r}")
    path.write_text(new, encoding="utf-8")


def apply_edit(root: Path, edit: Edit, today: str) -> None:
    """Write one dependent's new ranges, version, __version__ and CHANGELOG entry."""
    package = edit.package
    pyproject = root / package.directory / "pyproject.toml"
    for line in package.dependencies:
        for name, specifier in edit.ranges.items():
            updated = _with_specifier(line, name, specifier)
            if updated != line:
                _replace_once(pyproject, rf'^(\s*)"{re.escape(line)}"', rf'\g<1>"{updated}"')
    if edit.new_version == package.version:
        return
    _replace_once(
        pyproject, rf'^version = "{re.escape(package.version)}"', f'version = "{edit.new_version}"'
    )
    init = root / package.directory / "src" / package.import_name / "__init__.py"
    _replace_once(
        init,
        rf'^__version__ = "{re.escape(package.version)}"',
        f'__version__ = "{edit.new_version}"',
    )
    changelog = root / package.directory / "CHANGELOG.md"
    items = "\n".join(
        f"- Accepts {name} `{specifier}`." for name, specifier in sorted(edit.ranges.items())
    )
    entry = f"## [{edit.new_version}] - {today}\n\n### Changed\n\n{items}\n\n"
    text = changelog.read_text(encoding="utf-8")
    marker = "## [Unreleased]\n"
    if marker in text:
        text = text.replace(marker, f"{marker}\n{entry}", 1).replace("\n\n\n", "\n\n")
    else:
        head, _, tail = text.partition("\n## ")
        text = f"{head}\n{entry}## {tail}" if tail else f"{text.rstrip()}\n\n{entry}"
    changelog.write_text(text, encoding="utf-8")


def _run(command: Sequence[str], cwd: Path) -> None:
    print(f"$ {shlex.join(command)}", flush=True)
    done = subprocess.run(list(command), cwd=cwd, check=False)  # noqa: S603 - our tools
    if done.returncode != 0:
        raise CheckError(f"{shlex.join(command)} failed with exit code {done.returncode}")


def release(args: argparse.Namespace) -> int:
    root: Path = args.root
    try:
        packages = discover(root)
        plan = plan_release(root, packages)
    except CheckError as exc:
        print(f"FAIL  {exc}")
        return 1
    print("\n".join([*describe(plan), *plan.failures]))
    if plan.failures:
        print("release: FAILED (nothing was changed)")
        return 1
    if args.dry_run or not plan.release:
        print("release: dry run, nothing changed" if args.dry_run else "release: done")
        return 0
    url = args.repository_url or os.environ.get(URL_VARIABLE)
    if not url:
        print(f"release: no index to publish to: --repository-url or ${URL_VARIABLE}")
        return 2
    if _git(root, "status", "--porcelain", "--untracked-files=no").strip():
        print("release: the work tree has uncommitted changes; commit or stash them first")
        return 2
    poetry = shlex.split(args.poetry)
    try:
        if plan.edits:
            for edit in plan.edits.values():
                apply_edit(root, edit, args.date)
            _run([*poetry, "lock", "--no-interaction"], root)
            _run([*poetry, "check", "--lock", "--no-interaction"], root)
            names = ", ".join(f"{p.name} {p.version}" for p in plan.release)
            _git(root, "commit", "-q", "-a", "-m", f"release: {names}")
        dist = Path(args.dist).resolve()
        built: list[Path] = []
        for package in plan.release:
            before = set(dist.glob("*")) if dist.exists() else set()
            _run(
                [*poetry, "build", "--no-interaction", "--output", str(dist)],
                root / package.directory,
            )
            built.extend(sorted(set(dist.glob("*")) - before))
        _run(
            [
                *shlex.split(args.twine),
                "upload",
                "--non-interactive",
                "--skip-existing",
                "--repository-url",
                url,
                *(str(path) for path in built),
            ],
            root,
        )
        for tag in tag_release(root, plan.release):
            print(f"tagged {tag}")
    except CheckError as exc:
        print(f"FAIL  {exc}")
        return 1
    print(f"release: done (push the commit and the tags: {PUSH_COMMAND})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--repository-url", help=f"upload URL of the package index (default ${URL_VARIABLE})"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    parser.add_argument("--dist", default=None, help="build output (default <root>/dist/release)")
    parser.add_argument(
        "--poetry", default=os.environ.get("PAYMENT_DR_POETRY", DEFAULT_POETRY), help="poetry"
    )
    parser.add_argument(
        "--twine", default=f"{shlex.quote(sys.executable)} -m twine", help="twine command"
    )
    parser.add_argument(
        "--date", default=dt.date.today().isoformat(), help="date of new CHANGELOG entries"
    )
    args = parser.parse_args(argv)
    if args.dist is None:
        args.dist = str(Path(args.root) / "dist" / "release")
    return release(args)


if __name__ == "__main__":
    sys.exit(main())
