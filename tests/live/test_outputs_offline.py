"""The parts of the live tests that need no deployment: outputs file, signing, polling,
skipping and the environment they run in. Not marked ``live``: they run everywhere."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from payment_service.authorizer import ClientKeys, hash_key
from tests.live.client import build_request, client_key_from, send
from tests.live.conftest import restore_aws_environment, skip_reason
from tests.live.outputs import (
    OUTPUTS_ENV,
    REQUIRED_OUTPUTS,
    OutputsError,
    load_outputs,
    parse_outputs,
)
from tests.live.polling import poll_until, seconds_from_env

ROOT = Path(__file__).resolve().parents[2]


def stack_values(region: str, role: str, suffix: str = "demo") -> dict[str, Any]:
    code = {"us-east-1": "use1", "us-east-2": "use2"}[region]
    return {
        "region": region,
        "api_invoke_url": f"https://abc{code}.execute-api.{region}.amazonaws.com/v1",
        "api_domain_name": f"api-{suffix}.payments.example.com",
        "data_bucket_name": f"payment-processing-data-{code}-{suffix}",
        "session_table_name": f"payment-processing-sessions-{suffix}",
        "aurora_cluster_identifier": f"payment-processing-aurora-{code}-{suffix}",
        "payment_function_name": f"payment-processing-payment-api-{code}-{suffix}",
        "migration_function_name": f"payment-processing-payment-migrate-{code}-{suffix}",
        "alert_topic_arn": f"arn:aws:sns:{region}:123456789012:payment-processing-alerts-{role}",
    }


def outputs_document(suffix: str = "demo") -> dict[str, Any]:
    return {
        f"payment-dr-{suffix}-primary": stack_values("us-east-1", "primary", suffix),
        f"payment-dr-{suffix}-secondary": stack_values("us-east-2", "secondary", suffix),
    }


# -------------------------------------------------------------------- outputs file


def test_parses_both_stacks() -> None:
    deployment = parse_outputs(outputs_document(), "outputs.json")
    assert deployment.suffix == "demo"
    assert deployment.primary.stack_name == "payment-dr-demo-primary"
    assert deployment.primary.region == "us-east-1"
    assert deployment.secondary.region == "us-east-2"
    assert deployment.secondary.data_bucket_name == "payment-processing-data-use2-demo"
    assert deployment.api_domain_name == "api-demo.payments.example.com"


@pytest.mark.parametrize("invoke_url", ["https://x.example.com/v1", "https://x.example.com/v1/"])
def test_api_url_joins_paths_under_the_stage(invoke_url: str) -> None:
    document = outputs_document()
    document["payment-dr-demo-primary"]["api_invoke_url"] = invoke_url
    primary = parse_outputs(document, "f").primary
    assert primary.api_url("health") == "https://x.example.com/v1/health"
    assert primary.api_url("/payments/42") == "https://x.example.com/v1/payments/42"


def test_other_stacks_and_extra_outputs_are_ignored() -> None:
    document = outputs_document()
    document["some-other-stack"] = {"x": 1}
    document["payment-dr-demo-primary"]["cross-stack-output-aws_kms_key.key.arn"] = "arn:..."
    deployment = parse_outputs(document, "f")
    assert deployment.primary.alert_topic_arn.endswith("alerts-primary")


def test_suffix_selects_one_of_several_environments() -> None:
    document = {**outputs_document("dev"), **outputs_document("stage")}
    assert parse_outputs(document, "f", suffix="stage").primary.stack_name == (
        "payment-dr-stage-primary"
    )
    with pytest.raises(OutputsError, match=r"holds environments \['dev', 'stage'\]; set "):
        parse_outputs(document, "f")


Mutation = Callable[[dict[str, Any]], Any]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            lambda d: d.pop("payment-dr-demo-secondary"),
            r"payment-dr-demo-secondary is missing: write the file with "
            r"'payment-dr-deploy outputs'",
            id="missing-stack",
        ),
        pytest.param(
            lambda d: [d["payment-dr-demo-primary"].pop(k) for k in ("region", "alert_topic_arn")],
            r"payment-dr-demo-primary: missing outputs region, alert_topic_arn",
            id="missing-outputs",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-secondary"].update(data_bucket_name=""),
            r"payment-dr-demo-secondary\.data_bucket_name: expected a non-empty string, got ''",
            id="empty-output",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-primary"].update(region=["us-east-1"]),
            r"payment-dr-demo-primary\.region: expected a non-empty string",
            id="non-string",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-primary"].update(region="US East"),
            r"payment-dr-demo-primary\.region: not an AWS region: 'US East'",
            id="bad-region",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-primary"].update(api_invoke_url="http://x/v1"),
            r"api_invoke_url: expected an https:// URL, got 'http://x/v1'",
            id="not-https",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-secondary"].update(region="us-east-1"),
            r"both stacks are in us-east-1",
            id="same-region",
        ),
        pytest.param(
            lambda d: d["payment-dr-demo-secondary"].update(api_domain_name="other.example.com"),
            r"api_domain_name differs between the stacks",
            id="domain-differs",
        ),
        pytest.param(
            lambda d: d.update({"payment-dr-demo-primary": "not outputs"}),
            r"payment-dr-demo-primary: expected an object of outputs, got str",
            id="stack-not-object",
        ),
    ],
)
def test_invalid_outputs_name_the_stack_and_the_problem(mutate: Mutation, message: str) -> None:
    document = copy.deepcopy(outputs_document())
    mutate(document)
    with pytest.raises(OutputsError, match=message):
        parse_outputs(document, "outputs.json")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"outputs\.json: expected a JSON object keyed by stack name, got list"),
        ({"payment-dr-demo": {}}, r"no payment-dr-<suffix>-primary/-secondary stacks"),
        ({}, r"no payment-dr-<suffix>-primary/-secondary stacks \(found no stacks\)"),
    ],
)
def test_documents_without_an_environment(document: object, message: str) -> None:
    with pytest.raises(OutputsError, match=message):
        parse_outputs(document, "outputs.json")


def test_unknown_suffix() -> None:
    with pytest.raises(OutputsError, match=r"no stacks of environment 'prod' \(found \['demo'\]\)"):
        parse_outputs(outputs_document(), "f", suffix="prod")


def test_every_stack_output_of_the_app_is_required() -> None:
    stack_source = (ROOT / "apps/dr-app/src/dr_app/stack.py").read_text(encoding="utf-8")
    outputs_section = stack_source.split("def _outputs", 1)[1].split("\n    def ", 1)[0]
    for name in REQUIRED_OUTPUTS:
        assert f'"{name}":' in outputs_section, name


def test_load_outputs_reports_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(OutputsError, match="cannot read"):
        load_outputs(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"payment-dr-demo-primary": ', encoding="utf-8")
    with pytest.raises(OutputsError, match=rf"{broken}: not JSON"):
        load_outputs(broken)
    good = tmp_path / "outputs.json"
    good.write_text(json.dumps(outputs_document()), encoding="utf-8")
    assert load_outputs(good).source == str(good)


# ------------------------------------------------------------------------- signing


LIVE_KEY = "live-tests.q3Jc0b4tC2yQm6V9Hn1xZk8eLw5rTs7uPa0dFg2hJiA"


def test_authorized_request_carries_a_bearer_token_the_authorizer_accepts() -> None:
    body = b'{"amount": "1.00", "currency": "USD"}'
    request = build_request(
        "POST",
        "https://api-use2-demo.payments.example.com/v1/payments",
        body=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": "livetest-0001"},
        client_key=LIVE_KEY,
    )
    headers = {name.lower(): value for name, value in request.header_items()}
    assert headers["authorization"] == f"Bearer {LIVE_KEY}"
    assert headers["idempotency-key"] == "livetest-0001"
    assert request.get_method() == "POST"
    assert request.data == body
    # The real authorizer, given the key's hash, names the client from that header.
    key = LIVE_KEY.split(".", 1)[1]
    keys = ClientKeys.parse(json.dumps({"clients": {"live-tests": [hash_key(key)]}}))
    assert keys.identify(headers["authorization"]) == "live-tests"


@pytest.mark.parametrize(
    "key",
    ["live-tests", "live-tests.short", "Live_Tests.q3Jc0b4tC2yQm6V9Hn1xZk8eLw5rTs7uPa0dFg2hJiA"],
)
def test_a_malformed_client_key_is_refused_before_sending(key: str) -> None:
    with pytest.raises(ValueError, match="PAYMENT_DR_CLIENT_KEY"):
        build_request("GET", "https://x/v1/payments/1", client_key=key)


def test_unauthorized_request_has_no_authorization_header() -> None:
    request = build_request("GET", "https://api-use1-demo.payments.example.com/v1/health")
    names = {name.lower() for name, _ in request.header_items()}
    assert "authorization" not in names
    assert "user-agent" in names  # WAF's common rule set blocks requests without one


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"PAYMENT_DR_CLIENT_KEY": "  "}, None),
        ({"PAYMENT_DR_CLIENT_KEY": "a.b"}, "a.b"),
    ],
)
def test_client_key_from_the_environment(environ: dict[str, str], expected: str | None) -> None:
    assert client_key_from(environ) == expected


@pytest.fixture
def local_api() -> Iterator[str]:
    """A local HTTP server answering 503 with a JSON body, like a standby's /health."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            body = json.dumps({"role": "standby", "path": self.path}).encode()
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "30")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_error_statuses_are_responses_not_exceptions(local_api: str) -> None:
    response = send(build_request("GET", f"{local_api}/v1/health"), timeout=5)
    assert response.status == 503
    assert response.headers["retry-after"] == "30"
    assert response.json() == {"role": "standby", "path": "/v1/health"}
    assert response.describe().startswith("HTTP 503")


# ------------------------------------------------------------------------- polling


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_returns_the_first_result() -> None:
    clock = FakeClock()
    answers = iter([None, None, "found"])
    result = poll_until(
        lambda: next(answers), timeout=60, interval=5, what="x", clock=clock, sleep=clock.sleep
    )
    assert result == "found"
    assert clock.sleeps == [5, 5]


def test_poll_times_out_naming_what_it_waited_for() -> None:
    clock = FakeClock()
    with pytest.raises(TimeoutError, match=r"replica: not seen within 12 s \(4 attempts\)"):
        poll_until(
            lambda: None, timeout=12, interval=5, what="replica", clock=clock, sleep=clock.sleep
        )
    assert clock.sleeps == [5, 5, 2]  # never sleeps past the deadline


@pytest.mark.parametrize(("raw", "expected"), [(None, 900.0), ("", 900.0), ("30", 30.0)])
def test_seconds_from_env(raw: str | None, expected: float) -> None:
    environ = {} if raw is None else {"PAYMENT_DR_LIVE_S3_TIMEOUT": raw}
    assert seconds_from_env(environ, "PAYMENT_DR_LIVE_S3_TIMEOUT", 900.0) == expected


@pytest.mark.parametrize("raw", ["0", "-5", "soon", "nan"])
def test_seconds_from_env_rejects_non_positive_values(raw: str) -> None:
    with pytest.raises(ValueError, match=r"PAYMENT_DR_LIVE_S3_TIMEOUT: got .*positive number"):
        seconds_from_env({"PAYMENT_DR_LIVE_S3_TIMEOUT": raw}, "PAYMENT_DR_LIVE_S3_TIMEOUT", 900.0)


# ------------------------------------------------------------ skipping, environment


def test_skip_reason_names_the_variable_and_how_to_produce_the_file(tmp_path: Path) -> None:
    unset = skip_reason({})
    assert unset is not None
    assert unset.startswith(f"{OUTPUTS_ENV} is not set")
    assert (
        "run 'ENVIRONMENT_SUFFIX=<suffix> .venv/bin/payment-dr-deploy outputs --outputs-file "
        "<path>' (both stacks' non-sensitive outputs)" in unset
    )
    missing = skip_reason({OUTPUTS_ENV: str(tmp_path / "nope.json")})
    assert missing is not None
    assert f"{tmp_path / 'nope.json'}: no such file" in missing
    present = tmp_path / "outputs.json"
    present.write_text("{}", encoding="utf-8")
    assert skip_reason({OUTPUTS_ENV: str(present)}) is None


def test_restore_puts_back_the_startup_aws_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite-wide fixture has installed fake credentials for this test.
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_CONFIG_FILE"] == "/nonexistent/aws-config"
    restore_aws_environment(monkeypatch, {"AWS_PROFILE": "operator", "PATH": "/elsewhere"})
    assert os.environ.get("AWS_PROFILE") == "operator"
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    assert "AWS_CONFIG_FILE" not in os.environ
    assert os.environ["PATH"] != "/elsewhere"  # only AWS_* settings are touched


def test_the_restoring_fixture_runs_after_the_fake_credentials(
    request: pytest.FixtureRequest,
) -> None:
    names = request.fixturenames
    assert names.index("_no_real_aws") < names.index("_real_aws_for_live_tests")
    # Not a live test: the fake credentials stay.
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"


def run_live_tests(env: dict[str, str], *selection: str) -> subprocess.CompletedProcess[str]:
    targets = [str(ROOT / "tests" / "live" / name) for name in selection] or [
        str(ROOT / "tests" / "live")
    ]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "live",
            "-rs",
            "-q",
            "-p",
            "no:cacheprovider",
            *targets,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_live_tests_skip_with_the_reason_without_an_outputs_file() -> None:
    env = {key: value for key, value in os.environ.items() if key != OUTPUTS_ENV}
    result = run_live_tests(env)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "passed" not in summary
    assert "failed" not in summary
    assert " skipped" in summary
    assert f"{OUTPUTS_ENV} is not set" in result.stdout


def test_live_tests_get_the_startup_credentials_not_the_fake_ones(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(outputs_document()), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        {
            OUTPUTS_ENV: str(outputs),
            "AWS_PROFILE": "operator",
            "AWS_ACCESS_KEY_ID": "AKIASTARTUP",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    result = run_live_tests(env, "test_live_harness.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
