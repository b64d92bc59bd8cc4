"""Validation of payment requests: idempotency key, body size, JSON shape and field rules.

Amounts are parsed straight into :class:`~decimal.Decimal` (JSON numbers included), never
through ``float``. Every failure raises :class:`BadRequestError` with a stable error code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from payment_service.errors import BadRequestError

#: Largest accepted request body, in bytes, after any base64 decoding.
MAX_BODY_BYTES = 16 * 1024
#: Largest accepted amount, in major units of any currency.
MAX_AMOUNT = Decimal("1000000.00")
#: Accepted ISO 4217 currencies and their number of minor-unit digits.
CURRENCY_MINOR_UNITS = MappingProxyType(
    {
        "AUD": 2,
        "CAD": 2,
        "CHF": 2,
        "DKK": 2,
        "EUR": 2,
        "GBP": 2,
        "HKD": 2,
        "JPY": 0,
        "NOK": 2,
        "NZD": 2,
        "SEK": 2,
        "SGD": 2,
        "USD": 2,
    }
)
FIELDS = ("amount", "currency", "merchant_reference", "customer_reference")

#: 8-128 characters: letters, digits and ``_ - . :``; a UUID fits.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}")
#: 1-64 characters: letters, digits and ``_ - . : / #``, starting with a letter or digit.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,63}")
_AMOUNT_TEXT = re.compile(r"(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class PaymentRequest:
    """A validated ``POST /payments`` body."""

    amount: Decimal
    """Positive, quantized to the currency's minor units."""
    currency: str
    merchant_reference: str
    customer_reference: str

    def request_hash(self) -> str:
        """SHA-256 of the canonical request: equal for bodies that mean the same payment."""
        canonical = json.dumps(
            {
                "amount": str(self.amount),
                "currency": self.currency,
                "customer_reference": self.customer_reference,
                "merchant_reference": self.merchant_reference,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def validate_idempotency_key(values: Sequence[str]) -> str:
    """The single ``Idempotency-Key`` header value, checked for length and charset."""
    distinct = {value.strip() for value in values}
    if not distinct or distinct == {""}:
        raise BadRequestError(
            "the Idempotency-Key header is required",
            code="missing_idempotency_key",
            field="Idempotency-Key",
        )
    if len(distinct) > 1:
        raise BadRequestError(
            "send exactly one Idempotency-Key header",
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    key = distinct.pop()
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise BadRequestError(
            "Idempotency-Key must be 8-128 characters of letters, digits, '_', '-', '.', ':'",
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    return key


def _reject_constant(_name: str) -> object:
    raise BadRequestError("NaN and Infinity are not valid JSON", code="malformed_json")


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise BadRequestError("the JSON body repeats an object key", code="malformed_json")
        result[key] = value
    return result


def parse_json_object(body: bytes | None) -> dict[str, object]:
    """Decode a JSON object body, enforcing the size limit and strict JSON."""
    if body is None or not body.strip():
        raise BadRequestError("a JSON request body is required", code="missing_body")
    if len(body) > MAX_BODY_BYTES:
        raise BadRequestError(
            f"the request body exceeds {MAX_BODY_BYTES} bytes", code="body_too_large"
        )
    try:
        text = body.decode("utf-8")
        document: object = json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicates,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError("the request body is not valid JSON", code="malformed_json") from None
    if not isinstance(document, dict):
        raise BadRequestError("the request body must be a JSON object", code="invalid_body")
    return document


def _amount(value: object, currency: str) -> Decimal:
    minor_units = CURRENCY_MINOR_UNITS[currency]
    if isinstance(value, str):
        if not _AMOUNT_TEXT.fullmatch(value):
            raise BadRequestError(
                "amount must be a positive decimal with at most 2 decimal places",
                code="invalid_amount",
                field="amount",
            )
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise BadRequestError(
            "amount must be a JSON string or number", code="invalid_type", field="amount"
        )
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int):
        raise BadRequestError(
            "amount must be a finite number", code="invalid_amount", field="amount"
        )
    if exponent < -minor_units:
        raise BadRequestError(
            f"amount has more than {minor_units} decimal places for {currency}",
            code="invalid_amount",
            field="amount",
        )
    if amount <= 0:
        raise BadRequestError(
            "amount must be greater than 0", code="invalid_amount", field="amount"
        )
    if amount > MAX_AMOUNT:
        raise BadRequestError(
            f"amount must be at most {MAX_AMOUNT}", code="invalid_amount", field="amount"
        )
    return amount.quantize(Decimal(1).scaleb(-minor_units))


def _string(document: dict[str, object], field: str) -> str:
    value = document[field]
    if not isinstance(value, str):
        raise BadRequestError(f"{field} must be a string", code="invalid_type", field=field)
    return value


def _reference(document: dict[str, object], field: str) -> str:
    value = _string(document, field)
    if not REFERENCE.fullmatch(value):
        raise BadRequestError(
            f"{field} must be 1-64 characters of letters, digits, '_', '-', '.', ':', '/', '#'",
            code="invalid_reference",
            field=field,
        )
    return value


def parse_payment_request(body: bytes | None) -> PaymentRequest:
    """Validate a ``POST /payments`` body into a :class:`PaymentRequest`."""
    document = parse_json_object(body)
    unknown = sorted(set(document) - set(FIELDS))
    if unknown:
        raise BadRequestError(
            f"unknown field(s): {', '.join(name[:64] for name in unknown[:5])}",
            code="unknown_field",
            field=unknown[0][:64],
        )
    for field in FIELDS:
        if field not in document:
            raise BadRequestError(f"{field} is required", code="missing_field", field=field)
    currency = _string(document, "currency")
    if currency not in CURRENCY_MINOR_UNITS:
        raise BadRequestError(
            f"currency must be one of {', '.join(CURRENCY_MINOR_UNITS)}",
            code="invalid_currency",
            field="currency",
        )
    return PaymentRequest(
        amount=_amount(document["amount"], currency),
        currency=currency,
        merchant_reference=_reference(document, "merchant_reference"),
        customer_reference=_reference(document, "customer_reference"),
    )
