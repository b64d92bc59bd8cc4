"""Provider schemas: what is a nested block and what is an argument (``terraform providers
schema -json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BUILTIN_TERRAFORM = "terraform.io/builtin/terraform"
DEFAULT_REGISTRY = "registry.terraform.io"

Json = Any
"""A value decoded from JSON (floats as :class:`~decimal.Decimal`, to keep their text)."""


class ExportError(Exception):
    """The configuration cannot be converted faithfully; the message names where."""


# ----------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class BlockSchema:
    """Attribute names and nested block types of one block (from the provider schema)."""

    attributes: frozenset[str] = frozenset()
    blocks: Mapping[str, NestedBlock] = field(default_factory=dict)


@dataclass(frozen=True)
class NestedBlock:
    """A nested block type: its nesting mode (single, group, list, set, map) and body."""

    nesting: str
    schema: BlockSchema


def parse_block_schema(raw: Mapping[str, Json]) -> BlockSchema:
    """A ``block`` object of ``terraform providers schema -json``."""
    blocks = {
        name: NestedBlock(
            nesting=str(spec.get("nesting_mode", "list")),
            schema=parse_block_schema(spec.get("block", {})),
        )
        for name, spec in raw.get("block_types", {}).items()
    }
    return BlockSchema(attributes=frozenset(raw.get("attributes", {})), blocks=blocks)


_REMOTE_STATE = BlockSchema(
    attributes=frozenset({"backend", "config", "defaults", "outputs", "workspace"})
)
_TERRAFORM_DATA = BlockSchema(attributes=frozenset({"id", "input", "output", "triggers_replace"}))


@dataclass
class ProviderSchema:
    """The schemas of one provider."""

    provider: BlockSchema = field(default_factory=BlockSchema)
    resource: dict[str, BlockSchema] = field(default_factory=dict)
    data: dict[str, BlockSchema] = field(default_factory=dict)
    ephemeral: dict[str, BlockSchema] = field(default_factory=dict)


_SCHEMA_SECTIONS = {
    "resource": "resource_schemas",
    "data": "data_source_schemas",
    "ephemeral": "ephemeral_resource_schemas",
}


@dataclass
class Schemas:
    """Provider schemas by provider address (``registry.terraform.io/hashicorp/aws``)."""

    providers: dict[str, ProviderSchema] = field(default_factory=dict)

    @classmethod
    def from_documents(cls, documents: Sequence[Mapping[str, Json]]) -> Schemas:
        """Merge the output of one or more ``terraform providers schema -json`` runs."""
        schemas = cls()
        schemas.providers[BUILTIN_TERRAFORM] = ProviderSchema(
            resource={"terraform_data": _TERRAFORM_DATA},
            data={"terraform_remote_state": _REMOTE_STATE},
        )
        for document in documents:
            raw_providers = document.get("provider_schemas")
            if not isinstance(raw_providers, dict):
                raise ExportError(
                    "schema: no 'provider_schemas' object (not the output of "
                    "'terraform providers schema -json')"
                )
            for address, raw in raw_providers.items():
                target = schemas.providers.setdefault(address.lower(), ProviderSchema())
                if "provider" in raw:
                    target.provider = parse_block_schema(raw["provider"].get("block", {}))
                for kind, section in _SCHEMA_SECTIONS.items():
                    found: dict[str, BlockSchema] = getattr(target, kind)
                    for type_name, spec in raw.get(section, {}).items():
                        found[type_name] = parse_block_schema(spec.get("block", {}))
        return schemas


def provider_address(source: str) -> str:
    """Normalize a ``required_providers`` source to a full provider address."""
    parts = source.lower().split("/")
    if len(parts) == 1:
        return f"{DEFAULT_REGISTRY}/hashicorp/{parts[0]}"
    if len(parts) == 2:
        return f"{DEFAULT_REGISTRY}/{parts[0]}/{parts[1]}"
    return "/".join(parts)


# ------------------------------------------------------------------------ expressions
