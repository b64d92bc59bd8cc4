"""PaymentDrStack: one stack class, instantiated once per region role."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from dr_app.backend import configure_backend
from payment_dr_core import ConfigError, EnvironmentConfig, RegionRole, standard_tags
from payment_dr_data import RegionalKey, RegionalKeyProps
from payment_dr_network import (
    CrossRegionPeering,
    CrossRegionPeeringProps,
    PeeringSide,
    RegionalNetwork,
    RegionalNetworkProps,
)


class PaymentDrStack(TerraformStack):
    """The resources of one region of an environment.

    The primary stack stands alone. The secondary stack takes the primary stack
    and owns everything that joins the two regions; where such a resource must
    live in the primary region it uses :attr:`primary_region_provider`.
    """

    role: RegionRole
    region: str
    network: RegionalNetwork

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        role: RegionRole,
        primary: PaymentDrStack | None = None,
    ) -> None:
        if role is RegionRole.SECONDARY and primary is None:
            raise ConfigError(
                "primary", None, "the primary stack: the secondary stack peers with it"
            )
        if role is RegionRole.PRIMARY and primary is not None:
            raise ConfigError("primary", primary.role.value, "None for the primary stack")
        self.stack_name = config.stack_name(role)
        super().__init__(scope, self.stack_name)
        self.config = config
        self.role = role
        self.region = config.regions.region_for(role)
        tags = standard_tags(config, role)

        self.provider = AwsProvider(
            self, "aws", region=self.region, default_tags=[AwsProviderDefaultTags(tags=tags)]
        )
        self.primary_region_provider: AwsProvider | None = None
        if role is RegionRole.SECONDARY:
            self.primary_region_provider = AwsProvider(
                self,
                "aws-primary-region",
                alias="primary_region",
                region=config.regions.primary,
                default_tags=[AwsProviderDefaultTags(tags=tags)],
            )
        configure_backend(self, config, self.stack_name)

        namer = config.namer
        self.key = RegionalKey(
            self, "key", RegionalKeyProps(namer=namer, region=self.region, provider=self.provider)
        )
        self.network = RegionalNetwork(
            self,
            "network",
            RegionalNetworkProps(
                namer=namer,
                region=self.region,
                cidr=config.cidr_for(role),
                availability_zone_ids=config.az_ids_for(role),
                kms_key_arn=self.key.key_arn,
                log_retention_days=config.log_retention_days,
                interface_endpoints=config.interface_endpoints,
                provider=self.provider,
            ),
        )

        self.peering: CrossRegionPeering | None = None
        if primary is not None:
            self.add_dependency(primary)
            self.peering = CrossRegionPeering(
                self,
                "peering",
                CrossRegionPeeringProps(
                    namer=namer,
                    requester=PeeringSide(
                        region=primary.region,
                        vpc_id=primary.network.vpc_id,
                        cidr=config.primary_cidr,
                        route_table_ids=primary.network.route_table_ids,
                        provider=self.primary_region_provider,
                    ),
                    accepter=PeeringSide(
                        region=self.region,
                        vpc_id=self.network.vpc_id,
                        cidr=config.secondary_cidr,
                        route_table_ids=self.network.route_table_ids,
                        provider=self.provider,
                    ),
                ),
            )
