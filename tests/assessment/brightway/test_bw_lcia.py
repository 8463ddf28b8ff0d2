"""Foreground databases and their scores, checked against a case computed by hand."""

from __future__ import annotations

import pytest

from lca.assessment.brightway.foreground import database_name, write_inventory
from lca.assessment.brightway.lcia import (
    build_calculation,
    compute_scores,
    compute_scores_and_stages,
    stage_contributions,
)
from lca.assessment.brightway.project import GRID_DATABASE, activate
from lca.assessment.brightway.provision import ensure_project
from lca.errors import ReferenceDataError
from lca.records import Provider, ScenarioInventory, StageFlow, StudyInventory
from lca.study.impact_methods import GWP100
from lca.study.reference_data import grid_table
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

SPREAD = Uncertainty(distribution="lognormal", gsd=1.3, basis="test")


def tiny_inventory(run_id: str, country: str = "FRA") -> StudyInventory:
    """ML: 2 kWh training + 3 kWh inference at PUE 1.5; reference: 10 clerk hours at 70 W."""
    factor = grid_table().factor(country)
    return StudyInventory(
        study="tiny",
        run_id=run_id,
        country=country,
        grid_kg_co2e_per_kwh=factor.kg_co2e_per_kwh,
        grid_uncertainty=factor.uncertainty,
        grid_source=factor.source,
        functional_unit="1000 digits read",
        items=1000,
        providers=[
            Provider(
                name="it",
                label="IT electricity at PUE 1.5",
                unit="kilowatt hour",
                electricity_kwh_per_unit=1.5,
                uncertainty=SPREAD,
                comment="PUE",
            ),
            Provider(
                name="clerk",
                label="human work hour",
                unit="hour",
                electricity_kwh_per_unit=0.07,
                uncertainty=SPREAD,
                comment="70 W desktop",
            ),
        ],
        scenarios=[
            ScenarioInventory(
                name="ml",
                label="ML model",
                is_reference=False,
                stages=[
                    StageFlow(stage="training", provider="it", amount=2.0, uncertainty=SPREAD, comment="measured"),
                    StageFlow(stage="inference", provider="it", amount=3.0, uncertainty=SPREAD, comment="measured"),
                ],
            ),
            ScenarioInventory(
                name="reference",
                label="Clerks",
                is_reference=True,
                stages=[
                    StageFlow(
                        stage="reading", provider="clerk", amount=10.0, uncertainty=NO_UNCERTAINTY, comment="10 h"
                    ),
                ],
            ),
        ],
    )


@pytest.fixture(scope="module")
def written(bw_project):
    inv = tiny_inventory("run-1")
    return inv, write_inventory(inv, project=bw_project)


def by_scenario(results) -> dict[str, float]:
    assert {s.method for s in results.scores} == {GWP100}
    return {s.scenario: s.score for s in results.scores}


def test_scores_are_grid_electricity_times_the_grid_factor_computed_by_hand(written, bw_project):
    inv, database = written
    factor = grid_table().factor("FRA").kg_co2e_per_kwh
    results = compute_scores(inv, database, [GWP100], project=bw_project)
    assert database == "lca-ml fg__tiny__run-1" == results.foreground_database
    assert results.brightway_project == bw_project and (results.study, results.run_id) == ("tiny", "run-1")
    scores = by_scenario(results)
    assert scores["ml"] == pytest.approx((2 + 3) * 1.5 * factor, rel=1e-6)
    assert scores["reference"] == pytest.approx(10 * 0.07 * factor, rel=1e-6)
    assert {s.unit for s in results.scores} == {"kg CO2-Eq"}


def test_stage_scores_are_computed_by_hand_and_add_up_to_their_scenario(written, bw_project):
    inv, database = written
    factor = grid_table().factor("FRA").kg_co2e_per_kwh
    results, stages = compute_scores_and_stages(inv, database, [GWP100], project=bw_project)
    per_stage = {(s.scenario, s.stage): s.score for s in stages}
    assert per_stage == pytest.approx(
        {
            ("ml", "training"): 2 * 1.5 * factor,
            ("ml", "inference"): 3 * 1.5 * factor,
            ("reference", "reading"): 10 * 0.07 * factor,
        },
        rel=1e-6,
    )
    for scenario, score in by_scenario(results).items():
        assert sum(v for (name, _), v in per_stage.items() if name == scenario) == pytest.approx(score, rel=1e-6)
    assert stage_contributions(inv, database, [GWP100], project=bw_project) == stages


def test_the_foreground_keeps_providers_stages_and_scenarios_apart(written, bw_project):
    inv, database = written
    bd = activate(bw_project)
    nodes = {node["code"]: node for node in bd.Database(database)}
    assert len(nodes) == 2 + 3 + 2
    training = nodes["stage::ml::training"]
    assert training["name"] == "ML model – training"
    (provider,) = training.technosphere()
    assert provider.input["code"] == "provider::it" and provider["amount"] == 2.0
    assert provider["uncertainty type"] == 2
    (grid,) = nodes["provider::it"].technosphere()
    assert grid.input.key == (GRID_DATABASE, "FRA") and grid["amount"] == 1.5
    assert nodes["provider::clerk"]["unit"] == "hour"
    ml = nodes["ml"]
    assert sorted(e.input["code"] for e in ml.technosphere()) == ["stage::ml::inference", "stage::ml::training"]
    assert all(
        len(list(node.production())) == 1 and next(iter(node.production()))["amount"] == 1 for node in nodes.values()
    )


def test_writing_the_same_run_again_replaces_it_without_duplicates(bw_project):
    inv = tiny_inventory("run-retried")
    first = write_inventory(inv, project=bw_project)
    again = write_inventory(inv, project=bw_project)
    assert first == again == database_name(inv)
    bd = activate(bw_project)
    codes = [node["code"] for node in bd.Database(first)]
    assert len(codes) == len(set(codes)) == 7
    exchanges = sum(len(list(node.exchanges())) for node in bd.Database(first))
    assert exchanges == 7 + 2 + 3 + 3  # productions, provider->grid, stage->provider, scenario->stages
    assert by_scenario(compute_scores(inv, first, [GWP100], project=bw_project))["reference"] == pytest.approx(
        0.7 * grid_table().factor("FRA").kg_co2e_per_kwh, rel=1e-6
    )


def test_an_inventory_whose_grid_factor_differs_from_the_project_is_refused(bw_project):
    inv = tiny_inventory("run-stale").model_copy(update={"grid_kg_co2e_per_kwh": 0.5})
    with pytest.raises(ReferenceDataError, match="grid factor for FRA"):
        write_inventory(inv, project=bw_project)
    assert database_name(inv) not in activate(bw_project).databases


def test_a_rewritten_grid_database_leaves_existing_foregrounds_computable(written, bw_project):
    # Rewriting gives the grid activities new ids; dependent databases must be re-processed.
    inv, database = written
    bd = activate(bw_project)
    old_id = bd.get_node(database=GRID_DATABASE, code="FRA").id
    bd.databases[GRID_DATABASE]["lca_fingerprint"] = "stale"
    bd.databases.flush()
    ensure_project([GWP100], project=bw_project)
    bd = activate(bw_project)
    assert bd.get_node(database=GRID_DATABASE, code="FRA").id != old_id
    scores = by_scenario(compute_scores(inv, database, [GWP100], project=bw_project))
    assert scores["ml"] == pytest.approx(7.5 * grid_table().factor("FRA").kg_co2e_per_kwh, rel=1e-6)


def test_distributions_give_reproducible_draws_around_the_deterministic_scores(written, bw_project):
    inv, database = written
    deterministic = by_scenario(compute_scores(inv, database, [GWP100], project=bw_project))

    def draws(seed: int) -> list[dict[str, float]]:
        calc = build_calculation(
            inv, database, [GWP100], project=bw_project, stages=False, use_distributions=True, seed=seed
        )
        out = []
        for _ in range(5):
            next(calc.mlca)
            out.append({s.scenario: s.score for s in calc.scores()})
        return out

    first, same = draws(7), draws(7)
    assert first == same
    assert all(d["ml"] > 0 and d["reference"] > 0 for d in first)
    assert len({round(d["ml"], 9) for d in first}) == 5  # uncertainty reached the matrices
    assert all(d["ml"] != pytest.approx(deterministic["ml"], rel=1e-6) for d in first)


def test_one_draw_of_the_grid_serves_every_scenario_so_comparisons_are_paired(bw_project):
    certain = tiny_inventory("run-paired")
    certain = certain.model_copy(
        update={
            "providers": [p.model_copy(update={"uncertainty": NO_UNCERTAINTY}) for p in certain.providers],
            "scenarios": [
                s.model_copy(
                    update={"stages": [f.model_copy(update={"uncertainty": NO_UNCERTAINTY}) for f in s.stages]}
                )
                for s in certain.scenarios
            ],
        }
    )
    database = write_inventory(certain, project=bw_project)
    calc = build_calculation(certain, database, [GWP100], project=bw_project, use_distributions=True, seed=3)
    ratios, mls = [], []
    for _ in range(5):
        next(calc.mlca)
        scores = {s.scenario: s.score for s in calc.scores()}
        mls.append(scores["ml"])
        ratios.append(scores["ml"] / scores["reference"])
    assert len({round(v, 9) for v in mls}) == 5  # the grid factor is drawn...
    assert ratios == pytest.approx([7.5 / 0.7] * 5, rel=1e-6)  # ...once for both scenarios


def test_a_country_missing_from_the_grid_database_is_named(bw_project):
    inv = tiny_inventory("run-nowhere").model_copy(update={"country": "ZZZ"})
    with pytest.raises(ReferenceDataError, match="no activity for country 'ZZZ'"):
        write_inventory(inv, project=bw_project)
