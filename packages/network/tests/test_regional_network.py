from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformStack

from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack
from payment_dr_network import RegionalNetwork, RegionalNetworkProps, private_subnet_cidrs

KEY = "arn:aws:kms:us-east-1:111111111111:key/test"


def props(**overrides: Any) -> RegionalNetworkProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "region": "us-east-1",
        "cidr": "10.0.0.0/16",
        "kms_key_arn": KEY,
        "interface_endpoints": ("secretsmanager", "ssm"),
        "availability_zone_ids": ("use1-az1", "use1-az2", "use1-az4"),
    }
    values.update(overrides)
    return RegionalNetworkProps(**values)


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        RegionalNetwork(stack, "network", props())

    return synth_stack(build)


def test_vpc_has_dns_support_and_hostnames(synth: Synth) -> None:
    vpc = synth.only("aws_vpc")
    assert vpc["cidr_block"] == "10.0.0.0/16"
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["tags"]["Name"] == "payment-processing-vpc-use1-test"


def test_three_private_subnets_in_distinct_azs(synth: Synth) -> None:
    subnets = synth.resources("aws_subnet")
    assert len(subnets) == 3
    assert sorted(s["cidr_block"] for s in subnets.values()) == [
        "10.0.0.0/20",
        "10.0.16.0/20",
        "10.0.32.0/20",
    ]
    azs = sorted(s["availability_zone_id"] for s in subnets.values())
    assert azs == ["use1-az1", "use1-az2", "use1-az4"]
    assert all("availability_zone" not in s for s in subnets.values())
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())


def test_each_subnet_has_its_own_route_table(synth: Synth) -> None:
    tables = synth.resources("aws_route_table")
    associations = synth.resources("aws_route_table_association")
    assert len(tables) == 3
    assert len(associations) == 3
    assert len({a["route_table_id"] for a in associations.values()}) == 3
    # private only: no internet or NAT route anywhere
    assert not synth.resources("aws_internet_gateway")
    assert not synth.resources("aws_nat_gateway")
    assert all("route" not in t for t in tables.values())


def test_gateway_endpoints_for_s3_and_dynamodb_on_every_route_table(synth: Synth) -> None:
    endpoints = synth.resources("aws_vpc_endpoint")
    gateways = {
        e["service_name"]: e for e in endpoints.values() if e["vpc_endpoint_type"] == "Gateway"
    }
    assert set(gateways) == {"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"}
    for endpoint in gateways.values():
        assert len(endpoint["route_table_ids"]) == 3


def test_interface_endpoints_use_private_dns_and_the_endpoint_sg(synth: Synth) -> None:
    endpoints = synth.resources("aws_vpc_endpoint")
    interfaces = {
        e["service_name"]: e for e in endpoints.values() if e["vpc_endpoint_type"] == "Interface"
    }
    assert set(interfaces) == {
        "com.amazonaws.us-east-1.secretsmanager",
        "com.amazonaws.us-east-1.ssm",
    }
    for endpoint in interfaces.values():
        assert endpoint["private_dns_enabled"] is True
        assert len(endpoint["subnet_ids"]) == 3
        (group,) = endpoint["security_group_ids"]
        assert group.startswith("${aws_security_group.network_endpoint-sg")


def test_endpoint_sg_admits_only_https_from_the_vpc_and_has_no_egress(synth: Synth) -> None:
    sg = synth.find("aws_security_group", "endpoint-sg")
    assert sg["name"] == "payment-processing-vpc-endpoints-use1-test"
    assert "egress" not in sg
    assert "ingress" not in sg
    rule = synth.only("aws_vpc_security_group_ingress_rule")
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    assert rule["cidr_ipv4"] == "10.0.0.0/16"
    assert rule["description"]
    egress = synth.resources("aws_vpc_security_group_egress_rule").values()
    assert not [r for r in egress if "endpoint-sg" in r["security_group_id"]]


def test_application_sg_allows_only_what_the_lambdas_call(synth: Synth) -> None:
    sg = synth.find("aws_security_group", "app-sg")
    assert sg["name"] == "payment-processing-lambda-use1-test"
    assert "egress" not in sg
    assert "ingress" not in sg
    assert not [
        r
        for r in synth.resources("aws_vpc_security_group_ingress_rule").values()
        if "app-sg" in r["security_group_id"]
    ]
    rules = synth.resources("aws_vpc_security_group_egress_rule").values()
    assert all("app-sg" in r["security_group_id"] for r in rules)
    to_cidrs = sorted(
        (r["from_port"], r["to_port"], r["cidr_ipv4"]) for r in rules if "cidr_ipv4" in r
    )
    assert to_cidrs == [(443, 443, "10.0.0.0/16"), (5432, 5432, "10.0.0.0/16")]
    to_prefix_lists = sorted(r["prefix_list_id"] for r in rules if "prefix_list_id" in r)
    assert len(to_prefix_lists) == 2
    assert "gw-dynamodb" in to_prefix_lists[0]
    assert "gw-s3" in to_prefix_lists[1]
    assert all(r["from_port"] == 443 for r in rules if "prefix_list_id" in r)


def test_default_security_group_is_locked_down(synth: Synth) -> None:
    default = synth.only("aws_default_security_group")
    assert "ingress" not in default
    assert "egress" not in default


def test_flow_logs_go_to_an_encrypted_log_group_with_retention(synth: Synth) -> None:
    group = synth.only("aws_cloudwatch_log_group")
    assert group["name"] == "/aws/vpc/payment-processing-vpc-flow-logs-use1-test"
    assert group["kms_key_id"] == KEY
    assert group["retention_in_days"] == 365
    flow = synth.only("aws_flow_log")
    assert flow["traffic_type"] == "ALL"
    assert flow["log_destination_type"] == "cloud-watch-logs"
    assert "aws_cloudwatch_log_group" in flow["log_destination"]
    assert flow["max_aggregation_interval"] == 60


def test_flow_log_role_is_scoped(synth: Synth) -> None:
    role = synth.only("aws_iam_role")
    assert role["name"] == "payment-processing-vpc-flow-logs-use1-test"
    assume = synth.policy_document(role["assume_role_policy"])["statement"][0]
    assert assume["principals"][0]["identifiers"] == ["vpc-flow-logs.amazonaws.com"]
    assert assume["condition"][0]["variable"] == "aws:SourceAccount"
    policy = synth.only("aws_iam_role_policy")
    statement = synth.policy_document(policy["policy"])["statement"][0]
    assert "*" not in json.dumps(statement["actions"])
    assert all("aws_cloudwatch_log_group" in r for r in statement["resources"])


def test_default_az_ids_follow_the_region() -> None:
    assert props(region="us-east-2", availability_zone_ids=()).az_ids == (
        "use2-az1",
        "use2-az2",
        "use2-az3",
    )


def test_subnet_split() -> None:
    assert private_subnet_cidrs("10.1.0.0/16", 3) == ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/20"]
    assert private_subnet_cidrs("10.2.0.0/24", 2) == ["10.2.0.0/28", "10.2.0.16/28"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"cidr": "10.0.0.1/16"}, "cidr"),
        ({"cidr": "10.0.0.0/8"}, "cidr prefix length"),
        ({"cidr": "10.0.0.0/26"}, "cidr prefix length"),
        ({"availability_zone_ids": ("use1-az1",)}, "availability_zone_ids"),
        (
            {"availability_zone_ids": ("use1-az1", "use1-az2", "use1-az3", "use1-az4")},
            "availability_zone_ids",
        ),
        ({"availability_zone_ids": ("use1-az1", "use1-az1")}, "availability_zone_ids"),
        ({"availability_zone_ids": ("use2-az1", "use2-az2")}, "availability_zone_ids"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"flow_log_aggregation_seconds": 30}, "flow_log_aggregation_seconds"),
        ({"interface_endpoints": ("ec2",)}, "interface_endpoints"),
        ({"interface_endpoints": ("ssm", "ssm")}, "interface_endpoints"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
    ],
)
def test_bad_props_are_refused_before_anything_is_built(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as error:
        props(**overrides).validate()
    assert error.value.field == field
