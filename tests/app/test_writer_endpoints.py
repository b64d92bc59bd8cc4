"""Which database endpoint every function uses (issue: a secondary cluster's own writer
endpoint does not resolve until promotion, so nothing in us-east-2 may depend on it)."""

from __future__ import annotations

import json
import re
from typing import Any

from payment_dr_core import RegionRole
from tests.conftest import APP_SUFFIX, SynthesizedApp

PRIMARY, SECONDARY = RegionRole.PRIMARY, RegionRole.SECONDARY
CLUSTER_ENDPOINT_REFERENCE = re.compile(r"aws_rds_cluster\.[A-Za-z0-9_-]+\.endpoint\b")
GLOBAL_ENDPOINT_OUTPUT = (
    "${data.terraform_remote_state.cross-stack-reference-input-payment-dr-ci7-primary.outputs."
    "cross-stack-output-aws_rds_global_clusteraurora_global-cluster_8288691Dendpoint}"
)


def _functions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["function_name"]: f for f in doc["resource"]["aws_lambda_function"].values()}


def test_no_secondary_function_uses_the_secondary_clusters_own_writer_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    functions = _functions(synthesized_app.stack(SECONDARY))
    assert len(functions) == 6  # api, authorizer, migrate, orchestrator, two probes
    for name, function in functions.items():
        text = json.dumps(function)
        assert CLUSTER_ENDPOINT_REFERENCE.search(text) is None, name
        assert ".cluster_endpoint" not in text, name


def test_the_pattern_finds_a_cluster_endpoint_reference() -> None:
    # The check above is only as good as its pattern: it must match the reference the
    # secondary stack used before (the cluster's own endpoint attribute).
    assert CLUSTER_ENDPOINT_REFERENCE.search(
        '"${aws_rds_cluster.aurora_cluster_059EF40F.endpoint}"'
    )
    assert not CLUSTER_ENDPOINT_REFERENCE.search(
        '"${aws_rds_cluster.aurora_cluster_059EF40F.reader_endpoint}"'
    )


def test_both_regions_write_through_the_global_writer_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = _functions(synthesized_app.stack(PRIMARY))
    secondary = _functions(synthesized_app.stack(SECONDARY))
    for component in ("payment-api", "payment-migrate"):
        use1 = primary[f"payment-processing-{component}-use1-{APP_SUFFIX}"]
        use2 = secondary[f"payment-processing-{component}-use2-{APP_SUFFIX}"]
        assert use1["environment"]["variables"]["DB_HOST"] == (
            "${aws_rds_global_cluster.aurora_global-cluster_8288691D.endpoint}"
        )
        assert use2["environment"]["variables"]["DB_HOST"] == GLOBAL_ENDPOINT_OUTPUT


def test_each_api_fences_on_its_own_cluster_and_checks_readiness_on_its_reader(
    synthesized_app: SynthesizedApp,
) -> None:
    for role, code in ((PRIMARY, "use1"), (SECONDARY, "use2")):
        variables = _functions(synthesized_app.stack(role))[
            f"payment-processing-payment-api-{code}-{APP_SUFFIX}"
        ]["environment"]["variables"]
        assert variables["DB_CLUSTER_ID"] == (
            "${aws_rds_cluster.aurora_cluster_059EF40F.cluster_identifier}"
        )
        assert variables["DB_READER_HOST"] == (
            "${aws_rds_cluster.aurora_cluster_059EF40F.reader_endpoint}"
        )


def test_the_orchestrator_is_told_its_own_timeout(synthesized_app: SynthesizedApp) -> None:
    orchestrator = _functions(synthesized_app.stack(SECONDARY))[
        f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}"
    ]
    assert orchestrator["timeout"] == 30
    assert orchestrator["environment"]["variables"]["FUNCTION_TIMEOUT_SECONDS"] == "30"
