"""Structured JSON logging (structlog) with per-request context and a redaction guard.

Request context (request id, region, idempotency key) lives in context variables, so every
line logged while a request is handled carries it. Payment amounts, references, request bodies,
credentials and card data are never logged; :func:`redact` replaces such keys as a last line of
defence should a caller pass one by mistake.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, TextIO

import structlog

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger, WrappedLogger

#: Keys whose values never reach a log line.
SENSITIVE_KEYS = frozenset(
    {
        "amount",
        "authorization",
        "body",
        "card",
        "card_number",
        "customer_reference",
        "cvc",
        "cvv",
        "merchant_reference",
        "pan",
        "password",
        "raw_body",
        "secret",
        "secret_string",
        "token",
    }
)
REDACTED = "[REDACTED]"
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


def redact(
    _logger: WrappedLogger, _method: str, event_dict: MutableMapping[str, object]
) -> MutableMapping[str, object]:
    """structlog processor: replace the value of every sensitive key."""
    for key in event_dict:
        if key.lower() in SENSITIVE_KEYS:
            event_dict[key] = REDACTED
    return event_dict


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send JSON log lines to ``stream`` (standard output by default).

    ``level`` is DEBUG, INFO, WARNING or ERROR; anything else means INFO.
    """
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            _LEVELS.get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> FilteringBoundLogger:
    """A logger bound to a component name."""
    logger: FilteringBoundLogger = structlog.get_logger(component=name)
    return logger


def bind_request(*, request_id: str, region: str) -> None:
    """Start a request: drop the previous request's context and bind the new one."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id, region=region)


def bind(**values: str) -> None:
    """Add values (for example the idempotency key) to the current request's context."""
    structlog.contextvars.bind_contextvars(**values)
