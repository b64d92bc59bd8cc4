"""Deterministic Lambda bundles: the same sources and dependencies give the same bytes.

A bundle is a zip of one source package plus the pure-Python distributions it
depends on (the dependency closure, markers evaluated for the Lambda runtime:
Linux x86_64, CPython 3.11). Dependencies are copied from the installed
distributions, so building needs no network; a distribution with compiled code
is refused, because a copy built for this machine may not run on Lambda.

Determinism: entries sorted by path, fixed timestamp (1980-01-01), fixed
permissions (0644), fixed compression level, no ``__pycache__``/``.pyc``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from payment_dr_core import ConfigError

LAMBDA_ENVIRONMENT = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "python_full_version": "3.11.0",
    "python_version": "3.11",
    "sys_platform": "linux",
    "extra": "",
}
"""Marker environment of the Lambda python3.11 runtime on x86_64."""

PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3"})
"""Distributions the Lambda Python runtime already carries (the AWS SDK); not bundled."""

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIPPED_PARTS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class Bundle:
    """A built bundle."""

    path: Path
    sha256_base64: str
    """What Lambda's ``source_code_hash`` expects (base64 of the SHA-256)."""

    size_bytes: int
    files: tuple[str, ...]
    distributions: tuple[str, ...]
    """``name==version`` of every vendored distribution."""


def dependency_closure(
    requirements: Iterable[str], exclude: frozenset[str] = PROVIDED_BY_RUNTIME
) -> list[metadata.Distribution]:
    """Installed distributions needed by ``requirements`` on Lambda, sorted by name."""
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(r) for r in requirements]
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not _applies(requirement.marker):
            continue
        name = canonicalize_name(requirement.name)
        if name in found or name in exclude:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError as exc:
            raise ConfigError(
                "bundle dependency", requirement.name, "a distribution installed here"
            ) from exc
        if not requirement.specifier.contains(dist.version, prereleases=True):
            raise ConfigError(
                "bundle dependency",
                f"{requirement.name}=={dist.version}",
                f"a version matching {requirement.specifier}",
            )
        found[name] = dist
        pending.extend(Requirement(r) for r in dist.requires or [])
    return [found[name] for name in sorted(found)]


def _applies(marker: Marker) -> bool:
    return marker.evaluate(dict(LAMBDA_ENVIRONMENT))


def _is_pure(dist: metadata.Distribution) -> bool:
    wheel = dist.read_text("WHEEL") or ""
    return "Root-Is-Purelib: true" in wheel


def _dist_files(dist: metadata.Distribution) -> dict[str, bytes]:
    if not _is_pure(dist):
        raise ConfigError(
            "bundle dependency",
            f"{dist.metadata['Name']}=={dist.version}",
            "a pure-Python distribution (compiled code would be built for this machine, "
            "not for Lambda's Linux x86_64)",
        )
    files: dict[str, bytes] = {}
    for entry in dist.files or []:
        relative = PurePosixPath(str(entry))
        if relative.parts[0] == ".." or _skipped(relative):
            continue
        if relative.parts[0].endswith(".dist-info") and relative.name not in ("METADATA",):
            continue
        files[str(relative)] = Path(str(dist.locate_file(entry))).read_bytes()
    return files


def _source_files(source_dir: Path) -> dict[str, bytes]:
    base = source_dir.parent
    return {
        PurePosixPath(path.relative_to(base)).as_posix(): path.read_bytes()
        for path in sorted(source_dir.rglob("*"))
        if path.is_file() and not _skipped(PurePosixPath(path.relative_to(base).as_posix()))
    }


def _skipped(path: PurePosixPath) -> bool:
    return bool(_SKIPPED_PARTS.intersection(path.parts)) or path.suffix in _SKIPPED_SUFFIXES


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (path -> content) that depends on nothing but its input."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def build_bundle(source_dir: Path, requirements: Iterable[str], output: Path) -> Bundle:
    """Zip ``source_dir`` (a package directory) and its dependency closure into ``output``.

    ``output`` is rewritten only when its content changes.
    """
    if not (source_dir / "__init__.py").is_file():
        raise ConfigError("bundle source", str(source_dir), "a Python package directory")
    files = _source_files(source_dir)
    dists = dependency_closure(requirements)
    for dist in dists:
        for name, content in _dist_files(dist).items():
            if name in files and files[name] != content:
                raise ConfigError("bundle file", name, "a path provided by one distribution only")
            files[name] = content
    data = zip_bytes(files)
    output.parent.mkdir(parents=True, exist_ok=True)
    if not output.is_file() or output.read_bytes() != data:
        output.write_bytes(data)
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
    return Bundle(
        path=output,
        sha256_base64=digest,
        size_bytes=len(data),
        files=tuple(sorted(files)),
        distributions=tuple(f"{d.metadata['Name']}=={d.version}" for d in dists),
    )
