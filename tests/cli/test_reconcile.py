"""``payment-dr reconcile`` on fake databases: every class of difference, the ``--since``
boundary, paging through more rows than a page on both sides, and the CSV and JSON reports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import FrozenInstanceError, replace
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

import pytest

from dr_app.cli import main as cli_main
from dr_app.cli.commands import reconcile as command
from dr_app.cli.reconcile import (
    CSV_COLUMNS,
    DEFAULT_PAGE_SIZE,
    EPOCH,
    NIL_ID,
    SCHEMA,
    Report,
    compare,
    parse_since,
)
from tests.cli.reconcile_fakes import T0, FakeDatabase, Row, row


def run(
    old: list[Row], new: list[Row], **options: object
) -> tuple[Report, FakeDatabase, FakeDatabase]:
    old_db, new_db = FakeDatabase(old), FakeDatabase(new)
    report = compare(old_db, new_db, **options)  # type: ignore[arg-type]
    return report, old_db, new_db


# --- each class ---------------------------------------------------------------------------


def test_identical_databases_have_nothing_to_report() -> None:
    rows = [row(n) for n in range(5)]

    report, _, _ = run(rows, rows)

    assert report.discrepancies == ()
    assert (report.compared, report.compared_new) == (5, 5)
    assert report.summary() == {
        "acknowledged_ids_lost": 0,
        "ids_duplicated": 0,
        "changed": 0,
        "recreated": 0,
    }


def test_a_payment_the_new_writer_lacks_is_missing() -> None:
    report, _, _ = run([row(1), row(2), row(3)], [row(1), row(3)])

    (missing,) = report.missing
    assert missing.kind == "missing"
    assert missing.payment_id == str(row(2).id)
    assert missing.idempotency_key == "key-000002"
    assert missing.other_payment_id is None
    assert not missing.duplicated
    assert report.duplicated == ()
    assert report.summary()["acknowledged_ids_lost"] == 1


def test_a_key_the_new_writer_holds_under_another_id_is_duplicated() -> None:
    """Lost on the new writer, and the same client's key there under another id (another
    body accepted where the original could not be checked): the key has two ids."""
    other = row(2, id=uuid.UUID(int=1), amount=Decimal("9.99"), region="us-east-2")

    report, _, new = run([row(1), row(2)], [row(1), other])

    (missing,) = report.missing
    assert missing.payment_id == str(row(2).id)
    assert missing.other_payment_id == str(other.id)
    assert missing.duplicated
    assert report.duplicated == (missing,)
    assert report.summary() == {
        "acknowledged_ids_lost": 1,
        "ids_duplicated": 1,
        "changed": 0,
        "recreated": 0,
    }
    assert new.count("by_client_key") == 1
    assert new.count("by_key") == 0


def test_another_clients_payment_under_the_same_key_is_not_a_duplicate() -> None:
    theirs = row(2, id=uuid.UUID(int=1), client="client-b")

    report, _, _ = run([row(2)], [theirs])

    (missing,) = report.missing
    assert missing.other_payment_id is None
    assert report.duplicated == ()


def test_a_key_used_before_clients_were_recorded_matches_any_client_on_the_new_writer() -> None:
    """A row without a client (made before migration 0003) lost, and its key used on the new
    writer by a client: the key has two ids (the lowest one is named)."""
    lost = row(2, client=None)
    retried = [
        row(2, id=uuid.UUID(int=5), client="client-b"),
        row(2, id=uuid.UUID(int=3), client="client-a"),
    ]

    report, _, new = run([lost, row(3, client=None)], retried)

    missing = {d.payment_id: d for d in report.missing}
    assert missing[str(lost.id)].other_payment_id == str(uuid.UUID(int=3))
    assert missing[str(row(3).id)].other_payment_id is None
    assert new.count("by_key") == 1
    assert new.count("by_client_key") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("125.51")),
        ("currency", "EUR"),
        ("merchant_reference", "order-2"),
        ("customer_reference", "cust-2"),
        ("status", "failed"),
        ("request_hash", "b" * 64),
        ("idempotency_key", "key-other"),
        ("client_id", "client-b"),
    ],
)
def test_the_same_id_with_other_contents_is_changed(field: str, value: object) -> None:
    changed = replace(row(1), **{field: value})  # type: ignore[arg-type]

    report, _, _ = run([row(0), row(1)], [row(0), changed])

    (entry,) = report.changed
    assert entry.kind == "changed"
    assert entry.differences == (field,)
    assert entry.to_json()["differences"] == {field: str(value)}
    assert report.missing == report.recreated == ()


def test_a_client_recorded_afterwards_is_not_a_change() -> None:
    """An operator recorded the client of an older row on the new writer (or the old row
    records one the new lacks): the payment is the same."""
    report, _, _ = run([row(1, client=None), row(2)], [row(1), row(2, client=None)])

    assert report.discrepancies == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"region": "us-east-2", "created_at": T0 + timedelta(minutes=3)},
        {"region": "us-east-2"},
        {"created_at": T0 + timedelta(minutes=3)},
    ],
    ids=["region-and-time", "region", "time"],
)
def test_the_same_payment_made_again_elsewhere_or_later_is_recreated(
    changes: dict[str, object],
) -> None:
    again = replace(row(1), **changes)  # type: ignore[arg-type]

    report, _, _ = run([row(1)], [again])

    (entry,) = report.recreated
    assert entry.new == replace(
        entry.payment, **{k: entry.new.__dict__[k] for k in ("region", "created_at")}
    )
    document = entry.to_json()
    assert document["new_region"] == again.region
    assert document["new_created_at"] == again.created_at.isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert document["differences"] == {}
    assert report.changed == report.missing == ()


def test_payments_only_the_new_writer_holds_are_counted_not_reported() -> None:
    new_only = [row(n) for n in (0, 2, 4, 6, 8)]
    both = [row(n) for n in (1, 5)]

    report, _, _ = run(both, sorted(both + new_only, key=lambda r: r.id))

    assert report.discrepancies == ()
    assert (report.compared, report.compared_new) == (2, 7)


def test_every_class_at_once_in_a_stable_order() -> None:
    old = [row(n) for n in range(8)]
    new = [
        row(0),
        replace(row(1), amount=Decimal("1.00")),  # changed
        replace(row(2), region="us-east-2"),  # recreated
        # 3 missing
        row(4, id=uuid.UUID(int=2)),  # 4 duplicated: its key under another id
        row(5),
        row(6),
        # 7 missing
    ]

    report, _, _ = run(old, sorted(new, key=lambda r: r.id))

    assert [(d.kind, d.idempotency_key) for d in report.discrepancies] == [
        ("missing", "key-000003"),
        ("missing", "key-000004"),
        ("missing", "key-000007"),
        ("changed", "key-000001"),
        ("recreated", "key-000002"),
    ]
    assert [d.idempotency_key for d in report.duplicated] == ["key-000004"]


# --- --since --------------------------------------------------------------------------------


def test_since_is_inclusive_on_both_sides() -> None:
    at = row(10)
    before = row(9)
    since = at.created_at

    report, _, _ = run([before, at], [], since=since)

    assert [d.payment_id for d in report.missing] == [str(at.id)]
    assert report.compared == 1
    # a new-writer row made at the same instant is compared too
    report, _, _ = run([at], [replace(at, region="us-east-2")], since=since)
    assert [d.kind for d in report.discrepancies] == ["recreated"]
    assert report.compared_new == 1


@pytest.mark.parametrize(
    "text", ["2026-11-29T07:00:00", "2026-11-29", "yesterday", "", "2026-13-01T00:00:00Z"]
)
def test_a_since_without_an_offset_or_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 time with an offset"):
        parse_since(text)


def test_a_since_with_an_offset_is_kept_as_given() -> None:
    assert parse_since("2026-11-29T07:00:00Z") == T0
    assert parse_since("2026-11-29T09:00:00+02:00") == T0
    assert parse_since("2026-11-29T09:00:00+02:00").utcoffset() == timedelta(hours=2)


def test_compare_refuses_a_naive_since_and_a_page_size_out_of_range() -> None:
    with pytest.raises(ValueError, match="has no UTC offset"):
        compare(FakeDatabase([]), FakeDatabase([]), since=T0.replace(tzinfo=None))
    for size in (0, 10_001):
        with pytest.raises(ValueError, match="page_size"):
            compare(FakeDatabase([]), FakeDatabase([]), page_size=size)
    assert compare(FakeDatabase([]), FakeDatabase([]), page_size=10_000).compared == 0


# --- paging ---------------------------------------------------------------------------------


def test_2500_payments_missing_are_all_reported_a_page_at_a_time() -> None:
    old = [row(n) for n in range(2500)]

    report, old_db, new_db = run(old, [], page_size=1000)

    assert len(report.missing) == 2500
    assert {d.payment_id for d in report.missing} == {str(r.id) for r in old}
    assert old_db.queries == [("page", 1000), ("page", 1000), ("page", 500)]
    assert new_db.queries == [("page", 0)] + [("by_client_key", 0)] * 3
    assert new_db.looked_up == [1000, 1000, 500]
    assert report.queries == {"old": 3, "new": 4}


def test_paging_through_2500_on_both_sides_finds_differences_at_page_edges() -> None:
    edges = {0, 998, 999, 1000, 1001, 1999, 2000, 2499}
    old = [row(n) for n in range(2500)]
    new = [replace(r, region="us-east-2") if n in edges else r for n, r in enumerate(old)]
    new = [r for n, r in enumerate(new) if n not in {1500, 2498}]

    report, old_db, new_db = run(old, new, page_size=1000)

    assert {d.idempotency_key for d in report.recreated} == {f"key-{n:06d}" for n in edges}
    assert {d.idempotency_key for d in report.missing} == {"key-001500", "key-002498"}
    assert (report.compared, report.compared_new) == (2500, 2498)
    assert old_db.largest() <= 1000
    assert new_db.largest() <= 1000
    assert old_db.count("page") == 3
    assert new_db.count("page") == 3
    assert new_db.count("by_client_key") == 1


def test_a_side_that_fills_its_last_page_exactly_is_read_to_its_end() -> None:
    rows = [row(n) for n in range(40)]

    report, old_db, new_db = run(rows, rows[:-1], page_size=10)

    assert report.compared == 40
    assert [d.idempotency_key for d in report.missing] == ["key-000039"]
    assert old_db.queries == [("page", 10)] * 4 + [("page", 0)]
    assert new_db.count("page") == 4


def test_lookups_are_batched_by_the_page_size() -> None:
    old = [row(n) for n in range(25)]

    report, _, new_db = run(old, [], page_size=10)

    assert len(report.missing) == 25
    assert new_db.count("by_client_key") == 3
    assert new_db.looked_up == [10, 10, 5]
    assert new_db.largest() <= 10


# --- reports --------------------------------------------------------------------------------


def _sample() -> Report:
    old = [row(1), row(2), row(3), row(4)]
    new = [replace(row(1), status="failed"), replace(row(2), region="us-east-2")]
    new.append(row(4, id=uuid.UUID(int=2)))
    report, _, _ = run(old, sorted(new, key=lambda r: r.id), since=T0)
    return report


def test_the_json_report_follows_its_schema() -> None:
    document = _sample().to_json()

    assert document["schema"] == SCHEMA == "payment-dr/reconcile/v2"
    assert document["since"] == "2026-11-29T07:00:00+00:00"
    assert document["compared"] == {"old": 4, "new": 3}
    assert document["summary"] == {
        "acknowledged_ids_lost": 2,
        "ids_duplicated": 1,
        "changed": 1,
        "recreated": 1,
    }
    payments = document["payments"]
    assert isinstance(payments, list)
    assert [set(p) for p in payments] == [set(CSV_COLUMNS)] * 4
    first = payments[0]
    assert first == {
        "kind": "missing",
        "payment_id": str(row(3).id),
        "client_id": "client-a",
        "idempotency_key": "key-000003",
        "amount": "125.50",
        "currency": "USD",
        "merchant_reference": "order-1",
        "customer_reference": "cust-1",
        "status": "pending",
        "region": "us-east-1",
        "created_at": "2026-11-29T07:00:00.003Z",
        "other_payment_id": None,
        "new_region": None,
        "new_created_at": None,
        "differences": {},
    }
    assert payments[1]["other_payment_id"] == str(uuid.UUID(int=2))
    assert payments[2]["differences"] == {"status": "failed"}
    json.dumps(document)


def test_the_csv_report_has_its_header_and_one_row_per_entry() -> None:
    stream = io.StringIO()

    _sample().write_csv(stream)

    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == list(CSV_COLUMNS)
    assert [r[0] for r in rows[1:]] == ["missing", "missing", "changed", "recreated"]
    assert rows[1][CSV_COLUMNS.index("other_payment_id")] == ""
    assert rows[2][CSV_COLUMNS.index("other_payment_id")] == str(uuid.UUID(int=2))
    assert rows[3][CSV_COLUMNS.index("differences")] == "status=failed"
    assert rows[4][CSV_COLUMNS.index("new_region")] == "us-east-2"


def test_the_table_names_the_figures_and_each_entry() -> None:
    lines = _sample().table()

    assert lines[0] == (
        "compared 4 payments of the old primary and 3 of the new writer created since "
        "2026-11-29T07:00:00+00:00"
    )
    assert lines[1] == "acknowledged ids lost: 2; ids duplicated: 1; changed: 1; recreated: 1"
    assert lines[2].split() == [
        "kind", "payment", "id", "client", "idempotency", "key", "amount", "currency",
        "created", "at", "other", "id", "/", "new", "region",
    ]  # fmt: skip
    assert len(lines) == 7
    assert lines[4].split()[-1] == str(uuid.UUID(int=2))
    assert lines[6].split()[-1] == "us-east-2"


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeDatabase]:
    sides = {
        "old.example": FakeDatabase([row(1), row(2)]),
        "new.example": FakeDatabase([row(1)]),
    }
    monkeypatch.setenv("PAYMENT_DR_DB_PASSWORD", "pw")

    def connect(args: object, host: str, port: int, password: str) -> FakeDatabase:
        assert password == "pw"
        if host not in sides:
            raise ConnectionRefusedError(f"{host}:{port}")
        return sides[host]

    monkeypatch.setattr(command, "_connect", connect)
    return sides


def _args(*extra: str, old: str = "old.example") -> list[str]:
    return [
        "reconcile", "--old-host", old, "--new-host", "new.example", "--user", "u",
        "--ca-file", "ca.pem", *extra,
    ]  # fmt: skip


def test_the_command_writes_json_and_csv_and_exits_1_when_something_is_listed(
    databases: dict[str, FakeDatabase], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, table = tmp_path / "r.json", tmp_path / "r.csv"

    code = cli_main.main(
        _args("--since", "2026-11-29T07:00:00Z", "--out", str(out), "--csv", str(table))
    )

    assert code == 1
    assert "acknowledged ids lost: 1; ids duplicated: 0" in capsys.readouterr().out
    assert json.loads(out.read_text())["summary"]["acknowledged_ids_lost"] == 1
    assert table.read_text().splitlines()[0] == ",".join(CSV_COLUMNS)
    assert all(side.closed for side in databases.values())


def test_the_command_exits_0_when_nothing_is_listed(
    databases: dict[str, FakeDatabase], capsys: pytest.CaptureFixture[str]
) -> None:
    databases["old.example"].rows = [row(1)]

    assert cli_main.main(["--json", *_args("--since", "2026-11-29T07:00:00+00:00")]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["acknowledged_ids_lost"] == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--since", "2026-11-29T07:00:00"), "--since='2026-11-29T07:00:00' is invalid"),
        (("--since", "2026-11-29T07:00:00Z", "--page-size", "0"), "--page-size=0"),
        (("--since", "2026-11-29T07:00:00Z", "--page-size", "10001"), "--page-size=10001"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2(
    databases: dict[str, FakeDatabase],
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    assert cli_main.main(_args(*extra)) == 2
    assert message in capsys.readouterr().err
    assert databases["old.example"].queries == []


def test_the_command_requires_since(
    databases: dict[str, FakeDatabase], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli_main.main(_args())
    assert raised.value.code == 2
    assert "--since" in capsys.readouterr().err


def test_an_unreadable_database_is_exit_2(
    databases: dict[str, FakeDatabase], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main.main(_args("--since", "2026-11-29T07:00:00Z", old="gone.example"))

    assert code == 2
    assert "cannot read the databases: ConnectionRefusedError" in capsys.readouterr().err


# --- edges the mutation run found untested ----------------------------------------------------


def test_the_default_page_is_1000_and_the_default_since_the_epoch_inclusive() -> None:
    at_epoch = row(0, created_at=EPOCH)
    before = row(1, created_at=EPOCH - timedelta(microseconds=1))
    old = [at_epoch, before] + [row(n) for n in range(2, 2500)]

    report, old_db, new_db = run(old, [])

    assert DEFAULT_PAGE_SIZE == 1000
    assert report.page_size == 1000
    assert str(before.id) not in {d.payment_id for d in report.missing}
    assert str(at_epoch.id) in {d.payment_id for d in report.missing}
    assert new_db.looked_up == [1000, 1000, 499]
    assert [n for _, n in old_db.queries] == [1000, 1000, 499]


def test_a_page_of_one_row_works() -> None:
    rows = [row(n) for n in range(3)]

    report, old_db, _ = run(rows, rows[1:], page_size=1)

    assert [d.idempotency_key for d in report.missing] == ["key-000000"]
    assert old_db.queries == [("page", 1)] * 3 + [("page", 0)]


def test_the_lowest_ids_are_compared_too() -> None:
    """Reading starts below every id: a payment whose id is 00000000-...-0001 is compared."""
    lowest = row(1, id=uuid.UUID(int=1))

    report, _, _ = run([lowest], [])

    assert [d.payment_id for d in report.missing] == [str(lowest.id)]
    assert uuid.UUID(int=0) == NIL_ID


def test_a_row_without_a_client_on_one_side_still_has_its_other_fields_compared() -> None:
    old = row(1, client=None)
    new = replace(row(1), amount=Decimal("1.00"), status="failed")

    report, _, _ = run([old], [new])

    (entry,) = report.changed
    assert entry.differences == ("amount", "status")


def test_a_payment_made_again_in_a_region_that_sorts_first_is_recreated() -> None:
    """A failback: the old row in us-east-2, the new one in us-east-1, created earlier."""
    old = row(1, region="us-east-2", created_at=T0 + timedelta(minutes=5))

    report, _, _ = run([old], [row(1)])

    assert [d.kind for d in report.discrepancies] == ["recreated"]


class NoOffset(tzinfo):
    """A zone that does not know its offset."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_a_since_whose_zone_has_no_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="has no UTC offset"):
        compare(FakeDatabase([]), FakeDatabase([]), since=T0.replace(tzinfo=NoOffset()))


def test_options_are_passed_by_name() -> None:
    with pytest.raises(TypeError):
        compare(FakeDatabase([]), FakeDatabase([]), T0)  # type: ignore[misc]


def test_a_row_of_another_shape_is_refused() -> None:
    columns = row(1).columns()
    for shape in (columns[:10], [*columns, "extra"]):
        with pytest.raises(TypeError, match="expected 11 columns"):
            compare(FakeDatabase([]), RawDatabase([shape]))
    with pytest.raises(TypeError, match="column id is not a uuid"):
        compare(FakeDatabase([]), RawDatabase([["not-a-uuid", *columns[1:]]]))


class RawDatabase(FakeDatabase):
    """Answers every page query with the given rows, once."""

    def __init__(self, rows: list[list[object]]) -> None:
        super().__init__([])
        self.raw = rows

    def run(self, sql: str, **params: object) -> list[list[object]]:
        rows, self.raw = self.raw, []
        return rows


def test_reports_and_their_entries_are_immutable() -> None:
    report = _sample()
    entry = report.discrepancies[0]
    with pytest.raises(FrozenInstanceError):
        report.compared = 0  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        entry.kind = "changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        entry.payment.amount = "0"  # type: ignore[misc]


def test_the_table_shows_a_dash_for_a_payment_without_a_client() -> None:
    report, _, _ = run([row(1, client=None)], [])

    assert report.table()[3].split()[:3] == ["missing", str(row(1).id), "-"]
