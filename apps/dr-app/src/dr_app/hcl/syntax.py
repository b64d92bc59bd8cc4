"""HCL syntax: templates, literals, values and the bodies of blocks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from dr_app.hcl.schema import BlockSchema, ExportError, Json, NestedBlock

INDENT = "  "
INLINE_LIST_WIDTH = 80

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
        body = aligned(
            [
                (_key(str(k), literal), render_value(v, indent + INDENT, literal))
                for k, v in entries
            ],
            indent + INDENT,
        )
        return ["{", *body, indent + "}"]
    raise ExportError(f"unsupported JSON value {value!r}")


def aligned(items: Sequence[tuple[str, list[str]]], indent: str) -> list[str]:
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


def body_lines(items: Sequence[Item], indent: str) -> list[str]:
    lines: list[str] = []
    pending: list[tuple[str, list[str]]] = []
    for kind, head, content in items:
        if kind == "attr":
            pending.append((head, content))
            continue
        lines.extend(aligned(pending, indent))
        pending = []
        if not content:
            lines.append(f"{indent}{head} {{}}")
            continue
        lines.append(f"{indent}{head} {{")
        lines.extend(content)
        lines.append(f"{indent}}}")
    lines.extend(aligned(pending, indent))
    return lines


def block_bodies(value: Json, where: str) -> list[Mapping[str, Json]]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return list(value)
    raise ExportError(f"{where}: a block must be an object or a list of objects, got {value!r}")


def single_body(value: Json, where: str) -> Mapping[str, Json]:
    bodies = block_bodies(value, where)
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
                body_lines(schema_body(body, nested.schema, inner, f"{where}.{label}"), inner),
            )
            for label, label_value in value.items()
            for body in block_bodies(label_value, f"{where}.{label}")
        ]
    return [
        ("block", name, body_lines(schema_body(body, nested.schema, inner, where), inner))
        for body in block_bodies(value, where)
    ]


def traversal_list(value: Json, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    refs = [traversal(str(item), where) for item in items]
    return ["[" + ", ".join(refs) + "]"]


def condition_blocks(name: str, value: Json, indent: str, where: str) -> list[Item]:
    inner = indent + INDENT
    items: list[Item] = []
    for body in block_bodies(value, where):
        unknown = set(body) - {"condition", "error_message", "//"}
        if unknown:
            raise ExportError(f"{where}: unexpected {sorted(unknown)}")
        entries: list[Item] = [
            ("attr", key, render_value(body[key], inner))
            for key in ("condition", "error_message")
            if key in body
        ]
        items.append(("block", name, body_lines(entries, inner)))
    return items


def lifecycle_block(value: Json, indent: str, where: str) -> list[str]:
    """The ``lifecycle`` meta-block of a resource, data source or ephemeral resource."""
    body = single_body(value, where)
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
            items.append(("attr", key, traversal_list(setting, path)))
        elif key in ("precondition", "postcondition"):
            items.extend(condition_blocks(key, setting, inner, path))
        else:
            raise ExportError(f"{path}: unknown lifecycle setting")
    return body_lines(items, inner)


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
        items.append(("attr", "depends_on", traversal_list(body["depends_on"], where)))
    if "lifecycle" in body:
        items.append(
            ("block", "lifecycle", lifecycle_block(body["lifecycle"], indent, f"{where}.lifecycle"))
        )
    return body_lines(items, indent)


# ----------------------------------------------------------------------------- stacks
