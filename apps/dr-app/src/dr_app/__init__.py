"""The Payment DR CDKTF app and operator CLI."""

from __future__ import annotations

__version__ = "0.1.0"
