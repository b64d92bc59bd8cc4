"""Replace a generated section of a Markdown file, between ``<!-- NAME:begin/end -->`` markers."""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of section ``name``."""
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def replace_section(path: Path, name: str, body: str, *, heading: str) -> None:
    """Put ``body`` between the markers of ``name`` in ``path``.

    The markers are added, under ``heading``, at the end of the file when they are not
    there yet; the rest of the file is left as it is.
    """
    begin, end = markers(name)
    section = f"{begin}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = f"{text.rstrip()}\n\n## {heading}\n\n{section}\n"
    path.write_text(text, encoding="utf-8")
