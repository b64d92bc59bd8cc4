"""The drill's client: one thread sending payments to the active region, with retries.

Each payment has its own idempotency key and is retried (same key, short backoff) until the
API answers 201 or the run ends. The :class:`Router` is the client's view of DNS: which
region it sends to; its gate lets a planned switchover pause writes between requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from payment_service.api import PaymentService
from tests.drill.regions import Region, create_payment


class Router:
    """The region the client writes to, and a gate to pause writes."""

    def __init__(self, region: Region) -> None:
        self._region = region
        self._lock = threading.Lock()
        self.gate = threading.Lock()
        """Held by the client during each request; hold it to pause writes."""

    @property
    def region(self) -> Region:
        with self._lock:
            return self._region

    def route_to(self, region: Region) -> None:
        with self._lock:
            self._region = region


@dataclass(frozen=True)
class Ack:
    """A 201 the client received."""

    key: str
    payment_id: str
    region: str
    at: float
    """``time.perf_counter()`` when the answer arrived."""


@dataclass
class Client:
    """Sends payments until stopped, ``max_payments`` are acknowledged, or ``deadline``."""

    router: Router
    prefix: str
    max_payments: int
    deadline: float
    retry_delay: float = 0.02
    acks: list[Ack] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    """Non-201 answers by status and error code (retried)."""
    in_doubt: list[str] = field(default_factory=list)
    """Keys still unacknowledged when the client stopped."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _services: dict[str, PaymentService] = field(default_factory=dict)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drill-client", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def first_ack_in(self, region: str, after: float) -> Ack | None:
        return next((a for a in self.acks if a.region == region and a.at >= after), None)

    def wait_for_ack_in(self, region: str, after: float, timeout: float) -> Ack:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            ack = self.first_ack_in(region, after)
            if ack is not None:
                return ack
            time.sleep(0.005)
        raise TimeoutError(f"no payment accepted in {region} within {timeout:.0f}s")

    def _service(self, region: Region) -> PaymentService:
        if region.name not in self._services:
            self._services[region.name] = region.service()
        return self._services[region.name]

    def _run(self) -> None:
        for number in range(self.max_payments):
            key = f"{self.prefix}-{number:06d}"
            while True:
                if self._stop.is_set() or time.perf_counter() > self.deadline:
                    self.in_doubt.append(key)
                    return
                with self.router.gate:
                    region = self.router.region
                    if region.api_broken.is_set():
                        response: Mapping[str, object] = {
                            "statusCode": 502,
                            "body": '{"message": "Internal server error"}',
                        }
                    else:
                        response = create_payment(self._service(region), key)
                    answered = time.perf_counter()
                status = response["statusCode"]
                body = response["body"]
                if status == 201 and isinstance(body, str):
                    payment = json.loads(body)
                    self.acks.append(Ack(key, str(payment["id"]), region.name, answered))
                    break
                error = json.loads(body).get("error") if isinstance(body, str) else None
                code = error["code"] if isinstance(error, dict) else "gateway"
                self.failures[f"{status} {code}"] += 1
                time.sleep(self.retry_delay)
