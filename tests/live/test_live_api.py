"""The API of a deployed environment answers in both regions, and DNS points at the primary.

Needs network access to the API and, for the DNS check, ``apigateway:GET`` on the custom
domain in the primary region.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.live.client import build_request, send
from tests.live.outputs import Deployment

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("deployment")]


def resolve(name: str, attempts: int = 3) -> frozenset[str]:
    """Addresses of ``name`` from the system resolver, merged over a few lookups (regional
    API Gateway names answer with a rotating subset of their addresses)."""
    found: set[str] = set()
    for _ in range(attempts):
        for *_, sockaddr in socket.getaddrinfo(name, 443, proto=socket.IPPROTO_TCP):
            found.add(str(sockaddr[0]))
    return frozenset(found)


def test_primary_health_is_the_writer(deployment: Deployment) -> None:
    primary = deployment.primary
    response = send(build_request("GET", primary.api_url("health")))
    assert response.status == 200, response.describe()
    body = response.json()
    assert body["role"] == "writer", body
    assert body["region"] == primary.region
    assert body["can_serve_payments"] is True


def test_secondary_health_answers_with_its_role(deployment: Deployment) -> None:
    """The standby answers 503 (role standby) by design; after a failover it is the writer."""
    secondary = deployment.secondary
    response = send(build_request("GET", secondary.api_url("health")))
    assert response.status in (200, 503), response.describe()
    body = response.json()
    assert body["role"] in ("standby", "writer"), body
    assert body["region"] == secondary.region
    assert body["can_serve_payments"] is (response.status == 200)
    if response.status == 503:
        assert "retry-after" in response.headers


def test_api_domain_resolves_to_the_primary_regional_endpoint(
    deployment: Deployment, aws: Any
) -> None:
    apigateway = aws.client("apigateway", region_name=deployment.primary.region)
    domain = apigateway.get_domain_name(domainName=deployment.api_domain_name)
    regional_name = domain["regionalDomainName"]
    assert deployment.primary.region in regional_name

    domain_addresses = resolve(deployment.api_domain_name)
    regional_addresses = resolve(regional_name)

    assert domain_addresses, f"{deployment.api_domain_name} resolved to nothing"
    assert domain_addresses & regional_addresses, (
        f"{deployment.api_domain_name} -> {sorted(domain_addresses)}; primary regional "
        f"endpoint {regional_name} -> {sorted(regional_addresses)}"
    )
