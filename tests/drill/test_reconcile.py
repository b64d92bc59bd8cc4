"""``payment-dr reconcile`` after the drill's failovers lists exactly what the client lost and
what it got twice (:mod:`tests.drill.ledger`).

Unplanned: replication is cut 0.5 s before the kill so that payments are lost in every run;
after the failover the client retries a third of the lost payments with their body, sends a
third's keys with another body, leaves a third, all while DynamoDB is unavailable. 2,500
settled payments seeded before the run make reconcile page through both sides (pages of
1,000). The killed old primary is started again on its own data directory (as a restore of
the ``rds:unplanned-global-failover-*`` snapshot copy would be) and compared with the new
writer through the CLI, over verified TLS, with the application user.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dr_app.cli.main import main
from dr_app.cli.reconcile import CSV_COLUMNS, compare
from tests.drill.ledger import SEEDED, Ledger, reconcile, retry_after_failover, seed
from tests.drill.pair import APP_USER, DATABASE, ReplicatedPair
from tests.drill.scenarios import DrillSettings, run_planned, run_unplanned
from tests.runtime.postgres import PostgresServer

FAST = DrillSettings(warmup_seconds=1.0, after_seconds=0.5)


def cli_report(
    old: PostgresServer,
    new: PostgresServer,
    since: datetime,
    password: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, dict[str, object], list[dict[str, str]]]:
    """Exit code, JSON report and CSV rows of ``payment-dr reconcile`` on the two servers."""
    monkeypatch.setenv("PAYMENT_DR_DB_PASSWORD", password)
    capsys.readouterr()
    old.start()
    try:
        code = main(
            [
                "--json",
                "reconcile",
                "--old-host", old.host,
                "--old-port", str(old.port),
                "--new-host", new.host,
                "--new-port", str(new.port),
                "--database", DATABASE,
                "--user", APP_USER,
                "--ca-file", str(old.ca_file),
                "--since", since.isoformat(),
                "--csv", str(tmp_path / "reconcile.csv"),
            ]
        )  # fmt: skip
    finally:
        old.stop("fast")
    document = json.loads(capsys.readouterr().out)
    with (tmp_path / "reconcile.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return code, document, rows


def test_reconcile_lists_exactly_the_ids_the_client_lost_and_got_twice(
    pair: ReplicatedPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_primary = pair.primary
    since = datetime.now(UTC) - timedelta(seconds=1)
    seed(pair, "t-reconcile-seed")
    result = run_unplanned(pair, "t-reconcile", FAST, cut_replication_before_kill=0.5)
    lost = result.outcome.lost
    assert len(lost) >= 9, "the drill must lose payments for this test to mean anything"
    new_writer = pair.primary
    assert new_writer is not old_primary
    acked = result.acked_ids

    phase = retry_after_failover(pair, pair.app_password, acked, lost)
    ledger = Ledger.of(
        new_writer, "t-reconcile", acked, phase.recreated, phase.other_body, phase.kept
    )

    # what the client saw: a retry keeps its id, with or without the row, without DynamoDB
    assert phase.recreated == {key: acked[key] for key in phase.recreated}
    assert phase.kept == {key: acked[key] for key in phase.kept}
    assert len(phase.kept) == 20
    assert all(phase.other_body[key] != acked[key] for key in phase.other_body)
    assert ledger.ids_lost == {acked[key] for key in lost if key not in phase.recreated}
    assert ledger.ids_duplicated == set(phase.other_body)
    assert phase.untouched
    assert phase.recreated
    assert phase.other_body

    code, report, rows = cli_report(
        old_primary, new_writer, since, pair.app_password, tmp_path, capsys, monkeypatch
    )

    assert code == 1
    payments = report["payments"]
    assert isinstance(payments, list)
    missing = [p for p in payments if p["kind"] == "missing"]
    # reconcile's list is exactly the client's: every acknowledged id lost, nothing else
    assert {p["payment_id"] for p in missing} == ledger.ids_lost
    duplicated = {p["idempotency_key"]: p["other_payment_id"] for p in missing}
    duplicated = {key: other for key, other in duplicated.items() if other is not None}
    assert duplicated == phase.other_body
    assert set(duplicated) == ledger.ids_duplicated
    assert report["summary"] == {
        "acknowledged_ids_lost": len(ledger.ids_lost),
        "ids_duplicated": len(ledger.ids_duplicated),
        "changed": 0,
        "recreated": sum(1 for p in payments if p["kind"] == "recreated"),
    }
    # recreated: the retried lost payments, and any committed whose answer the kill cut off
    # (retried on the new writer under the same id); each an id the client holds
    recreated = {p["payment_id"]: p for p in payments if p["kind"] == "recreated"}
    assert {acked[key] for key in phase.recreated} <= set(recreated)
    assert set(recreated) <= set(acked.values())
    assert {(p["region"], p["new_region"]) for p in recreated.values()} == {
        ("us-east-1", "us-east-2")
    }
    assert all(p["client_id"] == "client-a" for p in payments)
    compared = report["compared"]
    assert isinstance(compared, dict)
    # more than two pages of 1,000 on each side
    assert compared["old"] >= SEEDED + result.acked_before_kill
    assert compared["new"] >= SEEDED + len(lost) // 3
    assert [row["kind"] for row in rows] == [p["kind"] for p in payments]
    assert list(rows[0]) == list(CSV_COLUMNS)


def test_a_planned_switchover_loses_no_id_and_duplicates_none(
    pair: ReplicatedPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_primary = pair.primary
    since = datetime.now(UTC) - timedelta(seconds=1)
    result = run_planned(pair, "t-planned-ids", FAST)
    acked = result.acked_ids
    phase = retry_after_failover(pair, pair.app_password, acked, ())
    ledger = Ledger.of(pair.primary, "t-planned-ids", acked, phase.kept)

    code, report, _ = cli_report(
        old_primary, pair.primary, since, pair.app_password, tmp_path, capsys, monkeypatch
    )

    assert ledger.ids_lost == frozenset()
    assert ledger.ids_duplicated == frozenset()
    assert phase.kept == {key: acked[key] for key in phase.kept}
    assert code == 0
    assert report["summary"] == {
        "acknowledged_ids_lost": 0,
        "ids_duplicated": 0,
        "changed": 0,
        "recreated": 0,
    }
    assert reconcile(old_primary, pair.primary, since).report.discrepancies == ()


def test_reconcile_table_and_a_database_that_lacks_nothing(
    pair: ReplicatedPair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new writer compared with itself lacks nothing: exit 0 and no entries."""
    writer = pair.primary
    old = writer.connect(DATABASE)
    new = writer.connect(DATABASE)
    try:
        report = compare(old, new)
    finally:
        old.close()
        new.close()
    assert report.discrepancies == ()
    assert report.compared == report.compared_new > 0
    monkeypatch.setenv("PAYMENT_DR_DB_PASSWORD", pair.app_password)
    capsys.readouterr()
    args = ["reconcile", "--old-host", writer.host, "--old-port", str(writer.port)]
    args += ["--new-host", writer.host, "--new-port", str(writer.port), "--user", APP_USER]
    args += ["--database", DATABASE, "--ca-file", str(writer.ca_file)]
    code = main([*args, "--since", "2000-01-01T00:00:00Z"])
    out = capsys.readouterr().out.splitlines()

    assert code == 0
    assert out[0] == (
        f"compared {report.compared} payments of the old primary and {report.compared} of the "
        "new writer created since 2000-01-01T00:00:00+00:00"
    )
    assert out[1] == "acknowledged ids lost: 0; ids duplicated: 0; changed: 0; recreated: 0"
    assert main([*args, "--since", "2026-11-29T07:00:00"]) == 2
    assert "--since='2026-11-29T07:00:00' is invalid" in capsys.readouterr().err
