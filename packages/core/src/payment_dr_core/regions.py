"""Region roles and the region pair of an environment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from payment_dr_core.errors import ConfigError

_REGION_PATTERN = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")

KNOWN_REGIONS = frozenset(
    {
        # The aws partition: "Region code" column of the AWS Regions table
        # (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html),
        # the same set as the "aws" partition of botocore's data/endpoints.json (1.35).
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        # The aws-us-gov partition (AWS GovCloud (US) User Guide, "GovCloud Regions").
        "us-gov-east-1",
        "us-gov-west-1",
    }
)
"""Region codes a config may name; a typo such as ``us-est-1`` is refused by name."""

_DIRECTION_CODES = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


class RegionRole(StrEnum):
    """The part a region plays in the active-passive pair."""

    PRIMARY = "primary"
    SECONDARY = "secondary"

    @property
    def peer(self) -> RegionRole:
        """The other role of the pair."""
        return RegionRole.SECONDARY if self is RegionRole.PRIMARY else RegionRole.PRIMARY


def validate_region(field: str, region: str) -> str:
    """Return ``region`` when it looks like an AWS region name, else raise."""
    if not isinstance(region, str) or _REGION_PATTERN.fullmatch(region) is None:
        raise ConfigError(field, region, "an AWS region name such as us-east-1")
    if region not in KNOWN_REGIONS:
        raise ConfigError(
            field,
            region,
            f"an existing AWS Region; {region!r} is not one "
            f"(known: {', '.join(sorted(KNOWN_REGIONS))})",
        )
    return region


def validate_aws_partition(field: str, region: str) -> str:
    """Return ``region`` when it is an existing Region of the ``aws`` partition, else raise.

    GovCloud (``aws-us-gov``) Regions are refused: the stacks write ARNs (``arn:aws:``),
    service principals and managed-policy ARNs of the ``aws`` partition, and Route 53 public
    health checks and their us-east-1 metrics belong to it (AWS GovCloud (US) User Guide,
    "Services in AWS GovCloud (US) Regions").
    """
    validate_region(field, region)
    if "-gov-" in region:
        raise ConfigError(
            field,
            region,
            "a Region of the aws partition: GovCloud (aws-us-gov) is not supported (ARNs, "
            "service principals and Route 53 health-check metrics here are the aws partition's)",
        )
    return region


def region_code(region: str) -> str:
    """A short, unique code for a region, used where names must differ per region.

    ``us-east-1`` -> ``use1``, ``us-east-2`` -> ``use2``, ``ap-southeast-2`` -> ``apse2``.
    """
    validate_region("region", region)
    parts = region.split("-")
    prefix = parts[0] + ("g" if parts[1] == "gov" else "")
    direction = parts[-2]
    try:
        code = _DIRECTION_CODES[direction]
    except KeyError as exc:
        raise ConfigError(
            "region", region, f"a region whose direction is one of {sorted(_DIRECTION_CODES)}"
        ) from exc
    return f"{prefix}{code}{parts[-1]}"


@dataclass(frozen=True)
class RegionPair:
    """The primary and secondary region of an environment."""

    primary: str = "us-east-1"
    """Region that takes writes in normal operation."""

    secondary: str = "us-east-2"
    """Standby region that is promoted on failover."""

    def __post_init__(self) -> None:
        validate_aws_partition("regions.primary", self.primary)
        validate_aws_partition("regions.secondary", self.secondary)
        if self.primary == self.secondary:
            raise ConfigError(
                "regions.secondary",
                self.secondary,
                f"a region different from regions.primary ({self.primary})",
            )

    def region_for(self, role: RegionRole) -> str:
        """The region that plays ``role``."""
        return self.primary if role is RegionRole.PRIMARY else self.secondary
