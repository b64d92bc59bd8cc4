"""Plugins of every pytest run from the repository root (tests/ and packages/*/tests)."""

pytest_plugins = ("tests.parallel",)
