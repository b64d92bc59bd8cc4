"""Export synthesized stacks (``cdk.tf.json``) as Terraform native syntax (``.tf`` files).

The JSON that CDKTF writes is plain Terraform and stays the authoritative artifact; this
converter produces the same configuration in HCL for people who want to maintain it by
hand after leaving CDKTF (see docs/hcl-export.md).

Terraform's JSON syntax does not say whether an object is a nested block or an argument
of object type: Terraform decides that from the provider schema. So does this converter,
which reads the schema printed by ``terraform providers schema -json``. By default it
obtains it by running ``terraform init`` and ``terraform providers schema -json`` on a
copy of each stack without its backend (providers come from the registry, a mirror or
``TF_PLUGIN_CACHE_DIR``); ``--schema FILE`` uses a saved schema instead.

Anything the converter cannot translate exactly (``dynamic`` blocks, provisioners, a
key the schema does not know) stops it with an error naming the stack and the path:
the output is either faithful or not written.

Usage::

    python scripts/export_hcl.py [--stacks-dir DIR] [--out DIR] [--schema FILE]... [STACK...]

For each stack it writes ``<out>/<stack>/{terraform,providers,main,outputs}.tf`` (and
``variables.tf``/``locals.tf`` when used) and copies the stack's ``assets/`` directory,
which the Lambda functions reference by relative path.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STACKS_DIR = REPO_ROOT / "apps" / "dr-app" / "cdktf.out" / "stacks"
DEFAULT_OUT_DIR = REPO_ROOT / "apps" / "dr-app" / "cdktf.out" / "hcl"
STACK_FILE = "cdk.tf.json"
INDENT = "  "
INLINE_LIST_WIDTH = 80

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

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"})
_TRAVERSAL = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\[\"[^\"\\]*\"\])*$"
)


def _scan_quoted(text: str, start: int) -> int:
    """Index after the HCL quoted string opening at ``start`` (inside an expression)."""
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
        elif text.startswith(("$${", "%%{"), index):
            index += 3
        elif text.startswith(("${", "%{"), index):
            index = _scan_sequence(text, index)
        elif char == '"':
            return index + 1
        else:
            index += 1
    raise ExportError(f"unterminated string in expression: {text!r}")


def _scan_sequence(text: str, start: int) -> int:
    """Index after the ``${...}`` or ``%{...}`` sequence opening at ``start``."""
    depth = 0
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _scan_quoted(text, index)
            continue
        if text.startswith("<<", index) and re.match(r"<<-?[A-Za-z_]", text[index:]):
            raise ExportError(f"heredoc inside an expression is not supported: {text!r}")
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ExportError(f"unterminated template sequence in {text!r}")


def template_segments(text: str) -> list[tuple[bool, str]]:
    """Split a template into ``(is_sequence, text)`` parts, escapes kept in literals."""
    segments: list[tuple[bool, str]] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            literal.append(text[index : index + 3])
            index += 3
        elif text.startswith(("${", "%{"), index):
            if literal:
                segments.append((False, "".join(literal)))
                literal = []
            end = _scan_sequence(text, index)
            segments.append((True, text[index:end]))
            index = end
        else:
            literal.append(text[index])
            index += 1
    if literal:
        segments.append((False, "".join(literal)))
    return segments


def _escape_literal(text: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def template_expression(text: str) -> str:
    """The HCL expression of a JSON-syntax string, which Terraform reads as a template.

    ``"${x}"`` alone becomes the bare expression ``x`` (Terraform passes a lone
    interpolation through with its type); anything else stays a quoted template, with
    string escapes added to its literal parts only.
    """
    segments = template_segments(text)
    if len(segments) == 1 and segments[0][0]:
        sequence = segments[0][1]
        inner = sequence[2:-1]
        if (
            sequence.startswith("${")
            and not inner.startswith("~")
            and not inner.endswith("~")
            and "\n" not in inner
        ):
            return inner.strip()
    return (
        '"' + "".join(part if is_seq else _escape_literal(part) for is_seq, part in segments) + '"'
    )


def literal_string(text: str) -> str:
    """A quoted HCL string whose value is exactly ``text`` (no template evaluation).

    For arguments Terraform evaluates without a context (backend settings, provider
    ``alias``, descriptions, version constraints), where JSON strings are taken verbatim.
    """
    escaped = _escape_literal(text).replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def traversal(text: str, where: str) -> str:
    """A reference such as ``aws_s3_bucket.logs`` (``depends_on``, ``provider``, ...)."""
    inner = text[2:-1].strip() if text.startswith("${") and text.endswith("}") else text
    if not _TRAVERSAL.match(inner):
        raise ExportError(f"{where}: expected a reference, got {text!r}")
    return inner


def type_constraint(text: str, where: str) -> str:
    """A variable's ``type``: JSON holds the constraint as a string (``"list(string)"``)."""
    inner = text[2:-1].strip() if text.startswith("${") and text.endswith("}") else text.strip()
    if not inner:
        raise ExportError(f"{where}.type: unsupported type constraint {text!r}")
    return inner


def _key(key: str, literal: bool) -> str:
    if _IDENTIFIER.match(key) and key not in _KEYWORDS:
        return key
    return literal_string(key) if literal else template_expression_key(key)


def template_expression_key(key: str) -> str:
    """An object key: a template (quoted, so a lone interpolation is not read as a name)."""
    return (
        '"'
        + "".join(
            part if is_seq else _escape_literal(part) for is_seq, part in template_segments(key)
        )
        + '"'
    )


def _is_scalar(value: Json) -> bool:
    return not isinstance(value, dict | list)


def render_value(value: Json, indent: str, literal: bool = False) -> list[str]:
    """Lines of an expression; the first continues the current line.

    ``literal`` renders strings verbatim (no template semantics), for values Terraform
    evaluates without a context.
    """
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | Decimal):
        return [str(value)]
    if isinstance(value, str):
        return [literal_string(value) if literal else template_expression(value)]
    if isinstance(value, list):
        if not value:
            return ["[]"]
        if all(_is_scalar(item) for item in value):
            items = [render_value(item, indent, literal)[0] for item in value]
            inline = "[" + ", ".join(items) + "]"
            if len(indent) + len(inline) <= INLINE_LIST_WIDTH:
                return [inline]
        lines = ["["]
        inner = indent + INDENT
        for item in value:
            rendered = render_value(item, inner, literal)
            lines.append(inner + rendered[0])
            lines.extend(rendered[1:])
            lines[-1] += ","
        lines.append(indent + "]")
        return lines
    if isinstance(value, dict):
        entries = [(k, v) for k, v in value.items()]
        if not entries:
            return ["{}"]
        body = _aligned(
            [
                (_key(str(k), literal), render_value(v, indent + INDENT, literal))
                for k, v in entries
            ],
            indent + INDENT,
        )
        return ["{", *body, indent + "}"]
    raise ExportError(f"unsupported JSON value {value!r}")


def _aligned(items: Sequence[tuple[str, list[str]]], indent: str) -> list[str]:
    """``key = value`` lines, aligning ``=`` over runs of one-line values like terraform fmt."""
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{indent}{key.ljust(width)} = {value}" for key, value in run)
        run.clear()

    for key, rendered in items:
        if len(rendered) == 1:
            run.append((key, rendered[0]))
            continue
        flush()
        lines.append(f"{indent}{key} = {rendered[0]}")
        lines.extend(rendered[1:])
    flush()
    return lines


# ------------------------------------------------------------------------------ bodies

Item = tuple[str, str, list[str]]
"""``("attr", key, value lines)`` or ``("block", header, body lines)``."""


def _body_lines(items: Sequence[Item], indent: str) -> list[str]:
    lines: list[str] = []
    pending: list[tuple[str, list[str]]] = []
    for kind, head, content in items:
        if kind == "attr":
            pending.append((head, content))
            continue
        lines.extend(_aligned(pending, indent))
        pending = []
        if not content:
            lines.append(f"{indent}{head} {{}}")
            continue
        lines.append(f"{indent}{head} {{")
        lines.extend(content)
        lines.append(f"{indent}}}")
    lines.extend(_aligned(pending, indent))
    return lines


def _block_bodies(value: Json, where: str) -> list[Mapping[str, Json]]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return list(value)
    raise ExportError(f"{where}: a block must be an object or a list of objects, got {value!r}")


def _single_body(value: Json, where: str) -> Mapping[str, Json]:
    bodies = _block_bodies(value, where)
    if len(bodies) != 1:
        raise ExportError(f"{where}: expected exactly one block, got {len(bodies)}")
    return bodies[0]


_UNSUPPORTED = {
    "dynamic": "dynamic blocks",
    "provisioner": "provisioners",
    "connection": "connection blocks",
}


def schema_body(
    body: Mapping[str, Json], schema: BlockSchema, indent: str, where: str
) -> list[Item]:
    """Arguments and nested blocks of a body described by a provider schema."""
    items: list[Item] = []
    for key, value in body.items():
        if key == "//":
            continue
        path = f"{where}.{key}"
        if key in _UNSUPPORTED:
            raise ExportError(f"{path}: {_UNSUPPORTED[key]} are not supported by the export")
        nested = schema.blocks.get(key)
        if nested is not None:
            items.extend(_nested_blocks(key, value, nested, indent, path))
        elif key in schema.attributes:
            items.append(("attr", key, render_value(value, indent)))
        else:
            raise ExportError(
                f"{path}: not an argument or block of the provider schema (schema and "
                "configuration of different provider versions?)"
            )
    return items


def _nested_blocks(
    name: str, value: Json, nested: NestedBlock, indent: str, where: str
) -> list[Item]:
    inner = indent + INDENT
    if nested.nesting == "map":
        if value is None:
            return []
        if not isinstance(value, dict):
            raise ExportError(f"{where}: a map of blocks must be an object, got {value!r}")
        return [
            (
                "block",
                f"{name} {literal_string(label)}",
                _body_lines(schema_body(body, nested.schema, inner, f"{where}.{label}"), inner),
            )
            for label, label_value in value.items()
            for body in _block_bodies(label_value, f"{where}.{label}")
        ]
    return [
        ("block", name, _body_lines(schema_body(body, nested.schema, inner, where), inner))
        for body in _block_bodies(value, where)
    ]


def _traversal_list(value: Json, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    refs = [traversal(str(item), where) for item in items]
    return ["[" + ", ".join(refs) + "]"]


def _condition_blocks(name: str, value: Json, indent: str, where: str) -> list[Item]:
    inner = indent + INDENT
    items: list[Item] = []
    for body in _block_bodies(value, where):
        unknown = set(body) - {"condition", "error_message", "//"}
        if unknown:
            raise ExportError(f"{where}: unexpected {sorted(unknown)}")
        entries: list[Item] = [
            ("attr", key, render_value(body[key], inner))
            for key in ("condition", "error_message")
            if key in body
        ]
        items.append(("block", name, _body_lines(entries, inner)))
    return items


def lifecycle_block(value: Json, indent: str, where: str) -> list[str]:
    """The ``lifecycle`` meta-block of a resource, data source or ephemeral resource."""
    body = _single_body(value, where)
    inner = indent + INDENT
    items: list[Item] = []
    for key, setting in body.items():
        path = f"{where}.{key}"
        if key == "//":
            continue
        if key in ("create_before_destroy", "prevent_destroy", "destroy"):
            items.append(("attr", key, render_value(setting, inner, literal=True)))
        elif key == "ignore_changes" and setting == "all":
            items.append(("attr", key, ["all"]))
        elif key in ("ignore_changes", "replace_triggered_by"):
            items.append(("attr", key, _traversal_list(setting, path)))
        elif key in ("precondition", "postcondition"):
            items.extend(_condition_blocks(key, setting, inner, path))
        else:
            raise ExportError(f"{path}: unknown lifecycle setting")
    return _body_lines(items, inner)


_RESOURCE_META_FIRST = ("count", "for_each", "provider")


def resource_body(
    body: Mapping[str, Json], schema: BlockSchema, indent: str, where: str
) -> list[str]:
    """Body of a ``resource``, ``data`` or ``ephemeral`` block: meta-arguments around it."""
    items: list[Item] = []
    for key in _RESOURCE_META_FIRST:
        if key in body:
            value = body[key]
            lines = (
                [traversal(str(value), f"{where}.provider")]
                if key == "provider"
                else render_value(value, indent)
            )
            items.append(("attr", key, lines))
    rest = {
        k: v for k, v in body.items() if k not in (*_RESOURCE_META_FIRST, "depends_on", "lifecycle")
    }
    items.extend(schema_body(rest, schema, indent, where))
    if "depends_on" in body:
        items.append(("attr", "depends_on", _traversal_list(body["depends_on"], where)))
    if "lifecycle" in body:
        items.append(
            ("block", "lifecycle", lifecycle_block(body["lifecycle"], indent, f"{where}.lifecycle"))
        )
    return _body_lines(items, indent)


# ----------------------------------------------------------------------------- stacks


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
        for body in _block_bodies(terraform, "terraform"):
            for provider_body in _block_bodies(body.get("required_providers"), "terraform"):
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
        for body in _block_bodies(value, "terraform"):
            items: list[Item] = []
            for key, setting in body.items():
                where = f"{self.stack}: terraform.{key}"
                if key == "//":
                    continue
                if key == "required_version":
                    items.append(("attr", key, render_value(setting, INDENT, literal=True)))
                elif key == "required_providers":
                    for providers in _block_bodies(setting, where):
                        items.append(("block", key, self._required_providers(providers, where)))
                elif key == "backend":
                    items.extend(self._backend(setting, where))
                else:
                    raise ExportError(f"{where}: unsupported terraform setting")
            out.add("terraform.tf", ["terraform {", *_body_lines(items, INDENT), "}"])

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
                    entries.append((key, _traversal_list(setting, f"{where}.{local}")))
                else:
                    entries.append((key, render_value(setting, inner + INDENT, literal=True)))
            items.append(("attr", local, ["{", *_aligned(entries, inner + INDENT), inner + "}"]))
        return _body_lines(items, inner)

    def _backend(self, setting: Json, where: str) -> list[Item]:
        inner = INDENT * 2
        if not isinstance(setting, dict) or len(setting) != 1:
            raise ExportError(f"{where}: expected one backend type, got {setting!r}")
        ((backend_type, raw),) = setting.items()
        body = _single_body(raw, where)
        header = f"backend {literal_string(backend_type)}"
        return [("block", header, self._literal_body(body, inner, where))]

    @staticmethod
    def _literal_body(body: Mapping[str, Json], indent: str, where: str) -> list[str]:
        items: list[Item] = []
        for key, value in body.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                raise ExportError(f"{where}.{key}: nested blocks in backend settings")
            items.append(("attr", key, render_value(value, indent, literal=True)))
        return _body_lines(items, indent)

    def _providers(self, _key: str, value: Json, out: HclFiles) -> None:
        if not isinstance(value, dict):
            raise ExportError(f"{self.stack}: provider must be an object")
        for local, configs in value.items():
            schema = self.provider_schema(local, f"{self.stack}: provider {local}").provider
            for body in _block_bodies(configs, f"provider.{local}"):
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
                    [f"provider {literal_string(local)} {{", *_body_lines(items, INDENT), "}"],
                )

    def _labelled(self, kind: str, value: Json, out: HclFiles) -> None:
        if not isinstance(value, dict):
            raise ExportError(f"{self.stack}: {kind} must be an object")
        for type_name, named in value.items():
            if not isinstance(named, dict):
                raise ExportError(f"{self.stack}: {kind}.{type_name} must be an object")
            for name, raw in named.items():
                where = f"{self.stack}: {kind}.{type_name}.{name}"
                body = _single_body(raw, where)
                schema = self.block_schema(kind, type_name, body)
                lines = _comment(body)
                lines.append(f"{kind} {literal_string(type_name)} {literal_string(name)} {{")
                lines.extend(resource_body(body, schema, INDENT, where))
                lines.append("}")
                out.add("main.tf", lines)

    def _moved(self, key: str, value: Json, out: HclFiles) -> None:
        for body in _block_bodies(value, key):
            items: list[Item] = [
                ("attr", k, [traversal(str(v), f"{self.stack}: {key}.{k}")])
                for k, v in body.items()
                if k != "//"
            ]
            out.add("main.tf", [f"{key} {{", *_body_lines(items, INDENT), "}"])

    def _imports(self, key: str, value: Json, out: HclFiles) -> None:
        for body in _block_bodies(value, key):
            items: list[Item] = []
            for k, v in body.items():
                if k in ("to", "provider"):
                    items.append(("attr", k, [traversal(str(v), f"{self.stack}: import.{k}")]))
                elif k != "//":
                    items.append(("attr", k, render_value(v, INDENT)))
            out.add("main.tf", [f"{key} {{", *_body_lines(items, INDENT), "}"])

    def _variables(self, _key: str, value: Json, out: HclFiles) -> None:
        for name, raw in value.items():
            where = f"{self.stack}: variable.{name}"
            body = _single_body(raw, where)
            items: list[Item] = []
            for key, setting in body.items():
                if key == "type":
                    items.append(("attr", key, [type_constraint(str(setting), where)]))
                elif key == "validation":
                    items.extend(_condition_blocks(key, setting, INDENT, f"{where}.validation"))
                elif key != "//":
                    items.append(("attr", key, render_value(setting, INDENT, literal=True)))
            out.add(
                "variables.tf",
                [f"variable {literal_string(name)} {{", *_body_lines(items, INDENT), "}"],
            )

    def _locals(self, _key: str, value: Json, out: HclFiles) -> None:
        for body in _block_bodies(value, "locals"):
            items: list[Item] = [
                ("attr", k, render_value(v, INDENT)) for k, v in body.items() if k != "//"
            ]
            out.add("locals.tf", ["locals {", *_body_lines(items, INDENT), "}"])

    def _outputs(self, _key: str, value: Json, out: HclFiles) -> None:
        for name, raw in value.items():
            where = f"{self.stack}: output.{name}"
            body = _single_body(raw, where)
            items: list[Item] = []
            for key, setting in body.items():
                if key == "value":
                    items.append(("attr", key, render_value(setting, INDENT)))
                elif key in ("description", "sensitive", "ephemeral"):
                    items.append(("attr", key, render_value(setting, INDENT, literal=True)))
                elif key == "depends_on":
                    items.append(("attr", key, _traversal_list(setting, where)))
                elif key == "precondition":
                    items.extend(_condition_blocks(key, setting, INDENT, f"{where}.{key}"))
                elif key != "//":
                    raise ExportError(f"{where}.{key}: unknown output setting")
            out.add(
                "outputs.tf",
                [f"output {literal_string(name)} {{", *_body_lines(items, INDENT), "}"],
            )


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


def _run(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - terraform with fixed arguments, no shell
        list(command), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-12:]
        raise ExportError(f"{' '.join(command)} failed in {cwd}:\n  " + "\n  ".join(detail))
    return result.stdout


def scratch_config(document: Mapping[str, Json]) -> dict[str, Json]:
    """The stack without its backend and metadata: enough for init to install providers."""
    config = {key: value for key, value in document.items() if key != "//"}
    terraform = config.get("terraform")
    if isinstance(terraform, dict):
        config["terraform"] = {k: v for k, v in terraform.items() if k != "backend"}
    return config


def schema_from_terraform(
    documents: Mapping[str, Mapping[str, Json]], terraform: str, plugin_cache: Path
) -> list[Mapping[str, Json]]:
    """Run ``terraform init`` and ``providers schema -json`` on a backend-less copy of each
    stack (local state in a scratch directory; nothing is read from or written to the real
    backend)."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    env.setdefault("TF_PLUGIN_CACHE_DIR", str(plugin_cache))
    Path(env["TF_PLUGIN_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    results: list[Mapping[str, Json]] = []
    for stack, document in documents.items():
        with tempfile.TemporaryDirectory(prefix=f"schema-{stack}-") as scratch:
            workdir = Path(scratch)
            (workdir / "main.tf.json").write_text(
                json.dumps(scratch_config(document), default=str), encoding="utf-8"
            )
            _run([terraform, "init", "-input=false", "-no-color"], workdir, env)
            output = _run([terraform, "providers", "schema", "-json"], workdir, env)
            results.append(json.loads(output))
    return results


# -------------------------------------------------------------------------------- main


def find_stacks(stacks_dir: Path, names: Sequence[str]) -> dict[str, Path]:
    """Stack name -> its ``cdk.tf.json``, all of them or the ones named."""
    if not stacks_dir.is_dir():
        raise ExportError(f"{stacks_dir}: no such directory (run 'make synth' first)")
    found = {path.parent.name: path for path in sorted(stacks_dir.glob(f"*/{STACK_FILE}"))}
    if not found:
        raise ExportError(f"{stacks_dir}: no */{STACK_FILE} (run 'make synth' first)")
    missing = [name for name in names if name not in found]
    if missing:
        raise ExportError(f"unknown stacks {missing}; found {sorted(found)}")
    return {name: found[name] for name in names} if names else found


def write_stack(out_dir: Path, stack_file: Path, files: Mapping[str, str]) -> list[Path]:
    """Write the HCL files and copy the stack's assets; return the written files."""
    target = out_dir / stack_file.parent.name
    target.mkdir(parents=True, exist_ok=True)
    leftovers = sorted(target.glob("*.tf.json"))
    if leftovers:
        raise ExportError(f"{target} holds {leftovers[0].name}: Terraform would read both")
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    assets = stack_file.parent / "assets"
    if assets.is_dir():
        shutil.copytree(assets, target / "assets", dirs_exist_ok=True)
    return written


def terraform_fmt(terraform: str, directory: Path) -> None:
    """Run ``terraform fmt`` over the output (normally a no-op: the output is canonical)."""
    _run(
        [terraform, "fmt", "-no-color", "-list=false", "-recursive", str(directory)],
        directory,
        os.environ,
    )


def export(args: argparse.Namespace) -> list[Path]:
    """Convert the selected stacks; return the files written."""
    stacks = find_stacks(Path(args.stacks_dir), list(args.stacks))
    documents = {name: load_stack_json(path) for name, path in stacks.items()}
    terraform = args.terraform or shutil.which("terraform")
    if args.schema:
        raw_schemas = []
        for schema_path in args.schema:
            try:
                raw_schemas.append(json.loads(Path(schema_path).read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError) as exc:
                raise ExportError(f"--schema {schema_path}: {exc}") from exc
    elif terraform is None:
        raise ExportError(
            "the provider schema is needed to tell blocks from arguments: install terraform "
            "(>= 1.11) or pass --schema FILE (from 'terraform providers schema -json')"
        )
    else:
        with tempfile.TemporaryDirectory(prefix="tf-plugin-cache-") as cache:
            try:
                raw_schemas = schema_from_terraform(documents, terraform, Path(cache))
            except ExportError as exc:
                raise ExportError(
                    f"{exc}\nreading the provider schema needs the provider from the registry, "
                    "a mirror or TF_PLUGIN_CACHE_DIR; or pass --schema FILE (from "
                    "'terraform providers schema -json')"
                ) from exc
    schemas = Schemas.from_documents(raw_schemas)
    out_dir = Path(args.out)
    written: list[Path] = []
    for name, path in stacks.items():
        written.extend(write_stack(out_dir, path, convert_stack(documents[name], schemas, name)))
    if terraform is not None and not args.no_fmt:
        terraform_fmt(terraform, out_dir)
    return written


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        description="Convert synthesized cdk.tf.json stacks into Terraform .tf files."
    )
    parser.add_argument("stacks", nargs="*", help="stack names (default: every stack)")
    parser.add_argument(
        "--stacks-dir",
        default=str(DEFAULT_STACKS_DIR),
        help="directory of synthesized stacks (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT_DIR),
        help="output directory, one subdirectory per stack " "(default: %(default)s)",
    )
    parser.add_argument(
        "--schema",
        action="append",
        default=[],
        help="'terraform providers schema -json' output to use instead of "
        "running terraform init (repeatable)",
    )
    parser.add_argument("--terraform", help="terraform executable (default: from PATH)")
    parser.add_argument(
        "--no-fmt", action="store_true", help="do not run 'terraform fmt' over the output"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 on success, 1 when a stack cannot be converted faithfully."""
    args = build_parser().parse_args(argv)
    try:
        written = export(args)
    except ExportError as exc:
        print(f"export_hcl: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
