"""The offline Brightway project: biosphere3, only the requested methods, the grid database."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

from lca.bw.project import BIOSPHERE, GRID_DATABASE, activate, available_methods, ensure_project
from lca.errors import ReferenceDataError
from lca.reference_data import grid_table
from lca.study import GWP100


def test_biosphere3_is_the_bundled_ecoinvent_one_and_gwp100_counts_fossil_co2_as_one(bw_project):
    bd = activate(bw_project)
    assert len(bd.Database(BIOSPHERE)) > 4000
    assert GWP100 in bd.methods
    assert bd.methods[GWP100]["unit"] == "kg CO2-Eq"
    co2 = bd.get_node(database=BIOSPHERE, name="Carbon dioxide, fossil", categories=("air",))
    cfs = {node.id: cf for node, cf, *_ in bd.Method(GWP100)}
    assert cfs[co2.id] == 1


def test_only_the_requested_methods_are_installed(bw_project):
    bd = activate(bw_project)
    assert len(available_methods()) > 700  # what could have been written
    assert list(bd.methods) == [GWP100]


def test_the_grid_database_has_one_activity_per_country_emitting_its_factor_with_its_uncertainty(bw_project):
    bd = activate(bw_project)
    table = grid_table()
    nodes = list(bd.Database(GRID_DATABASE))
    assert sorted(node["code"] for node in nodes) == sorted(table.factors)
    france = bd.get_node(database=GRID_DATABASE, code="FRA")
    assert france["unit"] == "kilowatt hour" and france["location"] == "FRA"
    assert france["name"] == f"electricity, national generation mix, {table.factor('FRA').country}"
    assert table.source.split()[0] in france["comment"]
    (production,) = france.production()
    assert production["amount"] == 1
    (emission,) = france.biosphere()
    assert emission.input["name"] == "Carbon dioxide, fossil" and emission.input["categories"] == ("air",)
    assert emission["amount"] == pytest.approx(table.factor("FRA").kg_co2e_per_kwh)
    assert emission["uncertainty type"] == 2
    assert emission["scale"] == pytest.approx(math.log(table.uncertainty.gsd))


def test_ensure_project_a_second_time_writes_nothing_and_duplicates_nothing(bw_project):
    bd = activate(bw_project)
    before = {name: dict(meta) for name, meta in bd.databases.items()}
    started = time.perf_counter()
    ensure_project([GWP100, list(GWP100)], project=bw_project)  # a list spelling is the same method
    elapsed = time.perf_counter() - started
    bd = activate(bw_project)
    assert list(bd.methods) == [GWP100]
    for name in (BIOSPHERE, GRID_DATABASE):
        assert bd.databases[name]["modified"] == before[name]["modified"]
        codes = Counter(node["code"] for node in bd.Database(name))
        assert max(codes.values()) == 1
    assert len(bd.Database(GRID_DATABASE)) == len(grid_table().factors)
    assert elapsed < 5  # generous: nothing is written, only metadata read (well under 1 s here)


def test_an_unknown_method_is_named_with_close_matches_and_nothing_is_written(bw_project):
    wrong = ("IPCC 2021", "climate change", "GWP 100")
    with pytest.raises(ReferenceDataError) as info:
        ensure_project([GWP100, wrong], project=bw_project)
    message = str(info.value)
    assert repr(wrong) in message
    assert repr(GWP100) in message  # offered as a close match
    assert wrong not in activate(bw_project).methods


def test_a_method_name_must_be_a_tuple_of_strings(bw_project):
    with pytest.raises(ReferenceDataError, match="tuple of strings"):
        ensure_project(["IPCC 2021"], project=bw_project)


def test_importing_lca_bw_loads_no_brightway_module():
    # DAG files are parsed at every task start: Brightway (~2 s to import) must load only when used.
    import subprocess
    import sys

    code = "import sys, lca.bw.project, lca.bw.foreground, lca.bw.lcia; print(sorted(m for m in sys.modules if m.startswith('bw')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_project_is_reported_not_created(bw_project):
    with pytest.raises(ReferenceDataError, match="'no-such-project' does not exist"):
        activate("no-such-project")
    bd = activate(bw_project)
    assert "no-such-project" not in bd.projects
