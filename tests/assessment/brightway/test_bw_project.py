"""The offline Brightway project: biosphere3, only the requested methods, the grid database."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

from lca.assessment.background import grid_impacts
from lca.assessment.brightway.bundled import available_methods
from lca.assessment.brightway.project import BACKGROUND_DATABASE, BIOSPHERE, GRID_DATABASE, activate
from lca.assessment.brightway.provision import ensure_project
from lca.assessment.hardware import hardware_table
from lca.errors import ReferenceDataError
from lca.study.impact_methods import GWP100
from lca.study.reference_data import grid_table
from tests.bw_fixtures import FOUR_METHODS


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
    assert sorted(bd.methods) == sorted(FOUR_METHODS)


def test_the_grid_database_has_one_activity_per_country_booking_each_category_on_its_carrier_flow(bw_project):
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
    flows = {exc.input["name"]: exc for exc in france.biosphere()}
    assert set(flows) == {"Carbon dioxide, fossil", "Antimony", "Gas, natural", "Water"}
    co2 = flows["Carbon dioxide, fossil"]
    assert co2.input["categories"] == ("air",)
    assert co2["amount"] == pytest.approx(table.factor("FRA").kg_co2e_per_kwh)
    assert co2["uncertainty type"] == 2
    assert co2["scale"] == pytest.approx(math.log(table.uncertainty.gsd))
    totals = grid_impacts("FRA").totals
    assert flows["Gas, natural"]["amount"] == pytest.approx(totals["fossils"] / 36)  # EF's 36 MJ per Sm3
    assert flows["Antimony"]["amount"] == pytest.approx(totals["minerals"])
    assert flows["Water"]["amount"] == pytest.approx(totals["water"])


def test_the_background_database_holds_every_device_and_office_heating(bw_project):
    bd = activate(bw_project)
    codes = {node["code"] for node in bd.Database(BACKGROUND_DATABASE)}
    assert codes == {f"device::{d}" for d in hardware_table().devices} | {"heat::natural_gas"}
    server = bd.get_node(database=BACKGROUND_DATABASE, code="device::server_2s_r740")
    co2 = next(e for e in server.biosphere() if e.input["name"] == "Carbon dioxide, fossil")
    assert co2["amount"] == pytest.approx(hardware_table().device("server_2s_r740").totals["climate"])


def test_ensure_project_a_second_time_writes_nothing_and_duplicates_nothing(bw_project):
    bd = activate(bw_project)
    before = {name: dict(meta) for name, meta in bd.databases.items()}
    started = time.perf_counter()
    ensure_project([GWP100, list(GWP100)], project=bw_project)  # a list spelling is the same method
    elapsed = time.perf_counter() - started
    bd = activate(bw_project)
    assert sorted(bd.methods) == sorted(FOUR_METHODS)
    for name in (BIOSPHERE, GRID_DATABASE, BACKGROUND_DATABASE):
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

    code = (
        "import sys, lca.assessment.brightway.project, lca.assessment.brightway.provision, "
        "lca.assessment.brightway.foreground, "
        "lca.assessment.brightway.lcia; print(sorted(m for m in sys.modules if m.startswith('bw')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_project_is_reported_not_created(bw_project):
    with pytest.raises(ReferenceDataError, match="'no-such-project' does not exist"):
        activate("no-such-project")
    bd = activate(bw_project)
    assert "no-such-project" not in bd.projects
