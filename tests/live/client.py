"""Calls to the payment API as a client does: ``Authorization: Bearer <client id>.<key>``.

The payment routes use a Lambda TOKEN authorizer whose key hashes exist in both regions
(apps/payment-service authorizer.py), so the same header works behind the failover name
in either region. The live tests take the client key from ``PAYMENT_DR_CLIENT_KEY``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from payment_service.authorizer import TOKEN

USER_AGENT = "payment-dr-live-tests"
CLIENT_KEY_ENV = "PAYMENT_DR_CLIENT_KEY"


def client_key_from(environ: Mapping[str, str] = os.environ) -> str | None:
    """The ``<client id>.<key>`` the live tests send, or None when it is not configured."""
    value = environ.get(CLIENT_KEY_ENV, "").strip()
    return value or None


@dataclass(frozen=True)
class HttpResponse:
    """Status, headers (lower-case names) and body of one response."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def describe(self) -> str:
        """One line for assertion messages: status, request id and the start of the body."""
        request_id = self.headers.get("x-request-id") or self.headers.get("x-amzn-requestid")
        return f"HTTP {self.status} (request {request_id}): {self.body[:500]!r}"


def build_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    client_key: str | None = None,
) -> urllib.request.Request:
    """A request for urllib; with ``client_key``, authorized as that API client."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    if client_key is not None:
        authorization = f"Bearer {client_key}"
        if TOKEN.fullmatch(authorization) is None:
            raise ValueError(
                f"{CLIENT_KEY_ENV}: expected '<client id>.<43-character base64url key>'"
            )
        all_headers["Authorization"] = authorization
    return urllib.request.Request(url, data=body, headers=all_headers, method=method)


def send(request: urllib.request.Request, timeout: float = 30.0) -> HttpResponse:
    """Send ``request``; an HTTP error status is a response, not an exception."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(
                status=response.status,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=response.read(),
            )
    except urllib.error.HTTPError as error:
        return HttpResponse(
            status=error.code,
            headers={k.lower(): v for k, v in error.headers.items()},
            body=error.read(),
        )
