"""The README's "real output of make synth" is the report of the synthesized default app."""

from __future__ import annotations

import re
from pathlib import Path

from dr_app.synth_report import render, summarize
from tests.conftest import APP_SUFFIX, SynthesizedApp

REPO = Path(__file__).resolve().parents[2]
SHOWN_OUTDIR = "/home/you/payment-dr/apps/dr-app/cdktf.out"
SHOWN_CONFIG = "config: defaults (no /home/you/payment-dr/apps/dr-app/environments/dev.toml)"


def readme_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- synth-report:begin -->")[1].split("<!-- synth-report:end -->")[0]
    return block.strip().removeprefix("```").removesuffix("```").strip()


def sizes_hidden(text: str) -> str:
    """Asset sizes change with every change of the bundled code: compared as N."""
    return re.sub(r"\(\d+ KiB\)", "(N KiB)", text)


def test_the_readme_shows_what_make_synth_prints(synthesized_app: SynthesizedApp) -> None:
    report = render(
        Path(SHOWN_OUTDIR), summarize(synthesized_app.outdir), config_source=SHOWN_CONFIG
    )
    expected = sizes_hidden(re.sub(rf"\b{APP_SUFFIX}\b", "dev", report))
    assert sizes_hidden(readme_block()) == expected, (
        "README.md's synth output drifted; run make synth and paste its output between the "
        "synth-report markers (paths as /home/you/payment-dr)"
    )
