"""Writes in the primary region are readable in the secondary region.

Needs ``execute-api:Invoke`` on both APIs; ``s3:PutObject``, ``s3:GetObject``,
``s3:DeleteObjectVersion`` and ``s3:ListBucket`` (so a missing replica answers 404, not 403)
on both data buckets and ``kms:GenerateDataKey``/``kms:Decrypt`` on their keys; and
``dynamodb:PutItem``/``GetItem``/``DeleteItem`` on the sessions table.
Timeouts: ``PAYMENT_DR_LIVE_REPLICATION_TIMEOUT`` (seconds, default 60) for payments and
DynamoDB, ``PAYMENT_DR_LIVE_S3_TIMEOUT`` (default 900, the S3 RTC window) for objects.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.live.client import HttpResponse, build_request, send
from tests.live.outputs import Deployment
from tests.live.polling import poll_until, seconds_from_env

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("deployment")]

REPLICATION_TIMEOUT_ENV = "PAYMENT_DR_LIVE_REPLICATION_TIMEOUT"
S3_TIMEOUT_ENV = "PAYMENT_DR_LIVE_S3_TIMEOUT"
S3_RTC_SECONDS = 900.0


def replication_timeout() -> float:
    return seconds_from_env(os.environ, REPLICATION_TIMEOUT_ENV, 60.0)


def _missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in ("404", "NoSuchKey", "NotFound")


def test_payment_written_in_the_primary_is_read_in_the_secondary(
    deployment: Deployment, client_key: str
) -> None:
    primary, secondary = deployment.primary, deployment.secondary
    marker = uuid.uuid4().hex[:12]
    payload = {
        "amount": "1.00",
        "currency": "USD",
        "merchant_reference": f"livetest-{marker}",
        "customer_reference": "livetest",
    }
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"livetest-{marker}"}

    def post() -> HttpResponse:
        request = build_request(
            "POST",
            primary.api_url("payments"),
            body=body,
            headers=headers,
            client_key=client_key,
        )
        return send(request)

    created = post()
    assert created.status == 201, created.describe()
    payment = created.json()
    assert payment["region"] == primary.region
    replay = post()
    assert replay.status == 201, replay.describe()
    assert replay.json()["id"] == payment["id"]
    assert replay.headers.get("idempotent-replayed") == "true"

    def read_in_secondary() -> HttpResponse | None:
        request = build_request(
            "GET",
            secondary.api_url(f"payments/{payment['id']}"),
            client_key=client_key,
        )
        response = send(request)
        if response.status == 404:
            return None
        assert response.status == 200, response.describe()
        return response

    found = poll_until(
        read_in_secondary,
        timeout=replication_timeout(),
        interval=2.0,
        what=f"payment {payment['id']} in {secondary.region}",
    ).json()
    for key in ("id", "amount", "currency", "merchant_reference", "created_at"):
        assert found[key] == payment[key], key


def test_object_replicates_within_the_rtc_window(deployment: Deployment, aws: Any) -> None:
    primary, secondary = deployment.primary, deployment.secondary
    source = aws.client("s3", region_name=primary.region)
    destination = aws.client("s3", region_name=secondary.region)
    key = f"livetest/{uuid.uuid4()}.txt"
    put = source.put_object(Bucket=primary.data_bucket_name, Key=key, Body=b"payment-dr live test")
    assert put["ServerSideEncryption"] == "aws:kms"  # the bucket's SSE-KMS default applied
    replica_version: str | None = None
    try:

        def replica() -> dict[str, Any] | None:
            try:
                head: dict[str, Any] = destination.head_object(
                    Bucket=secondary.data_bucket_name, Key=key
                )
            except Exception as error:
                if _missing(error):
                    return None
                raise
            return head

        timeout = seconds_from_env(os.environ, S3_TIMEOUT_ENV, S3_RTC_SECONDS)
        head = poll_until(
            replica,
            timeout=timeout,
            interval=min(10.0, timeout / 10),
            what=f"s3://{secondary.data_bucket_name}/{key}",
        )
        replica_version = head.get("VersionId")
        assert head["ReplicationStatus"] == "REPLICA"
        assert head["VersionId"] == put["VersionId"]  # replication keeps version ids
        assert head["ServerSideEncryption"] == "aws:kms"
        assert f":{secondary.region}:" in head["SSEKMSKeyId"]  # re-encrypted with its key
    finally:
        source.delete_object(Bucket=primary.data_bucket_name, Key=key, VersionId=put["VersionId"])
        if replica_version is not None:
            destination.delete_object(
                Bucket=secondary.data_bucket_name, Key=key, VersionId=replica_version
            )


def test_session_item_replicates(deployment: Deployment, aws: Any) -> None:
    primary, secondary = deployment.primary, deployment.secondary
    source = aws.client("dynamodb", region_name=primary.region)
    replica = aws.client("dynamodb", region_name=secondary.region)
    key = {"pk": {"S": f"LIVETEST#{uuid.uuid4()}"}, "sk": {"S": "0"}}
    written_at = datetime.now(UTC).isoformat()
    item = {
        **key,
        "expires_at": {"N": str(int(time.time()) + 3600)},
        "written_at": {"S": written_at},
    }
    source.put_item(TableName=primary.session_table_name, Item=item)
    try:

        def read() -> dict[str, Any] | None:
            found: dict[str, Any] | None = replica.get_item(
                TableName=secondary.session_table_name, Key=key
            ).get("Item")
            return found

        replicated = poll_until(
            read,
            timeout=replication_timeout(),
            interval=1.0,
            what=f"item {key['pk']['S']} in {secondary.region}",
        )
        assert replicated["written_at"] == {"S": written_at}
        assert replicated["expires_at"] == item["expires_at"]
    finally:
        source.delete_item(TableName=primary.session_table_name, Key=key)
