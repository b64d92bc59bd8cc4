"""The one error type raised for invalid configuration, props or names."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value, construct prop or generated name is not allowed.

    The message always names the field, the value received and what is allowed,
    so an operator can fix the input without reading code.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")
