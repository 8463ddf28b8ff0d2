"""Characterized totals reach Brightway's standard methods through one carrier flow each, unchanged."""

from __future__ import annotations

import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.characterization import CARRIERS, characterization_factor, flow_per_total, method_unit
from lca.errors import ReferenceDataError
from lca.study.impact_methods import GWP100, category_of
from tests import lca_cases as case
from tests.bw_fixtures import FOUR_METHODS

CATEGORY_OF = dict(zip(("climate", "minerals", "fossils", "water"), FOUR_METHODS))


@pytest.mark.parametrize("category", ["climate", "minerals", "fossils"])
def test_one_unit_of_a_characterized_total_in_gives_the_same_total_out(bw_project, category):
    grid = case.local_grid("ZZZ", **{category: 1.0})
    inv = case.inventory(
        f"carrier-{category}", grid, [case.provider("p", 1.0)], [case.scenario("one", [case.stage("s", "p", 1.0)])]
    )
    database = write_inventory(inv, project=bw_project)
    scores = {tuple(s.method): s.score for s in compute_scores(inv, database, FOUR_METHODS, project=bw_project).scores}
    assert scores[CATEGORY_OF[category]] == pytest.approx(1.0, rel=1e-6)
    others = [m for m in FOUR_METHODS if m != CATEGORY_OF[category]]
    assert all(scores[m] == 0 for m in others)  # a carrier is seen by its own category only


def test_water_is_booked_as_consumed_cubic_metres_and_characterized_with_the_world_average_aware_factor(bw_project):
    grid = case.local_grid("ZZW", water=1.0)  # 1 m3 consumed per kWh
    inv = case.inventory(
        "carrier-water", grid, [case.provider("p", 1.0)], [case.scenario("one", [case.stage("s", "p", 1.0)])]
    )
    database = write_inventory(inv, project=bw_project)
    scores = {tuple(s.method): s.score for s in compute_scores(inv, database, FOUR_METHODS, project=bw_project).scores}
    aware = characterization_factor(CATEGORY_OF["water"], "water")
    assert aware == pytest.approx(42.95)  # EF v3.1's unregionalized factor in bw2io's bundled data
    assert scores[CATEGORY_OF["water"]] == pytest.approx(aware, rel=1e-6)


def test_carrier_factors_are_read_from_the_bundled_methods_not_typed_in():
    assert characterization_factor(GWP100, "climate") == 1.0
    assert characterization_factor(CATEGORY_OF["minerals"], "minerals") == 1.0  # kg Sb-eq per kg Sb, by definition
    assert characterization_factor(CATEGORY_OF["fossils"], "fossils") == 36.0  # MJ per Sm3 of natural gas
    assert flow_per_total("fossils") == pytest.approx(1 / 36)
    assert CARRIERS["fossils"].flow_name == "Gas, natural"
    assert method_unit(CATEGORY_OF["fossils"]) == "MJ, net calorific value"


def test_a_method_the_background_data_cannot_serve_is_refused_with_the_supported_ones():
    gwp20 = ("IPCC 2021", "climate change", "global warming potential (GWP20)")
    with pytest.raises(ReferenceDataError) as err:
        category_of(gwp20)
    assert "GWP20" in str(err.value) and "water use" in str(err.value)
