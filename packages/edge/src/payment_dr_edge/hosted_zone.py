"""HostedZone: the public Route 53 zone of the API domain, looked up or created."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone
from constructs import Construct

from payment_dr_edge._checks import check_bool, check_domain_name


@dataclass(frozen=True)
class HostedZoneProps:
    """Props of :class:`HostedZone`."""

    zone_name: str
    """The zone's domain, e.g. ``example.com``; the API domain must be inside it."""

    create_zone: bool = False
    """False (default): look up an existing public zone by name; the plan fails if there is
    none. True: create the zone (``force_destroy``, so ``destroy`` also removes the records
    left in it); delegate to its ``name_servers`` from the parent domain before deploying
    anything that needs DNS validation."""

    provider: TerraformProvider | None = None
    """Any AWS provider of the stack: Route 53 is a global service."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        check_domain_name("zone_name", self.zone_name)
        check_bool("create_zone", self.create_zone)


class HostedZone(Construct):
    """A public hosted zone: ``data aws_route53_zone`` (``private_zone = false``) or a new
    ``aws_route53_zone``, behind the same attributes."""

    zone: Route53Zone | None
    """The created zone, None when it was looked up."""

    lookup: DataAwsRoute53Zone | None
    """The looked-up zone, None when it was created."""

    def __init__(self, scope: Construct, construct_id: str, props: HostedZoneProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.zone_name = props.zone_name
        self.created = props.create_zone
        if props.create_zone:
            self.zone = Route53Zone(
                self,
                "zone",
                name=props.zone_name,
                comment=f"Public zone of {props.zone_name} (payment API failover records)",
                force_destroy=True,
                provider=props.provider,
            )
            self.lookup = None
            self._zone_id = self.zone.zone_id
            self._name_servers = self.zone.name_servers
        else:
            self.zone = None
            self.lookup = DataAwsRoute53Zone(
                self,
                "lookup",
                name=props.zone_name,
                private_zone=False,
                provider=props.provider,
            )
            self._zone_id = self.lookup.zone_id
            self._name_servers = self.lookup.name_servers

    @property
    def zone_id(self) -> str:
        """Hosted zone ID."""
        return self._zone_id

    @property
    def name_servers(self) -> list[str]:
        """The zone's authoritative name servers (delegate to them when the zone is new)."""
        return self._name_servers
