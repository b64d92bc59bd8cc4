"""RegionalNetwork: a private VPC over three AZs, endpoints and flow logs."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
)
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from constructs import Construct

from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.config import (
    INTERFACE_ENDPOINT_SERVICES,
    LOG_RETENTION_DAYS,
    validate_az_ids,
)
from payment_dr_core.iam import service_assume_role_policy
from payment_dr_core.regions import region_code, validate_region
from payment_dr_core.validation import Rule, check_all, in_range, parse_ipv4_network

SUBNET_PREFIX_DIFF = 4
"""Each private subnet is the VPC block split by 2**4: /20 subnets in a /16 VPC."""

GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")
"""Always created: free, and they keep S3 and DynamoDB traffic off any internet path."""


@dataclass(frozen=True)
class RegionalNetworkProps:
    """Props of :class:`RegionalNetwork`."""

    namer: Namer
    """Builds the physical names (suffix)."""

    region: str
    """Region of the VPC; must be the region of ``provider``."""

    cidr: str
    """VPC CIDR block, /16 to /24."""

    kms_key_arn: str
    """Customer-managed key, in the same region, that encrypts the flow log group."""

    log_retention_days: int = 365
    """Flow log retention in days (a CloudWatch Logs retention value)."""

    availability_zone_ids: tuple[str, ...] = ()
    """AZ IDs (``use1-az1``), one private subnet and route table each: 2 or 3. Empty: the
    first three of the region (``<code>-az1`` to ``<code>-az3``)."""

    interface_endpoints: tuple[str, ...] = ()
    """Services reached through interface endpoints (private DNS on). Empty: none."""

    flow_log_aggregation_seconds: int = 60
    """Flow log aggregation interval: 60 (fast investigation) or 600."""

    provider: TerraformProvider | None = None
    """Provider for the VPC's region. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        validate_az_ids("availability_zone_ids", self.az_ids, self.region)
        network = parse_ipv4_network("cidr", self.cidr)
        check_all(
            [
                (Rule("cidr prefix length", in_range(16, 24), "16 to 24"), network.prefixlen),
                (
                    Rule(
                        "log_retention_days",
                        lambda v: v in LOG_RETENTION_DAYS,
                        f"one of {LOG_RETENTION_DAYS}",
                    ),
                    self.log_retention_days,
                ),
                (
                    Rule("flow_log_aggregation_seconds", lambda v: v in (60, 600), "60 or 600"),
                    self.flow_log_aggregation_seconds,
                ),
            ]
        )
        for service in self.interface_endpoints:
            if service not in INTERFACE_ENDPOINT_SERVICES:
                raise ConfigError(
                    "interface_endpoints", service, f"one of {INTERFACE_ENDPOINT_SERVICES}"
                )
        if len(set(self.interface_endpoints)) != len(self.interface_endpoints):
            raise ConfigError("interface_endpoints", self.interface_endpoints, "no repeats")
        if not self.kms_key_arn:
            raise ConfigError("kms_key_arn", self.kms_key_arn, "the ARN of a KMS key")

    @property
    def az_ids(self) -> tuple[str, ...]:
        """The AZ IDs in use (the default when none were given)."""
        if self.availability_zone_ids:
            return self.availability_zone_ids
        code = region_code(self.region)
        return tuple(f"{code}-az{n}" for n in (1, 2, 3))


def private_subnet_cidrs(cidr: str, count: int) -> list[str]:
    """The first ``count`` blocks of ``cidr`` split by 2**SUBNET_PREFIX_DIFF."""
    network = ipaddress.ip_network(cidr)
    blocks = network.subnets(prefixlen_diff=SUBNET_PREFIX_DIFF)
    return [str(next(blocks)) for _ in range(count)]


class RegionalNetwork(Construct):
    """A VPC with private subnets only, gateway and interface endpoints and flow logs.

    There is no internet or NAT gateway: the Lambdas reach AWS services through
    the endpoints, and the peer region through VPC peering. The default security
    group is emptied so nothing can use it by accident.
    """

    def __init__(self, scope: Construct, construct_id: str, props: RegionalNetworkProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider = props.provider
        namer, region = props.namer, props.region

        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": namer.of(names.VPC, region=region)},
            provider=provider,
        )
        DefaultSecurityGroup(
            self,
            "default-sg",
            vpc_id=self.vpc.id,
            tags={"Name": namer.of(names.DEFAULT_SECURITY_GROUP, region=region)},
            provider=provider,
        )

        subnet_ids: list[str] = []
        route_table_ids: list[str] = []
        az_ids = props.az_ids
        for index, block in enumerate(private_subnet_cidrs(props.cidr, len(az_ids))):
            subnet = Subnet(
                self,
                f"private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone_id=az_ids[index],
                map_public_ip_on_launch=False,
                tags={
                    "Name": f"{namer.of(names.PRIVATE_SUBNET, region=region)}-{index}",
                    "Tier": "private",
                },
                provider=provider,
            )
            table = RouteTable(
                self,
                f"private-rt-{index}",
                vpc_id=self.vpc.id,
                tags={"Name": f"{namer.of(names.PRIVATE_ROUTE_TABLE, region=region)}-{index}"},
                provider=provider,
            )
            RouteTableAssociation(
                self,
                f"private-rta-{index}",
                subnet_id=subnet.id,
                route_table_id=table.id,
                provider=provider,
            )
            subnet_ids.append(subnet.id)
            route_table_ids.append(table.id)

        self.private_subnet_ids: list[str] = subnet_ids
        self.route_table_ids: list[str] = route_table_ids

        self.gateway_prefix_list_ids: dict[str, str] = {}
        for service in GATEWAY_ENDPOINT_SERVICES:
            gateway = VpcEndpoint(
                self,
                f"gw-{service}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=route_table_ids,
                tags={"Name": f"{namer.of(names.VPC, region=region)}-{service}"},
                provider=provider,
            )
            self.gateway_prefix_list_ids[service] = gateway.prefix_list_id

        self.endpoint_security_group = SecurityGroup(
            self,
            "endpoint-sg",
            name=namer.of(names.ENDPOINT_SECURITY_GROUP, region=region),
            description="HTTPS from inside the VPC to the interface endpoints",
            vpc_id=self.vpc.id,
            tags={"Name": namer.of(names.ENDPOINT_SECURITY_GROUP, region=region)},
            provider=provider,
        )
        VpcSecurityGroupIngressRule(
            self,
            "endpoint-sg-https",
            security_group_id=self.endpoint_security_group.id,
            description="HTTPS from the VPC CIDR",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=props.cidr,
            provider=provider,
        )
        self.interface_endpoint_ids: dict[str, str] = {}
        for service in props.interface_endpoints:
            endpoint = VpcEndpoint(
                self,
                f"if-{service}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[self.endpoint_security_group.id],
                tags={"Name": f"{namer.of(names.VPC, region=region)}-{service}"},
                provider=provider,
            )
            self.interface_endpoint_ids[service] = endpoint.id

        self._application_security_group(props)

        self.flow_log_group = CloudwatchLogGroup(
            self,
            "flow-log-group",
            name=namer.of(names.FLOW_LOG_GROUP, region=region),
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
            provider=provider,
        )
        assume = service_assume_role_policy(
            self,
            "flow-log-assume",
            service="vpc-flow-logs.amazonaws.com",
            source_account=self.vpc.owner_id,
            provider=provider,
        )
        self.flow_log_role = IamRole(
            self,
            "flow-log-role",
            name=namer.of(names.FLOW_LOG_ROLE, region=region),
            assume_role_policy=assume.json,
            provider=provider,
        )
        write = DataAwsIamPolicyDocument(
            self,
            "flow-log-write",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    effect="Allow",
                    actions=[
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[
                        self.flow_log_group.arn,
                        f"{self.flow_log_group.arn}:log-stream:*",
                    ],
                )
            ],
            provider=provider,
        )
        IamRolePolicy(
            self,
            "flow-log-policy",
            name=namer.of(names.FLOW_LOG_POLICY, region=region),
            role=self.flow_log_role.id,
            policy=write.json,
            provider=provider,
        )
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=self.flow_log_role.arn,
            max_aggregation_interval=props.flow_log_aggregation_seconds,
            tags={"Name": namer.of(names.FLOW_LOG_GROUP, region=region)},
            provider=provider,
        )

    def _application_security_group(self, props: RegionalNetworkProps) -> None:
        """The security group of the Lambdas: egress only, to what they call in this region."""
        name = props.namer.of(names.APPLICATION_SECURITY_GROUP, region=props.region)
        self.application_security_group = SecurityGroup(
            self,
            "app-sg",
            name=name,
            description="Lambda functions: HTTPS to endpoints, PostgreSQL inside the VPC",
            vpc_id=self.vpc.id,
            tags={"Name": name},
            provider=props.provider,
        )
        # (rule id, port, CIDR or None, prefix list or None)
        rules: list[tuple[str, int, str | None, str | None]] = [
            ("https-vpc", 443, props.cidr, None),
            ("postgres-vpc", 5432, props.cidr, None),
        ]
        rules += [
            (f"https-{service}", 443, None, prefix_list)
            for service, prefix_list in self.gateway_prefix_list_ids.items()
        ]
        for rule_id, port, cidr, prefix_list in rules:
            VpcSecurityGroupEgressRule(
                self,
                f"app-sg-{rule_id}",
                security_group_id=self.application_security_group.id,
                description=f"{rule_id.replace('-', ' to ')} on {port}",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4=cidr,
                prefix_list_id=prefix_list,
                provider=props.provider,
            )

    @property
    def application_security_group_id(self) -> str:
        """Security group for the Lambda functions (egress only)."""
        return self.application_security_group.id

    @property
    def vpc_id(self) -> str:
        """ID of the VPC."""
        return self.vpc.id

    @property
    def vpc_cidr(self) -> str:
        """CIDR block of the VPC."""
        return self.vpc.cidr_block

    @property
    def endpoint_security_group_id(self) -> str:
        """Security group of the interface endpoints (HTTPS from the VPC)."""
        return self.endpoint_security_group.id

    @property
    def flow_log_group_name(self) -> str:
        """Name of the flow log group."""
        return self.flow_log_group.name
