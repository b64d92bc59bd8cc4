"""A fake RDS API holding one Aurora global cluster whose writer a test moves, for the write
fence's tests (DescribeGlobalClusters as the RDS API Reference shows it)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from payment_service.writer import GlobalWriterStatus, WriteFence

ACCOUNT = "123456789012"
GLOBAL_ID = "payment-processing-aurora-global-ci7"
USE1_ID = "payment-processing-aurora-use1-ci7"
USE2_ID = "payment-processing-aurora-use2-ci7"
USE1_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:{USE1_ID}"
USE2_ARN = f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:{USE2_ID}"
USE2_HOST = f"{USE2_ID}.cluster-c8xyzabcd.us-east-2.rds.amazonaws.com"
CLUSTERS = {"us-east-1": USE1_ID, "us-east-2": USE2_ID}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttled() -> ClientError:
    return ClientError(
        {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeGlobalClusters"
    )


class FakeRds:
    """DescribeGlobalClusters of one global cluster whose writer the test moves. The answer
    is the state when the call reached RDS; ``gate`` holds the answer back (a hung call)."""

    def __init__(self, writer: str | None = USE1_ARN) -> None:
        self.writer = writer
        self.members = [USE1_ARN, USE2_ARN]
        self.asked: list[str] = []
        self.failures: list[Exception] = []
        self.gate: threading.Event | None = None
        self.endpoint: str | None = None
        """``GlobalCluster.Endpoint`` (the global writer endpoint), when set."""

    def describe_global_clusters(self, *, GlobalClusterIdentifier: str) -> Mapping[str, object]:  # noqa: N803
        self.asked.append(GlobalClusterIdentifier)
        writer, members = self.writer, list(self.members)
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.failures:
            raise self.failures.pop(0)
        cluster: dict[str, object] = {
            "GlobalClusterIdentifier": GLOBAL_ID,
            "Status": "available",
            "GlobalClusterMembers": [
                {"DBClusterArn": arn, "IsWriter": arn == writer} for arn in members
            ],
        }
        if self.endpoint is not None:
            cluster["Endpoint"] = self.endpoint
        return {"GlobalClusters": [cluster]}


def fence_in(region: str, rds: FakeRds, clock: Clock, host: str = USE2_HOST) -> WriteFence:
    """The fence of ``region``'s API: its own cluster, ``host`` its cluster endpoint."""
    cluster = CLUSTERS[region]
    return WriteFence(
        region, cluster, host, GlobalWriterStatus(rds, GLOBAL_ID, region, cluster, clock=clock)
    )
