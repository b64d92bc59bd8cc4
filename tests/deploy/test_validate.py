"""``payment-dr-deploy validate``: the classifier on literal ``terraform validate -json`` output,
the CLI configuration, the mirror layouts, and a real run against the provider mirror."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from dr_app.deploy.checks import DeployError
from dr_app.deploy.stacks import stacks_of
from dr_app.deploy.steps import Stack
from dr_app.deploy.validate import (
    DEFAULT_MIRROR,
    Diagnostic,
    Target,
    choose_target,
    classify,
    cli_config,
    copy_stack,
    cross_version_line,
    find_mirror,
    mirror_versions,
    pinned_version,
    report,
    validate_stacks,
)
from payment_dr_core import EnvironmentConfig
from tests.conftest import SynthesizedApp, _synthesize

# Printed by terraform 1.11.4 validating a stack against hashicorp/aws 5.100.0 after adding an
# unknown argument, an unknown block, an unknown resource type and an undeclared reference
# (``snippet.code`` shortened: it is the whole one-line JSON document).
EXTRANEOUS = {
    "severity": "error",
    "summary": "Extraneous JSON object property",
    "detail": 'No argument or block type is named "bogus_arg".',
    "range": {"filename": "cdk.tf.json", "start": {"line": 1, "column": 126601, "byte": 126600}},
    "snippet": {"context": "resource.aws_vpc.network_vpc_4E8F0223", "code": "{...}"},
}
UNKNOWN_TYPE = {
    "severity": "error",
    "summary": "Invalid resource type",
    "detail": 'The provider hashicorp/aws does not support resource type "aws_nonexistent_thing".',
    "snippet": {"context": "resource", "code": "{...}"},
}
UNKNOWN_DATA = {
    "severity": "error",
    "summary": "Invalid data source",
    "detail": 'The provider hashicorp/aws does not support data source "aws_nonexistent_ds".',
    "snippet": {"context": "data", "code": "{...}"},
}
UNDECLARED = {
    "severity": "error",
    "summary": "Reference to undeclared resource",
    "detail": 'A managed resource "aws_vpc" "nope" has not been declared in the root module.',
    "snippet": {"context": "resource.aws_subnet.network_private-0_A0649C48", "code": "{...}"},
}
WRONG_TYPE = {
    "severity": "error",
    "summary": "Incorrect attribute value type",
    "detail": 'Inappropriate value for attribute "enable_dns_support": a bool is required.',
    "snippet": {"context": "resource.aws_vpc.network_vpc_4E8F0223", "code": "{...}"},
}
DEPRECATED = {
    "severity": "warning",
    "summary": "Argument is deprecated",
    "detail": "Use the aws_s3_bucket_versioning resource instead",
}


def result(*diagnostics: Mapping[str, object]) -> dict[str, object]:
    errors = sum(1 for d in diagnostics if d["severity"] == "error")
    return {
        "format_version": "1.0",
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(diagnostics) - errors,
        "diagnostics": list(diagnostics),
    }


def summaries(diagnostics: tuple[Diagnostic, ...]) -> list[str]:
    return [d.summary for d in diagnostics]


def test_cross_version_lists_schema_unknown_names_and_fails_the_rest() -> None:
    verdict = classify(
        result(EXTRANEOUS, UNKNOWN_TYPE, UNKNOWN_DATA, UNDECLARED, WRONG_TYPE, DEPRECATED),
        cross_version=True,
    )
    assert summaries(verdict.unknown) == [
        "Extraneous JSON object property",
        "Invalid resource type",
        "Invalid data source",
    ]
    assert summaries(verdict.errors) == [
        "Reference to undeclared resource",
        "Incorrect attribute value type",
    ]
    assert summaries(verdict.warnings) == ["Argument is deprecated"]
    assert not verdict.passed


def test_cross_version_with_only_unknown_names_passes() -> None:
    verdict = classify(result(EXTRANEOUS, UNKNOWN_TYPE, DEPRECATED), cross_version=True)
    assert verdict.passed
    assert len(verdict.unknown) == 2


def test_against_the_pinned_version_every_error_fails() -> None:
    verdict = classify(result(EXTRANEOUS, UNKNOWN_TYPE), cross_version=False)
    assert verdict.unknown == ()
    assert summaries(verdict.errors) == ["Extraneous JSON object property", "Invalid resource type"]


def test_valid_false_without_diagnostics_still_fails() -> None:
    verdict = classify({"valid": False, "diagnostics": []}, cross_version=True)
    assert not verdict.passed
    assert classify(result(), cross_version=False).passed


def test_report_names_the_version_and_each_listed_diagnostic() -> None:
    target = Target("5.100.0", "6.25.0", "mirror /opt/tf-plugins")
    text = report(
        "payment-dr-ci7-primary", target, classify(result(EXTRANEOUS), cross_version=True)
    )
    assert text.splitlines() == [
        "payment-dr-ci7-primary: valid against hashicorp/aws 5.100.0; 1 unknown to 5.100.0; "
        "0 warning(s)",
        "  unknown to 5.100.0: resource.aws_vpc.network_vpc_4E8F0223: Extraneous JSON object "
        'property: No argument or block type is named "bogus_arg".',
    ]
    assert cross_version_line(target) == (
        "CROSS-VERSION check against hashicorp/aws 5.100.0 (stacks pin 6.25.0): names unknown "
        "to 5.100.0 are listed, not failed"
    )


def test_cli_config_with_a_mirror() -> None:
    assert cli_config(Path("/opt/tf-plugins")) == (
        "disable_checkpoint = true\n"
        "\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        '    path    = "/opt/tf-plugins"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


def test_cli_config_without_a_mirror_installs_directly() -> None:
    assert cli_config(None) == (
        "disable_checkpoint = true\n\nprovider_installation {\n  direct {}\n}\n"
    )


def test_mirror_versions_reads_unpacked_and_packed_layouts(tmp_path: Path) -> None:
    base = tmp_path / "registry.terraform.io" / "hashicorp" / "aws"
    (base / "5.100.0" / "linux_amd64").mkdir(parents=True)
    (base / "5.9.0" / "linux_amd64").mkdir(parents=True)
    (base / "6.0.0" / "darwin_arm64").mkdir(parents=True)
    (base / "terraform-provider-aws_6.25.0_linux_amd64.zip").write_bytes(b"")
    (base / "terraform-provider-aws_6.26.0_darwin_arm64.zip").write_bytes(b"")
    assert mirror_versions(tmp_path, "linux_amd64") == ("5.9.0", "5.100.0", "6.25.0")
    assert mirror_versions(tmp_path / "empty", "linux_amd64") == ()


def test_choose_target() -> None:
    mirror = Path("/m")
    assert choose_target("6.25.0", mirror, ("5.100.0", "6.25.0")) == Target(
        "6.25.0", "6.25.0", "mirror /m"
    )
    cross = choose_target("6.25.0", mirror, ("5.9.0", "5.100.0"))
    assert (cross.version, cross.cross_version) == ("5.100.0", True)
    assert choose_target("6.25.0", None, ()) == Target("6.25.0", "6.25.0", "registry")
    with pytest.raises(DeployError, match="holds no hashicorp/aws for this platform"):
        choose_target("6.25.0", mirror, ())


def test_find_mirror(tmp_path: Path) -> None:
    assert find_mirror(str(tmp_path), {}) == tmp_path
    assert find_mirror(None, {"TF_PLUGIN_MIRROR": str(tmp_path)}) == tmp_path
    with pytest.raises(DeployError, match="not a directory"):
        find_mirror(str(tmp_path / "missing"), {})
    assert find_mirror(None, {}) == (DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None)


def test_copy_leaves_the_source_untouched_and_drops_terraform_files(tmp_path: Path) -> None:
    source = tmp_path / "stacks" / "s"
    (source / ".terraform" / "providers").mkdir(parents=True)
    (source / "assets").mkdir()
    (source / "assets" / "a.zip").write_bytes(b"zip")
    for name in (".terraform.lock.hcl", "s.tfplan", "terraform.s.tfstate"):
        (source / name).write_text("x")
    document = {
        "terraform": {"required_providers": {"aws": {"source": "aws", "version": "6.25.0"}}}
    }
    (source / "cdk.tf.json").write_text(json.dumps(document))
    copy = copy_stack(Stack("s", source), tmp_path / "copy", "5.100.0")
    assert sorted(p.name for p in copy.iterdir()) == ["assets", "cdk.tf.json"]
    assert pinned_version(json.loads((copy / "cdk.tf.json").read_text())) == "5.100.0"
    assert pinned_version(json.loads((source / "cdk.tf.json").read_text())) == "6.25.0"
    with pytest.raises(DeployError, match="pins no"):
        pinned_version({"terraform": {}})


# A real run: terraform and a provider in the mirror are needed.
TERRAFORM = shutil.which("terraform")
MIRROR = find_mirror(None, os.environ)
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None or MIRROR is None,
    reason="terraform validate needs terraform on PATH and a provider mirror "
    "(TF_PLUGIN_MIRROR or /opt/tf-plugins)",
)
LONGEST_SUFFIX = "longsuffix-16chr"


@pytest.fixture(scope="module")
def longest_suffix_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """Both stacks of an environment with a 16-character suffix (the longest allowed)."""
    if TERRAFORM is None or MIRROR is None:
        pytest.skip("terraform or the provider mirror is absent")
    return _synthesize(
        EnvironmentConfig(suffix=LONGEST_SUFFIX), tmp_path_factory.mktemp("cdktf-longest.out")
    )


def run_validate(app: SynthesizedApp) -> str:
    assert TERRAFORM is not None
    out = io.StringIO()
    passed = validate_stacks(
        TERRAFORM, stacks_of(app.config, app.outdir), MIRROR, out, dict(os.environ)
    )
    text = out.getvalue()
    assert passed, text
    for stack in app.stacks:
        assert f"{stack}: valid against hashicorp/aws " in text
        assert not (app.stacks_dir / stack / ".terraform").exists()
        assert not (app.stacks_dir / stack / ".terraform.lock.hcl").exists()
    return text


@needs_terraform
def test_default_environment_validates(synthesized_app: SynthesizedApp) -> None:
    run_validate(synthesized_app)


@needs_terraform
def test_production_environment_validates(production_app: SynthesizedApp) -> None:
    assert production_app.config.production
    run_validate(production_app)


@needs_terraform
def test_longest_suffix_environment_validates(longest_suffix_app: SynthesizedApp) -> None:
    assert len(longest_suffix_app.config.suffix) == 16
    run_validate(longest_suffix_app)
