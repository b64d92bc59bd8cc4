"""``payment-dr-synth`` before it synthesizes: one-line errors, validation before deletion,
the config source it names, the warning for a suffix with no file. (The full synth through
the entry point runs in tests/release/test_installed_app.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_app.synth import main, resolve


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_type_error_is_one_line_with_the_file_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    envs = tmp_path / "envs"
    config = _write(envs, "qa1.toml", 'backup_retention_days = "7"\n')
    code = main(["--suffix", "qa1", "--environments-dir", str(envs)], environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"payment-dr-synth: configuration error: {config}: backup_retention_days: got '7'; "
        "allowed: an integer (type error: got a string)\n"
    )


def test_an_invalid_config_leaves_the_previous_output_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    envs = tmp_path / "envs"
    _write(envs, "qa2.toml", '[regions]\nsecondary = "us-east-9"\n')
    previous = _write(tmp_path / "out" / "stacks", "kept.json", "{}")
    code = main(
        [
            "--suffix",
            "qa2",
            "--environments-dir",
            str(envs),
            "--outdir",
            str(tmp_path / "out"),
            "--clean",
        ],
        environ={},
    )
    assert code == 2
    assert previous.read_text() == "{}"
    assert "regions.secondary: got 'us-east-9'" in capsys.readouterr().err


def test_a_bad_suffix_from_the_environment_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--environments-dir", str(tmp_path)], environ={"ENVIRONMENT_SUFFIX": "Prod"})
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("payment-dr-synth: configuration error: environment: suffix: got 'Prod'")
    assert err.count("\n") == 1


def test_a_missing_environments_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    code = main(["--suffix", "qa3"], environ={"PAYMENT_DR_ENVIRONMENTS_DIR": str(missing)})
    assert code == 2
    assert capsys.readouterr().err == (
        f"payment-dr-synth: configuration error: environments directory {missing}: "
        "not a directory\n"
    )


def test_the_source_names_the_file_it_used(tmp_path: Path) -> None:
    path = _write(tmp_path, "qa4.toml", 'alert_email = "ops@example.org"\n')
    config, source = resolve("qa4", tmp_path, {})
    assert config.alert_email == "ops@example.org"
    assert source.describe() == f"config: {path}"


def test_a_named_environment_without_its_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in the suffix must not synthesize a whole environment of defaults."""
    _write(tmp_path, "staging.toml", "")
    _write(tmp_path, "prod.toml", "")
    _write(tmp_path, "example.toml", "")
    previous = _write(tmp_path / "out", "manifest.json", "{}")
    code = main(
        ["--outdir", str(tmp_path / "out"), "--clean"],
        environ={"ENVIRONMENT_SUFFIX": "stagign", "PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path)},
    )
    assert code == 2
    assert capsys.readouterr().err == (
        "payment-dr-synth: configuration error: environment 'stagign': no "
        f"{tmp_path / 'stagign.toml'} (environments there: prod, staging; only the built-in "
        "'dev' needs no file: copy example.toml to start one)\n"
    )
    assert previous.read_text() == "{}"


def test_the_default_environment_needs_no_file(tmp_path: Path) -> None:
    config, source = resolve(None, tmp_path, {})
    assert config.suffix == "dev"
    assert source.describe() == f"config: defaults (no {tmp_path / 'dev.toml'})"


def test_an_unknown_key_is_called_unknown_with_the_closest_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path, "qa7.toml", 'alert_emial = "a@b.io"\n')
    assert main(["--suffix", "qa7", "--environments-dir", str(tmp_path)], environ={}) == 2
    assert capsys.readouterr().err == (
        f"payment-dr-synth: configuration error: {config}: alert_emial: unknown key "
        "(did you mean 'alert_email'?)\n"
    )


def test_a_toml_syntax_error_names_the_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path, "qa8.toml", "owner = \n")
    assert main(["--suffix", "qa8", "--environments-dir", str(tmp_path)], environ={}) == 2
    err = capsys.readouterr().err
    assert err == (
        f"payment-dr-synth: configuration error: {config}: invalid TOML: Invalid value "
        "(at line 1, column 9)\n"
    )
    assert err.count(str(config)) == 1


def test_the_flag_wins_over_the_variable(tmp_path: Path) -> None:
    flagged = tmp_path / "flag"
    _write(flagged, "qa6.toml", 'owner = "team-from-flag"\n')
    _write(tmp_path / "var", "qa6.toml", 'owner = "team-from-variable"\n')
    config, _ = resolve("qa6", flagged, {"PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path / "var")})
    assert config.owner == "team-from-flag"
