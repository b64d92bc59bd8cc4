"""``payment-dr-synth``: validate one environment's config, then synthesize both stacks.

Works from the checkout and from the installed wheels alike::

    payment-dr-synth --suffix prod --environments-dir ./environments --outdir ./cdktf.out

The suffix is ``--suffix``, else ``$ENVIRONMENT_SUFFIX``, else ``dev``; the directories are
resolved as :mod:`dr_app.paths` describes. The config is loaded and validated before anything
is deleted or the provider bindings (a few seconds through jsii) are imported: a bad value is
one line on stderr naming the file and the key, and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dr_app.output_swap import publish, staging_dir
from dr_app.paths import ENVIRONMENTS_DIR_VAR, environments_dir, output_dir
from payment_dr_core import ConfigError, EnvironmentConfig, load_config
from payment_dr_core.config import DEFAULT_SUFFIX

USAGE_ERROR = 2


@dataclass(frozen=True)
class ConfigSource:
    """Where one environment's config comes from."""

    suffix: str
    file: Path
    used: bool
    """True when ``file`` exists and was read; False: the defaults."""

    def describe(self) -> str:
        """One line for the synth report."""
        if self.used:
            return f"config: {self.file}"
        return f"config: defaults (no {self.file})"


class SynthError(Exception):
    """A problem the user fixes in their input: printed as one line, no traceback."""


def resolve(
    suffix: str | None,
    environments: str | Path | None,
    environ: Mapping[str, str],
) -> tuple[EnvironmentConfig, ConfigSource]:
    """Load and validate the config; a named suffix other than the built-in default needs its
    file."""
    chosen = suffix or environ.get("ENVIRONMENT_SUFFIX") or DEFAULT_SUFFIX
    directory = environments_dir(environments, environ)
    explicit_dir = bool(environments or environ.get(ENVIRONMENTS_DIR_VAR))
    if explicit_dir and not directory.is_dir():
        raise SynthError(f"environments directory {directory}: not a directory")
    source = ConfigSource(
        chosen, directory / f"{chosen}.toml", (directory / f"{chosen}.toml").is_file()
    )
    if not source.used and chosen != DEFAULT_SUFFIX:
        try:  # a suffix that could never name an environment is said as such first
            EnvironmentConfig(suffix=chosen)
        except ConfigError as exc:
            raise SynthError(f"environment: {exc}") from exc
        # A named environment without its file is a typo far more often than a wish for
        # the defaults: refuse it rather than synthesize a whole environment nobody asked for.
        existing = sorted(p.stem for p in directory.glob("*.toml") if p.stem != "example")
        choices = ", ".join(existing) if existing else "none yet"
        raise SynthError(
            f"environment {chosen!r}: no {source.file} (environments there: {choices}; "
            f"only the built-in {DEFAULT_SUFFIX!r} needs no file: copy example.toml to start "
            "one)"
        )
    try:
        config = load_config({**environ, "ENVIRONMENT_SUFFIX": chosen}, directory)
    except ConfigError as exc:
        where = source.file if source.used else "environment"
        raise SynthError(f"{where}: {exc}") from exc
    return config, source


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="payment-dr-synth",
        description="Validate an environment's config, then synthesize its primary and "
        "secondary stacks.",
    )
    parser.add_argument("--suffix", help="environment suffix (default $ENVIRONMENT_SUFFIX or dev)")
    parser.add_argument(
        "--environments-dir",
        help="directory of <suffix>.toml files (default $PAYMENT_DR_ENVIRONMENTS_DIR, the "
        "checkout's apps/dr-app/environments, or ./environments)",
    )
    parser.add_argument(
        "--outdir",
        help="output directory (default $PAYMENT_DR_OUTDIR, $CDKTF_OUTDIR, the checkout's "
        "apps/dr-app/cdktf.out, or ./cdktf.out)",
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="drop stacks of the previous output that this synth does not make (Terraform "
        "state, lock files and .terraform/ are always kept); the new output replaces the "
        "old one only once the synth has succeeded",
    )
    parser.add_argument("--no-report", action="store_true", help="do not print the summary")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also list each stack's files, assets and resource counts by type",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Console entry point (``payment-dr-synth``)."""
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        config, source = resolve(args.suffix, args.environments_dir, env)
    except SynthError as exc:
        sys.stderr.write(f"payment-dr-synth: configuration error: {exc}\n")
        return USAGE_ERROR
    outdir = output_dir(args.outdir, env).absolute()

    from dr_app.app import build_app  # deferred: importing it loads jsii
    from dr_app.synth_report import render, summarize

    # Built aside and swapped in only once it succeeded: a failed synth leaves the previous
    # output, and Terraform's files in it (state, lock file, .terraform/), as they were.
    with staging_dir(outdir) as staging:
        build_app(config, staging, published_outdir=outdir).app.synth()
        publish(staging, outdir, clean=args.clean)
    if not args.no_report:
        print(
            render(
                outdir.resolve(),
                summarize(outdir.resolve()),
                verbose=args.verbose,
                suffix="" if config.suffix == DEFAULT_SUFFIX else config.suffix,
                config_source=source.describe(),
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
