"""The lazy provider bindings never change what is synthesized.

The session's app (synthesized in this process through the lazy path) is compared,
file by file and byte by byte, with the same environment synthesized in a fresh
interpreter through the eager import of all ~2,200 provider submodules. The eager
run takes 35-40 s on a 2-core machine: this is the slow test the lazy loader earns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from payment_dr_core import aws_bindings
from tests.conftest import APP_SUFFIX, SynthesizedApp

EAGER_SYNTH = textwrap.dedent(
    """
    import sys
    from dr_app.app import build_app
    from payment_dr_core import EnvironmentConfig, aws_bindings
    build_app(EnvironmentConfig(suffix=sys.argv[2]), sys.argv[1]).app.synth()
    print(aws_bindings.is_lazy(), len(aws_bindings.loaded_submodules()))
    """
)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.slow
def test_lazy_and_eager_synth_are_byte_identical(
    synthesized_app: SynthesizedApp, tmp_path: Path
) -> None:
    assert aws_bindings.is_lazy(), "the session's app must come from the lazy path"
    assert len(aws_bindings.loaded_submodules()) < 200

    env = dict(os.environ, **{aws_bindings.EAGER_ENV: "1"})
    result = subprocess.run(
        [sys.executable, "-c", EAGER_SYNTH, str(tmp_path), APP_SUFFIX],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # The eager run really imported every submodule.
    assert result.stdout.split() == ["False", "2212"]

    lazy, eager = _tree(synthesized_app.outdir), _tree(tmp_path)
    assert sorted(lazy) == sorted(eager)
    assert any(name.endswith("cdk.tf.json") for name in lazy)
    differing = [name for name in lazy if lazy[name] != eager[name]]
    assert differing == []
