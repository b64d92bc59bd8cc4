"""The game-day report's example (docs/gameday-example.json and .md), produced by the local
drill: the ``database-failover`` scenario on two PostgreSQL servers (replication cut 0.5 s
before the primary is killed, so payments are lost), the RTO measured by the drill's client,
the RPO by ``dr_app.cli.reconcile.compare`` on the old primary (started again on its own data)
and the new writer.

Every run regenerates the report and checks it against the committed example: the same
format and the same verdict; the committed Markdown is exactly the rendering of the committed
JSON. ``WRITE=1`` replaces the committed example with this run's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dr_app.cli import gameday
from dr_app.cli.reconcile import compare
from payment_service.connection import ConnectParams, create_ssl_context, pg8000_connect
from tests.drill.pair import APP_USER, DATABASE, ReplicatedPair
from tests.drill.scenarios import DrillSettings, UnplannedResult, run_unplanned

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_JSON = ROOT / "docs" / "gameday-example.json"
EXAMPLE_MD = ROOT / "docs" / "gameday-example.md"
FAST = DrillSettings(warmup_seconds=1.0, after_seconds=0.5)


def _report(result: UnplannedResult, reconciled: gameday.Reconciled) -> gameday.GameDayReport:
    report = gameday.GameDayReport(
        scenario=gameday.SCENARIOS["database-failover"],
        environment="local-drill",
        started_at="(local drill)",
        where="one host: two local PostgreSQL servers (primary and streaming standby)",
        source="local-drill",
    )
    report.readiness = gameday.Readiness(
        True, "not evaluated: the local drill has no AWS readiness evaluator"
    )
    report.experiment = {
        "driver": "local drill: pg_ctl stop -m immediate on the primary, the failover "
        "orchestrator promotes the standby (stands in for FailoverGlobalCluster)",
        "replication_cut_before_fault_seconds": 0.5,
    }
    report.attempts = [
        gameday.Attempt(key, at, 201, payment_id, region, at)
        for key, payment_id, region, at in result.acks_after_outage
    ] + [gameday.Attempt(key, 0.0, None) for key in result.in_doubt]
    report.rto_seconds = result.rto_seconds
    report.reconciled = reconciled
    report.failback = {"outcome": "not run: the drill's old primary is compared, not rejoined"}
    report.observations = [
        "times are the drill's compressed schedule (checks every 0.2 s), not Aurora's: "
        "payment-dr rto-budget has the production figures",
        f"the drill itself counted {len(result.outcome.lost)} acknowledged payments lost",
    ]
    return report


def _connect(host: str, port: int, password: str, ca_file: Path) -> object:
    return pg8000_connect(
        ConnectParams(
            host=host,
            port=port,
            database=DATABASE,
            user=APP_USER,
            password=password,
            ssl_context=create_ssl_context(ca_file),
            timeout_seconds=10.0,
            statement_timeout_ms=60_000,
            application_name="gameday-example",
        )
    )


def test_the_drill_produces_the_documented_report(pair: ReplicatedPair) -> None:
    old_primary = pair.primary
    result = run_unplanned(pair, "t-gameday", FAST, cut_replication_before_kill=0.5)
    old_primary.start()
    new_writer = pair.primary
    compared = compare(
        _connect(old_primary.host, old_primary.port, pair.app_password, old_primary.ca_file),  # type: ignore[arg-type]
        _connect(new_writer.host, new_writer.port, pair.app_password, old_primary.ca_file),  # type: ignore[arg-type]
    )
    reconciled = gameday.Reconciled(
        compared=compared.compared,
        missing_keys=tuple(d.idempotency_key for d in compared.missing),
        reprocessed=len(compared.discrepancies) - len(compared.missing),
    )
    report = _report(result, reconciled)
    document = report.to_json()

    # the RPO the report states is the drill's own count of acknowledged-then-lost payments
    assert sorted(report.lost) == sorted(result.outcome.lost)
    assert report.lost, "the cut makes the drill lose payments"
    assert report.rto_seconds is not None
    assert document["verdict"] == "pass"
    assert gameday.validate_report(document) == []

    if os.environ.get("WRITE") == "1":
        text, markdown = gameday.dump(report)
        EXAMPLE_JSON.write_text(text, encoding="utf-8")
        EXAMPLE_MD.write_text(markdown, encoding="utf-8")
    committed = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    assert gameday.validate_report(committed) == []
    assert EXAMPLE_MD.read_text(encoding="utf-8") == gameday.to_markdown(committed)
    assert set(committed) == set(document)
    assert committed["scenario"] == document["scenario"]
    assert committed["verdict"] == document["verdict"]
    assert committed["rpo"]["acknowledged_then_missing"] > 0
