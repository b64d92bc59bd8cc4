from __future__ import annotations

from pathlib import Path

import pytest

from dr_app.checkov_gate import AcceptedFinding, evaluate, gate, load_exceptions
from tests.conftest import SynthesizedApp


def test_checkov_finds_nothing_beyond_the_documented_exceptions(
    synthesized_app: SynthesizedApp,
) -> None:
    result = gate(synthesized_app.stacks_dir)
    assert result.passed > 100
    assert result.parsing_errors == 0
    assert [f"{f.check} {f.resource} {f.file}" for f in result.failed] == []
    assert [f"{e.check} {e.resource}" for e in result.unused] == []


def test_every_exception_has_a_reason() -> None:
    for exception in load_exceptions():
        assert len(exception.reason) >= 40


def test_gate_fails_on_an_unlisted_finding_and_on_a_stale_exception() -> None:
    report = {
        "summary": {"passed": 3, "parsing_errors": 0},
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_AWS_1",
                    "resource": "aws_x.a",
                    "file_path": "/s/cdk.tf.json",
                    "check_name": "n",
                },
                {
                    "check_id": "CKV_AWS_2",
                    "resource": "aws_y.b",
                    "file_path": "/s/cdk.tf.json",
                    "check_name": "n",
                },
            ]
        },
    }
    accepted = AcceptedFinding("CKV_AWS_1", r"aws_x\..*", "reason " * 10)
    stale = AcceptedFinding("CKV_AWS_9", r".*", "reason " * 10)
    result = evaluate([report], [accepted, stale])
    assert [f.check for f in result.failed] == ["CKV_AWS_2"]
    assert result.unused == [stale]
    assert not result.ok


def test_exceptions_without_reason_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('[[exception]]\ncheck = "CKV_AWS_1"\nresource = ".*"\nreason = "because"\n')
    with pytest.raises(ValueError, match="real reason"):
        load_exceptions(path)
