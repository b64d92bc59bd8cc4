"""``payment-dr status`` and ``preflight`` print the global writer endpoint's live DNS chain,
the writer per DescribeGlobalClusters, and whether they agree (one comparison:
``payment_service.writer_sources.compare_writer_sources``)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from dr_app.cli.commands import preflight
from dr_app.cli.commands import status as status_command
from dr_app.cli.context import CliContext
from dr_app.cli.dns import DnsAnswer
from payment_dr_core import EnvironmentConfig
from tests.scenarios.cli_support import WorldClients
from tests.scenarios.conftest import PRIMARY, SECONDARY, World

GLOBAL_ENDPOINT = (
    "payment-processing-aurora-global-scn.global-abcdef123456.global.rds.amazonaws.com"
)


class _WithEndpoint:
    """The world's RDS client, its DescribeGlobalClusters answer carrying ``Endpoint``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def describe_global_clusters(self, **kwargs: Any) -> Mapping[str, object]:
        response = self._inner.describe_global_clusters(**kwargs)
        clusters = [
            dict(cluster, Endpoint=GLOBAL_ENDPOINT) for cluster in response["GlobalClusters"]
        ]
        return {"GlobalClusters": clusters}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ClientsWithEndpoint(WorldClients):
    def rds(self, region: str) -> Any:
        return _WithEndpoint(super().rds(region))


def resolving_to(*chain: str) -> Any:
    def resolve(name: str) -> DnsAnswer:
        assert name == GLOBAL_ENDPOINT
        return DnsAnswer(name, chain[-1], (name, *chain[:-1]), ("10.0.1.17",))

    return resolve


def cluster_endpoint(cluster: str, region: str) -> str:
    return f"{cluster}.cluster-c9akciq32.{region}.rds.amazonaws.com"


def gather(world: World, clients: WorldClients, resolver: Any) -> tuple[dict[str, Any], list[str]]:
    ctx = CliContext(
        names=world.names,
        clients=clients,
        out=io.StringIO(),
        err=io.StringIO(),
        stdin=io.StringIO(),
    )
    document, lines, ok = status_command.gather(ctx, None, resolver, events_timeout=2.0)
    assert ok
    return document, lines


def test_status_shows_a_chain_through_the_writers_cluster_endpoint_agreeing(world: World) -> None:
    writer_host = cluster_endpoint(world.names.primary_cluster, PRIMARY)

    document, lines = gather(world, ClientsWithEndpoint(world.rds), resolving_to(writer_host))

    start = lines.index(
        f"global writer endpoint {GLOBAL_ENDPOINT}: DNS {GLOBAL_ENDPOINT} -> {writer_host}"
    )
    assert lines[start + 1 : start + 4] == [
        f"  writer per DescribeGlobalClusters: {world.names.primary_cluster} in {PRIMARY}",
        "  DNS and DescribeGlobalClusters: agree",
        "failover events (RDS, last 24 h, newest first):",
    ]
    sources = document["writer_sources"]
    assert sources["verdict"] == "agree"
    assert sources["read_from"] == SECONDARY
    assert sources["dns_chain"] == [GLOBAL_ENDPOINT, writer_host]


def test_status_shows_a_disagreement(world: World) -> None:
    other = cluster_endpoint(world.names.secondary_cluster, SECONDARY)

    document, lines = gather(world, ClientsWithEndpoint(world.rds), resolving_to(other))

    assert "  DNS and DescribeGlobalClusters: DISAGREE" in lines
    assert document["writer_sources"]["dns_writer"]["region"] == SECONDARY


def test_status_says_when_the_chain_holds_no_cluster_endpoint(world: World) -> None:
    document, lines = gather(
        world, ClientsWithEndpoint(world.rds), resolving_to("ec2-3-5-7-9.compute-1.amazonaws.com")
    )

    assert "  DNS and DescribeGlobalClusters: the DNS chain holds no cluster endpoint" in lines
    assert document["writer_sources"]["verdict"] == "dns_without_cluster_endpoint"


def test_status_reads_the_writer_from_the_primary_when_the_secondary_api_is_down(
    world: World,
) -> None:
    writer_host = cluster_endpoint(world.names.primary_cluster, PRIMARY)
    world.rds.down_regions.add(SECONDARY)

    document, _lines = gather(
        world, ClientsWithEndpoint(world.rds, down={SECONDARY}), resolving_to(writer_host)
    )

    assert document["writer_sources"]["read_from"] == PRIMARY
    assert document["writer_sources"]["verdict"] == "agree"


def test_status_without_an_endpoint_in_the_answer_is_unknown(world: World) -> None:
    document, lines = gather(world, WorldClients(world.rds), resolving_to("unused"))

    assert document["writer_sources"]["dns_error"] == "DescribeGlobalClusters returned no Endpoint"
    assert "  DNS and DescribeGlobalClusters: unknown" in lines


class _Rds:
    def __init__(self, response: Mapping[str, object] | None) -> None:
        self.response = response

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Mapping[str, object]:  # noqa: N803
        if self.response is None:
            raise ClientError(
                {"Error": {"Code": "GlobalClusterNotFoundFault", "Message": "not found"}},
                "DescribeGlobalClusters",
            )
        return self.response


def _config() -> EnvironmentConfig:
    return EnvironmentConfig(suffix="pf1")


def test_preflight_before_the_first_apply_says_there_is_nothing_to_compare_yet() -> None:
    comparison, lines = preflight.writer_sources(_config(), lambda _service, _region: _Rds(None))

    assert comparison.verdict == "unknown"
    assert lines == [
        "global writer endpoint: the global cluster payment-processing-aurora-global-pf1 does "
        "not exist yet; after the first apply, preflight and status compare its DNS chain "
        "with DescribeGlobalClusters"
    ]


def test_preflight_prints_the_comparison_and_never_fails_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    global_id = "payment-processing-aurora-global-pf1"
    writer = "payment-processing-aurora-use1-pf1"
    response = {
        "GlobalClusters": [
            {
                "GlobalClusterIdentifier": global_id,
                "Status": "available",
                "Endpoint": GLOBAL_ENDPOINT,
                "GlobalClusterMembers": [
                    {
                        "DBClusterArn": f"arn:aws:rds:us-east-1:123456789012:cluster:{writer}",
                        "IsWriter": True,
                    }
                ],
            }
        ]
    }
    asked: list[tuple[str, str]] = []

    def client(service: str, region: str) -> _Rds:
        asked.append((service, region))
        return _Rds(response)

    monkeypatch.setattr(preflight, "run_checks", lambda *_args: [])
    monkeypatch.setattr(preflight, "boto3_client", client)
    monkeypatch.setattr(
        preflight, "dns_alias_chain", lambda name: (name, "ec2-3-5-7-9.compute-1.amazonaws.com")
    )
    out = io.StringIO()
    ctx = CliContext(
        names=None,  # type: ignore[arg-type]
        clients=None,  # type: ignore[arg-type]
        out=out,
        err=io.StringIO(),
        stdin=io.StringIO(),
        config=_config(),
    )

    code = preflight.run(ctx, None)  # type: ignore[arg-type]

    assert code == 0
    assert asked == [("rds", "us-east-2"), ("rds", "us-east-1")]
    assert out.getvalue().splitlines() == [
        f"global writer endpoint {GLOBAL_ENDPOINT}: DNS {GLOBAL_ENDPOINT} -> "
        "ec2-3-5-7-9.compute-1.amazonaws.com",
        f"  writer per DescribeGlobalClusters: {writer} in us-east-1",
        "  DNS and DescribeGlobalClusters: the DNS chain holds no cluster endpoint",
        "0 passed, 0 failed",
    ]
