"""The Excel export is a self-contained Brightway database: imported back, it gives the same scores."""

from __future__ import annotations

import pytest

from lca.assessment.brightway.export import export_excel, export_name
from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.brightway.project import activate
from tests.bw_fixtures import FOUR_METHODS
from tests.records_factory import digits_inventory


def test_the_exported_workbook_imports_with_every_exchange_linked_and_gives_the_same_scores(bw_project, tmp_path):
    import bw2calc
    import bw2io

    inv = digits_inventory("export-1")
    database = write_inventory(inv, project=bw_project)
    original = {
        (s.scenario, tuple(s.method)): s.score
        for s in compute_scores(inv, database, FOUR_METHODS, project=bw_project).scores
    }

    path = export_excel(inv, database, tmp_path / "inventory.xlsx", project=bw_project)
    bd = activate(bw_project)
    assert path.is_file() and export_name(inv) not in bd.databases  # the temporary copy is gone

    importer = bw2io.ExcelImporter(str(path))
    importer.apply_strategies()
    importer.match_database("biosphere3", kind="biosphere")
    assert importer.statistics(print_stats=False)[2] == 0  # no unlinked exchange: it needs nothing but biosphere3
    importer.write_database()
    imported = bd.Database(importer.db_name)
    names = {node["name"]: node for node in imported}
    assert any(n.startswith("electricity, national generation mix") for n in names)  # the grid travelled with it
    assert {node["database"] for node in imported} == {importer.db_name}
    inputs = {e.input["database"] for n in imported for e in n.technosphere()}
    assert inputs == {importer.db_name}  # nothing from the project's GRID_DATABASE or BACKGROUND_DATABASE
    assert {e.input["database"] for n in imported for e in n.biosphere()} == {"biosphere3"}
    for s in inv.scenarios:
        lca = bw2calc.MultiLCA(
            {"d": {names[s.label].id: 1}},
            {"impact_categories": FOUR_METHODS},
            bd.get_multilca_data_objs({"d": {names[s.label].id: 1}}, {"impact_categories": FOUR_METHODS}),
        )
        lca.lci()
        lca.lcia()
        for m in FOUR_METHODS:
            assert lca.scores[(m, "d")] == pytest.approx(original[(s.name, m)], rel=1e-6)
    del bd.databases[importer.db_name]
