"""Load the prebuilt AWS provider bindings lazily: only the submodules a program uses.

``cdktf_cdktf_provider_aws/__init__.py`` (21.22.1) ends with about 2,200
``from . import <submodule>`` lines, one per resource and data source, so that every
jsii type is registered before anything runs. Importing them all takes 35-40 s of a
synth on a 2-core machine; an app uses a few dozen of them. This module installs an
import hook that executes that same ``__init__.py`` without its eager block and
gives the package a PEP 562 ``__getattr__`` that imports a submodule the first
time it is named. Everything else is the package's own code, run unchanged: the
jsii assembly is loaded by ``from ._jsii import *`` as before, and each submodule
registers its own types when it is imported, which it does whenever a construct
uses one of its classes.

Safety rules:
- It engages only for the binding version it was written for (:data:`SUPPORTED_VERSION`)
  and only when the eager block has exactly the expected form (a marker comment
  followed by nothing but ``from . import <name>`` lines). Otherwise the normal,
  eager import runs and one line on stderr says why.
- ``PAYMENT_DR_EAGER_AWS_BINDINGS=1`` turns it off (the byte-identical synth test and
  the benchmark use this to compare both paths).
- Importing this module calls :func:`install`; ``payment_dr_core/__init__.py`` imports it
  before anything else, and every construct
  package imports ``payment_dr_core`` in its own ``__init__`` before any of its
  modules, so a construct module that imports the provider at its top still gets the
  lazy path: Python runs the package ``__init__`` before the module.
- A program that imports ``cdktf`` or the provider before any of our packages gets it too:
  ``payment_dr_core.pth``, installed with the payment-dr-core wheel, imports
  ``payment_dr_core_startup`` at interpreter start, which imports ``payment_dr_core`` just
  before the first such import.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import os
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
SUPPORTED_VERSION = "21.22.1"
EAGER_ENV = "PAYMENT_DR_EAGER_AWS_BINDINGS"
EAGER_MARKER = (
    "# Loading modules to ensure their types are registered with the jsii runtime library"
)
_EAGER_LINE = re.compile(r"from \. import ([a-z0-9_]+)")


@dataclass(frozen=True)
class LazySource:
    """The package ``__init__`` split into the part that runs and the submodules it defers."""

    head: str
    submodules: frozenset[str]


def split_eager_block(source: str) -> LazySource | None:
    """Split ``__init__.py`` at the eager-import block; None unless it has exactly our form.

    The block is the marker comment followed, to the end of the file, only by
    ``from . import <name>`` lines and blank lines. Anything else there (a future
    release that adds code after the imports) means the source is not the one this
    loader was written for.
    """
    head, marker, tail = source.rpartition(EAGER_MARKER)
    if not marker:
        return None
    names: set[str] = set()
    for line in tail.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        match = _EAGER_LINE.fullmatch(stripped)
        if match is None:
            return None
        names.add(match.group(1))
    if not names:
        return None
    return LazySource(head=head, submodules=frozenset(names))


def _warn(message: str) -> None:
    sys.stderr.write(f"payment-dr: {message}; loading {PACKAGE} eagerly (slow)\n")


class _LazyLoader(importlib.abc.Loader):
    """Runs the package ``__init__`` without its eager block, then makes submodules lazy."""

    def __init__(self, origin: str, lazy: LazySource) -> None:
        self._origin = origin
        self._lazy = lazy

    def exec_module(self, module: ModuleType) -> None:
        code = compile(self._lazy.head, self._origin, "exec")
        exec(code, module.__dict__)  # noqa: S102 - the package's own __init__, minus its eager block
        # publication.publish() at the end of that code replaced the module in sys.modules
        # with its public face; the lazy attribute hook goes on what importers will see.
        public = sys.modules[module.__name__]
        submodules = self._lazy.submodules
        name = module.__name__

        def __getattr__(attr: str) -> ModuleType:  # noqa: N807 - PEP 562 module hook
            if attr in submodules:
                return importlib.import_module(f"{name}.{attr}")
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")

        def __dir__() -> list[str]:  # noqa: N807 - PEP 562 module hook
            return sorted(set(public.__dict__) | submodules)

        public.__dict__["__getattr__"] = __getattr__
        public.__dict__["__dir__"] = __dir__
        public.__dict__["__payment_dr_lazy__"] = True


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds the provider package with the normal path finder and swaps in the lazy loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE or os.environ.get(EAGER_ENV) == "1":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith("__init__.py"):
            return None
        try:
            installed = importlib.metadata.version(DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            installed = "unknown"
        if installed != SUPPORTED_VERSION:
            _warn(f"{DISTRIBUTION} {installed} is not {SUPPORTED_VERSION}, the tested version")
            return None
        with open(spec.origin, encoding="utf-8") as handle:
            lazy = split_eager_block(handle.read())
        if lazy is None:
            _warn(f"{spec.origin} does not have the expected eager-import block")
            return None
        spec.loader = _LazyLoader(spec.origin, lazy)
        return spec


_FINDER = _LazyFinder()
_LOCK = threading.Lock()


def find_spec(
    fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
) -> importlib.machinery.ModuleSpec | None:
    """What the lazy finder answers for ``fullname``: a lazy spec for the provider package,
    None for anything else (for a finder that runs before this one was installed)."""
    return _FINDER.find_spec(fullname, path, target)


def install() -> None:
    """Put the lazy finder first on ``sys.meta_path`` (idempotent, cheap)."""
    with _LOCK:
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)


def is_lazy() -> bool:
    """True when the provider package is imported and was loaded through the lazy path."""
    module = sys.modules.get(PACKAGE)
    return module is not None and getattr(module, "__payment_dr_lazy__", False) is True


def loaded_submodules() -> list[str]:
    """The provider submodules imported so far (what a synth actually used)."""
    prefix = PACKAGE + "."
    return sorted(
        name[len(prefix) :]
        for name in sys.modules
        if name.startswith(prefix) and "." not in name[len(prefix) :] and name[len(prefix)] != "_"
    )


# Importing this module installs the hook: ``payment_dr_core/__init__.py`` imports it first.
install()
