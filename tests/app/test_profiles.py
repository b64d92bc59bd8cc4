"""The two data-protection profiles, asserted on the synthesized JSON of both stacks.

``synthesized_app`` is the default (dev/test) profile, ``production_app`` a production
environment (``production = true``): the same stack class, different protection."""

from __future__ import annotations

from typing import Any

import pytest

from payment_dr_core import RegionRole
from tests.conftest import PRODUCTION_ALERT_EMAIL, PRODUCTION_ALERT_URL, SynthesizedApp

PRIMARY, SECONDARY = RegionRole.PRIMARY, RegionRole.SECONDARY
ROLES = [PRIMARY, SECONDARY]


def of_kind(app: SynthesizedApp, role: RegionRole, kind: str) -> list[dict[str, Any]]:
    return list(app.stack(role).get("resource", {}).get(kind, {}).values())


@pytest.mark.parametrize("role", ROLES)
def test_default_profile_is_fully_destroyable(
    synthesized_app: SynthesizedApp, role: RegionRole
) -> None:
    (cluster,) = of_kind(synthesized_app, role, "aws_rds_cluster")
    assert cluster["deletion_protection"] is False
    assert cluster["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in cluster
    assert cluster["delete_automated_backups"] is True
    assert cluster["backup_retention_period"] == 7
    assert len(of_kind(synthesized_app, role, "aws_rds_cluster_instance")) == 1
    buckets = of_kind(synthesized_app, role, "aws_s3_bucket")
    assert len(buckets) == 2
    assert all(bucket["force_destroy"] is True for bucket in buckets)


def test_default_profile_global_cluster_and_secret(synthesized_app: SynthesizedApp) -> None:
    (global_cluster,) = of_kind(synthesized_app, PRIMARY, "aws_rds_global_cluster")
    assert global_cluster["deletion_protection"] is False
    assert global_cluster["force_destroy"] is True
    secrets = of_kind(synthesized_app, PRIMARY, "aws_secretsmanager_secret")
    assert sorted(secret["name"] for secret in secrets) == [
        "payment-processing-api-client-keys-ci7",
        "payment-processing-aurora-master-ci7",
        "payment-processing-payment-id-key-ci7",
    ]
    assert [secret["recovery_window_in_days"] for secret in secrets] == [0, 0, 0]


@pytest.mark.parametrize(
    ("role", "snapshot"),
    [
        (PRIMARY, "acme-pay-aurora-final-use1-prod-payments-16"),
        (SECONDARY, "acme-pay-aurora-final-use2-prod-payments-16"),
    ],
)
def test_production_clusters_are_protected_with_a_final_snapshot(
    production_app: SynthesizedApp, role: RegionRole, snapshot: str
) -> None:
    (cluster,) = of_kind(production_app, role, "aws_rds_cluster")
    assert cluster["deletion_protection"] is True
    assert cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == snapshot
    assert cluster["delete_automated_backups"] is False
    assert cluster["backup_retention_period"] == 14


@pytest.mark.parametrize("role", ROLES)
def test_production_buckets_are_not_force_destroyed(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    buckets = {b["bucket"]: b for b in of_kind(production_app, role, "aws_s3_bucket")}
    code = "use1" if role is PRIMARY else "use2"
    assert sorted(buckets) == [
        f"acme-pay-access-logs-{code}-prod-payments-16",
        f"acme-pay-data-{code}-prod-payments-16",
    ]
    assert all(bucket["force_destroy"] is False for bucket in buckets.values())


def test_production_global_cluster_and_secret(production_app: SynthesizedApp) -> None:
    (global_cluster,) = of_kind(production_app, PRIMARY, "aws_rds_global_cluster")
    assert global_cluster["deletion_protection"] is True
    assert global_cluster["force_destroy"] is False
    secrets = of_kind(production_app, PRIMARY, "aws_secretsmanager_secret")
    assert len(secrets) == 3  # the master secret, the API client keys, the payment id key
    assert [secret["recovery_window_in_days"] for secret in secrets] == [30, 30, 30]


@pytest.mark.parametrize("role", ROLES)
def test_production_has_a_writer_and_a_reader_in_another_az(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    instances = of_kind(production_app, role, "aws_rds_cluster_instance")
    code = "use1" if role is PRIMARY else "use2"
    assert sorted(i["identifier"] for i in instances) == [
        f"acme-pay-aurora-instance-2-{code}-prod-payments-16",
        f"acme-pay-aurora-instance-{code}-prod-payments-16",
    ]
    (reader,) = [i for i in instances if "instance-2" in i["identifier"]]
    assert reader["availability_zone"].startswith("${element(tolist(setsubtract([")
    assert reader["promotion_tier"] == 1


def test_global_db_rpo_only_where_configured_and_only_in_the_primary_region(
    synthesized_app: SynthesizedApp, production_app: SynthesizedApp
) -> None:
    def parameters(app: SynthesizedApp, role: RegionRole) -> dict[str, str]:
        (group,) = of_kind(app, role, "aws_rds_cluster_parameter_group")
        return {p["name"]: p["value"] for p in group["parameter"]}

    assert parameters(production_app, PRIMARY)["rds.global_db_rpo"] == "120"
    assert "rds.global_db_rpo" not in parameters(production_app, SECONDARY)
    for role in ROLES:
        assert "rds.global_db_rpo" not in parameters(synthesized_app, role)


@pytest.mark.parametrize("role", ROLES)
def test_production_pages_a_person_in_every_region(
    production_app: SynthesizedApp, role: RegionRole
) -> None:
    (topic_name,) = production_app.stack(role)["resource"]["aws_sns_topic"]
    topic_arn = f"${{aws_sns_topic.{topic_name}.arn}}"
    human = sorted(
        (s["protocol"], s["endpoint"])
        for s in of_kind(production_app, role, "aws_sns_topic_subscription")
        if s["topic_arn"] == topic_arn
    )
    assert human == [("email", PRODUCTION_ALERT_EMAIL), ("https", PRODUCTION_ALERT_URL)]


@pytest.mark.parametrize("role", ROLES)
def test_default_profile_pages_no_one(synthesized_app: SynthesizedApp, role: RegionRole) -> None:
    subscriptions = of_kind(synthesized_app, role, "aws_sns_topic_subscription")
    protocols = {s["protocol"] for s in subscriptions}
    assert protocols <= {"lambda"}


@pytest.mark.parametrize(
    ("role", "identifier"),
    [
        (PRIMARY, "payment-processing-aurora-use1-ci7"),
        (SECONDARY, "payment-processing-aurora-use2-ci7"),
    ],
)
def test_each_region_alarms_on_its_own_clusters_lag(
    synthesized_app: SynthesizedApp, role: RegionRole, identifier: str
) -> None:
    """us-east-1 is watched too: its cluster reports lag once a role swap makes it secondary."""
    clusters = synthesized_app.stack(role)["resource"]["aws_rds_cluster"]
    ((name, body),) = clusters.items()
    assert body["cluster_identifier"] == identifier
    cluster = f"${{aws_rds_cluster.{name}.cluster_identifier}}"
    alarms = {
        a["metric_name"]: a
        for a in of_kind(synthesized_app, role, "aws_cloudwatch_metric_alarm")
        if a["namespace"] == "AWS/RDS"
    }
    assert sorted(alarms) == ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"]
    for alarm in alarms.values():
        assert alarm["dimensions"] == {"DBClusterIdentifier": cluster}
        assert alarm["treat_missing_data"] == "notBreaching"
        assert alarm["threshold"] == 60_000
        assert alarm["provider"] == "aws"  # the stack's default provider: its own region


def test_synth_report_says_no_one_will_be_paged_without_an_endpoint(
    synthesized_app: SynthesizedApp,
) -> None:
    from dr_app.synth_report import render, summarize

    summaries = summarize(synthesized_app.outdir)
    assert [s.pagers for s in summaries] == [(), ()]
    text = render(synthesized_app.outdir, summaries)
    for name in ("payment-dr-ci7-primary", "payment-dr-ci7-secondary"):
        assert (
            f"WARNING: no one will be paged: the alert topic of {name} has no e-mail or HTTPS "
            "subscriber" in text
        )


def test_synth_report_lists_who_is_paged_in_production(production_app: SynthesizedApp) -> None:
    from dr_app.synth_report import render, summarize

    summaries = summarize(production_app.outdir)
    expected = (f"email:{PRODUCTION_ALERT_EMAIL}", f"https:{PRODUCTION_ALERT_URL}")
    assert [s.pagers for s in summaries] == [expected, expected]
    text = render(production_app.outdir, summaries)
    assert "no one will be paged" not in text
    assert text.count("; production: data protected)") == 2
    assert text.count(f"alerts page: email:{PRODUCTION_ALERT_EMAIL}, https:") == 2
