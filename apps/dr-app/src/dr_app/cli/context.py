"""What every command receives: names, regions, clients, streams, clock and outcome codes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TextIO

from dr_app.cli.clients import ClientFactory
from dr_app.cli.dns import Resolver, socket_resolver
from dr_app.cli.names import ResourceNames
from payment_dr_core import EnvironmentConfig
from payment_service.failover import GlobalDatabase, RdsByRegion, explain_error


class Exit(IntEnum):
    """Exit codes of ``payment-dr``."""

    OK = 0
    FAILED = 1
    """An operation failed, timed out, or a budget is over its objective."""
    USAGE = 2
    """Bad arguments, or a confirmation that could not be obtained."""
    REFUSED = 3
    """A precondition is not met (failback before catch-up, drill in production, ...)."""


@dataclass(frozen=True)
class RegionError:
    """A call that failed in one region; reported, never fatal on its own."""

    region: str
    service: str
    error: str

    def to_json(self) -> dict[str, str]:
        """JSON form."""
        return {"region": self.region, "service": self.service, "error": self.error}


@dataclass
class CliContext:
    """Shared by every command of one invocation."""

    names: ResourceNames
    clients: ClientFactory
    out: TextIO
    """Results (text or JSON)."""
    err: TextIO
    """Progress, prompts and warnings."""
    stdin: TextIO
    json_output: bool = False
    interactive: bool = False
    """True when stdin is a terminal (a confirmation can be asked)."""
    progress_tty: bool = False
    """True when ``err`` is a terminal (progress is redrawn in place)."""
    production: bool = False
    """True when the environment is production (drills refused)."""
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], float] = time.time
    config: EnvironmentConfig | None = None
    """The environment's configuration, when loaded (defaults of ``rto-budget``)."""
    resolver: Resolver = socket_resolver
    """Resolves the API's domain name (``status``)."""
    errors: list[RegionError] = field(default_factory=list)

    def record_error(self, region: str, service: str, error: str) -> None:
        """Remember a region's failure for the report."""
        self.errors.append(RegionError(region, service, error))

    @property
    def database(self) -> GlobalDatabase:
        """The failover core's operations on this environment's global cluster."""
        return GlobalDatabase(
            self.clients,
            self.names.global_cluster,
            sleep=self.sleep,
            describe=explain_error,
            on_error=lambda region, error: self.record_error(region, "rds", error),
        )

    def database_in(self, region: str) -> GlobalDatabase:
        """The same operations with the RDS client of ``region`` only: a call needing another
        region fails at once (``NoClientForRegionError``) instead of calling it."""
        return GlobalDatabase(
            RdsByRegion({region: self.clients.rds(region)}),
            self.names.global_cluster,
            sleep=self.sleep,
            describe=explain_error,
            on_error=lambda region, error: self.record_error(region, "rds", error),
        )
