"""The one error type raised for invalid configuration, props or names."""

from __future__ import annotations

from pathlib import Path


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


class UnknownKeyError(ConfigError):
    """A key the configuration does not have (a typo, usually): named as unknown, with the
    closest known key when one is close."""

    def __init__(self, field: str, value: object, suggestion: str | None) -> None:
        self.suggestion = suggestion
        super().__init__(field, value, "a known key (docs/configuration.md lists them)")

    def __str__(self) -> str:
        hint = (
            f"did you mean {self.suggestion!r}?" if self.suggestion else "see docs/configuration.md"
        )
        return f"{self.field}: unknown key ({hint})"


class TomlSyntaxError(ConfigError):
    """An environment file that is not valid TOML; ``path`` names it (callers print it once)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__("TOML", detail, "valid TOML")
        self.path = path

    def __str__(self) -> str:
        return f"invalid TOML: {self.value}"
