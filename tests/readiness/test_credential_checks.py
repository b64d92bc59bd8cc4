"""The client-key secret's replication and version, and the API certificates' validity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from payment_service.readiness.checks.credentials import certificates, client_keys_secret
from payment_service.readiness.model import Outcome
from tests.readiness.support import (
    CERT_USE1,
    CERT_USE2,
    DOMAIN,
    NOW,
    PRIMARY,
    REPLICA,
    SECONDARY,
    SECRET,
    SECRET_NAME,
    Stubs,
    client_error,
    run_check,
)

V1 = "a1b2c3d4-0000-4000-8000-000000000001"
V2 = "a1b2c3d4-0000-4000-8000-000000000002"


def described(
    arn: str,
    *,
    current: str | None = V2,
    replication: dict[str, str] | None = None,
    primary_region: str = PRIMARY,
) -> dict[str, Any]:
    """DescribeSecret: metadata, VersionIdsToStages and (in the primary) ReplicationStatus."""
    stages: dict[str, list[str]] = {V1: ["AWSPREVIOUS"]}
    if current is not None:
        stages[current] = ["AWSCURRENT"]
    response: dict[str, Any] = {
        "ARN": arn,
        "Name": SECRET_NAME,
        "VersionIdsToStages": stages,
        "PrimaryRegion": primary_region,
    }
    if replication is not None:
        response["ReplicationStatus"] = [
            {
                "Region": SECONDARY,
                "KmsKeyId": "arn:aws:kms:us-east-2:111111111111:key/k2",
                **replication,
            }
        ]
    return response


def stub_secrets(
    stubs: Stubs, primary: dict[str, Any] | None, replica: dict[str, Any] | None
) -> None:
    for region, arn, response in ((PRIMARY, SECRET, primary), (SECONDARY, REPLICA, replica)):
        stub = stubs.stub("secretsmanager", region)
        if response is None:
            client_error(stub, "describe_secret", "InternalServiceError", 500)
        else:
            stub.add_response("describe_secret", response, {"SecretId": arn})


def test_secret_passes_in_sync_with_the_same_current_version() -> None:
    stubs = Stubs()
    stub_secrets(stubs, described(SECRET, replication={"Status": "InSync"}), described(REPLICA))
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.PASS, result.reason
    assert result.reason == f"InSync; AWSCURRENT {V2} in both regions"
    stubs.assert_no_pending()


def test_secret_fails_when_the_replica_lags_a_version() -> None:
    stubs = Stubs()
    stub_secrets(
        stubs, described(SECRET, replication={"Status": "InSync"}), described(REPLICA, current=V1)
    )
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.FAIL
    assert f"AWSCURRENT is {V2} in us-east-1 but {V1} in us-east-2" in result.reason


def test_secret_fails_when_replication_failed_or_is_missing() -> None:
    stubs = Stubs()
    failed = {"Status": "Failed", "StatusMessage": "KMS key is disabled"}
    stub_secrets(stubs, described(SECRET, replication=failed), described(REPLICA))
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.FAIL
    assert "replication to us-east-2: Failed (KMS key is disabled)" in result.reason
    stubs = Stubs()
    stub_secrets(stubs, described(SECRET), described(REPLICA))
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.FAIL
    assert "has no replica in us-east-2" in result.reason


def test_secret_fails_before_any_value_is_written() -> None:
    stubs = Stubs()
    stub_secrets(
        stubs,
        described(SECRET, current=None, replication={"Status": "InSync"}),
        described(REPLICA, current=None),
    )
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.FAIL
    assert "the replica in us-east-2 has no AWSCURRENT version" in result.reason


def test_secret_unknown_without_the_primary_but_a_bare_replica_still_fails() -> None:
    stubs = Stubs()
    stub_secrets(stubs, None, described(REPLICA))
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.UNKNOWN
    assert result.reason == "DescribeSecret in us-east-1: InternalServiceError"
    stubs = Stubs()
    stub_secrets(stubs, None, described(REPLICA, current=None))
    assert run_check(stubs, client_keys_secret).outcome is Outcome.FAIL


def certificate(arn: str, *, days: float, status: str = "ISSUED") -> dict[str, Any]:
    """DescribeCertificate of a DNS-validated certificate."""
    return {
        "Certificate": {
            "CertificateArn": arn,
            "DomainName": DOMAIN,
            "Status": status,
            "Type": "AMAZON_ISSUED",
            "NotBefore": NOW - timedelta(days=300),
            "NotAfter": NOW + timedelta(days=days),
            "RenewalEligibility": "ELIGIBLE",
        }
    }


def stub_certificates(stubs: Stubs, use1: dict[str, Any], use2: dict[str, Any]) -> None:
    for region, arn, response in ((PRIMARY, CERT_USE1, use1), (SECONDARY, CERT_USE2, use2)):
        stubs.stub("acm", region).add_response(
            "describe_certificate", response, {"CertificateArn": arn}
        )


def test_certificates_pass_with_more_than_30_days_left() -> None:
    stubs = Stubs()
    stub_certificates(stubs, certificate(CERT_USE1, days=200), certificate(CERT_USE2, days=31))
    result = run_check(stubs, certificates)
    assert result.outcome is Outcome.PASS, result.reason
    assert (
        result.reason == f"{DOMAIN} (us-east-1): 200 days left; {DOMAIN} (us-east-2): 31 days left"
    )
    stubs.assert_no_pending()


def test_certificates_fail_within_30_days_or_when_not_issued() -> None:
    stubs = Stubs()
    stub_certificates(stubs, certificate(CERT_USE1, days=200), certificate(CERT_USE2, days=29))
    result = run_check(stubs, certificates)
    assert result.outcome is Outcome.FAIL
    expiry = (NOW + timedelta(days=29)).astimezone(UTC).date().isoformat()
    assert f"{DOMAIN} (us-east-2): expires in 29 days ({expiry}), within 30" in result.reason
    stubs = Stubs()
    stub_certificates(
        stubs,
        certificate(CERT_USE1, days=200, status="VALIDATION_TIMED_OUT"),
        certificate(CERT_USE2, days=200),
    )
    result = run_check(stubs, certificates)
    assert result.outcome is Outcome.FAIL
    assert "VALIDATION_TIMED_OUT (expected ISSUED)" in result.reason


def test_certificates_unknown_when_a_region_does_not_answer() -> None:
    stubs = Stubs()
    client_error(stubs.stub("acm", PRIMARY), "describe_certificate", "ThrottlingException")
    stubs.stub("acm", SECONDARY).add_response(
        "describe_certificate", certificate(CERT_USE2, days=90)
    )
    result = run_check(stubs, certificates)
    assert result.outcome is Outcome.UNKNOWN
    assert "ThrottlingException" in result.reason
    assert datetime.now(UTC) > NOW  # the fixed clock, not the wall clock, decides


def test_a_missing_replica_or_certificate_fails() -> None:
    stubs = Stubs()
    stubs.stub("secretsmanager", PRIMARY).add_response(
        "describe_secret", described(SECRET, replication={"Status": "InSync"})
    )
    client_error(
        stubs.stub("secretsmanager", SECONDARY), "describe_secret", "ResourceNotFoundException"
    )
    result = run_check(stubs, client_keys_secret)
    assert result.outcome is Outcome.FAIL
    assert f"no secret {SECRET_NAME}-AbCdEf in us-east-2" in result.reason
    stubs = Stubs()
    client_error(stubs.stub("acm", PRIMARY), "describe_certificate", "ResourceNotFoundException")
    stubs.stub("acm", SECONDARY).add_response(
        "describe_certificate", certificate(CERT_USE2, days=90)
    )
    result = run_check(stubs, certificates)
    assert result.outcome is Outcome.FAIL
    assert "(us-east-1) is gone" in result.reason
