"""HostedZone looked up and created, synthesized once."""

from __future__ import annotations

import pytest
from cdktf import TerraformOutput, TerraformStack

from payment_dr_core.testing import Synth, synth_stack
from payment_dr_edge import HostedZone, HostedZoneProps


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        found = HostedZone(stack, "found", HostedZoneProps(zone_name="example.com"))
        created = HostedZone(
            stack, "created", HostedZoneProps(zone_name="dr.example.org", create_zone=True)
        )
        assert found.lookup is not None
        assert found.zone is None
        assert not found.created
        assert created.zone is not None
        assert created.lookup is None
        assert created.created
        for name, zone in (("found", found), ("created", created)):
            TerraformOutput(stack, f"{name}-id", value=zone.zone_id)
            TerraformOutput(stack, f"{name}-ns", value=zone.name_servers)

    return synth_stack(build)


def test_lookup_reads_the_public_zone_by_name(synth: Synth) -> None:
    lookups = synth.data("aws_route53_zone")
    assert len(lookups) == 1
    (name, lookup) = next(iter(lookups.items()))
    assert name.startswith("found_lookup_")
    assert lookup["name"] == "example.com"
    assert lookup["private_zone"] is False
    assert synth.doc["output"]["found-id"]["value"] == f"${{data.aws_route53_zone.{name}.zone_id}}"
    assert synth.doc["output"]["found-ns"]["value"].endswith(".name_servers}")


def test_created_zone_is_destroyable(synth: Synth) -> None:
    zone = synth.only("aws_route53_zone")
    assert zone["name"] == "dr.example.org"
    assert zone["force_destroy"] is True
    assert "vpc" not in zone  # public
    value = synth.doc["output"]["created-id"]["value"]
    assert value.startswith("${aws_route53_zone.created_zone_")
    assert value.endswith(".zone_id}")
