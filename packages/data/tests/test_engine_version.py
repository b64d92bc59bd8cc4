"""The pinned Aurora PostgreSQL version keeps a secondary region's reads available.

Aurora User Guide, "Cross-Region resiliency for Global Database secondary clusters": Aurora
PostgreSQL 14.15 or higher (in major 14) contains the availability improvements that keep
secondary Region read replicas serving during unplanned events; on earlier versions their
read availability may be impacted.
"""

from __future__ import annotations

from payment_dr_data import ENGINE_VERSION
from payment_dr_data.aurora_settings import ENGINE_MAJOR, PARAMETER_GROUP_FAMILY


def test_the_default_is_the_first_14x_release_with_secondary_read_resiliency() -> None:
    assert ENGINE_VERSION == "14.15"
    assert ENGINE_MAJOR == "14"
    assert PARAMETER_GROUP_FAMILY == "aurora-postgresql14"
