from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from payment_dr_core import RegionRole, standard_tags
from tests.conftest import APP_SUFFIX, SynthesizedApp

PRIMARY, SECONDARY = RegionRole.PRIMARY, RegionRole.SECONDARY
NAME_KEYS = ("name", "identifier", "cluster_identifier", "bucket", "function_name", "table_name")
# Names that live inside a parent resource (one REST API), not in an account namespace.
PARENT_SCOPED_KINDS = {
    "aws_api_gateway_authorizer",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
}


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")
    else:
        yield path, node


def resources(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind, items in doc.get("resource", {}).items():
        for name, body in items.items():
            yield kind, name, body


def test_two_stacks_named_by_suffix_and_role(synthesized_app: SynthesizedApp) -> None:
    assert set(synthesized_app.stacks) == {"payment-dr-ci7-primary", "payment-dr-ci7-secondary"}


@pytest.mark.parametrize(("role", "region"), [(PRIMARY, "us-east-1"), (SECONDARY, "us-east-2")])
def test_default_provider_region(
    synthesized_app: SynthesizedApp, role: RegionRole, region: str
) -> None:
    providers = synthesized_app.stack(role)["provider"]["aws"]
    default = [p for p in providers if "alias" not in p]
    assert len(default) == 1
    assert default[0]["region"] == region


def test_secondary_has_an_aliased_primary_region_provider(synthesized_app: SynthesizedApp) -> None:
    aliased = [p for p in synthesized_app.stack(SECONDARY)["provider"]["aws"] if "alias" in p]
    assert [(p["alias"], p["region"]) for p in aliased] == [
        ("primary_region", "us-east-1"),
        ("probe_region", "us-west-2"),
    ]


def test_primary_uses_its_secondary_region_provider_only_for_the_secondary_key(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = synthesized_app.stack(PRIMARY)
    aliases = [p for p in primary["provider"]["aws"] if "alias" in p]
    assert [(p["alias"], p["region"]) for p in aliases] == [("secondary_region", "us-east-2")]
    users = [
        f"{kind}.{name}"
        for kind, name, body in resources(primary)
        if body.get("provider") == "aws.secondary_region"
    ]
    assert sorted(users) == sorted([u for u in users if ".secondary-region-key_" in u])
    assert {u.split(".")[0] for u in users} == {"aws_kms_key", "aws_kms_alias"}


@pytest.mark.parametrize("role", [PRIMARY, SECONDARY])
def test_every_provider_carries_the_standard_tags(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    expected = standard_tags(synthesized_app.config, role)
    for provider in synthesized_app.stack(role)["provider"]["aws"]:
        assert provider["default_tags"] == [{"tags": expected}]


def test_backends_are_s3_unique_encrypted_locked_and_outside_the_primary_region(
    synthesized_app: SynthesizedApp,
) -> None:
    keys = set()
    for role in (PRIMARY, SECONDARY):
        backend = synthesized_app.stack(role)["terraform"]["backend"]
        assert list(backend) == ["s3"]
        s3 = backend["s3"]
        assert s3["bucket"] == f"payment-processing-tfstate-{APP_SUFFIX}"
        assert s3["key"] == f"payment-dr/{APP_SUFFIX}/payment-dr-{APP_SUFFIX}-{role.value}.tfstate"
        assert s3["encrypt"] is True
        assert s3["use_lockfile"] is True
        assert s3["region"] != "us-east-1"
        assert "dynamodb_table" not in s3
        keys.add(s3["key"])
    assert len(keys) == 2


def test_cross_stack_references_resolve_to_outputs_of_the_primary(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = synthesized_app.stack(PRIMARY)
    secondary = synthesized_app.stack(SECONDARY)
    remote = secondary["data"]["terraform_remote_state"]
    assert len(remote) == 1
    ((state_name, state),) = remote.items()
    assert state["backend"] == "s3"
    for key in ("bucket", "key", "region"):
        assert state["config"][key] == primary["terraform"]["backend"]["s3"][key]

    referenced = set()
    for _, value in walk({"resource": secondary["resource"], "data": secondary["data"]}):
        if isinstance(value, str):
            referenced.update(
                re.findall(
                    rf"data\.terraform_remote_state\.{re.escape(state_name)}\.outputs\.([\w-]+)",
                    value,
                )
            )
    outputs = {k: v for k, v in primary["output"].items() if k.startswith("cross-stack-output-")}
    assert referenced, "the secondary stack should read values from the primary"
    assert referenced <= set(outputs)
    assert referenced == set(outputs), "every cross-stack output is used"
    for name in referenced:
        assert outputs[name]["value"].startswith(("${aws_", "${data.aws_"))


def test_secondary_depends_on_primary(synthesized_app: SynthesizedApp) -> None:
    manifest = json.loads((synthesized_app.outdir / "manifest.json").read_text())
    stacks = manifest["stacks"]
    assert stacks["payment-dr-ci7-secondary"]["dependencies"] == ["payment-dr-ci7-primary"]
    assert stacks["payment-dr-ci7-primary"]["dependencies"] == []


def test_peering_glue_lives_in_the_secondary_stack_with_the_right_providers(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = synthesized_app.stack(PRIMARY)
    secondary = synthesized_app.stack(SECONDARY)
    assert "aws_vpc_peering_connection" not in primary["resource"]
    (connection,) = secondary["resource"]["aws_vpc_peering_connection"].values()
    assert connection["provider"] == "aws.primary_region"
    assert connection["peer_region"] == "us-east-2"
    assert "data.terraform_remote_state" in connection["vpc_id"]
    assert connection["peer_vpc_id"].startswith("${aws_vpc.")
    (accepter,) = secondary["resource"]["aws_vpc_peering_connection_accepter"].values()
    assert accepter.get("provider", "aws") == "aws"
    assert accepter["auto_accept"] is True
    routes = secondary["resource"]["aws_route"].values()
    to_secondary = [r for r in routes if r["destination_cidr_block"] == "10.1.0.0/16"]
    to_primary = [r for r in routes if r["destination_cidr_block"] == "10.0.0.0/16"]
    assert len(to_secondary) == 3
    assert len(to_primary) == 3
    assert all(r["provider"] == "aws.primary_region" for r in to_secondary)
    assert all("terraform_remote_state" in r["route_table_id"] for r in to_secondary)
    assert all(r.get("provider", "aws") == "aws" for r in to_primary)
    options = secondary["resource"]["aws_vpc_peering_connection_options"].values()
    assert sorted(o.get("provider", "aws") for o in options) == ["aws", "aws.primary_region"]


def test_no_unresolved_tokens(synthesized_app: SynthesizedApp) -> None:
    for name, doc in synthesized_app.stacks.items():
        text = json.dumps(doc)
        assert "TfToken" not in text, name
        assert "${Token[" not in text, name
        assert "#{" not in text, name


def test_every_physical_name_carries_project_and_suffix(synthesized_app: SynthesizedApp) -> None:
    checked = 0
    for doc in synthesized_app.stacks.values():
        for kind, logical, body in resources(doc):
            if kind in PARENT_SCOPED_KINDS:
                continue
            candidates = [body[k] for k in NAME_KEYS if isinstance(body.get(k), str)]
            tag_name = body.get("tags", {}).get("Name")
            if tag_name:
                candidates.append(tag_name)
            for name in candidates:
                # references, and the execution log group whose name API Gateway dictates
                if name.startswith(("${", "API-Gateway-Execution-Logs_")):
                    continue
                if name.endswith(synthesized_app.config.hosted_zone_name):
                    # DNS names follow the configured domain, which carries the suffix
                    assert name == synthesized_app.config.api_domain_name, (kind, logical)
                    continue
                checked += 1
                assert "payment-processing-" in name, (kind, logical, name)
                assert re.search(rf"-{APP_SUFFIX}(\b|$|-\d+$)", name), (kind, logical, name)
    assert checked > 20


def test_vpcs_use_the_configured_cidrs(synthesized_app: SynthesizedApp) -> None:
    for role, cidr in ((PRIMARY, "10.0.0.0/16"), (SECONDARY, "10.1.0.0/16")):
        (vpc,) = synthesized_app.stack(role)["resource"]["aws_vpc"].values()
        assert vpc["cidr_block"] == cidr


def test_every_log_group_is_encrypted_with_its_own_stacks_key(
    synthesized_app: SynthesizedApp,
) -> None:
    for doc in synthesized_app.stacks.values():
        for group in doc["resource"]["aws_cloudwatch_log_group"].values():
            # the primary's own key, or the secondary-region key the primary stack created,
            # or (the probe in the probe region) the key the secondary stack creates there
            if group.get("provider") == "aws.probe_region":
                assert group["kms_key_id"].startswith("${aws_kms_key.probe-region-key_")
                continue
            assert group["kms_key_id"].startswith(("${aws_kms_key.key_", "${data.terraform_remote"))
            if group["kms_key_id"].startswith("${data."):
                assert "secondary-region-key" in group["kms_key_id"]
            assert group["retention_in_days"] >= 365


def remote(value: str) -> bool:
    return value.startswith("${data.terraform_remote_state.")


def test_secondary_region_resources_use_the_secondary_key(synthesized_app: SynthesizedApp) -> None:
    primary = synthesized_app.stack(PRIMARY)
    secrets = primary["resource"]["aws_secretsmanager_secret"].values()
    assert len(secrets) == 3  # the master secret, the API client keys, the payment id key
    keys = primary["resource"]["aws_kms_key"]
    (secondary_region_key,) = [name for name in keys if name.startswith("secondary-region-key")]
    (own_key,) = [name for name in keys if name != secondary_region_key]
    for secret in secrets:
        assert secret["replica"] == [
            {"kms_key_id": f"${{aws_kms_key.{secondary_region_key}.arn}}", "region": "us-east-2"}
        ]
        assert secret["kms_key_id"] == f"${{aws_kms_key.{own_key}.arn}}"
    secondary = synthesized_app.stack(SECONDARY)
    # the secondary stack creates one key: in the probe region, for the probe there
    (probe_key,) = secondary["resource"]["aws_kms_key"].values()
    assert probe_key["provider"] == "aws.probe_region"
    secondary_key = next(
        o for name, o in primary["output"].items() if "secondary-region-key" in name
    )
    assert secondary_key["value"].startswith("${aws_kms_key.secondary-region-key")
    for kind, name, body in resources(secondary):
        for field in ("kms_key_id", "kms_key_arn"):
            if field in body and body.get("provider", "aws") == "aws":
                assert remote(body[field]), (kind, name)
                assert "secondary-region-key" in body[field], (kind, name)


def test_secondary_cluster_joins_the_global_cluster_without_credentials(
    synthesized_app: SynthesizedApp,
) -> None:
    (cluster,) = synthesized_app.stack(SECONDARY)["resource"]["aws_rds_cluster"].values()
    assert remote(cluster["global_cluster_identifier"])
    for field in ("master_username", "master_password", "master_password_wo", "database_name"):
        assert field not in cluster
    assert {"replication_source_identifier", "global_cluster_identifier"} <= set(
        cluster["lifecycle"]["ignore_changes"]
    )
    (primary_cluster,) = synthesized_app.stack(PRIMARY)["resource"]["aws_rds_cluster"].values()
    assert primary_cluster["engine_version"] == cluster["engine_version"]
    assert primary_cluster["master_username"]
    assert "master_password" not in primary_cluster


def test_dynamodb_replica_and_s3_replication_live_in_the_secondary(
    synthesized_app: SynthesizedApp,
) -> None:
    primary = synthesized_app.stack(PRIMARY)
    secondary = synthesized_app.stack(SECONDARY)
    (table,) = primary["resource"]["aws_dynamodb_table"].values()
    assert "replica" not in table
    (replica,) = secondary["resource"]["aws_dynamodb_table_replica"].values()
    assert remote(replica["global_table_arn"])
    assert "aws_s3_bucket_replication_configuration" not in primary["resource"]
    (replication,) = secondary["resource"]["aws_s3_bucket_replication_configuration"].values()
    assert replication["provider"] == "aws.primary_region"
    assert remote(replication["bucket"])
    (rule,) = replication["rule"]
    assert rule["destination"]["replication_time"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert rule["destination"]["bucket"].startswith("${aws_s3_bucket.bucket_")


def test_each_regions_functions_use_that_regions_database_secret_and_table(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        doc = synthesized_app.stack(role)
        region_code = "use1" if role is PRIMARY else "use2"
        functions = {f["function_name"]: f for f in doc["resource"]["aws_lambda_function"].values()}
        api = functions[f"payment-processing-payment-api-{region_code}-{APP_SUFFIX}"]
        variables = api["environment"]["variables"]
        # This region's own cluster endpoint, behind the write fence (payment_service.writer).
        assert variables["DB_HOST"] == "${aws_rds_cluster.aurora_cluster_059EF40F.endpoint}"
        # The API is the application role (IAM auth), never the master user.
        assert variables["DB_IAM_USER"] == "payment_app"
        assert "DB_SECRET_ARN" not in variables
        migrate = functions[f"payment-processing-payment-migrate-{region_code}-{APP_SUFFIX}"]
        master = migrate["environment"]["variables"]["DB_SECRET_ARN"]
        if role is PRIMARY:
            assert master.startswith("${aws_secretsmanager_secret.aurora_master-secret_")
            assert variables["SESSION_TABLE_NAME"].startswith("${aws_dynamodb_table.")
        else:
            assert ":us-east-2:" in master
            assert "aws_dynamodb_table_replica" in variables["SESSION_TABLE_NAME"]
        policy = next(
            p
            for name, p in doc["resource"]["aws_iam_role_policy"].items()
            if name.startswith("functions_api_role-policy")
        )
        document = next(
            d
            for name, d in doc["data"]["aws_iam_policy_document"].items()
            if name.startswith("functions_api_policy") and name in policy["policy"]
        )
        (connect,) = [s for s in document["statement"] if s["sid"] == "ConnectAsApplicationRole"]
        (resource,) = connect["resources"]
        assert resource.startswith(f"arn:aws:rds-db:{doc['provider']['aws'][0]['region']}:")
        assert resource.endswith(".cluster_resource_id}/payment_app")
        assert "${aws_rds_cluster.aurora_cluster_" in resource
        assert api["vpc_config"]["security_group_ids"][0].startswith(
            "${aws_security_group.network_app-sg"
        )


def test_synth_report_counts_resources_and_reports_bundle_sizes(
    synthesized_app: SynthesizedApp,
) -> None:
    from dr_app.synth_report import render, summarize

    summaries = {s.name: s for s in summarize(synthesized_app.outdir)}
    assert set(summaries) == set(synthesized_app.stacks)
    for name, summary in summaries.items():
        doc = synthesized_app.stacks[name]
        assert summary.resource_count == sum(len(v) for v in doc["resource"].values())
        bundles = [a for a in summary.assets if a[0].endswith("payment-service.zip")]
        # api + authorizer + migrate in both regions, plus the orchestrator, the readiness
        # evaluator and the probes of us-east-2 and of the probe region in the secondary
        assert len(bundles) == (7 if name.endswith("-secondary") else 3)
        assert all(size > 100 * 1024 for _, size in bundles)
    text = render(synthesized_app.outdir, list(summaries.values()), verbose=True)
    assert "payment-service.zip" in text
    assert f"Synthesized 2 stacks into {synthesized_app.outdir}" in text


def test_synth_report_is_short_and_says_what_to_run_next(synthesized_app: SynthesizedApp) -> None:
    from dr_app.synth_report import render, summarize

    summaries = summarize(synthesized_app.outdir)
    lines = render(synthesized_app.outdir, summaries, suffix="ci7").splitlines()
    primary, secondary = (s.resource_count for s in summaries)
    assert lines[1] == "  payment-dr-ci7-primary (us-east-1, us-east-2; dev/test: destroyable)"
    assert lines[2].startswith(f"    {primary} resources, ")
    assert lines[3] == (
        "    API: https://api-ci7.payments.example.com, https://api-use1-ci7.payments.example.com"
    )
    assert lines[4] == (
        "    state: s3://payment-processing-tfstate-ci7/payment-dr/ci7/"
        "payment-dr-ci7-primary.tfstate (us-west-2)"
    )
    assert lines[7].startswith(f"    {secondary} resources, ")
    assert lines[-1] == (
        "next: ENVIRONMENT_SUFFIX=ci7 make validate (offline), ENVIRONMENT_SUFFIX=ci7 make plan "
        "(AWS credentials), or payment-dr preflight; --verbose lists every resource type "
        "(docs/deployment.md)"
    )
    assert len(lines) == 12
    assert not any("aws_vpc" in line for line in lines)
    verbose = render(synthesized_app.outdir, summaries, verbose=True)
    assert "      1  aws_vpc" in verbose


def test_each_region_alerts_on_its_own_topic_encrypted_with_its_own_key(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        doc = synthesized_app.stack(role)
        (topic,) = doc["resource"]["aws_sns_topic"].values()
        region_code = "use1" if role is PRIMARY else "use2"
        assert topic["name"] == f"payment-processing-alerts-{region_code}-{APP_SUFFIX}"
        if role is PRIMARY:
            assert topic["kms_master_key_id"].startswith("${aws_kms_key.key_")
        else:
            assert "secondary-region-key" in topic["kms_master_key_id"]
        alarms = doc["resource"]["aws_cloudwatch_metric_alarm"].values()
        local = [a for a in alarms if a.get("provider", "aws") == "aws"]
        assert local
        own_topic = "${aws_sns_topic.alerts_topic_" + topic_id(doc) + ".arn}"
        assert all(a["alarm_actions"] == [own_topic] for a in local)
        # only the Route 53 health alarm sits in us-east-1, on its topic; the probe region's
        # no-response alarm has no action (the orchestrator reads its state)
        elsewhere = sorted(
            (a["provider"], a["metric_name"], tuple(a.get("alarm_actions", ())))
            for a in alarms
            if a.get("provider", "aws") != "aws"
        )
        if role is PRIMARY:
            assert elsewhere == []
        else:
            assert [(p, m) for p, m, _ in elsewhere] == [
                ("aws.primary_region", "HealthCheckStatus"),
                ("aws.probe_region", "NoResponse"),
            ]
            assert elsewhere[1][2] == ()


def topic_id(doc: dict[str, Any]) -> str:
    (name,) = doc["resource"]["aws_sns_topic"]
    return str(name).removeprefix("alerts_topic_")


def test_aurora_lag_alarms_in_both_regions_and_the_dashboard_in_the_secondary(
    synthesized_app: SynthesizedApp,
) -> None:
    def metrics(role: RegionRole) -> set[str]:
        alarms = synthesized_app.stack(role)["resource"]["aws_cloudwatch_metric_alarm"].values()
        return {a["metric_name"] for a in alarms if "metric_name" in a}

    # Each region watches its own cluster: the one that is secondary now publishes the lag.
    assert {"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"} <= metrics(SECONDARY)
    assert {"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"} <= metrics(PRIMARY)
    assert "OperationsFailedReplication" in metrics(PRIMARY)
    assert "ReplicationLatency" in metrics(SECONDARY)
    assert "aws_cloudwatch_dashboard" not in synthesized_app.stack(PRIMARY)["resource"]
    (dashboard,) = synthesized_app.stack(SECONDARY)["resource"]["aws_cloudwatch_dashboard"].values()
    assert dashboard.get("provider", "aws") == "aws"
    assert dashboard["dashboard_body"].startswith("${jsonencode(")
    assert "us-east-1" in dashboard["dashboard_body"]
    assert "us-east-2" in dashboard["dashboard_body"]


def test_regional_apis_with_tls12_domains_and_certificates_in_their_own_region(
    synthesized_app: SynthesizedApp,
) -> None:
    for role in (PRIMARY, SECONDARY):
        doc = synthesized_app.stack(role)["resource"]
        (api,) = doc["aws_api_gateway_rest_api"].values()
        assert api["endpoint_configuration"]["types"] == ["REGIONAL"]
        assert api["disable_execute_api_endpoint"] is True
        code = "use1" if role is PRIMARY else "use2"
        domains = {d["domain_name"]: d for d in doc["aws_api_gateway_domain_name"].values()}
        assert set(domains) == {
            f"api-{APP_SUFFIX}.payments.example.com",
            f"api-{code}-{APP_SUFFIX}.payments.example.com",
        }
        for domain in domains.values():
            assert domain["security_policy"] == "TLS_1_2"
            assert domain["endpoint_configuration"]["types"] == ["REGIONAL"]
        certificates = doc["aws_acm_certificate"].values()
        assert sorted(c["domain_name"] for c in certificates) == sorted(domains)
        for certificate in certificates:
            assert certificate.get("provider", "aws") == "aws"
            assert certificate["validation_method"] == "DNS"
    assert "aws_route53_record" not in synthesized_app.stack(PRIMARY)["resource"] or all(
        "failover_routing_policy" not in r
        for r in synthesized_app.stack(PRIMARY)["resource"]["aws_route53_record"].values()
    )


def test_failover_records_and_health_check_in_the_secondary_stack(
    synthesized_app: SynthesizedApp,
) -> None:
    doc = synthesized_app.stack(SECONDARY)["resource"]
    records = [r for r in doc["aws_route53_record"].values() if "failover_routing_policy" in r]
    by_type = {r["failover_routing_policy"]["type"]: r for r in records}
    assert set(by_type) == {"PRIMARY", "SECONDARY"}
    assert all(r["alias"]["evaluate_target_health"] is True for r in records)
    assert remote(by_type["PRIMARY"]["alias"]["name"])
    assert by_type["PRIMARY"]["health_check_id"].startswith("${aws_route53_health_check.")
    checks = list(doc["aws_route53_health_check"].values())
    primary_check = next(c for c in checks if "api-health-primary" in c["tags"]["Name"])
    # the primary API's direct hostname, through its alias record in the primary stack
    assert remote(primary_check["fqdn"])
    assert "aws_route53_recordapi_direct-record" in primary_check["fqdn"]
    secondary_check = next(c for c in checks if "api-health-secondary" in c["tags"]["Name"])
    assert secondary_check["fqdn"].startswith("${aws_route53_record.api_direct-record_")
    assert {c["resource_path"] for c in checks} == {"/health"}
    assert primary_check["type"] == "HTTPS"
    assert "us-east-2" not in primary_check["regions"]
    alarms = [
        a
        for a in doc["aws_cloudwatch_metric_alarm"].values()
        if a.get("metric_name") == "HealthCheckStatus"
    ]
    (alarm,) = alarms
    assert alarm["provider"] == "aws.primary_region"
    assert alarm["namespace"] == "AWS/Route53"
    assert all(remote(action) for action in alarm["alarm_actions"])


def test_orchestrator_runs_in_the_secondary_outside_the_vpc_with_scoped_promotion_rights(
    synthesized_app: SynthesizedApp,
) -> None:
    from dr_app.cli.names import ResourceNames

    secondary = synthesized_app.stack(SECONDARY)
    doc = secondary["resource"]
    functions = {f["function_name"]: f for f in doc["aws_lambda_function"].values()}
    expected = ResourceNames.for_environment(synthesized_app.config, "us-east-1", "us-east-2")
    orchestrator = functions[expected.orchestrator_function]
    assert "vpc_config" not in orchestrator
    assert orchestrator["handler"] == "payment_service.orchestrator.handler"
    variables = orchestrator["environment"]["variables"]
    assert remote(variables["GLOBAL_CLUSTER_ID"])
    assert variables["SECONDARY_CLUSTER_ARN"].startswith("${aws_rds_cluster.aurora_cluster_")
    # each region probed through its direct hostname (TLS 1.2 custom domain)
    assert (
        variables["PRIMARY_HEALTH_URL"]
        == f"https://api-use1-{APP_SUFFIX}.payments.example.com/health"
    )
    assert variables["SECONDARY_HEALTH_URL"] == (
        f"https://api-use2-{APP_SUFFIX}.payments.example.com/health"
    )
    assert variables["CONSECUTIVE_FAILURES"] == "3"
    (table,) = [t for t in doc["aws_dynamodb_table"].values()]
    assert table["name"] == expected.decision_table
    (switch,) = doc["aws_ssm_parameter"].values()
    assert switch["name"] == expected.switch_parameter
    assert switch["lifecycle"]["ignore_changes"] == ["value"]
    policy = next(p for p in doc["aws_iam_role_policy"].values() if "orchestrator" in p["role"])
    statements = {
        s["sid"]: s
        for s in secondary["data"]["aws_iam_policy_document"][
            policy["policy"].removeprefix("${").split(".")[2]
        ]["statement"]
    }
    promote = statements["PromoteSecondary"]
    # a switchover when the primary's database is healthy, a failover with data loss otherwise
    assert promote["actions"] == ["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"]
    assert len(promote["resources"]) == 3
    assert promote["resources"][0].startswith("arn:aws:rds::")
    text = json.dumps(synthesized_app.stacks)
    assert "RemoveFromGlobalCluster" not in text
    rules = {r["name"]: r for r in doc["aws_cloudwatch_event_rule"].values()}
    assert {name: r["schedule_expression"] for name, r in rules.items()} == {
        f"payment-processing-failover-orchestrator-use2-{APP_SUFFIX}": "rate(1 minute)",
        f"payment-processing-primary-probe-use2-{APP_SUFFIX}": "rate(1 minute)",
        f"payment-processing-primary-probe-usw2-{APP_SUFFIX}": "rate(1 minute)",
        f"payment-processing-readiness-use2-{APP_SUFFIX}": "rate(5 minutes)",
    }


def test_primary_alarms_reach_the_orchestrator_across_regions(
    synthesized_app: SynthesizedApp,
) -> None:
    doc = synthesized_app.stack(SECONDARY)["resource"]
    lambda_subscriptions = [
        s for s in doc["aws_sns_topic_subscription"].values() if s["protocol"] == "lambda"
    ]
    (subscription,) = lambda_subscriptions
    assert subscription["provider"] == "aws.primary_region"
    assert remote(subscription["topic_arn"])
    assert "orchestrator" in subscription["endpoint"]
    permissions = [
        p for p in doc["aws_lambda_permission"].values() if p["principal"] == "sns.amazonaws.com"
    ]
    (permission,) = permissions
    assert permission.get("provider", "aws") == "aws"
    assert permission["source_arn"] == subscription["topic_arn"]


OPERATOR_OUTPUTS = {
    "region",
    "api_invoke_url",
    "api_domain_name",
    "data_bucket_name",
    "session_table_name",
    "aurora_cluster_identifier",
    "payment_function_name",
    "migration_function_name",
    "alert_topic_arn",
}


@pytest.mark.parametrize(("role", "region"), [(PRIMARY, "us-east-1"), (SECONDARY, "us-east-2")])
def test_each_stack_outputs_what_operators_and_live_tests_read(
    synthesized_app: SynthesizedApp, role: RegionRole, region: str
) -> None:
    outputs = synthesized_app.stack(role)["output"]
    named = {k for k in outputs if not k.startswith("cross-stack-output-")}
    assert named == OPERATOR_OUTPUTS
    assert outputs["region"]["value"] == region
    assert outputs["api_domain_name"]["value"] == f"api-{APP_SUFFIX}.payments.example.com"
    # the region's direct hostname: the default execute-api endpoint is disabled
    code = "use1" if region == "us-east-1" else "use2"
    assert (
        outputs["api_invoke_url"]["value"]
        == f"https://api-{code}-{APP_SUFFIX}.payments.example.com"
    )


def test_orchestrator_may_copy_only_the_failover_snapshot_and_never_delete(
    synthesized_app: SynthesizedApp,
) -> None:
    secondary = synthesized_app.stack(SECONDARY)
    doc = secondary["resource"]
    policy = next(p for p in doc["aws_iam_role_policy"].values() if "orchestrator" in p["role"])
    statements = {
        s["sid"]: s
        for s in secondary["data"]["aws_iam_policy_document"][
            policy["policy"].removeprefix("${").split(".")[2]
        ]["statement"]
    }
    cluster = f"payment-processing-aurora-use1-{APP_SUFFIX}"
    copies = f"payment-processing-failover-{APP_SUFFIX}"
    copy = statements["CopyFailoverSnapshot"]
    assert copy["actions"] == ["rds:CopyDBClusterSnapshot"]
    assert [r.split(":cluster-snapshot:")[1] for r in copy["resources"]] == [
        f"rds:unplanned-global-failover-{cluster}-*",
        f"{copies}-*",
    ]
    assert all(r.startswith("arn:aws:rds:us-east-1:") for r in copy["resources"])
    find = statements["FindFailoverSnapshot"]
    assert find["actions"] == ["rds:DescribeDBClusterSnapshots"]
    assert find["resources"][1:] == copy["resources"]
    assert "aws_rds_clusteraurora_cluster_" in find["resources"][0]
    assert find["resources"][0].endswith("arn}")
    kms = statements["UsePrimaryKeyThroughRdsToCopySnapshot"]
    assert kms["actions"] == ["kms:CreateGrant", "kms:DescribeKey"]
    assert kms["condition"][0]["values"] == ["rds.us-east-1.amazonaws.com"]
    actions = [a for s in statements.values() for a in s["actions"]]
    assert not [a for a in actions if "Delete" in a]
    functions = {f["function_name"]: f for f in doc["aws_lambda_function"].values()}
    variables = next(
        f["environment"]["variables"] for n, f in functions.items() if "orchestrator" in n
    )
    assert variables["PRIMARY_CLUSTER_ID"] == cluster
    assert variables["FAILOVER_SNAPSHOT_PREFIX"] == copies


def test_both_stacks_require_a_terraform_with_write_only_arguments(
    synthesized_app: SynthesizedApp, production_app: SynthesizedApp
) -> None:
    # Write-only arguments need Terraform 1.11; ephemeral resources 1.10.
    for app in (synthesized_app, production_app):
        for role in (PRIMARY, SECONDARY):
            terraform = app.stack(role)["terraform"]
            assert terraform["required_version"] == ">= 1.11.0"
            assert "ephemeral" in app.stack(PRIMARY)
