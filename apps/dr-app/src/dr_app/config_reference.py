"""Generate docs/configuration.md from the config dataclasses, so the reference cannot drift.

``python -m dr_app.config_reference [--check]`` writes (or, with ``--check``, compares) the
page. Field descriptions are the attribute docstrings in payment_dr_core.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
from pathlib import Path

from dr_app.paths import REPO_ROOT
from payment_dr_core import EnvironmentConfig, RegionPair, StateBackendConfig

OUTPUT = REPO_ROOT / "docs" / "configuration.md"
SECTIONS: tuple[tuple[str, type, str], ...] = (
    ("Top level", EnvironmentConfig, ""),
    ("[regions]", RegionPair, "regions."),
    ("[state]", StateBackendConfig, "state."),
)

HEADER = """# Configuration reference

Generated from the config dataclasses in `packages/core` by
`python -m dr_app.config_reference`; a test fails when this page is out of date.

An environment is named by `ENVIRONMENT_SUFFIX` (default `dev`). Its optional
file `apps/dr-app/environments/<suffix>.toml` sets any of the keys below (an
unknown key is an error; see `environments/example.toml`).
`PAYMENT_DR_BACKEND=local|s3` overrides `state.kind`. Every value is validated
before anything is built; an error names the field, the value and what is allowed.
"""


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstring written under each annotated attribute of ``cls``."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    docs: dict[str, str] = {}
    for node, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _default(field: dataclasses.Field[object]) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return "(required)"
    if dataclasses.is_dataclass(value):
        return "see its section"
    if isinstance(value, tuple):
        return "`" + repr(list(value)).replace("'", '"') + "`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def render() -> str:
    """The whole page."""
    lines = [HEADER]
    for title, cls, prefix in SECTIONS:
        docs = attribute_docs(cls)
        lines += [f"## {title}", "", "| key | default | meaning |", "|---|---|---|"]
        for field in dataclasses.fields(cls):
            if cls is EnvironmentConfig and field.name == "suffix":
                continue
            text = docs.get(field.name, "").replace("|", "\\|")
            lines.append(f"| `{prefix}{field.name}` | {_default(field)} | {text} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` exit 1 when it is out of date."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python -m dr_app.config_reference")
            return 1
        return 0
    Path(OUTPUT).write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
