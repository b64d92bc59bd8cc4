"""One stack's JSON into HCL files."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dr_app.hcl.schema import (
    BUILTIN_TERRAFORM,
    BlockSchema,
    ExportError,
    Json,
    ProviderSchema,
    Schemas,
    provider_address,
)
from dr_app.hcl.syntax import (
    INDENT,
    Item,
    aligned,
    block_bodies,
    body_lines,
    condition_blocks,
    literal_string,
    render_value,
    resource_body,
    schema_body,
    single_body,
    traversal,
    traversal_list,
    type_constraint,
)

STACK_FILE = "cdk.tf.json"
"""The file CDKTF writes per stack."""


@dataclass
class HclFiles:
    """Rendered files of one stack, by file name."""

    files: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, lines: list[str]) -> None:
        """Append a top-level block (separated from the previous one by a blank line)."""
        target = self.files.setdefault(name, [])
        if target:
            target.append("")
        target.extend(lines)

    def text(self, name: str) -> str:
        """The file's content."""
        return "\n".join(self.files[name]) + "\n"


@dataclass
class StackConverter:
    """Converts the JSON document of one stack."""

    document: Mapping[str, Json]
    schemas: Schemas
    stack: str
    local_sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        terraform = self.document.get("terraform", {})
        for body in block_bodies(terraform, "terraform"):
            for provider_body in block_bodies(body.get("required_providers"), "terraform"):
                for local, requirement in provider_body.items():
                    if isinstance(requirement, dict) and isinstance(requirement.get("source"), str):
                        self.local_sources[local] = requirement["source"]
                    elif isinstance(requirement, str):  # legacy: a version constraint only
                        self.local_sources.setdefault(local, local)

    def provider_schema(self, local_name: str, where: str) -> ProviderSchema:
        """The schemas of the provider a local name refers to."""
        if local_name == "terraform":
            return self.schemas.providers[BUILTIN_TERRAFORM]
        address = provider_address(self.local_sources.get(local_name, local_name))
        found = self.schemas.providers.get(address)
        if found is None:
            raise ExportError(f"{where}: no schema for provider {address}")
        return found

    def block_schema(self, kind: str, type_name: str, body: Mapping[str, Json]) -> BlockSchema:
        """Schema of a resource, data source or ephemeral resource type."""
        where = f"{self.stack}: {kind} {type_name}"
        if isinstance(body.get("provider"), str):
            local = traversal(body["provider"], where).split(".")[0]
        else:
            local = type_name.split("_")[0]
        by_type: dict[str, BlockSchema] = getattr(self.provider_schema(local, where), kind)
        if type_name not in by_type:
            raise ExportError(f"{where}: type not in the schema of provider {local!r}")
        return by_type[type_name]

    def convert(self) -> HclFiles:
        """All files of the stack."""
        out = HclFiles()
        handlers = {
            "terraform": self._terraform,
            "provider": self._providers,
            "variable": self._variables,
            "locals": self._locals,
            "data": self._labelled,
            "ephemeral": self._labelled,
            "resource": self._labelled,
            "moved": self._moved,
            "import": self._imports,
            "output": self._outputs,
        }
        unknown = set(self.document) - set(handlers) - {"//"}
        if unknown:
            raise ExportError(f"{self.stack}: unsupported top-level blocks {sorted(unknown)}")
        for key, handler in handlers.items():
            if key in self.document:
                handler(key, self.document[key], out)
        return out

    def _terraform(self, _key: str, value: Json, out: HclFiles) -> None:
        for body in block_bodies(value, "terraform"):
            items: list[Item] = []
            for key, setting in body.items():
                where = f"{self.stack}: terraform.{key}"
                if key == "//":
                    continue
                if key == "required_version":
                    items.append(("attr", key, render_value(setting, INDENT, literal=True)))
                elif key == "required_providers":
                    for providers in block_bodies(setting, where):
                        items.append(("block", key, self._required_providers(providers, where)))
                elif key == "backend":
                    items.extend(self._backend(setting, where))
                else:
                    raise ExportError(f"{where}: unsupported terraform setting")
            out.add("terraform.tf", ["terraform {", *body_lines(items, INDENT), "}"])

    def _required_providers(self, providers: Mapping[str, Json], where: str) -> list[str]:
        inner = INDENT * 2
        items: list[Item] = []
        for local, requirement in providers.items():
            if not isinstance(requirement, dict):
                items.append(("attr", local, render_value(requirement, inner, literal=True)))
                continue
            entries: list[tuple[str, list[str]]] = []
            for key, setting in requirement.items():
                if key == "configuration_aliases":
                    entries.append((key, traversal_list(setting, f"{where}.{local}")))
                else:
                    entries.append((key, render_value(setting, inner + INDENT, literal=True)))
            items.append(("attr", local, ["{", *aligned(entries, inner + INDENT), inner + "}"]))
        return body_lines(items, inner)

    def _backend(self, setting: Json, where: str) -> list[Item]:
        inner = INDENT * 2
        if not isinstance(setting, dict) or len(setting) != 1:
            raise ExportError(f"{where}: expected one backend type, got {setting!r}")
        ((backend_type, raw),) = setting.items()
        body = single_body(raw, where)
        header = f"backend {literal_string(backend_type)}"
        return [("block", header, self._literal_body(body, inner, where))]

    @staticmethod
    def _literal_body(body: Mapping[str, Json], indent: str, where: str) -> list[str]:
        items: list[Item] = []
        for key, value in body.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                raise ExportError(f"{where}.{key}: nested blocks in backend settings")
            items.append(("attr", key, render_value(value, indent, literal=True)))
        return body_lines(items, indent)

    def _providers(self, _key: str, value: Json, out: HclFiles) -> None:
        if not isinstance(value, dict):
            raise ExportError(f"{self.stack}: provider must be an object")
        for local, configs in value.items():
            schema = self.provider_schema(local, f"{self.stack}: provider {local}").provider
            for body in block_bodies(configs, f"provider.{local}"):
                where = f"{self.stack}: provider.{local}"
                items: list[Item] = []
                rest = dict(body)
                for meta in ("alias", "version"):
                    if meta in rest:
                        items.append(
                            ("attr", meta, render_value(rest.pop(meta), INDENT, literal=True))
                        )
                items.extend(schema_body(rest, schema, INDENT, where))
                out.add(
                    "providers.tf",
                    [f"provider {literal_string(local)} {{", *body_lines(items, INDENT), "}"],
                )

    def _labelled(self, kind: str, value: Json, out: HclFiles) -> None:
        if not isinstance(value, dict):
            raise ExportError(f"{self.stack}: {kind} must be an object")
        for type_name, named in value.items():
            if not isinstance(named, dict):
                raise ExportError(f"{self.stack}: {kind}.{type_name} must be an object")
            for name, raw in named.items():
                where = f"{self.stack}: {kind}.{type_name}.{name}"
                body = single_body(raw, where)
                schema = self.block_schema(kind, type_name, body)
                lines = _comment(body)
                lines.append(f"{kind} {literal_string(type_name)} {literal_string(name)} {{")
                lines.extend(resource_body(body, schema, INDENT, where))
                lines.append("}")
                out.add("main.tf", lines)

    def _moved(self, key: str, value: Json, out: HclFiles) -> None:
        for body in block_bodies(value, key):
            items: list[Item] = [
                ("attr", k, [traversal(str(v), f"{self.stack}: {key}.{k}")])
                for k, v in body.items()
                if k != "//"
            ]
            out.add("main.tf", [f"{key} {{", *body_lines(items, INDENT), "}"])

    def _imports(self, key: str, value: Json, out: HclFiles) -> None:
        for body in block_bodies(value, key):
            items: list[Item] = []
            for k, v in body.items():
                if k in ("to", "provider"):
                    items.append(("attr", k, [traversal(str(v), f"{self.stack}: import.{k}")]))
                elif k != "//":
                    items.append(("attr", k, render_value(v, INDENT)))
            out.add("main.tf", [f"{key} {{", *body_lines(items, INDENT), "}"])

    def _variables(self, _key: str, value: Json, out: HclFiles) -> None:
        self._named_blocks("variable", "variables.tf", value, out, _variable_setting)

    def _locals(self, _key: str, value: Json, out: HclFiles) -> None:
        for body in block_bodies(value, "locals"):
            items: list[Item] = [
                ("attr", k, render_value(v, INDENT)) for k, v in body.items() if k != "//"
            ]
            out.add("locals.tf", ["locals {", *body_lines(items, INDENT), "}"])

    def _outputs(self, _key: str, value: Json, out: HclFiles) -> None:
        self._named_blocks("output", "outputs.tf", value, out, _output_setting)

    def _named_blocks(
        self,
        kind: str,
        filename: str,
        value: Json,
        out: HclFiles,
        setting_items: Callable[[str, Json, str], list[Item]],
    ) -> None:
        """One ``<kind> "<name>" { ... }`` block per entry, each setting rendered by
        ``setting_items`` (the ``//`` metadata key is dropped)."""
        for name, raw in value.items():
            where = f"{self.stack}: {kind}.{name}"
            items = [
                item
                for key, setting in single_body(raw, where).items()
                if key != "//"
                for item in setting_items(key, setting, where)
            ]
            out.add(
                filename, [f"{kind} {literal_string(name)} {{", *body_lines(items, INDENT), "}"]
            )


def _variable_setting(key: str, setting: Json, where: str) -> list[Item]:
    if key == "type":
        return [("attr", key, [type_constraint(str(setting), where)])]
    if key == "validation":
        return list(condition_blocks(key, setting, INDENT, f"{where}.validation"))
    return [("attr", key, render_value(setting, INDENT, literal=True))]


def _output_setting(key: str, setting: Json, where: str) -> list[Item]:
    if key == "value":
        return [("attr", key, render_value(setting, INDENT))]
    if key in ("description", "sensitive", "ephemeral"):
        return [("attr", key, render_value(setting, INDENT, literal=True))]
    if key == "depends_on":
        return [("attr", key, traversal_list(setting, where))]
    if key == "precondition":
        return list(condition_blocks(key, setting, INDENT, f"{where}.{key}"))
    raise ExportError(f"{where}.{key}: unknown output setting")


def _comment(body: Mapping[str, Json]) -> list[str]:
    metadata = body.get("//", {})
    path = metadata.get("metadata", {}).get("path") if isinstance(metadata, dict) else None
    return [f"# {path}"] if isinstance(path, str) and "\n" not in path else []


def load_stack_json(path: Path) -> Mapping[str, Json]:
    """A stack's JSON, floats kept as :class:`Decimal` so numbers keep their exact text."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ExportError(f"{path}: not a JSON object")
    return document


def convert_stack(document: Mapping[str, Json], schemas: Schemas, stack: str) -> dict[str, str]:
    """File name -> content of the HCL files for one stack's JSON."""
    files = StackConverter(document, schemas, stack).convert()
    header = f"# {stack}: converted from {STACK_FILE} by scripts/export_hcl.py.\n\n"
    return {name: header + files.text(name) for name in sorted(files.files)}


# ------------------------------------------------------------------------ schema source
