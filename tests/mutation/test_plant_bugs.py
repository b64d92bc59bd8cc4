"""scripts/plant_bugs.py: every plant still applies to the code and names a test that exists
(the plants themselves run in CI through ``make plant``)."""

from __future__ import annotations

import pytest

from tests.mutation.scripts import REPO, load_script

plant_bugs = load_script("plant_bugs")


@pytest.mark.parametrize("plant", plant_bugs.PLANTS, ids=lambda plant: plant.behaviour)
def test_each_plant_replaces_text_found_once_and_names_an_existing_test(plant: object) -> None:
    source = (REPO / plant.path).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert source.count(plant.old) == 1  # type: ignore[attr-defined]
    assert plant.new != plant.old  # type: ignore[attr-defined]
    test_file, test_name = plant.test.split("::")  # type: ignore[attr-defined]
    assert f"def {test_name}(" in (REPO / test_file).read_text(encoding="utf-8")


def test_the_documented_table_lists_every_plant() -> None:
    testing = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    section = testing.split("<!-- planted-bugs:begin -->")[1].split("<!-- planted-bugs:end -->")[0]
    for plant in plant_bugs.PLANTS:
        assert f"`{plant.test}` | yes |" in section
