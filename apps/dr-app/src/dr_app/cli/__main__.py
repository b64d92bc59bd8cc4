"""``python -m dr_app.cli``."""

from __future__ import annotations

import sys

from dr_app.cli.main import main

sys.exit(main())
