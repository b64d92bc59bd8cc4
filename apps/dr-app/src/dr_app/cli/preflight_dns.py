"""A minimal DNS client for ``payment-dr preflight``: the NS records of a name, with a timeout.

It sends one recursive query over UDP (RFC 1035 message format) to a resolver and
reads the NS records of the answer. Standard library only, so the CLI stays light.
"""

from __future__ import annotations

import secrets
import socket
import struct
from pathlib import Path

NS_TYPE = 2
IN_CLASS = 1
DEFAULT_TIMEOUT_SECONDS = 3.0


class DnsLookupError(Exception):
    """No usable answer: timeout, malformed reply, or an error code from the resolver."""


def system_resolver(resolv_conf: Path = Path("/etc/resolv.conf")) -> str:
    """The first ``nameserver`` of resolv.conf; 8.8.8.8 when there is none."""
    try:
        for line in resolv_conf.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return parts[1]
    except OSError:
        pass
    return "8.8.8.8"


def build_query(name: str, query_id: int) -> bytes:
    """A recursive NS query for ``name``."""
    header = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b"".join(
        bytes([len(label)]) + label.encode("ascii") for label in name.rstrip(".").split(".")
    )
    return header + labels + b"\x00" + struct.pack("!HH", NS_TYPE, IN_CLASS)


def _read_name(message: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    end: int | None = None
    for _ in range(128):  # bounded: a compression loop cannot hang us
        if offset >= len(message):
            raise DnsLookupError("truncated name in the DNS reply")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message):
                raise DnsLookupError("truncated pointer in the DNS reply")
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            continue
        if length == 0:
            return ".".join(labels).lower(), end if end is not None else offset + 1
        labels.append(message[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    raise DnsLookupError("DNS name compression loop")


def parse_ns_reply(message: bytes, query_id: int) -> set[str]:
    """The NS targets in the answer section of ``message``."""
    if len(message) < 12:
        raise DnsLookupError("DNS reply shorter than a header")
    reply_id, flags, questions, answers, _, _ = struct.unpack("!HHHHHH", message[:12])
    if reply_id != query_id:
        raise DnsLookupError("DNS reply for another query")
    rcode = flags & 0x000F
    if rcode != 0:
        names = {2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
        raise DnsLookupError(f"resolver answered {names.get(rcode, f'rcode {rcode}')}")
    offset = 12
    for _ in range(questions):
        _, offset = _read_name(message, offset)
        offset += 4
    found: set[str] = set()
    for _ in range(answers):
        _, offset = _read_name(message, offset)
        if offset + 10 > len(message):
            raise DnsLookupError("truncated record in the DNS reply")
        rtype, _, _, length = struct.unpack("!HHIH", message[offset : offset + 10])
        offset += 10
        if rtype == NS_TYPE:
            target, _ = _read_name(message, offset)
            found.add(target.rstrip("."))
        offset += length
    return found


def lookup_ns(
    name: str,
    *,
    server: str | None = None,
    port: int = 53,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> set[str]:
    """The NS records public DNS serves for ``name`` (lowercase, no trailing dot)."""
    query_id = secrets.randbelow(0x10000)
    address = server or system_resolver()
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(build_query(name, query_id), (address, port))
            reply, _ = sock.recvfrom(4096)
        except TimeoutError:
            raise DnsLookupError(f"no answer from {address} within {timeout:g} s") from None
        except OSError as exc:
            raise DnsLookupError(f"DNS query to {address} failed: {exc}") from None
    return parse_ns_reply(reply, query_id)
