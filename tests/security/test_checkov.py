from __future__ import annotations

import json
from pathlib import Path

import pytest

from dr_app.checkov_gate import AcceptedFinding, evaluate, gate, load_exceptions
from tests.conftest import SynthesizedApp


def test_checkov_finds_nothing_beyond_the_documented_exceptions(
    synthesized_app: SynthesizedApp,
) -> None:
    result = gate(synthesized_app.stacks_dir, "default")
    assert result.passed > 100
    assert result.parsing_errors == 0
    assert [f"{f.check} {f.resource} {f.file}" for f in result.failed] == []
    assert [f"{e.check} {e.resource}" for e in result.unused] == []


def test_production_passes_without_the_destroyability_exceptions(
    production_app: SynthesizedApp,
) -> None:
    result = gate(production_app.stacks_dir, "production")
    assert result.passed > 100
    assert result.parsing_errors == 0
    assert [f"{f.check} {f.resource} {f.file}" for f in result.failed] == []
    assert [f"{e.check} {e.resource}" for e in result.unused] == []
    accepted = {exception.check for _, exception in result.accepted}
    assert "CKV_AWS_139" not in accepted  # deletion protection is on: nothing to accept


def test_the_lambda_fault_opt_in_passes_too(lambda_faults_app: SynthesizedApp) -> None:
    """``gameday_lambda_faults`` adds a bucket, a layer and permissions: the same gate, and
    only the accepted finding its bucket shares with the access log buckets."""
    result = gate(lambda_faults_app.stacks_dir, "default")
    assert result.parsing_errors == 0
    assert [f"{f.check} {f.resource} {f.file}" for f in result.failed] == []
    assert [f"{e.check} {e.resource}" for e in result.unused] == []
    config_bucket = [
        finding.check for finding, _ in result.accepted if "fis-config" in finding.resource
    ]
    assert config_bucket == ["CKV_AWS_144"]


def test_destroyability_exceptions_hold_for_the_default_profile_only() -> None:
    default = {(e.check, e.resource) for e in load_exceptions(profile="default")}
    production = {(e.check, e.resource) for e in load_exceptions(profile="production")}
    only_default = default - production
    assert {check for check, _ in only_default} == {"CKV_AWS_139"}
    assert production < default


def test_unknown_profiles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="profile"):
        load_exceptions(profile="staging")
    path = tmp_path / "x.toml"
    path.write_text(
        '[[exception]]\ncheck = "CKV_AWS_1"\nresource = ".*"\nprofile = "prod"\n'
        f'reason = "{"a reason long enough to be a real one " * 2}"\n'
    )
    with pytest.raises(ValueError, match="profile 'prod'"):
        load_exceptions(path)


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


def test_the_scanned_copy_drops_only_the_terraform_version_constraint(
    synthesized_app: SynthesizedApp, tmp_path: Path
) -> None:
    from dr_app.checkov_gate import scannable_copy

    copy = scannable_copy(synthesized_app.stacks_dir, tmp_path)
    for name, original in synthesized_app.stacks.items():
        scanned = json.loads((copy / name / "cdk.tf.json").read_text())
        assert original["terraform"]["required_version"] == ">= 1.11.0"
        assert "required_version" not in scanned["terraform"]
        scanned["terraform"]["required_version"] = ">= 1.11.0"
        assert scanned == original
