"""The decision table, row by row, with the situations it was written for (docs/runbook.md,
"Decision table"). Each row is the evidence of one evaluation and its literal verdict."""

from __future__ import annotations

import pytest

from payment_service.orchestrator import rules
from payment_service.orchestrator.model import Assessment, Evidence, Signal, Verdict
from tests.rules.common import alarm, local_alarm, probe, remote_alarm, route53

E = Evidence
V = Verdict


@pytest.mark.parametrize(
    ("signals", "verdict"),
    [
        # Normal operation: every vantage point reaches a writing database.
        (
            [route53(E.WRITING), probe(E.WRITING), alarm(E.WRITING), remote_alarm(E.ANSWERED)],
            V.HEALTHY,
        ),
        # A partition between us-east-2 and us-east-1 alone: us-west-2 still gets answers.
        (
            [route53(E.UNKNOWN), probe(E.SILENT), local_alarm(E.SILENT), remote_alarm(E.ANSWERED)],
            V.CONFLICT,
        ),
        # The same partition seen while Route 53's checkers still reach a writing primary.
        (
            [route53(E.WRITING), probe(E.SILENT), local_alarm(E.SILENT), remote_alarm(E.SILENT)],
            V.CONFLICT,
        ),
        # A flapping primary: one answer writing, one broken.
        ([probe(E.SERVICE_BROKEN), alarm(E.WRITING)], V.CONFLICT),
        # API Gateway or Lambda broken in us-east-1, Aurora healthy: answers, not the contract.
        (
            [
                route53(E.FAILING),
                probe(E.SERVICE_BROKEN),
                alarm(E.FAILING),
                remote_alarm(E.ANSWERED),
            ],
            V.SERVICE_BROKEN,
        ),
        # The API answers that its database cannot be reached.
        (
            [
                route53(E.FAILING),
                probe(E.DATABASE_DOWN),
                local_alarm(E.ANSWERED),
                remote_alarm(E.ANSWERED),
            ],
            V.DATABASE_DOWN,
        ),
        # Database down, and one region also cut off: the answer still shows the database down.
        ([probe(E.DATABASE_DOWN), remote_alarm(E.SILENT)], V.DATABASE_DOWN),
        # The primary region names another writer (a detached old primary).
        ([probe(E.NOT_WRITER), remote_alarm(E.ANSWERED)], V.SERVICE_BROKEN),
        # A slow database behind failing health checks is not a broken API.
        ([route53(E.FAILING), probe(E.DATABASE_SLOW), alarm(E.FAILING)], V.INCONCLUSIVE),
        # ... but a slow database and a broken answer elsewhere is.
        ([probe(E.DATABASE_SLOW), alarm(E.WRITING)], V.HEALTHY),
        # The whole of us-east-1 gone: nothing answers any region, its own APIs unreadable.
        (
            [
                route53(E.UNKNOWN),
                probe(E.SILENT),
                alarm(E.UNKNOWN),
                local_alarm(E.SILENT),
                remote_alarm(E.SILENT),
            ],
            V.OUTAGE,
        ),
        # The first minutes of that outage: this region's alarm still counts the last answers.
        (
            [route53(E.UNKNOWN), probe(E.SILENT), local_alarm(E.ANSWERED), remote_alarm(E.SILENT)],
            V.CONFLICT,
        ),
        # One region silent, nothing else known: one vantage point never decides.
        (
            [route53(E.UNKNOWN), probe(E.SILENT), local_alarm(E.SILENT), remote_alarm(E.UNKNOWN)],
            V.INCONCLUSIVE,
        ),
        # Checks fail, kind unknown, nobody answers or reads: the API does not serve.
        ([route53(E.FAILING), probe(E.UNKNOWN), alarm(E.FAILING)], V.SERVICE_BROKEN),
        # Checks fail and one region is silent: still not two silent regions.
        ([route53(E.FAILING), probe(E.SILENT), remote_alarm(E.UNKNOWN)], V.SERVICE_BROKEN),
        # Only answers of unknown kind.
        ([probe(E.UNKNOWN), local_alarm(E.ANSWERED), remote_alarm(E.ANSWERED)], V.INCONCLUSIVE),
        # Nothing readable.
        ([route53(E.UNKNOWN), probe(E.UNKNOWN), alarm(E.UNKNOWN)], V.INCONCLUSIVE),
        ([], V.INCONCLUSIVE),
    ],
)
def test_each_row_of_the_decision_table(signals: list[Signal], verdict: Verdict) -> None:
    assert rules.assess(signals).verdict is verdict


def test_the_reasons_name_the_evidence() -> None:
    partition = [
        route53(E.UNKNOWN),
        probe(E.SILENT),
        local_alarm(E.SILENT),
        remote_alarm(E.ANSWERED),
    ]
    assert rules.assess(partition) == Assessment(
        Verdict.CONFLICT,
        "no answer from us-east-2 but remote_probe gets answers: route53_health_check=unknown, "
        "direct_probe=silent, secondary_probe=silent, remote_probe=answered",
    )
    writing_and_silent = [route53(E.WRITING), probe(E.SILENT), remote_alarm(E.SILENT)]
    assert rules.assess(writing_and_silent) == Assessment(
        Verdict.CONFLICT,
        "route53_health_check shows the database writing but direct_probe, remote_probe does "
        "not: route53_health_check=writing, direct_probe=silent, remote_probe=silent",
    )
    outage = [probe(E.SILENT), local_alarm(E.SILENT), remote_alarm(E.SILENT)]
    assert rules.assess(outage) == Assessment(
        Verdict.OUTAGE,
        "no answer from 2 regions (us-east-2, us-west-2): direct_probe=silent, "
        "secondary_probe=silent, remote_probe=silent",
    )
    assert rules.assess([probe(E.WRITING)]) == Assessment(
        Verdict.HEALTHY, "the database is writing: direct_probe=writing"
    )
    assert rules.assess([probe(E.DATABASE_DOWN)]) == Assessment(
        Verdict.DATABASE_DOWN, "the API answers, its database is down: direct_probe=database_down"
    )
    assert rules.assess([probe(E.SERVICE_BROKEN)]) == Assessment(
        Verdict.SERVICE_BROKEN, "the API answers without serving: direct_probe=service_broken"
    )
    assert rules.assess([probe(E.DATABASE_SLOW)]) == Assessment(
        Verdict.INCONCLUSIVE, "the database is slow, not down: direct_probe=database_slow"
    )
    assert rules.assess([alarm(E.FAILING)]) == Assessment(
        Verdict.SERVICE_BROKEN, "checks fail, kind unknown: primary_alarm=failing"
    )
    assert rules.assess([probe(E.UNKNOWN)]) == Assessment(
        Verdict.INCONCLUSIVE, "not enough evidence: direct_probe=unknown"
    )


def test_two_signals_from_one_region_are_one_vantage_point() -> None:
    """The direct probe and this region's probe alarm are both us-east-2."""
    assert rules.assess([probe(E.SILENT), local_alarm(E.SILENT)]).verdict is Verdict.INCONCLUSIVE


def test_silence_without_a_region_is_no_vantage_point() -> None:
    nameless = Signal(probe(E.SILENT).name, E.SILENT, "", None)
    assert rules.assess([probe(E.SILENT), nameless]).verdict is Verdict.INCONCLUSIVE
    assert rules.assess([nameless, remote_alarm(E.ANSWERED)]).verdict is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    ("verdict", "down", "loss"),
    [
        (V.HEALTHY, False, False),
        (V.CONFLICT, False, False),
        (V.INCONCLUSIVE, False, False),
        (V.SERVICE_BROKEN, True, False),
        (V.DATABASE_DOWN, True, True),
        (V.OUTAGE, True, True),
    ],
)
def test_which_verdicts_count_and_which_may_lose_data(
    verdict: Verdict, down: bool, loss: bool
) -> None:
    assert (verdict.is_down, verdict.allows_data_loss) == (down, loss)


def test_more_than_two_silent_regions_are_an_outage_too() -> None:
    third = Signal(remote_alarm(E.SILENT).name, E.SILENT, "", "eu-west-1")
    assert rules.assess([probe(E.SILENT), remote_alarm(E.SILENT), third]).verdict is Verdict.OUTAGE
