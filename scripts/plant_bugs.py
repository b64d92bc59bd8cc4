"""Plant known, plausible bugs one at a time and check that the named test catches each.

These are the bugs that once survived the whole suite; each now has a test that must fail
when it comes back. Every plant is an exact text replacement in a throwaway copy of the
work tree (the checkout is never touched); a plant whose text is no longer found is an
error, so the list cannot silently go stale when the code changes.

    python scripts/plant_bugs.py [--write docs/testing.md]

Exit 1 when a planted bug is not caught, or a plant no longer applies.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from doc_sections import replace_section
from mutate import copy_env, copy_tree

SECTION = "planted-bugs"


@dataclass(frozen=True)
class Plant:
    """One bug: where, the exact text replaced, and the test that must fail."""

    behaviour: str
    bug: str
    path: str
    old: str
    new: str
    test: str


PLANTS = (
    Plant(
        "orchestrator decision rules",
        "a `down` verdict no longer resets the inconclusive counter, so the "
        '"signals unreadable" page fires early',
        "apps/payment-service/src/payment_service/orchestrator/rules.py",
        "    previous = replace(previous, consecutive_inconclusive=0)\n    last = ",
        "    last = ",
        "tests/rules/test_decide.py::test_inconclusive_down_inconclusive_does_not_page_early",
    ),
    Plant(
        "orchestrator decision table",
        "a partition (one region silent while another still gets answers) counts towards an "
        "outage, so a cut between us-east-2 and us-east-1 alone ends in AllowDataLoss",
        "apps/payment-service/src/payment_service/orchestrator/rules.py",
        "    if silent and Evidence.ANSWERED in seen:\n",
        "    if silent and Evidence.ANSWERED in seen and not silent:\n",
        "tests/rules/test_decision_table.py::test_the_reasons_name_the_evidence",
    ),
    Plant(
        "orchestrator move",
        "a switchover is chosen without evidence that the primary's database is healthy",
        "apps/payment-service/src/payment_service/orchestrator/rules.py",
        "    if database.proven and not switchover_expired(counted, now, thresholds):\n",
        "    if not switchover_expired(counted, now, thresholds):\n",
        "tests/rules/test_decide.py::test_failover_and_no_safe_move_reasons",
    ),
    Plant(
        "S3 replication rule id",
        "the rule id gets a region suffix; the alarms and the dashboard still watch "
        "`replicate-everything`",
        "packages/data/src/payment_dr_data/bucket_replication.py",
        "                    id=REPLICATION_RULE_ID,\n",
        '                    id=f"{REPLICATION_RULE_ID}-{props.source_region}",\n',
        "tests/app/test_links.py::"
        "test_replication_rule_id_is_the_one_the_alarms_and_the_dashboard_watch",
    ),
    Plant(
        "`rto-budget` arithmetic",
        "`max(clients, writer) + retry_after`: the brackets moved, so the Retry-After is "
        "added to the clients' chain too",
        "apps/dr-app/src/dr_app/cli/budget.py",
        "        return max(self.client_seconds, self.writer_seconds + self.retry_after.seconds)",
        "        return max(self.client_seconds, self.writer_seconds) + self.retry_after.seconds",
        "tests/cli/test_rto_budget.py::"
        "test_a_dns_ttl_longer_than_the_writer_chain_dominates_the_rto",
    ),
    Plant(
        "orchestrator probe timeout",
        "a primary-probe timeout as long as the signals budget (or longer) is accepted, so a "
        "slow probe can use up the orchestrator function's time",
        "apps/payment-service/src/payment_service/orchestrator/settings.py",
        "        if probe_timeout >= signals_budget:\n",
        "        if probe_timeout > 60:\n",
        "tests/scenarios/test_full_outage_signals.py::"
        "test_budgets_that_do_not_fit_the_function_timeout_are_refused",
    ),
    Plant(
        "orchestrator signals budget",
        "the evaluation waits for every signal reader, so a probe that hangs past its own "
        "timeout holds the function until Lambda kills it",
        "apps/payment-service/src/payment_service/orchestrator/engine.py",
        "    wait(futures, timeout=budget_seconds)\n",
        "    wait(futures)\n",
        "tests/scenarios/test_full_outage_signals.py::"
        "test_one_evaluation_fits_in_the_function_timeout_when_every_us_east_1_call_hangs",
    ),
    Plant(
        "reconcile `--since` boundary",
        "`created_at > :since` instead of `>=`: a payment made at the very instant is never "
        "compared",
        "apps/dr-app/src/dr_app/cli/reconcile.py",
        " WHERE created_at >= :since\n",
        " WHERE created_at > :since\n",
        "tests/cli/test_reconcile.py::test_since_is_inclusive_on_both_sides",
    ),
    Plant(
        "reconcile: keys with two ids",
        "a lost payment whose key the new writer holds under another id is counted as matched, "
        "hiding a possible double charge",
        "apps/dr-app/src/dr_app/cli/reconcile.py",
        "        for p in batch\n    ]",
        "        for p in batch\n        if (p.client_id, p.idempotency_key) not in held\n    ]",
        "tests/cli/test_reconcile.py::test_a_key_the_new_writer_holds_under_another_id_is_duplicated",
    ),
    Plant(
        "reconcile paging",
        "a side stops after a full page (`<=` for `<`): 1,000 of 2,500 missing payments reported",
        "apps/dr-app/src/dr_app/cli/reconcile.py",
        "            if len(page) < self._page_size:\n",
        "            if len(page) <= self._page_size:\n",
        "tests/cli/test_reconcile.py::test_2500_payments_missing_are_all_reported_a_page_at_a_time",
    ),
    Plant(
        "reconcile `--since` without an offset",
        "a naive `--since` is accepted (read in the host's zone or as UTC, wrong somewhere)",
        "apps/dr-app/src/dr_app/cli/reconcile.py",
        "    if value is None or value.tzinfo is None:\n",
        "    if value is None:\n",
        "tests/cli/test_reconcile.py::test_a_since_without_an_offset_or_not_a_time_is_refused",
    ),
    Plant(
        "the fence on the replay path",
        "the key's row is looked up before the fenced write transaction, so a region that must "
        "not write answers a retry 201 from its stale copy",
        "apps/payment-service/src/payment_service/repository.py",
        "        request_hash = request.request_hash()\n\n        def work(",
        "        request_hash = request.request_hash()\n        early = self._database.session(\n"
        "            lambda c: _existing(c, client_id, key, request_hash), deadline=deadline\n"
        "        )\n        if early is not None:\n            return early\n\n        def work(",
        "tests/runtime/test_replay_fence.py::"
        "test_a_region_the_rds_api_does_not_name_the_writer_never_replays",
    ),
    Plant(
        "DynamoDB record: first writer wins",
        "the put's condition is dropped, so a later request replaces the first outcome's record",
        "apps/payment-service/src/payment_service/idempotency_cache.py",
        '                ConditionExpression="attribute_not_exists(pk)",\n',
        '                ConditionExpression="attribute_not_exists(pk) OR attribute_exists(pk)",\n',
        "tests/runtime/test_idempotency_records.py::"
        "test_a_request_that_could_not_read_the_record_does_not_overwrite_it",
    ),
    Plant(
        "GET /payments/{id} ownership (OWASP API1)",
        "the read no longer checks the client, so any client reads any payment by its id",
        "apps/payment-service/src/payment_service/repository.py",
        " WHERE id = :id\n   AND client_id = :client\n",
        " WHERE id = :id\n   AND :client IS NOT NULL\n",
        "tests/runtime/test_client_scope.py::"
        "test_get_answers_only_the_client_that_created_the_payment",
    ),
    Plant(
        "one payment, one id",
        "a new payment gets a random id again, so a retry after a failover that lost its row "
        "(without a readable DynamoDB record) gets a second id",
        "apps/payment-service/src/payment_service/api.py",
        "            return self.payment_ids.derive("
        "client_id, key, request_hash, deadline=deadline)\n",
        "            return uuid.uuid4()\n",
        "tests/runtime/test_replay_after_failover.py::"
        "test_a_lost_payment_retried_on_the_new_writer_keeps_its_id",
    ),
)


@dataclass(frozen=True)
class Result:
    """What one plant did."""

    plant: Plant
    caught: bool
    seconds: float


def run_plant(plant: Plant, copy: Path) -> Result:
    """Apply ``plant`` in ``copy``, run its test, restore the file."""
    target = copy / plant.path
    original = target.read_text(encoding="utf-8")
    if original.count(plant.old) != 1:
        raise SystemExit(
            f"{plant.path}: the text to replace for {plant.behaviour!r} is found "
            f"{original.count(plant.old)} times (expected once); update scripts/plant_bugs.py"
        )
    target.write_text(original.replace(plant.old, plant.new), encoding="utf-8")
    env = dict(copy_env(copy), PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    try:
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", plant.test],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        target.write_text(original, encoding="utf-8")
    # pytest exit 1: tests failed (caught). 0: passed (not caught). Others: the run broke.
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{plant.test}: pytest exited {completed.returncode}\n{completed.stdout}")
    return Result(plant, completed.returncode == 1, time.monotonic() - started)


def report(results: list[Result]) -> str:
    """The Markdown table of the section."""
    lines = [
        "Written by `python scripts/plant_bugs.py --write docs/testing.md`; CI runs the same "
        "check.",
        "",
        "| behaviour | planted bug | test that must fail | caught |",
        "|---|---|---|---|",
    ]
    for result in results:
        plant = result.plant
        lines.append(
            f"| {plant.behaviour} | {plant.bug} | `{plant.test}` | "
            f"{'yes' if result.caught else '**no**'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="replace the planted-bugs section of FILE")
    args = parser.parse_args()
    copy = Path(tempfile.mkdtemp(prefix="plant-tree-"))
    try:
        copy_tree(copy)
        # The unplanted tests must pass first: a failure there says nothing about a plant.
        for plant in PLANTS:
            baseline = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", plant.test],
                cwd=copy,
                env=copy_env(copy),
                capture_output=True,
                text=True,
                check=False,
            )
            if baseline.returncode != 0:
                raise SystemExit(f"{plant.test} fails before any plant:\n{baseline.stdout}")
        results = [run_plant(plant, copy) for plant in PLANTS]
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    for result in results:
        verdict = "caught" if result.caught else "NOT CAUGHT"
        print(
            f"{verdict:10} {result.seconds:5.1f} s  {result.plant.behaviour}: {result.plant.test}"
        )
    if args.write:
        replace_section(args.write, SECTION, report(results), heading="Planted bugs")
    return 0 if all(result.caught for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
