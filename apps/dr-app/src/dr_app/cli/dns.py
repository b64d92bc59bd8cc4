"""The DNS answer for the API's domain name, from the system resolver."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

_EXECUTE_API = re.compile(r"execute-api\.(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)\.amazonaws\.com")
_ANY_REGION = re.compile(r"(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d)")


@dataclass(frozen=True)
class DnsAnswer:
    """What the resolver returned for the API's domain name."""

    name: str
    canonical: str | None = None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    error: str | None = None

    @property
    def region(self) -> str | None:
        """Region named by the canonical name or an alias (regional API Gateway domains)."""
        for candidate in (self.canonical or "", *self.aliases):
            match = _EXECUTE_API.search(candidate) or _ANY_REGION.search(candidate)
            if match:
                return match["region"]
        return None

    def to_json(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "canonical": self.canonical,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "region": self.region,
            "error": self.error,
        }


Resolver = Callable[[str], DnsAnswer]


def socket_resolver(name: str) -> DnsAnswer:
    """Resolve ``name`` with the system resolver (``socket.gethostbyname_ex``)."""
    try:
        canonical, aliases, addresses = socket.gethostbyname_ex(name)
    except OSError as exc:
        return DnsAnswer(name, error=f"{type(exc).__name__}: {exc}")
    return DnsAnswer(name, canonical, tuple(aliases), tuple(addresses))
