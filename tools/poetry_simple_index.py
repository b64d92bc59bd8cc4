"""Run Poetry so that it also works against indexes that serve only the simple API.

Poetry's PyPI client reads release metadata from the JSON API
(``/pypi/<name>/<version>/json``). Mirrors and proxies that serve only the
standard simple index (PEP 503/691, with PEP 658 metadata files) answer that
API with 404, and Poetry then reports every package as "not found".

This launcher keeps Poetry's behaviour unchanged and adds one fallback: when
the JSON API has no answer, release metadata and file links are read from the
simple index, exactly as Poetry already does for any other (legacy) source.
Usage: ``python tools/poetry_simple_index.py <poetry arguments>``.
"""

from __future__ import annotations

import sys
from typing import Any

from poetry.console.application import main
from poetry.core.packages.package import Package
from poetry.inspection.info import PackageInfo
from poetry.repositories.exceptions import PackageNotFoundError
from poetry.repositories.pypi_repository import PyPiRepository

_json_release_info = PyPiRepository._get_release_info
_json_links = PyPiRepository.find_links_for_package


def _release_info(self: PyPiRepository, name: Any, version: Any) -> dict[str, Any]:
    try:
        return _json_release_info(self, name, version)
    except PackageNotFoundError:
        page = self.get_page(name)
        links = list(page.links_for_version(name, version))
        if not links:
            raise
        info = PackageInfo(
            name=name,
            version=version.text,
            summary="",
            requires_dist=[],
            requires_python=None,
            files=[],
            yanked=page.yanked(name, version),
            cache_version=str(self.CACHE_VERSION),
        )
        return self._links_to_data(links, info)


def _links(self: PyPiRepository, package: Package) -> list[Any]:
    links = _json_links(self, package)
    if links:
        return links
    try:
        page = self.get_page(package.name)
    except PackageNotFoundError:
        return []
    return list(page.links_for_version(package.name, package.version))


PyPiRepository._get_release_info = _release_info  # type: ignore[method-assign]
PyPiRepository.find_links_for_package = _links  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
