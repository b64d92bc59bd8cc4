"""DR drill on two local PostgreSQL servers (``make drill``).

A primary and a streaming hot standby (``pg_basebackup -R``, asynchronous replication,
PostgreSQL's default durability settings) stand in for the two regions; the real payment
handler serves each. Every run does a planned switchover (writes paused, standby caught up,
promoted: no acknowledged payment may be lost) and an unplanned failover (primary killed under
load) and a full-region outage (the primary and every probe of it black-holed, the Route 53
and us-east-1 CloudWatch APIs hanging); in both the real failover orchestrator
(``engine.Orchestrator``) decides and promotes the standby. Measures RTO and RPO, and after
each switchover and failover counts the acknowledged ids lost and the ids duplicated twice:
from the client's answers and with reconcile's code on the two databases
(``tests.drill.ledger``); the two must agree.

    python scripts/drill.py [--runs 3] [--write [docs/benchmarks.md]]

``--write`` puts the figures into the "DR drill" section of docs/benchmarks.md (added at the
end the first time, replaced between its markers afterwards; the rest of the file is kept).
Exits 1 when a planned switchover lost a payment or an id, when reconcile's lists differ from
the client's, or a run failed; exits 0 with the reason,
measuring nothing, when the PostgreSQL server binaries or openssl are missing.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from payment_service.logging import configure_logging  # noqa: E402
from tests.drill.ledger import Accounting, account, seed  # noqa: E402
from tests.drill.pair import ReplicatedPair  # noqa: E402
from tests.drill.scenarios import (  # noqa: E402
    DrillSettings,
    HeldResult,
    Outage,
    PlannedResult,
    UnplannedResult,
    run_api_fault,
    run_partition,
    run_planned,
    run_unplanned,
)
from tests.runtime.postgres import PostgresUnavailableError, find_bindir  # noqa: E402

BENCHMARKS = REPO_ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- dr-drill:begin -->", "<!-- dr-drill:end -->"
TIME_BUDGET_SECONDS = 80.0
CUT_BEFORE_KILL_SECONDS = 0.5
"""The loss-forcing run: replication stopped this long before the kill, so the payments
acknowledged in between are lost and reconcile has something to list."""
"""No new run starts when the drill could then exceed this."""


def postgres_version() -> str:
    bindir = find_bindir()
    result = subprocess.run(  # noqa: S603 - a fixed binary of the found installation
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    )
    match = re.search(r"\(PostgreSQL\) (\S+)", result.stdout)
    return match[1] if match else result.stdout.strip()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s (max {max(values):.2f} s)"


def ids_cells(accounting: Accounting | None) -> str:
    """``acknowledged ids lost | ids duplicated | reconcile`` of one run (client's count)."""
    if accounting is None:
        return "| - | - | - |"
    ledger, reconciled = accounting.ledger, accounting.reconciled
    verdict = (
        ("lists exactly these" if accounting.agrees else "**differs** (drill failed)")
        + f" ({reconciled.report.compared} + {reconciled.report.compared_new} compared, "
        + (f"{reconciled.seconds:.2f} s)")
    )
    return f"| {len(ledger.ids_lost)} | {len(ledger.ids_duplicated)} | {verdict} |"


IDS_HEADER = " acknowledged ids lost | ids duplicated | reconcile |"


def unplanned_rows(
    results: list[UnplannedResult], moment: str, accounts: list[Accounting] | None = None
) -> list[str]:
    rows = [
        f"| run | RTO: {moment} -> first payment accepted by the secondary | traffic moved (DNS) "
        "| FailoverGlobalCluster sent | promotion | slowest evaluation "
        f"| acknowledged before the {moment} | acknowledged then lost (RPO) |" + IDS_HEADER,
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for number, r in enumerate(results, 1):
        lost = len(r.outcome.lost)
        window = (
            f" (acknowledged up to {r.lost_window_ms:.0f} ms before the {moment})" if lost else ""
        )
        slowest = max((e.seconds for e in r.evaluations), default=0.0)
        rows.append(
            f"| {number} | {r.rto_seconds:.2f} s | {r.dns_seconds:.2f} s "
            f"| {r.decision_seconds:.2f} s | {r.promotion_seconds:.2f} s | {slowest:.2f} s "
            f"| {r.acked_before_kill} | {lost}{window} "
            + ids_cells(accounts[number - 1] if accounts else None)
        )
    return rows


def planned_rows(
    results: list[PlannedResult], accounts: list[Accounting] | None = None
) -> list[str]:
    rows = [
        "| run | writes paused -> first payment on the new writer | standby caught up "
        "| promotion | acknowledged | acknowledged then lost |" + IDS_HEADER,
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for number, r in enumerate(results, 1):
        rows.append(
            f"| {number} | {r.write_pause_seconds:.2f} s | {r.catch_up_seconds:.3f} s "
            f"| {r.promotion_seconds:.2f} s | {r.outcome.acked} | {len(r.outcome.lost)} "
            + ids_cells(accounts[number - 1] if accounts else None)
        )
    return rows


def held_rows(results: list[HeldResult]) -> list[str]:
    rows = [
        "| run | database moves | pages | acknowledged during the fault | acknowledged lost "
        "| RTO |",
        "|---|---|---|---|---|---|",
    ]
    for number, r in enumerate(results, start=1):
        moves = ", ".join(f"{region}: {sorted(p)}" for region, p in r.failover_requests) or "none"
        pages = ", ".join(sorted(set(r.notified))) or "none"
        rto = f"{r.rto_seconds:.2f} s" if r.rto_seconds is not None else "-"
        rows.append(
            f"| {number} | {moves} | {pages} | {r.acked_during_fault} | {len(r.outcome.lost)} "
            f"| {rto} |"
        )
    return rows


def section(
    unplanned: list[UnplannedResult],
    outages: list[UnplannedResult],
    planned: list[PlannedResult],
    settings: DrillSettings,
    elapsed: float,
    partitions: list[HeldResult] | None = None,
    api_faults: list[HeldResult] | None = None,
    accounts: dict[str, list[Accounting]] | None = None,
    cuts: list[UnplannedResult] | None = None,
) -> str:
    accounts = accounts or {}
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    lost = sum(len(r.outcome.lost) for r in unplanned)
    acked = sum(r.outcome.acked for r in unplanned)
    lines = [
        BEGIN,
        f"Measured {date} by `make drill` (scripts/drill.py, {len(unplanned)} runs of each "
        f"scenario, {elapsed:.0f} s in all), {machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {postgres_version()}.",
        "",
        "Two PostgreSQL servers on 127.0.0.1 stand in for the regions: a primary and a hot "
        "standby streaming asynchronously (`pg_basebackup -R`; `synchronous_commit`, `fsync` "
        "and `full_page_writes` at their defaults, `synchronous_standby_names` empty, like an "
        "Aurora global database). The real payment handler serves each region over TLS; one "
        "client thread sends payments to the active region, each with its own idempotency key, "
        "retried until it gets a 201. Timings are scaled down: a health check every "
        f"{settings.check_interval} s (timeout {settings.probe_timeout} s) moves traffic after "
        f"{settings.failure_threshold} failures. The real failover orchestrator "
        "(`engine.Orchestrator`, settings from `OrchestratorSettings.from_env`) runs every "
        f"{settings.evaluation_interval} s with CONSECUTIVE_FAILURES=3, probe timeout 0.5 s and "
        "1 s budgets for the signals and the gates (FUNCTION_TIMEOUT_SECONDS=12); it reads the "
        "switch and its state from SSM and DynamoDB (moto), the global cluster from the RDS "
        "fake of the scenario tests, whose FailoverGlobalCluster runs `pg_ctl promote`, and the "
        "NoResponse alarms of two vantage-point probes (us-east-2, us-west-2; ALARM after "
        f"{settings.vantage_threshold} probes without an answer). These figures measure "
        "detection on a compressed schedule, promotion, client recovery and data loss; the worst "
        "case with the production schedule is `payment-dr rto-budget`.",
        "",
        "Ids, counted twice (tests/drill/ledger.py): by the client, from its answers "
        "(**acknowledged ids lost**: ids it got a 201 for that the surviving writer lacks; "
        "**ids duplicated**: keys it got two ids for), and by `payment-dr reconcile`'s code "
        "comparing the old primary (started again on its data directory) with the new writer "
        "from a time before the run, a page of 1,000 at a time. Before each unplanned run "
        "2,500 payments are seeded and replicated; after each run the client retries, while "
        "DynamoDB does not answer, a third of the lost payments with their body, sends a "
        "third's keys with another body (which then get a second id), and retries 20 kept "
        "ones. The drill fails when reconcile's lists differ from the client's, or when a "
        "planned switchover loses or duplicates an id.",
        "",
        f"**Unplanned failover** (primary killed with `pg_ctl stop -m immediate` under load): "
        f"RTO {seconds([r.rto_seconds for r in unplanned])}; promotion "
        f"{seconds([r.promotion_seconds for r in unplanned])}; {lost} of {acked} acknowledged "
        "payments lost over all runs.",
        "",
        *unplanned_rows(unplanned, "kill", accounts.get("unplanned")),
        "",
        "**Full-region outage** (every connection to the primary, the client's, the health "
        "checker's and every probe's, goes through a TCP proxy on 127.0.0.1 that at the outage "
        "stops forwarding and holds accepted and new sockets open without answering; the server "
        "behind it is killed; the Route 53 and us-east-1 CloudWatch APIs hang): the orchestrator "
        "decides from the two silent vantage points alone, with no us-east-1 signal. RTO "
        f"{seconds([r.rto_seconds for r in outages])}; "
        f"{sum(len(r.outcome.lost) for r in outages)} of "
        f"{sum(r.outcome.acked for r in outages)} acknowledged payments lost over all runs. "
        "The RTO includes the client's request stuck on the black-holed region until the "
        "handler's database timeout.",
        "",
        *unplanned_rows(outages, "outage", accounts.get("outage")),
        "",
        "**Unplanned failover with loss forced** (replication stopped "
        f"{CUT_BEFORE_KILL_SECONDS} s before the kill, so every payment acknowledged in "
        "between is lost): what reconcile lists against what the client lost and got twice.",
        "",
        *unplanned_rows(cuts or [], "kill", accounts.get("cut")),
        "",
        "**Partition between us-east-2 and us-east-1** (the us-east-2 probes time out and "
        "us-east-1's APIs hang from there, while us-west-2's probe, Route 53's checkers and the "
        "clients still reach the primary, which keeps serving): no database move, "
        f"{sum(len(r.outcome.lost) for r in partitions or [])} of "
        f"{sum(r.outcome.acked for r in partitions or [])} acknowledged payments lost.",
        "",
        *held_rows(partitions or []),
        "",
        "**API-only fault in us-east-1** (API Gateway answers 502 to clients and probes; the "
        "database is healthy and its RPO lag published): SwitchoverGlobalCluster, sent to the "
        "primary's region, the standby replaying to the primary's position before promotion: "
        f"RTO {seconds([r.rto_seconds or 0.0 for r in api_faults or []])}; "
        f"{sum(len(r.outcome.lost) for r in api_faults or [])} of "
        f"{sum(r.outcome.acked for r in api_faults or [])} acknowledged payments lost.",
        "",
        *held_rows(api_faults or []),
        "",
        "**Planned switchover** (writes paused between requests, standby replayed to the "
        "primary's WAL position, primary stopped, standby promoted, writes resumed): write "
        f"pause {seconds([r.write_pause_seconds for r in planned])}; acknowledged then lost: "
        f"{sum(len(r.outcome.lost) for r in planned)} (asserted to be 0).",
        "",
        *planned_rows(planned, accounts.get("planned")),
        END,
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = BENCHMARKS) -> None:
    """Replace the drill block in ``path``, or append a "DR drill" section with it."""
    document = path.read_text(encoding="utf-8")
    block = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if block.search(document):
        document = block.sub(lambda _match: text, document)
    else:
        document = document.rstrip("\n") + "\n\n## DR drill\n\n" + text + "\n"
    path.write_text(document if document.endswith("\n") else document + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each scenario (default 3)")
    parser.add_argument(
        "--write",
        nargs="?",
        type=Path,
        const=BENCHMARKS,
        metavar="PATH",
        help="write the figures into the DR drill section of PATH (docs/benchmarks.md)",
    )
    args = parser.parse_args(argv)
    configure_logging("ERROR", stream=io.StringIO())
    settings = DrillSettings()
    started = time.perf_counter()
    try:
        pair = ReplicatedPair.create()
    except PostgresUnavailableError as exc:
        print(f"drill SKIPPED: PostgreSQL server binaries or openssl missing: {exc}")
        return 0
    unplanned: list[UnplannedResult] = []
    outages: list[UnplannedResult] = []
    planned: list[PlannedResult] = []
    partitions: list[HeldResult] = []
    api_faults: list[HeldResult] = []
    cuts: list[UnplannedResult] = []
    accounts: dict[str, list[Accounting]] = {
        "planned": [],
        "unplanned": [],
        "outage": [],
        "cut": [],
    }
    try:
        for number in range(1, max(1, args.runs) + 1):
            elapsed = time.perf_counter() - started
            per_run = elapsed / (number - 1) if number > 1 else 0.0
            if number > 1 and elapsed + per_run > TIME_BUDGET_SECONDS:
                print(f"stopping after {number - 1} runs: time budget {TIME_BUDGET_SECONDS:.0f} s")
                break
            prefix = f"drill{number}-planned"
            old, since = pair.primary, datetime.now(UTC) - timedelta(seconds=1)
            planned.append(run_planned(pair, prefix, settings))
            accounts["planned"].append(account(pair, old, since, prefix, planned[-1].acked_ids, ()))
            for kind, outage, cut, results in (
                ("unplanned", Outage.KILL, None, unplanned),
                ("outage", Outage.REGION, None, outages),
                ("cut", Outage.KILL, CUT_BEFORE_KILL_SECONDS, cuts),
            ):
                prefix = f"drill{number}-{kind}"
                old, since = pair.primary, datetime.now(UTC) - timedelta(seconds=1)
                seed(pair, f"{prefix}-seed")
                results.append(
                    run_unplanned(
                        pair, prefix, settings, outage=outage, cut_replication_before_kill=cut
                    )
                )
                accounts[kind].append(
                    account(
                        pair, old, since, prefix, results[-1].acked_ids, results[-1].outcome.lost
                    )
                )
            partitions.append(run_partition(pair, f"drill{number}-partition", settings))
            api_faults.append(run_api_fault(pair, f"drill{number}-api-fault", settings))
            print(
                f"run {number}: unplanned RTO {unplanned[-1].rto_seconds:.2f} s, "
                f"lost {len(unplanned[-1].outcome.lost)}; full-region outage RTO "
                f"{outages[-1].rto_seconds:.2f} s, lost {len(outages[-1].outcome.lost)}; "
                "planned pause "
                f"{planned[-1].write_pause_seconds:.2f} s, lost {len(planned[-1].outcome.lost)}; "
                + "; ".join(
                    f"{kind}: acknowledged ids lost {len(a[-1].ledger.ids_lost)}, ids "
                    f"duplicated {len(a[-1].ledger.ids_duplicated)}, reconcile "
                    + ("agrees" if a[-1].agrees else "DIFFERS")
                    for kind, a in accounts.items()
                ),
                flush=True,
            )
    finally:
        pair.close()
    elapsed = time.perf_counter() - started
    text = section(
        unplanned, outages, planned, settings, elapsed, partitions, api_faults, accounts, cuts
    )
    print(text.replace(BEGIN + "\n", "").replace("\n" + END, ""))
    outcomes = [r.outcome for r in planned] + [r.outcome for r in unplanned + outages]
    outcomes += [r.outcome for r in partitions + api_faults + cuts]
    lost_in_planned = any(r.outcome.lost for r in planned + partitions + api_faults)
    every = [a for kind in accounts.values() for a in kind]
    if not all(a.agrees for a in every):
        print("drill FAILED: reconcile's lists differ from the ids the client lost or duplicated")
        return 1
    if any(a.ledger.ids_lost or a.ledger.ids_duplicated for a in accounts["planned"]):
        print("drill FAILED: a planned switchover lost or duplicated an acknowledged id")
        return 1
    if any(r.failover_requests for r in partitions):
        print("drill FAILED: a partition moved the database")
        return 1
    if lost_in_planned or any(o.mismatched for o in outcomes):
        print(
            "drill FAILED: a planned switchover, a partition or an API-only fault lost "
            "payments, or an id did not match"
        )
        return 1
    if args.write is not None:
        write_section(text, Path(args.write))
        print(f"wrote the DR drill section of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
