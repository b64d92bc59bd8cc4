"""scripts/mutate.py: mutant identity, annotation spans, bytecode removal, and the reviewed
equivalents file (every entry names a target and gives a reason)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.mutation.scripts import REPO, load_script

mutate = load_script("mutate")


def test_mutant_key_is_operator_old_line_new_line() -> None:
    diff = (
        "--- mutation diff ---\n"
        "--- a/rules.py\n"
        "+++ b/rules.py\n"
        "@@ -74,1 +74,1 @@\n"
        "-    if total == 0:\n"
        "+    if total <= 0:\n"
    )
    assert mutate.mutant_key("core/ReplaceComparisonOperator_Eq_LtE", diff) == (
        "ReplaceComparisonOperator_Eq_LtE: if total == 0: -> if total <= 0:"
    )


def test_annotation_spans_only_with_postponed_annotations() -> None:
    source = (
        "from __future__ import annotations\n"
        "def f(a: int | None, *, b: str = 'x') -> list[int]:\n"
        "    c: float = 1.0\n"
        "    return [a or 0]\n"
    )
    assert mutate.annotation_spans(source) == [
        ((2, 41), (2, 50)),  # -> list[int]
        ((3, 7), (3, 12)),  # c: float
        ((2, 9), (2, 19)),  # a: int | None
        ((2, 27), (2, 30)),  # b: str
    ]
    # without the import annotations are evaluated, so their mutants run like any other
    assert mutate.annotation_spans(source.split("\n", 1)[1]) == []


def test_remove_bytecode_deletes_only_the_module_own_pyc(tmp_path: Path) -> None:
    module = tmp_path / "rules.py"
    module.write_text("X = 1\n", encoding="utf-8")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    names = ["rules.cpython-312.pyc", "rules.cpython-312.opt-1.pyc", "rules_extra.cpython-312.pyc"]
    for name in names:
        (cache / name).write_bytes(b"")
    removed = mutate.remove_bytecode(module)
    assert [path.name for path in removed] == names[:2][::-1]
    assert sorted(path.name for path in cache.iterdir()) == ["rules_extra.cpython-312.pyc"]


EQUIVALENTS = tomllib.loads((REPO / "tests/mutation/equivalent.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("target", sorted(EQUIVALENTS))
def test_every_reviewed_equivalent_names_a_target_and_a_reason(target: str) -> None:
    assert target in {
        "rules",
        "engine",
        "budget",
        "naming",
        "validation",
        "repository",
        "db",
        "writer",
        "payment_ids",
        "reconcile",
        "bounded",
        "resolver",
    }
    keys = [entry["mutant"] for entry in EQUIVALENTS[target]]
    assert len(keys) == len(set(keys)), "an equivalent is recorded twice"
    for entry in EQUIVALENTS[target]:
        assert set(entry) == {"mutant", "reason"}
        assert ": " in entry["mutant"]
        assert " -> " in entry["mutant"]
        assert len(entry["reason"]) >= 40, entry["mutant"]


def test_a_partial_run_keeps_the_published_rows_of_the_other_targets() -> None:
    published = mutate.parse_published(
        "| module | what it decides |\n"
        "|---|---|\n"
        "| `payment_dr_core/naming.py` | names | 90 | 80 | 2 | 8 | 0 | 10 | 91% | 9 s "
        "| 2026-01-02 |\n"
        "| `payment_service/orchestrator/rules.py` | rules | old row |\n"
        "\n"
        "Unreviewed survivors:\n"
        "\n"
        "- naming, line 7: NumberReplacer: x = 1 -> x = 2\n"
        "- rules, line 9: NumberReplacer: y = 1 -> y = 2\n"
        "\n"
        "Some other list:\n"
        "\n"
        "- budget, line 1: not a list this section writes\n"
        "\n"
        "Reviewed equivalent mutants (the reason is in `tests/mutation/equivalent.toml`):\n"
        "\n"
        "- naming, line 3: ReplaceComparisonOperator_Eq_Is: a == b -> a is b (interned)\n"
    )
    rules = mutate.Outcome(mutate.TARGETS["rules"], killed=9, survivors=["line 4: k -> j"])
    section = mutate.report([rules], published)
    table = [line for line in section.splitlines() if line.startswith("| `")]
    assert table[0].startswith("| `payment_service/orchestrator/rules.py` | orchestrator ")
    assert "| 10 | 9 | 0 | 1 | 0 | 0 | 90% | 0 s |" in table[0]
    assert table[1] == (
        "| `payment_dr_core/naming.py` | names | 90 | 80 | 2 | 8 | 0 | 10 | 91% | 9 s "
        "| 2026-01-02 |"
    )
    assert len(table) == 2
    listed = [line for line in section.splitlines() if line.startswith("- ")]
    assert listed == [
        "- rules, line 4: k -> j",
        "- naming, line 7: NumberReplacer: x = 1 -> x = 2",
        "- naming, line 3: ReplaceComparisonOperator_Eq_Is: a == b -> a is b (interned)",
    ]
