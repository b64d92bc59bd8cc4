"""API Gateway REST (proxy integration) events in, proxy responses out."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from payment_service.errors import BadRequestError, PayloadTooLargeError, ServiceError
from payment_service.validation import MAX_BODY_BYTES

#: Headers on every response.
BASE_HEADERS: Mapping[str, str] = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
_MAX_ENCODED_BODY = MAX_BODY_BYTES * 4 // 3 + 4
_MAX_REQUEST_ID = 128
_PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\+?\}")
CLIENT_ID = re.compile(r"[a-z0-9-]{1,32}")
"""A client id as the authorizer accepts it (``payment_service.authorizer.TOKEN``)."""
CLIENT_ID_CONTEXT_KEY = "clientId"
"""The key of the authorizer's ``context`` that names the client
(:func:`payment_service.authorizer.allow_policy`)."""


@dataclass(frozen=True)
class ApiRequest:
    """The parts of a proxy event the API uses."""

    method: str
    path: str
    request_id: str
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Header values by lower-cased name (single- and multi-value headers merged)."""
    raw_body: str | None = None
    body_is_base64: bool = False
    client_id: str | None = None
    """The client the API's Lambda authorizer identified: ``requestContext.authorizer.clientId``
    of the proxy event (API Gateway copies the authorizer's ``context`` there). ``None`` when
    it is absent or not a client id. Never taken from the request itself."""

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of a header, looked up case-insensitively."""
        return self.headers.get(name.lower(), ())

    def header(self, name: str) -> str | None:
        """The first value of a header, or ``None``."""
        values = self.header_values(name)
        return values[0] if values else None

    def body(self) -> bytes | None:
        """The request body as bytes, base64-decoded when needed and size-checked."""
        if self.raw_body is None:
            return None
        too_large = PayloadTooLargeError(f"the request body exceeds {MAX_BODY_BYTES} bytes")
        if not self.body_is_base64:
            data = self.raw_body.encode("utf-8", errors="surrogatepass")
        else:
            if len(self.raw_body) > _MAX_ENCODED_BODY:
                raise too_large
            try:
                data = base64.b64decode(self.raw_body, validate=True)
            except (binascii.Error, ValueError):
                raise BadRequestError(
                    "the request body is not valid base64", code="malformed_body"
                ) from None
        if len(data) > MAX_BODY_BYTES:
            raise too_large
        return data


def _merge_headers(event: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, list[str]] = {}
    multi = event.get("multiValueHeaders")
    if isinstance(multi, Mapping):
        for name, values in multi.items():
            if isinstance(name, str) and isinstance(values, list):
                merged.setdefault(name.lower(), []).extend(v for v in values if isinstance(v, str))
    single = event.get("headers")
    if isinstance(single, Mapping):
        for name, value in single.items():
            if isinstance(name, str) and isinstance(value, str):
                values = merged.setdefault(name.lower(), [])
                if value not in values:
                    values.append(value)
    return {name: tuple(values) for name, values in merged.items()}


def _route_path(event: Mapping[str, object]) -> str:
    """The path to route on, independent of custom-domain base paths.

    API Gateway's ``resource`` is the matched template (``/payments/{id}``, ``/{proxy+}``);
    filling it from ``pathParameters`` gives the path relative to the API, whereas ``path``
    also carries any base path mapping of a custom domain. ``path`` is the fallback.
    """
    resource = event.get("resource")
    parameters = event.get("pathParameters")
    if isinstance(resource, str) and resource.startswith("/"):
        values = parameters if isinstance(parameters, Mapping) else {}
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            value = values.get(match[1])
            if not isinstance(value, str):
                missing = True
                return match[0]
            return value

        filled = _PATH_PARAMETER.sub(fill, resource)
        if not missing:
            return filled
    path = event.get("path")
    return path if isinstance(path, str) else ""


def _client_id(context: object) -> str | None:
    """``requestContext.authorizer.clientId`` when it is a client id."""
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    value = authorizer.get(CLIENT_ID_CONTEXT_KEY) if isinstance(authorizer, Mapping) else None
    return value if isinstance(value, str) and CLIENT_ID.fullmatch(value) else None


def parse_event(event: Mapping[str, object]) -> ApiRequest:
    """Read method, path, request id, client, headers and body from a REST API proxy event."""
    context = event.get("requestContext")
    request_id = context.get("requestId") if isinstance(context, Mapping) else None
    method = event.get("httpMethod")
    body = event.get("body")
    return ApiRequest(
        method=method.upper() if isinstance(method, str) else "",
        path=_route_path(event),
        request_id=request_id[:_MAX_REQUEST_ID] if isinstance(request_id, str) else "unknown",
        headers=_merge_headers(event),
        raw_body=body if isinstance(body, str) else None,
        body_is_base64=event.get("isBase64Encoded") is True,
        client_id=_client_id(context),
    )


def json_response(
    status: int,
    payload: Mapping[str, object],
    *,
    request_id: str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """A proxy response with a JSON body."""
    all_headers = {**BASE_HEADERS, "X-Request-Id": request_id, **(headers or {})}
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": json.dumps(payload, separators=(",", ":"), sort_keys=True),
        "isBase64Encoded": False,
    }


def raw_json_response(
    status: int, body: str, *, request_id: str, headers: Mapping[str, str] | None = None
) -> dict[str, object]:
    """A proxy response whose JSON body is already serialised (an idempotent replay)."""
    return {
        "statusCode": status,
        "headers": {**BASE_HEADERS, "X-Request-Id": request_id, **(headers or {})},
        "body": body,
        "isBase64Encoded": False,
    }


def error_response(error: ServiceError, *, request_id: str) -> dict[str, object]:
    """``{"error": {"code", "message"[, "field"]}}`` with the error's status and headers."""
    detail: dict[str, str] = {"code": error.code, "message": error.message}
    if error.field is not None:
        detail["field"] = error.field
    return json_response(
        error.status, {"error": detail}, request_id=request_id, headers=error.headers
    )
