"""``payment-dr-deploy`` end to end without terraform: --dry-run, and the one-line errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dr_app.deploy.checks import NO_CREDENTIALS, credentials_problem
from dr_app.deploy.main import main


@pytest.fixture
def envdir(tmp_path: Path) -> str:
    """An environments directory with ``ci7.toml`` (the defaults)."""
    directory = tmp_path / "environments"
    directory.mkdir()
    (directory / "ci7.toml").write_text("# ci7: every value defaulted\n", encoding="utf-8")
    return str(directory)


def fake_terraform(directory: Path) -> Path:
    path = directory / "terraform"
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_dry_run_prints_the_exact_commands_in_order(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status = main(
        [
            "deploy",
            "--dry-run",
            "--suffix",
            "ci7",
            "--environments-dir",
            envdir,
            "--outdir",
            str(out),
        ],
        environ={"PATH": str(tmp_path / "empty")},
    )
    p = f"-chdir={out}/stacks/payment-dr-ci7-primary"
    s = f"-chdir={out}/stacks/payment-dr-ci7-secondary"
    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        f"payment-dr-synth --suffix ci7 --outdir {out} --environments-dir {envdir}",
        f"terraform {p} init -input=false",
        f"terraform {p} plan -input=false -out=payment-dr-ci7-primary.tfplan",
        f"terraform {p} show payment-dr-ci7-primary.tfplan",
        "# confirm: apply payment-dr-ci7-primary.tfplan to payment-dr-ci7-primary "
        "(only 'yes' applies it)",
        f"terraform {p} apply -input=false payment-dr-ci7-primary.tfplan",
        f"terraform {s} init -input=false",
        f"terraform {p} output -json  # payment-dr-ci7-secondary is planned only once this "
        "lists every output it reads",
        f"terraform {s} plan -input=false -out=payment-dr-ci7-secondary.tfplan",
        f"terraform {s} show payment-dr-ci7-secondary.tfplan",
        "# confirm: apply payment-dr-ci7-secondary.tfplan to payment-dr-ci7-secondary "
        "(only 'yes' applies it)",
        f"terraform {s} apply -input=false payment-dr-ci7-secondary.tfplan",
    ]
    assert not out.exists()  # a dry run synthesizes nothing


def test_dry_run_of_destroy_with_auto_approve_from_the_environment(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status = main(
        [
            "destroy",
            "--dry-run",
            "--skip-synth",
            "--suffix",
            "ci7",
            "--environments-dir",
            envdir,
            "--outdir",
            str(out),
        ],
        environ={"AUTO_APPROVE": "1", "TERRAFORM": "/opt/tf/terraform"},
    )
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert (
        lines[0]
        == f"/opt/tf/terraform -chdir={out}/stacks/payment-dr-ci7-secondary init -input=false"
    )
    assert [line.split()[2] for line in lines] == [
        "init",
        "init",
        "output",
        "plan",
        "show",
        "apply",
        "plan",
        "show",
        "apply",
    ]
    assert not any(line.startswith("#") for line in lines)


def test_missing_terraform_is_one_line_and_exit_1(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["plan", "--suffix", "ci7", "--environments-dir", envdir, "--outdir", str(tmp_path)],
        environ={"PATH": str(tmp_path)},
    )
    err = capsys.readouterr().err
    assert status == 1
    assert err.endswith(
        "payment-dr-deploy: terraform not found: 'terraform' is not on PATH; install Terraform "
        ">= 1.11 (docs/deployment.md, Prerequisites) or set TERRAFORM=/path/to/terraform\n"
    )
    assert "Traceback" not in err


def test_a_terraform_path_that_is_not_executable(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "deploy",
            "--suffix",
            "ci7",
            "--environments-dir",
            envdir,
            "--outdir",
            str(tmp_path),
            "--terraform",
            "/nonexistent/terraform",
        ],
        environ={},
    )
    assert status == 1
    assert "terraform not found: '/nonexistent/terraform' is not an executable file;" in (
        capsys.readouterr().err
    )


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_credentials")
def test_missing_credentials_is_one_line_and_exit_1(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_terraform(tmp_path)
    status = main(
        ["plan", "--suffix", "ci7", "--environments-dir", envdir, "--outdir", str(tmp_path)],
        environ={"PATH": str(tmp_path)},
    )
    assert status == 1
    assert capsys.readouterr().err.endswith(
        "payment-dr-deploy: no AWS credentials: set AWS_PROFILE (after `aws configure` or `aws sso "
        "login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; instance-profile credentials are "
        "not looked up (no network call before terraform runs)\n"
    )


@pytest.mark.usefixtures("no_credentials")
def test_credentials_come_from_the_chain_without_a_network_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert credentials_problem({}) == NO_CREDENTIALS
    # A container's credentials variable counts as configured (fetching them needs the network).
    assert credentials_problem({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"}) is None
    files = tmp_path / "credentials"
    files.write_text("[ops]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files))
    monkeypatch.setenv("AWS_PROFILE", "ops")
    assert credentials_problem({}) is None
    monkeypatch.setenv("AWS_PROFILE", "nobody")
    assert (
        credentials_problem({}) == "AWS credentials: The config profile (nobody) could not be found"
    )


def test_fake_environment_credentials_count(tmp_path: Path) -> None:
    assert credentials_problem({}) is None


def test_deploy_without_a_terminal_needs_auto_approve(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_terraform(tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    status = main(
        ["deploy", "--suffix", "ci7", "--environments-dir", envdir, "--outdir", str(tmp_path)],
        environ={"PATH": str(tmp_path)},
    )
    assert status == 1
    assert capsys.readouterr().err.endswith(
        "payment-dr-deploy: deploy asks before applying each plan, and standard input is not a "
        "terminal: run it from one, or pass --auto-approve (AUTO_APPROVE=1)\n"
    )


def test_a_bad_suffix_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--dry-run", "--suffix", "Bad_Suffix"], environ={}) == 2
    assert capsys.readouterr().err.startswith("payment-dr-deploy: configuration error: ")


def test_validate_without_terraform_is_one_line_and_exit_1(
    envdir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["validate", "--suffix", "ci7", "--environments-dir", envdir, "--outdir", str(tmp_path)],
        environ={"PATH": str(tmp_path)},
    )
    assert status == 1
    assert capsys.readouterr().err.endswith(
        "payment-dr-deploy: validate not run: terraform not found: 'terraform' is not on PATH; "
        "install Terraform >= 1.11 (docs/deployment.md, Prerequisites) or set "
        "TERRAFORM=/path/to/terraform\n"
    )
    assert not (tmp_path / "stacks").exists()  # nothing synthesized
