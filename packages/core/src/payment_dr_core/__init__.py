"""payment-dr-core: naming, tagging, environment config, region pairs and validation."""

from __future__ import annotations

# First, before anything can import the AWS provider bindings: importing aws_bindings
# installs the hook that makes them load lazily; node points jsii at a supported Node.js.
from payment_dr_core import aws_bindings, node

# isort: split
from payment_dr_core import names
from payment_dr_core.config import (
    DataProtection,
    EnvironmentConfig,
    StateBackendConfig,
    config_from_mapping,
    load_config,
)
from payment_dr_core.errors import ConfigError, TomlSyntaxError, UnknownKeyError
from payment_dr_core.naming import PROJECT, Namer, NameRule, NameSpec, ResourceKind
from payment_dr_core.regions import RegionPair, RegionRole, region_code
from payment_dr_core.tags import standard_tags

__version__ = "0.1.0"

__all__ = [
    "PROJECT",
    "ConfigError",
    "DataProtection",
    "EnvironmentConfig",
    "NameRule",
    "NameSpec",
    "Namer",
    "RegionPair",
    "RegionRole",
    "ResourceKind",
    "StateBackendConfig",
    "TomlSyntaxError",
    "UnknownKeyError",
    "__version__",
    "aws_bindings",
    "config_from_mapping",
    "load_config",
    "names",
    "node",
    "region_code",
    "standard_tags",
]
