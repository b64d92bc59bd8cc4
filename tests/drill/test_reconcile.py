"""``payment-dr reconcile`` after the drill's unplanned failover: its list of missing payments
equals the acknowledged-then-lost payments the drill measured.

Replication is cut 0.5 s before the kill so that payments are lost in every run. The killed
old primary is started again on its own data directory (a standalone server, as a restore of
the ``rds:unplanned-global-failover-*`` snapshot copy would be) and compared with the new
writer, through the CLI over verified TLS with the application user.
"""

from __future__ import annotations

import json

import pytest

from dr_app.cli.main import main
from dr_app.cli.reconcile import compare
from tests.drill.pair import APP_USER, DATABASE, ReplicatedPair
from tests.drill.scenarios import DrillSettings, run_unplanned

FAST = DrillSettings(warmup_seconds=1.0, after_seconds=0.5)


def test_reconcile_lists_exactly_the_payments_the_drill_lost(
    pair: ReplicatedPair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_primary = pair.primary
    result = run_unplanned(pair, "t-reconcile", FAST, cut_replication_before_kill=0.5)
    lost = set(result.outcome.lost)
    assert len(lost) > 10, "the drill must lose payments for this test to mean anything"
    old_primary.start()  # the old primary's region is back
    new_writer = pair.primary
    assert new_writer is not old_primary

    monkeypatch.setenv("PAYMENT_DR_DB_PASSWORD", pair.app_password)
    capsys.readouterr()
    code = main(
        [
            "--json",
            "reconcile",
            "--old-host", old_primary.host,
            "--old-port", str(old_primary.port),
            "--new-host", new_writer.host,
            "--new-port", str(new_writer.port),
            "--database", DATABASE,
            "--user", APP_USER,
            "--ca-file", str(old_primary.ca_file),
        ]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)

    assert code == 1, "discrepancies found"
    payments = report["payments"]
    missing = {p["idempotency_key"]: p["payment_id"] for p in payments if p["kind"] == "missing"}
    acked = result.acked_ids
    # every acknowledged-then-lost payment, with the id the client was given ...
    assert {key: pid for key, pid in missing.items() if key in acked} == {
        key: acked[key] for key in lost
    }
    # ... and beyond those only requests that committed but whose answer never arrived
    assert set(missing) - set(acked) <= set(result.in_doubt)
    # a request that committed on the old primary but was answered with an error (the kill
    # cut the connection after the commit) was retried on the new writer and created again:
    # reported as reprocessed, with the id the client was finally given
    for payment in payments:
        if payment["kind"] == "reprocessed":
            key = payment["idempotency_key"]
            assert payment["new_payment_id"] == acked[key] != payment["payment_id"]
            assert key not in lost
    assert all(p["region"] == "us-east-1" for p in payments)


def test_reconcile_table_and_a_database_that_lacks_nothing(
    pair: ReplicatedPair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new writer compared with itself lacks nothing: exit 0 and an empty table."""
    writer = pair.primary
    old = writer.connect(DATABASE)
    new = writer.connect(DATABASE)
    try:
        report = compare(old, new)
    finally:
        old.close()
        new.close()
    assert report.discrepancies == ()
    assert report.compared > 0
    monkeypatch.setenv("PAYMENT_DR_DB_PASSWORD", pair.app_password)
    capsys.readouterr()
    args = ["reconcile", "--old-host", writer.host, "--old-port", str(writer.port)]
    args += ["--new-host", writer.host, "--new-port", str(writer.port), "--user", APP_USER]
    args += ["--database", DATABASE, "--ca-file", str(writer.ca_file)]
    code = main([*args, "--since", "2000-01-01T00:00:00Z"])
    out = capsys.readouterr().out

    assert code == 0
    assert out.startswith(f"compared {report.compared} payments of the old primary created")
    assert "0 missing, 0 reprocessed" in out
    assert main([*args, "--since", "yesterday"]) == 2
    assert "--since='yesterday' is invalid" in capsys.readouterr().err
