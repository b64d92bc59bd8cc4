"""The standard tag set, applied once per stack through provider ``default_tags``."""

from __future__ import annotations

from payment_dr_core.config import EnvironmentConfig
from payment_dr_core.regions import RegionRole


def standard_tags(config: EnvironmentConfig, role: RegionRole) -> dict[str, str]:
    """Environment, Project, Owner, CostCenter, DataClassification, ManagedBy, RegionRole."""
    return {
        "Environment": config.suffix,
        "Project": config.name_prefix,
        "Owner": config.owner,
        "CostCenter": config.cost_center,
        "DataClassification": config.data_classification,
        "ManagedBy": "cdktf",
        "RegionRole": role.value,
    }
