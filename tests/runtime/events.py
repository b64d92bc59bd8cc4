"""API Gateway REST proxy events and response helpers for the runtime tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

CLIENT = "client-a"
"""The client id the authorizer's context carries in these events unless a test names
another (``client_id=None``: an event without an authorizer context)."""


def api_event(
    method: str,
    path: str,
    *,
    body: object = None,
    raw_body: str | None = None,
    headers: Mapping[str, str] | None = None,
    multi_value_headers: Mapping[str, list[str]] | None = None,
    request_id: str | None = None,
    base64_encoded: bool = False,
    client_id: str | None = CLIENT,
) -> dict[str, object]:
    """A REST API proxy event. ``body`` is JSON-encoded unless ``raw_body`` is given; the
    authorizer's context names ``client_id`` (as API Gateway passes a Lambda authorizer's
    ``principalId`` and ``context``)."""
    encoded = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    context: dict[str, object] = {
        "requestId": request_id or str(uuid.uuid4()),
        "stage": "v1",
        "httpMethod": method,
    }
    if client_id is not None:
        context["authorizer"] = {
            "principalId": client_id,
            "clientId": client_id,
            "integrationLatency": 12,
        }
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": multi_value_headers
        or {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": context,
        "body": encoded,
        "isBase64Encoded": base64_encoded,
    }


def payment_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "amount": "125.50",
        "currency": "USD",
        "merchant_reference": "order-1001",
        "customer_reference": "cust-42",
    }
    body.update(overrides)
    return body


def request_hash_of(body: object) -> str:
    """The request hash the API computes for ``body`` (the canonical request's SHA-256)."""
    from payment_service.validation import parse_payment_request

    return parse_payment_request(json.dumps(body).encode()).request_hash()


def post_payment(
    key: str | None,
    body: object = None,
    *,
    headers: Mapping[str, str] | None = None,
    client_id: str | None = CLIENT,
    request_id: str | None = None,
) -> dict[str, object]:
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return api_event(
        "POST",
        "/payments",
        body=payment_body() if body is None else body,
        headers=all_headers,
        client_id=client_id,
        request_id=request_id,
    )


def response_json(response: Mapping[str, object]) -> dict[str, object]:
    body = response["body"]
    assert isinstance(body, str)
    document = json.loads(body)
    assert isinstance(document, dict)
    return document


def error_code(response: Mapping[str, object]) -> str:
    error = response_json(response)["error"]
    assert isinstance(error, dict)
    code = error["code"]
    assert isinstance(code, str)
    return code


def header(response: Mapping[str, object], name: str) -> str | None:
    headers = response["headers"]
    assert isinstance(headers, dict)
    value = headers.get(name)
    return value if isinstance(value, str) else None
