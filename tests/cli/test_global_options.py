"""``payment-dr``'s shared behaviour: global options before or after the command, every
default in the help, credentials checked once, a progress line when AWS is slow to answer."""

from __future__ import annotations

import io
import time

import pytest

from dr_app.cli import main as cli
from dr_app.cli.main import Runtime, build_parser, credentials_problem, run_cli


@pytest.mark.parametrize(
    ("argv", "suffix", "json_output"),
    [
        (["status"], "dev", False),
        (["--suffix", "qa1", "--json", "status"], "qa1", True),
        (["status", "--suffix", "qa1", "--json"], "qa1", True),
        (["--suffix", "before", "status", "--suffix", "after"], "after", False),
        (["--json", "rto-budget", "--suffix", "qa2"], "qa2", True),
    ],
)
def test_global_options_go_before_or_after_the_command(
    argv: list[str], suffix: str, json_output: bool
) -> None:
    args = build_parser({}).parse_args(argv)
    assert (args.suffix, args.json) == (suffix, json_output)


def test_verbosity_counts_on_both_sides() -> None:
    assert build_parser({}).parse_args(["-v", "status", "-v"]).verbose == 1
    assert build_parser({}).parse_args(["status", "-vv"]).verbose == 2


def _help(command: str) -> str:
    parser = build_parser({})
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    text: str = commands.choices[command].format_help()  # type: ignore[index]
    return " ".join(text.split())


def test_every_default_is_in_the_help() -> None:
    assert "--max-lag-ms MAX_LAG_MS (default: 1000.0)" in _help("drill")
    assert "--rto-objective-minutes RTO_OBJECTIVE_MINUTES (default: 30.0)" in _help("rto-budget")
    assert "--rpo-objective-minutes RPO_OBJECTIVE_MINUTES (default: 15.0)" in _help("rto-budget")
    # a help that already names its default is not repeated
    assert _help("status").count("$ENVIRONMENT_SUFFIX or dev") == 1
    assert "(default: dev)" not in _help("status")


def test_missing_credentials_are_one_line_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert credentials_problem() == (
        "no AWS credentials found (set AWS_PROFILE, run aws sso login, or export "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
    )
    err = io.StringIO()
    code = run_cli(["preflight"], Runtime(out=io.StringIO(), err=err, environ={}))
    assert code == 2
    assert err.getvalue() == f"payment-dr preflight: {credentials_problem()}\n"
    monkeypatch.setenv("AWS_PROFILE", "nobody")
    assert credentials_problem() == (
        "AWS credentials: The config profile (nobody) could not be found"
    )


def test_a_command_still_waiting_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "FIRST_PROGRESS_SECONDS", 0.05)
    monkeypatch.setattr(cli, "PROGRESS_EVERY_SECONDS", 10.0)
    stream = io.StringIO()
    watch = cli.Watchdog(stream, "status", lambda: 100.0)
    watch.start()
    time.sleep(0.3)
    watch.stop()
    assert stream.getvalue() == (
        "payment-dr status: still waiting for AWS answers after 0 s (each call is bounded by "
        "its client timeouts)\n"
    )


def test_the_first_progress_line_comes_within_five_seconds() -> None:
    assert cli.FIRST_PROGRESS_SECONDS == 5.0
    assert "rto-budget" in cli.OFFLINE_COMMANDS
