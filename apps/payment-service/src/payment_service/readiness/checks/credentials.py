"""Checks of what clients authenticate with: the client-key secret and the TLS certificates."""

from __future__ import annotations

from collections.abc import Mapping

from payment_service.readiness.checks._fields import code_of, field, mappings, moment, text
from payment_service.readiness.context import CheckContext
from payment_service.readiness.model import (
    Finding,
    Outcome,
    combine,
    failed,
    passed,
    unknown,
)
from payment_service.readiness.settings import arn_region

CURRENT_STAGE = "AWSCURRENT"
DAY_SECONDS = 86400.0


def current_version(description: Mapping[str, object]) -> str | None:
    """The version ID holding the ``AWSCURRENT`` staging label (``VersionIdsToStages``)."""
    stages = field(description, "VersionIdsToStages")
    if not isinstance(stages, Mapping):
        return None
    for version, labels in stages.items():
        if isinstance(labels, list) and CURRENT_STAGE in labels:
            return str(version)
    return None


def client_keys_secret(ctx: CheckContext) -> Finding:
    """The client-key secret is replicated to this region, in sync, with the same current
    version as the primary.

    Source: Secrets Manager API Reference, ``DescribeSecret`` (metadata only, never the
    value): in the primary region, ``ReplicationStatus[]`` (``Region``, ``Status``: ``InSync``,
    ``Failed`` or ``InProgress``, ``StatusMessage``) and ``VersionIdsToStages``; in this
    region, the replica's ``VersionIdsToStages``. The version labelled ``AWSCURRENT`` must be
    the same in both. A replica without a current version fails even when the primary cannot
    be read: the authorizer here denies every request.
    """
    settings = ctx.settings
    primary_region = arn_region(settings.client_keys_secret_arn)
    found: dict[str, Mapping[str, object]] = {}

    def describe(arn: str) -> Finding:
        try:
            found[arn] = ctx.clients.secretsmanager(arn_region(arn)).describe_secret(SecretId=arn)
        except Exception as exc:
            if code_of(exc) == "ResourceNotFoundException":
                return failed(f"no secret {arn.split(':')[-1]} in {arn_region(arn)}")
            raise
        return passed("read")

    reads = ctx.each(
        (settings.client_keys_secret_arn, settings.client_keys_replica_arn),
        describe,
        lambda arn: f"DescribeSecret in {arn_region(arn)}",
    )
    primary = found.get(settings.client_keys_secret_arn)
    replica = found.get(settings.client_keys_replica_arn)
    replica_version = current_version(replica) if replica is not None else None
    if replica is not None and replica_version is None:
        return failed(f"the replica in {settings.region} has no {CURRENT_STAGE} version")
    if primary is None or replica is None:
        return combine([read for read in reads if read.outcome is not Outcome.PASS])
    status = next(
        (s for s in mappings(primary, "ReplicationStatus") if text(s, "Region") == settings.region),
        None,
    )
    if status is None:
        return failed(f"the secret in {primary_region} has no replica in {settings.region}")
    state = text(status, "Status")
    if state != "InSync":
        message = text(status, "StatusMessage")
        return failed(
            f"replication to {settings.region}: {state}" + (f" ({message})" if message else "")
        )
    primary_version = current_version(primary)
    if primary_version is None:
        return failed(f"the secret in {primary_region} has no {CURRENT_STAGE} version yet")
    if primary_version != replica_version:
        return failed(
            f"{CURRENT_STAGE} is {primary_version} in {primary_region} but {replica_version} in "
            f"{settings.region}"
        )
    return passed(f"InSync; {CURRENT_STAGE} {primary_version} in both regions")


def certificates(ctx: CheckContext) -> Finding:
    """Every API certificate of both regions is issued and valid for more than
    ``CERTIFICATE_MIN_DAYS`` (30) days.

    Source: ACM API Reference, ``DescribeCertificate`` in the certificate's region:
    ``Certificate.Status`` (``ISSUED``) and ``Certificate.NotAfter``. ACM renews a DNS-validated
    certificate in use by itself, well before it expires (ACM User Guide, "Managed certificate
    renewal"); one that still expires within 30 days did not renew (its ``RenewalSummary``
    says why).
    """
    settings = ctx.settings

    def describe(arn: str) -> Finding:
        try:
            response = ctx.clients.acm(arn_region(arn)).describe_certificate(CertificateArn=arn)
        except Exception as exc:
            if code_of(exc) == "ResourceNotFoundException":
                return failed(f"certificate {arn.split('/')[-1]} ({arn_region(arn)}) is gone")
            raise
        certificate = field(response, "Certificate")
        name = f"{text(certificate, 'DomainName') or arn.split('/')[-1]} ({arn_region(arn)})"
        status = text(certificate, "Status")
        if status != "ISSUED":
            return failed(f"{name}: {status} (expected ISSUED)")
        expires = moment(certificate, "NotAfter")
        if expires is None:
            return unknown(f"{name}: no NotAfter")
        days = (expires.timestamp() - ctx.now) / DAY_SECONDS
        if days <= settings.certificate_min_days:
            return failed(
                f"{name}: expires in {days:.0f} days ({expires.date().isoformat()}), within "
                f"{settings.certificate_min_days:g}"
            )
        return passed(f"{name}: {days:.0f} days left")

    return combine(
        ctx.each(
            settings.certificate_arns,
            describe,
            lambda arn: f"DescribeCertificate {arn.split('/')[-1]} in {arn_region(arn)}",
        )
    )
