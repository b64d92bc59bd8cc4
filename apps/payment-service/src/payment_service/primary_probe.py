"""Vantage-point probe: ``GET`` the primary region's direct ``/health`` and publish the result.

Lambda handler ``payment_service.primary_probe.handler``, run every minute by an EventBridge
schedule in the secondary region and in a third region (``probe_region``). It needs no AWS
permission beyond writing its own logs: the result is one log line in CloudWatch embedded
metric format, from which CloudWatch Logs extracts the metrics in the function's own region
(Amazon CloudWatch User Guide, "Embedding metrics within logs": CloudWatch automatically
extracts the custom metrics from log events in that format). The alarm on ``NoResponse``
lives in the same region, so the failover orchestrator reads it there, never in us-east-1.

Metrics (namespace :data:`NAMESPACE`, dimensions ``Environment`` and ``ProbeRegion``):

* ``NoResponse``: 1 when the primary gave no HTTP answer at all (timeout, refused, DNS, TLS,
  or no answer within the probe's wall-clock bound), else 0. This is what a whole-region
  outage looks like from outside it;
* ``Healthy``: 1 for HTTP 200, else 0;
* ``ResponseTimeMs``: how long the probe took, answer or not.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TextIO

from payment_service.errors import ConfigError
from payment_service.orchestrator.probes import Probe, ProbeResult, https_probe

NAMESPACE = "PaymentDR/PrimaryProbe"
"""CloudWatch namespace of the probe metrics (the alarm in packages/compute uses the same)."""

_SUFFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class ProbeSettings:
    """What the probe reads from its environment."""

    url: str
    """PROBE_URL: ``https://`` URL of the primary's direct ``/health``."""
    region: str
    """AWS_REGION: where the probe runs (the ``ProbeRegion`` dimension)."""
    environment_suffix: str
    """ENVIRONMENT_SUFFIX: the ``Environment`` dimension."""
    timeout_seconds: float = 5.0
    """PROBE_TIMEOUT_SECONDS: 0.5 to 10; also the probe's wall-clock bound (plus 1 s)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ProbeSettings:
        """Read and validate every variable; the message names the variable and the value."""
        url = env.get("PROBE_URL", "").strip()
        if not url.startswith("https://") or len(url) <= len("https://"):
            raise ConfigError(f"PROBE_URL={url!r} is invalid; expected an https:// URL")
        region = env.get("AWS_REGION", "").strip()
        if not region:
            raise ConfigError("AWS_REGION is not set; expected an AWS region such as us-west-2")
        suffix = env.get("ENVIRONMENT_SUFFIX", "").strip()
        if not suffix or not set(suffix) <= _SUFFIX_CHARS:
            raise ConfigError(
                f"ENVIRONMENT_SUFFIX={suffix!r} is invalid; expected lowercase letters, "
                "digits and hyphens"
            )
        raw = env.get("PROBE_TIMEOUT_SECONDS", "").strip() or "5"
        try:
            timeout = float(raw)
        except ValueError:
            raise ConfigError(f"PROBE_TIMEOUT_SECONDS={raw!r} is not a number; 0.5..10") from None
        if not 0.5 <= timeout <= 10:
            raise ConfigError(f"PROBE_TIMEOUT_SECONDS={raw} is out of range; expected 0.5..10")
        return cls(url=url, region=region, environment_suffix=suffix, timeout_seconds=timeout)


def bounded_probe(probe: Probe, url: str, timeout_seconds: float) -> ProbeResult:
    """``probe(url, timeout)``, given up after ``timeout + 1`` s of wall clock.

    A socket timeout bounds each read, not the whole answer: a server that trickles bytes, or
    a resolver that hangs, could hold the probe longer. The thread is not joined.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
    future = pool.submit(probe, url, timeout_seconds)
    pool.shutdown(wait=False)
    try:
        return future.result(timeout=timeout_seconds + 1.0)
    except FutureTimeout:
        return ProbeResult(None, error=f"no answer within {timeout_seconds + 1.0:g}s")
    except Exception as exc:  # a probe implementation that raises is a failed probe
        return ProbeResult(None, error=type(exc).__name__)


def emf_record(
    settings: ProbeSettings, result: ProbeResult, elapsed_ms: float, timestamp_ms: int
) -> dict[str, object]:
    """The embedded-metric-format log record of one probe."""
    return {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Environment", "ProbeRegion"]],
                    "Metrics": [
                        {"Name": "NoResponse", "Unit": "Count"},
                        {"Name": "Healthy", "Unit": "Count"},
                        {"Name": "ResponseTimeMs", "Unit": "Milliseconds"},
                    ],
                }
            ],
        },
        "Environment": settings.environment_suffix,
        "ProbeRegion": settings.region,
        "NoResponse": 1 if result.status is None else 0,
        "Healthy": 1 if result.status == 200 else 0,
        "ResponseTimeMs": round(elapsed_ms, 1),
        "url": settings.url,
        "status": result.status,
        "error": result.error,
    }


def run_probe(
    settings: ProbeSettings,
    *,
    probe: Probe = https_probe,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    out: TextIO | None = None,
) -> dict[str, object]:
    """Probe once, print the record (one line, as EMF requires) and return it."""
    started = clock()
    result = bounded_probe(probe, settings.url, settings.timeout_seconds)
    record = emf_record(settings, result, (clock() - started) * 1000.0, int(wall_clock() * 1000))
    stream = out if out is not None else sys.stdout
    stream.write(json.dumps(record, separators=(",", ":")) + "\n")
    stream.flush()
    return record


_settings: ProbeSettings | None = None


def handler(event: Mapping[str, object], context: object) -> dict[str, object]:
    """Lambda entry point: one probe per invocation."""
    global _settings
    if _settings is None:
        _settings = ProbeSettings.from_env(os.environ)
    record = run_probe(_settings)
    return {key: record[key] for key in ("NoResponse", "Healthy", "status", "error")}
