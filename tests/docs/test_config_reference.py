from __future__ import annotations

import dataclasses

from dr_app.config_reference import OUTPUT, attribute_docs, render
from payment_dr_core import EnvironmentConfig, StateBackendConfig


def test_configuration_page_is_current() -> None:
    assert (
        OUTPUT.read_text(encoding="utf-8") == render()
    ), "docs/configuration.md is out of date: run python -m dr_app.config_reference"


def test_every_config_field_is_documented() -> None:
    for cls in (EnvironmentConfig, StateBackendConfig):
        docs = attribute_docs(cls)
        missing = [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)]
        assert missing == [], f"{cls.__name__} fields without a docstring: {missing}"
