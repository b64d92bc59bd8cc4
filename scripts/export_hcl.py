"""Export synthesized stacks (``cdk.tf.json``) as Terraform native syntax (``.tf`` files).

The command line of :mod:`dr_app.hcl` (see its documentation and docs/hcl-export.md).

Usage::

    python scripts/export_hcl.py [--stacks-dir DIR] [--out DIR] [--schema FILE]... [STACK...]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dr_app.hcl import DEFAULT_OUT_DIR, DEFAULT_STACKS_DIR, ExportError, ExportOptions, export


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
    options = ExportOptions(
        stacks_dir=Path(args.stacks_dir),
        out=Path(args.out),
        stacks=tuple(args.stacks),
        schema=tuple(Path(path) for path in args.schema),
        terraform=args.terraform,
        no_fmt=bool(args.no_fmt),
    )
    try:
        written = export(options)
    except ExportError as exc:
        print(f"export_hcl: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
