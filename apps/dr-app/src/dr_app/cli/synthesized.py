"""Reading the synthesized Terraform JSON (``cdktf.out/stacks/<stack>/cdk.tf.json``).

Only literal values count: an argument that is a Terraform expression (``${...}``) is not
known at synth time and is treated as absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_RATE = re.compile(r"rate\((?P<value>\d+)\s+(?P<unit>minutes?|hours?|days?|seconds?)\)")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Resource:
    """One resource block of a stack."""

    stack: str
    type: str
    id: str
    body: Mapping[str, object]

    @property
    def address(self) -> str:
        """``<stack>/<type>.<id>``."""
        return f"{self.stack}/{self.type}.{self.id}"


@dataclass(frozen=True)
class SynthesizedApp:
    """The stacks of one environment found in an output directory."""

    outdir: Path
    stacks: Mapping[str, Mapping[str, object]]

    def resources(self, resource_type: str) -> Iterator[Resource]:
        """Every resource of ``resource_type`` in every stack, in stack order."""
        for stack_name in sorted(self.stacks):
            blocks = self.stacks[stack_name].get("resource")
            typed = blocks.get(resource_type) if isinstance(blocks, Mapping) else None
            if not isinstance(typed, Mapping):
                continue
            for resource_id in sorted(typed):
                body = typed[resource_id]
                if isinstance(body, Mapping):
                    yield Resource(stack_name, resource_type, str(resource_id), body)


def load_app(outdir: Path, stack_names: tuple[str, ...]) -> SynthesizedApp:
    """Load the named stacks that exist under ``outdir/stacks`` (missing ones are skipped)."""
    stacks: dict[str, Mapping[str, object]] = {}
    for name in stack_names:
        path = outdir / "stacks" / name / "cdk.tf.json"
        if path.is_file():
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, Mapping):
                stacks[name] = document
    return SynthesizedApp(outdir, stacks)


def literal_int(value: object) -> int | None:
    """``value`` as an int when it is a literal number (or a numeric string), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def rate_seconds(expression: object) -> int | None:
    """Seconds of an EventBridge ``rate(...)`` expression, ``None`` for anything else."""
    if not isinstance(expression, str):
        return None
    match = _RATE.fullmatch(expression.strip())
    if match is None:
        return None
    unit = match["unit"].rstrip("s")
    return int(match["value"]) * _UNIT_SECONDS[unit]


def nested(body: object, *path: str | int) -> object:
    """``body[path[0]][path[1]]...`` through mappings and lists, ``None`` when absent (or when
    ``body`` or a step on the way is neither)."""
    current: object = body
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or len(current) <= step:
                return None
            current = current[step]
        else:
            if not isinstance(current, Mapping):
                return None
            current = current.get(step)
    return current
