"""SigV4-signed calls to the payment API (API Gateway ``AWS_IAM`` authorization)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]

SERVICE = "execute-api"
USER_AGENT = "payment-dr-live-tests"


class Credentials(Protocol):
    """What SigV4 needs (``botocore`` credentials, frozen or not)."""

    access_key: str
    secret_key: str
    token: str | None


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
    region: str | None = None,
    credentials: Credentials | None = None,
) -> urllib.request.Request:
    """A request for urllib; signed for ``execute-api`` in ``region`` when given credentials."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    if credentials is not None:
        if region is None:
            raise ValueError("a signed request needs the region of the API")
        aws_request = AWSRequest(method=method, url=url, data=body or b"", headers=all_headers)
        SigV4Auth(credentials, SERVICE, region).add_auth(aws_request)
        all_headers = {str(k): str(v) for k, v in aws_request.headers.items()}
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
