"""CDKTF entry point (``cdktf synth`` runs it): the same as ``payment-dr-synth``.

The config is loaded and validated first, so a bad value fails in well under a second with
one line naming the file and the key, before the provider bindings (a few seconds to load
through jsii) are imported.
"""

from __future__ import annotations

import sys

from dr_app.synth import main

if __name__ == "__main__":
    sys.exit(main(["--no-report", *sys.argv[1:]]))
