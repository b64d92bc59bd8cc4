"""``python -m payment_service.migrations``: apply pending migrations using the DB_* variables."""

from __future__ import annotations

import sys

from payment_service.migrations import main

sys.exit(main())
