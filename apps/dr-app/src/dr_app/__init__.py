"""The Payment DR CDKTF app and operator CLI."""

from __future__ import annotations

# Before any module of this package imports the AWS provider bindings: payment_dr_core
# installs the hook that loads them lazily (payment_dr_core.aws_bindings).
import payment_dr_core.aws_bindings  # noqa: F401

# isort: split

__version__ = "0.1.0"
