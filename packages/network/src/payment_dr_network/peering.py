"""CrossRegionPeering: a VPC peering connection between two regions, with routes on both sides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.vpc_peering_connection import VpcPeeringConnection
from cdktf_cdktf_provider_aws.vpc_peering_connection_accepter import (
    VpcPeeringConnectionAccepterA,
)
from cdktf_cdktf_provider_aws.vpc_peering_connection_options import (
    VpcPeeringConnectionOptions,
    VpcPeeringConnectionOptionsAccepter,
    VpcPeeringConnectionOptionsRequester,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_core.validation import parse_ipv4_network


@dataclass(frozen=True)
class PeeringSide:
    """One VPC of the peering: where it is, its block and the route tables that reach the peer."""

    region: str
    vpc_id: str
    cidr: str
    route_table_ids: Sequence[str]
    provider: TerraformProvider | None = None
    """Provider for this side's region. None: the stack's default provider."""


@dataclass(frozen=True)
class CrossRegionPeeringProps:
    """Props of :class:`CrossRegionPeering`."""

    namer: Namer
    requester: PeeringSide
    """The side that requests the connection (the primary region's VPC)."""

    accepter: PeeringSide
    """The side that accepts it (the secondary region's VPC)."""

    allow_remote_dns_resolution: bool = True
    """Resolve the peer's private DNS names (interface endpoints, Aurora) to private IPs."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        for label, side in (("requester", self.requester), ("accepter", self.accepter)):
            validate_region(f"{label}.region", side.region)
            parse_ipv4_network(f"{label}.cidr", side.cidr)
            if not side.route_table_ids:
                raise ConfigError(
                    f"{label}.route_table_ids",
                    list(side.route_table_ids),
                    "at least one route table that must reach the peer VPC",
                )
        if self.requester.region == self.accepter.region:
            raise ConfigError(
                "accepter.region",
                self.accepter.region,
                f"a region other than the requester's ({self.requester.region}): "
                "this construct joins two regions",
            )
        if parse_ipv4_network("requester.cidr", self.requester.cidr).overlaps(
            parse_ipv4_network("accepter.cidr", self.accepter.cidr)
        ):
            raise ConfigError(
                "accepter.cidr",
                self.accepter.cidr,
                f"a block that does not overlap the requester's ({self.requester.cidr})",
            )


class CrossRegionPeering(Construct):
    """Requester in one region, accepter in the other, DNS options and routes on both sides.

    Cross-region peering cannot reference the peer's security groups, so anything
    that admits peer traffic must use :attr:`requester_cidr` / :attr:`accepter_cidr`.
    """

    def __init__(self, scope: Construct, construct_id: str, props: CrossRegionPeeringProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        requester, accepter = props.requester, props.accepter
        name = props.namer.of(names.PEERING)

        self.connection = VpcPeeringConnection(
            self,
            "connection",
            vpc_id=requester.vpc_id,
            peer_vpc_id=accepter.vpc_id,
            peer_region=accepter.region,
            tags={"Name": name, "Side": "requester"},
            provider=requester.provider,
        )
        self.accepter_connection = VpcPeeringConnectionAccepterA(
            self,
            "accepter",
            vpc_peering_connection_id=self.connection.id,
            auto_accept=True,
            tags={"Name": name, "Side": "accepter"},
            provider=accepter.provider,
        )
        # Options can only be set once the connection is active, and each side's
        # options only through that side's region: one resource per side.
        active_id = self.accepter_connection.vpc_peering_connection_id
        VpcPeeringConnectionOptions(
            self,
            "requester-options",
            vpc_peering_connection_id=active_id,
            requester=VpcPeeringConnectionOptionsRequester(
                allow_remote_vpc_dns_resolution=props.allow_remote_dns_resolution
            ),
            provider=requester.provider,
        )
        VpcPeeringConnectionOptions(
            self,
            "accepter-options",
            vpc_peering_connection_id=active_id,
            accepter=VpcPeeringConnectionOptionsAccepter(
                allow_remote_vpc_dns_resolution=props.allow_remote_dns_resolution
            ),
            provider=accepter.provider,
        )
        for side, peer, label in (
            (requester, accepter, "requester"),
            (accepter, requester, "accepter"),
        ):
            for index, table_id in enumerate(side.route_table_ids):
                Route(
                    self,
                    f"{label}-route-{index}",
                    route_table_id=table_id,
                    destination_cidr_block=peer.cidr,
                    vpc_peering_connection_id=active_id,
                    provider=side.provider,
                )
        self.requester_cidr = requester.cidr
        self.accepter_cidr = accepter.cidr

    @property
    def peering_connection_id(self) -> str:
        """ID of the peering connection (the same in both regions)."""
        return self.connection.id
