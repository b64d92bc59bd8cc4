"""What each observation is evidence of: the ``/health`` contract, Route 53's thresholds, the
alarms. Literal inputs as AWS and the handler produce them."""

from __future__ import annotations

import json

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import Evidence, Signal, SignalName, SignalState

W, DD, DS, NW, SB = (
    Evidence.WRITING,
    Evidence.DATABASE_DOWN,
    Evidence.DATABASE_SLOW,
    Evidence.NOT_WRITER,
    Evidence.SERVICE_BROKEN,
)


def body(database: str, **extra: object) -> str:
    return json.dumps({"status": "unavailable", "database": database, **extra})


@pytest.mark.parametrize(
    ("status", "text", "evidence", "detail"),
    [
        (200, body("writing"), W, "HTTP 200, database writing"),
        (503, body("down"), DD, "HTTP 503, database down"),
        (503, body("slow"), DS, "HTTP 503, database slow"),
        (503, body("standby"), NW, "HTTP 503, database standby"),
        (503, body("fenced"), NW, "HTTP 503, database fenced"),
        (503, body("error"), SB, "HTTP 503, database error"),
        (502, '{"message": "Internal server error"}', SB, "HTTP 502 without the contract"),
        (504, '{"message": "Endpoint request timed out"}', SB, "HTTP 504 without the contract"),
        (403, "<html>Forbidden</html>", SB, "HTTP 403 without the contract"),
        (500, body("unheard-of"), SB, "HTTP 500 without the contract"),
        (503, "[1, 2]", SB, "HTTP 503 without the contract"),
        (200, "", SB, "HTTP 200 without the contract"),
        (200, body("down"), SB, "HTTP 200 with database 'down' (not the contract)"),
        (503, body("writing"), SB, "HTTP 503 with database 'writing' (not the contract)"),
        (500, body("down"), DD, "HTTP 500, database down"),
    ],
)
def test_the_direct_probe_reads_the_health_contract(
    status: int, text: str, evidence: Evidence, detail: str
) -> None:
    assert rules.probe_signal(status, text, region="us-east-2") == Signal(
        SignalName.PROBE, evidence, detail, "us-east-2"
    )


def test_no_answer_at_all_is_silence_from_the_probes_region() -> None:
    signal = rules.probe_signal(None, error="TimeoutError", region="us-east-2")
    assert signal == Signal(
        SignalName.PROBE, Evidence.SILENT, "no response: TimeoutError", "us-east-2"
    )
    assert signal.no_response is True
    assert rules.probe_signal(None, region="us-east-2").detail == "no response: error"


@pytest.mark.parametrize(
    ("observations", "evidence", "detail"),
    [
        ([True] * 9, Evidence.WRITING, "9/9 checkers report success"),
        ([True] * 5 + [False] * 4, Evidence.WRITING, "5/9 checkers report success"),
        (
            [True] * 4 + [False] * 4,
            Evidence.UNKNOWN,
            "4/8 checkers report success (neither majority nor 18%)",
        ),
        (
            [True] * 2 + [False] * 8,
            Evidence.UNKNOWN,
            "2/10 checkers report success (neither majority nor 18%)",
        ),
        ([True] * 9 + [False] * 41, Evidence.FAILING, "9/50 checkers report success"),
        ([False] * 16, Evidence.FAILING, "0/16 checkers report success"),
        ([], Evidence.UNKNOWN, "no checker observations"),
    ],
)
def test_route53_majority_and_eighteen_percent(
    observations: list[bool], evidence: Evidence, detail: str
) -> None:
    assert rules.route53_signal(observations) == Signal(SignalName.ROUTE53, evidence, detail)


@pytest.mark.parametrize(
    ("state", "error", "evidence", "detail"),
    [
        ("OK", None, Evidence.WRITING, "alarm OK"),
        ("ALARM", None, Evidence.FAILING, "alarm in ALARM"),
        ("INSUFFICIENT_DATA", None, Evidence.UNKNOWN, "alarm INSUFFICIENT_DATA"),
        (None, None, Evidence.UNKNOWN, "alarm not found"),
        (None, "unreadable: timeout", Evidence.UNKNOWN, "unreadable: timeout"),
    ],
)
def test_the_primary_alarm(
    state: str | None, error: str | None, evidence: Evidence, detail: str
) -> None:
    assert rules.alarm_signal(state, error) == Signal(SignalName.ALARM, evidence, detail)


@pytest.mark.parametrize(
    ("state", "error", "evidence", "detail"),
    [
        ("OK", None, Evidence.ANSWERED, "primary answers from us-west-2 (any status)"),
        ("ALARM", None, Evidence.SILENT, "no response from us-west-2"),
        ("INSUFFICIENT_DATA", None, Evidence.UNKNOWN, "probe alarm in us-west-2 INSUFFICIENT_DATA"),
        (None, None, Evidence.UNKNOWN, "probe alarm in us-west-2 not found"),
        (None, "unreadable: AccessDenied", Evidence.UNKNOWN, "unreadable: AccessDenied"),
    ],
)
def test_a_no_response_alarm_is_silence_or_an_answer_of_any_kind(
    state: str | None, error: str | None, evidence: Evidence, detail: str
) -> None:
    expected = Signal(SignalName.REMOTE_PROBE, evidence, detail, "us-west-2")
    assert rules.remote_probe_signal(state, "us-west-2", error) == expected
    local = rules.no_response_alarm_signal(SignalName.SECONDARY_PROBE, state, "us-west-2", error)
    assert local == Signal(SignalName.SECONDARY_PROBE, evidence, detail, "us-west-2")


@pytest.mark.parametrize(
    ("evidence", "state"),
    [
        (Evidence.WRITING, SignalState.HEALTHY),
        (Evidence.ANSWERED, SignalState.UNKNOWN),
        (Evidence.DATABASE_SLOW, SignalState.UNKNOWN),
        (Evidence.UNKNOWN, SignalState.UNKNOWN),
        (Evidence.DATABASE_DOWN, SignalState.UNHEALTHY),
        (Evidence.NOT_WRITER, SignalState.UNHEALTHY),
        (Evidence.SERVICE_BROKEN, SignalState.UNHEALTHY),
        (Evidence.FAILING, SignalState.UNHEALTHY),
        (Evidence.SILENT, SignalState.UNHEALTHY),
    ],
)
def test_the_coarse_state_and_the_record(evidence: Evidence, state: SignalState) -> None:
    signal = Signal(SignalName.PROBE, evidence, "d", "us-east-2")
    assert signal.state is state
    assert signal.no_response is (evidence is Evidence.SILENT)
    assert signal.to_json() == {
        "name": "direct_probe",
        "evidence": evidence.value,
        "state": state.value,
        "region": "us-east-2",
        "detail": "d",
    }


def test_the_contract_field_only_from_a_json_object() -> None:
    assert rules.contract_database(body("slow")) == "slow"
    assert rules.contract_database('{"database": 3}') is None
    assert rules.contract_database("not json") is None
    assert rules.contract_database('"writing"') is None


def parsed(text: str) -> str:
    """An equal string that is not the same object, as a parsed AWS response gives."""
    return "".join(list(text))


def test_alarm_states_are_compared_by_value() -> None:
    assert rules.alarm_signal(parsed("OK")).evidence is Evidence.WRITING
    assert rules.alarm_signal(parsed("ALARM")).evidence is Evidence.FAILING
    assert rules.remote_probe_signal(parsed("OK"), "us-west-2").evidence is Evidence.ANSWERED
    assert rules.remote_probe_signal(parsed("ALARM"), "us-west-2").evidence is Evidence.SILENT


def test_an_answer_below_200_with_a_writing_body_is_not_the_handlers() -> None:
    assert rules.probe_signal(199, body("writing"), region="us-east-2").evidence is SB
    assert rules.probe_signal(199, body("down"), region="us-east-2").evidence is DD
