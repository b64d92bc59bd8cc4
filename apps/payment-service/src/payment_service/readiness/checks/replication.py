"""Checks of the replicated data stores outside Aurora: the DynamoDB replica and S3."""

from __future__ import annotations

from payment_service.readiness.checks._fields import code_of, field, mappings, text
from payment_service.readiness.checks._metrics import datapoints
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import Finding, combine, failed, passed

DYNAMODB_WINDOW_SECONDS = 900.0
S3_WINDOW_SECONDS = 900.0
NOT_CONFIGURED = frozenset({"ReplicationConfigurationNotFoundError", "NoSuchBucket"})
"""``GetBucketReplication`` errors that say the rule cannot exist (S3 API Reference, "List of
replication-related error codes")."""


def dynamodb_replica(ctx: CheckContext) -> Finding:
    """This region's replica of the session table is ``ACTIVE`` and replicated with the
    primary region's, and replication into this region is within its threshold.

    Source: DynamoDB API Reference, ``DescribeTable`` in this region: ``Table.TableStatus``
    and ``Table.Replicas[]`` (``RegionName``, ``ReplicaStatus``: ``ACTIVE`` when usable); and
    CloudWatch ``AWS/DynamoDB`` ``ReplicationLatency`` (milliseconds), dimensions
    ``TableName`` and ``ReceivingRegion`` = this region, published in the region items are
    replicated from (the primary region), ``Average`` per 5 minutes over the last 15. The
    metric exists only while items replicate: no datapoint is no finding either way.
    """
    settings = ctx.settings

    def replica() -> Finding:
        where = f"{settings.session_table_name} in {settings.region}"
        try:
            response = ctx.clients.dynamodb(settings.region).describe_table(
                TableName=settings.session_table_name
            )
        except Exception as exc:
            if code_of(exc) == "ResourceNotFoundException":
                return failed(f"{where}: no such table")
            raise
        table = field(response, "Table")
        status = text(table, "TableStatus")
        replicas = {
            text(entry, "RegionName"): text(entry, "ReplicaStatus")
            for entry in mappings(table, "Replicas")
        }
        if status != "ACTIVE":
            return failed(f"{where}: TableStatus {status} (expected ACTIVE)")
        peer = replicas.get(settings.primary_region)
        if peer is None:
            return failed(f"{where}: no replica in {settings.primary_region} (not a global table)")
        inactive = {r: s for r, s in replicas.items() if s != "ACTIVE"}
        if inactive:
            listed = ", ".join(f"{r} {s}" for r, s in sorted(inactive.items(), key=str))
            return failed(f"{where}: replicas not ACTIVE: {listed}")
        return passed(f"{where}: ACTIVE, replica in {settings.primary_region} ACTIVE")

    def latency() -> Finding:
        points = datapoints(
            ctx.clients.cloudwatch(settings.primary_region),
            namespace="AWS/DynamoDB",
            metric="ReplicationLatency",
            dimensions={
                "TableName": settings.session_table_name,
                "ReceivingRegion": settings.region,
            },
            now=ctx.now,
            window_seconds=DYNAMODB_WINDOW_SECONDS,
            period=300,
            statistic="Average",
        )
        where = f"ReplicationLatency {settings.primary_region} -> {settings.region}"
        if not points:
            return passed(f"{where}: no datapoint in 15 minutes (no items replicated)")
        seconds = points[-1].value / 1000.0
        limit = settings.dynamodb_latency_max_seconds
        if seconds > limit:
            return failed(f"{where}: {seconds:g} s average, above {limit:g} s")
        return passed(f"{where}: {seconds:g} s average (threshold {limit:g} s)")

    return combine(ctx.parts({"DescribeTable": replica, "ReplicationLatency": latency}))


def s3_replication(ctx: CheckContext) -> Finding:
    """The data bucket's replication rule is enabled with Replication Time Control and
    metrics, and its RTC metrics show replication within the threshold.

    Source: S3 API Reference, ``GetBucketReplication`` on the source bucket, in its region:
    ``ReplicationConfiguration.Rules[]`` with ``ID`` = the rule, ``Status`` ``Enabled``,
    ``Destination.Bucket`` (the destination bucket's ARN), ``Destination.ReplicationTime.Status``
    ``Enabled`` and ``Destination.Metrics.Status`` ``Enabled``; and CloudWatch ``AWS/S3``
    ``ReplicationLatency`` (seconds, ``Maximum``) and ``OperationsPendingReplication``,
    dimensions ``SourceBucket``, ``DestinationBucket``, ``RuleId``, published in the
    destination bucket's region (S3 User Guide, "Using S3 Replication metrics") over the last
    15 minutes. The metrics are best-effort: no datapoint is no finding either way.
    """
    settings = ctx.settings

    def rule() -> Finding:
        where = f"rule {settings.replication_rule_id} of {settings.source_bucket}"
        try:
            response = ctx.clients.s3(settings.primary_region).get_bucket_replication(
                Bucket=settings.source_bucket
            )
        except Exception as exc:
            if code_of(exc) in NOT_CONFIGURED:
                return failed(f"{where}: {code_of(exc)}")
            raise
        rules = mappings(field(response, "ReplicationConfiguration"), "Rules")
        found = next((r for r in rules if text(r, "ID") == settings.replication_rule_id), None)
        if found is None:
            return failed(f"{where}: not in the replication configuration")
        destination = field(found, "Destination")
        problems = []
        if text(found, "Status") != "Enabled":
            problems.append(f"Status {text(found, 'Status')}")
        bucket = text(destination, "Bucket")
        if bucket != f"arn:aws:s3:::{settings.destination_bucket}":
            problems.append(f"Destination.Bucket {bucket}")
        rtc = text(field(destination, "ReplicationTime"), "Status")
        if rtc != "Enabled":
            problems.append(f"ReplicationTime {rtc or 'absent'}")
        metrics = text(field(destination, "Metrics"), "Status")
        if metrics != "Enabled":
            problems.append(f"Metrics {metrics or 'absent'}")
        if problems:
            return failed(f"{where}: " + ", ".join(problems))
        return passed(f"{where}: Enabled with RTC and metrics, to {settings.destination_bucket}")

    def progress() -> Finding:
        client = ctx.clients.cloudwatch(settings.region)
        dimensions = {
            "SourceBucket": settings.source_bucket,
            "DestinationBucket": settings.destination_bucket,
            "RuleId": settings.replication_rule_id,
        }
        latency, pending = (
            datapoints(
                client,
                namespace="AWS/S3",
                metric=metric,
                dimensions=dimensions,
                now=ctx.now,
                window_seconds=S3_WINDOW_SECONDS,
                period=60,
                statistic="Maximum",
            )
            for metric in ("ReplicationLatency", "OperationsPendingReplication")
        )
        backlog = f", {pending[-1].value:g} operations pending" if pending else ""
        if not latency:
            return passed(f"RTC metrics in {settings.region}: no latency datapoint{backlog}")
        seconds, limit = latency[-1].value, settings.s3_latency_max_seconds
        if seconds > limit:
            return failed(f"ReplicationLatency {seconds:g} s, above {limit:g} s{backlog}")
        return passed(f"ReplicationLatency {seconds:g} s (threshold {limit:g} s){backlog}")

    return combine(ctx.parts({"GetBucketReplication": rule, "RTC metrics": progress}))
